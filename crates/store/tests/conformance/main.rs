//! The store's conformance suite: what a caller of [`kinlink_store::Store`] may rely on, checked
//! against SQLite and PostgreSQL alike. Each test is written once, as `async fn name(db: &TestDb)`,
//! and `on_both_backends!` makes one `#[tokio::test]` per backend from it. The PostgreSQL run
//! needs `KINLINK_TEST_POSTGRES_URL`; without it, it returns early after a printed notice.
//!
//! Tests go through the store's public API only, except where a test plays someone with direct
//! write access to the database (tampering with the audit chain, blocking an audit write).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

mod adoption_records;
mod agencies;
mod api_tokens;
mod audit_log;
mod child_profiles;
mod concurrency;
mod events;
mod households;
mod links;
mod matching;
mod permits;
mod register_settings;
mod sessions;
mod sign_in_failures;
mod tampering;
mod users;
