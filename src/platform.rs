//! The few things the app does differently on each OS, in one place: private folders and files
//! for the saved portals and the history. (The keychain store is chosen per OS in Cargo.toml and
//! described at [`crate::secrets::KeyringStore`]; the folders themselves come from
//! [`crate::profiles::config_dir`] and [`crate::profiles::data_dir`].)
//!
//! Nothing here is a secret (the API key is only in the keychain), but the portal list and the
//! history name the admin's portals, users and trusted networks, so other local users must not
//! read them.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Creates `dir` and any missing parents so that only the current user can open them.
///
/// - Linux and macOS: folders it creates get mode 0700 (set at creation, so there is no moment
///   when they are open to others). Folders that already exist keep their mode: the user may
///   have chosen it.
/// - Windows: folders inherit the ACL of the user's profile (`%APPDATA%`), which grants only the
///   user, SYSTEM and Administrators, so the default is already private.
pub fn create_private_dir_all(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes `bytes` to a new or truncated file that only the current user can read and write.
///
/// - Linux and macOS: mode 0600, set when the file is created; an existing file is set to 0600
///   before anything is written to it.
/// - Windows: the file inherits its folder's ACL (the user's profile, see
///   [`create_private_dir_all`]).
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = File::options();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    file.flush()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn new_folders_and_files_are_the_users_only() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a").join("b");
        create_private_dir_all(&dir).unwrap();
        assert_eq!(mode(&root.path().join("a")), 0o700);
        assert_eq!(mode(&dir), 0o700);

        let file = dir.join("profiles.json");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&file, b"new").unwrap();
        assert_eq!(mode(&file), 0o600, "an existing file is made private too");
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
    }

    #[test]
    fn saved_portals_and_history_are_written_privately() {
        let root = tempfile::tempdir().unwrap();
        let path = root.path().join("config").join("profiles.json");
        crate::profiles::write_atomically(&path, b"{}").unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(path.parent().unwrap()), 0o700);
    }
}
