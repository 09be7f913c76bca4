//! The sealed format: one document, encrypted with its own key, that key wrapped by a master
//! key, and the whole bound to the place the document is stored. The layout is in the crate
//! documentation; this module is the only code that knows it.
//!
//! What it must not do: return any byte of plaintext from a sealed document that does not
//! authenticate, or write the data key anywhere but into the wrapped field.

use chacha20poly1305::{AeadInOut, KeyInit, Tag, XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::key::{KEY_LEN, KeyId, MasterKey};

pub(crate) const MAGIC: &[u8; 8] = b"KINLDOC\0";
pub(crate) const VERSION: u8 = 1;

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const KEY_ID_LEN: usize = 8;

const VERSION_AT: usize = MAGIC.len();
const KEY_ID_AT: usize = VERSION_AT + 1;
const KEY_NONCE_AT: usize = KEY_ID_AT + KEY_ID_LEN;
const WRAPPED_KEY_AT: usize = KEY_NONCE_AT + NONCE_LEN;
const KEY_TAG_AT: usize = WRAPPED_KEY_AT + KEY_LEN;
const BODY_NONCE_AT: usize = KEY_TAG_AT + TAG_LEN;
/// Everything before the encrypted document: 113 bytes in version 1.
pub(crate) const HEADER_LEN: usize = BODY_NONCE_AT + NONCE_LEN;

/// Why a document could not be sealed. Neither happens in practice; both are reported, not
/// panicked on.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SealError {
    #[error("the operating system's random number generator failed")]
    Random(#[source] getrandom::Error),
    /// XChaCha20-Poly1305 can encrypt at most 256 GiB under one key and nonce.
    #[error("the document is too large to encrypt in one piece")]
    TooLarge,
}

/// Why a stored object could not be opened.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// Too short for the header, or not starting with [`MAGIC`]: not a sealed document.
    NotSealed,
    /// A later format than this build knows.
    UnsupportedVersion(u8),
    /// Sealed under a master key that is not configured.
    UnknownKey(KeyId),
    /// The wrapped key or the document failed authentication: altered, damaged, or moved from
    /// another document's path.
    NotAuthentic,
}

/// Encrypts `plain` for storage at `path` under a fresh data key, wrapped by `master`.
pub(crate) fn seal(master: &MasterKey, path: &str, plain: &[u8]) -> Result<Vec<u8>, SealError> {
    let mut data_key = Zeroizing::new([0u8; KEY_LEN]);
    getrandom::fill(data_key.as_mut()).map_err(SealError::Random)?;
    let key_nonce = random::<NONCE_LEN>()?;
    let body_nonce = random::<NONCE_LEN>()?;

    let mut sealed = Vec::with_capacity(HEADER_LEN + plain.len() + TAG_LEN);
    sealed.extend_from_slice(MAGIC);
    sealed.push(VERSION);
    sealed.extend_from_slice(&master.id().0);
    sealed.extend_from_slice(&key_nonce);

    let mut wrapped = Zeroizing::new(*data_key);
    let key_tag = cipher(master.bytes())
        .encrypt_inout_detached(
            &XNonce::from(key_nonce),
            &associated_data(&sealed[..WRAPPED_KEY_AT], path),
            wrapped.as_mut_slice().into(),
        )
        .map_err(|_| SealError::TooLarge)?;
    sealed.extend_from_slice(wrapped.as_ref());
    sealed.extend_from_slice(&key_tag);
    sealed.extend_from_slice(&body_nonce);

    // The header is authenticated as a whole with the body, so no field of it can be changed
    // without the document failing to open.
    let header_and_path = associated_data(&sealed[..HEADER_LEN], path);
    sealed.extend_from_slice(plain);
    let body_tag = cipher(&data_key)
        .encrypt_inout_detached(
            &XNonce::from(body_nonce),
            &header_and_path,
            sealed[HEADER_LEN..].as_mut().into(),
        )
        .map_err(|_| SealError::TooLarge)?;
    sealed.extend_from_slice(&body_tag);
    Ok(sealed)
}

/// Decrypts a sealed document stored at `path`, with whichever of `masters` sealed it.
pub(crate) fn open(
    masters: &[&MasterKey],
    path: &str,
    sealed: &[u8],
) -> Result<Vec<u8>, OpenError> {
    if sealed.len() < HEADER_LEN + TAG_LEN || !sealed.starts_with(MAGIC) {
        return Err(OpenError::NotSealed);
    }
    let version = sealed[VERSION_AT];
    if version != VERSION {
        return Err(OpenError::UnsupportedVersion(version));
    }
    let key_id = KeyId(array_at(sealed, KEY_ID_AT));
    let master = masters
        .iter()
        .find(|master| master.id() == key_id)
        .copied()
        .ok_or(OpenError::UnknownKey(key_id))?;

    let mut data_key = Zeroizing::new(array_at::<KEY_LEN>(sealed, WRAPPED_KEY_AT));
    cipher(master.bytes())
        .decrypt_inout_detached(
            &XNonce::from(array_at::<NONCE_LEN>(sealed, KEY_NONCE_AT)),
            &associated_data(&sealed[..WRAPPED_KEY_AT], path),
            data_key.as_mut_slice().into(),
            &Tag::from(array_at::<TAG_LEN>(sealed, KEY_TAG_AT)),
        )
        .map_err(|_| OpenError::NotAuthentic)?;

    let tag_at = sealed.len() - TAG_LEN;
    let mut plain = sealed[HEADER_LEN..tag_at].to_vec();
    // Poly1305 is checked before anything is decrypted, so on failure `plain` still holds
    // ciphertext and is dropped unread.
    cipher(&data_key)
        .decrypt_inout_detached(
            &XNonce::from(array_at::<NONCE_LEN>(sealed, BODY_NONCE_AT)),
            &associated_data(&sealed[..HEADER_LEN], path),
            plain.as_mut_slice().into(),
            &Tag::from(array_at::<TAG_LEN>(sealed, tag_at)),
        )
        .map_err(|_| OpenError::NotAuthentic)?;
    Ok(plain)
}

/// The header so far, then the storage path: a blob copied to another document's path, or
/// given another header, does not open. The header has a fixed length, so the two cannot run
/// into each other.
fn associated_data(header: &[u8], path: &str) -> Vec<u8> {
    [header, path.as_bytes()].concat()
}

fn cipher(key: &[u8; KEY_LEN]) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(key.into())
}

fn random<const N: usize>() -> Result<[u8; N], SealError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(SealError::Random)?;
    Ok(bytes)
}

/// `N` bytes from `at`; callers have checked the length against [`HEADER_LEN`] + [`TAG_LEN`].
fn array_at<const N: usize>(bytes: &[u8], at: usize) -> [u8; N] {
    let mut array = [0u8; N];
    if let Some(field) = bytes.get(at..at + N) {
        array.copy_from_slice(field);
    }
    array
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn key() -> MasterKey {
        MasterKey::generate().unwrap()
    }

    fn fixed_key() -> MasterKey {
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
            .parse()
            .unwrap()
    }

    #[test]
    fn the_header_is_laid_out_as_documented() {
        assert_eq!(HEADER_LEN, 113);
        let master = key();
        let sealed = seal(&master, "links/1/a", b"hello").unwrap();
        assert_eq!(&sealed[..8], b"KINLDOC\0");
        assert_eq!(sealed[8], 1);
        assert_eq!(sealed[9..17], master.id().0);
        assert_eq!(sealed.len(), HEADER_LEN + 5 + TAG_LEN);
    }

    #[test]
    fn every_single_byte_changed_anywhere_fails_to_open() {
        let sealed = seal(&fixed_key(), "links/1/a", b"a short report").unwrap();
        let (other, fixed) = (key(), fixed_key());
        let masters = [&other, &fixed];
        for at in 0..sealed.len() {
            let mut changed = sealed.clone();
            changed[at] ^= 0x01;
            assert!(open(&masters, "links/1/a", &changed).is_err(), "byte {at}");
        }
        assert_eq!(
            open(&masters, "links/1/a", &sealed).unwrap(),
            b"a short report"
        );
    }

    #[test]
    fn an_empty_document_still_authenticates() {
        let master = key();
        let sealed = seal(&master, "p", b"").unwrap();
        assert_eq!(open(&[&master], "p", &sealed).unwrap(), b"");
    }

    #[test]
    fn a_later_version_is_named_not_guessed_at() {
        let master = key();
        let mut sealed = seal(&master, "p", b"x").unwrap();
        sealed[VERSION_AT] = 2;
        assert_eq!(
            open(&[&master], "p", &sealed),
            Err(OpenError::UnsupportedVersion(2))
        );
    }
}
