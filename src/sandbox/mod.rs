//! A local DocSpace simulation (filled in by the sandbox work).
