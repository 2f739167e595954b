//! The one user-facing error type and its JSON envelope `{"error":{"code","message","field"}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rectify_store::StoreError;
use serde::Serialize;

/// Everything a handler can answer with besides success.
#[derive(Debug)]
pub enum ApiError {
    BadRequest {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    Unauthorized {
        code: &'static str,
        message: String,
    },
    Forbidden {
        code: &'static str,
        message: String,
    },
    NotFound {
        message: String,
    },
    Conflict {
        message: String,
        current_version: i64,
    },
    TooMany {
        message: String,
    },
    PayloadTooLarge {
        message: String,
    },
    Unsupported {
        message: String,
    },
    Internal {
        message: String,
    },
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code the UI translates.
    pub code: String,
    pub message: String,
    /// The request field at fault, when there is one.
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<i64>,
}

impl ApiError {
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
            field: Some(field.to_string()),
        }
    }
    pub fn forbidden() -> Self {
        ApiError::Forbidden {
            code: "forbidden",
            message: "无权执行该操作 (not allowed for your role)".into(),
        }
    }
    pub fn not_found() -> Self {
        ApiError::NotFound {
            message: "不存在或无权查看 (not found)".into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ApiError::not_found(),
            StoreError::Conflict { current, .. } => ApiError::Conflict {
                message:
                    "该记录已被他人修改,请刷新后重试 (changed by someone else; reload and retry)"
                        .into(),
                current_version: current,
            },
            StoreError::Invalid(f) if f.code == "forbidden" || f.code == "field_forbidden" => {
                ApiError::Forbidden {
                    code: f.code,
                    message: format!("{}: {}", f.field, f.message),
                }
            }
            StoreError::Invalid(f) => ApiError::BadRequest {
                code: f.code,
                message: f.message,
                field: Some(f.field),
            },
            StoreError::Domain(d) => ApiError::BadRequest {
                code: d.code(),
                message: d.to_string(),
                field: d.field().map(str::to_string),
            },
            StoreError::Duplicate(m) => ApiError::BadRequest {
                code: "duplicate",
                message: m,
                field: None,
            },
            other => {
                tracing::error!(error = %other, "storage failure");
                ApiError::Internal {
                    message: "服务器内部错误 (internal error)".into(),
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, field, current_version) = match self {
            ApiError::BadRequest {
                code,
                message,
                field,
            } => (StatusCode::UNPROCESSABLE_ENTITY, code, message, field, None),
            ApiError::Unauthorized { code, message } => {
                (StatusCode::UNAUTHORIZED, code, message, None, None)
            }
            ApiError::Forbidden { code, message } => {
                (StatusCode::FORBIDDEN, code, message, None, None)
            }
            ApiError::NotFound { message } => {
                (StatusCode::NOT_FOUND, "not_found", message, None, None)
            }
            ApiError::Conflict {
                message,
                current_version,
            } => (
                StatusCode::CONFLICT,
                "version_conflict",
                message,
                Some("version".to_string()),
                Some(current_version),
            ),
            ApiError::TooMany { message } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                message,
                None,
                None,
            ),
            ApiError::PayloadTooLarge { message } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                message,
                None,
                None,
            ),
            ApiError::Unsupported { message } => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                message,
                None,
                None,
            ),
            ApiError::Internal { message } => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                message,
                None,
                None,
            ),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.to_string(),
                message,
                field,
                current_version,
            },
        };
        (status, axum::Json(body)).into_response()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
