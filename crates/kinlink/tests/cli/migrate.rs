//! `kinlink migrate`: applies the embedded migrations once, and refuses a database that a newer
//! Kinlink has already moved on (forward-only migrations: an old binary must not write to it).

use crate::support::Deployment;

#[tokio::test]
async fn migrate_applies_once_then_reports_up_to_date() {
    let site = Deployment::sqlite();
    let out = site.run(&["migrate"]).await;
    assert_eq!(out.code(), Some(0), "{out}");
    assert_eq!(
        out.stdout_lines(),
        [crate::support::all_migrations_applied()],
        "{out}"
    );
    assert!(site.sqlite_path().exists());

    let out = site.run(&["migrate"]).await;
    assert_eq!(out.code(), Some(0), "{out}");
    assert_eq!(out.stdout_lines(), ["The database is up to date."], "{out}");
    assert_eq!(out.stderr, "", "{out}");
}

#[tokio::test]
async fn a_schema_newer_than_the_binary_is_refused_by_migrate_and_serve() {
    let site = Deployment::sqlite();
    assert_eq!(site.run(&["migrate"]).await.code(), Some(0));
    // What a newer Kinlink would leave behind: one more applied migration than this one knows.
    let mut db = site.open_sqlite().await;
    let inserted = sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         SELECT 9999, 'from a newer kinlink', installed_on, success, checksum, execution_time \
         FROM _sqlx_migrations WHERE version = 1",
    )
    .execute(&mut db)
    .await
    .unwrap();
    assert_eq!(inserted.rows_affected(), 1);
    drop(db);

    for args in [
        &["migrate"][..],
        &["serve", "--listen", "127.0.0.1:0"][..],
        &[
            "user",
            "add",
            "--email",
            "a@b.example",
            "--name",
            "A",
            "--role",
            "social_worker",
            "--agency",
            "1",
        ][..],
    ] {
        let out = site.run(args).await;
        let line = out.single_error();
        assert!(
            line.starts_with("error: the database schema is newer than this version of Kinlink"),
            "{args:?}: {out}"
        );
        assert!(line.contains("9999"), "{args:?}: {out}");
        assert!(!out.stdout.contains("serving"), "{args:?}: {out}");
    }
}
