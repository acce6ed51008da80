//! Logging: the tracing subscriber.
//!
//! The API's routes and the sandbox's FastData, NEAR data and custody routers (mounted beside
//! it) all get their request id and `request` span from `api_http::hygiene::with_request_context`,
//! so every log line of every request carries `request_id`.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

use crate::config::{Config, LogFormat};
use crate::error::ServerError;

/// Installs the global subscriber for `config`'s format and filter, writing to stdout.
///
/// # Errors
///
/// [`ServerError::Config`] for an unparsable filter, or when a global subscriber is already
/// installed.
pub fn init_tracing(config: &Config) -> Result<(), ServerError> {
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let subscriber = subscriber(config.log_format, &config.log_filter, ansi, std::io::stdout)?;
    tracing::subscriber::set_global_default(subscriber)
        .map_err(|e| ServerError::Config(format!("installing the log subscriber: {e}")))
}

/// The subscriber for `format` and `filter` (`RUST_LOG` syntax), writing to `writer`; `ansi`
/// colours the pretty format (for terminals only).
///
/// # Errors
///
/// [`ServerError::Config`] for an unparsable filter.
pub fn subscriber<W>(
    format: LogFormat,
    filter: &str,
    ansi: bool,
    writer: W,
) -> Result<Box<dyn tracing::Subscriber + Send + Sync>, ServerError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(filter)
        .map_err(|e| ServerError::Config(format!("log filter {filter:?}: {e}")))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(writer);
    Ok(match format {
        LogFormat::Pretty => Box::new(builder.finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .with_current_span(true)
                .with_span_list(true)
                .finish(),
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_filter_is_a_config_error() {
        let e = subscriber(LogFormat::Json, "info,[", false, std::io::sink).err();
        assert!(matches!(e, Some(ServerError::Config(_))), "{e:?}");
    }
}
