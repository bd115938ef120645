//! Login and logout: `authLogin.cgi` (XML, every value in CDATA, `text/xml`),
//! `authLogout.cgi`, and the legacy JSON `wfm2Login.cgi`/`wfm2Logout.cgi`.
//! Passwords arrive ezEncoded (Base64 of QNAP's `utf16to8`, i.e. CESU-8) or, on QTS 5,
//! as `plain_pwd`. Accounts with a TOTP secret get the 2-step verification dance.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;

use super::envelope::{self, J, status};
use super::params::{self, Params};
use super::{Emu, QnapUser, totp};

const PROLOG: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<QDocRoot version=\"1.0\">\n";

fn xml(body: String) -> Response {
    // Exactly `text/xml`: strict clients compare the whole header value.
    ([(header::CONTENT_TYPE, "text/xml")], body).into_response()
}

/// `<tag><![CDATA[value]]></tag>`
fn cdata(out: &mut String, tag: &str, value: &str) {
    // A `]]>` inside a value would end the section early; split it like XML writers do.
    let value = value.replace("]]>", "]]]]><![CDATA[>");
    let _ = write!(out, "<{tag}><![CDATA[{value}]]></{tag}>");
}

/// QNAP's `utf16to8`: UTF-16 units to bytes, NUL as C0 80, each surrogate half on its own.
fn utf16to8(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for u in s.encode_utf16() {
        match u {
            0x0001..=0x007f => out.push(u as u8),
            0x0000 | 0x0080..=0x07ff => {
                out.push(0xc0 | ((u >> 6) & 0x1f) as u8);
                out.push(0x80 | (u & 0x3f) as u8);
            }
            _ => {
                out.push(0xe0 | ((u >> 12) & 0x0f) as u8);
                out.push(0x80 | ((u >> 6) & 0x3f) as u8);
                out.push(0x80 | (u & 0x3f) as u8);
            }
        }
    }
    out
}

/// Does an ezEncoded `pwd` match `password`? Base64 of UTF-8 and of the CESU-8 form
/// are both accepted, with or without padding.
fn ez_matches(pwd: &str, password: &str) -> bool {
    // A client that forgot to URL-encode `+` sends it as a space; Base64 has no spaces.
    let cleaned = pwd.replace(' ', "+");
    let cleaned = cleaned.trim().trim_end_matches('=');
    let Ok(bytes) = base64::engine::general_purpose::STANDARD_NO_PAD.decode(cleaned) else {
        return false;
    };
    bytes == password.as_bytes() || bytes == utf16to8(password)
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The fields every authLogin reply starts with (boot state, shutdown schedule).
fn preamble(out: &mut String) {
    out.push_str(PROLOG);
    cdata(out, "doQuick", "");
    cdata(out, "is_booting", "0");
    cdata(out, "mediaReady", "1");
    out.push_str("<shutdown_info>");
    cdata(out, "type", "0");
    cdata(out, "timestamp", "0");
    cdata(out, "duration", "0");
    out.push_str("</shutdown_info>\n");
    cdata(out, "SMBFW", "0");
}

/// The cosmetic trailer of a login page reply (banner texts, cuid, …).
fn trailer(out: &mut String, emu: &Emu) {
    cdata(out, "ts", &unix_now().to_string());
    cdata(out, "fwNotice", "0");
    cdata(out, "title", "");
    cdata(out, "content", "");
    cdata(out, "psType", "1");
    cdata(out, "standard_massage", "");
    cdata(out, "standard_color", "#000000");
    cdata(out, "standard_size", "12");
    cdata(out, "standard_bg_style", "");
    cdata(out, "showVersion", "0");
    cdata(out, "show_link", "0");
    cdata(out, "cuid", &emu.cfg.hostname.to_lowercase());
    cdata(out, "auth_method", "ck");
    out.push_str("<mfa_support></mfa_support>");
    cdata(
        out,
        "function_support",
        "redirect_url,xs-auth-redirect,passwordless_login,multi_2sv,app_privilege",
    );
}

fn user_id(emu: &Emu, user: &QnapUser) -> usize {
    let idx = emu.users.iter().position(|u| u.name == user.name);
    // The first account plays the built-in admin (uid 0); others get 1000+.
    match idx {
        Some(0) => 0,
        Some(i) => 999 + i,
        None => 65534,
    }
}

fn groupname(user: &QnapUser) -> &'static str {
    if user.readonly {
        "everyone"
    } else {
        "administrators"
    }
}

fn success_xml(emu: &Emu, user: &QnapUser, sid: &str) -> String {
    let mut out = String::with_capacity(1536);
    preamble(&mut out);
    cdata(&mut out, "pw_status", "0");
    cdata(&mut out, "authPassed", "1");
    cdata(&mut out, "hero_model", "0");
    cdata(&mut out, "qts_mode_type", "0");
    cdata(&mut out, "user_enable", "1");
    cdata(&mut out, "user_account_expiry", "0");
    cdata(&mut out, "authSid", sid);
    cdata(&mut out, "isAdmin", if user.readonly { "0" } else { "1" });
    cdata(&mut out, "userid", &user_id(emu, user).to_string());
    cdata(&mut out, "userType", "local");
    cdata(&mut out, "user_pw_change", "0");
    cdata(&mut out, "username", &user.name);
    cdata(&mut out, "groupname", groupname(user));
    trailer(&mut out, emu);
    out.push_str("</QDocRoot>");
    out
}

fn failure_xml(emu: &Emu) -> String {
    let mut out = String::with_capacity(1024);
    preamble(&mut out);
    cdata(&mut out, "pw_status", "0");
    cdata(&mut out, "authPassed", "0");
    cdata(&mut out, "errorValue", "-1");
    cdata(&mut out, "username", "");
    trailer(&mut out, emu);
    out.push_str("</QDocRoot>");
    out
}

fn need_2sv_xml(emu: &Emu) -> String {
    let mut out = String::with_capacity(1024);
    preamble(&mut out);
    cdata(&mut out, "authPassed", "0");
    cdata(&mut out, "need_2sv", "1");
    cdata(&mut out, "lost_phone", "1");
    cdata(&mut out, "timezone", "UTC");
    cdata(&mut out, "timestamp", &unix_now().to_string());
    cdata(&mut out, "time_format", "24");
    cdata(&mut out, "date_format_index", "1");
    cdata(
        &mut out,
        "timestring",
        &super::listing::display_time(unix_now() as i64),
    );
    cdata(&mut out, "emergency_try_count", "0");
    cdata(&mut out, "emergency_try_limit", "5");
    trailer(&mut out, emu);
    out.push_str("</QDocRoot>");
    out
}

/// `<QDocRoot><authPassed>0</authPassed></QDocRoot>` as the session check sends it.
fn not_passed_xml() -> String {
    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<QDocRoot version=\"1.0\"><authPassed><![CDATA[0]]></authPassed></QDocRoot>".to_string()
}

fn session_xml(emu: &Emu, user: &QnapUser) -> String {
    let mut out = String::from(PROLOG.trim_end_matches('\n'));
    cdata(&mut out, "authPassed", "1");
    cdata(&mut out, "user", &user.name);
    cdata(&mut out, "username", &user.name);
    cdata(&mut out, "groupname", groupname(user));
    cdata(&mut out, "userid", &user_id(emu, user).to_string());
    cdata(&mut out, "isAdmin", if user.readonly { "0" } else { "1" });
    cdata(&mut out, "userType", "local");
    cdata(&mut out, "modelName", "TS-XA28A");
    out.push_str("</QDocRoot>");
    out
}

/// Outcome of checking the credentials in a login request.
enum Check {
    Passed(Arc<QnapUser>),
    Need2sv,
    Failed,
}

fn check_credentials(emu: &Emu, p: &Params) -> Check {
    let Some(name) = p.get("user") else {
        return Check::Failed;
    };
    let Some(user) = emu.users.iter().find(|u| u.name == name) else {
        return Check::Failed;
    };
    let pw_ok = match (p.get("pwd"), p.get("plain_pwd")) {
        (Some(pwd), _) => ez_matches(pwd, &user.password),
        (None, Some(plain)) => plain == user.password,
        (None, None) => false,
    };
    if !pw_ok {
        return Check::Failed;
    }
    match (&user.totp_secret, p.nonempty("security_code")) {
        (None, _) => Check::Passed(user.clone()),
        (Some(secret), Some(code)) if totp::verify(secret, code) => Check::Passed(user.clone()),
        // No code, or a wrong one: ask again (the user must type a fresh code).
        (Some(_), _) => Check::Need2sv,
    }
}

/// `authLogin.cgi`: login, session check (`sid` alone) and `logout=1`.
pub async fn login(State(emu): State<Arc<Emu>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let (p, _) = params::collect(&parts.method, &parts.headers, parts.uri.query(), body).await;
    if p.flag("logout") {
        if let Some(sid) = p.get("sid") {
            emu.sessions.remove(sid);
        }
        return xml(not_passed_xml());
    }
    if p.get("user").is_none() {
        return match p.get("sid").and_then(|s| emu.sessions.get(s)) {
            Some(s) => xml(session_xml(&emu, &s.user)),
            None => xml(not_passed_xml()),
        };
    }
    match check_credentials(&emu, &p) {
        Check::Passed(user) => {
            let sid = emu.sessions.create(user.clone());
            tracing::debug!(user = %user.name, "qnap emulator: login");
            xml(success_xml(&emu, &user, &sid))
        }
        Check::Need2sv => xml(need_2sv_xml(&emu)),
        Check::Failed => xml(failure_xml(&emu)),
    }
}

/// `authLogout.cgi` (POST `sid` + `logout=1`, or GET).
pub async fn logout(State(emu): State<Arc<Emu>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let (p, _) = params::collect(&parts.method, &parts.headers, parts.uri.query(), body).await;
    if let Some(sid) = p.get("sid") {
        emu.sessions.remove(sid);
    }
    xml(format!(
        "{PROLOG}<authLogout><![CDATA[1]]></authLogout></QDocRoot>"
    ))
}

/// Legacy JSON login of File Station API v4.1.
pub async fn wfm2_login(State(emu): State<Arc<Emu>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let (p, _) = params::collect(&parts.method, &parts.headers, parts.uri.query(), body).await;
    let (code, sid, name) = match check_credentials(&emu, &p) {
        Check::Passed(user) => (1, emu.sessions.create(user.clone()), user.name.clone()),
        _ => (0, String::new(), p.get("user").unwrap_or("").to_string()),
    };
    envelope::json(&J::Obj(vec![
        ("status", J::Int(code)),
        ("sid", J::s(sid)),
        ("servername", J::s(&emu.cfg.hostname)),
        ("username", J::s(name)),
        ("admingroup", J::Int(1)),
        ("supportACL", J::Int(1)),
        ("enableACL", J::Int(1)),
        ("dateFormat", J::Int(1)),
        ("timeFormat", J::Int(24)),
        ("genericModel", J::Int(0)),
        ("supportRTT", J::Int(0)),
        ("version", J::s(&emu.cfg.version)),
        ("build", J::s(&emu.cfg.build)),
    ]))
}

pub async fn wfm2_logout(State(emu): State<Arc<Emu>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let (p, _) = params::collect(&parts.method, &parts.headers, parts.uri.query(), body).await;
    if let Some(sid) = p.get("sid") {
        emu.sessions.remove(sid);
    }
    emu.status(status::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ez_encode_variants() {
        assert!(ez_matches("YWRtaW4=", "admin"));
        assert!(ez_matches("cEBzcyB3MHJk", "p@ss w0rd"));
        assert!(ez_matches("cMOkc3M=", "päss"));
        // CESU-8 (QNAP's utf16to8) and plain UTF-8 of an astral character.
        assert!(ez_matches("7aC97biA", "😀"));
        assert!(ez_matches("8J+YgA==", "😀"));
        assert!(!ez_matches("YWRtaW4=", "admin2"));
        assert!(!ez_matches("%%%", "admin"));
        // "~~~" encodes to "fn5+": a '+' that arrives as a space still matches.
        assert!(ez_matches("fn5 ", "~~~"));
    }
}
