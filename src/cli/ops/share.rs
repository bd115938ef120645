//! `nascmd share REMOTE:PATH... [--expire 7d|never] [--code] [--copy]`: creates one
//! share link per target and prints each URL on its own line (followed by its access code
//! on the next line when there is one).

use std::io::{IsTerminal, Write};

use clap::Args;

use crate::clipboard::{Clipboard, CopyOutcome};
use crate::remotes::Target;
use crate::services::connect::Opener;
use crate::services::share::{self, CodeChoice, ShareRequest};
use crate::share_format::{generate_access_code, join_urls, parse_expiry};
use crate::vfs::{ShareHost, ShareMail};

pub const EXAMPLES: &str = "\
Examples:
  nascmd share nas:/Public/photos/cat.jpg
  nascmd share --expire 12h --code nas:/Public/report.pdf
  nascmd share --expire never --copy box:/Disque\\ dur/video.mkv
  nascmd share --qr nas:/Public/photos          (a QR code for a phone, under the URL)
  nascmd share --mail ann@example.org --message 'The photos' nas:/Public/photos
  nascmd share --host nas.example.org:8443 nas:/Public/cat.jpg
  nascmd share --host list nas:/Public
  nascmd share list nas:                 (and revoke, revoke-all, update: see their --help)
Defaults for --expire and --code come from the [share] section of the config file;
--copy uses the [clipboard] mode (system clipboard, or OSC 52 over SSH).";

/// `nascmd share TARGET…` makes links; `nascmd share list|revoke|…` manages them.
#[derive(Args, Debug)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ShareArgs {
    #[command(subcommand)]
    pub manage: Option<super::share_manage::ManageCommand>,
    #[command(flatten)]
    pub create: CreateArgs,
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// Files or folders to share: REMOTE:PATH or a URL.
    #[arg(required = true, value_name = "REMOTE:PATH", value_parser = super::path_arg())]
    pub targets: Vec<String>,
    /// Lifetime: 30m, 12h, 7d, 2w … or `never` (default: the config file's, else 7d).
    #[arg(long, value_name = "DURATION")]
    pub expire: Option<String>,
    /// Protect each link with a generated access code (printed after its URL).
    #[arg(long)]
    pub code: bool,
    /// Also put the URL(s) in the clipboard (one per line).
    #[arg(long)]
    pub copy: bool,
    /// Also draw each URL as a QR code (half blocks) for a phone to scan.
    #[arg(long)]
    pub qr: bool,
    /// Have the NAS e-mail each new link to this address (repeat for more; QNAP).
    #[arg(long, value_name = "ADDRESS")]
    pub mail: Vec<String>,
    /// The e-mail's subject (with --mail).
    #[arg(long, requires = "mail", default_value = "A shared file")]
    pub subject: String,
    /// The e-mail's message (with --mail).
    #[arg(long, requires = "mail", default_value = "")]
    pub message: String,
    /// Host (and port) the URLs name instead of the one the NAS is reached by, e.g. its
    /// DDNS or myQNAPcloud name (default: the profile's share_host). `--host list`
    /// prints the names the NAS offers instead of making links.
    #[arg(long, value_name = "NAME[:PORT]")]
    pub host: Option<String>,
}

pub async fn run(opener: &mut Opener, a: ShareArgs) -> anyhow::Result<u8> {
    match a.manage {
        Some(cmd) => super::share_manage::run(opener, cmd).await,
        None => create(opener, a.create).await,
    }
}

async fn create(opener: &mut Opener, a: CreateArgs) -> anyhow::Result<u8> {
    let defaults = opener.config().share.clone();
    let clipboard_mode = opener.config().clipboard.mode;
    let expire = a.expire.as_deref().unwrap_or(&defaults.expire);
    let expire_secs = parse_expiry(expire).map_err(|e| anyhow::anyhow!("--expire: {e}"))?;
    let with_code = a.code || defaults.access_code;
    let mail = if a.mail.is_empty() {
        None
    } else {
        Some(
            ShareMail::new(a.mail.clone(), a.subject.clone(), a.message.clone())
                .map_err(|e| anyhow::anyhow!("--mail: {e}"))?,
        )
    };

    let mut urls = Vec::new();
    for t in &a.targets {
        let target = opener.parse(t).map_err(super::remote_error)?;
        let share_host = match &target {
            Target::Remote { .. } if a.host.is_some() => a.host.clone(),
            Target::Remote { remote, .. } => remote.share_host.clone(),
            Target::Local(_) => {
                anyhow::bail!("{t}: share links are made on a NAS, not on a local path")
            }
        };
        // Made here, not left to the service: a code asked for on the command line is
        // refused by a NAS without codes rather than dropped.
        let code = if with_code {
            CodeChoice::Given(generate_access_code()?.expose().to_owned())
        } else {
            CodeChoice::None
        };
        let vfs = opener.backend(&target).await.map_err(super::remote_error)?;
        if a.host.as_deref() == Some("list") {
            print_hosts(&share::hosts(vfs.as_ref()).await?, share_host.as_deref())?;
            continue;
        }
        if let Some(h) = &share_host
            && !is_host(h)
        {
            anyhow::bail!("--host {h:?}: not a host name (NAME or NAME:PORT)");
        }
        let path = target.path().clone();
        crate::jobs::retry_interactive(|| vfs.stat(&path)).await?;
        let req = ShareRequest {
            expire_secs,
            code,
            host: share_host,
            reuse: false,
        };
        let link = match &mail {
            Some(m) => {
                let link = share::email(vfs.as_ref(), &path, &req, m).await?;
                eprintln!("nascmd: the NAS e-mails the link to {}", m.to.join(", "));
                link
            }
            None => {
                let created = share::create_or_reuse(vfs.as_ref(), vec![path], &req).await?;
                let Some((_, made)) = created.results.into_iter().next() else {
                    anyhow::bail!("{t}: no link was made");
                };
                made?
            }
        };
        if link.url.is_empty() {
            anyhow::bail!(
                "{t}: the NAS made the link but has no public address for it \
                 (on a Freebox: turn on remote access in Freebox OS, \
                 Settings › Access management › Remote access)"
            );
        }
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", link.url)?;
        if let Some(code) = &link.access_code {
            writeln!(out, "{code}")?;
        }
        if a.qr {
            write_qr(&mut out, &link.url)?;
        }
        out.flush()?;
        urls.push(link.url);
    }
    if a.copy && !urls.is_empty() {
        let text = join_urls(urls.iter().map(String::as_str));
        let clipboard = Clipboard::from_process(clipboard_mode);
        let outcome = tokio::task::spawn_blocking(move || clipboard.copy(&text)).await?;
        report_copy(&outcome)?;
    }
    Ok(crate::cli::exit::OK)
}

/// The QR code of `url`, light on dark: in those colours on a terminal (unless
/// `NO_COLOR`), as plain blocks for a pipe.
fn write_qr(out: &mut impl Write, url: &str) -> anyhow::Result<()> {
    let rows = crate::share_qr::half_blocks(url)?;
    let coloured = std::io::stdout().is_terminal()
        && !crate::theme::no_color_requested(std::env::var_os("NO_COLOR"));
    for row in rows {
        if coloured {
            writeln!(out, "\x1b[97;40m{row}\x1b[0m")?;
        } else {
            writeln!(out, "{row}")?;
        }
    }
    Ok(())
}

/// `--host list`: one `HOST<TAB>WHERE FROM` line per host the NAS offers.
fn print_hosts(hosts: &[ShareHost], configured: Option<&str>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if hosts.is_empty() {
        eprintln!("nascmd: this NAS puts its own host in share URLs (no choice to make)");
    }
    for h in hosts {
        let mark = if configured == Some(h.host.as_str()) {
            " (share_host)"
        } else {
            ""
        };
        writeln!(out, "{}\t{}{mark}", h.host, h.source)?;
    }
    out.flush()?;
    Ok(())
}

/// `NAME` or `NAME:PORT`, as URLs take them (no scheme, path or spaces).
fn is_host(h: &str) -> bool {
    !h.is_empty()
        && reqwest::Url::parse(&format!("http://{h}/"))
            .is_ok_and(|u| u.path() == "/" && u.query().is_none() && u.username().is_empty())
        && !h.contains(['/', '?', '#', '@', ' '])
}

/// Says on stderr how the URLs were copied; writes the OSC 52 sequence to the terminal
/// (stderr when it is one, else the controlling tty) so stdout stays clean for pipes.
fn report_copy(outcome: &CopyOutcome) -> anyhow::Result<()> {
    if let CopyOutcome::Osc52 { bytes } = outcome {
        let written = if std::io::stderr().is_terminal() {
            std::io::stderr()
                .write_all(bytes)
                .and_then(|_| std::io::stderr().flush())
        } else {
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/tty")
                .and_then(|mut tty| tty.write_all(bytes))
        };
        if let Err(e) = written {
            eprintln!("nascmd: no terminal to send the clipboard sequence to: {e}");
            return Ok(());
        }
    }
    eprintln!("{}", outcome.status_message());
    Ok(())
}
