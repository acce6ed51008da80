//! A real Chromium over WebDriver (Debian `chromium` + `chromium-driver`, started here on a free
//! port and killed by PID): the directory of a seeded sandbox, a tag filter, the next page, the
//! search form by keyboard, a profile, a raw FastData evidence link, a hostile profile (no
//! script runs), and a claim submitted on `/verify`. Screenshots of each page go to
//! `target/web-screenshots/` and must not be blank.

use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use futures::FutureExt as _;
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::Value;

use crate::helpers::{App, FILLERS, HOSTILE_NAME};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "chromedriver";
/// How long chromedriver may take to say it is listening (a cold start on a loaded CI box).
const DRIVER_START: Duration = Duration::from_secs(60);

/// A chromedriver process on a free port, in its own process group; dropping it kills the
/// group (chromedriver and the browsers it started) by its id.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Self {
        assert!(
            std::path::Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: the browser tests need Debian's chromium and chromium-driver \
             (apt-get install -y chromium chromium-driver; .ci/run installs them)"
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = std::os::unix::process::CommandExt::process_group(
            Command::new(CHROMEDRIVER)
                .arg(format!("--port={port}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
            0,
        )
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {CHROMEDRIVER} ({e}): the browser tests need Debian's chromium and \
                 chromium-driver (apt-get install -y chromium chromium-driver; .ci/run installs them)"
            )
        });
        // Wait for chromedriver's own "started successfully" line, not a polling loop.
        let stdout = child.stdout.take().unwrap();
        let (ready, ready_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.contains("started successfully") {
                    let _ = ready.send(());
                }
            }
        });
        let mut driver = Self { child, port };
        if ready_rx.recv_timeout(DRIVER_START).is_err() {
            let status = driver.child.try_wait();
            panic!(
                "chromedriver did not start on port {port} within {DRIVER_START:?} ({status:?})"
            );
        }
        driver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Saves the screenshot and checks it is a real page: many colours and visible contrast.
async fn screenshot(driver: &Client, name: &str) {
    let bytes = driver.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("{name}.png")), &bytes).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let luma: Vec<f64> = pixels
        .chunks(channels)
        .map(|p| {
            if channels >= 3 {
                0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2])
            } else {
                f64::from(p[0])
            }
        })
        .collect();
    let mean = luma.iter().sum::<f64>() / luma.len() as f64;
    let variance = luma.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / luma.len() as f64;
    let mut colours: Vec<&[u8]> = pixels.chunks(channels).collect();
    colours.sort_unstable();
    colours.dedup();
    assert!(
        variance > 100.0 && colours.len() > 32,
        "{name}: screenshot looks blank (luma variance {variance:.1}, {} colours)",
        colours.len()
    );
}

async fn text(driver: &Client, css: &str) -> String {
    driver
        .find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn no_script_ran(driver: &Client) {
    let ret = driver
        .execute(
            "return [typeof window.__pwned, document.querySelectorAll('script').length, \
             document.documentElement.scrollWidth <= window.innerWidth];",
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(&ret, &serde_json::json!(["undefined", 0, true]));
    assert!(driver.get_alert_text().await.is_err(), "an alert is open");
}

async fn walk(driver: &Client, base: &str, claim: &str) {
    // The directory.
    driver.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(
        text(driver, "#network-size").await,
        (FILLERS + 5).to_string()
    );
    no_script_ran(driver).await;
    screenshot(driver, "01-directory").await;

    // Filter by a tag (a popular-tag link), then the next page.
    driver
        .find(Locator::Css("nav.chips a[href='/?tag=rust']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text(driver, "h1").await, "Agents with tag rust");
    assert_eq!(
        driver.current_url().await.unwrap().query(),
        Some("tag=rust")
    );
    assert_eq!(
        driver
            .find_all(Locator::Css("ol.agents > li"))
            .await
            .unwrap()
            .len(),
        25
    );
    no_script_ran(driver).await;
    screenshot(driver, "02-tag-rust").await;
    driver
        .find(Locator::Css("a[rel=next]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = driver.current_url().await.unwrap();
    assert!(url.query().unwrap().contains("cursor="), "{url}");
    assert_eq!(
        driver
            .find_all(Locator::Css("ol.agents > li"))
            .await
            .unwrap()
            .len(),
        FILLERS + 2 - 25
    );
    screenshot(driver, "03-tag-rust-page-2").await;

    // Jump to an account with the search form, by keyboard only.
    let search = driver.find(Locator::Css("input#q")).await.unwrap();
    search.send_keys("alice.near").await.unwrap();
    search.send_keys(&Key::Enter).await.unwrap();
    // Typing does not wait for the navigation it starts (WebDriver has no load event for it
    // without BiDi): wait, bounded, for the profile's own element.
    driver
        .wait()
        .at_most(Duration::from_secs(30))
        .every(Duration::from_millis(50))
        .for_element(Locator::Css("code#account-id"))
        .await
        .unwrap();
    assert_eq!(
        driver.current_url().await.unwrap().path(),
        "/agents/alice.near"
    );
    assert_eq!(text(driver, "h1").await, "Alice");
    assert!(
        driver
            .find(Locator::Css("svg#neighbourhood"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
    no_script_ran(driver).await;
    screenshot(driver, "04-profile").await;

    // Follow the first follower's evidence link to the raw FastData read.
    let raw = driver
        .find(Locator::Css("#followers-title ~ ul.entries a.raw"))
        .await
        .unwrap();
    let href = raw.attr("href").await.unwrap().unwrap();
    raw.click().await.unwrap();
    assert_eq!(driver.current_url().await.unwrap().path(), href);
    let body: Value = serde_json::from_str(&text(driver, "body").await).unwrap();
    assert_eq!(body["entries"][0]["key"], "graph/follow/alice.near");
    screenshot(driver, "05-fastdata-evidence").await;

    // A hostile profile: text, no script, no alert, no horizontal overflow.
    driver
        .goto(&format!("{base}/agents/hostile.near"))
        .await
        .unwrap();
    assert_eq!(text(driver, "h1").await, HOSTILE_NAME);
    no_script_ran(driver).await;
    screenshot(driver, "06-hostile-profile").await;

    // Submit a custody-signed claim on /verify.
    driver.goto(&format!("{base}/verify")).await.unwrap();
    let area = driver.find(Locator::Css("textarea#claim")).await.unwrap();
    area.send_keys(claim).await.unwrap();
    driver
        .find(Locator::Css("form.verify button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text(driver, "#verdict-title").await, "Valid");
    assert_eq!(
        driver
            .find_all(Locator::Css("#checks li.pass"))
            .await
            .unwrap()
            .len(),
        5
    );
    screenshot(driver, "07-verify-valid").await;

    for (path, name) in [
        ("/tags", "08-tags"),
        ("/capabilities", "09-capabilities"),
        ("/docs", "10-docs"),
        ("/no/such/page", "11-not-found"),
    ] {
        driver.goto(&format!("{base}{path}")).await.unwrap();
        assert!(!text(driver, "h1").await.is_empty());
        no_script_ran(driver).await;
        screenshot(driver, name).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_browses_the_directory_profiles_evidence_and_verifies_a_claim() {
    let chromedriver = Driver::start();
    let app = App::seeded();
    let (_, claim) = app.signed_claim().await;
    let served = app.serve().await;
    let profile = tempfile::tempdir().unwrap();

    let mut args: Vec<String> = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
    ]
    .map(str::to_owned)
    .to_vec();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".to_owned(),
        serde_json::json!({ "binary": CHROMIUM, "args": args }),
    );
    // Plain HTTP to the local chromedriver: no TLS stack in the test.
    let driver = ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&chromedriver.url())
        .await
        .expect("a WebDriver session with headless chromium");
    // The session is closed even when an assertion fails.
    let outcome = std::panic::AssertUnwindSafe(walk(&driver, &served.base, &claim))
        .catch_unwind()
        .await;
    let _ = driver.close().await;
    drop(chromedriver);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
