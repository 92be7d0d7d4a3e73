//! One function per subcommand, over [`crate::service`].

use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;
use thiserror::Error;

use super::render;
use super::{Cli, Command, EXIT_DECLINED};
use crate::docspace::{ClientOptions, PortalUrl};
use crate::policy::Policy;
use crate::sandbox::{Sandbox, SandboxConfig, ADMIN_KEY, OWNER_KEY, USER_KEY};
use crate::secrets::{off_runtime, ApiKey, KeyringStore, SecretStore};
use crate::service::{Connection, PersonRef, ServiceError};
use crate::APP_ID;

/// How long a keychain call may take before the CLI gives up on it.
const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Error)]
pub enum CliError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("No portal given. Pass --portal https://your-portal or set DOCSPACE_PORTAL.")]
    NoPortal,
    #[error("Cannot read the policy file {path}: {detail}")]
    PolicyFile { path: String, detail: String },
    #[error("Standard input is not a terminal, so the change cannot be confirmed interactively. Pass --yes to apply it.")]
    NeedsYes,
    #[error("No API key was given on standard input. Paste the key, or pipe it: `printf %s \"$KEY\" | docspace-tfa --portal URL login`.")]
    NoKeyInput,
    #[error("Reading from the terminal failed: {0}")]
    Io(String),
    #[error("The sandbox portal could not start: {0}")]
    Sandbox(String),
}

pub async fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Sandbox { port, users, groups, spelling, sms_provider } => {
            let config = SandboxConfig { users, groups, spelling: spelling.into(), sms_provider, ..SandboxConfig::default() };
            sandbox(config, port).await
        }
        Command::Login => {
            let portal = portal(&cli.portal)?;
            login(portal).await
        }
        Command::Logout => {
            let portal = portal(&cli.portal)?;
            logout(portal).await
        }
        Command::Show { json } => {
            let conn = connect(portal(&cli.portal)?).await?;
            let loaded = conn.load().await?;
            if json {
                println!("{}", render::policy_json(&loaded));
            } else {
                print!("{}", render::policy_text(&loaded));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Users { query, json, limit } => {
            let conn = connect(portal(&cli.portal)?).await?;
            let page = conn.client().people(&query, 0, limit).await.map_err(ServiceError::from)?;
            let people: Vec<PersonRef> = page.items.iter().map(PersonRef::from_employee).collect();
            print!("{}", render::people(&people, page.total, json));
            Ok(ExitCode::SUCCESS)
        }
        Command::Groups { query, json, limit } => {
            let conn = connect(portal(&cli.portal)?).await?;
            let page = conn.client().groups(&query, 0, limit).await.map_err(ServiceError::from)?;
            print!("{}", render::groups(&page.items, page.total, json));
            Ok(ExitCode::SUCCESS)
        }
        Command::Apply { file, yes, dry_run } => {
            let draft = read_policy_file(&file)?;
            let conn = connect(portal(&cli.portal)?).await?;
            apply(&conn, &draft, yes, dry_run).await
        }
    }
}

fn portal(arg: &Option<String>) -> Result<PortalUrl, CliError> {
    let raw = arg.as_deref().ok_or(CliError::NoPortal)?;
    Ok(PortalUrl::parse(raw).map_err(ServiceError::from)?)
}

fn keychain() -> KeyringStore {
    KeyringStore::new(APP_ID, KEYCHAIN_TIMEOUT)
}

/// The key from `DOCSPACE_API_KEY` if set, else the keychain entry of the portal.
async fn api_key(portal: &PortalUrl) -> Result<ApiKey, CliError> {
    if let Ok(raw) = std::env::var("DOCSPACE_API_KEY") {
        return Ok(ApiKey::new(&raw).map_err(ServiceError::from)?);
    }
    let account = portal.to_string();
    let stored = off_runtime(move || keychain().get(&account)).await.map_err(ServiceError::from)?;
    stored.ok_or_else(|| ServiceError::NoKey { portal: portal.to_string() }.into())
}

async fn connect(portal: PortalUrl) -> Result<Connection, CliError> {
    let key = api_key(&portal).await?;
    Ok(Connection::open(portal, &key, ClientOptions::default()).await?)
}

async fn login(portal: PortalUrl) -> Result<ExitCode, CliError> {
    let raw = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("API key for {portal}: ")).map_err(|e| CliError::Io(e.to_string()))?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| CliError::Io(e.to_string()))?;
        line
    };
    if raw.trim().is_empty() {
        return Err(CliError::NoKeyInput);
    }
    let key = ApiKey::new(&raw).map_err(ServiceError::from)?;
    let conn = Connection::open(portal.clone(), &key, ClientOptions::default()).await?;
    let account = portal.to_string();
    off_runtime(move || keychain().set(&account, &key)).await.map_err(ServiceError::from)?;
    let me = conn.me();
    let role = if me.is_owner { "owner" } else { "admin" };
    println!("Signed in to {portal} as {} ({role}). The key is stored in the keychain.", me.display_name);
    Ok(ExitCode::SUCCESS)
}

async fn logout(portal: PortalUrl) -> Result<ExitCode, CliError> {
    let account = portal.to_string();
    let existed = off_runtime(move || keychain().delete(&account)).await.map_err(ServiceError::from)?;
    if existed {
        println!("The API key for {portal} was removed from the keychain.");
    } else {
        println!("No API key was stored for {portal}; nothing to remove.");
    }
    Ok(ExitCode::SUCCESS)
}

fn read_policy_file(path: &Path) -> Result<Policy, CliError> {
    let shown = path.display().to_string();
    let text = if shown == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| CliError::PolicyFile { path: shown.clone(), detail: e.to_string() })?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| CliError::PolicyFile { path: shown.clone(), detail: e.to_string() })?
    };
    serde_json::from_str::<Policy>(&text).map_err(|e| CliError::PolicyFile {
        path: shown,
        detail: format!("{e}. The file needs all four keys: \"method\" (\"none\", \"app\" or \"sms\"), \"trustedIps\", \"mandatoryUsers\" and \"mandatoryGroups\" (lists; user and group ids as GUIDs)."),
    })
}

async fn apply(conn: &Connection, draft: &Policy, yes: bool, dry_run: bool) -> Result<ExitCode, CliError> {
    let live = conn.client().policy().await.map_err(ServiceError::from)?;
    let review = conn.review(&live, draft).await?;
    let users = conn.people(&union(&live.policy.mandatory_users, &draft.mandatory_users)).await?;
    let groups = conn.groups(&union(&live.policy.mandatory_groups, &draft.mandatory_groups)).await?;
    print!("{}", render::review_text(conn.portal(), &review, &users, &groups));
    if review.errors().next().is_some() {
        let problems = review.errors().map(|p| p.message.clone()).collect();
        return Err(ServiceError::Refused { problems }.into());
    }
    if review.diff.is_empty() {
        println!("The portal already holds this policy; nothing to do.");
        return Ok(ExitCode::SUCCESS);
    }
    if dry_run {
        println!("Dry run: nothing was changed.");
        return Ok(ExitCode::SUCCESS);
    }
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::NeedsYes);
        }
        if !confirm(&format!("Apply these changes to {}? [y/N] ", conn.portal()))? {
            println!("Nothing was changed.");
            return Ok(ExitCode::from(EXIT_DECLINED));
        }
    }
    let saved = conn.save(&live.policy, draft, false).await?;
    if saved.recovered {
        println!("The portal's answer was lost, but reading the policy back shows the change landed.");
    }
    println!("Saved and verified: {} now holds the new policy.", conn.portal());
    if saved.signed_out {
        println!("Every session on the portal was signed out.");
    }
    Ok(ExitCode::SUCCESS)
}

fn union(a: &[uuid::Uuid], b: &[uuid::Uuid]) -> Vec<uuid::Uuid> {
    let mut out = a.to_vec();
    out.extend(b.iter().filter(|x| !a.contains(x)));
    out
}

fn confirm(question: &str) -> Result<bool, CliError> {
    print!("{question}");
    std::io::stdout().flush().map_err(|e| CliError::Io(e.to_string()))?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| CliError::Io(e.to_string()))?;
    Ok(matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

async fn sandbox(config: SandboxConfig, port: u16) -> Result<ExitCode, CliError> {
    let sandbox = Sandbox::start_on_port(config, port).await.map_err(|e| CliError::Sandbox(e.to_string()))?;
    println!("Sandbox DocSpace portal running at {}", sandbox.url());
    println!("  owner key: {OWNER_KEY}");
    println!("  admin key: {ADMIN_KEY}");
    println!("  user key:  {USER_KEY}   (not an admin: may read, not change)");
    println!("Try: DOCSPACE_API_KEY={OWNER_KEY} docspace-tfa --portal {} show", sandbox.url());
    println!("Press Ctrl-C to stop.");
    let _ = std::io::stdout().flush();
    tokio::select! {
        _ = sandbox.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(ExitCode::SUCCESS)
}
