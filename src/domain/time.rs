//! Timestamps: stored as integer Unix milliseconds, formatted `yyyy-MM-ddTHH:mm:ssZ` (UTC) at the
//! edge, as every Alibaba response shows them (docs/reference.md §2.9).

use time::macros::format_description;
use time::OffsetDateTime;

/// Formats Unix milliseconds as `2020-11-24T06:00:00Z`. The clock never passes
/// [`MAX_CLOCK_MS`](crate::domain::limits::MAX_CLOCK_MS); a later value shows as that instant
/// rather than as a wrong date.
pub fn format_ms(ms: i64) -> String {
    let ms = ms.min(crate::domain::limits::MAX_CLOCK_MS);
    let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_like_alibaba() {
        assert_eq!(super::format_ms(1_606_197_600_000), "2020-11-24T06:00:00Z");
        assert_eq!(super::format_ms(0), "1970-01-01T00:00:00Z");
    }
}
