//! Scrubbing of server-provided text before it is shown, logged, recorded or put in an error.
//!
//! A portal (or a proxy in front of it) may echo anything back, the request's `Authorization`
//! header included. Every string that comes from the server goes through [`Redactor::scrub`]:
//! the exact key is replaced, and so is anything shaped like a bearer token or an `sk-` key (the
//! portal may echo a different key, or an encoding of ours). The text is also made safe to print:
//! control characters (terminal escapes) become spaces, and it is cut to a bounded length.

use secrecy::{ExposeSecret, SecretString};

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Shortest run after "Bearer " taken as a token.
const MIN_TOKEN: usize = 8;

/// Longest server text we keep, in characters: enough for any real error message.
pub const MAX_CHARS: usize = 500;

/// Scrubs text with the exact key of one connection, plus the generic token shapes.
#[derive(Clone, Default)]
pub struct Redactor {
    key: Option<SecretString>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor(<redacted>)")
    }
}

impl Redactor {
    /// A redactor for `key` (the exact value we send).
    pub fn for_key(key: &str) -> Self {
        let key = key.trim();
        Redactor {
            key: (!key.is_empty()).then(|| SecretString::from(key.to_string())),
        }
    }

    /// `text` without the key, bearer tokens, `sk-` keys or control characters, at most
    /// [`MAX_CHARS`] characters long.
    pub fn scrub(&self, text: &str) -> String {
        let exact = match &self.key {
            Some(key) => text.replace(key.expose_secret(), REDACTED),
            None => text.to_string(),
        };
        bounded(&printable(&token_shapes(&exact)))
    }
}

/// [`Redactor::scrub`] without a known key: the generic shapes only.
pub fn scrub(text: &str) -> String {
    Redactor::default().scrub(text)
}

/// Characters a token may consist of (base64, base64url, JWT dots, hex...).
fn token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=')
}

/// Replaces `Bearer <token>` (any case) and `sk-<token>` with [`REDACTED`].
fn token_shapes(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let at_word_start = i == 0
            || chars
                .get(i.wrapping_sub(1))
                .is_some_and(|p| !token_char(*p));
        if at_word_start && starts_with_ci(&chars[i..], "bearer") {
            // "Bearer", then whitespace, then the token.
            let mut j = i.saturating_add(6);
            let ws_start = j;
            while chars.get(j).is_some_and(|c| c.is_whitespace()) {
                j = j.saturating_add(1);
            }
            let token_start = j;
            while chars.get(j).copied().is_some_and(token_char) {
                j = j.saturating_add(1);
            }
            // A short word after "bearer" is prose ("the bearer of"), not a credential.
            if j.saturating_sub(token_start) >= MIN_TOKEN && token_start > ws_start {
                out.extend(&chars[i..token_start]);
                out.push_str(REDACTED);
                i = j;
                continue;
            }
        }
        if at_word_start && starts_with_ci(&chars[i..], "sk-") {
            let mut j = i.saturating_add(3);
            while chars.get(j).copied().is_some_and(token_char) {
                j = j.saturating_add(1);
            }
            if j > i.saturating_add(3) {
                out.push_str(REDACTED);
                i = j;
                continue;
            }
        }
        out.push(c);
        i = i.saturating_add(1);
    }
    out
}

fn starts_with_ci(chars: &[char], word: &str) -> bool {
    let mut it = chars.iter();
    word.chars()
        .all(|w| it.next().is_some_and(|c| c.eq_ignore_ascii_case(&w)))
}

/// Control characters (ESC sequences could rewrite the terminal) become spaces.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn bounded(text: &str) -> String {
    if text.chars().count() <= MAX_CHARS {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(MAX_CHARS).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exact_key_and_token_shapes_are_replaced() {
        let r = Redactor::for_key("my-odd-key-123");
        assert_eq!(
            r.scrub("Invalid token Bearer sk-abc.DEF_123 for my-odd-key-123"),
            "Invalid token Bearer [redacted] for [redacted]"
        );
        assert_eq!(
            scrub("authorization: bearer\teyJhbGciOi.J9x.y-z"),
            "authorization: bearer\u{20}[redacted]"
        );
        assert_eq!(scrub("key sk-live-XYZ, done"), "key [redacted], done");
        assert_eq!(scrub("(sk-a)"), "([redacted])");
    }

    #[test]
    fn ordinary_text_is_kept() {
        for text in [
            "Access denied",
            "task-list and risk-free",
            "Bearer",
            "the bearer of bad news",
            "sk-",
            "No permissions to perform this action",
        ] {
            assert_eq!(scrub(text), text.replace('\t', " "));
        }
    }

    #[test]
    fn control_characters_and_length_are_bounded() {
        assert_eq!(scrub("a\u{1b}[2Jb\r\nc"), "a [2Jb  c");
        let long = "x".repeat(10_000);
        assert_eq!(scrub(&long).chars().count(), MAX_CHARS + 1);
    }

    #[test]
    fn debug_does_not_show_the_key() {
        assert!(!format!("{:?}", Redactor::for_key("sk-secret")).contains("secret"));
    }
}
