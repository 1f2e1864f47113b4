//! A JSON request body that must be an object. serde lets a struct whose fields all have
//! defaults be read from an empty array (`[]`), which would accept a body the OpenAPI
//! document forbids; reading a JSON object first, then the struct from it, refuses that.

use axum::extract::{FromRequest, Request};
use axum::Json;
use serde::de::DeserializeOwned;

use crate::WebError;

/// A JSON object body read into `T`; anything else is refused before the handler runs.
pub struct JsonObject<T>(pub T);

impl<S, T> FromRequest<S> for JsonObject<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = axum::response::Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let Json(map) =
            Json::<serde_json::Map<String, serde_json::Value>>::from_request(req, state)
                .await
                .map_err(IntoResponse::into_response)?;
        serde_json::from_value(serde_json::Value::Object(map))
            .map(JsonObject)
            .map_err(|e| WebError::Unprocessable(format!("body: {e}")).into_response())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::body::Body;

    #[derive(Debug, serde::Deserialize)]
    struct All {
        #[serde(default)]
        reason: String,
    }

    async fn read(body: &str) -> Result<String, u16> {
        let req = Request::post("/")
            .header("content-type", "application/json")
            .body(Body::from(body.to_owned()))
            .unwrap();
        JsonObject::<All>::from_request(req, &())
            .await
            .map(|JsonObject(a)| a.reason)
            .map_err(|r| r.status().as_u16())
    }

    #[tokio::test]
    async fn only_an_object_is_read() {
        assert_eq!(read(r#"{"reason":"same"}"#).await, Ok("same".to_owned()));
        assert_eq!(read("{}").await, Ok(String::new()));
        assert_eq!(read("[]").await, Err(422));
        assert_eq!(read(r#"{"reason":3}"#).await, Err(422));
        assert_eq!(read("not json").await, Err(400));
    }
}
