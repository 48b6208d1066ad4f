//! Resource IDs and RequestIds in the shapes Alibaba uses (api-spec §2.9): `ip-` / `ic-` / `m-` /
//! `i-` / `vpc-` / `vsw-` + 20 lowercase alphanumerics, `exec-` + 20 lowercase hex, and RequestIds
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
    uuid::Uuid::new_v4().hyphenated().to_string().to_uppercase()
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
