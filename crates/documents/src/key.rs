//! The master key: the one secret that unlocks every document's own key.
//!
//! It comes from configuration (`KINLINK_DOCUMENTS_KEY`) in production, or from a key file that
//! the demo creates on first run. It must never be printed: `Debug` shows only its public
//! [`KeyId`], and the parse errors never repeat what they were given.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use data_encoding::{BASE64, BASE64_NOPAD, BASE64URL, BASE64URL_NOPAD, HEXLOWER_PERMISSIVE};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The environment variable that holds the master key in production.
pub const KEY_ENV_VAR: &str = "KINLINK_DOCUMENTS_KEY";

pub(crate) const KEY_LEN: usize = 32;

/// A 32-byte key that wraps (encrypts) each document's own key. Wiped from memory when dropped.
pub struct MasterKey {
    bytes: Zeroizing<[u8; KEY_LEN]>,
    id: KeyId,
}

/// A master key's public name: the first 8 bytes of a SHA-256 of the key. It is written into
/// every stored document so the right key can be found after a key change, and it is safe to
/// log: it says which key, not what key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub(crate) [u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&HEXLOWER_PERMISSIVE.encode(&self.0))
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// Why a master key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "{KEY_ENV_VAR} is not set. Documents are encrypted at rest and cannot be stored or read \
         without the master key: set it to 32 random bytes in base64 (for example the output of \
         `openssl rand -base64 32`), and keep a copy somewhere safe"
    )]
    Missing,
    #[error(
        "The documents master key must be 32 bytes written as base64 (44 characters) or hex \
         (64 characters)"
    )]
    Malformed,
    #[error(
        "The documents master key is a placeholder (every byte is the same): generate a real one, \
         for example with `openssl rand -base64 32`"
    )]
    Placeholder,
    #[error("The operating system's random number generator failed")]
    Random(#[source] getrandom::Error),
    #[error("Could not read the documents key file {}", .path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("Could not create the documents key file {}", .path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl MasterKey {
    /// A new key from the operating system's random generator.
    pub fn generate() -> Result<MasterKey, KeyError> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        getrandom::fill(bytes.as_mut()).map_err(KeyError::Random)?;
        Ok(MasterKey::from_bytes(bytes))
    }

    /// The key from `KINLINK_DOCUMENTS_KEY`; [`KeyError::Missing`] when it is not set, which a
    /// production configuration must treat as fatal.
    pub fn from_env() -> Result<MasterKey, KeyError> {
        match std::env::var(KEY_ENV_VAR) {
            Ok(text) => text.parse(),
            Err(std::env::VarError::NotPresent) => Err(KeyError::Missing),
            Err(std::env::VarError::NotUnicode(_)) => Err(KeyError::Malformed),
        }
    }

    /// The key in a key file written by [`MasterKey::load_or_create`] (or by hand: base64 or hex,
    /// surrounding whitespace ignored).
    pub fn load(path: &Path) -> Result<MasterKey, KeyError> {
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|source| KeyError::Read {
                    path: path.to_owned(),
                    source,
                })?,
            );
        warn_if_others_can_read(path);
        text.parse()
    }

    /// The key in `path`, or a new key written there first (readable by its owner only). For
    /// the demo and single-machine installs: a production configuration should give the key in
    /// `KINLINK_DOCUMENTS_KEY` and fail without it.
    pub fn load_or_create(path: &Path) -> Result<MasterKey, KeyError> {
        match MasterKey::load(path) {
            Err(KeyError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            }
            loaded => return loaded,
        }
        let create_error = |source| KeyError::Create {
            path: path.to_owned(),
            source,
        };
        let key = MasterKey::generate()?;
        if let Some(folder) = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder).map_err(create_error)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = match options.open(path) {
            Ok(file) => file,
            // Another process made it between our read and our write: theirs is the key.
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
                return MasterKey::load(path);
            }
            Err(error) => return Err(create_error(error)),
        };
        let text = Zeroizing::new(format!("{}\n", key.expose_base64().as_str()));
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(create_error)?;
        tracing::warn!(
            path = %path.display(),
            key_id = %key.id(),
            "created a new documents master key; back it up: documents cannot be read without it"
        );
        Ok(key)
    }

    /// The key's public name, safe to log.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The key itself in base64, for writing it to a key file or showing it once to the
    /// operator who generated it. Never log it.
    pub fn expose_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE64.encode(self.bytes.as_ref()))
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }

    fn from_bytes(bytes: Zeroizing<[u8; KEY_LEN]>) -> MasterKey {
        let digest = Sha256::new()
            .chain_update(b"kinlink-documents master key id v1\0")
            .chain_update(bytes.as_ref())
            .finalize();
        let mut id = [0u8; 8];
        id.copy_from_slice(&digest[..8]);
        MasterKey {
            bytes,
            id: KeyId(id),
        }
    }
}

/// Base64 (standard or URL-safe, padded or not) or hex; surrounding whitespace is ignored.
impl FromStr for MasterKey {
    type Err = KeyError;

    fn from_str(text: &str) -> Result<MasterKey, KeyError> {
        let text = text.trim().as_bytes();
        let decoded = [
            &HEXLOWER_PERMISSIVE,
            &BASE64,
            &BASE64_NOPAD,
            &BASE64URL,
            &BASE64URL_NOPAD,
        ]
        .into_iter()
        .find_map(|encoding| encoding.decode(text).ok())
        .map(Zeroizing::new)
        .ok_or(KeyError::Malformed)?;
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        if decoded.len() != KEY_LEN {
            return Err(KeyError::Malformed);
        }
        bytes.copy_from_slice(&decoded);
        // "AAAA…=" or "0000…" is what a config template holds before anyone fills it in.
        if bytes.iter().all(|&byte| byte == bytes[0]) {
            return Err(KeyError::Placeholder);
        }
        Ok(MasterKey::from_bytes(bytes))
    }
}

/// The id only: the key never reaches a log, a panic message or a failed assertion.
impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .field("key", &format_args!("[redacted]"))
            .finish()
    }
}

/// A key file others can read is a finding, not a failure: a mounted secret (Kubernetes, Docker)
/// is often 0644 inside a container that only Kinlink runs in.
fn warn_if_others_can_read(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(metadata) = std::fs::metadata(path)
            && metadata.permissions().mode() & 0o077 != 0
        {
            tracing::warn!(
                path = %path.display(),
                "the documents key file can be read by other users; make it 0600"
            );
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn hex_and_base64_of_the_same_key_are_the_same_key() {
        let from_hex: MasterKey = KEY_HEX.parse().unwrap();
        let from_base64: MasterKey = " AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
            .parse()
            .unwrap();
        let from_upper_hex: MasterKey = KEY_HEX.to_uppercase().parse().unwrap();
        assert_eq!(from_hex.bytes(), from_base64.bytes());
        assert_eq!(from_hex.bytes(), from_upper_hex.bytes());
        assert_eq!(from_hex.id(), from_base64.id());
        assert_eq!(
            *from_hex.expose_base64(),
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
        );
    }

    #[test]
    fn wrong_lengths_and_placeholders_are_refused_without_echoing_the_text() {
        for text in [
            "",
            "abc",
            &KEY_HEX[..62],
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==",
        ] {
            let error = text.parse::<MasterKey>().unwrap_err();
            assert!(matches!(error, KeyError::Malformed), "{text:?}: {error:?}");
        }
        let zeros = "0".repeat(64);
        let error = zeros.parse::<MasterKey>().unwrap_err();
        assert!(matches!(error, KeyError::Placeholder));
        let error = "not a key at all, but a secret-ish sentence"
            .parse::<MasterKey>()
            .unwrap_err();
        assert!(!error.to_string().contains("secret-ish"));
    }

    #[test]
    fn generated_keys_differ_and_have_different_ids() {
        let one = MasterKey::generate().unwrap();
        let two = MasterKey::generate().unwrap();
        assert_ne!(one.bytes(), two.bytes());
        assert_ne!(one.id(), two.id());
    }
}
