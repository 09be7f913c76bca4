//! `kinlink audit verify`: exit 0 with the count when the chain is whole; exit 1 naming the
//! first bad entry for each way someone with access to the database file could tamper with it.

use crate::support::Deployment;

#[tokio::test]
async fn an_empty_chain_is_intact_and_an_unmigrated_database_is_refused() {
    let site = Deployment::sqlite();
    // An empty file is a SQLite database without Kinlink's schema.
    std::fs::write(site.sqlite_path(), b"").unwrap();
    let out = site.run(&["audit", "verify"]).await;
    assert_eq!(
        out.single_error(),
        "error: this database has no Kinlink schema yet; run `kinlink migrate` first"
    );

    assert_eq!(site.run(&["migrate"]).await.code(), Some(0));
    let (out, count) = site.verify().await;
    assert_eq!(out.code(), Some(0), "{out}");
    assert_eq!(
        out.stdout_lines(),
        ["Audit chain intact: 0 entries verified."]
    );
    assert_eq!(count, Some(0));
}

/// One way of tampering: SQL run against a copy of the demo database, and the line `audit
/// verify` must print. `{n}`, `{n-1}` and `{n+1}` in the line stand for the chain's length.
struct Tampering {
    what: &'static str,
    sql: &'static [&'static str],
    line: &'static str,
}

const TAMPERINGS: &[Tampering] = &[
    Tampering {
        what: "an entry's detail edited",
        sql: &[r#"UPDATE audit_entries SET detail = '{"forged":true}' WHERE seq = 5"#],
        line: "Audit chain BROKEN at entry 5: entry 5 was altered: its contents do not match its hash.",
    },
    Tampering {
        what: "an entry's time moved back a day",
        sql: &["UPDATE audit_entries SET at = at - 86400 WHERE seq = 3"],
        line: "Audit chain BROKEN at entry 3: entry 3 was altered: its contents do not match its hash.",
    },
    Tampering {
        what: "a middle entry deleted",
        sql: &["DELETE FROM audit_entries WHERE seq = 5"],
        line: "Audit chain BROKEN at entry 5: entry 6 is out of place: expected entry 5 (an entry was removed, inserted or reordered).",
    },
    Tampering {
        what: "the last entry deleted",
        sql: &["DELETE FROM audit_entries WHERE seq = (SELECT MAX(seq) FROM audit_entries)"],
        line: "Audit chain BROKEN at entry {n}: the chain ends at entry {n-1} but its head records entry {n} (entries were removed from the end or the head was altered).",
    },
    Tampering {
        what: "two entries' places swapped",
        sql: &[
            "UPDATE audit_entries SET seq = -4 WHERE seq = 4",
            "UPDATE audit_entries SET seq = 4 WHERE seq = 5",
            "UPDATE audit_entries SET seq = 5 WHERE seq = -4",
        ],
        line: "Audit chain BROKEN at entry 4: entry 4 was altered: its contents do not match its hash.",
    },
    Tampering {
        what: "a forged entry appended, linked to the last one, and the head moved to it",
        sql: &[
            FORGE,
            "UPDATE audit_head SET seq = seq + 1, hash = (SELECT hash FROM audit_entries WHERE seq = audit_head.seq + 1)",
        ],
        line: "Audit chain BROKEN at entry {n+1}: entry {n+1} was altered: its contents do not match its hash.",
    },
    Tampering {
        what: "a forged entry appended, linked to the last one, head untouched",
        sql: &[FORGE],
        line: "Audit chain BROKEN at entry {n+1}: entry {n+1} comes after the chain's head (entry {n}): it was added outside Kinlink.",
    },
];

/// A plausible entry after the last: someone granting themselves a user, its `prev_hash`
/// pointing at the real last entry. Without the audit key its own hash cannot be right.
const FORGE: &str = "INSERT INTO audit_entries (seq, at, actor_user_id, actor_role, actor_agency_id, action, \
     record_type, record_id, agency_id, ip, detail, prev_hash, hash) \
     SELECT seq + 1, at + 60, NULL, NULL, NULL, 'user.created', 'user', '99', agency_id, 'cli', '{}', hash, hash \
     FROM audit_entries WHERE seq = (SELECT MAX(seq) FROM audit_entries)";

#[tokio::test]
async fn each_kind_of_tampering_is_caught_at_the_right_entry() {
    let demo = Deployment::sqlite();
    demo.load_demo().await;
    let (out, n) = demo.verify().await;
    assert_eq!(out.code(), Some(0), "{out}");
    let n = n.unwrap();
    assert!(
        n >= 8,
        "the demo should leave a chain of some length: {out}"
    );
    assert_eq!(
        out.stdout_lines(),
        [format!("Audit chain intact: {n} entries verified.")]
    );
    let mut db = demo.open_sqlite().await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_entries")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(rows, n, "verify counted every entry in the table");
    drop(db);

    let mut failures = Vec::new();
    for t in TAMPERINGS {
        let copy = demo.copy();
        let mut db = copy.open_sqlite().await;
        for sql in t.sql {
            let done = sqlx::query(*sql).execute(&mut db).await.unwrap();
            assert!(
                done.rows_affected() > 0,
                "{}: {sql} changed nothing",
                t.what
            );
        }
        drop(db);
        let expected = t
            .line
            .replace("{n-1}", &(n - 1).to_string())
            .replace("{n+1}", &(n + 1).to_string())
            .replace("{n}", &n.to_string());
        let (out, count) = copy.verify().await;
        let line = out.stdout.lines().next().unwrap_or("");
        let right = out.code() == Some(1)
            && count.is_none()
            && out.stdout_lines().len() == 1
            && line == expected;
        if !right {
            failures.push(format!(
                "{}: expected exit 1 and {expected:?}, got {out}",
                t.what
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[tokio::test]
async fn a_lost_audit_key_is_not_silently_replaced() {
    let demo = Deployment::sqlite();
    demo.load_demo().await;
    let key = demo.dir().join("audit.key");
    let saved = std::fs::read_to_string(&key).unwrap();
    std::fs::remove_file(&key).unwrap();
    let out = demo.run(&["audit", "verify"]).await;
    assert_eq!(out.code(), Some(1));
    assert!(
        out.single_error().contains("audit key file")
            && out.single_error().contains("is missing, but the audit log"),
        "{out}"
    );
    assert!(!key.exists(), "no new key was made");
    std::fs::write(&key, saved).unwrap();
    assert!(
        demo.verify().await.1.is_some(),
        "intact again with the key restored"
    );
}

#[tokio::test]
async fn verifying_a_database_that_does_not_exist_creates_nothing() {
    let site = Deployment::sqlite();
    let out = site.run(&["audit", "verify"]).await;
    assert_eq!(out.code(), Some(1));
    assert!(
        out.single_error()
            .starts_with("error: there is no database at"),
        "{out}"
    );
    assert!(!site.sqlite_path().exists());
}

#[tokio::test]
async fn a_head_recorded_outside_catches_entries_removed_with_a_rewound_head() {
    let site = Deployment::sqlite();
    site.load_demo().await;
    let head = site.run(&["audit", "head"]).await;
    assert_eq!(head.code(), Some(0), "{head}");
    let recorded = head.stdout_lines()[0].to_owned();
    let (seq, _) = recorded.split_once(':').unwrap();
    let seq: i64 = seq.parse().unwrap();
    assert_eq!(seq, site.intact_entries().await);

    // Later: two more entries, then someone removes both and rewinds the head row to where
    // it was before them (copying its hash from the table).
    for name in ["Eastmoor Council", "Westdale Council"] {
        let out = site
            .run(&[
                "agency",
                "add",
                "--name",
                name,
                "--kind",
                "local_authority",
                "--region",
                "West",
            ])
            .await;
        assert_eq!(out.code(), Some(0), "{out}");
    }
    let fine = site
        .run(&["audit", "verify", "--expect-head", &recorded])
        .await;
    assert_eq!(fine.code(), Some(0), "{fine}");
    let newer_head = site.run(&["audit", "head"]).await.stdout_lines()[0].to_owned();

    let mut db = site.open_sqlite().await;
    for sql in [
        "DELETE FROM audit_entries WHERE seq > (SELECT seq - 2 FROM audit_head)",
        "UPDATE audit_head SET seq = seq - 2, hash = (SELECT hash FROM audit_entries WHERE seq = audit_head.seq - 2)",
    ] {
        sqlx::query(sql).execute(&mut db).await.unwrap();
    }
    drop(db);
    // Without the recorded head the shorter chain looks intact...
    assert_eq!(site.intact_entries().await, seq);
    // ...with the head recorded after the two additions, it does not.
    let out = site
        .run(&["audit", "verify", "--expect-head", &newer_head])
        .await;
    assert_eq!(out.code(), Some(1), "{out}");
    let newer: i64 = newer_head.split_once(':').unwrap().0.parse().unwrap();
    assert_eq!(
        out.stdout_lines(),
        [format!(
            "Audit chain BROKEN at entry {}: the chain ends at entry {seq}, but entry {newer} was recorded earlier: entries were removed from the end.",
            seq + 1
        )]
    );
    let bad = site
        .run(&["audit", "verify", "--expect-head", "12:nothex"])
        .await;
    assert_eq!(
        bad.single_error(),
        "error: --expect-head takes SEQ:HASH as `kinlink audit head` prints it"
    );
}
