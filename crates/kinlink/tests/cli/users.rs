//! `kinlink user add`: the operator's way to create accounts. The password is shown once (or
//! read from standard input), the account works in the web service straight away, and every
//! mistake is refused in one line with nothing saved.

use crate::support::Deployment;

const NORTHSHIRE: &str = "Northshire Council";

fn add<'a>(email: &'a str, name: &'a str, role: &'a str, agency: &'a str) -> Vec<&'a str> {
    vec![
        "user", "add", "--email", email, "--name", name, "--role", role, "--agency", agency,
    ]
}

#[tokio::test]
async fn added_users_can_sign_in_with_the_password_shown_or_given() {
    let site = Deployment::sqlite();
    site.load_demo().await;

    let out = site
        .run(&add(
            "avery.quinn@northshire.example",
            "Avery Quinn",
            "social_worker",
            NORTHSHIRE,
        ))
        .await;
    assert_eq!(out.code(), Some(0), "{out}");
    let lines = out.stdout_lines();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(
        lines[0],
        "Added Avery Quinn (avery.quinn@northshire.example) to Northshire Council as Social worker."
    );
    let generated = lines[1]
        .strip_prefix("Password (shown once): ")
        .unwrap_or_else(|| panic!("no password line: {out}"));
    assert!(generated.len() >= 12, "{out}");
    assert!(!out.stderr.contains(generated), "the password was logged");

    // The agency can also be given by its number; the password comes from standard input.
    let chosen = "a long passphrase for kit 2026";
    let mut args = add(
        "Kit.Ashdown@Southvale.example",
        "Kit Ashdown",
        "adopter",
        "2",
    );
    args.extend(["--household", "1", "--password-stdin"]);
    let out = site.run_with_stdin(&args, &format!("{chosen}\n")).await;
    assert_eq!(out.code(), Some(0), "{out}");
    assert_eq!(
        out.stdout_lines(),
        [
            "Added Kit Ashdown (kit.ashdown@southvale.example) to Southvale Adoption Agency as Adopter."
        ],
        "{out}"
    );

    let server = site.serve().await;
    // The person who chose their password goes straight in.
    let mut kit = server
        .browser()
        .signed_in("kit.ashdown@southvale.example", chosen)
        .await;
    let home = kit.get("/").await;
    assert_eq!(home.status, 200, "{home:?}");
    assert!(home.body.contains("Welcome, Kit"), "{}", home.body);
    // A generated password must be replaced first.
    let mut avery = server
        .browser()
        .signed_in("avery.quinn@northshire.example", generated)
        .await;
    let home = avery.get("/").await;
    assert_eq!(home.status, 303, "{home:?}");
    assert_eq!(home.location(), Some("/account/password"));
}

#[tokio::test]
async fn mistakes_are_refused_in_one_line_and_nothing_is_saved() {
    let site = Deployment::sqlite();
    site.load_demo().await;
    let users_before = user_count(&site).await;
    let entries_before = site.intact_entries().await;

    let mut adopter_elsewhere = add("robin@northshire.example", "Robin", "adopter", NORTHSHIRE);
    adopter_elsewhere.extend(["--household", "1"]);
    let mut worker_with_household =
        add("sam@northshire.example", "Sam", "social_worker", NORTHSHIRE);
    worker_with_household.extend(["--household", "1"]);
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            add(
                "Social.Worker@Northshire.example",
                "Jo",
                "social_worker",
                NORTHSHIRE,
            ),
            "error: social.worker@northshire.example is already a Kinlink user",
        ),
        (
            add("wiz@northshire.example", "Wiz", "wizard", NORTHSHIRE),
            "error: unknown role \"wizard\"; expected one of: register_admin, agency_admin, team_manager, social_worker, family_finder, business_support, adopter",
        ),
        (
            add(
                "ed@eastmarch.example",
                "Ed",
                "social_worker",
                "Eastmarch Council",
            ),
            "error: no agency called \"Eastmarch Council\"",
        ),
        (
            add(
                "robin@southvale.example",
                "Robin",
                "adopter",
                "Southvale Adoption Agency",
            ),
            "error: an adopter belongs to a household: give --household NUMBER",
        ),
        (
            adopter_elsewhere,
            "error: household 1 is not in Northshire Council",
        ),
        (
            worker_with_household,
            "error: only adopters belong to a household: leave out --household",
        ),
        (
            add("not-an-email", "Nobody", "social_worker", NORTHSHIRE),
            "error: Enter an email address in the correct format, like name@example.org",
        ),
    ];
    for (args, expected) in cases {
        let out = site.run(&args).await;
        assert_eq!(out.single_error(), expected, "{args:?}");
        assert_eq!(out.stdout, "", "{args:?}: {out}");
    }

    let mut short = add(
        "short@northshire.example",
        "Short",
        "social_worker",
        NORTHSHIRE,
    );
    short.push("--password-stdin");
    let out = site.run_with_stdin(&short, "too short\n").await;
    assert_eq!(
        out.single_error(),
        "error: Password must be 12 characters or more"
    );

    assert_eq!(user_count(&site).await, users_before);
    assert_eq!(site.intact_entries().await, entries_before);
}

async fn user_count(site: &Deployment) -> i64 {
    let mut db = site.open_sqlite().await;
    sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&mut db)
        .await
        .unwrap()
}
