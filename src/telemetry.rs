//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `info`). Each RPC request logs one
//! line with its action, account, region, code, HTTP status, latency and RequestId; values a client
//! chose are written through [`Escaped`].

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    // A second init (tests) is harmless: keep the first subscriber.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}

/// Longest value written to a log line; the rest is replaced by `…`.
const MAX_LOGGED_CHARS: usize = 256;

/// A request-supplied value made safe for a log line: control characters (newlines, escape
/// sequences, DEL, the C1 range) and Unicode bidirectional overrides are written as `\u{…}`, so a
/// client cannot forge log lines or send terminal escapes to whoever reads the log, and the value
/// is cut at [`MAX_LOGGED_CHARS`] characters.
pub struct Escaped<'a>(pub &'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        for (i, c) in self.0.chars().enumerate() {
            if i == MAX_LOGGED_CHARS {
                return f.write_char('…');
            }
            let unsafe_char = c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if unsafe_char || c == '\\' {
                if c == '\\' {
                    f.write_str("\\\\")?;
                } else {
                    write!(f, "\\u{{{:x}}}", u32::from(c))?;
                }
            } else {
                f.write_char(c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Escaped;

    #[test]
    fn newlines_and_terminal_escapes_cannot_reach_a_log_line() {
        let forged = "Describe\n2026-01-01T00:00:00Z  INFO rpc: action=DeleteEverything\u{1b}[31m\u{202e}";
        let shown = Escaped(forged).to_string();
        assert!(!shown.contains('\n') && !shown.contains('\u{1b}') && !shown.contains('\u{202e}'), "{shown}");
        assert!(shown.starts_with("Describe\\u{a}2026") && shown.contains("\\u{1b}[31m"), "{shown}");
        assert_eq!(Escaped("a\\b").to_string(), "a\\\\b");
        assert_eq!(Escaped(&"x".repeat(1000)).to_string().chars().count(), 257);
    }
}
