//! The web service through its front door: real router, real database, injected clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::http::{Method, StatusCode};
use kinlink_domain::totp::TotpSecret;
use kinlink_web::WebConfig;
use support::{App, PASSWORD, PEOPLE};

// ---- sign-in -------------------------------------------------------------------------------

async fn signs_in_and_out(app: App) {
    let mut b = app.browser();
    let res = b.get("/").await;
    assert_eq!(
        (res.status, res.location()),
        (StatusCode::SEE_OTHER, "/sign-in")
    );
    b.sign_in("social.worker@northshire.example").await;
    let home = b.get("/").await;
    assert!(home.body.contains("Welcome, Social"), "{}", home.body);
    assert!(home.body.contains("Social worker, Northshire Council"));
    assert_eq!(app.last_audit_action().await, "session.signed_in");

    let out = b.post("/sign-out", &[]).await;
    assert_eq!(
        (out.status, out.location()),
        (StatusCode::SEE_OTHER, "/sign-in")
    );
    assert_eq!(app.last_audit_action().await, "session.ended");
    let after = b.get("/").await;
    assert_eq!(after.location(), "/sign-in");
}

#[tokio::test]
async fn signs_in_and_out_sqlite() {
    signs_in_and_out(App::sqlite().await).await;
}

#[tokio::test]
async fn signs_in_and_out_postgres() {
    if let Some(app) = App::postgres().await {
        signs_in_and_out(app).await;
    }
}

#[tokio::test]
async fn a_bad_sign_in_shows_the_error_summary_keeps_the_email_and_stores_no_session() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    b.get("/sign-in").await;
    let empty = b.post("/sign-in", &[("email", ""), ("password", "")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.has_error_summary());
    assert!(
        empty.body.contains("Enter your email address")
            && empty.body.contains("Enter your password")
    );
    assert!(empty.body.contains("<title>Error: Sign in"));

    let wrong = b
        .post(
            "/sign-in",
            &[
                ("email", "Team.Manager@northshire.example"),
                ("password", "not-the-password"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .body
            .contains("Enter a correct email address and password")
    );
    assert!(
        wrong
            .body
            .contains("value=\"Team.Manager@northshire.example\""),
        "the typed email is kept"
    );
    assert_eq!(app.last_audit_action().await, "session.sign_in_failed");
    assert!(b.get("/").await.location().starts_with("/sign-in"));

    let unknown = b
        .post(
            "/sign-in",
            &[("email", "nobody@nowhere.example"), ("password", PASSWORD)],
        )
        .await;
    assert!(
        unknown
            .body
            .contains("Enter a correct email address and password"),
        "no hint whether the account exists"
    );
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_account_and_the_pause_ends() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    for _ in 0..5 {
        let r = b
            .sign_in_with("family.finder@northshire.example", "wrong-password-1")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password is refused during the pause, with a clear message.
    let blocked = b
        .sign_in_with("family.finder@northshire.example", PASSWORD)
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        blocked
            .body
            .contains("too many failed attempts to sign in. Wait 15 minutes")
    );
    // Another account from another address is unaffected.
    let mut other = app.browser();
    other.ip = "192.0.2.99".parse().unwrap();
    other.sign_in("team.manager@northshire.example").await;

    app.clock.advance(15 * 60);
    b.sign_in("family.finder@northshire.example").await;
}

#[tokio::test]
async fn failed_sign_ins_are_throttled_per_address() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    for i in 0..20 {
        b.sign_in_with(&format!("guess{i}@northshire.example"), "wrong-password-1")
            .await;
    }
    let blocked = b
        .sign_in_with("team.manager@northshire.example", PASSWORD)
        .await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    let mut elsewhere = app.browser();
    elsewhere.ip = "198.51.100.7".parse().unwrap();
    elsewhere.sign_in("team.manager@northshire.example").await;
}

#[tokio::test]
async fn a_disabled_account_cannot_sign_in_and_loses_its_sessions() {
    let app = App::sqlite().await;
    let mut worker = app.browser();
    worker.sign_in("social.worker@northshire.example").await;
    let id = app.user("social.worker@northshire.example").await.id;

    let mut admin = app.browser();
    admin.sign_in("agency.admin@northshire.example").await;
    admin.get(&format!("/admin/users/{id}")).await;
    let res = admin.post(&format!("/admin/users/{id}/disable"), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(app.last_audit_action().await, "user.disabled");

    assert_eq!(
        worker.get("/").await.location(),
        "/sign-in",
        "the open session ended"
    );
    let again = worker
        .sign_in_with("social.worker@northshire.example", PASSWORD)
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN);
    assert!(again.body.contains("This account has been disabled"));

    admin.get(&format!("/admin/users/{id}")).await;
    admin.post(&format!("/admin/users/{id}/enable"), &[]).await;
    worker.sign_in("social.worker@northshire.example").await;
}

// ---- sessions ------------------------------------------------------------------------------

#[tokio::test]
async fn sessions_end_after_30_idle_minutes() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    b.sign_in("team.manager@northshire.example").await;
    app.clock.advance(29 * 60);
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    app.clock.advance(29 * 60);
    assert_eq!(
        b.get("/").await.status,
        StatusCode::OK,
        "activity keeps the session alive"
    );
    app.clock.advance(30 * 60);
    let res = b.get("/").await;
    assert_eq!(
        (res.status, res.location()),
        (StatusCode::SEE_OTHER, "/sign-in?expired=1")
    );
    assert_eq!(app.last_audit_action().await, "session.ended");
    let page = b.get("/sign-in?expired=1").await;
    assert!(
        page.body
            .contains("You were signed out because you had not used Kinlink for a while")
    );
    assert_eq!(
        b.get("/").await.location(),
        "/sign-in",
        "the session is gone"
    );
}

#[tokio::test]
async fn sessions_end_after_12_hours_however_busy() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    b.sign_in("team.manager@northshire.example").await;
    // 36 visits 19m59s apart: never idle for 30 minutes, and still under 12 hours in all.
    for visit in 0..36 {
        app.clock.advance(20 * 60 - 1);
        assert_eq!(b.get("/").await.status, StatusCode::OK, "visit {visit}");
    }
    app.clock.advance(60);
    assert_eq!(b.get("/").await.location(), "/sign-in?expired=1");
}

#[tokio::test]
async fn session_limits_are_configurable() {
    let mut config = WebConfig {
        secure_cookies: false,
        ..WebConfig::default()
    };
    config.sessions.idle_seconds = 5 * 60;
    let app = App::with_config(config).await;
    let mut b = app.browser();
    b.sign_in("team.manager@northshire.example").await;
    app.clock.advance(5 * 60);
    assert_eq!(b.get("/").await.location(), "/sign-in?expired=1");
}

#[tokio::test]
async fn cookies_are_http_only_same_site_and_secure_unless_plain_loopback() {
    let app = App::with_config(WebConfig::default()).await;
    let mut b = app.browser();
    let page = b.get("/sign-in").await;
    let cookie = page
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-kinlink_csrf="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} lacks {attr}");
    }
    let res = b
        .post(
            "/sign-in",
            &[
                ("email", "team.manager@northshire.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let session = res.headers.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        session.starts_with("__Host-kinlink_session=")
            && session.contains("Secure")
            && session.contains("HttpOnly"),
        "{session}"
    );

    let plain = App::sqlite().await;
    let cookie = plain
        .browser()
        .get("/sign-in")
        .await
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.starts_with("kinlink_csrf=") && !cookie.contains("Secure"),
        "{cookie}"
    );
}

// ---- CSRF ------------------------------------------------------------------------------------

#[tokio::test]
async fn every_state_changing_route_refuses_a_missing_or_forged_csrf_token() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    b.sign_in("register.admin@register.example").await;
    let before = app.audit_count().await;
    for route in kinlink_web::STATE_CHANGING_ROUTES {
        let missing = b
            .post_without_token(route, &[("name", "X"), ("role", "social_worker")])
            .await;
        assert_eq!(
            missing.status,
            StatusCode::FORBIDDEN,
            "{route} without a token"
        );
        assert!(
            missing.body.contains("This form could not be accepted"),
            "{route}"
        );
        let forged = b
            .post_without_token(route, &[("csrf_token", "forged"), ("name", "X")])
            .await;
        assert_eq!(
            forged.status,
            StatusCode::FORBIDDEN,
            "{route} with a forged token"
        );
    }
    // Another site's page posting with a valid token is refused by its Origin.
    b.get("/account/password").await;
    let token = b.csrf.clone().unwrap();
    let body =
        serde_urlencoded::to_string([("csrf_token", token.as_str()), ("name", "Evil")]).unwrap();
    let cross = b
        .request(
            Method::POST,
            "/admin/api-tokens",
            Some(body),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    let body =
        serde_urlencoded::to_string([("csrf_token", token.as_str()), ("name", "Evil")]).unwrap();
    let opaque = b
        .request(
            Method::POST,
            "/admin/api-tokens",
            Some(body),
            &[("origin", "null")],
        )
        .await;
    assert_eq!(
        opaque.status,
        StatusCode::FORBIDDEN,
        "an opaque origin (sandboxed frame, data: page) is refused"
    );
    assert_eq!(app.audit_count().await, before, "nothing changed");
    // Still signed in, and the real form works.
    b.get("/admin/api-tokens").await;
    assert_eq!(
        b.post("/admin/api-tokens", &[("name", "Case system")])
            .await
            .status,
        StatusCode::OK
    );
    let token = b.csrf.clone().unwrap();
    let body =
        serde_urlencoded::to_string([("csrf_token", token.as_str()), ("name", "Second system")])
            .unwrap();
    let same = b
        .request(
            Method::POST,
            "/admin/api-tokens",
            Some(body),
            &[("origin", "http://kinlink.test")],
        )
        .await;
    assert_eq!(
        same.status,
        StatusCode::OK,
        "the browser's own Origin is accepted"
    );
}

#[tokio::test]
async fn the_sign_in_form_needs_its_csrf_cookie() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    let res = b
        .post_without_token(
            "/sign-in",
            &[
                ("email", "team.manager@northshire.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    // A token without the matching cookie (as a forging site would send) is refused too.
    let res = b
        .post_without_token(
            "/sign-in",
            &[
                ("csrf_token", "abc"),
                ("email", "team.manager@northshire.example"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

// ---- roles and pages ---------------------------------------------------------------------------

/// Which roles may open each page (by the index in PEOPLE); everyone else gets 403 or 404.
fn who_may_open(page: &str) -> &'static [usize] {
    match page {
        "/" | "/account" | "/account/password" | "/account/second-factor" => {
            &[0, 1, 2, 3, 4, 5, 6, 7, 8]
        }
        // User 1 is the register administrator, in the register's own team.
        "/admin/users/1" => &[0],
        "/admin/users" | "/admin/users/new" | "/admin/api-tokens" => &[0, 1, 6],
        "/admin/agencies" | "/admin/agencies/new" | "/admin/register-settings" => &[0],
        // Agency 1 is Northshire.
        "/admin/agencies/1/settings" => &[0, 1],
        "/admin/matching" | "/admin/matching/settings" => &[0],
        "/admin/audit" => &[0, 1, 6],
        // Children's profiles: caseworkers of any agency write their own; nobody here has one
        // yet, so a profile's pages are not found for everyone.
        "/children" | "/children/new" => &[2, 3, 4, 7],
        "/children/1"
        | "/children/1/edit"
        | "/children/1/children/new"
        | "/children/1/children/1/edit"
        | "/children/1/photos/1"
        | "/children/1/suggestions"
        | "/saved-searches/1" => &[],
        "/search/children" => &[0, 2, 3, 4, 7, 8],
        // Families: their agency's social workers and managers; household 1 is Southvale's
        // draft, so only its worker and its own adopter see it, and only the worker edits it.
        "/households" | "/households/new" => &[2, 3, 7],
        "/households/1" => &[7, 8],
        "/households/1/edit" => &[7],
        // Matching suggests children for a draft family too (their worker may look ahead).
        "/households/1/suggestions" => &[7],
        "/households/1/photos/1" => &[],
        "/family" => &[8],
        "/search/households" => &[0, 2, 3, 4, 7],
        // Links: the people who work with children and families, and adopters; there is no
        // link yet, and asking for one needs a child.
        "/links" => &[2, 3, 4, 7, 8],
        "/links/new" | "/links/1" | "/links/1/documents/1" => &[],
        "/notifications" => &[0, 1, 2, 3, 4, 5, 6, 7, 8],
        // Records requests: business support, team managers and social workers; business
        // support and managers take requests in; there is no request yet.
        "/records" => &[2, 3, 5, 7],
        "/records/new" => &[2, 5],
        "/records/1"
        | "/records/1/locked-record"
        | "/records/1/view-log"
        | "/records/1/appointments/1/invitation.ics" => &[],
        // Events: everyone on the Register sees the list; register administrators, team
        // managers and family finders set one up; there is no event yet.
        "/events" => &[0, 2, 3, 4, 7, 8],
        "/events/new" => &[0, 2, 4],
        "/events/1" | "/events/1/edit" | "/events/1/print" | "/events/1/calendar.ics" => &[],
        other => panic!("no expectation for {other}"),
    }
}

#[tokio::test]
async fn every_page_tried_as_every_role() {
    let app = App::sqlite().await;
    // The expectations above rely on the register administrator being user 1.
    let register_admin = app.user("register.admin@register.example").await;
    assert_eq!(register_admin.id, 1);
    for (i, (email, role, _)) in PEOPLE.iter().enumerate() {
        let mut b = app.browser();
        b.sign_in(email).await;
        for page in kinlink_web::PAGES {
            let res = b.get(page).await;
            let allowed = who_may_open(page).contains(&i);
            if allowed {
                assert_eq!(res.status, StatusCode::OK, "{role} should open {page}");
            } else {
                assert!(
                    res.status == StatusCode::FORBIDDEN || res.status == StatusCode::NOT_FOUND,
                    "{role} must not open {page}: got {}",
                    res.status
                );
            }
        }
    }
}

#[tokio::test]
async fn each_role_sees_only_its_navigation() {
    let app = App::sqlite().await;
    let expect: &[(&str, &[&str])] = &[
        (
            "register.admin@register.example",
            &[
                "Dashboard",
                "Users",
                "Agencies",
                "Register settings",
                "Matching",
                "Audit log",
            ],
        ),
        (
            "agency.admin@northshire.example",
            &[
                "Dashboard",
                "Users",
                "Agency settings",
                "Audit log",
                "API tokens",
            ],
        ),
        ("team.manager@northshire.example", &["Dashboard"]),
        ("adopter@southvale.example", &["Dashboard"]),
    ];
    let all = [
        "Users",
        "Agencies",
        "Agency settings",
        "Register settings",
        "Matching",
        "Audit log",
        "API tokens",
    ];
    for (email, items) in expect {
        let mut b = app.browser();
        b.sign_in(email).await;
        let home = b.get("/").await;
        let nav_start = home.body.find("govuk-service-navigation__list").unwrap();
        let nav_end = nav_start + home.body[nav_start..].find("</ul>").unwrap();
        let nav = &home.body[nav_start..nav_end];
        for item in all {
            assert_eq!(
                nav.contains(&format!(">{item}<")),
                items.contains(&item),
                "{email}: {item}"
            );
        }
    }
}

// ---- administration ----------------------------------------------------------------------------

/// Submits the "Add a user" form.
async fn add_user(
    admin: &mut support::Browser<'_>,
    agency: i64,
    name: &str,
    email: &str,
    role: &str,
) -> support::Response {
    let agency = agency.to_string();
    admin
        .post(
            "/admin/users/new",
            &[
                ("agency", &agency),
                ("name", name),
                ("email", email),
                ("role", role),
            ],
        )
        .await
}

#[tokio::test]
async fn an_agency_admin_adds_a_user_who_can_then_sign_in() {
    let app = App::sqlite().await;
    let mut admin = app.browser();
    admin.sign_in("agency.admin@northshire.example").await;
    admin.get("/admin/users/new").await;
    let before = app.audit_count().await;
    let bad = add_user(&mut admin, app.north.id, "", "not-an-email", "").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.has_error_summary());
    for message in [
        "Enter the person&#39;s full name",
        "Enter an email address in the correct format",
        "Choose a role",
    ] {
        assert!(
            bad.body.contains(message) || bad.body.contains(&message.replace("&#39;", "'")),
            "missing {message}"
        );
    }
    assert!(bad.body.contains("value=\"not-an-email\""));
    assert_eq!(app.audit_count().await, before, "nothing stored");

    // Agency admins cannot make register administrators, even by editing the form.
    let sneaky = add_user(
        &mut admin,
        app.north.id,
        "Eve",
        "eve@northshire.example",
        "register_admin",
    )
    .await;
    assert_eq!(sneaky.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nor add users to another agency.
    let other = add_user(
        &mut admin,
        app.south.id,
        "Eve",
        "eve@southvale.example",
        "social_worker",
    )
    .await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);

    let ok = add_user(
        &mut admin,
        app.north.id,
        "Dana Fairweather",
        "Dana.Fairweather@Northshire.example",
        "family_finder",
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.body.contains("User added"));
    let start = ok.body.find("kinlink-secret\">").unwrap() + "kinlink-secret\">".len();
    let password = ok.body[start..start + ok.body[start..].find('<').unwrap()].to_owned();
    assert_eq!(app.last_audit_action().await, "user.created");

    let dup = add_user(
        &mut admin,
        app.north.id,
        "Dana Again",
        "dana.fairweather@northshire.example",
        "family_finder",
    )
    .await;
    assert!(dup.body.contains("Someone already uses this email address"));

    let mut dana = app.browser();
    let res = dana
        .sign_in_with("dana.fairweather@northshire.example", &password)
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    // A password someone else chose is replaced before anything else.
    assert_eq!(dana.get("/").await.location(), "/account/password");
    assert_eq!(
        dana.get("/admin/users").await.location(),
        "/account/password"
    );
    let form = dana.get("/account/password").await;
    assert!(form.body.contains("a password someone else chose for you"));
    assert!(
        !form.body.contains("govuk-service-navigation__list"),
        "no way around it"
    );
    let same = dana
        .post(
            "/account/password",
            &[
                ("current_password", &password),
                ("new_password", &password),
                ("confirm_password", &password),
            ],
        )
        .await;
    assert!(
        same.body
            .contains("must be different from your current one")
    );
    let changed = dana
        .post(
            "/account/password",
            &[
                ("current_password", &password),
                ("new_password", "three unrelated words"),
                ("confirm_password", "three unrelated words"),
            ],
        )
        .await;
    assert_eq!(changed.location(), "/account?done=password");
    assert!(dana.get("/").await.body.contains("Welcome, Dana"));
    assert!(
        !app.user("dana.fairweather@northshire.example")
            .await
            .password_must_change
    );
}

#[tokio::test]
async fn roles_change_and_admins_cannot_act_on_themselves_or_other_agencies() {
    let app = App::sqlite().await;
    let mut admin = app.browser();
    admin.sign_in("agency.admin@northshire.example").await;
    let worker = app.user("social.worker@northshire.example").await;
    admin.get(&format!("/admin/users/{}", worker.id)).await;
    let res = admin
        .post(
            &format!("/admin/users/{}/role", worker.id),
            &[("role", "team_manager")],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.user("social.worker@northshire.example").await.role,
        kinlink_domain::Role::TeamManager
    );
    assert_eq!(app.last_audit_action().await, "user.role_changed");

    let me = app.user("agency.admin@northshire.example").await;
    let own = admin
        .post(&format!("/admin/users/{}/disable", me.id), &[])
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert!(own.body.contains("you cannot do this to your own account"));

    let southern = app.user("social.worker@southvale.example").await;
    assert_eq!(
        admin
            .get(&format!("/admin/users/{}", southern.id))
            .await
            .status,
        StatusCode::NOT_FOUND,
        "other agencies' people are not revealed"
    );
    assert_eq!(
        admin
            .post(&format!("/admin/users/{}/disable", southern.id), &[])
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !app.user("social.worker@southvale.example")
            .await
            .is_disabled()
    );
}

#[tokio::test]
async fn register_admins_add_agencies_and_change_register_settings() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    b.sign_in("register.admin@register.example").await;
    b.get("/admin/agencies/new").await;
    let bad = b
        .post(
            "/admin/agencies/new",
            &[
                ("name", "Northshire Council"),
                ("kind", "local_authority"),
                ("region", "North West"),
            ],
        )
        .await;
    assert!(
        bad.body
            .contains("An agency with this name is already on the register")
    );
    let bad = b
        .post(
            "/admin/agencies/new",
            &[("name", ""), ("kind", "register"), ("region", "")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Choose what kind of agency this is"));
    let ok = b
        .post(
            "/admin/agencies/new",
            &[
                ("name", "Eastmoor Adoption Partnership"),
                ("kind", "regional_adoption_agency"),
                ("region", "East"),
                ("mfa_required", "yes"),
            ],
        )
        .await;
    assert_eq!(
        (ok.status, ok.location()),
        (StatusCode::SEE_OTHER, "/admin/agencies?done=created")
    );
    assert!(
        b.get("/admin/agencies")
            .await
            .body
            .contains("Eastmoor Adoption Partnership")
    );

    b.get("/admin/register-settings").await;
    let bad = b
        .post(
            "/admin/register-settings",
            &[
                ("max_open_links_per_household", "six"),
                ("max_exploring_links_per_child", "0"),
                ("link_response_working_days", "10"),
            ],
        )
        .await;
    assert!(
        bad.body.contains("must be a whole number")
            && bad.body.contains("must be between 1 and 50")
    );
    assert!(bad.body.contains("value=\"six\""));
    assert_eq!(
        app.store
            .register_settings()
            .await
            .unwrap()
            .max_open_links_per_household,
        6
    );
    b.post(
        "/admin/register-settings",
        &[
            ("max_open_links_per_household", "5"),
            ("max_exploring_links_per_child", "2"),
            ("link_response_working_days", "8"),
            ("link_expiry_working_days", "4"),
            ("profile_review_days", "45"),
            ("records_grant_days", "60"),
            ("records_retention_years", "99"),
            ("records_escalation_working_days", "2"),
        ],
    )
    .await;
    assert_eq!(
        app.store
            .register_settings()
            .await
            .unwrap()
            .records_retention_years,
        100,
        "fewer than 100 years is refused, and nothing is saved"
    );
    b.post(
        "/admin/register-settings",
        &[
            ("max_open_links_per_household", "5"),
            ("max_exploring_links_per_child", "2"),
            ("link_response_working_days", "8"),
            ("link_expiry_working_days", "4"),
            ("profile_review_days", "45"),
            ("records_grant_days", "60"),
            ("records_retention_years", "110"),
            ("records_escalation_working_days", "2"),
        ],
    )
    .await;
    let s = app.store.register_settings().await.unwrap();
    assert_eq!(
        (
            s.max_open_links_per_household,
            s.max_exploring_links_per_child,
            s.link_response_working_days,
            s.link_expiry_working_days,
            s.profile_review_days,
            s.records_grant_days,
            s.records_retention_years,
            s.records_escalation_working_days
        ),
        (5, 2, 8, 4, 45, 60, 110, 2)
    );
    assert_eq!(app.last_audit_action().await, "register.settings_changed");
}

#[tokio::test]
async fn the_audit_log_shows_each_admin_their_scope() {
    let app = App::sqlite().await;
    let mut south = app.browser();
    south.sign_in("social.worker@southvale.example").await;
    let mut north = app.browser();
    north.sign_in("agency.admin@northshire.example").await;
    let log = north.get("/admin/audit").await;
    assert!(
        log.body
            .contains("What happened in or to Northshire Council")
    );
    assert!(log.body.contains("session.signed_in"));
    assert!(
        !log.body.contains("Southvale")
            && !log.body.contains(&format!(
                "user {}",
                app.user("social.worker@southvale.example").await.id
            ))
    );
    let mut reg = app.browser();
    reg.sign_in("register.admin@register.example").await;
    let all = reg.get("/admin/audit").await;
    assert!(all.body.contains("Everything on the register"));
    assert!(all.body.contains(&format!(
        "user {} (social worker)",
        app.user("social.worker@southvale.example").await.id
    )));
}

// ---- second factor ------------------------------------------------------------------------------

fn secret_from(page: &str) -> TotpSecret {
    let start = page.find("kinlink-secret\">").unwrap() + "kinlink-secret\">".len();
    let text = &page[start..start + page[start..].find('<').unwrap()];
    TotpSecret::from_base32(text).unwrap()
}

#[tokio::test]
async fn staff_enrol_an_authenticator_and_then_need_a_code_that_cannot_be_replayed() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    b.sign_in("team.manager@northshire.example").await;
    let enrol = b.get("/account/second-factor").await;
    assert!(enrol.body.contains("<svg"), "a QR code is shown");
    let secret = secret_from(&enrol.body);
    let wrong = b
        .post("/account/second-factor", &[("code", "000000")])
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.has_error_summary());
    assert_eq!(
        secret_from(&wrong.body),
        secret,
        "the same secret is offered until it is confirmed"
    );
    let now = app.clock.as_ref();
    let code = secret.code_at_step(kinlink_domain::Clock::now(now) / 30);
    let ok = b.post("/account/second-factor", &[("code", &code)]).await;
    assert_eq!(ok.location(), "/account?done=second-factor");
    assert_eq!(app.last_audit_action().await, "user.second_factor_enabled");
    b.post("/sign-out", &[]).await;

    // Next sign-in asks for a code; the code just used does not work again.
    let res = b
        .sign_in_with("team.manager@northshire.example", PASSWORD)
        .await;
    assert_eq!(res.location(), "/sign-in/code");
    assert_eq!(
        b.get("/").await.location(),
        "/sign-in/code",
        "nothing else until the code is given"
    );
    b.get("/sign-in/code").await;
    let replay = b.post("/sign-in/code", &[("code", &code)]).await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(
        replay
            .body
            .contains("The code is not correct or has already been used")
    );
    app.clock.advance(30);
    let fresh = secret.code_at_step(kinlink_domain::Clock::now(app.clock.as_ref()) / 30);
    let ok = b.post("/sign-in/code", &[("code", &fresh)]).await;
    assert_eq!(ok.location(), "/");
    assert_eq!(b.get("/").await.status, StatusCode::OK);

    // An administrator resets it; the person's sessions end.
    let mut admin = app.browser();
    admin.sign_in("agency.admin@northshire.example").await;
    let id = app.user("team.manager@northshire.example").await.id;
    admin.get(&format!("/admin/users/{id}")).await;
    admin
        .post(&format!("/admin/users/{id}/reset-second-factor"), &[])
        .await;
    assert!(
        !app.user("team.manager@northshire.example")
            .await
            .has_second_factor()
    );
    assert_eq!(b.get("/").await.location(), "/sign-in");
}

#[tokio::test]
async fn an_agency_that_requires_a_second_factor_sends_staff_to_enrol_first() {
    let app = App::sqlite().await;
    let mut admin = app.browser();
    admin.sign_in("agency.admin@northshire.example").await;
    let path = format!("/admin/agencies/{}/settings", app.north.id);
    admin.get(&path).await;
    let res = admin
        .post(
            &path,
            &[
                ("link_follow_up", "family_finding_team"),
                ("mfa_required", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let north = app.store.agency(app.north.id).await.unwrap();
    assert!(north.mfa_required);
    assert_eq!(north.link_follow_up.as_str(), "family_finding_team");

    let mut worker = app.browser();
    let res = worker
        .sign_in_with("social.worker@northshire.example", PASSWORD)
        .await;
    assert_eq!(res.location(), "/account/second-factor");
    assert_eq!(worker.get("/").await.location(), "/account/second-factor");
    assert_eq!(
        worker.get("/admin/audit").await.location(),
        "/account/second-factor"
    );
    // Adopters are not staff and are not asked.
    let mut adopter = app.browser();
    adopter.sign_in("adopter@southvale.example").await;
}

// ---- API -------------------------------------------------------------------------------------------

#[tokio::test]
async fn api_tokens_are_shown_once_scoped_to_the_agency_and_revocable() {
    let app = App::sqlite().await;
    let mut admin = app.browser();
    admin.sign_in("agency.admin@northshire.example").await;
    admin.get("/admin/api-tokens").await;
    let empty = admin.post("/admin/api-tokens", &[("name", " ")]).await;
    assert!(empty.has_error_summary());
    let made = admin
        .post("/admin/api-tokens", &[("name", "Case system")])
        .await;
    let start = made.body.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
    let token = made.body[start..start + made.body[start..].find('<').unwrap()].to_owned();
    assert!(token.starts_with("klk_"));
    assert!(
        !admin.get("/admin/api-tokens").await.body.contains(&token),
        "shown only once"
    );

    let mut api = app.browser();
    let bearer = format!("Bearer {token}");
    let me = api
        .request(
            Method::GET,
            "/api/v1/agency",
            None,
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json()["name"], "Northshire Council");
    let users = api
        .request(
            Method::GET,
            "/api/v1/users",
            None,
            &[("authorization", &bearer)],
        )
        .await
        .json();
    let emails: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert!(emails.contains(&"social.worker@northshire.example"));
    assert!(
        emails.iter().all(|e| e.ends_with("@northshire.example")),
        "only the token's agency: {emails:?}"
    );

    let id = app
        .store
        .api_tokens(&kinlink_domain::policy::Permit::for_operator(
            kinlink_domain::policy::Action::ManageApiTokens {
                agency: app.north.id,
            },
        ))
        .await
        .unwrap()[0]
        .id;
    admin.get("/admin/api-tokens").await;
    admin
        .post(&format!("/admin/api-tokens/{id}/revoke"), &[])
        .await;
    assert_eq!(app.last_audit_action().await, "api_token.revoked");
    let gone = api
        .request(
            Method::GET,
            "/api/v1/agency",
            None,
            &[("authorization", &bearer)],
        )
        .await;
    assert_eq!(gone.status, StatusCode::UNAUTHORIZED);
    assert_eq!(gone.json()["code"], "unauthenticated");
}

#[tokio::test]
async fn the_api_answers_in_json_with_stable_codes_and_ignores_cookies() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    b.sign_in("agency.admin@northshire.example").await;
    let res = b.get("/api/v1/users").await;
    assert_eq!(
        res.status,
        StatusCode::UNAUTHORIZED,
        "a session cookie is not an API credential"
    );
    assert_eq!(res.json()["code"], "unauthenticated");
    let missing = b.get("/api/v1/nothing-here").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["code"], "not_found");
    let doc = b.get("/api/v1/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    for path in ["/agency", "/users", "/openapi.json"] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
}

// ---- bad input, errors, operations -----------------------------------------------------------------

#[tokio::test]
async fn unknown_pages_get_the_404_page_and_oversized_bodies_get_413() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    let res = b.get("/no/such/page").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.h1(), "Page not found");
    assert!(
        res.body.contains("govuk-frontend.min.css"),
        "in the service's style"
    );

    b.get("/sign-in").await;
    let huge = "x".repeat(100 * 1024);
    let res = b
        .post("/sign-in", &[("email", &huge), ("password", "x")])
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    for path in [
        "/sign-in",
        "/no-such-page",
        "/healthz",
        "/api/v1/openapi.json",
        "/assets/kinlink.css",
    ] {
        let res = b.get(path).await;
        let h = |name: &str| {
            res.headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let csp = h("content-security-policy");
        assert!(
            csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline")
                && csp.contains("frame-ancestors 'none'"),
            "{path}: {csp}"
        );
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "same-origin", "{path}");
        assert!(
            h("strict-transport-security").is_empty(),
            "no HSTS over plain HTTP"
        );
    }
    let tls = App::with_config(WebConfig {
        behind_tls: true,
        ..WebConfig::default()
    })
    .await;
    let res = tls.browser().get("/sign-in").await;
    assert!(res.headers.get("strict-transport-security").is_some());
}

#[tokio::test]
async fn pages_have_no_inline_script() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    b.sign_in("register.admin@register.example").await;
    for page in kinlink_web::PAGES {
        let res = b.get(page).await;
        let mut rest = res.body.as_str();
        while let Some(i) = rest.find("<script") {
            let tag_end = i + rest[i..].find('>').unwrap();
            assert!(
                rest[i..tag_end].contains("src="),
                "{page} has an inline script"
            );
            rest = &rest[tag_end..];
        }
    }
}

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    assert_eq!(b.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(b.get("/readyz").await.status, StatusCode::OK);
    b.sign_in("team.manager@northshire.example").await;
    let m = b.get("/metrics").await.body;
    assert!(
        m.contains("kinlink_http_requests_total{method=\"GET\",route=\"/\",status=\"200\"} 1"),
        "{m}"
    );
    assert!(m.contains(
        "kinlink_http_requests_total{method=\"POST\",route=\"/sign-in\",status=\"303\"} 1"
    ));
    assert!(m.contains("kinlink_http_request_duration_seconds_bucket{route=\"/\",le=\"+Inf\"} 1"));
    assert!(m.contains("kinlink_db_pool_connections"));
}

#[tokio::test]
async fn an_unreachable_database_gives_503_and_a_clear_page() {
    use kinlink_store::{Store, StoreOptions};
    let options = StoreOptions {
        max_connections: 2,
        acquire_timeout: std::time::Duration::from_secs(2),
    };
    // Nothing listens on port 1: connections are refused at once.
    let store = Store::connect(
        "postgres://postgres@127.0.0.1:1/kinlink",
        &options,
        std::sync::Arc::new(kinlink_domain::SystemClock),
        kinlink_store::testing::audit_key(),
    )
    .await
    .unwrap();
    let router = kinlink_web::router(kinlink_web::AppState::new(
        store,
        WebConfig {
            secure_cookies: false,
            ..WebConfig::default()
        },
    ));
    use tower::ServiceExt;
    let get = |path: &str| {
        axum::http::Request::builder()
            .uri(path)
            .header("cookie", "kinlink_session=abc")
            .body(axum::body::Body::empty())
            .unwrap()
    };
    let ready = router.clone().oneshot(get("/readyz")).await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let page = router.clone().oneshot(get("/")).await.unwrap();
    assert_eq!(page.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = http_body_util::BodyExt::collect(page.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("Sorry, Kinlink is unavailable"));
    assert_eq!(
        router.oneshot(get("/healthz")).await.unwrap().status(),
        StatusCode::OK,
        "the process itself is up"
    );
}

/// A TCP proxy in front of PostgreSQL that the test can cut and restore, as a network outage
/// or a database restart would.
struct Outage {
    addr: std::net::SocketAddr,
    upstream: String,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Outage {
    async fn start(upstream: String) -> Outage {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut o = Outage {
            addr,
            upstream,
            task: None,
        };
        o.serve(listener);
        o
    }

    fn serve(&mut self, listener: tokio::net::TcpListener) {
        let upstream = self.upstream.clone();
        self.task = Some(tokio::spawn(async move {
            // Dropping this set (when the task is aborted) cuts every open connection.
            let mut open = tokio::task::JoinSet::new();
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                open.spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        }));
    }

    fn cut(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }

    async fn restore(&mut self) {
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.serve(listener);
    }
}

#[tokio::test]
async fn the_service_recovers_by_itself_when_the_database_returns() {
    use kinlink_store::testing::TestDb;
    use kinlink_store::{Store, StoreOptions};
    use tower::ServiceExt;
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    // Migrate directly, then reach the same database only through the proxy.
    let _direct = db
        .store(std::sync::Arc::new(kinlink_domain::SystemClock))
        .await;
    let (scheme_user, rest) = db.url.split_once('@').unwrap();
    let (authority, path) = rest.split_once('/').unwrap();
    let mut proxy = Outage::start(authority.to_owned()).await;
    let url = format!("{scheme_user}@{}/{path}", proxy.addr);
    let options = StoreOptions {
        max_connections: 2,
        acquire_timeout: std::time::Duration::from_secs(1),
    };
    let store = Store::connect(
        &url,
        &options,
        std::sync::Arc::new(kinlink_domain::SystemClock),
        kinlink_store::testing::audit_key(),
    )
    .await
    .unwrap();
    let router = kinlink_web::router(kinlink_web::AppState::new(
        store,
        WebConfig {
            secure_cookies: false,
            ..WebConfig::default()
        },
    ));
    let ready = || async {
        let req = axum::http::Request::builder()
            .uri("/readyz")
            .body(axum::body::Body::empty())
            .unwrap();
        router.clone().oneshot(req).await.unwrap().status()
    };
    assert_eq!(ready().await, StatusCode::OK);
    proxy.cut();
    assert_eq!(ready().await, StatusCode::SERVICE_UNAVAILABLE);
    proxy.restore().await;
    assert_eq!(ready().await, StatusCode::OK, "no restart needed");
}

#[tokio::test]
async fn reading_the_audit_log_is_itself_recorded() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    b.sign_in("agency.admin@northshire.example").await;
    let before = app.audit_count().await;
    let log = b.get("/admin/audit").await;
    assert_eq!(app.audit_count().await, before + 1);
    assert_eq!(app.last_audit_action().await, "audit_log.viewed");
    assert!(
        log.body.contains("audit_log.viewed"),
        "the reader sees their own view at the top"
    );
}

#[tokio::test]
async fn a_panic_in_a_handler_becomes_the_500_page() {
    use tower::ServiceExt;
    let app = App::sqlite().await;
    let state = kinlink_web::AppState::new(
        app.store.clone(),
        WebConfig {
            secure_cookies: false,
            ..WebConfig::default()
        },
    );
    let routes = axum::Router::new().route(
        "/boom",
        axum::routing::get(|| async {
            let items: Vec<u8> = Vec::new();
            // An out-of-bounds index: the kind of bug that must not reach a user as a crash.
            format!("{}", items[usize::from(items.is_empty())])
        }),
    );
    let router = kinlink_web::layered(routes, state);
    let req = axum::http::Request::builder()
        .uri("/boom")
        .body(axum::body::Body::empty())
        .unwrap();
    let res = router.oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        res.headers().get("content-security-policy").is_some(),
        "still with the security headers"
    );
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await
        .unwrap()
        .to_bytes();
    let body = String::from_utf8_lossy(&body);
    assert!(body.contains("Sorry, there is a problem with Kinlink"));
    assert!(!body.contains("index out of bounds"), "no internals shown");
}

/// The route lists the role and CSRF tests walk must name every route in the router.
#[test]
fn the_route_lists_cover_every_route() {
    let source = include_str!("../src/lib.rs");
    let start = source.find("let pages = Router::new()").unwrap();
    let end = start + source[start..].find("let routes = Router::new()").unwrap();
    let mut rest = &source[start..end];
    let mut missing = Vec::new();
    while let Some(i) = rest.find(".route(") {
        rest = &rest[i + ".route(".len()..];
        let quote = rest.find('"').unwrap();
        let close = quote + 1 + rest[quote + 1..].find('"').unwrap();
        let path = &rest[quote + 1..close];
        let body_end = rest.find(".route(").unwrap_or(rest.len());
        let handlers = &rest[close..body_end];
        let sample = path
            .replace("{id}", "1")
            .replace("{child}", "1")
            .replace("{photo}", "1")
            .replace("{doc}", "1")
            .replace("{appointment}", "1")
            .replace("{item}", "1")
            .replace("{feature}", "1")
            .replace("{booking}", "1")
            .replace("{what}", "appointments")
            .replace("{action}", "cancel");
        let public = ["/sign-in", "/sign-in/code"].contains(&path);
        if handlers.contains("get(") && !public && !kinlink_web::PAGES.contains(&sample.as_str()) {
            missing.push(format!("GET {path} is not in PAGES"));
        }
        if handlers.contains("post(")
            && !kinlink_web::STATE_CHANGING_ROUTES.contains(&sample.as_str())
        {
            missing.push(format!("POST {path} is not in STATE_CHANGING_ROUTES"));
        }
    }
    assert!(missing.is_empty(), "{missing:#?}");
}

/// Every state-changing route posted (with a valid CSRF token and plausible fields) by every
/// role that must not use it: refused, and nothing changes.
#[tokio::test]
async fn every_state_changing_route_tried_as_every_role_that_may_not_use_it() {
    let app = App::sqlite().await;
    let admin_routes: Vec<&str> = kinlink_web::STATE_CHANGING_ROUTES
        .iter()
        .copied()
        .filter(|r| r.starts_with("/admin/"))
        .collect();
    // The register's own agency and its administrator (user 1) belong to nobody else.
    let register_only = [
        "/admin/agencies/new",
        "/admin/register-settings",
        "/admin/users/1/role",
        "/admin/users/1/disable",
        "/admin/users/1/enable",
        "/admin/users/1/reset-second-factor",
        "/admin/users/1/reset-password",
    ];
    let fields: &[(&str, &str)] = &[
        ("agency", "1"),
        ("name", "Someone New"),
        ("email", "someone.new@northshire.example"),
        ("role", "team_manager"),
        ("kind", "local_authority"),
        ("region", "North"),
        ("link_follow_up", "named_person"),
        ("max_open_links_per_household", "1"),
        ("max_exploring_links_per_child", "1"),
        ("link_response_working_days", "1"),
        ("link_expiry_working_days", "1"),
        ("profile_review_days", "1"),
        ("records_grant_days", "1"),
        ("records_retention_years", "100"),
        ("records_escalation_working_days", "1"),
    ];
    for (email, role, _) in PEOPLE {
        let forbidden: Vec<&str> = match role {
            kinlink_domain::Role::RegisterAdmin => continue,
            // Southvale's administrator may not touch Northshire (agency 1's settings) either.
            kinlink_domain::Role::AgencyAdmin if email.ends_with("southvale.example") => {
                register_only
                    .iter()
                    .copied()
                    .chain(["/admin/agencies/1/settings"])
                    .collect()
            }
            kinlink_domain::Role::AgencyAdmin => register_only.to_vec(),
            _ => admin_routes.clone(),
        };
        let mut b = app.browser();
        b.sign_in(email).await;
        let before = app.audit_count().await;
        for route in forbidden {
            b.get("/").await;
            let res = b.post(route, fields).await;
            assert!(
                res.status == StatusCode::FORBIDDEN || res.status == StatusCode::NOT_FOUND,
                "{role} posted {route}: {}",
                res.status
            );
            assert!(
                !res.body.contains("This form could not be accepted"),
                "{role} {route}: refused by the policy, not the CSRF check"
            );
        }
        assert_eq!(app.audit_count().await, before, "{role} changed something");
    }
    assert_eq!(
        app.store
            .register_settings()
            .await
            .unwrap()
            .max_open_links_per_household,
        6
    );
    assert!(
        app.store
            .user_by_email("someone.new@northshire.example")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn an_administrator_resets_a_forgotten_password() {
    let app = App::sqlite().await;
    let mut worker = app.browser();
    worker.sign_in("social.worker@northshire.example").await;
    let id = app.user("social.worker@northshire.example").await.id;
    let mut admin = app.browser();
    admin.sign_in("agency.admin@northshire.example").await;
    admin.get(&format!("/admin/users/{id}")).await;
    let shown = admin
        .post(&format!("/admin/users/{id}/reset-password"), &[])
        .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("Password reset") && shown.body.contains("Their new password"));
    let start = shown.body.find("kinlink-secret\">").unwrap() + "kinlink-secret\">".len();
    let password = shown.body[start..start + shown.body[start..].find('<').unwrap()].to_owned();
    assert_eq!(app.last_audit_action().await, "user.password_reset");
    assert_eq!(
        worker.get("/").await.location(),
        "/sign-in",
        "signed out everywhere"
    );
    assert_eq!(
        worker
            .sign_in_with("social.worker@northshire.example", PASSWORD)
            .await
            .status,
        StatusCode::UNAUTHORIZED,
        "the old password no longer works"
    );
    worker
        .sign_in_with("social.worker@northshire.example", &password)
        .await;
    assert_eq!(
        worker.get("/").await.location(),
        "/account/password",
        "the new one must be replaced"
    );
}

#[tokio::test]
async fn a_sign_in_form_from_another_tab_still_works_and_signed_in_people_skip_it() {
    let app = App::sqlite().await;
    let mut b = app.browser();
    // Tab one loads the form; tab two (same browser, same cookies) signs in meanwhile.
    b.get("/sign-in").await;
    let old_form_token = b.csrf.clone().unwrap();
    b.sign_in("team.manager@northshire.example").await;
    assert_eq!(
        b.get("/sign-in").await.location(),
        "/",
        "signed-in people are sent on"
    );
    let body = serde_urlencoded::to_string([
        ("csrf_token", old_form_token.as_str()),
        ("email", "team.manager@northshire.example"),
        ("password", PASSWORD),
    ])
    .unwrap();
    let before = b.cookies.clone();
    let res = b.request(Method::POST, "/sign-in", Some(body), &[]).await;
    assert_eq!((res.status, res.location()), (StatusCode::SEE_OTHER, "/"));
    // The earlier session ended: signing in again never leaves an old session alive.
    let mut old = app.browser();
    old.cookies = before;
    assert_eq!(old.get("/").await.location(), "/sign-in");
    // Other forms still need the session's own token.
    let body =
        serde_urlencoded::to_string([("csrf_token", old_form_token.as_str()), ("name", "X")])
            .unwrap();
    assert_eq!(
        b.request(Method::POST, "/admin/api-tokens", Some(body), &[])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}
