//! The one table from what went wrong at the HTTP edge to the status and body
//! the caller gets, for every handler the package serves (the push
//! middleware, message URLs over node or the native listener). README,
//! "What WeChat is answered", documents it.

use crate::error::Error;

/// What the request carried: the word in a refusal's body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A push to the authorization-event URL.
    Push,
    /// A message or event to a message URL.
    Message,
}

impl Subject {
    fn word(self) -> &'static str {
        match self {
            Subject::Push => "push",
            Subject::Message => "message",
        }
    }
}

/// A request refused before any core work.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The body is over the edge's limit (1 MB).
    TooLarge,
    /// Neither GET/HEAD (URL check) nor POST.
    MethodNotAllowed,
    /// A push without `msg_signature` (the push middleware requires one by default).
    MissingSignature,
}

/// A status and body to answer with. `rejected`: the request was refused as
/// bad or forged and changed nothing (`*_rejected` events); otherwise the
/// failure was ours or a dependency's (`*_error` events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub rejected: bool,
}

impl Answer {
    fn new(status: u16, body: impl Into<String>, rejected: bool) -> Answer {
        Answer { status, body: body.into(), rejected }
    }

    /// The answer to a request that failed with `e`.
    pub fn of_error(e: &Error, subject: Subject) -> Answer {
        let invalid = || format!("invalid {}", subject.word());
        match e {
            // Forged, mis-signed, other appid: not authenticated.
            Error::Crypto(_) => Answer::new(401, invalid(), true),
            // Malformed body, query or path; unsigned; wrong types.
            Error::Parse(_) | Error::InvalidArgument { .. } => Answer::new(400, invalid(), true),
            // The database or the platform is not there (yet): WeChat retries.
            Error::Store(_) | Error::NotReady(_) => Answer::new(503, "unavailable", false),
            // WeChat itself failed a call the handling needed.
            Error::Transport(_) | Error::WeChat { .. } => Answer::new(502, "upstream error", false),
            Error::Revoked(_) | Error::NotFound(_) | Error::Other(_) => Answer::new(500, "error", false),
        }
    }

    /// The answer to a request refused before any core work.
    pub fn refusal(r: Refusal, subject: Subject) -> Answer {
        match r {
            Refusal::TooLarge => Answer::new(413, format!("{} too large", subject.word()), true),
            Refusal::MethodNotAllowed => Answer::new(405, "method not allowed", true),
            Refusal::MissingSignature => Answer::new(400, "missing msg_signature", true),
        }
    }

    /// A failure that is not one of the core's errors (a host handler's, the glue's).
    pub fn failure() -> Answer {
        Answer::new(500, "error", false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_failure_is_401_and_a_malformed_request_400_for_every_subject() {
        for s in [Subject::Push, Subject::Message] {
            assert_eq!(Answer::of_error(&Error::Crypto("x".into()), s).status, 401);
            assert_eq!(Answer::of_error(&Error::Parse("x".into()), s).status, 400);
            assert_eq!(Answer::of_error(&Error::invalid("query", "x"), s).status, 400);
            assert_eq!(Answer::of_error(&Error::Store("x".into()), s).status, 503);
            assert_eq!(Answer::of_error(&Error::Other("x".into()), s).status, 500);
            assert_eq!(Answer::refusal(Refusal::TooLarge, s).status, 413);
        }
        assert_eq!(Answer::of_error(&Error::Crypto("x".into()), Subject::Push).body, "invalid push");
    }
}
