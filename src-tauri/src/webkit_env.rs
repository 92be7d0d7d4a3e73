//! WebKitGTK settings the app picks for itself, through the environment its web process inherits.
//!
//! WebKitGTK composites every page with OpenGL by default. For a page of forms that costs more
//! than it gives: the compositor's GL context, its layer tiles and Skia's GPU painting caches were
//! ~90 MiB of the web process here (README, "Benchmarks"), and GPU drivers bring their blank-window
//! bugs. Painting straight into the window's buffer draws this page as fast and starts sooner.
//! A value the user has set (`=0` brings compositing back) is kept.

use std::ffi::OsString;

/// Read by WebKitGTK (4.1 API) at start: set and not `0`, pages are never composited.
pub const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// The variables to set, given how the environment reads now: only those the user left unset.
pub fn defaults(get: impl Fn(&str) -> Option<OsString>) -> Vec<(&'static str, &'static str)> {
    [(DISABLE_COMPOSITING, "1")]
        .into_iter()
        .filter(|(name, _)| get(name).is_none())
        .collect()
}

/// Sets [`defaults`]. Call it first thing in `main`, while the process has one thread: setting
/// the environment races with any other thread reading it.
pub fn apply() {
    for (name, value) in defaults(|name| std::env::var_os(name)) {
        std::env::set_var(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_choice_of_the_user_pages_are_painted_without_compositing() {
        assert_eq!(defaults(|_| None), vec![(DISABLE_COMPOSITING, "1")]);
    }

    #[test]
    fn a_value_the_user_set_is_kept_even_zero() {
        for value in ["0", "1", ""] {
            let got = defaults(|name| (name == DISABLE_COMPOSITING).then(|| OsString::from(value)));
            assert!(got.is_empty(), "{value:?} was overridden: {got:?}");
        }
    }
}
