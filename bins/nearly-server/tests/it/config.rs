//! Configuration: flags, environment fallbacks, validation, and the secret that is never shown.

use std::process::Stdio;

use clap::Parser as _;
use nearly_server::{Config, LogFormat, Mode, Secret, Server, ServerError};

fn parse(args: &[&str]) -> Config {
    Config::try_parse_from(std::iter::once("nearly-server").chain(args.iter().copied())).unwrap()
}

#[test]
fn defaults_are_a_local_sandbox() {
    // The environment of the test run could set NEARLY_*; none of these tests' assertions
    // depend on variables a developer would plausibly export except through this check.
    let config = parse(&[]);
    if std::env::vars().any(|(k, _)| k.starts_with("NEARLY_") || k == "RUST_LOG") {
        return;
    }
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.data_dir, std::path::PathBuf::from("./nearly-data"));
    assert_eq!(config.namespace, "contextual.near");
    assert_eq!(config.log_format, LogFormat::Pretty);
    assert_eq!(config.log_filter, "info");
    assert_eq!(config.pull_interval_secs, 30);
    assert_eq!(config.header_read_timeout_secs, 10);
    assert!(!config.trust_forwarded_for);
    assert_eq!(config.validate().unwrap(), Mode::Sandbox);
}

#[test]
fn every_flag_parses() {
    let config = parse(&[
        "--listen",
        "0.0.0.0:9000",
        "--data-dir",
        "/tmp/x",
        "--fastdata-url",
        "https://kv.main.fastnear.com",
        "--custody-url",
        "https://api.outlayer.fastnear.com",
        "--rpc-url",
        "https://rpc.mainnet.near.org",
        "--namespace",
        "other.near",
        "--admin-account",
        "admin.near",
        "--llm-url",
        "https://cloud-api.near.ai/v1",
        "--llm-model",
        "some-model",
        "--llm-api-key",
        "sk-very-secret",
        "--market-url",
        "https://market.near.ai/v1",
        "--nearfm-url",
        "https://api.near.fm",
        "--log-format",
        "json",
        "--log-filter",
        "warn",
        "--pull-interval-secs",
        "5",
        "--trust-forwarded-for",
    ]);
    assert_eq!(config.listen.port(), 9000);
    assert_eq!(config.namespace, "other.near");
    assert_eq!(config.admin_account.as_deref(), Some("admin.near"));
    assert_eq!(config.log_format, LogFormat::Json);
    assert_eq!(config.pull_interval_secs, 5);
    assert!(config.trust_forwarded_for);
    assert_eq!(
        config.llm_api_key.as_ref().map(Secret::expose),
        Some("sk-very-secret")
    );
    assert_eq!(config.validate().unwrap(), Mode::Production);
}

#[test]
fn the_llm_key_is_never_in_debug_output() {
    let config = parse(&["--llm-api-key", "sk-very-secret"]);
    let debug = format!("{config:?} {config:#?}");
    assert!(!debug.contains("sk-very-secret"), "{debug}");
    assert!(debug.contains("redacted"));
    assert_eq!(Secret::new("x").to_string(), "<redacted>");
}

#[test]
fn malformed_values_are_parse_errors() {
    for args in [
        &["--listen", "not-an-address"][..],
        &["--fastdata-url", "not a url"],
        &["--log-format", "xml"],
        &["--pull-interval-secs", "-1"],
    ] {
        let argv = std::iter::once("nearly-server").chain(args.iter().copied());
        assert!(Config::try_parse_from(argv).is_err(), "{args:?}");
    }
}

fn config_error(config: Config) -> String {
    match config.validate() {
        Err(ServerError::Config(message)) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[test]
fn validation_errors_name_the_flags() {
    let dir = "/nonexistent/never-created";
    let url = |s: &str| Some(url::Url::parse(s).unwrap());

    let only_fastdata = Config {
        fastdata_url: url("http://127.0.0.1:1"),
        ..Config::sandbox(dir)
    };
    let message = config_error(only_fastdata);
    assert!(message.contains("--custody-url"), "{message}");

    let only_custody = Config {
        custody_url: url("http://127.0.0.1:1"),
        ..Config::sandbox(dir)
    };
    let message = config_error(only_custody);
    assert!(message.contains("--fastdata-url"), "{message}");

    let llm_without_model = Config {
        llm_url: url("http://127.0.0.1:1/v1"),
        ..Config::sandbox(dir)
    };
    assert!(config_error(llm_without_model).contains("--llm-model"));

    let bad_namespace = Config {
        namespace: "Not An Account".into(),
        ..Config::sandbox(dir)
    };
    assert!(config_error(bad_namespace).contains("--namespace"));

    let bad_admin = Config {
        admin_account: Some("bad admin".into()),
        ..Config::sandbox(dir)
    };
    assert!(config_error(bad_admin).contains("--admin-account"));

    let zero_interval = Config {
        pull_interval_secs: 0,
        ..Config::sandbox(dir)
    };
    assert!(config_error(zero_interval).contains("--pull-interval-secs"));

    let zero_header_timeout = Config {
        header_read_timeout_secs: 0,
        ..Config::sandbox(dir)
    };
    assert!(config_error(zero_header_timeout).contains("--header-read-timeout-secs"));
}

/// `start` validates before touching the disk or the network.
#[tokio::test]
async fn start_refuses_one_url_without_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().join("data");
    let config = Config {
        fastdata_url: Some(url::Url::parse("http://127.0.0.1:1").unwrap()),
        ..Config::sandbox(&data_dir)
    };
    let e = Server::start(config).await.err();
    assert!(matches!(e, Some(ServerError::Config(_))), "{e:?}");
    assert!(!data_dir.exists());
}

/// The binary reads the environment, and reports the validation error and fails.
#[tokio::test]
async fn the_binary_reads_env_fallbacks_and_reports_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_nearly-server"))
        .env_remove("NEARLY_FASTDATA_URL")
        .env("NEARLY_CUSTODY_URL", "http://127.0.0.1:1")
        .env("NEARLY_DATA_DIR", dir.path())
        .env("NEARLY_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "off")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--custody-url") && stderr.contains("--fastdata-url"),
        "{stderr}"
    );
}

/// `--help` never shows the key even when it is set in the environment.
#[tokio::test]
async fn help_hides_the_llm_key() {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_nearly-server"))
        .arg("--help")
        .env("NEARLY_LLM_API_KEY", "sk-from-env")
        .env("NEARLY_NAMESPACE", "shown.near")
        .output()
        .await
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("NEARLY_LLM_API_KEY"), "{help}");
    assert!(!help.contains("sk-from-env"), "{help}");
    // Other env values are shown, so the check above is meaningful.
    assert!(help.contains("shown.near"), "{help}");
}
