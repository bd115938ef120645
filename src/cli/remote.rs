//! `nascmd remote add|list|remove`: NAS profiles in the config file, their secrets in
//! the 0600 secrets store (never in config.toml, never on the command line).

use std::io::Write;

use clap::{Args, Subcommand};

use crate::cli::exit;
use crate::cli::prompt::TtyPrompter;
use crate::config::{Config, RemoteKind, RemoteProfile};
use crate::nas::connector::StoredSecret;
use crate::nas::freebox::connector::DEFAULT_URL as FREEBOX_URL;
use crate::remotes::target::{is_profile_name, normalise_base_url};
use crate::remotes::{SecretsStore, credentials};
use crate::services::connect::{Answers, verify_profile};

pub const ADD_EXAMPLES: &str = "\
Examples:
  nascmd remote add nas --qnap http://192.168.1.10:8080 --user admin   # asks the password
  NASCMD_PASSWORD=… nascmd remote add nas --qnap https://nas.lan --user admin
  nascmd remote add box --freebox          # press the ✓ button on the Freebox when asked
Then: nascmd ls nas:/Public";

#[derive(Subcommand, Debug)]
pub enum RemoteCommand {
    /// Add a NAS profile (verifies the login and stores the secret, mode 0600).
    #[command(after_help = ADD_EXAMPLES)]
    Add(AddArgs),
    /// List the configured remotes.
    #[command(after_help = "Example:\n  nascmd remote list --json | jq -r '.[].name'")]
    List {
        /// A JSON array of {name, kind, url, user, secret_stored}.
        #[arg(long)]
        json: bool,
    },
    /// Remove a profile and its stored secret.
    #[command(after_help = "Example:\n  nascmd remote remove nas")]
    Remove {
        /// The profile name.
        name: String,
    },
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// Profile name, used as NAME:/path (letters, digits, '.', '_', '-').
    pub name: String,
    /// A QNAP NAS at this URL (http://host:8080 or https://host).
    #[arg(
        long,
        value_name = "URL",
        required_unless_present = "freebox",
        conflicts_with = "freebox",
        requires = "user"
    )]
    pub qnap: Option<String>,
    /// QNAP user name. The password is asked without echo (or read from NASCMD_PASSWORD).
    #[arg(long)]
    pub user: Option<String>,
    /// A Freebox (default URL http://mafreebox.freebox.fr); registers nascmd on the box.
    #[arg(long, value_name = "URL", num_args = 0..=1,
          default_missing_value = "http://mafreebox.freebox.fr")]
    pub freebox: Option<String>,
    /// Host to put in share links instead of the URL's (DDNS or myQNAPcloud name).
    #[arg(long, value_name = "HOST")]
    pub share_host: Option<String>,
    /// Trust this self-signed NAS certificate (its SHA-256 fingerprint, AB:CD:…).
    #[arg(long, value_name = "FINGERPRINT", requires = "qnap")]
    pub cert_sha256: Option<String>,
    /// Replace a profile of the same name.
    #[arg(long)]
    pub force: bool,
}

pub fn run(cmd: RemoteCommand) -> anyhow::Result<u8> {
    let config_path = Config::default_path();
    let config = Config::load(&config_path)?;
    match cmd {
        RemoteCommand::List { json } => list(&config, json),
        RemoteCommand::Remove { name } => {
            let had_profile = config.remote(&name).is_some();
            let mut secrets = SecretsStore::load_default()?;
            let had_secret = secrets.remove(&name);
            if !had_profile && !had_secret {
                eprintln!("nascmd: no remote named {:?}", crate::names::escape(&name));
                return Ok(exit::NOT_FOUND);
            }
            // Secret first: a crash in between leaves a profile without a secret,
            // never a secret without a profile.
            secrets.save()?;
            if had_profile {
                Config::remove_remote(&config_path, &name)?;
            }
            println!("removed {}", crate::names::escape(&name));
            Ok(exit::OK)
        }
        RemoteCommand::Add(a) => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let profile = rt.block_on(add(&config, a))?;
            // Only this profile changes in the file; comments and the rest stay.
            Config::put_remote(&config_path, &profile)?;
            println!(
                "added {} ({} {})",
                profile.name,
                kind_name(profile.kind),
                profile.url
            );
            Ok(exit::OK)
        }
    }
}

fn list(config: &Config, json: bool) -> anyhow::Result<u8> {
    let secrets = SecretsStore::load_default()?;
    let stored = |r: &RemoteProfile| {
        secrets
            .get(&r.name)
            .is_some_and(|s| s.password.is_some() || s.app_token.is_some())
    };
    let mut out = std::io::stdout().lock();
    if json {
        let items: Vec<_> = config
            .remote
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.name,
                    "kind": kind_name(r.kind),
                    "url": r.url,
                    "user": r.user,
                    "share_host": r.share_host,
                    "secret_stored": stored(r),
                })
            })
            .collect();
        super::json::write_line(&mut out, &items)?;
    } else {
        for r in &config.remote {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}",
                crate::names::escape(&r.name),
                kind_name(r.kind),
                crate::names::escape(&r.url),
                crate::names::escape(r.user.as_deref().unwrap_or("-")),
                if stored(r) {
                    "secret stored"
                } else {
                    "no secret"
                }
            )?;
        }
    }
    Ok(exit::OK)
}

fn kind_name(k: RemoteKind) -> &'static str {
    k.name()
}

/// Checks, logs in (or registers) and stores the secret; the profile to write is
/// returned.
async fn add(config: &Config, a: AddArgs) -> anyhow::Result<RemoteProfile> {
    if !is_profile_name(&a.name) {
        anyhow::bail!(
            "{:?} is not a valid remote name (letters, digits, '.', '_', '-')",
            crate::names::escape(&a.name)
        );
    }
    if config.remote(&a.name).is_some() && !a.force {
        anyhow::bail!(
            "a remote named {} exists (use --force to replace it)",
            a.name
        );
    }
    let mut secrets = SecretsStore::load_default()?;
    let (profile, answers, prompter) = if let Some(url) = &a.qnap {
        let url = normalise_base_url(url).map_err(|e| anyhow::anyhow!(e))?;
        let user = a
            .user
            .clone()
            .ok_or_else(|| anyhow::anyhow!("--qnap needs --user"))?;
        let password = match credentials::password_from_env() {
            Some(p) => p,
            None => ask_password(&user, &url).await?,
        };
        let cert_sha256 = match &a.cert_sha256 {
            Some(fp) => Some(crate::nas::tls::normalize_fingerprint(fp)?),
            None => None,
        };
        let profile = RemoteProfile {
            name: a.name.clone(),
            kind: RemoteKind::Qnap,
            url,
            user: Some(user),
            share_host: a.share_host.clone(),
            cert_sha256,
        };
        let answers = Answers {
            password: Some(password),
            ..Answers::default()
        };
        (profile, answers, TtyPrompter::default())
    } else {
        let url = a.freebox.clone().unwrap_or_else(|| FREEBOX_URL.to_owned());
        let url = normalise_base_url(&url).map_err(|e| anyhow::anyhow!(e))?;
        let profile = RemoteProfile {
            name: a.name.clone(),
            kind: RemoteKind::Freebox,
            url,
            user: None,
            share_host: a.share_host.clone(),
            cert_sha256: None,
        };
        // Registers nascmd on the box, with a live status line on stderr.
        let prompter = TtyPrompter::asked_by(&profile.url);
        (profile, Answers::default(), prompter)
    };
    // Verify before storing anything: a typo must not be saved.
    let keep = verify_profile(&profile, &answers, &prompter)
        .await
        .map_err(super::ops::remote_error)?;
    match keep.kind {
        StoredSecret::Password => secrets.set_password(&a.name, keep.secret),
        StoredSecret::AppToken => secrets.set_app_token(&a.name, keep.secret),
    }
    secrets.save()?;
    Ok(profile)
}

/// The password of `user`, asked on the terminal.
async fn ask_password(user: &str, url: &str) -> anyhow::Result<crate::secret::Secret> {
    use crate::prompt::{Answer, Prompt, Prompter};
    let who = format!("{user} on {url}");
    match TtyPrompter::default().ask(Prompt::Password { who }).await {
        Ok(Answer::Password(p)) => Ok(p),
        _ => anyhow::bail!(
            "no password: run in a terminal or set {}",
            credentials::PASSWORD_ENV
        ),
    }
}
