//! Resource IDs and RequestIds in the shapes Alibaba uses (docs/reference.md §2.9): `ip-` / `ic-` / `m-` /
//! `i-` / `vpc-` / `vsw-` / `vrt-` / `vtb-` + 20 lowercase alphanumerics, `exec-` + 20 lowercase hex, and RequestIds
//! as upper-case UUIDs.

use rand::Rng;

/// The kinds of generated IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ImagePipeline,
    Execution,
    ImageComponent,
    Image,
    Instance,
    Vpc,
    VSwitch,
    VRouter,
    RouteTable,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::ImagePipeline => "ip-",
            Kind::Execution => "exec-",
            Kind::ImageComponent => "ic-",
            Kind::Image => "m-",
            Kind::Instance => "i-",
            Kind::Vpc => "vpc-",
            Kind::VSwitch => "vsw-",
            Kind::VRouter => "vrt-",
            Kind::RouteTable => "vtb-",
        }
    }

    fn alphabet(self) -> &'static [u8] {
        match self {
            Kind::Execution => b"0123456789abcdef",
            _ => b"0123456789abcdefghijklmnopqrstuvwxyz",
        }
    }
}

/// Length of the random part of every resource ID.
const ID_BODY_LEN: usize = 20;

/// A new random resource ID of `kind`.
pub fn new_id(kind: Kind) -> String {
    let alphabet = kind.alphabet();
    let mut rng = rand::thread_rng();
    let mut id = String::with_capacity(kind.prefix().len() + ID_BODY_LEN);
    id.push_str(kind.prefix());
    for _ in 0..ID_BODY_LEN {
        id.push(char::from(alphabet[rng.gen_range(0..alphabet.len())]));
    }
    id
}

/// A new RequestId: an upper-case UUID such as `473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E`.
pub fn new_request_id() -> String {
    // From the thread's generator (seeded once from the OS), not a system call per request.
    upper_uuid(rand::thread_rng().gen())
}

/// `bytes` as an upper-case version-4 UUID.
fn upper_uuid(bytes: [u8; 16]) -> String {
    let mut buffer = uuid::Uuid::encode_buffer();
    uuid::Builder::from_random_bytes(bytes).into_uuid().hyphenated().encode_upper(&mut buffer).to_string()
}

/// Whether `text` has the shape of an Alibaba Cloud account ID (UID): 16 decimal digits. The caller
/// of a numeric access key and the accounts an image is shared with both follow it.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 16 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_documented_shapes() {
        let ip = new_id(Kind::ImagePipeline);
        assert!(ip.starts_with("ip-") && ip.len() == 23);
        assert!(ip[3..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
        let exec = new_id(Kind::Execution);
        assert!(
            exec.starts_with("exec-") && exec[5..].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        let rid = new_request_id();
        assert_eq!(rid.len(), 36);
        assert_eq!(rid, rid.to_uppercase());
    }
}

/// Where IDs come from: random by default; with `--id-seed`, derived from the seed, the account,
/// the kind and a per-(account, kind) counter, so a run's IDs do not depend on what other accounts
/// (or other kinds) do in between. `boot` counts starts of the same database, so a restarted
/// emulator never reissues an ID it issued before (a fresh database is boot 0: fully reproducible).
#[derive(Debug, Default)]
pub struct IdGen {
    seed: Option<(u64, u64)>,
    counters: std::sync::Mutex<std::collections::HashMap<(String, &'static str), u64>>,
}

impl IdGen {
    pub fn random() -> Self {
        IdGen::default()
    }

    pub fn seeded(seed: u64, boot: u64) -> Self {
        IdGen { seed: Some((seed, boot)), counters: Default::default() }
    }

    fn next(&self, account: &str, kind: &'static str) -> Option<[u8; 32]> {
        use sha2::{Digest, Sha256};
        let (seed, boot) = self.seed?;
        let n = {
            let mut counters = self.counters.lock().ok()?;
            let counter = counters.entry((account.to_string(), kind)).or_insert(0);
            *counter += 1;
            *counter
        };
        Some(Sha256::digest(format!("{seed}/{boot}/{account}/{kind}/{n}").as_bytes()).into())
    }

    /// A new resource ID of `kind` for `account`.
    pub fn id(&self, account: &str, kind: Kind) -> String {
        let Some(digest) = self.next(account, kind.prefix()) else { return new_id(kind) };
        let alphabet = kind.alphabet();
        let mut id = String::with_capacity(kind.prefix().len() + ID_BODY_LEN);
        id.push_str(kind.prefix());
        for byte in digest.iter().take(ID_BODY_LEN) {
            id.push(char::from(alphabet[usize::from(*byte) % alphabet.len()]));
        }
        id
    }

    /// A new RequestId for a request of `account`.
    pub fn request_id(&self, account: &str) -> String {
        let Some(digest) = self.next(account, "request") else { return new_request_id() };
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        upper_uuid(bytes)
    }
}

#[cfg(test)]
mod seeded_tests {
    use super::*;

    #[test]
    fn seeded_ids_are_reproducible_per_account_and_kind() {
        let a = IdGen::seeded(7, 0);
        let b = IdGen::seeded(7, 0);
        let first = a.id("1", Kind::ImagePipeline);
        // Other accounts and other kinds in between do not shift the sequence.
        let _ = b.id("2", Kind::ImagePipeline);
        let _ = b.id("1", Kind::Execution);
        let _ = b.request_id("1");
        assert_eq!(b.id("1", Kind::ImagePipeline), first);
        assert_eq!(a.id("1", Kind::ImagePipeline), b.id("1", Kind::ImagePipeline));
        assert!(first.starts_with("ip-") && first.len() == 23);
        assert_ne!(IdGen::seeded(7, 1).id("1", Kind::ImagePipeline), first, "another boot, other IDs");
        assert_ne!(IdGen::seeded(8, 0).id("1", Kind::ImagePipeline), first);
        let rid = IdGen::seeded(7, 0).request_id("1");
        assert_eq!(rid, IdGen::seeded(7, 0).request_id("1"));
        assert_eq!(rid, rid.to_uppercase());
    }
}
