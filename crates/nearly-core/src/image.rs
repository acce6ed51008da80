//! Image URLs and the private-host guard.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::ValidationError;
use crate::limits::IMAGE_URL_MAX_CHARS;
use crate::text::{char_len, is_unsafe_char};

/// A profile image URL that is safe to hand to other clients.
///
/// Rules, in the order they are checked:
/// 1. at most 512 characters;
/// 2. no whitespace, control, zero-width or bidi characters (browsers silently strip tabs and
///    newlines from URLs, which could reassemble a refused host);
/// 3. scheme `https` (case-insensitive), followed by `//`;
/// 4. no `@` in the authority (no credentials, no `user@host` confusion);
/// 5. the host is an ASCII name (IDN hosts must be written in punycode, since international
///    spellings such as full-width digits map onto IP addresses), a dotted-decimal IPv4 address
///    or a bracketed IPv6 address, and the port, if any, is 443 (any other port reaches another
///    service than a web server: `:22`, `:6379`);
/// 6. the host is not local: `localhost`, single-label names, `*.localhost`, `*.local` (so
///    `*.cluster.local`), `*.svc` (Kubernetes services), `*.internal`, `*.localdomain`,
///    `*.lan`, `*.home.arpa`; IPv4 in 0/8, 10/8, 100.64/10,
///    127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.168/16, 198.18/15, 224/4 (multicast) and
///    240/4 (reserved, broadcast); IPv6 `::`, `::1`, fe80::/10, fec0::/10, fc00::/7, ff00::/8,
///    and IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64 (64:ff9b::/96) and 6to4
///    (2002::/16) addresses whose embedded IPv4 address is refused;
/// 7. IPv4 is written as four decimal parts without leading zeros: the other spellings that URL
///    parsers accept (`2130706433`, `0x7f000001`, `0x7f.0.0.1`, `0177.0.0.1`, `127.1`) are
///    refused whatever address they denote.
///
/// ```
/// use nearly_core::{ImageUrl, ValidationError};
/// assert!(ImageUrl::parse("https://example.com/avatar.png").is_ok());
/// assert_eq!(ImageUrl::parse("http://example.com/a.png"), Err(ValidationError::ImageUrlNotHttps));
/// assert_eq!(ImageUrl::parse("https://127.0.0.1/a.png"), Err(ValidationError::ImageUrlPrivateHost));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageUrl(String);

impl ImageUrl {
    /// Validates an image URL.
    ///
    /// # Errors
    /// The `ImageUrl*` variants of [`ValidationError`].
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        check(raw)?;
        Ok(Self(raw.to_owned()))
    }

    /// The URL as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Consumes the URL and returns the inner string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for ImageUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ImageUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ImageUrl {
    type Error = ValidationError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        check(&value)?;
        Ok(Self(value))
    }
}

impl Serialize for ImageUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ImageUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::try_from(raw).map_err(serde::de::Error::custom)
    }
}

fn check(raw: &str) -> Result<(), ValidationError> {
    let actual = char_len(raw);
    if actual > IMAGE_URL_MAX_CHARS {
        return Err(ValidationError::ImageUrlTooLong {
            max: IMAGE_URL_MAX_CHARS,
            actual,
        });
    }
    if let Some(ch) = raw
        .chars()
        .find(|&c| c.is_whitespace() || is_unsafe_char(c, false))
    {
        return Err(ValidationError::ImageUrlUnsafeChar { ch });
    }
    let Some((scheme, rest)) = raw.split_once(':') else {
        return Err(ValidationError::ImageUrlMalformed);
    };
    if !scheme.eq_ignore_ascii_case("https") {
        return Err(ValidationError::ImageUrlNotHttps);
    }
    let Some(rest) = rest.strip_prefix("//") else {
        return Err(ValidationError::ImageUrlMalformed);
    };
    // URL parsers end the authority at '/', '?', '#' and (for https) '\'.
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.contains('@') {
        return Err(ValidationError::ImageUrlCredentials);
    }
    let (host, port) = split_host_port(authority)?;
    if let Some(port) = port
        && !port.is_empty()
        && !(port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| p <= 65_535))
    {
        return Err(ValidationError::ImageUrlInvalidPort);
    }
    match host {
        Host::V6(literal) => {
            let addr: Ipv6Addr = literal
                .parse()
                .map_err(|_| ValidationError::ImageUrlInvalidHost)?;
            if is_blocked_v6(addr) {
                return Err(ValidationError::ImageUrlPrivateHost);
            }
        }
        Host::Name(name) => check_host_name(name)?,
    }
    // Checked after the host, so a private host is reported as such whatever its port.
    if let Some(port) = port.filter(|p| !p.is_empty())
        && let Ok(port) = port.parse::<u16>()
        && port != 443
    {
        return Err(ValidationError::ImageUrlPortNotAllowed { port });
    }
    Ok(())
}

enum Host<'a> {
    V6(&'a str),
    Name(&'a str),
}

fn split_host_port(authority: &str) -> Result<(Host<'_>, Option<&str>), ValidationError> {
    if let Some(bracketed) = authority.strip_prefix('[') {
        let Some((literal, after)) = bracketed.split_once(']') else {
            return Err(ValidationError::ImageUrlInvalidHost);
        };
        let port = if after.is_empty() {
            None
        } else {
            Some(
                after
                    .strip_prefix(':')
                    .ok_or(ValidationError::ImageUrlInvalidPort)?,
            )
        };
        return Ok((Host::V6(literal), port));
    }
    Ok(match authority.split_once(':') {
        Some((host, port)) => (Host::Name(host), Some(port)),
        None => (Host::Name(authority), None),
    })
}

/// Local-only DNS suffixes (matched as whole labels).
const LOCAL_SUFFIXES: [&str; 7] = [
    "localhost",
    "local",
    "svc",
    "internal",
    "localdomain",
    "lan",
    "home.arpa",
];

fn check_host_name(host: &str) -> Result<(), ValidationError> {
    if host.is_empty() || !host.is_ascii() {
        return Err(ValidationError::ImageUrlInvalidHost);
    }
    let host = host.to_ascii_lowercase();
    // One trailing dot is the DNS root: `localhost.` is `localhost`.
    let host = host.strip_suffix('.').unwrap_or(&host);
    let valid_chars = host
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.'));
    if host.is_empty() || !valid_chars || host.split('.').any(str::is_empty) {
        return Err(ValidationError::ImageUrlInvalidHost);
    }
    let last_label = host.rsplit('.').next().unwrap_or(host);
    if looks_numeric(last_label) {
        // URL parsers read such a host as IPv4, in any of several spellings.
        let Some(addr) = parse_ipv4_like_url_parsers(host) else {
            return Err(ValidationError::ImageUrlInvalidHost);
        };
        if !is_canonical_dotted_decimal(host) {
            return Err(ValidationError::ImageUrlNumericHost);
        }
        if is_blocked_v4(addr) {
            return Err(ValidationError::ImageUrlPrivateHost);
        }
        return Ok(());
    }
    let local_suffix = LOCAL_SUFFIXES.iter().any(|suffix| {
        host == *suffix
            || host
                .strip_suffix(suffix)
                .is_some_and(|head| head.ends_with('.'))
    });
    if local_suffix || !host.contains('.') {
        return Err(ValidationError::ImageUrlPrivateHost);
    }
    Ok(())
}

/// Whether a label is a number as the WHATWG URL host parser sees one: all decimal digits, or
/// `0x`/`0X` followed by hex digits (possibly none).
fn looks_numeric(label: &str) -> bool {
    if let Some(hex) = label
        .strip_prefix("0x")
        .or_else(|| label.strip_prefix("0X"))
    {
        return hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    !label.is_empty() && label.bytes().all(|b| b.is_ascii_digit())
}

/// Parses one IPv4 part: decimal, `0x` hex or leading-zero octal.
fn parse_ipv4_number(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(digits, radix).ok()
}

/// The IPv4 address a URL parser would read from `host` (WHATWG "IPv4 parser": one to four
/// parts, each decimal, hex or octal, the last filling the remaining bytes).
fn parse_ipv4_like_url_parsers(host: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut numbers = Vec::with_capacity(parts.len());
    for part in &parts {
        numbers.push(parse_ipv4_number(part)?);
    }
    let (last, init) = numbers.split_last()?;
    if init.iter().any(|&n| n > 255) {
        return None;
    }
    let remaining_bytes = 5 - numbers.len();
    if *last >= 1u64 << (8 * remaining_bytes) {
        return None;
    }
    let mut value = *last;
    for (i, n) in init.iter().enumerate() {
        value += n << (8 * (3 - i));
    }
    u32::try_from(value).ok().map(Ipv4Addr::from)
}

fn is_canonical_dotted_decimal(host: &str) -> bool {
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.len() <= 3
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

fn is_blocked_v4(addr: Ipv4Addr) -> bool {
    let [a, b, c, _] = addr.octets();
    a == 0
        || a == 10
        || (a == 100 && (64..=127).contains(&b))
        || a == 127
        || (a == 169 && b == 254)
        || (a == 172 && (16..=31).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 192 && b == 168)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 224
}

fn embedded_v4(segments: &[u16]) -> Ipv4Addr {
    let hi = segments.first().copied().unwrap_or(0).to_be_bytes();
    let lo = segments.get(1).copied().unwrap_or(0).to_be_bytes();
    Ipv4Addr::new(hi[0], hi[1], lo[0], lo[1])
}

fn is_blocked_v6(addr: Ipv6Addr) -> bool {
    let s = addr.segments();
    if addr.is_unspecified() || addr.is_loopback() {
        return true;
    }
    let first = s[0];
    if (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local fec0::/10
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xff00) == 0xff00
    // multicast ff00::/8
    {
        return true;
    }
    let tail_v4 = embedded_v4(&s[6..8]);
    let zeros = |range: std::ops::Range<usize>| s[range].iter().all(|&x| x == 0);
    // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), ::ffff:0:a.b.c.d (translated).
    let mapped = zeros(0..5) && s[5] == 0xffff;
    let compatible = zeros(0..6);
    let translated = zeros(0..4) && s[4] == 0xffff && s[5] == 0;
    let nat64 = s[0] == 0x0064 && s[1] == 0xff9b && zeros(2..6);
    if (mapped || compatible || translated || nat64) && is_blocked_v4(tail_v4) {
        return true;
    }
    // 6to4: 2002:AABB:CCDD::/48 embeds AA.BB.CC.DD.
    first == 0x2002 && is_blocked_v4(embedded_v4(&s[1..3]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(url: &str) -> ValidationError {
        ImageUrl::parse(url).unwrap_err()
    }

    #[test]
    fn accepts_ordinary_https_urls() {
        for ok in [
            "https://example.com/a.png",
            "HTTPS://Example.COM/a.png",
            "https://cdn.example.com:443/x/y.png?size=64#top",
            "https://example.com",
            "https://example.com.",
            "https://8.8.8.8/a.png",
            "https://[2606:4700::1111]/a.png",
            "https://xn--mnchen-3ya.de/a.png",
            "https://my_host.example.com/a.png",
            "https://1.2.3.example.com/a.png",
        ] {
            assert!(ImageUrl::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn length_limit_is_512_chars() {
        let base = "https://example.com/";
        let ok = format!("{base}{}", "a".repeat(512 - base.len()));
        assert!(ImageUrl::parse(&ok).is_ok());
        let long = format!("{ok}a");
        assert_eq!(
            err(&long),
            ValidationError::ImageUrlTooLong {
                max: 512,
                actual: 513
            }
        );
    }

    #[test]
    fn https_only() {
        for bad in [
            "http://example.com/a.png",
            "ftp://example.com/a.png",
            "javascript:alert(1)",
            "data:image/png;base64,AAAA",
        ] {
            assert_eq!(err(bad), ValidationError::ImageUrlNotHttps, "{bad}");
        }
        assert_eq!(err("example.com/a.png"), ValidationError::ImageUrlMalformed);
        assert_eq!(err("https:example.com"), ValidationError::ImageUrlMalformed);
    }

    #[test]
    fn refuses_credentials_and_bad_syntax() {
        assert_eq!(
            err("https://user:pw@example.com/a.png"),
            ValidationError::ImageUrlCredentials
        );
        assert_eq!(
            err("https://example.com@127.0.0.1/"),
            ValidationError::ImageUrlCredentials
        );
        // '@' after the authority is just a path character.
        assert!(ImageUrl::parse("https://example.com/@me.png").is_ok());
        assert_eq!(err("https:///a.png"), ValidationError::ImageUrlInvalidHost);
        assert_eq!(
            err("https://exa mple.com/"),
            ValidationError::ImageUrlUnsafeChar { ch: ' ' }
        );
        assert_eq!(
            err("https://127.0.\n0.1/"),
            ValidationError::ImageUrlUnsafeChar { ch: '\n' }
        );
        assert_eq!(
            err("https://münchen.de/"),
            ValidationError::ImageUrlInvalidHost
        );
        assert_eq!(
            err("https://%6cocalhost/"),
            ValidationError::ImageUrlInvalidHost
        );
        assert_eq!(
            err("https://a..b.com/"),
            ValidationError::ImageUrlInvalidHost
        );
        assert_eq!(
            err("https://example.com:99999/"),
            ValidationError::ImageUrlInvalidPort
        );
        assert_eq!(
            err("https://example.com:80a/"),
            ValidationError::ImageUrlInvalidPort
        );
        assert_eq!(err("https://[::1/"), ValidationError::ImageUrlInvalidHost);
        assert_eq!(
            err("https://[fe80::1%25eth0]/"),
            ValidationError::ImageUrlInvalidHost
        );
    }

    #[test]
    fn refuses_ports_other_than_443() {
        for (url, port) in [
            ("https://example.com:22/a.png", 22),
            ("https://example.com:6379/", 6379),
            ("https://cdn.example.com:8443/a.png", 8443),
            ("https://8.8.8.8:80/", 80),
            ("https://[2606:4700::1111]:0/", 0),
        ] {
            assert_eq!(
                err(url),
                ValidationError::ImageUrlPortNotAllowed { port },
                "{url}"
            );
        }
        assert!(ImageUrl::parse("https://example.com:443/a.png").is_ok());
        assert!(ImageUrl::parse("https://example.com:/a.png").is_ok());
    }

    #[test]
    fn refuses_local_names() {
        for bad in [
            "https://localhost/a.png",
            "https://LOCALHOST./a.png",
            "https://api.localhost/a.png",
            "https://printer.local/a.png",
            "https://metadata.google.internal/a.png",
            "https://intranet/a.png",
            "https://router.home.arpa/a.png",
            "https://redis.default.svc/a.png",
            "https://redis.default.svc.cluster.local/a.png",
            "https://api.svc./a.png",
        ] {
            assert_eq!(err(bad), ValidationError::ImageUrlPrivateHost, "{bad}");
        }
        // Only whole labels count.
        assert!(ImageUrl::parse("https://notlocal.com/a.png").is_ok());
        assert!(ImageUrl::parse("https://local.example.com/a.png").is_ok());
    }

    #[test]
    fn refuses_private_ipv4() {
        for bad in [
            "https://0.0.0.0/",
            "https://127.0.0.1/",
            "https://127.255.0.9:443/",
            "https://10.1.2.3/",
            "https://172.16.0.1/",
            "https://172.31.255.255/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://255.255.255.255/",
            "https://224.0.0.1/",
        ] {
            assert_eq!(err(bad), ValidationError::ImageUrlPrivateHost, "{bad}");
        }
        assert!(ImageUrl::parse("https://172.15.0.1/").is_ok());
        assert!(ImageUrl::parse("https://172.32.0.1/").is_ok());
    }

    #[test]
    fn refuses_numeric_ipv4_spellings() {
        for bad in [
            "https://2130706433/",
            "https://0x7f000001/",
            "https://0x7f.0.0.1/",
            "https://0177.0.0.1/",
            "https://127.1/",
            "https://134744072/", // 8.8.8.8, but obfuscated all the same
            "https://08.8.8.8/",
        ] {
            let e = err(bad);
            assert!(
                e == ValidationError::ImageUrlNumericHost
                    || e == ValidationError::ImageUrlInvalidHost,
                "{bad}: {e:?}"
            );
        }
        assert_eq!(
            err("https://2130706433/"),
            ValidationError::ImageUrlNumericHost
        );
        assert_eq!(
            err("https://0x7f.0.0.1/"),
            ValidationError::ImageUrlNumericHost
        );
        assert_eq!(err("https://127.1/"), ValidationError::ImageUrlNumericHost);
        // Not a number in any base: refused as a host, like URL parsers do.
        assert_eq!(
            err("https://08.8.8.8/"),
            ValidationError::ImageUrlInvalidHost
        );
        assert_eq!(
            err("https://1.2.3.4.5/"),
            ValidationError::ImageUrlInvalidHost
        );
        assert_eq!(
            err("https://256.1.1.1/"),
            ValidationError::ImageUrlInvalidHost
        );
        assert_eq!(
            err("https://example.123/"),
            ValidationError::ImageUrlInvalidHost
        );
    }

    #[test]
    fn url_parser_ipv4_reading_matches_whatwg() {
        let lo = Some(Ipv4Addr::new(127, 0, 0, 1));
        assert_eq!(parse_ipv4_like_url_parsers("2130706433"), lo);
        assert_eq!(parse_ipv4_like_url_parsers("0x7f000001"), lo);
        assert_eq!(parse_ipv4_like_url_parsers("0x7f.0.0.1"), lo);
        assert_eq!(parse_ipv4_like_url_parsers("0177.0.0.1"), lo);
        assert_eq!(parse_ipv4_like_url_parsers("127.1"), lo);
        assert_eq!(parse_ipv4_like_url_parsers("127.0.1"), lo);
        assert_eq!(parse_ipv4_like_url_parsers("4294967296"), None);
        assert_eq!(
            parse_ipv4_like_url_parsers("1.256"),
            Some(Ipv4Addr::new(1, 0, 1, 0))
        );
    }

    #[test]
    fn refuses_private_ipv6() {
        for bad in [
            "https://[::]/",
            "https://[::1]/",
            "https://[0:0:0:0:0:0:0:1]:8080/",
            "https://[fe80::1]/",
            "https://[febf::1]/",
            "https://[fc00::1]/",
            "https://[fd12:3456::1]/",
            "https://[ff02::1]/",
            "https://[::ffff:127.0.0.1]/",
            "https://[::ffff:7f00:1]/",
            "https://[::FFFF:10.0.0.1]/",
            "https://[::ffff:192.168.0.1]/",
            "https://[::ffff:a9fe:a9fe]/",
            "https://[::127.0.0.1]/",
            "https://[64:ff9b::7f00:1]/",
            "https://[2002:7f00:1::]/",
        ] {
            assert_eq!(err(bad), ValidationError::ImageUrlPrivateHost, "{bad}");
        }
        assert!(ImageUrl::parse("https://[::ffff:8.8.8.8]/").is_ok());
        assert!(ImageUrl::parse("https://[2001:db8::1]/").is_ok());
    }

    #[test]
    fn serde_validates() {
        assert!(serde_json::from_str::<ImageUrl>(r#""https://localhost/""#).is_err());
        let url: ImageUrl = serde_json::from_str(r#""https://example.com/a.png""#).unwrap();
        assert_eq!(
            serde_json::to_string(&url).unwrap(),
            r#""https://example.com/a.png""#
        );
    }
}
