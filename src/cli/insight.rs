//! The sign-in insight verbs: `impact`, `suggest-ips`, `people-status`, `reset-app`,
//! `forget-signins`. Thin adapters over [`crate::insight`].

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::Subcommand;

use super::commands::{confirm, connect, read_policy_file, resolved, CliError};
use super::EXIT_DECLINED;
use crate::docspace::PortalUrl;
use crate::insight::impact::impact;
use crate::insight::people::{csv, statuses};
use crate::insight::suggest::{suggest, Trusted};
use crate::insight::{self, CacheStore, Gathered, Impact, InsightError, Progress, DEFAULT_DAYS};
use crate::service::Connection;

#[derive(Debug, Subcommand)]
pub enum InsightCommand {
    /// Whom a draft policy would ask for a second factor, on the portal's real sign-ins.
    Impact {
        /// The draft policy file (as for `apply`); without it the draft is the live policy.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Sign-ins of the last N days (1..180).
        #[arg(long, default_value_t = DEFAULT_DAYS)]
        days: u32,
        #[arg(long)]
        json: bool,
    },
    /// Networks people sign in from, best first, as trusted-IP candidates.
    SuggestIps {
        #[arg(long, default_value_t = DEFAULT_DAYS)]
        days: u32,
        /// Also networks only one person signs in from.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Mandatory users and members of mandatory groups: authenticator app, last sign-in, failures.
    PeopleStatus {
        #[arg(long, default_value_t = DEFAULT_DAYS)]
        days: u32,
        /// Print CSV (for a spreadsheet) instead of a table.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        #[arg(long)]
        json: bool,
    },
    /// Reset a person's authenticator app (portal owner only): they are signed out everywhere
    /// and must link an app again at their next sign-in.
    ResetApp {
        /// The person: id or e-mail.
        user: String,
        /// Do not ask for confirmation (required when standard input is not a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Delete this computer's copy of the portal's sign-in history.
    ForgetSignins,
}

pub async fn run(command: InsightCommand, portal: PortalUrl) -> Result<ExitCode, CliError> {
    let store = cache_store()?;
    match command {
        InsightCommand::ForgetSignins => {
            let removed = store.forget(portal.as_str()).map_err(insight_error)?;
            if removed {
                println!("The sign-in data of {portal} was deleted from this computer.");
            } else {
                println!("No sign-in data of {portal} was kept on this computer.");
            }
            Ok(ExitCode::SUCCESS)
        }
        InsightCommand::ResetApp { user, yes } => reset(portal, &user, yes).await,
        InsightCommand::Impact { file, days, json } => {
            let conn = connect(portal).await?;
            let draft = match &file {
                Some(path) => Some(resolved(
                    &conn,
                    conn.resolve_file(&read_policy_file(path)?).await?,
                )?),
                None => None,
            };
            let g = look(&conn, &store, days).await?;
            let live = &g.live.policy;
            let report = impact(
                &g.tally,
                &g.roster,
                live,
                draft.as_ref().unwrap_or(live),
                g.me,
                days,
                g.partial,
            );
            if json {
                println!("{}", to_json(&report));
            } else {
                print!("{}", impact_text(&g, &report, draft.is_some()));
            }
            Ok(ExitCode::SUCCESS)
        }
        InsightCommand::SuggestIps { days, all, json } => {
            let conn = connect(portal).await?;
            let g = look(&conn, &store, days).await?;
            let list = suggest(&g.tally, &g.live.policy.trusted_ips, all);
            if json {
                println!("{}", to_json(&list));
                return Ok(ExitCode::SUCCESS);
            }
            let mut out = String::new();
            partial_note(&mut out, &g);
            if list.is_empty() {
                let _ = writeln!(
                    out,
                    "No network of the last {days} days is used by more than one person{}.",
                    if all {
                        ""
                    } else {
                        " (--all lists the others too)"
                    }
                );
            }
            for s in &list {
                let trusted = match s.trusted {
                    Trusted::None => "not trusted",
                    Trusted::Partly => "partly trusted",
                    Trusted::All => "already trusted",
                };
                let _ = writeln!(
                    out,
                    "{:<20} {:>5} people {:>7} sign-ins  {trusted}",
                    s.network, s.people, s.sign_ins
                );
            }
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        InsightCommand::PeopleStatus {
            days,
            csv: as_csv,
            json,
        } => {
            let conn = connect(portal).await?;
            let g = look(&conn, &store, days).await?;
            let rows = statuses(&g.roster, &g.tally, &g.live.policy);
            if as_csv {
                print!("{}", csv(&rows));
            } else if json {
                println!("{}", to_json(&rows));
            } else {
                let mut out = String::new();
                partial_note(&mut out, &g);
                if rows.is_empty() {
                    let _ = writeln!(
                        out,
                        "Nobody is mandatory under the live policy of {}.",
                        g.portal
                    );
                }
                for r in &rows {
                    let app = match r.has_app {
                        Some(true) => "app linked",
                        Some(false) => "NO APP",
                        None => "app unknown",
                    };
                    let last = match (&r.last_sign_in, &r.last_method) {
                        (Some(at), Some(m)) => format!("last sign-in {at} ({m})"),
                        _ => format!("no sign-in in {days} days"),
                    };
                    let _ = writeln!(
                        out,
                        "{} <{}>  [{}]  {app}, {last}, {} failed passwords, {} failed codes",
                        r.name,
                        r.email.as_deref().unwrap_or("-"),
                        r.mandatory,
                        r.failed_passwords,
                        r.failed_second_factor
                    );
                }
                print!("{out}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn cache_store() -> Result<CacheStore, CliError> {
    Ok(CacheStore::default_location()?)
}

/// `logout` drops the portal's sign-in data along with its key.
pub fn forget_on_logout(portal: &PortalUrl) -> Result<bool, CliError> {
    cache_store()?
        .forget(portal.as_str())
        .map_err(insight_error)
}

fn insight_error(e: InsightError) -> CliError {
    CliError::Insight(Box::new(e))
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// Brings the local copy up to date and counts the period, with a progress line on a terminal.
async fn look(conn: &Connection, store: &CacheStore, days: u32) -> Result<Gathered, CliError> {
    let terminal = std::io::stderr().is_terminal();
    let progress = |p: Progress| {
        if terminal {
            eprint!(
                "\rReading sign-ins of {}: {} pages, {} events   ",
                conn.portal(),
                p.pages,
                p.events
            );
            let _ = std::io::stderr().flush();
        }
    };
    let never = AtomicBool::new(false);
    let result = insight::gather(conn, store, days, &progress, &never).await;
    if terminal {
        eprint!("\r\x1b[2K");
    }
    let g = result.map_err(insight_error)?;
    if g.scan.malformed > 0 {
        eprintln!(
            "warning: {} events from {} had no readable date and were left out.",
            g.scan.malformed, g.portal
        );
    }
    Ok(g)
}

fn partial_note(out: &mut String, g: &Gathered) {
    if g.partial {
        let _ = writeln!(out, "Note: this portal's plan only shows the 20 most recent sign-ins; the figures cover those only.");
    }
}

fn impact_text(g: &Gathered, r: &Impact, has_draft: bool) -> String {
    let mut out = String::new();
    partial_note(&mut out, g);
    let _ = writeln!(
        out,
        "Sign-ins of the last {} days on {}: {} by {} people.",
        r.days, g.portal, r.sign_ins, r.people
    );
    if r.unanalysable > 0 {
        let _ = writeln!(out, "{} sign-ins cannot be analysed: they came over IPv6 (the portal records those addresses cut off) or without a usable address.", r.unanalysable);
    }
    if !has_draft {
        let _ = writeln!(
            out,
            "No draft given (--file): the draft is the live policy."
        );
    }
    let _ = writeln!(out, "Asked for a second factor       live   draft");
    let _ = writeln!(
        out,
        "  sign-ins                  {:>8} {:>7}",
        r.live.asked_sign_ins, r.draft.asked_sign_ins
    );
    let _ = writeln!(
        out,
        "  people                    {:>8} {:>7}",
        r.live.asked_people, r.draft.asked_people
    );
    let _ = writeln!(out, "Newly asked ({}):", r.newly_asked.len());
    for p in &r.newly_asked {
        let app = match p.has_app {
            Some(true) => "has an authenticator app",
            Some(false) => "no authenticator app yet: must link one at the next sign-in",
            None => "authenticator status unknown (the portal shows it only while app TFA is on)",
        };
        let _ = writeln!(out, "  {} ({app})", p.name);
    }
    let _ = writeln!(out, "No longer asked ({}):", r.no_longer_asked.len());
    for p in &r.no_longer_asked {
        let _ = writeln!(out, "  {}", p.name);
    }
    if r.me.is_empty() {
        let _ = writeln!(out, "You have no analysable sign-in in the period.");
    }
    for a in &r.me {
        let word = |asked: bool| if asked { "asked" } else { "not asked" };
        let _ = writeln!(
            out,
            "You, from {} ({} sign-ins): {} now, {} under the draft.",
            a.ip,
            a.sign_ins,
            word(a.live),
            word(a.draft)
        );
    }
    out
}

async fn reset(portal: PortalUrl, user: &str, yes: bool) -> Result<ExitCode, CliError> {
    let conn = connect(portal).await?;
    let person = conn.find_person(user).await?;
    let me = conn.me();
    if !me.is_owner && person.id != me.id {
        return Err(insight_error(InsightError::NotOwner {
            name: me.display_name.clone(),
        }));
    }
    let who = match &person.email {
        Some(e) => format!("{} <{e}>", person.display_name),
        None => person.display_name.clone(),
    };
    println!("Resetting the authenticator app of {who} wipes their app secret and backup codes. They are signed out everywhere and must link an app again at their next sign-in.");
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(CliError::NeedsYes);
        }
        if !confirm(&format!("Reset the authenticator app of {who}? [y/N] "))? {
            println!("Nothing was changed.");
            return Ok(ExitCode::from(EXIT_DECLINED));
        }
    }
    insight::reset_app(&conn, &person)
        .await
        .map_err(insight_error)?;
    println!("Done: {who} must link an authenticator app again at their next sign-in.");
    Ok(ExitCode::SUCCESS)
}
