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

    /// How many digits of the ID's time part ([`new_id`]): enough for milliseconds until well past
    /// the year 2500 (36^9 ms ≈ 3 200 years, 16^11 ms ≈ 557 years from 1970).
    fn time_digits(self) -> usize {
        match self {
            Kind::Execution => 11,
            _ => 9,
        }
    }
}

/// Length of the part after the prefix of every resource ID.
const ID_BODY_LEN: usize = 20;

/// A new resource ID of `kind`: the wall clock's milliseconds since the Unix epoch, most significant
/// digit first, then random digits, all in the kind's alphabet (`ip-` + 9 time and 11 random base-36
/// digits; `exec-` + 11 time and 9 random hex digits). The shape is Alibaba's; the order is for the
/// database: every index keyed by a resource ID (the templates', tags', builds', images' and their
/// rows') takes new IDs near its right-hand end, on pages a group commit has already dirtied, instead
/// of on a random page each (README, Performance: a create with two tags and a ClientToken went from
/// ~220 to ~175 µs of CPU). The wall clock, not the emulator's: a manual clock held still would make
/// the IDs random again. Within a millisecond the random part orders them; nothing reads the time
/// back out of an ID.
pub fn new_id(kind: Kind) -> String {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX));
    id_at(kind, now_ms, &mut rand::thread_rng())
}

/// [`new_id`] at `now_ms` with random digits from `rng`.
fn id_at(kind: Kind, now_ms: u64, rng: &mut impl Rng) -> String {
    let alphabet = kind.alphabet();
    let base = u64::try_from(alphabet.len()).unwrap_or(u64::MAX);
    let mut id = String::with_capacity(kind.prefix().len() + ID_BODY_LEN);
    id.push_str(kind.prefix());
    let time_digits = kind.time_digits();
    let mut digits = [0u8; ID_BODY_LEN];
    let mut rest = now_ms;
    for digit in digits[..time_digits].iter_mut().rev() {
        *digit = alphabet[usize::try_from(rest % base).unwrap_or(0)];
        rest /= base;
    }
    for digit in digits[time_digits..].iter_mut() {
        *digit = alphabet[rng.gen_range(0..alphabet.len())];
    }
    id.extend(digits.iter().map(|&d| char::from(d)));
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

    #[test]
    fn ids_begin_with_their_millisecond_so_later_ids_sort_after_earlier_ones() {
        let mut rng = rand::thread_rng();
        // 2026-12-01T00:00:00Z and the next millisecond, and one a year on.
        let times = [1_796_083_200_000u64, 1_796_083_200_001, 1_827_619_200_000];
        for kind in [Kind::ImagePipeline, Kind::Execution, Kind::Image] {
            let ids: Vec<String> = times.iter().map(|&ms| id_at(kind, ms, &mut rng)).collect();
            assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");
            for id in &ids {
                let body = &id[kind.prefix().len()..];
                assert_eq!(body.len(), ID_BODY_LEN, "{id}");
                assert!(body.bytes().all(|b| kind.alphabet().contains(&b)), "{id}");
            }
            // The same millisecond: the same time part, told apart by the random digits.
            let (a, b) = (id_at(kind, times[0], &mut rng), id_at(kind, times[0], &mut rng));
            let time_len = kind.prefix().len() + kind.time_digits();
            assert_eq!(a[..time_len], b[..time_len]);
            assert_ne!(a, b);
        }
        // `new_id` takes the wall clock's millisecond: its time part lies between the clock's
        // readings before and after.
        let wall_ms = || {
            let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970");
            u64::try_from(since.as_millis()).expect("fits")
        };
        let time_part =
            |id: &str| id[..Kind::ImagePipeline.prefix().len() + Kind::ImagePipeline.time_digits()].to_string();
        let (before, id, after) = (wall_ms(), new_id(Kind::ImagePipeline), wall_ms());
        let (low, high) = (id_at(Kind::ImagePipeline, before, &mut rng), id_at(Kind::ImagePipeline, after, &mut rng));
        assert!(time_part(&low) <= time_part(&id) && time_part(&id) <= time_part(&high), "{low} {id} {high}");
        // A millisecond in the year 2500 still fits the time part: no wrap-around to small IDs.
        let year_2500_ms = 16_725_225_600_000u64;
        let late = id_at(Kind::Execution, year_2500_ms, &mut rng);
        assert!(late > id_at(Kind::Execution, times[2], &mut rng), "{late}");
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
