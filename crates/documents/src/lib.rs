//! Secure documents for links: the Child Permanence Report, the Prospective Adopter's Report,
//! medical and other reports that social workers exchange once a child and a family are linked.
//!
//! An upload goes through three steps, in this order, and is stored only if all three pass:
//!
//! 1. [`inspect`]: not empty, within the size limit (20 MB by default), and a PDF, a Word
//!    document (`.docx`), or a JPEG, PNG or WebP picture, **judged by its content**: the API
//!    takes no file name or declared type. A ZIP counts as a Word document only if its central
//!    directory lists `[Content_Types].xml` and `word/document.xml`.
//! 2. [`Scanner::check`]: streamed to ClamAV's daemon when one is configured. It **fails
//!    closed**: an unreachable or slow scanner refuses the upload.
//! 3. [`DocumentStore::put`]: sealed in memory, then written to the object store.
//!
//! Refusals are a [`Refused`], whose message is meant for the social worker as it is and whose
//! [`Refused::code`] is stable for the JSON API.
//!
//! # What the store guarantees
//!
//! - **Encrypted at rest.** Only sealed bytes reach storage (local folder or S3); no plaintext
//!   is written anywhere, not even to a temporary file. Each document has its own random
//!   256-bit key and is encrypted with XChaCha20-Poly1305 under a random 192-bit nonce. That
//!   data key is itself encrypted ("wrapped") with XChaCha20-Poly1305 under the [`MasterKey`]
//!   from configuration. The same file uploaded twice is stored as two unrelated byte strings.
//! - **Tamper-evident.** [`DocumentStore::get`] returns a document only if every byte of the
//!   stored object authenticates: a changed byte anywhere, a truncated object or a wrong key is
//!   an [`Error`], never a panic and never partial plaintext.
//! - **Bound to its place.** The storage path is authenticated with the document, so an object
//!   copied over another document's path (one family's report swapped into another link) fails
//!   to open rather than showing the wrong report.
//! - **Self-describing.** The object carries everything needed to open it but the master key:
//!   the database keeps only the path (and, for its own purposes, [`StoredDocument`]'s size and
//!   SHA-256). The master key's public [`KeyId`] is in the header, so a key change can be rolled
//!   out with [`DocumentStore::with_retired_key`].
//!
//! What it does not do: decide who may see a document (the policy does, before the store is
//! asked), render or convert documents, or strip metadata from them (unlike photos, documents
//! are kept exactly as uploaded: they are evidence).
//!
//! # The sealed format, version 1
//!
//! One object per document, at the path the caller chose:
//!
//! | offset | length | field |
//! |-------:|-------:|-------|
//! | 0 | 8 | magic `KINLDOC\0` |
//! | 8 | 1 | format version, `1` |
//! | 9 | 8 | master key id: the first 8 bytes of SHA-256(`"kinlink-documents master key id v1\0"` ‖ master key) |
//! | 17 | 24 | nonce for the wrapped key |
//! | 41 | 48 | data key (32 bytes) encrypted under the master key, then its 16-byte tag |
//! | 89 | 24 | nonce for the document |
//! | 113 | n + 16 | the document encrypted under the data key, then its 16-byte tag |
//!
//! Associated data: the wrapped key authenticates bytes 0..41 followed by the storage path; the
//! document authenticates bytes 0..113 followed by the storage path. The path is the normalised
//! object path (no leading or trailing `/`), relative to the store's folder or bucket prefix,
//! so a whole store can be moved and still open. An object is `129 + n` bytes for an `n`-byte
//! document.
//!
//! # Example
//!
//! ```no_run
//! # async fn upload(bytes: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
//! use kinlink_documents::{DocumentStore, Limits, MasterKey, Scanner, inspect};
//!
//! let store = DocumentStore::local("data/documents", MasterKey::from_env()?)?;
//! let scanner = Scanner::clamd("127.0.0.1:3310")?;
//!
//! let kind = inspect(bytes, Limits::default())?;
//! let verdict = scanner.check(bytes).await?;
//! let stored = store.put("links/42/documents/7f3c9a1e", bytes).await?;
//! // Keep stored.path, stored.size, stored.sha256, kind.mime() and the verdict in the database.
//! let same = store.get(&stored.path).await?;
//! # Ok(())
//! # }
//! ```

mod intake;
mod key;
mod scan;
mod sealed;
mod store;

pub use intake::{Kind, Limits, Refused, inspect};
pub use key::{KEY_ENV_VAR, KeyError, KeyId, MasterKey};
pub use scan::{ClamdAddress, ScanError, Scanner, Verdict};
pub use store::{DocumentStore, Error, StoredDocument};
