//! One function per subcommand, over [`crate::service`].

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;
use thiserror::Error;
use uuid::Uuid;

use super::render;
use super::{ChangeOpts, Cli, Command, SearchArgs, EXIT_DECLINED};
use crate::docspace::{ClientOptions, PortalUrl};
use crate::history::HistoryStore;
use crate::policy::{Policy, PortalPolicy};
use crate::policy_file::{GroupEntry, PolicyFile};
use crate::profiles::{ProfileError, ProfileStore};
use crate::sandbox::{Fault, FaultRule, Sandbox, SandboxConfig, ADMIN_KEY, OWNER_KEY, USER_KEY};
use crate::secrets::{off_runtime, ApiKey, KeyringStore, SecretStore};
use crate::service::{stored_key, Connection, Drift, PersonRef, Resolution, ServiceError};
use crate::APP_ID;

/// How long a keychain call may take before the CLI gives up on it.
const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Error)]
pub enum CliError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("No portal given. Pass --portal https://your-portal, --profile NAME, or set DOCSPACE_PORTAL.")]
    NoPortal,
    #[error("Cannot read the policy file {path}: {detail}")]
    PolicyFile { path: String, detail: String },
    #[error("Cannot write {path}: {detail}")]
    Write { path: String, detail: String },
    #[error("Standard input is not a terminal, so the change cannot be confirmed interactively. Pass --yes to apply it.")]
    NeedsYes,
    #[error("No API key was given on standard input. Paste the key, or pipe it: `printf %s \"$KEY\" | docspace-tfa --portal URL login`.")]
    NoKeyInput,
    #[error("Reading from the terminal failed: {0}")]
    Io(String),
    #[error("The sandbox portal could not start: {0}")]
    Sandbox(String),
    #[error(transparent)]
    Insight(Box<crate::insight::InsightError>),
}

pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    let Cli {
        portal: portal_arg,
        profile,
        command,
    } = cli;
    let target = || choose_portal(portal_arg.as_deref(), profile.as_deref());
    match command {
        Command::Sandbox {
            port,
            users,
            groups,
            spelling,
            sms_provider,
            latency,
        } => {
            let config = SandboxConfig {
                users,
                groups,
                spelling: spelling.into(),
                sms_provider,
                ..SandboxConfig::default()
            };
            sandbox(config, port, latency).await
        }
        Command::Insight(command) => super::insight::run(command, target()?).await,
        Command::Profiles => {
            print!(
                "{}",
                render::profiles(&ProfileStore::default_location()?.load()?)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Login => login(target()?, profile.as_deref()).await,
        Command::Logout => logout(target()?).await,
        Command::Show { json } => {
            let conn = connect(target()?).await?;
            let loaded = conn.load().await?;
            // A damaged history must not hide the policy: warn and show it without the drift check.
            let drifted = conn
                .drift(&history()?, &loaded.live.policy)
                .unwrap_or_else(|e| {
                    eprintln!("warning: {e}");
                    None
                });
            let diff = drifted.as_ref().map(|d| &d.diff);
            if json {
                println!("{}", render::policy_json(&loaded, diff));
            } else {
                print!("{}", render::policy_text(&loaded, diff));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { file } => {
            let conn = connect(target()?).await?;
            let live = conn
                .client()
                .policy()
                .await
                .map_err(ServiceError::from)?
                .policy;
            let text = conn.export_file(&live).await?.to_json();
            match file {
                Some(path) if path.as_os_str() != "-" => {
                    std::fs::write(&path, text + "\n").map_err(|e| CliError::Write {
                        path: path.display().to_string(),
                        detail: e.to_string(),
                    })?;
                    eprintln!(
                        "Wrote the policy of {} to {}.",
                        conn.portal(),
                        path.display()
                    );
                }
                _ => println!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Users(SearchArgs { query, json, limit }) => {
            let conn = connect(target()?).await?;
            let page = conn
                .client()
                .people(&query, 0, limit)
                .await
                .map_err(ServiceError::from)?;
            let people: Vec<PersonRef> = page.items.iter().map(PersonRef::from_employee).collect();
            print!("{}", render::people(&people, page.total, json));
            Ok(ExitCode::SUCCESS)
        }
        Command::Groups(SearchArgs { query, json, limit }) => {
            let conn = connect(target()?).await?;
            let page = conn
                .client()
                .groups(&query, 0, limit)
                .await
                .map_err(ServiceError::from)?;
            print!("{}", render::groups(&page.items, page.total, json));
            Ok(ExitCode::SUCCESS)
        }
        Command::Apply { file, change } => {
            let file = read_policy_file(&file)?;
            let conn = connect(target()?).await?;
            let draft = resolved(&conn, conn.resolve_file(&file).await?)?;
            apply(&conn, &draft, &change).await
        }
        Command::WhatIf {
            user,
            group,
            ip,
            file,
            json,
        } => {
            let conn = connect(target()?).await?;
            let live = conn
                .client()
                .policy()
                .await
                .map_err(ServiceError::from)?
                .policy;
            let draft = match file {
                Some(path) => Some(resolved(
                    &conn,
                    conn.resolve_file(&read_policy_file(&path)?).await?,
                )?),
                None => None,
            };
            let who = match user {
                Some(q) => Some(conn.find_person(&q).await?),
                None => None,
            };
            let groups = group_ids(&conn, &group).await?;
            let report = conn
                .what_if(who.as_ref(), &groups, &ip, &live, draft.as_ref())
                .await?;
            print!("{}", render::what_if(&report, json));
            Ok(ExitCode::SUCCESS)
        }
        Command::History { json } => {
            let portal = target()?;
            let entries = history()?
                .list(portal.as_str())
                .map_err(ServiceError::from)?;
            print!("{}", render::history(&portal, &entries, json));
            Ok(ExitCode::SUCCESS)
        }
        Command::Rollback { number, change } => {
            let conn = connect(target()?).await?;
            let snapshot = history()?
                .get(conn.portal().as_str(), number)
                .map_err(ServiceError::from)?;
            println!(
                "Rolling back save #{number} of {}: restoring the policy from before it.",
                snapshot.time.format("%Y-%m-%d %H:%M UTC")
            );
            let note = change
                .note
                .clone()
                .or_else(|| Some(format!("rollback of #{number}")));
            apply(&conn, &snapshot.before, &ChangeOpts { note, ..change }).await
        }
        Command::Drift {
            accept,
            reapply,
            change,
        } => {
            let conn = connect(target()?).await?;
            let portal = conn.portal().to_string();
            let store = history()?;
            let last = store
                .last(&portal)
                .map_err(ServiceError::from)?
                .ok_or_else(|| ServiceError::NoHistory {
                    portal: portal.clone(),
                })?;
            let live = conn.client().policy().await.map_err(ServiceError::from)?;
            let Some(d) = Drift::since(&last, &live.policy) else {
                println!(
                    "No drift: {portal} holds the policy of this app's last save (#{}).",
                    last.number
                );
                return Ok(ExitCode::SUCCESS);
            };
            let names = render::Names::load(&conn, &[&d.ours, &live.policy]).await?;
            print!("{}", render::drift_text(&portal, &d, &names));
            if accept {
                let s = conn.accept_drift(&store, &live.policy, change.note)?;
                println!(
                    "Accepted: the live policy is recorded as history entry #{}.",
                    s.number
                );
            } else if reapply {
                let note = change
                    .note
                    .clone()
                    .or_else(|| Some(format!("re-applied #{}", last.number)));
                return apply(&conn, &last.after, &ChangeOpts { note, ..change }).await;
            } else {
                println!("Run `docspace-tfa drift --accept` to keep their policy, or `drift --reapply` to restore yours.");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Copy { from, to, change } => {
            let profiles = ProfileStore::default_location()?.load()?;
            let source = connect(
                PortalUrl::parse(&profiles.find(&from)?.portal).map_err(ServiceError::from)?,
            )
            .await?;
            let target =
                connect(PortalUrl::parse(&profiles.find(&to)?.portal).map_err(ServiceError::from)?)
                    .await?;
            println!(
                "Copying the policy of {} to {} (users and groups matched by email and name).",
                source.portal(),
                target.portal()
            );
            let draft = resolved(&target, target.copy_from(&source).await?)?;
            apply(&target, &draft, &change).await
        }
    }
}

/// --portal, else --profile, else DOCSPACE_PORTAL, else the current saved portal.
fn choose_portal(portal: Option<&str>, profile: Option<&str>) -> Result<PortalUrl, CliError> {
    let raw = match (portal, profile) {
        (Some(p), _) => p.to_string(),
        (None, Some(name)) => ProfileStore::default_location()?
            .load()?
            .find(name)?
            .portal
            .clone(),
        (None, None) => match std::env::var("DOCSPACE_PORTAL") {
            Ok(p) if !p.trim().is_empty() => p,
            _ => ProfileStore::default_location()?
                .load()?
                .current_profile()
                .map(|p| p.portal.clone())
                .ok_or(CliError::NoPortal)?,
        },
    };
    Ok(PortalUrl::parse(&raw).map_err(ServiceError::from)?)
}

fn history() -> Result<HistoryStore, CliError> {
    Ok(HistoryStore::default_location()?)
}

fn keychain() -> KeyringStore {
    KeyringStore::new(APP_ID, KEYCHAIN_TIMEOUT)
}

/// The key from `DOCSPACE_API_KEY` if set, else the keychain entry of the portal.
async fn api_key(portal: &PortalUrl) -> Result<ApiKey, CliError> {
    if let Ok(raw) = std::env::var("DOCSPACE_API_KEY") {
        return Ok(ApiKey::new(&raw).map_err(ServiceError::from)?);
    }
    Ok(stored_key(std::sync::Arc::new(keychain()), portal).await?)
}

pub(super) async fn connect(portal: PortalUrl) -> Result<Connection, CliError> {
    let key = api_key(&portal).await?;
    Ok(Connection::open(portal, &key, ClientOptions::default()).await?)
}

async fn login(portal: PortalUrl, profile_name: Option<&str>) -> Result<ExitCode, CliError> {
    let raw = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("API key for {portal}: "))
            .map_err(|e| CliError::Io(e.to_string()))?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::Io(e.to_string()))?;
        line
    };
    if raw.trim().is_empty() {
        return Err(CliError::NoKeyInput);
    }
    let key = ApiKey::new(&raw).map_err(ServiceError::from)?;
    let conn = Connection::open(portal.clone(), &key, ClientOptions::default()).await?;
    let account = portal.to_string();
    off_runtime(move || keychain().set(&account, &key))
        .await
        .map_err(ServiceError::from)?;
    let saved = ProfileStore::default_location()?.remember(&portal, profile_name)?;
    let me = conn.me();
    let role = if me.is_owner { "owner" } else { "admin" };
    println!("Signed in to {portal} as {} ({role}). The key is stored in the keychain; the portal is saved as profile \"{}\".", me.display_name, saved.name);
    Ok(ExitCode::SUCCESS)
}

async fn logout(portal: PortalUrl) -> Result<ExitCode, CliError> {
    let account = portal.to_string();
    let existed = off_runtime(move || keychain().delete(&account))
        .await
        .map_err(ServiceError::from)?;
    if existed {
        println!("The API key for {portal} was removed from the keychain.");
    } else {
        println!("No API key was stored for {portal}; nothing to remove.");
    }
    if super::insight::forget_on_logout(&portal)? {
        println!("The sign-in data of {portal} kept on this computer was deleted too.");
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn read_policy_file(path: &Path) -> Result<PolicyFile, CliError> {
    let shown = path.display().to_string();
    let text = if shown == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::PolicyFile {
                path: shown.clone(),
                detail: e.to_string(),
            })?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| CliError::PolicyFile {
            path: shown.clone(),
            detail: e.to_string(),
        })?
    };
    PolicyFile::parse(&text).map_err(|e| CliError::PolicyFile {
        path: shown,
        detail: e.to_string(),
    })
}

/// The draft of a resolved file; entries that name nobody stop the command. Ids are checked
/// too: a file from another portal carries ids that mean nobody here.
pub(super) fn resolved(conn: &Connection, res: Resolution) -> Result<Policy, CliError> {
    if !res.unresolved.is_empty() {
        return Err(ServiceError::Unresolved {
            portal: conn.portal().to_string(),
            entries: res.unresolved,
        }
        .into());
    }
    for unknown in &res.unknown_ids {
        eprintln!(
            "warning: {} is not known on {}; it is kept by id.",
            unknown,
            conn.portal()
        );
    }
    Ok(res.draft)
}

async fn group_ids(conn: &Connection, names: &[String]) -> Result<Vec<Uuid>, CliError> {
    let mut out = Vec::new();
    for n in names {
        let entry = match Uuid::parse_str(n.trim()) {
            Ok(id) => GroupEntry::Id(id),
            Err(_) => GroupEntry::Ref {
                id: None,
                name: Some(n.clone()),
            },
        };
        let id = conn.resolve_group(&entry).await?;
        out.push(id.ok_or_else(|| ServiceError::Unresolved {
            portal: conn.portal().to_string(),
            entries: vec![format!("group {n}")],
        })?);
    }
    Ok(out)
}

/// Review, confirm, save, verify, record: the one path every change takes.
async fn apply(
    conn: &Connection,
    draft: &Policy,
    change: &ChangeOpts,
) -> Result<ExitCode, CliError> {
    conn.set_my_ip(change.my_ip.as_deref())?;
    let live: PortalPolicy = conn.client().policy().await.map_err(ServiceError::from)?;
    let named = conn.review_named(&live, draft).await?;
    let review = &named.review;
    print!(
        "{}",
        render::review_text(conn.portal(), review, &render::Names::of(&named))
    );
    if review.errors().next().is_some() {
        let problems = review.errors().map(|p| p.message.clone()).collect();
        return Err(ServiceError::Refused { problems }.into());
    }
    if review.diff.is_empty() {
        println!("The portal already holds this policy; nothing to do.");
        return Ok(ExitCode::SUCCESS);
    }
    if change.dry_run {
        println!("Dry run: nothing was changed.");
        return Ok(ExitCode::SUCCESS);
    }
    if !change.yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::NeedsYes);
        }
        if !confirm(&format!("Apply these changes to {}? [y/N] ", conn.portal()))? {
            println!("Nothing was changed.");
            return Ok(ExitCode::from(EXIT_DECLINED));
        }
    }
    let report = conn
        .save_recorded(&history()?, &live.policy, draft, false, change.note.clone())
        .await?;
    if report.saved.recovered {
        println!(
            "The portal's answer was lost, but reading the policy back shows the change landed."
        );
    }
    println!(
        "Saved and verified: {} now holds the new policy.",
        conn.portal()
    );
    if report.saved.signed_out {
        println!("Every session on the portal was signed out.");
    }
    match (&report.snapshot, &report.history_error) {
        (Some(s), _) => println!(
            "Recorded as history entry #{} (undo with `docspace-tfa rollback {}`).",
            s.number, s.number
        ),
        (None, Some(e)) => eprintln!(
            "warning: the change is saved, but the local history could not be written: {e}"
        ),
        (None, None) => {}
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn confirm(question: &str) -> Result<bool, CliError> {
    print!("{question}");
    std::io::stdout()
        .flush()
        .map_err(|e| CliError::Io(e.to_string()))?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::Io(e.to_string()))?;
    Ok(matches!(
        line.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}

async fn sandbox(config: SandboxConfig, port: u16, latency: u64) -> Result<ExitCode, CliError> {
    let sandbox = Sandbox::start_on_port(config, port)
        .await
        .map_err(|e| CliError::Sandbox(e.to_string()))?;
    if latency > 0 {
        sandbox.set_faults(vec![FaultRule::new(
            "*",
            "/api/2.0/*",
            Fault::Delay { ms: latency },
        )]);
    }
    let url = sandbox.url();
    // The banner is a courtesy: a closed stdout (e.g. a script that read the URL and left) must
    // not stop the portal.
    let _ = write!(
        std::io::stdout(),
        "Sandbox DocSpace portal running at {url}\n  owner key: {OWNER_KEY}\n  admin key: {ADMIN_KEY}\n  user key:  {USER_KEY}   (not an admin: may read, not change)\nTry: DOCSPACE_API_KEY={OWNER_KEY} docspace-tfa --portal {url} show\nPress Ctrl-C to stop.\n"
    );
    let _ = std::io::stdout().flush();
    tokio::select! {
        _ = sandbox.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(ExitCode::SUCCESS)
}
