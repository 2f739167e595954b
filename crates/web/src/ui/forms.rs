//! Form helpers: reading urlencoded bodies into plain structs, and field errors shown next to
//! their field in the user's language (with everything typed kept by the page).

use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use super::{Locale, UiError};
use crate::error::ApiError;

/// An urlencoded form body. Fields are plain strings (kept as typed for redisplay); the
/// handler validates them. The `_csrf` field was already checked by the session layer.
pub struct UiForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for UiForm<T> {
    type Rejection = UiError;
    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), super::FORM_LIMIT)
            .await
            .map_err(|_| UiError::Page(StatusCode::PAYLOAD_TOO_LARGE, "too_large"))?;
        serde_urlencoded::from_bytes(&bytes)
            .map(UiForm)
            .map_err(|e| UiError::Detailed(StatusCode::BAD_REQUEST, "bad_form", e.to_string()))
    }
}

/// Errors of one form, each attached to a field name (`""` for the form as a whole).
#[derive(Debug, Default, Clone)]
pub struct FieldErrors(Vec<(String, String)>);

impl FieldErrors {
    pub fn new() -> Self {
        FieldErrors::default()
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_string(), message.into()));
    }

    /// The error for `field`, if any (templates show it next to the field).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// All errors, for the summary at the top of the form.
    pub fn all(&self) -> &[(String, String)] {
        &self.0
    }

    /// An API error as a field error in `l` (the field named by the error, else `fallback_field`),
    /// or the error itself when it is not about a field.
    pub fn from_api(l: Locale, e: ApiError, fallback_field: &str) -> Result<FieldErrors, UiError> {
        let mut errs = FieldErrors::new();
        match e {
            ApiError::BadRequest {
                code,
                message,
                field,
            } => {
                errs.add(
                    field.as_deref().unwrap_or(fallback_field),
                    l.error(code, &message),
                );
                Ok(errs)
            }
            other => Err(UiError::from(other)),
        }
    }

    /// Required text fields: an error on each one left blank.
    pub fn require(&mut self, l: Locale, fields: &[(&str, &str)]) {
        for (name, value) in fields {
            if value.trim().is_empty() {
                self.add(name, l.t("err.required"));
            }
        }
    }
}

/// An urlencoded body as its list of pairs (for repeated fields such as ticked rows).
pub struct RawForm(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for RawForm {
    type Rejection = UiError;
    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(req.into_body(), super::FORM_LIMIT)
            .await
            .map_err(|_| UiError::Page(StatusCode::PAYLOAD_TOO_LARGE, "too_large"))?;
        Ok(RawForm(
            form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}
