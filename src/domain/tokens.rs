//! Token text: the compact stored format of build plans (`build::format`) and of the later events
//! of a timeline run (`store::executions`), both written once per build and tick and read often.
//!
//! - a text is its length in bytes, `:`, and the text as it is (`5:hello`);
//! - a number is its decimal digits and `;` (`3000;`, `-1;`);
//! - an absent text is `~`.
//!
//! Nothing is escaped, so writing a text is copying it and reading one is slicing it (JSON's escaped
//! quotes were most of the cost of writing and reading these columns).

use std::fmt;

/// Why a token text could not be read: what was wrong, at which byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    what: &'static str,
    at: usize,
}

impl TokenError {
    pub fn new(what: &'static str, at: usize) -> TokenError {
        TokenError { what, at }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

impl std::error::Error for TokenError {}

/// Writes tokens one after another.
pub struct Writer(String);

impl Writer {
    pub fn with_capacity(bytes: usize) -> Writer {
        Writer(String::with_capacity(bytes))
    }

    pub fn text(&mut self, text: &str) {
        self.0.push_str(itoa::Buffer::new().format(text.len()));
        self.0.push(':');
        self.0.push_str(text);
    }

    pub fn optional(&mut self, text: Option<&str>) {
        match text {
            Some(text) => self.text(text),
            None => self.0.push('~'),
        }
    }

    pub fn number(&mut self, number: i64) {
        self.0.push_str(itoa::Buffer::new().format(number));
        self.0.push(';');
    }

    /// A count of what follows, as a number.
    pub fn count(&mut self, count: usize) {
        self.number(i64::try_from(count).unwrap_or(i64::MAX));
    }

    pub fn finish(self) -> String {
        self.0
    }
}

/// Reads tokens from the start, failing at the first that is not the kind asked for.
pub struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(text: &'a str) -> Reader<'a> {
        Reader { text, at: 0 }
    }

    /// An error about what is at the reader's position.
    pub fn error(&self, what: &'static str) -> TokenError {
        TokenError { what, at: self.at }
    }

    /// The byte offset of the next token (where an error found later should point).
    pub fn at(&self) -> usize {
        self.at
    }

    /// Fails if anything is left after the last token.
    pub fn end(&self, what: &'static str) -> Result<(), TokenError> {
        if self.at < self.text.len() {
            return Err(self.error(what));
        }
        Ok(())
    }

    /// Digits up to `end`, as a number (a `-` first for a negative one).
    fn digits(&mut self, end: u8) -> Result<i64, TokenError> {
        let bytes = self.text.as_bytes();
        let start = self.at;
        let negative = bytes.get(start) == Some(&b'-');
        let mut at = start + usize::from(negative);
        // Accumulated with the number's sign, so that `i64::MIN` reads too.
        let sign = if negative { -1 } else { 1 };
        let mut value: i64 = 0;
        while let Some(&byte) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(sign * i64::from(byte - b'0')))
                .ok_or_else(|| self.error("a number out of range"))?;
            at += 1;
        }
        if at == start + usize::from(negative) || bytes.get(at) != Some(&end) {
            return Err(self.error(if end == b';' { "no number" } else { "no text" }));
        }
        self.at = at + 1;
        Ok(value)
    }

    pub fn number(&mut self) -> Result<i64, TokenError> {
        self.digits(b';')
    }

    /// A count of what follows, no more than `most` (a larger one is a lie, not an allocation).
    pub fn count(&mut self, most: usize) -> Result<usize, TokenError> {
        let count = self.number()?;
        usize::try_from(count).ok().filter(|count| *count <= most).ok_or_else(|| self.error("a count out of range"))
    }

    pub fn text(&mut self) -> Result<&'a str, TokenError> {
        let len = self.digits(b':')?;
        let end = usize::try_from(len).ok().and_then(|len| self.at.checked_add(len));
        // `get` is `None` past the end and off a character boundary alike.
        let text = end.and_then(|end| self.text.get(self.at..end)).ok_or_else(|| self.error("a cut text"))?;
        self.at += text.len();
        Ok(text)
    }

    pub fn owned(&mut self) -> Result<String, TokenError> {
        self.text().map(str::to_owned)
    }

    /// Whether an absent text (`~`) is next; it is read if so.
    pub fn absent(&mut self) -> bool {
        let absent = self.text.as_bytes().get(self.at) == Some(&b'~');
        self.at += usize::from(absent);
        absent
    }

    pub fn optional(&mut self) -> Result<Option<String>, TokenError> {
        if self.absent() {
            Ok(None)
        } else {
            self.owned().map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_read_as_documented() {
        let mut out = Writer::with_capacity(0);
        out.number(3000);
        out.number(i64::MIN);
        out.text("say \"hi\"");
        out.optional(None);
        out.optional(Some("é"));
        out.count(2);
        let text = out.finish();
        assert_eq!(text, format!("3000;{};8:say \"hi\"~2:é2;", i64::MIN));
        let mut r = Reader::new(&text);
        assert_eq!(r.number(), Ok(3000));
        assert_eq!(r.number(), Ok(i64::MIN));
        assert_eq!(r.text(), Ok("say \"hi\""));
        assert_eq!(r.optional(), Ok(None));
        assert_eq!(r.optional(), Ok(Some("é".to_string())));
        assert_eq!(r.count(2), Ok(2));
        assert_eq!(r.end("trailing"), Ok(()));
    }

    #[test]
    fn a_wrong_token_is_an_error_at_its_byte() {
        assert_eq!(Reader::new("12").number().map_err(|e| e.to_string()), Err("no number at byte 0".into()));
        assert_eq!(Reader::new("5:abc").text().map_err(|e| e.to_string()), Err("a cut text at byte 2".into()));
        // A length that ends inside a character is cut too ("é" is two bytes).
        assert!(Reader::new("1:é").text().is_err());
        assert!(Reader::new("99999999999999999999;").number().is_err());
        assert!(Reader::new("-;").number().is_err());
        assert!(Reader::new("3;").count(2).is_err(), "more than the most");
        assert!(Reader::new("-1;").count(2).is_err());
        let mut r = Reader::new("1;x");
        assert_eq!(r.number(), Ok(1));
        assert_eq!(r.end("text after the end").map_err(|e| e.to_string()), Err("text after the end at byte 2".into()));
    }
}
