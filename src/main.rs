//! The `docspace-tfa` command line; all logic lives in the library.

fn main() -> std::process::ExitCode {
    docspace_tfa::cli::main()
}
