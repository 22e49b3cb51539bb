//! Control routes for the message URL: set it, send a message, read the
//! log, run the release check.

use std::sync::Arc;

use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::control_request::{field, parse, sb, ControlError};
use super::messages::SendOptions;
use super::state::Shared;

type S = State<Arc<Shared>>;
type Answer = Result<Json<Value>, ControlError>;

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/message_url", post(set_message_url))
        .route("/messages", get(messages).post(send_message))
        .route("/release_check", post(release_check))
}

async fn set_message_url(State(s): S, Json(body): Json<Value>) -> Answer {
    let (c, url) = (field(&body, "component_appid")?, field(&body, "url")?);
    sb(s).set_message_url(&c, &url)?;
    Ok(Json(json!({"ok": true})))
}

/// `{authorizer_appid, message: {...}, component_appid?, timeout_secs?}`
async fn send_message(State(s): S, Json(body): Json<Value>) -> Answer {
    let appid = field(&body, "authorizer_appid")?;
    let Some(Value::Object(message)) = body.get("message").cloned() else {
        return Err(ControlError::Request("message must be an object".into()));
    };
    let opts: SendOptions = parse(body)?;
    let out = sb(s).send_message(&appid, message, &opts).await?;
    Ok(Json(json!(out)))
}

async fn messages(State(s): S) -> Answer {
    Ok(Json(json!(sb(s).messages())))
}

async fn release_check(State(s): S, Json(body): Json<Value>) -> Answer {
    let report = sb(s).run_release_check(&field(&body, "component_appid")?).await?;
    Ok(Json(json!(report)))
}
