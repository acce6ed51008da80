//! Logging: the tracing subscriber, and request spans for the sandbox's own routers.
//!
//! The API's routes get their request id and `request` span from `api_http`'s request hygiene
//! layer; the sandbox's FastData and custody routers (mounted beside it) get the same span
//! shape from [`request_span`], so every log line of every request carries `request_id`.

use axum::extract::{OriginalUri, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument as _;
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

/// Middleware for the sandbox routers: the same `request` span (`request_id`, `method`,
/// `path`, the full path before nesting stripped its prefix) and `x-request-id` echo as the
/// API's hygiene layer.
pub(crate) async fn request_span(req: Request, next: Next) -> Response {
    let id = api_http::hygiene::request_id_for(req.headers());
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req
            .extensions()
            .get::<OriginalUri>()
            .map_or_else(|| req.uri().path(), |original| original.path()),
    );
    let mut response = async move {
        let response = next.run(req).await;
        tracing::info!(status = response.status().as_u16(), "answered");
        response
    }
    .instrument(span)
    .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(api_http::REQUEST_ID_HEADER, value);
    }
    response
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
