//! Writes the man pages of the `docspace-tfa` CLI, made from its own clap definition so the pages
//! and `--help` never disagree: `docspace-tfa.1` and one `docspace-tfa-<command>.1` per command.
//! `scripts/bundle` runs it and installs the gzipped pages in the Linux packages.
//!
//! ```sh
//! cargo run --example man -- OUT_DIR
//! ```

use clap::CommandFactory;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("man: name the folder to write the pages to: cargo run --example man -- OUT_DIR");
        return ExitCode::from(2);
    };
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| clap_mangen::generate_to(docspace_tfa::cli::Cli::command(), &dir));
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("man: cannot write the pages to {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
