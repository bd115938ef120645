//! Share links: `get_share_link`, `share_file`, `get_share_list`, `update_share_link`,
//! `delete_share`, `delete_share_all`, and the public `share.cgi?ssid=…` that serves
//! the shared file (or a zip of a shared folder) while enforcing expiry and access code.

use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::Emu;
use super::download::{Disposition, send_file, zip_response};
use super::envelope::{J, Reply, json, status};
use super::params::{self, Params};
use super::paths::child_wire;
use super::router::Ctx;
use super::session::random_token;

/// An e-mail `share_file` would have sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentMail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub message: String,
    /// The share URLs the mail carries.
    pub links: Vec<String>,
}

/// The e-mails the emulator would have sent, oldest first (it sends none).
#[derive(Clone, Debug, Default)]
pub struct Outbox(std::sync::Arc<std::sync::Mutex<Vec<SentMail>>>);

impl Outbox {
    pub fn sent(&self) -> Vec<SentMail> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }

    fn push(&self, mail: SentMail) {
        if let Ok(mut m) = self.0.lock() {
            m.push(mail);
        }
    }
}

#[derive(Clone, Debug)]
struct Link {
    ssid: String,
    /// Wire path of the shared item.
    wire: String,
    creator: String,
    addressee: String,
    start_time: i64,
    /// Unix time after which the link is dead; 0 = forever.
    expire_time: i64,
    access_code: Option<String>,
    url: String,
    downloads: u64,
}

#[derive(Debug, Default)]
pub struct ShareStore {
    links: Mutex<Vec<Link>>,
}

impl ShareStore {
    fn with<R>(&self, f: impl FnOnce(&mut Vec<Link>) -> R) -> R {
        let mut g = self.links.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }
}

/// Expiry from `valid_duration`: `forever`, `specific_time` + `datetime=YYYY/MM/DD HH:mm`
/// (NAS time = UTC here), `period_of_time` + `day` + `hour`.
fn expiry(p: &Params, now: i64) -> Result<i64, i64> {
    match p.get("valid_duration").unwrap_or("forever") {
        "forever" | "" => Ok(0),
        "specific_time" => {
            let dt = p.nonempty("datetime").ok_or(status::PARAMS)?;
            parse_datetime(dt).ok_or(status::PARAMS)
        }
        "period_of_time" | "day" | "hour" => {
            let days = p.int("day").unwrap_or(0);
            let hours = p.int("hour").unwrap_or(0);
            if days <= 0 && hours <= 0 {
                return Err(status::PARAMS);
            }
            Ok(now + days * 86_400 + hours * 3_600)
        }
        _ => Err(status::PARAMS),
    }
}

fn parse_datetime(s: &str) -> Option<i64> {
    let (date, clock) = s.trim().split_once(' ')?;
    let mut d = date.split('/').map(|x| x.parse::<i64>().ok());
    let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
    let mut t = clock.split(':').map(|x| x.parse::<i64>().ok());
    let (h, mi) = (t.next()??, t.next()??);
    let month = time::Month::try_from(u8::try_from(mo).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(da).ok()?)
            .ok()?;
    let tm = time::Time::from_hms(u8::try_from(h).ok()?, u8::try_from(mi).ok()?, 0).ok()?;
    Some(
        time::PrimitiveDateTime::new(date, tm)
            .assume_utc()
            .unix_timestamp(),
    )
}

fn access_code(p: &Params) -> Option<String> {
    if p.get("access_enabled") == Some("true") || p.get("access_enabled") == Some("1") {
        p.nonempty("access_code").map(String::from)
    } else {
        None
    }
}

/// `http(s)://<hostname or Host>[:port]/share.cgi?ssid=…`
fn link_base(c: &Ctx) -> String {
    let host = c.host();
    let port = host.rsplit_once(':').map(|(_, p)| p.to_string());
    let scheme = if c.p.get("ssl") == Some("true") {
        "https"
    } else {
        "http"
    };
    match (c.p.nonempty("hostname"), port) {
        (Some(h), Some(p)) if !h.contains(':') => format!("{scheme}://{h}:{p}"),
        (Some(h), _) => format!("{scheme}://{h}"),
        (None, _) => format!("{scheme}://{host}"),
    }
}

fn create_links(c: &Ctx) -> Result<Vec<Link>, i64> {
    let dir = c.req("path")?;
    let names = c.p.items("file_name", "file_total");
    if names.is_empty() {
        return Err(status::PARAMS);
    }
    let now = c.emu.cfg.clock.now();
    let expire_time = expiry(&c.p, now)?;
    let base = link_base(c);
    let mut out = Vec::new();
    for n in names {
        let real = c.emu.real_child(dir, n)?;
        if c.emu.fs.metadata(&real).is_err() {
            return Err(status::NOT_FOUND);
        }
        let ssid = random_token(b"0123456789abcdef", 32);
        out.push(Link {
            url: format!("{base}/share.cgi?ssid={ssid}"),
            ssid,
            wire: child_wire(dir, n),
            creator: c.user.name.clone(),
            addressee: c.p.get("addressee").unwrap_or("").to_string(),
            start_time: now,
            expire_time,
            access_code: access_code(&c.p),
            downloads: 0,
        });
    }
    c.emu.shares.with(|l| l.extend(out.iter().cloned()));
    Ok(out)
}

pub fn get_share_link(c: &Ctx) -> Reply {
    let links = create_links(c)?;
    Ok(json(&link_reply(&links)))
}

/// `get_share_link`'s reply for `links`.
fn link_reply(links: &[Link]) -> J {
    let first = links.first().map(|l| l.ssid.clone()).unwrap_or_default();
    let expire = links.first().map(|l| l.expire_time).unwrap_or(0);
    let arr = links
        .iter()
        .map(|l| {
            J::Obj(vec![
                ("filename", J::s(&l.wire)),
                ("link_url", J::s(&l.url)),
            ])
        })
        .collect();
    J::Obj(vec![
        ("status", J::Int(1)),
        ("ssid", J::s(first)),
        ("expire_time", J::Int(expire)),
        ("total", J::i(links.len())),
        ("count", J::Int(0)),
        ("limit", J::Int(0)),
        ("misc", J::s("----")),
        ("links", J::Arr(arr)),
    ])
}

/// Like `get_share_link`, plus an e-mail to `addressee` (several separated by `,` or
/// `;`) that the emulator records in its outbox and log instead of sending; the reply is
/// `get_share_link`'s with `email_error` 0 (what QTS returns here is not known).
pub fn share_file(c: &Ctx) -> Reply {
    let to: Vec<String> =
        c.p.get("addressee")
            .unwrap_or("")
            .split([',', ';'])
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
    if to.is_empty()
        || to
            .iter()
            .any(|a| !a.contains('@') || a.contains(char::is_whitespace))
    {
        return Err(status::PARAMS);
    }
    let links = create_links(c)?;
    let mail = SentMail {
        from: c.user.name.clone(),
        to,
        subject: c.p.get("subject").unwrap_or("").to_owned(),
        message: c.p.get("content").unwrap_or("").to_owned(),
        links: links.iter().map(|l| l.url.clone()).collect(),
    };
    c.emu.cfg.request_log.note(&format!(
        "MAIL not sent (emulator) from={} to={} subject={:?} links={}",
        mail.from,
        mail.to.join(","),
        crate::names::escape(&mail.subject),
        mail.links.len()
    ));
    c.emu.cfg.outbox.push(mail);
    let mut reply = link_reply(&links);
    if let J::Obj(fields) = &mut reply {
        fields.push(("email_error", J::Int(0)));
    }
    Ok(json(&reply))
}

pub fn get_share_list(c: &Ctx) -> Reply {
    let mut links = c.emu.shares.with(|l| l.clone());
    links.retain(|l| l.creator == c.user.name);
    let desc = c.p.get("dir") == Some("DESC");
    links.sort_by(|a, b| {
        let o = match c.p.get("sort") {
            Some("expire_time") => a.expire_time.cmp(&b.expire_time),
            Some("start_time") => a.start_time.cmp(&b.start_time),
            _ => a.wire.to_lowercase().cmp(&b.wire.to_lowercase()),
        };
        if desc { o.reverse() } else { o }
    });
    let total = links.len();
    let datas = super::listing::page(links, c.p.int("start"), c.p.int("limit"))
        .into_iter()
        .map(|l| {
            let size = c
                .emu
                .real(&l.wire)
                .ok()
                .and_then(|p| c.emu.fs.metadata(&p).ok())
                .map(|m| if m.is_dir() { 4096 } else { m.len() })
                .unwrap_or(0);
            J::Obj(vec![
                ("ssid", J::s(&l.ssid)),
                ("filename", J::s(c.emu.volume_path(&l.wire))),
                ("filesize", J::Str(size.to_string())),
                ("filetype", J::Int(0)),
                ("download_link", J::s(&l.url)),
                ("start_time", J::Int(l.start_time)),
                ("expire_time", J::Int(l.expire_time)),
                ("addressee", J::s(&l.addressee)),
                ("creator", J::s(&l.creator)),
                (
                    "access_code",
                    J::s(l.access_code.clone().unwrap_or_default()),
                ),
                ("download_count", J::i(l.downloads)),
                ("download_limit", J::Int(0)),
                ("misc", J::s("----")),
            ])
        })
        .collect();
    Ok(json(&J::Obj(vec![
        ("max_share_file", J::Int(1000)),
        ("total", J::i(total)),
        ("datas", J::Arr(datas)),
    ])))
}

/// ssids named by `ssid`/`ssids` (repeated or comma-separated) or by `download_link` URLs.
fn named_ssids(p: &Params) -> Vec<String> {
    let mut out: Vec<String> = p
        .all("ssids")
        .into_iter()
        .chain(p.all("ssid"))
        .flat_map(|v| {
            v.split(',')
                .map(str::trim)
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect();
    for link in p.all("download_link") {
        if let Some((_, rest)) = link.split_once("ssid=") {
            out.push(rest.split('&').next().unwrap_or("").to_string());
        }
    }
    out
}

pub fn update_share_link(c: &Ctx) -> Reply {
    let ssids = named_ssids(&c.p);
    if ssids.is_empty() {
        return Err(status::PARAMS);
    }
    let expire = if c.p.get("valid_duration").is_some() {
        Some(expiry(&c.p, c.emu.cfg.clock.now())?)
    } else {
        None
    };
    let code = access_code(&c.p);
    let touch_code = c.p.get("access_enabled").is_some();
    let found = c.emu.shares.with(|links| {
        let mut found = 0;
        for l in links
            .iter_mut()
            .filter(|l| ssids.contains(&l.ssid) && l.creator == c.user.name)
        {
            if let Some(e) = expire {
                l.expire_time = e;
            }
            if touch_code {
                l.access_code = code.clone();
            }
            found += 1;
        }
        found
    });
    Err(if found == 0 {
        status::NOT_FOUND
    } else {
        status::OK
    })
}

pub fn delete_share(c: &Ctx) -> Reply {
    let ssids = named_ssids(&c.p);
    if ssids.is_empty() {
        return Err(status::PARAMS);
    }
    let removed = c.emu.shares.with(|links| {
        let before = links.len();
        links.retain(|l| !(ssids.contains(&l.ssid) && l.creator == c.user.name));
        before - links.len()
    });
    Err(if removed == 0 {
        status::NOT_FOUND
    } else {
        status::OK
    })
}

pub fn delete_share_all(c: &Ctx) -> Reply {
    c.emu
        .shares
        .with(|links| links.retain(|l| l.creator != c.user.name));
    Err(status::OK)
}

fn html(code: StatusCode, title: &str, text: &str) -> Response {
    (
        code,
        [(header::CONTENT_TYPE, "text/html")],
        format!("<!DOCTYPE html><html><head><title>{title}</title></head><body><p>{text}</p></body></html>\n"),
    )
        .into_response()
}

/// Public `share.cgi?ssid=…[&access_code=…]`: no login, the link is the credential.
pub async fn serve_link(State(emu): State<Arc<Emu>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let (p, _) = params::collect(&parts.method, &parts.headers, parts.uri.query(), body).await;
    let Some(ssid) = p.nonempty("ssid") else {
        return html(
            StatusCode::NOT_FOUND,
            "Not found",
            "The link does not exist.",
        );
    };
    let Some(link) = emu
        .shares
        .with(|l| l.iter().find(|l| l.ssid == ssid).cloned())
    else {
        return html(
            StatusCode::NOT_FOUND,
            "Not found",
            "The link does not exist.",
        );
    };
    // The box's own clock decides (tests move it: `QnapEmulatorConfig::clock`).
    if link.expire_time != 0 && emu.cfg.clock.now() >= link.expire_time {
        return html(
            StatusCode::GONE,
            "Link expired",
            "This share link has expired.",
        );
    }
    if let Some(code) = &link.access_code {
        let given = p.get("access_code").or_else(|| p.get("password"));
        if given != Some(code.as_str()) {
            // ssids are hex, safe to put in the page as they are.
            let form = format!(
                "<form method=\"get\"><input type=\"hidden\" name=\"ssid\" value=\"{}\">Access code: <input name=\"access_code\" type=\"password\"></form>",
                link.ssid
            );
            return html(StatusCode::FORBIDDEN, "Access code required", &form);
        }
    }
    let Ok(real) = emu.real(&link.wire) else {
        return html(
            StatusCode::NOT_FOUND,
            "Not found",
            "The shared file is gone.",
        );
    };
    let name = link
        .wire
        .rsplit('/')
        .next()
        .unwrap_or("download")
        .to_string();
    emu.shares.with(|l| {
        if let Some(x) = l.iter_mut().find(|x| x.ssid == link.ssid) {
            x.downloads += 1;
        }
    });
    if emu.fs.is_dir(&real) {
        return zip_response(
            &emu.faults,
            &emu.fs,
            &format!("{name}.zip"),
            vec![(name, real)],
        );
    }
    let range = parts
        .headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok());
    match send_file(
        &emu.faults,
        &emu.fs,
        &name,
        &real,
        range,
        Disposition::Download,
    )
    .await
    {
        Ok(r) => r,
        Err(_) => html(
            StatusCode::NOT_FOUND,
            "Not found",
            "The shared file is gone.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetime() {
        assert_eq!(parse_datetime("1970/01/02 00:01"), Some(86_460));
        assert_eq!(parse_datetime("2026/13/01 00:00"), None);
    }
}
