use nearly_core::{
    AccountId, Capabilities, Description, ImageUrl, KeySuffix, Name, ProfilePatch, Reason, Tag,
    Tags, ValidationError,
};
use proptest::prelude::*;

use crate::strategies::{account_id, json};

proptest! {
    #[test]
    fn text_validators_never_panic(s in any::<String>()) {
        let _ = Name::parse(&s);
        let _ = Description::parse(&s);
        let _ = Reason::parse(&s);
        let _ = Tag::parse(&s);
        let _ = ImageUrl::parse(&s);
        let _ = ImageUrl::parse(&format!("https://{s}"));
        let target = AccountId::parse("bob.near").unwrap();
        let _ = KeySuffix::parse(&target, &s);
    }

    #[test]
    fn json_validators_never_panic(v in json()) {
        let _ = Capabilities::parse(v.clone());
        let _ = ProfilePatch::from_json(&v);
    }

    #[test]
    fn tag_normalisation_is_idempotent(s in "[a-zA-Z0-9-]{0,32}|\\PC{0,8}") {
        if let Ok(tag) = Tag::parse(&s) {
            prop_assert_eq!(Tag::parse(tag.as_str()).unwrap(), tag.clone());
            prop_assert_eq!(tag.as_str(), s.to_lowercase());
        }
    }

    #[test]
    fn tag_list_normalisation_is_idempotent(raw in prop::collection::vec("[a-zA-Z0-9]{1,4}", 0..14)) {
        if let Ok(tags) = Tags::parse(&raw) {
            let again = Tags::parse(tags.iter().map(Tag::as_str)).unwrap();
            prop_assert_eq!(&again, &tags);
            prop_assert!(tags.len() <= 10);
            let distinct: std::collections::BTreeSet<String> =
                raw.iter().map(|s| s.to_lowercase()).collect();
            prop_assert_eq!(tags.len(), distinct.len());
        }
    }

    #[test]
    fn accepted_text_respects_limits(s in "(\\PC|\n){0,600}") {
        if let Ok(name) = Name::parse(&s) {
            prop_assert!(name.as_str().chars().count() <= 50);
            prop_assert!(!name.as_str().contains('\n'));
        }
        if let Ok(d) = Description::parse(&s) {
            prop_assert!(d.as_str().chars().count() <= 500);
        }
        if let Ok(r) = Reason::parse(&s) {
            prop_assert!(r.as_str().chars().count() <= 280);
        }
    }

    #[test]
    fn accepted_image_urls_are_https_without_credentials(
        s in "(https?|HTTPS|ftp)://[a-z0-9@.:%\\[\\]-]{0,24}(/[a-z@]{0,5})?|[a-zA-Z:/@.0-9]{0,30}"
    ) {
        if let Ok(url) = ImageUrl::parse(&s) {
            let lower = url.as_str().to_ascii_lowercase();
            prop_assert!(lower.starts_with("https://"));
            let authority = lower["https://".len()..].split(['/', '?', '#']).next().unwrap_or("");
            prop_assert!(!authority.contains('@'));
        }
    }

    /// Every spelling of a loopback or private IPv4 address is refused.
    #[test]
    fn private_ipv4_is_refused_in_every_spelling(
        addr in prop_oneof![
            (0x7f00_0000u32..=0x7fff_ffff),
            (0x0a00_0000u32..=0x0aff_ffff),
            (0xc0a8_0000u32..=0xc0a8_ffff),
            (0xac10_0000u32..=0xac1f_ffff),
            (0xa9fe_0000u32..=0xa9fe_ffff),
        ]
    ) {
        let [a, b, c, d] = addr.to_be_bytes();
        let spellings = [
            format!("{a}.{b}.{c}.{d}"),
            format!("{addr}"),
            format!("0x{addr:x}"),
            format!("0x{a:x}.{b}.{c}.{d}"),
            format!("0{a:o}.{b}.{c}.{d}"),
            format!("{a}.{}", (u32::from(b) << 16) | (u32::from(c) << 8) | u32::from(d)),
            format!("[::ffff:{a}.{b}.{c}.{d}]"),
            format!("[::ffff:{:x}:{:x}]", addr >> 16, addr & 0xffff),
        ];
        for host in spellings {
            let url = format!("https://{host}/avatar.png");
            let err = ImageUrl::parse(&url).unwrap_err();
            prop_assert!(
                matches!(err, ValidationError::ImageUrlPrivateHost | ValidationError::ImageUrlNumericHost),
                "{} -> {:?}", url, err
            );
        }
    }

    #[test]
    fn key_suffix_composed_key_fits(target in account_id(), s in "[a-z0-9/_.-]{1,1100}") {
        match KeySuffix::parse(&target, &s) {
            Ok(suffix) => {
                let key = format!("endorsing/{target}/{suffix}");
                prop_assert!(key.len() <= 1024);
                prop_assert!(!s.starts_with('/'));
            }
            Err(ValidationError::KeySuffixKeyTooLong { max: 1024, actual }) => {
                prop_assert!(actual > 1024);
            }
            Err(ValidationError::KeySuffixLeadingSlash) => prop_assert!(s.starts_with('/')),
            Err(other) => prop_assert!(false, "unexpected {:?}", other),
        }
    }
}
