//! Splitting a content into logical commands: continuation lines, blank lines and `#` comments,
//! each command with its first physical line (step 2 of the check order in `template`).

use super::TemplateError;

// ---------------------------------------------------------------------------------------------
// Splitting into logical commands
// ---------------------------------------------------------------------------------------------

/// A command as text, possibly joined from several physical lines.
pub(super) struct LogicalCommand {
    /// 1-based first physical line.
    pub(super) line: usize,
    /// Continued segments (backslash removed, trimmed) joined with `'\n'`.
    pub(super) text: String,
}

/// Splits the text into logical commands.
///
/// - Each physical line (split on `'\n'`) is trimmed (so `"\r\n"` endings are fine).
/// - Blank lines and lines whose first non-blank char is `#` are skipped, also in the middle of
///   a continued command (as Dockerfile does).
/// - A line ending with `\` continues on the next kept line; segments are joined with `'\n'`
///   so that a continued `RUN` keeps its line structure for the shell.
/// - A continuation still open at the end of the text is [`TemplateError::Malformed`], reported
///   on the last line that ends with the backslash.
pub(super) fn split_logical_commands(text: &str) -> Result<Vec<LogicalCommand>, TemplateError> {
    let mut commands = Vec::new();
    // (first line, text so far, last line seen with a continuation backslash)
    let mut pending: Option<(usize, String, usize)> = None;
    for (index, raw) in text.split('\n').enumerate() {
        let line = index.saturating_add(1);
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let (segment, continues) = match trimmed.strip_suffix('\\') {
            Some(rest) => (rest.trim_end(), true),
            None => (trimmed, false),
        };
        let (first, buffer) = match pending.take() {
            Some((first, mut buffer, _)) => {
                buffer.push('\n');
                buffer.push_str(segment);
                (first, buffer)
            }
            None => (line, segment.to_string()),
        };
        if continues {
            pending = Some((first, buffer, line));
        } else {
            commands.push(LogicalCommand { line: first, text: buffer });
        }
    }
    if let Some((_, _, last)) = pending {
        return Err(TemplateError::Malformed {
            line: last,
            reason: "the last line ends with a continuation backslash but no line follows".to_string(),
        });
    }
    Ok(commands)
}

/// Splits a logical command into its keyword (first whitespace-delimited token) and its
/// trimmed content.
pub(super) fn split_keyword(text: &str) -> (&str, &str) {
    let text = text.trim();
    match text.split_once(char::is_whitespace) {
        Some((keyword, rest)) => (keyword, rest.trim()),
        None => (text, ""),
    }
}
