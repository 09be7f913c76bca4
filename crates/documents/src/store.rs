//! Where documents live: an `object_store` (a local folder, or S3-compatible storage with the
//! `s3` feature) that only ever receives sealed bytes.
//!
//! What it must not do: write plaintext anywhere (not even a temporary file: documents are
//! sealed in memory before the store sees them), hand out a document that fails
//! authentication, or decide who may read a document: that is the policy's job, upstream.

use std::sync::Arc;

use data_encoding::HEXLOWER;
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutMode, PutOptions, PutPayload};
use sha2::{Digest, Sha256};

use crate::key::{KeyId, MasterKey};
use crate::sealed::{self, OpenError};

/// Sealed documents in an object store. Share one per process (it is `Send + Sync`; put it in
/// an `Arc`).
#[derive(Debug)]
pub struct DocumentStore {
    objects: Arc<dyn ObjectStore>,
    /// Seals new documents; always the first of the keys that open.
    current: MasterKey,
    /// Keys that open documents sealed before a key change, and seal nothing.
    retired: Vec<MasterKey>,
}

/// What the database keeps about a stored document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredDocument {
    /// Where it is stored, normalised (no leading or trailing `/`); pass it to
    /// [`DocumentStore::get`] and [`DocumentStore::delete`].
    pub path: String,
    /// The document's size in bytes, before encryption.
    pub size: u64,
    /// SHA-256 of the document before encryption, in lowercase hex: for audit entries and for
    /// spotting the same file uploaded twice. It says nothing useful about the content to
    /// anyone without the file.
    pub sha256: String,
}

/// Why the store could not do what was asked. Shown to operators and in logs, not to the social
/// worker, who gets a generic "could not be stored / opened" page and the [`Error::code`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Configuration(String),
    #[error("Could not use {} as the documents folder", .path.display())]
    LocalFolder {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path:?} is not a valid document path")]
    InvalidPath {
        path: String,
        #[source]
        source: object_store::path::Error,
    },
    #[error("A document is already stored at {path}")]
    AlreadyExists { path: String },
    #[error("No document is stored at {path}")]
    NotFound { path: String },
    #[error("The object at {path} is not a Kinlink sealed document")]
    NotSealed { path: String },
    #[error(
        "The document at {path} is in storage format version {version}, which this version of \
         Kinlink cannot read"
    )]
    UnsupportedVersion { path: String, version: u8 },
    #[error(
        "The document at {path} was sealed with master key {key_id}, which is not configured: \
         give that key (as a retired key, after a key change)"
    )]
    UnknownKey { path: String, key_id: KeyId },
    #[error(
        "The document at {path} failed its integrity check: it was altered, damaged, or moved \
         from another document's path"
    )]
    NotAuthentic { path: String },
    #[error("Could not encrypt the document")]
    Seal(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("The documents storage failed")]
    Storage(#[source] object_store::Error),
}

impl Error {
    /// A stable code for the JSON API, logs and metrics; never changes once released.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Configuration(_) | Error::LocalFolder { .. } => "storage_configuration",
            Error::InvalidPath { .. } => "invalid_path",
            Error::AlreadyExists { .. } => "already_exists",
            Error::NotFound { .. } => "not_found",
            Error::NotSealed { .. } => "not_sealed",
            Error::UnsupportedVersion { .. } => "unsupported_version",
            Error::UnknownKey { .. } => "unknown_key",
            Error::NotAuthentic { .. } => "not_authentic",
            Error::Seal(_) => "seal_failed",
            Error::Storage(_) => "storage_failed",
        }
    }
}

impl DocumentStore {
    /// Documents in a folder on this machine, created if missing. Writes are fsynced before
    /// [`DocumentStore::put`] returns: the database row that names a document must not outlive
    /// the document in a crash.
    pub fn local(
        folder: impl AsRef<std::path::Path>,
        master_key: MasterKey,
    ) -> Result<DocumentStore, Error> {
        let folder = folder.as_ref();
        let folder_error = |source| Error::LocalFolder {
            path: folder.to_owned(),
            source,
        };
        std::fs::create_dir_all(folder).map_err(folder_error)?;
        let objects = LocalFileSystem::new_with_prefix(folder)
            .map_err(|error| folder_error(std::io::Error::other(error)))?
            .with_fsync(true)
            // Erasing a link's documents leaves no empty folders named after it.
            .with_automatic_cleanup(true);
        Ok(DocumentStore::new(Arc::new(objects), master_key))
    }

    /// Documents at a storage URL: `file:///var/lib/kinlink/documents`, or (with the `s3`
    /// feature) `s3://bucket/prefix`.
    ///
    /// `options` are passed to the backend: none for `file://`; for `s3://`, `object_store`'s
    /// S3 keys such as `aws_endpoint`, `aws_region`, `aws_access_key_id`,
    /// `aws_secret_access_key` and `aws_allow_http`, on top of the `AWS_*` environment
    /// variables. An unknown option is an error, not ignored.
    pub fn from_url<I, K, V>(
        url: &str,
        options: I,
        master_key: MasterKey,
    ) -> Result<DocumentStore, Error>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: Into<String>,
    {
        // The URL is not repeated in errors: a mistyped one may hold a credential.
        let parsed = url::Url::parse(url).map_err(|_| {
            Error::Configuration(
                "The documents storage URL is not a URL: give file:///a/folder or \
                 s3://bucket/prefix"
                    .to_owned(),
            )
        })?;
        match parsed.scheme() {
            "file" => {
                if let Some((key, _)) = options.into_iter().next() {
                    return Err(Error::Configuration(format!(
                        "Unknown documents storage option {:?}: file:// storage takes none",
                        key.as_ref()
                    )));
                }
                let folder = parsed.to_file_path().map_err(|()| {
                    Error::Configuration(
                        "The documents storage URL must name an absolute folder, as in \
                         file:///var/lib/kinlink/documents"
                            .to_owned(),
                    )
                })?;
                DocumentStore::local(folder, master_key)
            }
            "s3" => s3(&parsed, options, master_key),
            other => Err(Error::Configuration(format!(
                "The documents storage URL must start with file:// or s3://, not {other}://"
            ))),
        }
    }

    /// Also opens documents sealed under `key`, a master key that has been replaced: after a key
    /// change, give the old key here until every document has been sealed again under the new
    /// one. New documents are always sealed with the key the store was made with.
    pub fn with_retired_key(mut self, key: MasterKey) -> DocumentStore {
        self.retired.push(key);
        self
    }

    /// The id of the key new documents are sealed with: for start-up logs and readiness checks.
    pub fn key_id(&self) -> KeyId {
        self.current.id()
    }

    /// Seals `plain` and stores it at `path`, which must be new: a document is never replaced.
    ///
    /// `path` is `/`-separated segments, such as `links/42/documents/<random id>`; use an id
    /// that nobody can guess or reuse. The sealed object is bound to this path.
    pub async fn put(&self, path: &str, plain: &[u8]) -> Result<StoredDocument, Error> {
        let location = location(path)?;
        let sealed = sealed::seal(&self.current, location.as_ref(), plain)
            .map_err(|error| Error::Seal(Box::new(error)))?;
        let options = PutOptions {
            mode: PutMode::Create,
            ..PutOptions::default()
        };
        self.objects
            .put_opts(&location, PutPayload::from(sealed), options)
            .await
            .map_err(|error| storage_error(error, &location))?;
        Ok(StoredDocument {
            path: location.to_string(),
            size: plain.len() as u64,
            sha256: HEXLOWER.encode(&Sha256::digest(plain)),
        })
    }

    /// The document at `path`, decrypted, once it has proved it is exactly what was stored
    /// there.
    pub async fn get(&self, path: &str) -> Result<Vec<u8>, Error> {
        let location = location(path)?;
        let sealed = self
            .objects
            .get(&location)
            .await
            .map_err(|error| storage_error(error, &location))?
            .bytes()
            .await
            .map_err(|error| storage_error(error, &location))?;
        let keys: Vec<&MasterKey> = std::iter::once(&self.current)
            .chain(&self.retired)
            .collect();
        sealed::open(&keys, location.as_ref(), &sealed).map_err(|error| {
            let path = location.to_string();
            match error {
                OpenError::NotSealed => Error::NotSealed { path },
                OpenError::UnsupportedVersion(version) => {
                    Error::UnsupportedVersion { path, version }
                }
                OpenError::UnknownKey(key_id) => Error::UnknownKey { path, key_id },
                OpenError::NotAuthentic => Error::NotAuthentic { path },
            }
        })
    }

    /// Removes the document at `path`. Removing one that is already gone succeeds, so an
    /// erasure that was interrupted can simply be run again.
    pub async fn delete(&self, path: &str) -> Result<(), Error> {
        let location = location(path)?;
        match self.objects.delete(&location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(Error::Storage(error)),
        }
    }

    fn new(objects: Arc<dyn ObjectStore>, current: MasterKey) -> DocumentStore {
        tracing::debug!(store = %objects, key_id = %current.id(), "documents store ready");
        DocumentStore {
            objects,
            current,
            retired: Vec::new(),
        }
    }
}

fn location(path: &str) -> Result<ObjectPath, Error> {
    let location = ObjectPath::parse(path).map_err(|source| Error::InvalidPath {
        path: path.to_owned(),
        source,
    })?;
    if location.as_ref().is_empty() {
        return Err(Error::InvalidPath {
            path: path.to_owned(),
            source: object_store::path::Error::EmptySegment {
                path: path.to_owned(),
            },
        });
    }
    Ok(location)
}

fn storage_error(error: object_store::Error, location: &ObjectPath) -> Error {
    match error {
        object_store::Error::NotFound { .. } => Error::NotFound {
            path: location.to_string(),
        },
        object_store::Error::AlreadyExists { .. } => Error::AlreadyExists {
            path: location.to_string(),
        },
        other => Error::Storage(other),
    }
}

#[cfg(feature = "s3")]
fn s3<I, K, V>(url: &url::Url, options: I, master_key: MasterKey) -> Result<DocumentStore, Error>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: Into<String>,
{
    use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
    use object_store::prefix::PrefixStore;

    // reqwest is built without a crypto provider of its own (see Cargo.toml); ring is the one
    // for this process. An error means one is installed already, which is as good.
    let _ = rustls::crypto::ring::default_provider().install_default();

    let mut builder = AmazonS3Builder::from_env().with_url(url.as_str());
    for (key, value) in options {
        let key = key.as_ref();
        let config_key = key.parse::<AmazonS3ConfigKey>().map_err(|_| {
            Error::Configuration(format!(
                "Unknown documents storage option {key:?} for s3://"
            ))
        })?;
        builder = builder.with_config(config_key, value);
    }
    let bucket = builder.build().map_err(|error| {
        Error::Configuration(format!(
            "The documents storage (S3) is misconfigured: {error}"
        ))
    })?;
    // Sealed objects are bound to their path below the prefix, so a whole prefix can be copied
    // to another bucket and still open.
    let prefix = url.path().trim_matches('/');
    let objects: Arc<dyn ObjectStore> = if prefix.is_empty() {
        Arc::new(bucket)
    } else {
        let prefix = ObjectPath::parse(prefix).map_err(|_| {
            Error::Configuration("The prefix in the documents storage URL is not valid".to_owned())
        })?;
        Arc::new(PrefixStore::new(bucket, prefix))
    };
    Ok(DocumentStore::new(objects, master_key))
}

#[cfg(not(feature = "s3"))]
fn s3<I, K, V>(_: &url::Url, _: I, _: MasterKey) -> Result<DocumentStore, Error>
where
    I: IntoIterator<Item = (K, V)>,
    K: AsRef<str>,
    V: Into<String>,
{
    Err(Error::Configuration(
        "This build of Kinlink cannot store documents in S3: build it with the `s3` feature of \
         kinlink-documents, or give a file:// storage URL"
            .to_owned(),
    ))
}
