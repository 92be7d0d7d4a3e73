//! The `docspace-tfa` CLI: the contract scripts use. Errors go to stderr in plain sentences and the
//! exit code is non-zero; the API key is never printed.

mod commands;
mod insight;
mod render;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::sandbox::Spelling;

#[derive(Debug, Parser)]
#[command(
    name = "docspace-tfa",
    version,
    about = "View and change the two-factor authentication policy of an ONLYOFFICE DocSpace portal."
)]
pub struct Cli {
    /// Portal address, e.g. https://example.onlyoffice.com (plain http only for this computer).
    /// Default: --profile's portal, else $DOCSPACE_PORTAL, else the current saved portal.
    #[arg(long, global = true)]
    pub portal: Option<String>,

    /// A saved portal by name (see `profiles`); `login` saves one.
    #[arg(long, global = true)]
    pub profile: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

/// How a change is confirmed and recorded.
#[derive(Debug, Args)]
pub struct ChangeOpts {
    /// Do not ask for confirmation (required when standard input is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Show what would change and stop.
    #[arg(long)]
    pub dry_run: bool,
    /// A note stored with the change in the local history.
    #[arg(long)]
    pub note: Option<String>,
    /// The address you sign in from: the review then checks whether the change locks you out.
    #[arg(long, value_name = "ADDR")]
    pub my_ip: Option<String>,
}

/// A directory search.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Part of a name (or email, for users); empty lists everyone, page by page.
    #[arg(default_value = "")]
    pub query: String,
    #[arg(long)]
    pub json: bool,
    /// Most results to print.
    #[arg(long, default_value_t = 25)]
    pub limit: u32,
}

#[derive(Debug, Subcommand)]
pub enum ProfileAction {
    /// Give a saved portal another name (quote names with spaces).
    Rename { old: String, new: String },
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read an API key from standard input, check it, store it in the OS keychain, and save the portal.
    Login,
    /// Delete the stored API key of the portal from the keychain.
    Logout,
    /// List the saved portals (`profiles rename OLD NEW` renames one).
    Profiles {
        #[command(subcommand)]
        action: Option<ProfileAction>,
    },
    /// Print the portal's TFA policy (and whether it drifted from this app's last save).
    Show {
        /// Print JSON: {"method","trustedIps","mandatoryUsers","mandatoryGroups", ...}.
        #[arg(long)]
        json: bool,
        /// With --json, also name the mandatory users and groups ("users", "groups"): one more
        /// round trip.
        #[arg(long)]
        names: bool,
    },
    /// Make the portal's policy equal to a JSON file (`show --json` or `export` output; users and
    /// groups by id, or by email/name).
    Apply {
        /// The policy file; `-` reads standard input.
        file: PathBuf,
        #[command(flatten)]
        change: ChangeOpts,
    },
    /// Write the policy to a reviewable JSON file (users and groups by id, name and email).
    Export {
        /// Output file; standard output when left out.
        file: Option<PathBuf>,
    },
    /// Would TFA be required for a person (or a member of groups) signing in from an address?
    WhatIf {
        /// The person: id, email or name.
        #[arg(long, required_unless_present = "group")]
        user: Option<String>,
        /// A group (id or name); repeat for several.
        #[arg(long)]
        group: Vec<String>,
        /// The address the person signs in from.
        #[arg(long)]
        ip: String,
        /// Also evaluate this draft policy file.
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// List this app's saves to the portal, newest last.
    History {
        #[arg(long)]
        json: bool,
    },
    /// Undo save N: restore the policy the portal had before it (through the usual review).
    Rollback {
        number: usize,
        #[command(flatten)]
        change: ChangeOpts,
    },
    /// Compare the live policy with this app's last save; accept theirs or re-apply ours.
    Drift {
        /// Record the live policy as the accepted state.
        #[arg(long, conflicts_with = "reapply")]
        accept: bool,
        /// Re-apply the policy of this app's last save.
        #[arg(long)]
        reapply: bool,
        #[command(flatten)]
        change: ChangeOpts,
    },
    /// Copy the policy from one saved portal to another (users and groups matched by email/name).
    Copy {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[command(flatten)]
        change: ChangeOpts,
    },
    /// Search the portal's users by name or email (to find ids for a policy file).
    Users(SearchArgs),
    /// Search the portal's groups by name.
    Groups(SearchArgs),
    /// Run the built-in sandbox portal on 127.0.0.1 until interrupted.
    Sandbox {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 8091)]
        port: u16,
        /// Number of users in the seeded directory.
        #[arg(long, default_value_t = 60)]
        users: usize,
        /// Number of groups in the seeded directory.
        #[arg(long, default_value_t = 12)]
        groups: usize,
        /// Field name of the GET's "available" flag: v3.7.1+ or the older misspelling.
        #[arg(long, value_enum, default_value_t = SpellingArg::Available)]
        spelling: SpellingArg,
        /// Pretend an SMS provider is configured.
        #[arg(long)]
        sms_provider: bool,
        /// Delay every API answer by this many milliseconds (a portal far away).
        #[arg(long, default_value_t = 0, value_name = "MS")]
        latency: u64,
        /// Add a random 0..=MS milliseconds to each answer's delay.
        #[arg(long, default_value_t = 0, value_name = "MS")]
        jitter: u64,
        /// Exact member counts of the first groups, e.g. `--group-size 6700 --group-size 5`.
        #[arg(long = "group-size", value_name = "N")]
        group_sizes: Vec<usize>,
    },
    /// Sign-in insight: impact, suggest-ips, people-status, reset-app, forget-signins.
    #[command(flatten)]
    Insight(insight::InsightCommand),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SpellingArg {
    Available,
    Avaliable,
}

impl From<SpellingArg> for Spelling {
    fn from(s: SpellingArg) -> Self {
        match s {
            SpellingArg::Available => Spelling::Available,
            SpellingArg::Avaliable => Spelling::Avaliable,
        }
    }
}

/// Exit codes beyond 0 (success) and 1 (failure); clap uses 2 for bad usage.
pub const EXIT_DECLINED: u8 = 3;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
