//! Trusted-IP entries (filled in by the parser work).
