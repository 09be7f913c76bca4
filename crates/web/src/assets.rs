//! Static files, served from the binary: GOV.UK Frontend (pinned npm package, prepared by
//! build.rs without the GOV.UK font) and Kinlink's own few additions.

use crate::error::WebError;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const GOVUK_CSS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/govuk-frontend.min.css"));
const GOVUK_JS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/govuk-frontend.min.js"));
const KINLINK_CSS: &[u8] = include_bytes!("../static/kinlink.css");
const KINLINK_JS: &[u8] = include_bytes!("../static/kinlink.js");
const KINLINK_SVG: &[u8] = include_bytes!("../static/kinlink.svg");

pub async fn serve(Path(file): Path<String>) -> Result<Response, WebError> {
    let (bytes, kind) = match file.as_str() {
        "govuk-frontend.min.css" => (GOVUK_CSS, "text/css; charset=utf-8"),
        "govuk-frontend.min.js" => (GOVUK_JS, "text/javascript; charset=utf-8"),
        "kinlink.css" => (KINLINK_CSS, "text/css; charset=utf-8"),
        "kinlink.js" => (KINLINK_JS, "text/javascript; charset=utf-8"),
        "kinlink.svg" => (KINLINK_SVG, "image/svg+xml"),
        _ => return Err(WebError::NotFound),
    };
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(kind))],
        bytes,
    )
        .into_response())
}
