//! HTTPS (`--tls`): the emulator's own local certificate authority and the server certificate it
//! signs, turned into a rustls acceptor for [`crate::serve`].
//!
//! - **The CA is made once and kept.** Its certificate (`ca.pem`) and private key (`ca-key.pem`,
//!   mode 0600) live in the TLS folder: `--tls-dir`, or by default `<db>.tls/` beside the database
//!   (`./ecs-imagebuilder-emulator.db.tls/` for the default database). A client trusts `ca.pem`
//!   once and keeps trusting the emulator across restarts. With `--db :memory:` and no `--tls-dir`
//!   a fresh CA is made in a new temporary folder at each start, like the database itself.
//! - **The server certificate is re-issued at every start**, with a new key, for `localhost`,
//!   `127.0.0.1`, `::1`, the listen address (when it is a specific one) and every `--tls-name`,
//!   valid for [`LEAF_VALIDITY_DAYS`] days. It is kept in memory only.
//! - The CA's subject carries a fingerprint of its public key, so the issuer of each new server
//!   certificate is rebuilt from the saved key alone (no certificate parser needed), and two
//!   emulators' CAs never share a name.
//!
//! The certificates follow what strict verifiers ask for (Python 3.13's `VERIFY_X509_STRICT`,
//! Go's `crypto/x509`, Java's PKIX): a critical CA basic constraint, key usages, subject and
//! authority key identifiers, and the server names as subject alternative names. Keys are ECDSA
//! P-256. Only `http/1.1` is offered over ALPN (the server speaks HTTP/1.1 only).

use std::fs;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};
use tokio_rustls::TlsAcceptor;

use crate::config::Config;

/// The CA certificate's file name in the TLS folder (what clients are told to trust).
pub const CA_CERT_FILE: &str = "ca.pem";
/// The CA private key's file name in the TLS folder.
pub const CA_KEY_FILE: &str = "ca-key.pem";
/// How long a newly made CA is valid.
const CA_VALIDITY_DAYS: i64 = 3650;
/// How long each server certificate is valid (it is re-issued at every start).
pub const LEAF_VALIDITY_DAYS: i64 = 365;

/// HTTPS, ready to serve.
#[derive(Clone)]
pub struct Tls {
    /// Terminates TLS on accepted connections.
    pub acceptor: TlsAcceptor,
    /// The CA certificate clients trust.
    pub ca_path: PathBuf,
    /// The names and addresses in the server certificate.
    pub names: Vec<String>,
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tls").field("ca_path", &self.ca_path).field("names", &self.names).finish_non_exhaustive()
    }
}

/// Loads (or makes, the first time) the CA of `config`'s TLS folder and issues a server
/// certificate for the names `listen` is reached by.
pub fn prepare(config: &Config, listen: SocketAddr) -> Result<Tls, String> {
    let dir = tls_dir(config);
    let key = load_or_create_ca(&dir)?;
    // An absolute path in the start-up line works from any directory a client runs in.
    let dir = fs::canonicalize(&dir).unwrap_or(dir);
    let names = server_names(listen, &config.tls_names);
    let (leaf_der, leaf_key) = issue_leaf(&key, &names)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up: {e}"))?
        .with_no_client_auth()
        .with_single_cert(vec![leaf_der], leaf_key)
        .map_err(|e| format!("TLS set-up: {e}"))?;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Tls { acceptor: TlsAcceptor::from(Arc::new(server)), ca_path: dir.join(CA_CERT_FILE), names })
}

/// `--tls-dir`, else `<db>.tls` beside the database file, else (`:memory:`, a PostgreSQL URL) a
/// new temporary folder.
fn tls_dir(config: &Config) -> PathBuf {
    if let Some(dir) = &config.tls_dir {
        return dir.clone();
    }
    if config.db == ":memory:" || crate::store::Backend::of(&config.db) == crate::store::Backend::Postgres {
        return std::env::temp_dir().join(format!("ecs-imagebuilder-emulator-tls-{}", uuid::Uuid::new_v4().simple()));
    }
    PathBuf::from(format!("{}.tls", config.db))
}

/// The names in the server certificate: the loopback names, the listen address when it is a
/// specific one, then the extra names, each once.
pub fn server_names(listen: SocketAddr, extra: &[String]) -> Vec<String> {
    let mut names: Vec<String> = vec!["localhost".into(), "127.0.0.1".into(), "::1".into()];
    if !listen.ip().is_unspecified() {
        names.push(listen.ip().to_string());
    }
    for name in extra {
        let name = name.trim();
        if !name.is_empty() {
            names.push(name.to_string());
        }
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.to_ascii_lowercase()));
    names
}

/// Reads the CA key of `dir`, or makes a new CA there (certificate and key) when neither file is
/// present. Returns the CA's key; its certificate stays on disk untouched.
fn load_or_create_ca(dir: &Path) -> Result<KeyPair, String> {
    let cert_path = dir.join(CA_CERT_FILE);
    let key_path = dir.join(CA_KEY_FILE);
    match (cert_path.exists(), key_path.exists()) {
        (true, true) => {
            let key_pem =
                fs::read_to_string(&key_path).map_err(|e| format!("cannot read {}: {e}", key_path.display()))?;
            let key =
                KeyPair::from_pem(&key_pem).map_err(|e| format!("{} is not a private key: {e}", key_path.display()))?;
            let cert = CertificateDer::from_pem_file(&cert_path)
                .map_err(|e| format!("{} is not a PEM certificate: {e}", cert_path.display()))?;
            // The certificate must be the one made with this key (its public key is inside it).
            let public = key.public_key_raw();
            if !cert.as_ref().windows(public.len()).any(|w| w == public) {
                return Err(format!(
                    "{} and {} do not belong together: remove both to make a new CA",
                    cert_path.display(),
                    key_path.display()
                ));
            }
            Ok(key)
        }
        (false, false) => create_ca(dir, &cert_path, &key_path),
        _ => Err(format!(
            "{} has only one of {CA_CERT_FILE} and {CA_KEY_FILE}: restore the other or remove both to make a new CA",
            dir.display()
        )),
    }
}

fn create_ca(dir: &Path, cert_path: &Path, key_path: &Path) -> Result<KeyPair, String> {
    let key = KeyPair::generate().map_err(|e| format!("cannot make a CA key: {e}"))?;
    let mut params = ca_params(&key);
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(CA_VALIDITY_DAYS);
    params.serial_number = Some(random_serial());
    let cert = params.self_signed(&key).map_err(|e| format!("cannot make the CA certificate: {e}"))?;
    create_private_dir(dir)?;
    write_file(key_path, key.serialize_pem().as_bytes(), true)?;
    write_file(cert_path, cert.pem().as_bytes(), false)?;
    Ok(key)
}

/// The CA's name and extensions, derived from its key alone (see the module docs).
fn ca_params(key: &KeyPair) -> CertificateParams {
    let fingerprint = hex::encode(&Sha256::digest(key.public_key_raw())[..8]);
    let mut name = DistinguishedName::new();
    name.push(DnType::OrganizationName, "ecs-imagebuilder-emulator");
    name.push(DnType::CommonName, format!("ecs-imagebuilder-emulator local CA {fingerprint}"));
    let mut params = CertificateParams::default();
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
    params
}

/// A server certificate for `names` signed by the CA key, with a new key of its own.
fn issue_leaf(ca_key: &KeyPair, names: &[String]) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>), String> {
    let issuer = Issuer::new(ca_params(ca_key), ca_key);
    let leaf_key = KeyPair::generate().map_err(|e| format!("cannot make a server key: {e}"))?;
    let mut params =
        CertificateParams::new(names.to_vec()).map_err(|e| format!("a --tls-name is not a valid DNS name: {e}"))?;
    let mut subject = DistinguishedName::new();
    subject.push(DnType::OrganizationName, "ecs-imagebuilder-emulator");
    subject.push(DnType::CommonName, names.first().map_or("localhost", String::as_str));
    params.distinguished_name = subject;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::hours(1);
    params.not_after = now + time::Duration::days(LEAF_VALIDITY_DAYS);
    params.serial_number = Some(random_serial());
    let cert = params.signed_by(&leaf_key, &issuer).map_err(|e| format!("cannot sign the server certificate: {e}"))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    Ok((cert.der().clone(), key))
}

/// A positive 16-byte serial number.
fn random_serial() -> SerialNumber {
    let mut bytes: [u8; 16] = rand::random();
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::from_slice(&bytes)
}

fn create_private_dir(dir: &Path) -> Result<(), String> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// Writes a new file (never over an existing one); `private`: readable by its owner only.
fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), String> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if private { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = private;
    let mut file = options.open(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::server_names;

    #[test]
    fn server_names_are_loopback_listen_address_and_extras_once_each() {
        let listen = "127.0.0.1:0".parse().expect("addr");
        let extras = vec!["emulator.test".to_string(), "LOCALHOST".to_string(), " ".to_string()];
        assert_eq!(server_names(listen, &extras), ["localhost", "127.0.0.1", "::1", "emulator.test"]);
        let any = "0.0.0.0:8443".parse().expect("addr");
        assert_eq!(server_names(any, &[]), ["localhost", "127.0.0.1", "::1"]);
        let specific = "192.0.2.7:8443".parse().expect("addr");
        assert_eq!(server_names(specific, &[]), ["localhost", "127.0.0.1", "::1", "192.0.2.7"]);
    }
}
