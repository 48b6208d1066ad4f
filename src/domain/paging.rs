//! Token pagination of the Describe actions (api-spec §2.10): `MaxResults` 1–500 (default 50) and
//! an opaque `NextToken`. Our token is a keyset cursor (creation time, ID) of the last item
//! returned, so a page costs an index seek whatever the table size. Tokens we did not issue are
//! `403 Invalid.NextToken`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::limits;
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// Where the next page starts: strictly after this (created_ms, id) in newest-first order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_ms: i64,
    pub id: String,
}

const TOKEN_VERSION: &str = "c1";

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{TOKEN_VERSION}:{}:{}", self.created_ms, self.id))
    }

    pub fn decode(token: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let mut parts = text.splitn(3, ':');
        if parts.next()? != TOKEN_VERSION {
            return None;
        }
        let created_ms = parts.next()?.parse().ok()?;
        let id = parts.next()?;
        let well_formed = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        well_formed.then(|| Cursor { created_ms, id: id.to_string() })
    }
}

/// A page request: its size and where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub max_results: i64,
    pub after: Option<Cursor>,
}

impl Page {
    /// Reads `MaxResults` and `NextToken`. Out-of-range `MaxResults` is `400 InvalidParameter`
    /// (api-spec §9 item 5 suggestion).
    pub fn parse(params: &Params) -> ApiResult<Page> {
        let max_results = params.opt_i64("MaxResults")?.unwrap_or(limits::DEFAULT_MAX_RESULTS);
        let (min, max) = limits::MAX_RESULTS;
        if !(min..=max).contains(&max_results) {
            return Err(ApiError::with_message(
                Code::InvalidParameter,
                format!("The specified parameter \"MaxResults\" is not valid. It should be between {min} and {max}."),
            ));
        }
        let after = match params.opt_str("NextToken") {
            None => None,
            Some(token) => Some(Cursor::decode(token).ok_or(Code::InvalidNextToken)?),
        };
        Ok(Page { max_results, after })
    }
}

/// Number paging of the classic ECS actions (DescribeImages): `PageNumber` from 1, `PageSize`
/// 1–100 (default 10). Out of range is `400 InvalidParameter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberPage {
    pub number: i64,
    pub size: i64,
}

impl NumberPage {
    pub fn parse(params: &Params) -> ApiResult<NumberPage> {
        NumberPage::parse_with_default(params, limits::DEFAULT_PAGE_SIZE)
    }

    /// Like [`NumberPage::parse`] for an action whose `PageSize` has another default.
    pub fn parse_with_default(params: &Params, default_size: i64) -> ApiResult<NumberPage> {
        let number = params.opt_i64("PageNumber")?.unwrap_or(1);
        if number < 1 {
            return Err(ApiError::invalid_param("PageNumber"));
        }
        let size = params.opt_i64("PageSize")?.unwrap_or(default_size);
        let (min, max) = limits::PAGE_SIZE;
        if !(min..=max).contains(&size) {
            return Err(ApiError::invalid_param("PageSize"));
        }
        Ok(NumberPage { number, size })
    }

    /// The slice of `items` this page covers.
    pub fn slice<T>(&self, items: Vec<T>) -> Vec<T> {
        let skip = usize::try_from((self.number - 1).saturating_mul(self.size)).unwrap_or(usize::MAX);
        let take = usize::try_from(self.size).unwrap_or(0);
        items.into_iter().skip(skip).take(take).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = Cursor { created_ms: 1_700_000_000_123, id: "ip-abc".into() };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        for bad in [
            "garbage",
            "",
            "AAAAAdDWBF2****",
            &URL_SAFE_NO_PAD.encode("c1:x:ip-1"),
            &URL_SAFE_NO_PAD.encode("c9:1:ip-1"),
        ] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn max_results_bounds() {
        let parse = |q: &str| {
            Page::parse(&Params::from_urlencoded(q.as_bytes()))
                .map(|p| p.max_results)
                .map_err(|e| e.code_str().to_string())
        };
        assert_eq!(parse(""), Ok(50));
        assert_eq!(parse("MaxResults=1"), Ok(1));
        assert_eq!(parse("MaxResults=500"), Ok(500));
        assert_eq!(parse("MaxResults=0"), Err("InvalidParameter".into()));
        assert_eq!(parse("MaxResults=501"), Err("InvalidParameter".into()));
        assert_eq!(parse("NextToken=nope"), Err("Invalid.NextToken".into()));
    }
}
