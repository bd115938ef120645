//! Share-link helpers used by both the share panel and `nascmd share`: lifetimes like
//! `7d` ↔ seconds, expiry shown as a date and as "in 3 days", access codes, and the text
//! put in the clipboard for several links. All pure functions (the clock is a parameter),
//! except [`generate_access_code`], which asks the OS for randomness.

use rand::SeedableRng as _;
use rand::rngs::{StdRng, SysRng};
use rand::seq::IndexedRandom as _;

use crate::secret::Secret;

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;
const WEEK: u64 = 7 * DAY;

/// Longest lifetime accepted: 100 years. Anything longer means "never", and real dates
/// keep every later step (date display, QNAP's `datetime` field) meaningful.
pub const MAX_LIFETIME_SECS: u64 = 36_525 * DAY;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ExpiryParseError {
    #[error("empty lifetime: use e.g. `7d`, `12h`, `30m` or `never`")]
    Empty,
    #[error("`{0}` has no number: use e.g. `7d`, `12h`, `30m` or `never`")]
    NoNumber(String),
    #[error("`{0}` has no unit: add s, m (minutes), h, d or w, e.g. `{0}d`")]
    NoUnit(String),
    #[error("`{input}`: unknown unit `{unit}` (use s, m for minutes, h, d or w)")]
    UnknownUnit { input: String, unit: String },
    #[error("`{0}` is zero: a link would expire at once; use `never` for no expiry")]
    Zero(String),
    #[error("`{0}` is longer than 100 years: use `never` for no expiry")]
    TooLarge(String),
}

/// Parses a lifetime: `never` → `None`; `<n><unit>` with unit `s`, `m` (minutes), `h`,
/// `d` or `w` → `Some(seconds)`. Case and surrounding spaces are ignored.
pub fn parse_expiry(input: &str) -> Result<Option<u64>, ExpiryParseError> {
    let text = input.trim().to_ascii_lowercase();
    if text.is_empty() {
        return Err(ExpiryParseError::Empty);
    }
    if text == "never" {
        return Ok(None);
    }
    let digits_end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    if number.is_empty() {
        return Err(ExpiryParseError::NoNumber(input.trim().to_owned()));
    }
    let too_large = || ExpiryParseError::TooLarge(input.trim().to_owned());
    let count: u64 = number.parse().map_err(|_| too_large())?;
    if count == 0 {
        return Err(ExpiryParseError::Zero(input.trim().to_owned()));
    }
    let unit_secs = match unit.trim() {
        "" => return Err(ExpiryParseError::NoUnit(number.to_owned())),
        "s" => 1,
        "m" => MINUTE,
        "h" => HOUR,
        "d" => DAY,
        "w" => WEEK,
        other => {
            return Err(ExpiryParseError::UnknownUnit {
                input: input.trim().to_owned(),
                unit: other.to_owned(),
            });
        }
    };
    let secs = count.checked_mul(unit_secs).ok_or_else(too_large)?;
    if secs > MAX_LIFETIME_SECS {
        return Err(too_large());
    }
    Ok(Some(secs))
}

/// The inverse of [`parse_expiry`] in the largest whole unit up to days (`7d` reads
/// better than `1w`): `Some(604800)` → `7d`,
/// `Some(90)` → `90s`, `None` → `never`. For prefilling dialogs.
pub fn format_lifetime(secs: Option<u64>) -> String {
    let Some(secs) = secs else {
        return "never".to_owned();
    };
    for (unit, size) in [("d", DAY), ("h", HOUR), ("m", MINUTE)] {
        if secs >= size && secs % size == 0 {
            return format!("{}{unit}", secs / size);
        }
    }
    format!("{secs}s")
}

/// The Unix time a link made at `now` with `lifetime` expires; `None` = never.
pub fn expiry_from_lifetime(now: i64, lifetime: Option<u64>) -> Option<i64> {
    lifetime.map(|secs| now.saturating_add(i64::try_from(secs).unwrap_or(i64::MAX)))
}

/// The expiry as a date, `2026-11-30 14:05 UTC`, or `never`. UTC because a local offset
/// cannot be read safely in a multi-threaded process; the relative form covers the
/// human side.
pub fn format_expiry_date(expires: Option<i64>) -> String {
    let Some(at) = expires else {
        return "never".to_owned();
    };
    match time::OffsetDateTime::from_unix_timestamp(at) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => format!("invalid date ({at})"),
    }
}

/// The expiry relative to `now` (Unix seconds): `never`, `expired`, `in under a minute`,
/// `in 5 minutes`, `in 3 hours`, `in 7 days`. Rounded to the nearest unit, so a 7-day link
/// made a second ago still reads "in 7 days".
pub fn format_expiry_relative(expires: Option<i64>, now: i64) -> String {
    let Some(at) = expires else {
        return "never".to_owned();
    };
    if at <= now {
        return "expired".to_owned();
    }
    let left = at.abs_diff(now);
    let rounded = |unit: u64| (left + unit / 2) / unit;
    let (count, unit) = match rounded(MINUTE) {
        0 => return "in under a minute".to_owned(),
        minutes if minutes < 60 => (minutes, "minute"),
        _ => match rounded(HOUR) {
            hours if hours < 24 => (hours, "hour"),
            _ => (rounded(DAY), "day"),
        },
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("in {count} {unit}{plural}")
}

/// Both forms for one column: `2026-11-30 14:05 UTC (in 7 days)`, or `never`.
pub fn format_expiry(expires: Option<i64>, now: i64) -> String {
    match expires {
        None => "never".to_owned(),
        Some(_) => format!(
            "{} ({})",
            format_expiry_date(expires),
            format_expiry_relative(expires, now)
        ),
    }
}

/// Characters of generated access codes: ASCII letters and digits without the look-alikes
/// `0 O o 1 l I`, so a code read aloud or off a screen is typed right. Neither vendor
/// documents its rules (QNAP: not found; the Freebox has no access codes at all), so we
/// keep to what any form field accepts and needs no escaping in a URL.
pub const ACCESS_CODE_CHARSET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/// Length of generated access codes: 56^8 ≈ 9.7e13 choices (46 bits).
pub const ACCESS_CODE_LEN: usize = 8;

/// Bounds for codes the user types. No vendor documents any; these are conservative
/// (long enough to mean something, short enough for any form field).
pub const ACCESS_CODE_MIN_LEN: usize = 4;
pub const ACCESS_CODE_MAX_LEN: usize = 16;

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum AccessCodeError {
    #[error("the system random generator failed: {0}")]
    Random(String),
    #[error("an access code needs {ACCESS_CODE_MIN_LEN} to {ACCESS_CODE_MAX_LEN} characters")]
    Length,
    #[error("an access code may only use letters A-Z, a-z and digits 0-9")]
    Charset,
}

/// A fresh random access code ([`ACCESS_CODE_LEN`] characters of
/// [`ACCESS_CODE_CHARSET`]), from a generator seeded by the operating system.
pub fn generate_access_code() -> Result<Secret, AccessCodeError> {
    let mut rng =
        StdRng::try_from_rng(&mut SysRng).map_err(|e| AccessCodeError::Random(e.to_string()))?;
    Ok(generate_access_code_with(&mut rng))
}

/// As [`generate_access_code`] with a given generator (tests seed one).
pub fn generate_access_code_with<R: rand::CryptoRng + ?Sized>(rng: &mut R) -> Secret {
    let code: String = (0..ACCESS_CODE_LEN)
        .filter_map(|_| ACCESS_CODE_CHARSET.choose(rng).map(|&b| char::from(b)))
        .collect();
    Secret::new(code)
}

/// Checks a code the user typed: [`ACCESS_CODE_MIN_LEN`]..=[`ACCESS_CODE_MAX_LEN`] ASCII
/// letters and digits.
pub fn validate_access_code(code: &str) -> Result<(), AccessCodeError> {
    if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(AccessCodeError::Charset);
    }
    if !(ACCESS_CODE_MIN_LEN..=ACCESS_CODE_MAX_LEN).contains(&code.len()) {
        return Err(AccessCodeError::Length);
    }
    Ok(())
}

/// The clipboard text for several links: their URLs, one per line, in order, without a
/// trailing newline (pasting one URL must not send a chat message early). Empty URLs (a
/// Freebox with remote access off) are skipped.
pub fn join_urls<'a>(urls: impl IntoIterator<Item = &'a str>) -> String {
    urls.into_iter()
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// `url` with its host replaced by `host` (`name[:port]`; without a port the URL keeps
/// its own). `None` when the URL cannot be read or `host` is no host name.
pub fn url_with_host(url: &str, host: &str) -> Option<String> {
    let mut u = reqwest::Url::parse(url).ok()?;
    let host = host.trim();
    let (name, port) = match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(']') || h.ends_with(']') => match p.parse::<u16>() {
            Ok(p) => (h, Some(p)),
            Err(_) => (host, None),
        },
        _ => (host, None),
    };
    u.set_host(Some(name)).ok()?;
    if port.is_some() {
        u.set_port(port).ok()?;
    }
    Some(u.to_string())
}

/// `host[:port]` of a URL (the port only when the URL spells one out), to make a
/// changed link name the same host as before. `None` for an empty or unreadable URL.
pub fn url_host(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    let host = u.host_str()?;
    Some(match u.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    })
}

/// Whether `url` names `host` (`name[:port]`), ports compared after the scheme's default
/// is filled in (`https://nas/` names `nas:443`), names without regard to case.
pub fn url_names_host(url: &str, host: &str) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return false;
    };
    let Ok(want) = reqwest::Url::parse(&format!("{}://{}/", u.scheme(), host.trim())) else {
        return false;
    };
    let name = |x: &reqwest::Url| x.host_str().map(str::to_ascii_lowercase);
    name(&u) == name(&want) && u.port_or_known_default() == want.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetime_round_trips() {
        for text in ["7d", "12h", "30m", "14d", "90s", "never"] {
            assert_eq!(format_lifetime(parse_expiry(text).unwrap()), text);
        }
        assert_eq!(format_lifetime(Some(7200)), "2h");
    }

    #[test]
    fn expiry_from_lifetime_adds() {
        assert_eq!(expiry_from_lifetime(1000, Some(60)), Some(1060));
        assert_eq!(expiry_from_lifetime(1000, None), None);
    }

    #[test]
    fn url_host_comparison_fills_in_default_ports() {
        let u = "https://NAS.example.org/share.cgi?ssid=ab";
        assert!(url_names_host(u, "nas.example.org"));
        assert!(url_names_host(u, "nas.example.org:443"));
        assert!(!url_names_host(u, "nas.example.org:8443"));
        assert!(!url_names_host(u, "other.example.org"));
        assert!(url_names_host("http://127.0.0.1:8080/x", "127.0.0.1:8080"));
        assert!(!url_names_host("not a url", "x"));
        assert_eq!(
            url_host("http://nas.ddns.example:8080/share.cgi?ssid=a").as_deref(),
            Some("nas.ddns.example:8080")
        );
        assert_eq!(url_host(u).as_deref(), Some("nas.example.org"));
        assert_eq!(url_host(""), None);
    }
}
