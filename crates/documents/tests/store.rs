//! The document store on a real local folder: what reaches the disk, what comes back, and what
//! happens when the stored bytes are tampered with, moved, or opened with the wrong key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{MARKER, TempDir, contains, fixture, word_document};
use kinlink_documents::{DocumentStore, Error, KeyError, MasterKey};

const KEY_A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const KEY_A_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const KEY_B: &str = "ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

/// 8 magic + 1 version + 8 key id + 24 + 48 + 24 header, 16 tag.
const OVERHEAD: usize = 129;

fn key(text: &str) -> MasterKey {
    text.parse().unwrap()
}

fn store_in(folder: &TempDir, key_text: &str) -> DocumentStore {
    DocumentStore::local(folder.path(), key(key_text)).unwrap()
}

/// The one file the store wrote under `folder`, as it is on disk.
fn only_file(folder: &TempDir) -> (std::path::PathBuf, Vec<u8>) {
    let mut files = folder.files();
    assert_eq!(files.len(), 1, "{files:?}");
    files.remove(0)
}

#[tokio::test]
async fn a_document_comes_back_exactly_as_it_was_put() {
    let folder = TempDir::new();
    let store = store_in(&folder, KEY_A);
    let report = fixture("report.pdf");

    let stored = store
        .put("/links/42/documents/cpr-1/", &report)
        .await
        .unwrap();
    assert_eq!(stored.path, "links/42/documents/cpr-1");
    assert_eq!(stored.size, 629);
    // From coreutils' sha256sum, not from this crate's own hashing.
    assert_eq!(
        stored.sha256,
        "72b3d5e5621582e042a41a5c4848aeabbbc0c0e66e45c996ffbf3f49361bc00f"
    );
    assert_eq!(store.get(&stored.path).await.unwrap(), report);
    // The same key given as hex, in a store made afresh (a restart), opens it too.
    let restarted = store_in(&folder, KEY_A_HEX);
    assert_eq!(
        restarted.get("links/42/documents/cpr-1").await.unwrap(),
        report
    );
}

#[tokio::test]
async fn what_reaches_the_disk_is_not_the_document() {
    let folder = TempDir::new();
    let store = store_in(&folder, KEY_A);
    // Stored uncompressed, so the marker is there in the plaintext for the disk to show.
    let docx = word_document(MARKER);
    assert!(contains(&docx, MARKER));

    store.put("links/1/documents/par", &docx).await.unwrap();

    let (path, on_disk) = only_file(&folder);
    assert!(path.ends_with("links/1/documents/par"), "{path:?}");
    assert!(!contains(&on_disk, MARKER));
    assert!(!contains(&on_disk, "word/document.xml"));
    assert!(!contains(&on_disk, "Content_Types"));
    assert!(!on_disk.starts_with(b"PK"));
    assert!(on_disk.starts_with(b"KINLDOC\0\x01"));
    assert_eq!(on_disk.len(), docx.len() + OVERHEAD);
}

#[tokio::test]
async fn the_same_file_uploaded_twice_is_stored_as_unrelated_bytes() {
    let folder = TempDir::new();
    let store = store_in(&folder, KEY_A);
    let report = fixture("report.pdf");

    let first = store.put("links/1/documents/a", &report).await.unwrap();
    let second = store.put("links/1/documents/b", &report).await.unwrap();

    let files = folder.files();
    assert_eq!(files.len(), 2);
    let (one, two) = (&files[0].1, &files[1].1);
    assert_ne!(one, two);
    // Past the magic, version and key id, not even a run of 8 bytes is shared.
    let body = |bytes: &Vec<u8>| bytes[17..].to_vec();
    assert!(
        body(one)
            .windows(8)
            .all(|run| !body(two).windows(8).any(|other| other == run))
    );
    assert_eq!(first.sha256, second.sha256);
    assert_eq!(store.get(&first.path).await.unwrap(), report);
    assert_eq!(store.get(&second.path).await.unwrap(), report);
}

#[tokio::test]
async fn a_tampered_object_fails_to_open_with_an_error() {
    let folder = TempDir::new();
    let store = store_in(&folder, KEY_A);
    let stored = store
        .put("links/1/documents/a", &fixture("report.pdf"))
        .await
        .unwrap();
    let (path, original) = only_file(&folder);

    let mut flipped = original.clone();
    flipped[original.len() / 2] ^= 0x20;
    let mut truncated = original.clone();
    truncated.truncate(original.len() - 1);
    let mut extended = original.clone();
    extended.push(0);
    for (what, bytes) in [
        ("one bit flipped", flipped),
        ("one byte cut", truncated),
        ("one byte added", extended),
    ] {
        std::fs::write(&path, &bytes).unwrap();
        let error = store.get(&stored.path).await.unwrap_err();
        assert!(
            matches!(error, Error::NotAuthentic { .. }),
            "{what}: {error:?}"
        );
        assert_eq!(error.code(), "not_authentic");
        assert!(error.to_string().contains("failed its integrity check"));
    }

    // Plaintext dropped in place of the sealed object is not served either.
    std::fs::write(&path, fixture("report.pdf")).unwrap();
    let error = store.get(&stored.path).await.unwrap_err();
    assert!(matches!(error, Error::NotSealed { .. }), "{error:?}");
}

#[tokio::test]
async fn the_wrong_master_key_opens_nothing_and_says_which_key_is_needed() {
    let folder = TempDir::new();
    let sealed_with_a = store_in(&folder, KEY_A);
    let stored = sealed_with_a
        .put("links/1/documents/a", &fixture("report.pdf"))
        .await
        .unwrap();

    let with_b = store_in(&folder, KEY_B);
    let error = with_b.get(&stored.path).await.unwrap_err();
    match &error {
        Error::UnknownKey { key_id, .. } => assert_eq!(*key_id, key(KEY_A).id()),
        other => panic!("{other:?}"),
    }
    assert_eq!(error.code(), "unknown_key");

    // A key that claims A's id but is not A (the header's key id rewritten to B's): still nothing.
    let (path, mut bytes) = only_file(&folder);
    let b_id = with_b.key_id().to_string();
    let b_id: Vec<u8> = (0..8)
        .map(|at| u8::from_str_radix(&b_id[at * 2..at * 2 + 2], 16).unwrap())
        .collect();
    bytes[9..17].copy_from_slice(&b_id);
    std::fs::write(&path, &bytes).unwrap();
    let error = with_b.get(&stored.path).await.unwrap_err();
    assert!(matches!(error, Error::NotAuthentic { .. }), "{error:?}");
}

#[tokio::test]
async fn after_a_key_change_old_documents_open_with_the_retired_key() {
    let folder = TempDir::new();
    let old = store_in(&folder, KEY_A)
        .put("links/1/documents/old", b"sealed under A")
        .await
        .unwrap();

    let store = store_in(&folder, KEY_B).with_retired_key(key(KEY_A));
    let new = store
        .put("links/1/documents/new", b"sealed under B")
        .await
        .unwrap();
    assert_eq!(store.get(&old.path).await.unwrap(), b"sealed under A");
    assert_eq!(store.get(&new.path).await.unwrap(), b"sealed under B");
    // New documents are sealed with the current key only.
    let a_only = store_in(&folder, KEY_A);
    assert!(matches!(
        a_only.get(&new.path).await.unwrap_err(),
        Error::UnknownKey { .. }
    ));
}

#[tokio::test]
async fn a_document_copied_over_another_documents_path_does_not_open() {
    let folder = TempDir::new();
    let store = store_in(&folder, KEY_A);
    let ours = store
        .put("links/1/documents/report", b"the report for link 1")
        .await
        .unwrap();
    let theirs = store
        .put("links/2/documents/report", b"the report for link 2")
        .await
        .unwrap();

    let on_disk = |path: &str| folder.path().join(path);
    std::fs::copy(on_disk(&theirs.path), on_disk(&ours.path)).unwrap();
    let error = store.get(&ours.path).await.unwrap_err();
    assert!(matches!(error, Error::NotAuthentic { .. }), "{error:?}");

    // Nor does a copy at a path of its own.
    std::fs::create_dir_all(on_disk("links/3/documents")).unwrap();
    std::fs::copy(on_disk(&theirs.path), on_disk("links/3/documents/report")).unwrap();
    let error = store.get("links/3/documents/report").await.unwrap_err();
    assert!(matches!(error, Error::NotAuthentic { .. }), "{error:?}");

    // The original, where it belongs, still opens.
    assert_eq!(
        store.get(&theirs.path).await.unwrap(),
        b"the report for link 2"
    );
}

#[tokio::test]
async fn a_document_is_never_replaced() {
    let folder = TempDir::new();
    let store = store_in(&folder, KEY_A);
    store.put("links/1/documents/a", b"first").await.unwrap();
    let error = store
        .put("links/1/documents/a", b"second")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::AlreadyExists { .. }), "{error:?}");
    assert_eq!(store.get("links/1/documents/a").await.unwrap(), b"first");
}

#[tokio::test]
async fn a_deleted_document_is_gone_and_deleting_it_again_succeeds() {
    let folder = TempDir::new();
    let store = store_in(&folder, KEY_A);
    let stored = store.put("links/1/documents/a", b"x").await.unwrap();

    store.delete(&stored.path).await.unwrap();
    assert!(folder.files().is_empty());
    let error = store.get(&stored.path).await.unwrap_err();
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    assert_eq!(error.code(), "not_found");
    store.delete(&stored.path).await.unwrap();
}

#[tokio::test]
async fn paths_that_could_leave_the_folder_are_refused() {
    let folder = TempDir::new();
    let store = store_in(&folder, KEY_A);
    for path in [
        "",
        "/",
        "../outside",
        "links/../../outside",
        "links//a",
        "links/./a",
    ] {
        let error = store.put(path, b"x").await.unwrap_err();
        assert!(
            matches!(error, Error::InvalidPath { .. }),
            "{path:?}: {error:?}"
        );
        assert_eq!(error.code(), "invalid_path");
    }
    assert!(folder.files().is_empty());
}

#[tokio::test]
async fn a_file_url_is_a_local_folder_and_other_urls_are_explained() {
    let folder = TempDir::new();
    let url = format!("file://{}", folder.path().join("documents").display());
    let no_options: [(&str, &str); 0] = [];
    let store = DocumentStore::from_url(&url, no_options, key(KEY_A)).unwrap();
    let stored = store.put("links/1/documents/a", b"x").await.unwrap();
    assert!(folder.path().join("documents").join(&stored.path).is_file());

    let error =
        DocumentStore::from_url(&url, [("aws_region", "eu-west-2")], key(KEY_A)).unwrap_err();
    assert!(error.to_string().contains("aws_region"), "{error}");

    let error = DocumentStore::from_url("ftp://example.org/x", no_options, key(KEY_A)).unwrap_err();
    assert_eq!(
        error.to_string(),
        "The documents storage URL must start with file:// or s3://, not ftp://"
    );
    let error = DocumentStore::from_url("data/documents", no_options, key(KEY_A)).unwrap_err();
    assert!(error.to_string().contains("not a URL"), "{error}");

    #[cfg(not(feature = "s3"))]
    {
        let error =
            DocumentStore::from_url("s3://bucket/documents", no_options, key(KEY_A)).unwrap_err();
        assert!(error.to_string().contains("`s3` feature"), "{error}");
    }
}

#[cfg(feature = "s3")]
#[test]
fn an_s3_url_takes_s3_options_and_refuses_unknown_ones() {
    // Building the store does not touch the network.
    let options = [
        ("aws_endpoint", "http://127.0.0.1:9000"),
        ("aws_allow_http", "true"),
        ("aws_region", "eu-west-2"),
        ("aws_access_key_id", "kinlink"),
        ("aws_secret_access_key", "not-a-real-secret"),
    ];
    let store = DocumentStore::from_url("s3://documents/kinlink", options, key(KEY_A)).unwrap();
    let shown = format!("{store:?}");
    assert!(!shown.contains("not-a-real-secret"), "{shown}");

    let error = DocumentStore::from_url("s3://documents", [("aws_colour", "blue")], key(KEY_A))
        .unwrap_err();
    assert!(error.to_string().contains("aws_colour"), "{error}");
}

#[test]
fn the_master_key_never_shows_in_debug_output() {
    let master = key(KEY_A);
    let folder = TempDir::new();
    let store = DocumentStore::local(folder.path(), key(KEY_A)).unwrap();
    for shown in [
        format!("{master:?}"),
        format!("{master:#?}"),
        format!("{store:?}"),
    ] {
        assert!(shown.contains("[redacted]"), "{shown}");
        assert!(!shown.contains(KEY_A), "{shown}");
        assert!(!shown.contains(&KEY_A[..12]), "{shown}");
        assert!(!shown.contains(&KEY_A_HEX[..16]), "{shown}");
        assert!(!shown.contains("0, 1, 2, 3, 4"), "{shown}");
        assert!(shown.contains(&master.id().to_string()), "{shown}");
    }
}

#[test]
fn a_key_file_is_created_once_readable_by_its_owner_only_and_then_reused() {
    let folder = TempDir::new();
    let path = folder.path().join("data").join("documents.key");
    let created = MasterKey::load_or_create(&path).unwrap();
    let loaded = MasterKey::load_or_create(&path).unwrap();
    assert_eq!(created.id(), loaded.id());
    assert_eq!(MasterKey::load(&path).unwrap().id(), created.id());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.trim().parse::<MasterKey>().unwrap().id(), created.id());
}

#[test]
fn a_missing_or_broken_key_file_is_a_clear_error() {
    let folder = TempDir::new();
    let missing = folder.path().join("documents.key");
    let error = MasterKey::load(&missing).unwrap_err();
    assert!(matches!(error, KeyError::Read { .. }), "{error:?}");
    assert!(error.to_string().contains("documents.key"), "{error}");

    std::fs::write(&missing, "change me").unwrap();
    let error = MasterKey::load_or_create(&missing).unwrap_err();
    assert!(matches!(error, KeyError::Malformed), "{error:?}");
    // The broken file is left for a person to look at, not replaced by a new key.
    assert_eq!(std::fs::read_to_string(&missing).unwrap(), "change me");

    assert!(
        KeyError::Missing
            .to_string()
            .contains("KINLINK_DOCUMENTS_KEY")
    );
}
