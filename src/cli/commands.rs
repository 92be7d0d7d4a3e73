//! One function per subcommand, over [`crate::service`].

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;
use thiserror::Error;
use uuid::Uuid;

use super::render;
use super::{ChangeOpts, Cli, Command, ProfileAction, SearchArgs, EXIT_DECLINED};
use crate::docspace::{ClientOptions, DocSpaceClient, PortalUrl};
use crate::history::HistoryStore;
use crate::policy::{Policy, PortalPolicy};
use crate::policy_file::{GroupEntry, PolicyFile};
use crate::profiles::{ProfileError, ProfileStore};
use crate::sandbox::{Sandbox, SandboxConfig, ADMIN_KEY, OWNER_KEY, USER_KEY};
use crate::secrets::{off_runtime, ApiKey, KeyringStore, SecretStore};
use crate::service::{
    export_file, stored_key, Connection, Drift, LoadedPolicy, NameBook, PersonRef, Resolution,
    ServiceError,
};
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
            jitter,
            group_sizes,
        } => {
            let config = SandboxConfig {
                users,
                groups,
                spelling: spelling.into(),
                sms_provider,
                latency_ms: latency,
                jitter_ms: jitter,
                group_sizes,
                ..SandboxConfig::default()
            };
            sandbox(config, port).await
        }
        Command::Insight(command) => super::insight::run(command, target()?).await,
        Command::Profiles { action } => {
            let store = ProfileStore::default_location()?;
            if let Some(ProfileAction::Rename { old, new }) = action {
                let renamed = store.rename(&old, &new)?;
                println!(
                    "Renamed \"{old}\" to \"{}\" ({}).",
                    renamed.name, renamed.portal
                );
            }
            print!("{}", render::profiles(&store.load()?));
            Ok(ExitCode::SUCCESS)
        }
        Command::Login => login(target()?, profile.as_deref()).await,
        Command::Logout => logout(target()?).await,
        Command::Show { json, names } => {
            // The policy alone is one round trip; names (asked for, or printed) one more. No
            // `people/@self`: reading the policy needs no admin.
            let client = client(target()?).await?;
            let live = client.policy().await.map_err(ServiceError::from)?;
            let with_names = names || !json;
            let loaded = if with_names {
                NameBook::default().named(&client, live).await?
            } else {
                LoadedPolicy {
                    portal: client.portal().to_string(),
                    live,
                    users: vec![],
                    groups: vec![],
                }
            };
            // A damaged history must not hide the policy: warn and show it without the drift check.
            let drifted = history()
                .and_then(|h| {
                    Ok(h.last(client.portal().as_str())
                        .map_err(ServiceError::from)?)
                })
                .map(|last| last.and_then(|last| Drift::since(&last, &loaded.live.policy)))
                .unwrap_or_else(|e| {
                    eprintln!("warning: {e}");
                    None
                });
            let diff = drifted.as_ref().map(|d| &d.diff);
            if json {
                println!("{}", render::policy_json(&loaded, diff, with_names));
            } else {
                print!("{}", render::policy_text(&loaded, diff));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { file } => {
            let client = client(target()?).await?;
            let live = client.policy().await.map_err(ServiceError::from)?.policy;
            let text = export_file(&client, &NameBook::default(), &live)
                .await?
                .to_json();
            match file {
                Some(path) if path.as_os_str() != "-" => {
                    std::fs::write(&path, text + "\n").map_err(|e| CliError::Write {
                        path: path.display().to_string(),
                        detail: e.to_string(),
                    })?;
                    eprintln!(
                        "Wrote the policy of {} to {}.",
                        client.portal(),
                        path.display()
                    );
                }
                _ => println!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Users(SearchArgs { query, json, limit }) => {
            let page = client(target()?)
                .await?
                .people(&query, 0, limit)
                .await
                .map_err(ServiceError::from)?;
            let people: Vec<PersonRef> = page.items.iter().map(PersonRef::from_employee).collect();
            print!("{}", render::people(&people, page.total, json));
            Ok(ExitCode::SUCCESS)
        }
        Command::Groups(SearchArgs { query, json, limit }) => {
            let page = client(target()?)
                .await?
                .groups(&query, 0, limit)
                .await
                .map_err(ServiceError::from)?;
            print!("{}", render::groups(&page.items, page.total, json));
            Ok(ExitCode::SUCCESS)
        }
        Command::Apply { file, change } => {
            let file = read_policy_file(&file)?;
            let (conn, live) = connect_live(target()?).await?;
            conn.require_editor()?;
            // The file's names and the live policy's names in the same waves.
            let lives = [&live.policy];
            let live_names = conn.names_for(&lives);
            let (resolution, _) = tokio::try_join!(conn.resolve_file(&file), live_names)?;
            let draft = resolved(&conn, resolution)?;
            apply(&conn, live, &draft, &change).await
        }
        Command::WhatIf {
            user,
            group,
            ip,
            file,
            json,
        } => {
            let file = file.map(|path| read_policy_file(&path)).transpose()?;
            let (conn, live) = connect_live(target()?).await?;
            let live = live.policy;
            // Everything the answer needs, at once: the draft, the person (their record names
            // their groups), the groups asked about, and the names of the mandatory groups (the
            // answer names no mandatory user).
            let draft = async {
                match &file {
                    Some(f) => {
                        Ok::<_, CliError>(Some(resolved(&conn, conn.resolve_file(f).await?)?))
                    }
                    None => Ok(None),
                }
            };
            let who = async {
                match &user {
                    Some(q) => Ok::<_, CliError>(Some(conn.find_person(q).await?)),
                    None => Ok(None),
                }
            };
            let names = async { Ok::<_, CliError>(conn.groups(&live.mandatory_groups).await?) };
            let (draft, who, groups, _) =
                tokio::try_join!(draft, who, group_ids(&conn, &group), names)?;
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
            let (conn, live) = connect_live(target()?).await?;
            conn.require_editor()?;
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
            apply(
                &conn,
                live,
                &snapshot.before,
                &ChangeOpts { note, ..change },
            )
            .await
        }
        Command::Drift {
            accept,
            reapply,
            change,
        } => {
            let (conn, live) = connect_live(target()?).await?;
            if reapply {
                conn.require_editor()?;
            }
            let portal = conn.portal().to_string();
            let store = history()?;
            let last = store
                .last(&portal)
                .map_err(ServiceError::from)?
                .ok_or_else(|| ServiceError::NoHistory {
                    portal: portal.clone(),
                })?;
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
                return apply(&conn, live, &last.after, &ChangeOpts { note, ..change }).await;
            } else {
                println!("Run `docspace-tfa drift --accept` to keep their policy, or `drift --reapply` to restore yours.");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Copy { from, to, change } => {
            let profiles = ProfileStore::default_location()?.load()?;
            let source =
                PortalUrl::parse(&profiles.find(&from)?.portal).map_err(ServiceError::from)?;
            let target =
                PortalUrl::parse(&profiles.find(&to)?.portal).map_err(ServiceError::from)?;
            // Both portals and both live policies at once.
            let ((source, theirs), (target, live)) =
                tokio::try_join!(connect_live(source), connect_live(target))?;
            target.require_editor()?;
            println!(
                "Copying the policy of {} to {} (users and groups matched by email and name).",
                source.portal(),
                target.portal()
            );
            let lives = [&live.policy];
            let live_names = target.names_for(&lives);
            let (resolution, _) =
                tokio::try_join!(target.copy_policy(&source, &theirs.policy), live_names)?;
            let draft = resolved(&target, resolution)?;
            apply(&target, live, &draft, &change).await
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

/// A signed-in connection (any role) for the sign-in insight commands.
pub(super) async fn connect(portal: PortalUrl) -> Result<Connection, CliError> {
    let key = api_key(&portal).await?;
    Ok(Connection::open(portal, &key, ClientOptions::default()).await?)
}

/// A client with the portal's key: for reads that need no admin check.
async fn client(portal: PortalUrl) -> Result<DocSpaceClient, CliError> {
    let key = api_key(&portal).await?;
    Ok(DocSpaceClient::new(portal, &key, ClientOptions::default()).map_err(ServiceError::from)?)
}

/// An admin connection and the live policy, read in the same round trip.
async fn connect_live(portal: PortalUrl) -> Result<(Connection, PortalPolicy), CliError> {
    let key = api_key(&portal).await?;
    Ok(
        Connection::open_along(portal, &key, ClientOptions::default(), |c| async move {
            Ok(c.policy().await?)
        })
        .await?,
    )
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
    let role = conn.role().as_str();
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

/// The groups named by id or name, each looked up at the same time.
async fn group_ids(conn: &Connection, names: &[String]) -> Result<Vec<Uuid>, CliError> {
    futures::future::try_join_all(names.iter().map(|n| group_id(conn, n))).await
}

async fn group_id(conn: &Connection, n: &str) -> Result<Uuid, CliError> {
    let entry = match Uuid::parse_str(n.trim()) {
        Ok(id) => GroupEntry::Id(id),
        Err(_) => GroupEntry::Ref {
            id: None,
            name: Some(n.to_string()),
        },
    };
    let id = conn.resolve_group(&entry).await?;
    Ok(id.ok_or_else(|| ServiceError::Unresolved {
        portal: conn.portal().to_string(),
        entries: vec![format!("group {n}")],
    })?)
}

/// Review, confirm, save, verify, record: the one path every change takes.
async fn apply(
    conn: &Connection,
    live: PortalPolicy,
    draft: &Policy,
    change: &ChangeOpts,
) -> Result<ExitCode, CliError> {
    let my_ip = change.my_ip.as_deref();
    let named = conn.review_named(&live, draft, my_ip).await?;
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
        .save_recorded(
            &history()?,
            &live.policy,
            draft,
            false,
            change.note.clone(),
            my_ip,
        )
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

async fn sandbox(config: SandboxConfig, port: u16) -> Result<ExitCode, CliError> {
    let sandbox = Sandbox::start_on_port(config, port)
        .await
        .map_err(|e| CliError::Sandbox(e.to_string()))?;
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
