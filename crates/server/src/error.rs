//! The one error type handlers return. Internal detail goes to the log once, here; the client
//! gets a generic page that names no software and no cause.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A failure inside Bolwerk while answering a request (database down, template bug).
#[derive(Debug)]
pub struct AppError(String);

impl From<cms::Error> for AppError {
    fn from(e: cms::Error) -> Self {
        AppError(e.to_string())
    }
}

impl From<store::Error> for AppError {
    fn from(e: store::Error) -> Self {
        AppError(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        tracing::error!(error = %self.0, "request failed");
        plain_page(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong")
    }
}

/// A small generic HTML page for errors outside any site's theme.
pub fn plain_page(status: StatusCode, message: &'static str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{message}</title></head>\
         <body><h1>{message}</h1></body></html>"
    );
    let mut res = (status, body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}
