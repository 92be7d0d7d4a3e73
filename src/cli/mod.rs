//! The `docspace-tfa` CLI: the contract scripts use. Errors go to stderr in plain sentences and the
//! exit code is non-zero; the API key is never printed.

mod commands;
mod render;

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

use crate::sandbox::Spelling;

#[derive(Debug, Parser)]
#[command(name = "docspace-tfa", version, about = "View and change the two-factor authentication policy of an ONLYOFFICE DocSpace portal.")]
pub struct Cli {
    /// Portal address, e.g. https://example.onlyoffice.com (plain http only for this computer).
    #[arg(long, global = true, env = "DOCSPACE_PORTAL")]
    pub portal: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read an API key from standard input, check it, and store it in the OS keychain.
    Login,
    /// Delete the stored API key of the portal from the keychain.
    Logout,
    /// Print the portal's TFA policy.
    Show {
        /// Print JSON: {"method","trustedIps","mandatoryUsers","mandatoryGroups", ...}.
        #[arg(long)]
        json: bool,
    },
    /// Make the portal's policy equal to a JSON file (the format `show --json` prints).
    Apply {
        /// The policy file; `-` reads standard input.
        file: PathBuf,
        /// Do not ask for confirmation (required when standard input is not a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
        /// Show what would change and stop.
        #[arg(long)]
        dry_run: bool,
    },
    /// Search the portal's users by name or email (to find ids for a policy file).
    Users {
        /// Part of a name or email; empty lists everyone, page by page.
        #[arg(default_value = "")]
        query: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Most results to print.
        #[arg(long, default_value_t = 25)]
        limit: u32,
    },
    /// Search the portal's groups by name.
    Groups {
        #[arg(default_value = "")]
        query: String,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 25)]
        limit: u32,
    },
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
    },
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
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
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
