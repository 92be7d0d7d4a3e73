//! WebKitGTK settings the app picks for itself, through the environment its web process inherits.
//!
//! WebKitGTK composites every page with OpenGL by default. For a page of forms that costs more
//! than it gives: the compositor's GL context, its layer tiles and Skia's GPU caches were 60 MiB of
//! the web process here (software GL), more than the whole page. Painting straight into the
//! window's buffer, as WebKitGTK did before compositing, draws this page as fast and starts
//! sooner. Should compositing be switched back on (`WEBKIT_DISABLE_COMPOSITING_MODE=0`), Skia
//! still paints with the CPU, which keeps the GPU painting thread's caches away.
//!
//! A value the user has set is kept, so either can be undone from the environment.

use std::ffi::OsString;

/// Read by WebKitGTK (4.1 API) at start: set and not `0`, pages are never composited.
pub const DISABLE_COMPOSITING: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
/// Read by WebKitGTK 2.46 and later: set and not `0`, Skia paints layers with the CPU.
pub const CPU_RENDERING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";

/// The variables to set, given how the environment reads now: only those the user left unset.
pub fn defaults(get: impl Fn(&str) -> Option<OsString>) -> Vec<(&'static str, &'static str)> {
    [(DISABLE_COMPOSITING, "1"), (CPU_RENDERING, "1")]
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
        assert_eq!(
            defaults(|_| None),
            vec![(DISABLE_COMPOSITING, "1"), (CPU_RENDERING, "1")]
        );
    }

    #[test]
    fn a_value_the_user_set_is_kept_even_zero() {
        for value in ["0", "1", ""] {
            let got = defaults(|name| (name == DISABLE_COMPOSITING).then(|| OsString::from(value)));
            assert_eq!(got, vec![(CPU_RENDERING, "1")], "with {value:?}");
            let got = defaults(|_| Some(OsString::from(value)));
            assert!(got.is_empty(), "{value:?} was overridden: {got:?}");
        }
    }
}
