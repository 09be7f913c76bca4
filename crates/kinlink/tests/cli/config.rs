//! Configuration mistakes are refused before anything runs, in one line that says what to fix.

use crate::support::{Deployment, run};

#[tokio::test]
async fn an_unknown_database_scheme_is_refused_naming_the_ones_that_work() {
    let site = Deployment::sqlite();
    let out = site.run(&["--database-url", "mysql://x", "migrate"]).await;
    let line = out.single_error();
    assert!(line.starts_with("error: "), "{out}");
    assert!(
        line.contains("sqlite://") && line.contains("postgres://"),
        "{out}"
    );
    assert_eq!(out.stdout, "", "{out}");
}

#[tokio::test]
async fn a_configuration_file_with_an_unknown_key_is_refused_naming_the_key() {
    let site = Deployment::sqlite();
    let file = site.dir().join("kinlink.toml");
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\ncolour = \"blue\"\n").unwrap();
    let out = site
        .run(&["--config", file.to_str().unwrap(), "migrate"])
        .await;
    let line = out.single_error();
    assert!(line.contains("kinlink.toml"), "{out}");
    assert!(line.contains("colour"), "{out}");
    assert!(!site.sqlite_path().exists(), "a database was created");
}

#[tokio::test]
async fn a_listen_address_that_is_not_one_is_refused_before_the_database_is_touched() {
    let site = Deployment::sqlite();
    let out = site.run(&["serve", "--listen", "nonsense"]).await;
    assert_eq!(
        out.single_error(),
        "error: --listen must be an address and port like 127.0.0.1:8080 or 0.0.0.0:8080, not \"nonsense\""
    );
    assert!(
        !site.sqlite_path().exists(),
        "a database was created (and migrated) for a command that was refused"
    );
}

#[tokio::test]
async fn postgres_without_a_documents_key_is_refused_naming_the_setting() {
    // Port 1: nothing listens there, and nothing should be tried before the key is checked.
    let site = Deployment::sqlite();
    let mut cmd = site.command(&[
        "--database-url",
        "postgres://nobody@127.0.0.1:1/kinlink",
        "serve",
    ]);
    cmd.env("KINLINK_AUDIT_KEY", "an audit key for this test");
    let out = run(cmd).await;
    let line = out.single_error();
    assert!(line.contains("KINLINK_DOCUMENTS_KEY"), "{out}");
}

#[tokio::test]
async fn postgres_without_an_audit_key_is_refused_naming_the_setting() {
    // Port 1: nothing listens there, and nothing should be tried before the key is checked.
    let site = Deployment::sqlite();
    let out = site
        .run(&[
            "--database-url",
            "postgres://nobody@127.0.0.1:1/kinlink",
            "migrate",
        ])
        .await;
    let line = out.single_error();
    assert!(line.contains("KINLINK_AUDIT_KEY"), "{out}");
    assert!(line.contains("audit_key"), "{out}");
}

#[tokio::test]
async fn help_lists_the_commands_and_flags() {
    let site = Deployment::sqlite();
    let out = run(site.command(&["--help"])).await;
    assert_eq!(out.code(), Some(0), "{out}");
    for word in [
        "serve",
        "migrate",
        "demo",
        "user",
        "audit",
        "--config",
        "--database-url",
        "--data-dir",
        "--log-format",
    ] {
        assert!(lists(&out.stdout, word), "--help lacks {word}: {out}");
    }

    let out = run(site.command(&["serve", "--help"])).await;
    assert_eq!(out.code(), Some(0), "{out}");
    for flag in [
        "--listen",
        "--config",
        "--database-url",
        "--data-dir",
        "--log-format",
    ] {
        assert!(lists(&out.stdout, flag), "serve --help lacks {flag}: {out}");
    }
}

/// Whether help text has an entry (a line of its own) for a command or flag.
fn lists(help: &str, item: &str) -> bool {
    help.lines().any(|line| {
        line.trim_start()
            .strip_prefix(item)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
    })
}
