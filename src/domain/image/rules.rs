//! The rules of changing custom images, their shares and their copies. Pure: the actions read
//! what the rules need in their write transaction and ask here.

use crate::domain::outcome::{OutcomeRule, SCRIPTED_ERROR_CODE};
use crate::domain::refusal::{CopyEnd, Refusal};

/// An image may be shared with at most `max_accounts` accounts (`shares`: after the change).
pub fn check_share_quota(shares: usize, max_accounts: usize) -> Result<(), Refusal> {
    if shares > max_accounts {
        Err(Refusal::ShareQuota { max_accounts })
    } else {
        Ok(())
    }
}

/// DeleteImage: a shared image needs `force`; with `dry_run` every check has passed and nothing
/// is deleted.
pub fn check_delete(shared: bool, force: bool, dry_run: bool) -> Result<(), Refusal> {
    if shared && !force {
        return Err(Refusal::ImageShared);
    }
    if dry_run {
        return Err(Refusal::DryRun);
    }
    Ok(())
}

/// CopyImage: the name must be free in the destination, and no other copy of the source to the
/// destination may be in flight (`in_flight`: its ID).
pub fn check_copy(
    name: &str,
    destination: &str,
    name_taken: bool,
    source: &str,
    in_flight: Option<String>,
) -> Result<(), Refusal> {
    if name_taken {
        return Err(Refusal::CopyNameTaken { name: name.into(), region: destination.into() });
    }
    if let Some(other) = in_flight {
        return Err(Refusal::CopyConflict { source: source.into(), destination: destination.into(), other });
    }
    Ok(())
}

/// What a copy fails with when a scripted outcome applies: `"<code>: <message>"`.
pub fn copy_failure(rule: OutcomeRule) -> String {
    let code = rule.error_code.as_deref().unwrap_or(SCRIPTED_ERROR_CODE).to_string();
    let message = rule.message.unwrap_or_else(|| "The scripted outcome failed this copy.".into());
    format!("{code}: {message}")
}

/// CancelCopyImage: only a copy still `Creating` before its ready time can be cancelled.
pub fn check_cancel_copy(status: &str, ready_ms: Option<i64>, failed: bool, now_ms: i64) -> Result<(), Refusal> {
    match (status, ready_ms) {
        ("Creating", Some(ready)) if now_ms < ready => Ok(()),
        ("Creating", Some(_)) if failed => Err(Refusal::CopyNotInFlight(CopyEnd::Failed)),
        ("Creating", Some(_)) => Err(Refusal::CopyNotInFlight(CopyEnd::Completed)),
        _ => Err(Refusal::CopyNotInFlight(CopyEnd::NotCopying)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_rules() {
        assert!(check_share_quota(10, 10).is_ok());
        assert_eq!(check_share_quota(11, 10), Err(Refusal::ShareQuota { max_accounts: 10 }));
        assert_eq!(check_delete(true, false, false), Err(Refusal::ImageShared));
        assert_eq!(check_delete(true, true, true), Err(Refusal::DryRun));
        assert!(check_delete(false, false, false).is_ok());
        assert!(check_cancel_copy("Creating", Some(10), false, 5).is_ok());
        assert_eq!(check_cancel_copy("Creating", Some(10), true, 10), Err(Refusal::CopyNotInFlight(CopyEnd::Failed)));
        assert_eq!(
            check_cancel_copy("Creating", Some(10), false, 10),
            Err(Refusal::CopyNotInFlight(CopyEnd::Completed))
        );
        assert_eq!(check_cancel_copy("Available", None, false, 10), Err(Refusal::CopyNotInFlight(CopyEnd::NotCopying)));
        assert!(matches!(check_copy("n", "r", false, "s", Some("o".into())), Err(Refusal::CopyConflict { .. })));
    }
}
