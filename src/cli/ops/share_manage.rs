//! `nascmd share list|revoke|revoke-all|update`: the links already made, for scripts.
//! A PLACE is `REMOTE:` (every link of that NAS) or `REMOTE:/path` (the links to that
//! path and below it); a LINK is a link's id or its URL.

use std::io::{IsTerminal, Write};

use clap::{Args, Subcommand};

use crate::names::escape;
use crate::remotes::Target;
use crate::services::connect::Opener;
use crate::services::share;
use crate::share_format::{format_expiry_date, generate_access_code, parse_expiry};
use crate::vfs::{ShareLink, VPath, VfsHandle};

pub const EXAMPLES: &str = "\
Examples:
  nascmd share list nas:
  nascmd share list --json nas:/Public/photos | jq -r '.[].url'
  nascmd share revoke nas: https://nas.example.org:8080/share.cgi?ssid=0a1b2c3d
  nascmd share update --expire 30d nas: 0a1b2c3d
  nascmd share revoke-all --yes nas:/Public/old";

#[derive(Subcommand, Debug)]
pub enum ManageCommand {
    /// List the links of a NAS (or those to a path and below it).
    #[command(after_help = EXAMPLES)]
    List(ListArgs),
    /// Revoke links by id or URL; their URLs stop working.
    #[command(after_help = EXAMPLES)]
    Revoke(RevokeArgs),
    /// Revoke every link of a NAS (or to a path and below it); asks first.
    #[command(after_help = EXAMPLES)]
    RevokeAll(RevokeAllArgs),
    /// Change a link's expiry or access code; what is not given stays as it is.
    #[command(after_help = EXAMPLES)]
    Update(UpdateArgs),
}

#[derive(Args, Debug)]
pub struct ListArgs {
    /// `REMOTE:` or `REMOTE:/path`.
    #[arg(value_name = "PLACE")]
    pub place: String,
    /// One JSON array of objects: id, url, path, expires (seconds since the epoch or
    /// null), access_code (whether the link has one).
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug)]
pub struct RevokeArgs {
    /// The NAS: `REMOTE:`.
    #[arg(value_name = "PLACE")]
    pub place: String,
    /// Link ids or URLs.
    #[arg(required = true, value_name = "LINK")]
    pub links: Vec<String>,
}

#[derive(Args, Debug)]
pub struct RevokeAllArgs {
    /// `REMOTE:` or `REMOTE:/path`.
    #[arg(value_name = "PLACE")]
    pub place: String,
    /// Do not ask (needed when stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// The NAS: `REMOTE:`.
    #[arg(value_name = "PLACE")]
    pub place: String,
    /// The link's id or URL.
    #[arg(value_name = "LINK")]
    pub link: String,
    /// New lifetime from now: 30m, 12h, 7d, 2w … or `never`.
    #[arg(long, value_name = "DURATION")]
    pub expire: Option<String>,
    /// Give the link a new generated access code (printed).
    #[arg(long, conflicts_with = "no_code")]
    pub code: bool,
    /// Remove the link's access code.
    #[arg(long)]
    pub no_code: bool,
}

pub async fn run(opener: &mut Opener, cmd: ManageCommand) -> anyhow::Result<u8> {
    match cmd {
        ManageCommand::List(a) => list(opener, a).await,
        ManageCommand::Revoke(a) => revoke(opener, a).await,
        ManageCommand::RevokeAll(a) => revoke_all(opener, a).await,
        ManageCommand::Update(a) => update(opener, a).await,
    }
}

/// The NAS behind PLACE, the path PLACE names, and its links.
async fn links_of(
    opener: &mut Opener,
    place: &str,
) -> anyhow::Result<(VfsHandle, VPath, Vec<ShareLink>)> {
    let target = opener.parse(place).map_err(super::remote_error)?;
    let host = match &target {
        Target::Remote { remote, .. } => remote.share_host.clone(),
        Target::Local(_) => {
            anyhow::bail!("{place}: share links live on a NAS: give REMOTE: or REMOTE:/path")
        }
    };
    let vfs = opener.backend(&target).await.map_err(super::remote_error)?;
    let links = share::list(vfs.as_ref(), host.as_deref()).await?;
    Ok((vfs, target.path().clone(), links))
}

async fn list(opener: &mut Opener, a: ListArgs) -> anyhow::Result<u8> {
    let (_, under, links) = links_of(opener, &a.place).await?;
    let shown = share::below(&links, &under);
    let mut out = std::io::stdout().lock();
    if a.json {
        let items: Vec<_> = shown.iter().map(|l| link_json(l)).collect();
        crate::cli::json::write_line(&mut out, &items)?;
    } else {
        for l in &shown {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                escape(&l.id),
                escape(&l.url),
                escape(l.path.as_str()),
                format_expiry_date(l.expires),
                if l.access_code.is_some() { "code" } else { "-" }
            )?;
        }
    }
    out.flush()?;
    Ok(crate::cli::exit::OK)
}

/// A link as `--json` shows it: whether it has an access code, never the code.
fn link_json(l: &ShareLink) -> serde_json::Value {
    serde_json::json!({
        "id": l.id,
        "url": l.url,
        "path": l.path.as_str(),
        "expires": l.expires,
        "access_code": l.access_code.is_some(),
    })
}

async fn revoke(opener: &mut Opener, a: RevokeArgs) -> anyhow::Result<u8> {
    let (vfs, _, links) = links_of(opener, &a.place).await?;
    let mut chosen = Vec::new();
    let mut missing = 0usize;
    for which in &a.links {
        match share::find(&links, which) {
            Some(l) => chosen.push(l.clone()),
            None => {
                eprintln!("nascmd: {}: no such link on {}", escape(which), a.place);
                missing += 1;
            }
        }
    }
    let failed = report(share::revoke_each(vfs.as_ref(), chosen).await);
    Ok(outcome(a.links.len(), missing + failed))
}

async fn revoke_all(opener: &mut Opener, a: RevokeAllArgs) -> anyhow::Result<u8> {
    let (vfs, under, links) = links_of(opener, &a.place).await?;
    let chosen: Vec<ShareLink> = share::below(&links, &under).into_iter().cloned().collect();
    if chosen.is_empty() {
        eprintln!("nascmd: no links on {}", a.place);
        return Ok(crate::cli::exit::OK);
    }
    if !a.yes {
        if !std::io::stdin().is_terminal() {
            anyhow::bail!(
                "{}: revoke-all would revoke {} link(s); add --yes to do it without a terminal",
                a.place,
                chosen.len()
            );
        }
        let question = format!(
            "Revoke all {} link(s) of {}? Their URLs stop working. [y/N] ",
            chosen.len(),
            a.place
        );
        if !crate::cli::prompt::TtyPrompter::confirm(&question)? {
            eprintln!("nascmd: nothing revoked");
            return Ok(crate::cli::exit::FAILURE);
        }
    }
    let count = chosen.len();
    // Every link of the NAS: one request where the NAS has one.
    let results = if under.is_root() {
        share::revoke_all(vfs.as_ref(), chosen).await
    } else {
        share::revoke_each(vfs.as_ref(), chosen).await
    };
    let failed = report(results);
    Ok(outcome(count, failed))
}

async fn update(opener: &mut Opener, a: UpdateArgs) -> anyhow::Result<u8> {
    let (vfs, _, links) = links_of(opener, &a.place).await?;
    let Some(link) = share::find(&links, &a.link) else {
        anyhow::bail!("{}: no such link on {}", escape(&a.link), a.place);
    };
    let expire = match &a.expire {
        Some(e) => Some(parse_expiry(e).map_err(|e| anyhow::anyhow!("--expire: {e}"))?),
        None => None,
    };
    let code = if a.code {
        Some(Some(generate_access_code()?.expose().to_owned()))
    } else if a.no_code {
        Some(None)
    } else {
        None
    };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let opts = share::options_keeping(link, expire, code, now);
    let changed = share::update(vfs.as_ref(), link, &opts).await?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", changed.url)?;
    if a.code
        && let Some(code) = &changed.access_code
    {
        writeln!(out, "{code}")?;
    }
    out.flush()?;
    if changed.url != link.url {
        eprintln!("nascmd: the NAS replaced the link: the old URL no longer works");
    }
    eprintln!(
        "nascmd: link to {} now expires {}",
        escape(changed.path.as_str()),
        format_expiry_date(changed.expires)
    );
    Ok(crate::cli::exit::OK)
}

/// Says each revocation on stderr; returns how many failed.
fn report(results: Vec<(ShareLink, Result<(), share::ShareError>)>) -> usize {
    let mut failed = 0;
    for (link, r) in results {
        match r {
            Ok(()) => eprintln!("nascmd: revoked the link to {}", escape(link.path.as_str())),
            Err(e) => {
                failed += 1;
                eprintln!("nascmd: {}: {e}", escape(link.path.as_str()));
            }
        }
    }
    failed
}

/// The exit code of `asked` items of which `failed` failed.
fn outcome(asked: usize, failed: usize) -> u8 {
    use crate::cli::exit;
    match failed {
        0 => exit::OK,
        f if f >= asked => exit::FAILURE,
        _ => exit::PARTIAL,
    }
}
