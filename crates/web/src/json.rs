//! JSON request bodies that name the field at fault: malformed JSON, unknown fields and wrong
//! types all come back as 4xx with `field` set.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Like `axum::Json`, with errors in the API's envelope.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::Unsupported {
                message: "请求体须为 application/json (expected application/json)".into(),
            });
        }
        let bytes =
            Bytes::from_request(req, state)
                .await
                .map_err(|e| ApiError::PayloadTooLarge {
                    message: e.body_text(),
                })?;
        parse(&bytes).map(JsonBody)
    }
}

/// Deserialize, naming the path of the offending field.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        // serde names an unknown field only in its message: `unknown field `x`, expected …`.
        let field = if let Some(rest) = msg.strip_prefix("unknown field `") {
            let name = rest.split('`').next().unwrap_or_default();
            if path == "." || path.is_empty() {
                name.to_string()
            } else if path == name || path.ends_with(&format!(".{name}")) {
                path.clone()
            } else {
                format!("{path}.{name}")
            }
        } else if let Some(rest) = msg.strip_prefix("missing field `") {
            rest.split('`').next().unwrap_or_default().to_string()
        } else {
            path
        };
        let code = if inner.is_syntax() || inner.is_eof() {
            "malformed_json"
        } else if msg.starts_with("unknown field") {
            "unknown_field"
        } else if msg.starts_with("missing field") {
            "required"
        } else {
            "invalid_value"
        };
        let field = if field == "." || field.is_empty() {
            None
        } else {
            Some(field)
        };
        ApiError::BadRequest {
            code,
            message: msg,
            field,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        n: i64,
        inner: Option<Inner>,
    }
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        when: String,
    }

    fn err(s: &str) -> (String, Option<String>) {
        match parse::<Body>(s.as_bytes()) {
            Err(ApiError::BadRequest { code, field, .. }) => (code.to_string(), field),
            other => panic!("expected a 4xx, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(
            err(r#"{"title":"x","n":"seven"}"#),
            ("invalid_value".into(), Some("n".into()))
        );
        assert_eq!(
            err(r#"{"title":"x","n":1,"extra":2}"#),
            ("unknown_field".into(), Some("extra".into()))
        );
        assert_eq!(
            err(r#"{"title":"x","n":1,"inner":{"when":"a","x":1}}"#),
            ("unknown_field".into(), Some("inner.x".into()))
        );
        assert_eq!(err(r#"{"n":1}"#), ("required".into(), Some("title".into())));
        assert_eq!(err(r#"{"title":"x","#).0, "malformed_json");
    }
}
