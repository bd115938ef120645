//! The Freebox reply envelope `{success, result, error_code, msg, missing_right}` and the
//! one place where its error codes become [`VfsError`]s.
//!
//! Rules from the protocol notes: read the body whatever the HTTP status (auth errors
//! come as 403 with a JSON body); `result` is omitted when there is nothing to return,
//! empty collections included; anything that is not a JSON envelope (an HTML page from a
//! proxy, a truncated body) is a protocol error, except a bodiless 5xx which is transient.

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use crate::names::escape;
use crate::vfs::{ServerCode, VfsError};

/// An envelope as it arrives.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    pub success: bool,
    #[serde(default)]
    pub result: Option<Value>,
    #[serde(default)]
    pub error_code: Option<String>,
    #[serde(default)]
    pub msg: Option<String>,
    #[serde(default)]
    pub missing_right: Option<String>,
}

/// A failed envelope, before mapping. Kept apart so login can look at the code itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: String,
    pub msg: String,
    pub missing_right: Option<String>,
    /// A fresh login challenge, sent along with auth-family errors.
    pub challenge: Option<String>,
    pub status: u16,
}

/// Parses a reply body. `Ok(result)` on success (None when the box omitted it).
pub fn parse(status: StatusCode, body: &[u8]) -> Result<Option<Value>, Failure> {
    // A name that is not valid Unicode must not fail the whole reply (a folder).
    let parsed =
        serde_json::from_slice::<Envelope>(body).or_else(|e| match crate::nas::lossy_json::repair(
            body,
        ) {
            Some(fixed) => serde_json::from_slice::<Envelope>(&fixed),
            None => Err(e),
        });
    match parsed {
        Ok(env) if env.success => Ok(env.result),
        Ok(env) => Err(Failure::Api(ApiError {
            challenge: env
                .result
                .as_ref()
                .and_then(|r| r.get("challenge"))
                .and_then(|c| c.as_str())
                .map(str::to_owned),
            code: env.error_code.unwrap_or_else(|| "unknown_error".into()),
            msg: env.msg.unwrap_or_default(),
            missing_right: env.missing_right,
            status: status.as_u16(),
        })),
        // A JSON reply that stops mid-value was cut in transit: worth retrying.
        Err(e) if e.is_eof() && body.first() == Some(&b'{') => Err(Failure::Vfs(
            VfsError::Network("the Freebox reply was cut short".into()),
        )),
        Err(_) if status.is_server_error() => Err(Failure::Vfs(VfsError::Server {
            code: ServerCode::Http(status.as_u16()),
            message: "the Freebox answered with a server error".into(),
        })),
        Err(_) => Err(Failure::Vfs(VfsError::Protocol(format!(
            "HTTP {} with a body that is not a Freebox JSON reply ({})",
            status.as_u16(),
            describe_body(body)
        )))),
    }
}

/// Either an API error still to be mapped, or an already mapped one.
#[derive(Debug)]
pub enum Failure {
    Api(ApiError),
    Vfs(VfsError),
}

impl Failure {
    /// Maps into a [`VfsError`], naming `what` (a clear path or an action) in the message.
    pub fn into_vfs(self, what: &str) -> VfsError {
        match self {
            Failure::Api(e) => map_api_error(&e, what),
            Failure::Vfs(e) => e,
        }
    }
}

/// A short, safe description of a body that is not JSON (never the body itself: it could
/// be huge or hold anything).
fn describe_body(body: &[u8]) -> String {
    let head = String::from_utf8_lossy(&body[..body.len().min(64)]).to_lowercase();
    if body.is_empty() {
        "empty".into()
    } else if head.contains("<html") || head.contains("<!doctype") {
        "an HTML page".into()
    } else {
        format!("{} bytes", body.len())
    }
}

/// The plain-words explanation shown when the app lacks a permission.
pub fn missing_permission_text(right: &str) -> String {
    let setting = match right {
        "explorer" => "« Accès au gestionnaire de fichiers » (file explorer)",
        "settings" => "« Modification des réglages de la Freebox » (settings)",
        "downloader" => "« Accès au gestionnaire de téléchargements » (downloader)",
        other => {
            return format!(
                "nascmd lacks the Freebox permission “{}”: in Freebox OS open Paramètres de \
                 la Freebox › Gestion des accès › Applications, edit nascmd, tick that \
                 permission, save, then reconnect",
                escape(other)
            );
        }
    };
    format!(
        "nascmd is not allowed to use the Freebox files: in Freebox OS open Paramètres de la \
         Freebox › Gestion des accès › Applications, edit nascmd, tick {setting}, save, then \
         reconnect"
    )
}

/// Maps a Freebox `error_code` to the shared error type. `what` names the object.
pub fn map_api_error(e: &ApiError, what: &str) -> VfsError {
    let what = escape(what).into_owned();
    let msg = escape(&e.msg).into_owned();
    match e.code.as_str() {
        "auth_required" | "invalid_session" => VfsError::SessionExpired,
        "invalid_token" => VfsError::AuthFailed(
            "the Freebox no longer accepts nascmd's app token (revoked in Freebox OS or the \
             admin password was reset); register nascmd again"
                .into(),
        ),
        "pending_token" => VfsError::AuthFailed(
            "nascmd is not granted yet: press ✓ on the Freebox front panel".into(),
        ),
        "insufficient_rights" => VfsError::PermissionDenied(missing_permission_text(
            e.missing_right.as_deref().unwrap_or("explorer"),
        )),
        "denied_from_external_ip" => VfsError::AuthFailed(
            "registering nascmd is only allowed from the home network of the Freebox".into(),
        ),
        "new_apps_denied" | "apps_denied" => VfsError::AuthFailed(
            "the Freebox refuses new applications: allow them in Freebox OS (Paramètres de la \
             Freebox › Gestion des accès › Paramètres)"
                .into(),
        ),
        "ratelimited" => VfsError::AuthFailed(
            "too many failed logins: the Freebox asks to wait a moment before retrying".into(),
        ),
        "path_not_found" | "file_not_found" | "noent" => VfsError::NotFound(what),
        "destination_conflict" | "conflict" | "file_exists" => VfsError::AlreadyExists(what),
        "access_denied" | "permission_denied" => VfsError::PermissionDenied(what),
        "disk_full" => VfsError::NoSpace,
        "cancelled" => VfsError::Cancelled,
        code if e.status >= 500 => VfsError::Server {
            // An HTTP 5xx code keeps the error transient (retried with backoff).
            code: ServerCode::Http(e.status),
            message: format!("{}: {msg}", escape(code)),
        },
        code => VfsError::Server {
            code: ServerCode::Named(escape(code).into_owned()),
            message: if msg.is_empty() {
                what
            } else {
                format!("{msg} ({what})")
            },
        },
    }
}

/// Maps the `error` field of a failed fs task.
pub fn map_task_error(task_type: &str, error: &str, what: &str) -> VfsError {
    let what_e = escape(what).into_owned();
    match error {
        "file_not_found" => VfsError::NotFound(what_e),
        "dest_is_not_dir" => VfsError::NotFound(format!("destination folder of {what_e}")),
        "file_exists" | "same_file" => VfsError::AlreadyExists(what_e),
        "disk_full" => VfsError::NoSpace,
        "permission_denied" => VfsError::PermissionDenied(what_e),
        "copy_into_itself" => VfsError::InvalidName(format!("{what_e} cannot go into itself")),
        other => VfsError::Server {
            code: ServerCode::Named(escape(other).into_owned()),
            message: format!("the Freebox {} task failed on {what_e}", escape(task_type)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fail(status: u16, body: &str) -> VfsError {
        parse(StatusCode::from_u16(status).unwrap(), body.as_bytes())
            .unwrap_err()
            .into_vfs("/Disque dur/x")
    }

    #[test]
    fn success_with_and_without_result() {
        let ok = parse(
            StatusCode::OK,
            br#"{"success":true,"result":{"logged_in":false,"challenge":"VzhbtpR4r8CLaJle2QgJBEkyd8JPb0zL"}}"#,
        )
        .unwrap()
        .unwrap();
        assert_eq!(ok["challenge"], "VzhbtpR4r8CLaJle2QgJBEkyd8JPb0zL");
        // Empty collections omit `result`.
        assert!(
            parse(StatusCode::OK, br#"{"success":true}"#)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn quoted_error_replies_map() {
        assert!(matches!(
            fail(
                403,
                r#"{"msg":"Vous devez vous connecter pour accéder à cette fonction","success":false,"error_code":"auth_required"}"#
            ),
            VfsError::SessionExpired
        ));
        assert!(matches!(
            fail(
                403,
                r#"{"uid":"","success":false,"msg":"Vous devez vous connecter pour accéder à cette fonction","result":{"password_salt":"","challenge":"x"},"error_code":"invalid_session"}"#
            ),
            VfsError::SessionExpired
        ));
        assert!(matches!(
            fail(
                403,
                r#"{"msg":"Erreur d'authentification de l'application","success":false,"uid":"23b86ec8091013d668829fe12791fdab","error_code":"invalid_token","result":{"challenge":"DLjXFEf1kaDwAEn6xRUnEVPU++gnjiSn"}}"#
            ),
            VfsError::AuthFailed(_)
        ));
        match fail(
            403,
            r#"{"uid":"d2eb11f7e98cae2e405f957a2c394320","success":false,"missing_right":"explorer","msg":"Cette application n'est pas autorisée à accéder à cette fonction","error_code":"insufficient_rights"}"#,
        ) {
            VfsError::PermissionDenied(m) => {
                assert!(m.contains("Gestion des accès"), "{m}");
                assert!(m.contains("gestionnaire de fichiers"), "{m}");
            }
            e => panic!("{e:?}"),
        }
        assert!(matches!(
            fail(200, r#"{"success":false,"error_code":"path_not_found","msg":"Erreur lors de la récupération de la liste des fichiers : Le fichier n'existe pas"}"#),
            VfsError::NotFound(p) if p == "/Disque dur/x"
        ));
        assert!(matches!(
            fail(
                200,
                r#"{"success":false,"error_code":"destination_conflict","msg":"Erreur lors de la création du dossier: Le fichier existe déjà"}"#
            ),
            VfsError::AlreadyExists(_)
        ));
        assert!(matches!(
            fail(200, r#"{"success":false,"error_code":"disk_full"}"#),
            VfsError::NoSpace
        ));
        let e = fail(
            404,
            r#"{"msg":"Requête invalide (404)","success":false,"error_code":"invalid_request"}"#,
        );
        assert!(
            matches!(&e, VfsError::Server { code: ServerCode::Named(c), .. } if c == "invalid_request")
        );
        assert!(!e.is_transient());
    }

    #[test]
    fn garbage_is_protocol_and_bare_5xx_is_transient() {
        let html = fail(
            200,
            "<!DOCTYPE html><html><body>captive portal</body></html>",
        );
        assert!(
            matches!(&html, VfsError::Protocol(m) if m.contains("HTML")),
            "{html:?}"
        );
        // Cut mid-reply: transient, unlike a reply that is whole but not ours.
        let cut = fail(200, r#"{"success":true,"result":{"entries":[{"na"#);
        assert!(
            matches!(&cut, VfsError::Network(_)) && cut.is_transient(),
            "{cut:?}"
        );
        assert!(matches!(
            fail(200, r#"{"success":"yes"}"#),
            VfsError::Protocol(_)
        ));
        assert!(matches!(fail(403, ""), VfsError::Protocol(_)));
        let e = fail(502, "<html>bad gateway</html>");
        assert!(e.is_transient(), "{e:?}");
        let e = fail(
            500,
            r#"{"success":false,"error_code":"internal_error","msg":"x"}"#,
        );
        assert!(e.is_transient(), "{e:?}");
        assert!(!fail(200, r#"{"success":false,"error_code":"internal_error"}"#).is_transient());
    }

    #[test]
    fn hostile_messages_are_escaped() {
        let e = fail(
            200,
            "{\"success\":false,\"error_code\":\"weird\",\"msg\":\"\\u001b[2Jboom\"}",
        );
        assert!(!e.to_string().contains('\x1b'), "{e}");
    }

    #[test]
    fn task_errors_map() {
        assert!(matches!(
            map_task_error("cp", "dest_is_not_dir", "/a"),
            VfsError::NotFound(_)
        ));
        assert!(matches!(
            map_task_error("rm", "file_not_found", "/a"),
            VfsError::NotFound(_)
        ));
        assert!(matches!(
            map_task_error("cp", "disk_full", "/a"),
            VfsError::NoSpace
        ));
        assert!(
            matches!(map_task_error("cp", "write_failed", "/a"), VfsError::Server { code: ServerCode::Named(c), .. } if c == "write_failed")
        );
    }
}
