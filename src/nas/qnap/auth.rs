//! Logging in to QTS: `ezEncode` of the password, the `authLogin.cgi` XML reply
//! (every value in CDATA), 2-step verification and logout (qnap.md A.1).

use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::secret::Secret;
use crate::vfs::{VfsError, VfsResult};

/// QNAP's `ezEncode(utf16to8(password))`: standard Base64 over the bytes that the
/// web UI's `utf16to8` produces. That is UTF-8 for the BMP, except that NUL takes two
/// bytes (`C0 80`) and each UTF-16 surrogate half is encoded on its own (CESU-8), so a
/// password with an emoji encodes exactly as the NAS's own login page does.
pub fn ez_encode(password: &str) -> String {
    BASE64.encode(utf16to8(password))
}

fn utf16to8(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() + 4);
    for c in s.encode_utf16() {
        match c {
            0x0001..=0x007f => out.push(c as u8),
            0x0800.. => {
                out.push(0xe0 | (c >> 12) as u8);
                out.push(0x80 | ((c >> 6) & 0x3f) as u8);
                out.push(0x80 | (c & 0x3f) as u8);
            }
            // 0x0000 and 0x0080..=0x07ff: two bytes.
            _ => {
                out.push(0xc0 | ((c >> 6) & 0x1f) as u8);
                out.push(0x80 | (c & 0x3f) as u8);
            }
        }
    }
    out
}

/// What a login attempt told us.
#[derive(Debug)]
pub enum LoginOutcome {
    Passed {
        sid: Secret,
        /// "Remember me" token (sent when we ask with `remme=1`); lets a later re-login
        /// skip the 2-step code on firmware that supports it.
        qtoken: Option<Secret>,
    },
    /// The account has 2-step verification and no (valid) code was sent.
    NeedSecondFactor,
    Failed(VfsError),
}

/// The flat `tag → text` content of an authLogin reply. Nested elements (e.g.
/// `shutdown_info/type`) are stored under their own tag name; the fields we read are
/// all unique leaves.
pub fn parse_login_xml(body: &str) -> VfsResult<HashMap<String, String>> {
    let trimmed = body.trim_start();
    if !trimmed.starts_with('<') {
        return Err(VfsError::Protocol(
            "the login reply is not XML (is this a QNAP NAS?)".into(),
        ));
    }
    let mut reader = Reader::from_str(trimmed);
    let mut fields = HashMap::new();
    let mut stack: Vec<(String, String)> = Vec::new();
    let bad = |e: quick_xml::Error| VfsError::Protocol(format!("unreadable login reply: {e}"));
    loop {
        match reader.read_event().map_err(bad)? {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_owned();
                stack.push((name, String::new()));
            }
            Event::End(_) => {
                if let Some((name, text)) = stack.pop() {
                    fields.insert(name, text.trim().to_owned());
                }
            }
            Event::Empty(e) => {
                let name = e.local_name().as_ref().to_owned();
                fields.insert(name, String::new());
            }
            Event::Text(t) => {
                if let Some((_, text)) = stack.last_mut() {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some((_, text)) = stack.last_mut() {
                    text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some((_, text)) = stack.last_mut() {
                    push_entity(text, &r)?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !fields.contains_key("authPassed") {
        return Err(VfsError::Protocol(
            "the login reply has no authPassed field".into(),
        ));
    }
    Ok(fields)
}

fn push_entity(text: &mut String, r: &quick_xml::events::BytesRef<'_>) -> VfsResult<()> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        text.push(c);
        return Ok(());
    }
    let c = match r.xml10_content().as_ref() {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        other => {
            return Err(VfsError::Protocol(format!(
                "unknown entity &{other}; in the login reply"
            )));
        }
    };
    text.push(c);
    Ok(())
}

/// Interprets a parsed authLogin reply. `sent_code` tells whether this attempt carried
/// a 2-step code (then `need_2sv` again means the code was wrong).
pub fn login_outcome(fields: &HashMap<String, String>, sent_code: bool) -> LoginOutcome {
    let get = |k: &str| fields.get(k).map(String::as_str).unwrap_or("");
    if get("authPassed") == "1" {
        let sid = get("authSid");
        if sid.is_empty() || !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return LoginOutcome::Failed(VfsError::Protocol(
                "the NAS accepted the login but sent no usable session id".into(),
            ));
        }
        let qtoken = Some(get("qtoken"))
            .filter(|t| !t.is_empty())
            .map(Secret::new);
        return LoginOutcome::Passed {
            sid: Secret::new(sid),
            qtoken,
        };
    }
    if get("need_2sv") == "1" {
        return if sent_code {
            LoginOutcome::Failed(VfsError::AuthFailed(
                "the 2-step verification code was not accepted (wrong or expired code)".into(),
            ))
        } else {
            LoginOutcome::NeedSecondFactor
        };
    }
    if get("force_2sv") == "1" {
        return LoginOutcome::Failed(VfsError::AuthFailed(
            "the account must first set up 2-step verification in the NAS web interface".into(),
        ));
    }
    if get("user_pw_expiry") == "1" || get("pw_status") == "1" {
        return LoginOutcome::Failed(VfsError::AuthFailed(
            "the password has expired; change it in the NAS web interface".into(),
        ));
    }
    let detail = match get("errorValue") {
        "-1" | "" => "wrong user name or password".to_owned(),
        other => format!("the NAS refused the login (errorValue {other})"),
    };
    LoginOutcome::Failed(VfsError::AuthFailed(detail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ez_encode_vectors_from_the_notes() {
        assert_eq!(ez_encode("admin"), "YWRtaW4=");
        assert_eq!(ez_encode("p@ss w0rd"), "cEBzcyB3MHJk");
        assert_eq!(ez_encode("päss"), "cMOkc3M=");
        assert_eq!(ez_encode("pw"), "cHc=");
        // Astral characters: each surrogate half on its own (CESU-8), not UTF-8.
        assert_eq!(ez_encode("😀"), "7aC97biA");
        // NUL is two bytes, C0 80.
        assert_eq!(BASE64.decode(ez_encode("\0")).unwrap(), vec![0xc0, 0x80]);
        assert_eq!(ez_encode(""), "");
    }

    const OK_XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<QDocRoot version=\"1.0\">\n<doQuick><![CDATA[]]></doQuick><is_booting><![CDATA[0]]></is_booting><mediaReady><![CDATA[1]]></mediaReady><shutdown_info><type><![CDATA[0]]></type><timestamp><![CDATA[0]]></timestamp><duration><![CDATA[0]]></duration></shutdown_info>\n<SMBFW><![CDATA[0]]></SMBFW><authPassed><![CDATA[1]]></authPassed><authSid><![CDATA[30u8dolb]]></authSid><isAdmin><![CDATA[1]]></isAdmin><username><![CDATA[alice & bob]]></username><groupname><![CDATA[administrators]]></groupname><mfa_support></mfa_support><role_delegation/><standard_massage><![CDATA[x]]></standard_massage></QDocRoot>";

    #[test]
    fn parses_success_xml_with_cdata() {
        let f = parse_login_xml(OK_XML).unwrap();
        assert_eq!(f["authSid"], "30u8dolb");
        assert_eq!(f["username"], "alice & bob");
        assert_eq!(f["type"], "0");
        assert_eq!(f["mfa_support"], "");
        match login_outcome(&f, false) {
            LoginOutcome::Passed { sid, qtoken } => {
                assert_eq!(sid.expose(), "30u8dolb");
                assert!(qtoken.is_none());
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn wrong_password_without_cdata_is_auth_failed() {
        let xml = "<QDocRoot version=\"1.0\">\n<authPassed>0</authPassed>\n<errorValue>-1</errorValue>\n</QDocRoot>";
        let f = parse_login_xml(xml).unwrap();
        match login_outcome(&f, false) {
            LoginOutcome::Failed(VfsError::AuthFailed(m)) => assert!(m.contains("wrong")),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn two_step_shape() {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<QDocRoot version=\"1.0\">\n<authPassed><![CDATA[0]]></authPassed><need_2sv><![CDATA[1]]></need_2sv><lost_phone><![CDATA[1]]></lost_phone><timezone><![CDATA[Europe/Paris]]></timezone><emergency_try_count><![CDATA[0]]></emergency_try_count></QDocRoot>";
        let f = parse_login_xml(xml).unwrap();
        assert!(matches!(
            login_outcome(&f, false),
            LoginOutcome::NeedSecondFactor
        ));
        assert!(matches!(
            login_outcome(&f, true),
            LoginOutcome::Failed(VfsError::AuthFailed(_))
        ));
    }

    #[test]
    fn html_or_garbage_is_protocol_error() {
        assert!(matches!(
            parse_login_xml("{\"status\":3}"),
            Err(VfsError::Protocol(_))
        ));
        assert!(matches!(
            parse_login_xml("<html><body>Login</body></html>"),
            Err(VfsError::Protocol(_))
        ));
        // A truncated reply that still has authPassed=1 but no sid is refused too.
        let f = parse_login_xml("<QDocRoot><authPassed><![CDATA[1]]></authPassed>").unwrap();
        assert!(matches!(
            login_outcome(&f, false),
            LoginOutcome::Failed(VfsError::Protocol(_))
        ));
    }
}
