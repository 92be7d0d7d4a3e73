//! The About dialog's one command: open a fixed help link in the system browser. The UI names
//! the link; the address never comes from the webview, so it cannot open anything else.

use crate::error::{CommandError, CommandResult};

/// The links the About dialog offers, by the name the UI uses.
pub const LINKS: &[(&str, &str)] = &[
    ("docspaceApi", "https://api.onlyoffice.com/docspace/"),
    ("docspaceHelp", "https://helpcenter.onlyoffice.com/docspace"),
    // This project's page, from the workspace's Cargo.toml (the packages name the same).
    ("project", env!("CARGO_PKG_HOMEPAGE")),
];

/// The address of a named link, if the app has one.
pub fn link(which: &str) -> Option<&'static str> {
    LINKS
        .iter()
        .find(|(name, _)| *name == which)
        .map(|(_, url)| *url)
}

#[tauri::command]
pub fn open_link(which: String) -> CommandResult<()> {
    let url = link(&which).ok_or_else(|| {
        CommandError::Internal(format!(
            "The app has no link named \"{which}\". This is a bug in the app: please report it."
        ))
    })?;
    // The system's own opener (xdg-open, open, the Windows shell), not waited for.
    open::that_detached(url).map_err(|e| {
        CommandError::Internal(format!(
            "The browser could not be opened ({e}). Open {url} by hand."
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_fixed_https_links_open() {
        assert_eq!(
            link("docspaceApi"),
            Some("https://api.onlyoffice.com/docspace/")
        );
        assert_eq!(link("project"), Some(env!("CARGO_PKG_HOMEPAGE")));
        assert!(link("https://evil.example").is_none());
        assert!(link("").is_none());
        for (_, url) in LINKS {
            assert!(url.starts_with("https://"), "{url}");
        }
    }
}
