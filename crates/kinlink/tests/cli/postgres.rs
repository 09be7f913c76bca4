//! Several instances on one PostgreSQL database, as in production: sessions are shared, and
//! concurrent writes through different instances still form one unbroken audit chain.

use crate::support::{DEMO_EMAILS, DEMO_PASSWORD, Deployment};
use kinlink_store::testing::TestDb;

#[tokio::test]
async fn two_instances_share_sessions_and_one_audit_chain() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let site = Deployment::postgres(&db.url);
    let out = site.run(&["migrate"]).await;
    assert_eq!(out.code(), Some(0), "{out}");
    assert_eq!(
        out.stdout_lines(),
        [crate::support::all_migrations_applied()],
        "{out}"
    );
    site.load_demo().await;

    let a = site.serve().await;
    let b = site.serve().await;
    assert_ne!(a.addr, b.addr);

    // Signed in on A, recognised on B.
    let on_a = a
        .browser()
        .signed_in("social.worker@northshire.example", DEMO_PASSWORD)
        .await;
    let mut on_b = on_a.at(b.addr);
    let home = on_b.get("/").await;
    assert_eq!(home.status, 200, "{home:?}");
    assert!(home.body.contains("Welcome, Jordan"), "{}", home.body);

    // Forty sign-ins at once, each an audited write, half through each instance.
    let before = site.intact_entries().await;
    let mut writes = tokio::task::JoinSet::new();
    for round in 0..5 {
        for (k, email) in DEMO_EMAILS.iter().enumerate() {
            let addr = if (round + k) % 2 == 0 { a.addr } else { b.addr };
            writes.spawn(async move {
                crate::support::Browser::new(addr)
                    .signed_in(email, DEMO_PASSWORD)
                    .await;
            });
        }
    }
    let mut made = 0;
    while let Some(done) = writes.join_next().await {
        done.unwrap();
        made += 1;
    }
    assert_eq!(made, 40);
    assert_eq!(site.intact_entries().await, before + made);

    // Signing out on B ends the session everywhere: the same cookie no longer works on A.
    let mut stale_on_a = on_b.at(a.addr);
    let csrf = home.csrf_token().expect("the page carries the CSRF token");
    let out = on_b.post("/sign-out", &[("csrf_token", &csrf)]).await;
    assert_eq!(
        (out.status, out.location()),
        (303, Some("/sign-in")),
        "{out:?}"
    );
    assert_eq!(
        on_b.cookie("kinlink_session"),
        None,
        "the cookie was not cleared"
    );
    let after = stale_on_a.get("/").await;
    assert_eq!(
        (after.status, after.location()),
        (303, Some("/sign-in")),
        "{after:?}"
    );
    assert_eq!(site.intact_entries().await, before + made + 1);
}
