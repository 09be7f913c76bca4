//! Matching's pages through the front door: who may see the families suggested for a child,
//! the children suggested for a family and the register-wide view (and who is refused, and
//! how); what a suggestion shows; and the matching settings, which refuse bad input whole and
//! save good input audited. Real router, real database (SQLite), a fresh app per test.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::http::{Method, StatusCode};
use kinlink_domain::Role;
use kinlink_domain::audit::AuditEvent;
use kinlink_domain::child::{
    ChildConfidential, ChildDetails, Contact, Ethnicity, Gender, LegalStatus, ProfileDetails,
};
use kinlink_domain::household::{Experience, HouseholdDetails};
use kinlink_domain::policy::{Action, AuditScope, ChildVisibility, Permit};
use kinlink_domain::profile::CivilDate;
use kinlink_store::Who;
use support::{App, Browser, Response};

const REGISTER_ADMIN: &str = "register.admin@register.example";
const NORTH_ADMIN: &str = "agency.admin@northshire.example";
const NORTH_MANAGER: &str = "team.manager@northshire.example";
const NORTH_WORKER: &str = "social.worker@northshire.example";
const FINDER: &str = "family.finder@northshire.example";
const BUSINESS_SUPPORT: &str = "business.support@northshire.example";
const SOUTH_ADMIN: &str = "agency.admin@southvale.example";
const SOUTH_MANAGER: &str = "team.manager@southvale.example";
const SOUTH_WORKER: &str = "social.worker@southvale.example";
const ADOPTER: &str = "adopter@southvale.example";

// ---- the register: one Northshire child and Southvale's families -------------------------------

/// Publishes Mia, four, with Northshire (through the store, as the demo loads its data). She
/// must not live in Cumbria or Lancashire; her plan is letterbox contact.
async fn publish_mia(app: &App) -> i64 {
    let details = ProfileDetails {
        visibility: ChildVisibility::All,
        home_area: "Cumbria".into(),
        excluded_areas: vec!["Cumbria".into(), "Lancashire".into()],
        contact: Contact {
            letterbox: true,
            ..Contact::default()
        },
        contact_notes: String::new(),
        requirements: vec![],
        requirement_notes: String::new(),
        text: "Mia is a cheerful girl who loves drawing, climbing and stories at bedtime.".into(),
    };
    let mia = ChildDetails {
        alias: "Mia".into(),
        born: CivilDate::new(2022, 5, 15).unwrap(),
        gender: Gender::Girl,
        ethnicity: Ethnicity::WhiteBritish,
        ethnicity_detail: String::new(),
        religion: String::new(),
        languages: vec!["English".into()],
        legal_status: LegalStatus::PlacementOrder,
        needs: vec![],
        confidential: ChildConfidential {
            surname: "Brackenridge".into(),
            ..Default::default()
        },
    };
    support::publish_child(app, &details, mia).await
}

/// An approved Southvale family in Kent, open to letterbox contact, for one or two children
/// of the ages given. `existing`: a household that already exists (the demo adopters').
struct Family<'a> {
    existing: Option<i64>,
    applicants: &'a [&'a str],
    ages: (u8, u8),
    heritage: Vec<Ethnicity>,
    experience: Option<Vec<Experience>>,
}

async fn approve(app: &App, family: Family<'_>) -> i64 {
    let details = HouseholdDetails {
        age_min_years: family.ages.0,
        age_max_years: family.ages.1,
        heritage: family.heritage,
        experience: family.experience,
        ..support::family_details(family.applicants)
    };
    support::import_family(app, family.existing, &details).await
}

/// The demo adopters' household, approved: they have not said their heritage or experience.
async fn approve_ashdowns(app: &App) -> i64 {
    let household = app.user(ADOPTER).await.household_id.unwrap();
    approve(
        app,
        Family {
            existing: Some(household),
            applicants: &["Robin Ashdown", "Kit Ashdown"],
            ages: (0, 8),
            heritage: vec![],
            experience: None,
        },
    )
    .await
}

/// A family who share Mia's heritage and have parented before: a closer fit than the Ashdowns.
async fn approve_rivers(app: &App) -> i64 {
    approve(
        app,
        Family {
            existing: None,
            applicants: &["Sam Rivers", "Alex Rivers"],
            ages: (2, 6),
            heritage: vec![Ethnicity::WhiteBritish],
            experience: Some(vec![Experience::Parenting]),
        },
    )
    .await
}

/// A family approved only for babies: Mia is too old, so they must never be suggested for her.
async fn approve_fenwick(app: &App) -> i64 {
    approve(
        app,
        Family {
            existing: None,
            applicants: &["Jo Fenwick"],
            ages: (0, 2),
            heritage: vec![Ethnicity::WhiteBritish],
            experience: Some(vec![Experience::Parenting]),
        },
    )
    .await
}

// ---- reading the pages -----------------------------------------------------------------------

async fn signed_in<'a>(app: &'a App, email: &str) -> Browser<'a> {
    let mut b = app.browser();
    b.sign_in(email).await;
    b
}

/// One suggestion as the page lists it.
#[derive(Debug)]
struct Suggestion {
    name: String,
    percent: u32,
    /// The suggestion's whole markup: tags, the "Why" details, the link to ask.
    html: String,
}

/// The suggestions on a "Suggested families" or "Suggested children" page, in order.
fn suggestions(page: &Response) -> Vec<Suggestion> {
    page.body
        .split("<li class=\"kinlink-suggestion\">")
        .skip(1)
        .map(|item| {
            let html = item.split("</li>").next().unwrap().to_owned();
            let heading = between(&html, "<h2 class=\"govuk-heading-m\">", "</h2>");
            let name = between(heading, "\">", "</a>").to_owned();
            let percent = between(
                &html,
                "<strong class=\"govuk-tag govuk-tag--blue\">",
                "% fit</strong>",
            )
            .parse()
            .unwrap_or_else(|_| panic!("no score for {name}: {html}"));
            Suggestion {
                name,
                percent,
                html,
            }
        })
        .collect()
}

fn between<'t>(text: &'t str, start: &str, end: &str) -> &'t str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {text}"))
        + start.len();
    let to = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("no {end:?} after {start:?} in {text}"));
    &text[from..from + to]
}

/// The value a text input shows.
fn input_value(page: &Response, name: &str) -> String {
    let input = between(&page.body, &format!("name=\"{name}\""), ">");
    between(input, "value=\"", "\"").to_owned()
}

/// The newest audit entry.
async fn last_audit(app: &App) -> AuditEvent {
    app.store
        .audit_entries(
            &Permit::for_operator(Action::ViewAuditLog {
                scope: AuditScope::All,
            }),
            None,
            1,
        )
        .await
        .unwrap()
        .remove(0)
        .event
}

// ---- who may see matching --------------------------------------------------------------------

/// What one person gets when they ask for a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// 200, with the page's heading.
    Opens,
    /// 403, and the refusal is audited.
    Refused,
    /// 404: another agency's child or family, as if it did not exist; the attempt is audited.
    NotFound,
}

#[tokio::test]
async fn each_role_opens_only_the_matching_pages_the_policy_allows() {
    use Answer::{NotFound, Opens, Refused};
    let app = App::sqlite().await;
    let mia = publish_mia(&app).await;
    let ashdowns = approve_ashdowns(&app).await;
    app.add_person(SOUTH_MANAGER, "Drew Manager", Role::TeamManager, &app.south)
        .await;
    let pages = [
        (
            format!("/children/{mia}/suggestions"),
            "Suggested families for Mia",
        ),
        (
            format!("/households/{ashdowns}/suggestions"),
            "Suggested children for Robin Ashdown and Kit Ashdown",
        ),
        ("/admin/matching".to_owned(), "Matching across the register"),
        ("/admin/matching/settings".to_owned(), "Matching settings"),
    ];
    // Mia is Northshire's; the Ashdowns are Southvale's. The child's agency's caseworkers see
    // the families suggested for her; the family's agency's workers and managers the children
    // suggested for them; register administrators the whole register. Adopters never.
    #[rustfmt::skip]
    let table: &[(&str, [Answer; 4])] = &[
        (REGISTER_ADMIN,   [Refused,  Refused,  Opens,   Opens  ]),
        (NORTH_ADMIN,      [Refused,  Refused,  Refused, Refused]),
        (NORTH_MANAGER,    [Opens,    NotFound, Refused, Refused]),
        (NORTH_WORKER,     [Opens,    NotFound, Refused, Refused]),
        (FINDER,           [Opens,    Refused,  Refused, Refused]),
        (BUSINESS_SUPPORT, [Refused,  Refused,  Refused, Refused]),
        (SOUTH_ADMIN,      [Refused,  Refused,  Refused, Refused]),
        (SOUTH_MANAGER,    [NotFound, Opens,    Refused, Refused]),
        (SOUTH_WORKER,     [NotFound, Opens,    Refused, Refused]),
        (ADOPTER,          [Refused,  Refused,  Refused, Refused]),
    ];
    for (email, answers) in table {
        let mut b = signed_in(&app, email).await;
        for ((path, heading), answer) in pages.iter().zip(answers) {
            let res = b.get(path).await;
            let audited = last_audit(&app).await;
            match answer {
                Opens => {
                    assert_eq!(res.status, StatusCode::OK, "{email} should open {path}");
                    assert_eq!(res.h1(), *heading, "{email} on {path}");
                }
                Refused => {
                    assert_eq!(res.status, StatusCode::FORBIDDEN, "{email} on {path}");
                    assert_eq!(res.h1(), "You do not have permission to do this");
                    assert_eq!(
                        (audited.action.as_str(), audited.record_type.as_str()),
                        ("access.denied", "action"),
                        "{email} refused {path}"
                    );
                }
                NotFound => {
                    assert_eq!(res.status, StatusCode::NOT_FOUND, "{email} on {path}");
                    assert_eq!(audited.action, "matching.refused", "{email} on {path}");
                }
            }
            if *answer != Opens {
                let me = app.user(email).await.id;
                assert_eq!(audited.actor_user_id, Some(me), "who was refused {path}");
            }
        }

        // The child's and the family's pages offer the suggestions to exactly those who may
        // open them (to those who may see the page at all).
        for (page, suggestions, answer) in [
            (format!("/children/{mia}"), &pages[0].0, answers[0]),
            (format!("/households/{ashdowns}"), &pages[1].0, answers[1]),
        ] {
            let res = b.get(&page).await;
            if res.status == StatusCode::OK {
                assert_eq!(
                    res.body.contains(&format!("href=\"{suggestions}\"")),
                    answer == Opens,
                    "{email} on {page}"
                );
            }
        }
    }

    // Signed out, every matching page asks you to sign in first.
    let mut visitor = app.browser();
    for (path, _) in &pages {
        let res = visitor.get(path).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            res.location().starts_with("/sign-in"),
            "{path}: {}",
            res.location()
        );
    }
}

#[tokio::test]
async fn adopters_see_no_scores_on_their_own_familys_page() {
    let app = App::sqlite().await;
    publish_mia(&app).await;
    let ashdowns = approve_ashdowns(&app).await;
    let mut adopter = signed_in(&app, ADOPTER).await;
    for page in ["/family".to_owned(), format!("/households/{ashdowns}")] {
        let res = adopter.get(&page).await;
        assert_eq!(res.status, StatusCode::OK, "{page}");
        assert_eq!(res.h1(), "Robin Ashdown and Kit Ashdown");
        assert!(!res.body.contains("Suggested children"), "{page}");
        assert!(!res.body.contains("% fit"), "{page}");
    }
}

// ---- what a suggestion shows -----------------------------------------------------------------

#[tokio::test]
async fn the_families_suggested_for_a_child_are_ranked_scored_and_explained() {
    let app = App::sqlite().await;
    let mia = publish_mia(&app).await;
    let ashdowns = approve_ashdowns(&app).await;
    let rivers = approve_rivers(&app).await;
    approve_fenwick(&app).await;
    let mut finder = signed_in(&app, FINDER).await;

    let child = finder.get(&format!("/children/{mia}")).await;
    assert!(child.body.contains("Finding a family"));
    let res = finder.get(&format!("/children/{mia}/suggestions")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.body.contains("These are suggestions, not decisions."),
        "the page says what it is"
    );
    let listed = suggestions(&res);
    let names: Vec<&str> = listed.iter().map(|s| s.name.as_str()).collect();
    // The Rivers share Mia's heritage and have parented before; Jo Fenwick's approval stops
    // at two years old, so she is not a family Mia could have.
    assert_eq!(
        names,
        [
            "Sam Rivers and Alex Rivers",
            "Robin Ashdown and Kit Ashdown"
        ]
    );
    assert!(
        listed[0].percent > listed[1].percent,
        "best fit first: {listed:?}"
    );
    assert!(listed.iter().all(|s| s.percent <= 100));

    for (s, household) in listed.iter().zip([rivers, ashdowns]) {
        assert!(
            s.html.contains(&format!("Why {} ", s.name)),
            "a 'Why' for {}",
            s.name
        );
        assert!(s.html.contains("<details class=\"govuk-details\">"));
        assert!(s.html.contains("Southvale Adoption Agency, South East"));
        for criterion in [
            "Needs",
            "Contact plan",
            "Identity and culture",
            "Languages",
            "Experience",
            "Children at home",
            "Distance",
        ] {
            assert!(
                s.html.contains(&format!(
                    "<dt class=\"govuk-summary-list__key\">{criterion}</dt>"
                )),
                "{} explains {criterion}",
                s.name
            );
        }
        assert!(s.html.contains(&format!(
            "href=\"/links/new?child={mia}&amp;household={household}\">Ask to explore a link with {}</a>",
            s.name
        )));
        assert!(!s.html.contains("At their link limit"));
    }
    // Why the Rivers rank higher, in words: they share her heritage; the Ashdowns have not said.
    assert!(listed[0].html.contains("shares the child&#39;s heritage"));
    assert!(!listed[1].html.contains("shares the child&#39;s heritage"));

    // Viewing suggestions is audited, with the families listed.
    let audited = last_audit(&app).await;
    assert_eq!(audited.action, "matching.families_suggested");
    assert_eq!(audited.record_id, Some(mia.to_string()));
    let detail: serde_json::Value = serde_json::from_str(&audited.detail).unwrap();
    assert_eq!(detail["households"], serde_json::json!([rivers, ashdowns]));
}

#[tokio::test]
async fn a_family_at_their_link_limit_is_marked_and_cannot_be_asked() {
    let app = App::sqlite().await;
    let mia = publish_mia(&app).await;
    let ashdowns = approve_ashdowns(&app).await;
    approve_rivers(&app).await;
    let mut settings = app.store.register_settings().await.unwrap();
    settings.max_open_links_per_household = 1;
    app.store
        .update_register_settings(
            &Permit::for_operator(Action::ManageRegisterSettings),
            &Who::operator(),
            &settings,
        )
        .await
        .unwrap();

    // The family finder asks to explore a link with the Ashdowns: their one place is taken.
    let mut finder = signed_in(&app, FINDER).await;
    finder
        .get(&format!("/links/new?child={mia}&household={ashdowns}"))
        .await;
    let asked = finder
        .post(
            "/links",
            &[
                ("child", &*mia.to_string()),
                ("household", &*ashdowns.to_string()),
                ("side", "child"),
                ("note", "Their approval fits Mia well."),
                ("genuine", "yes"),
            ],
        )
        .await;
    assert_eq!(asked.status, StatusCode::SEE_OTHER, "{}", asked.body);

    let res = finder.get(&format!("/children/{mia}/suggestions")).await;
    let listed = suggestions(&res);
    let ashdowns_shown = listed
        .iter()
        .find(|s| s.name == "Robin Ashdown and Kit Ashdown")
        .expect("still suggested, with the limit said");
    assert!(ashdowns_shown.html.contains("At their link limit"));
    assert!(!ashdowns_shown.html.contains("Ask to explore a link"));
    let rivers_shown = listed
        .iter()
        .find(|s| s.name == "Sam Rivers and Alex Rivers")
        .unwrap();
    assert!(!rivers_shown.html.contains("At their link limit"));
    assert!(
        rivers_shown
            .html
            .contains("Ask to explore a link with Sam Rivers and Alex Rivers")
    );
}

#[tokio::test]
async fn the_children_suggested_for_a_family_are_scored_and_explained() {
    let app = App::sqlite().await;
    let mia = publish_mia(&app).await;
    let ashdowns = approve_ashdowns(&app).await;
    let mut worker = signed_in(&app, SOUTH_WORKER).await;
    let res = worker
        .get(&format!("/households/{ashdowns}/suggestions"))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let listed = suggestions(&res);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let s = &listed[0];
    assert_eq!(s.name, "Mia");
    assert!(s.html.contains("Northshire Council, North West"));
    assert!(s.html.contains("Why Mia is suggested"));
    assert!(
        s.html
            .contains("<dt class=\"govuk-summary-list__key\">Needs</dt>")
    );
    assert!(s.html.contains(&format!(
        "href=\"/links/new?child={mia}&amp;household={ashdowns}\">Ask to explore a link for Mia</a>"
    )));
    // Her surname and where she lives are her agency's only.
    assert!(!res.body.contains("Brackenridge"));
    let audited = last_audit(&app).await;
    assert_eq!(audited.action, "matching.children_suggested");
    assert_eq!(audited.record_id, Some(ashdowns.to_string()));
}

// ---- the JSON API ----------------------------------------------------------------------------

/// The agency whose administrator makes the token a person's case system uses.
fn admin_for(email: &str) -> &'static str {
    if email.ends_with("@northshire.example") {
        NORTH_ADMIN
    } else if email.ends_with("@southvale.example") {
        SOUTH_ADMIN
    } else {
        "register.admin@register.example"
    }
}

#[tokio::test]
async fn case_systems_get_matching_through_the_api_as_the_policy_allows() {
    use Answer::{NotFound, Opens, Refused};
    let app = App::sqlite().await;
    let mia = publish_mia(&app).await;
    let ashdowns = approve_ashdowns(&app).await;
    let paths = [
        format!("/api/v1/children/{mia}/suggested-families"),
        format!("/api/v1/households/{ashdowns}/suggested-children"),
        "/api/v1/matching/register".to_owned(),
    ];
    // The pages' table: the child's caseworkers, the family's workers, register administrators.
    #[rustfmt::skip]
    let table: &[(&str, [Answer; 3], &str)] = &[
        (REGISTER_ADMIN,   [Refused,  Refused,  Opens  ], "not_on_the_register"),
        (NORTH_ADMIN,      [Refused,  Refused,  Refused], "not_on_the_register"),
        (NORTH_MANAGER,    [Opens,    NotFound, Refused], "not_register_admin"),
        (NORTH_WORKER,     [Opens,    NotFound, Refused], "not_register_admin"),
        (FINDER,           [Opens,    Refused,  Refused], "not_on_the_register"),
        (BUSINESS_SUPPORT, [Refused,  Refused,  Refused], "not_on_the_register"),
        (SOUTH_WORKER,     [NotFound, Opens,    Refused], "not_register_admin"),
    ];
    let mut tokens = std::collections::HashMap::new();
    for (email, answers, first_refusal) in table {
        let admin = admin_for(email);
        if !tokens.contains_key(admin) {
            tokens.insert(admin, app.api_token(admin).await);
        }
        let token = &tokens[admin];
        let me = app.user(email).await.id;
        for (path, answer) in paths.iter().zip(answers) {
            let (status, body) = app.api(token, Some(email), Method::GET, path, None).await;
            let audited = last_audit(&app).await;
            match answer {
                Opens => assert_eq!(status, StatusCode::OK, "{email} {path}: {body}"),
                Refused => {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{email} {path}: {body}");
                    assert!(body["code"].is_string(), "{email} {path}: {body}");
                    assert_eq!(audited.action, "access.denied", "{email} {path}");
                    assert_eq!(audited.actor_user_id, Some(me));
                }
                NotFound => {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{email} {path}: {body}");
                    assert_eq!(body["code"], "not_found");
                    assert_eq!(audited.action, "matching.refused", "{email} {path}");
                    assert_eq!(audited.actor_user_id, Some(me));
                }
            }
        }
        let refused = answers.iter().position(|a| *a == Refused).unwrap();
        let (_, body) = app
            .api(token, Some(email), Method::GET, &paths[refused], None)
            .await;
        assert_eq!(body["code"], *first_refusal, "{email}");
    }

    // Adopters have no API: a case system cannot act for them.
    let token = &tokens[SOUTH_ADMIN];
    let (status, body) = app
        .api(token, Some(ADOPTER), Method::GET, &paths[1], None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["code"], "unknown_person");
}

#[tokio::test]
async fn the_api_suggests_what_the_pages_suggest_in_the_same_words() {
    let app = App::sqlite().await;
    let mia = publish_mia(&app).await;
    let ashdowns = approve_ashdowns(&app).await;
    let rivers = approve_rivers(&app).await;
    approve_fenwick(&app).await;
    let north = app.api_token(NORTH_ADMIN).await;
    let path = format!("/api/v1/children/{mia}/suggested-families");

    let (status, body) = app
        .api(&north, Some(FINDER), Method::GET, &path, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["child_profile"]["title"], "Mia");
    assert!(
        body["notice"]
            .as_str()
            .unwrap()
            .starts_with("These are suggestions, not decisions")
    );
    assert_eq!(body["cannot"], serde_json::Value::Null);
    let listed = body["suggestions"].as_array().unwrap();
    let ids: Vec<i64> = listed
        .iter()
        .map(|s| s["household"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        [rivers, ashdowns],
        "best first; Jo Fenwick is ruled out"
    );
    let audited = last_audit(&app).await;
    assert_eq!(audited.action, "matching.families_suggested");
    assert_eq!(audited.record_id, Some(mia.to_string()));

    // The same scores, criteria and sentences as the page.
    let mut finder = signed_in(&app, FINDER).await;
    let page = finder.get(&format!("/children/{mia}/suggestions")).await;
    for (api, shown) in listed.iter().zip(suggestions(&page)) {
        assert_eq!(api["household"]["name"], shown.name.as_str());
        assert_eq!(api["household"]["agency"], "Southvale Adoption Agency");
        assert_eq!(api["at_link_limit"], false);
        let e = &api["explanation"];
        assert_eq!(e["percent"], shown.percent);
        assert_eq!(e["blocked"], serde_json::Value::Null);
        let criteria = e["criteria"].as_array().unwrap();
        let codes: Vec<&str> = criteria
            .iter()
            .map(|c| c["criterion"].as_str().unwrap())
            .collect();
        assert_eq!(
            codes,
            [
                "needs",
                "contact",
                "identity",
                "languages",
                "experience",
                "children_at_home",
                "distance"
            ]
        );
        for c in criteria {
            let sentence = c["sentence"].as_str().unwrap();
            assert!(!sentence.is_empty());
            assert!(
                shown.html.contains(&sentence.replace('\'', "&#39;")),
                "the page says {sentence:?} too"
            );
            assert!(["meets", "partly", "does_not_meet"].contains(&c["verdict"].as_str().unwrap()));
        }
    }
    let heritage = |s: &serde_json::Value| {
        s["explanation"]["criteria"][2]["sentence"]
            .as_str()
            .unwrap()
            .contains("shares the child's heritage")
    };
    assert!(
        heritage(&listed[0]) && !heritage(&listed[1]),
        "why the Rivers rank higher"
    );

    // A limit: the best only; a bad one is refused by field, and nothing is viewed or audited.
    let (status, body) = app
        .api(
            &north,
            Some(FINDER),
            Method::GET,
            &format!("{path}?limit=1"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["suggestions"].as_array().unwrap().len(), 1);
    assert_eq!(body["suggestions"][0]["household"]["id"], rivers);
    let before = app.audit_count().await;
    for bad in ["0", "51", "ten", "-1", ""] {
        let (status, body) = app
            .api(
                &north,
                Some(FINDER),
                Method::GET,
                &format!("{path}?limit={bad}"),
                None,
            )
            .await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "limit={bad}: {body}"
        );
        assert_eq!(body["code"], "invalid");
        assert_eq!(body["fields"][0]["field"], "limit");
        assert_eq!(
            body["fields"][0]["message"],
            "limit must be a whole number from 1 to 50"
        );
    }
    assert_eq!(
        app.audit_count().await,
        before,
        "nothing viewed, nothing audited"
    );

    // The family's side: the children their worker may see, with Mia's surname nowhere.
    let south = app.api_token(SOUTH_ADMIN).await;
    let (status, body) = app
        .api(
            &south,
            Some(SOUTH_WORKER),
            Method::GET,
            &format!("/api/v1/households/{ashdowns}/suggested-children"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["household"]["name"], "Robin Ashdown and Kit Ashdown");
    let children = body["suggestions"].as_array().unwrap();
    assert_eq!(children.len(), 1);
    assert_eq!(children[0]["child_profile"]["id"], mia);
    assert_eq!(children[0]["child_profile"]["title"], "Mia");
    assert_eq!(children[0]["child_profile"]["agency"], "Northshire Council");
    assert_eq!(
        children[0]["explanation"]["criteria"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    assert!(!body.to_string().contains("Brackenridge"));
    assert!(!body.to_string().contains("Cumbria"), "nor where she lives");
    let mut worker = signed_in(&app, SOUTH_WORKER).await;
    let page = worker
        .get(&format!("/households/{ashdowns}/suggestions"))
        .await;
    assert_eq!(
        children[0]["explanation"]["percent"],
        suggestions(&page)[0].percent
    );
}

#[tokio::test]
async fn the_register_view_through_the_api_lists_every_childs_spread_list_and_assignment() {
    let app = App::sqlite().await;
    let mia = publish_mia(&app).await;
    let ashdowns = approve_ashdowns(&app).await;
    let rivers = approve_rivers(&app).await;
    let token = app.api_token(REGISTER_ADMIN).await;
    let (status, body) = app
        .api(
            &token,
            Some(REGISTER_ADMIN),
            Method::GET,
            "/api/v1/matching/register",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        body["notice"]
            .as_str()
            .unwrap()
            .starts_with("Decision support, not decisions")
    );
    assert_eq!(body["families"], 2);
    assert_eq!(body["candidate_pairs"], 2);
    assert_eq!(body["settings"]["per_child"], 5);
    assert_eq!(body["settings"]["weights"]["needs"], 5);
    let children = body["children"].as_array().unwrap();
    assert_eq!(children.len(), 1);
    let row = &children[0];
    assert_eq!(row["child_profile"]["id"], mia);
    let spread: Vec<i64> = row["spread"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["household"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        spread,
        [rivers, ashdowns],
        "both families, the better fit first"
    );
    assert_eq!(
        row["assigned"]["household"]["id"], rivers,
        "Mia's best realistic option"
    );
    assert_eq!(row["assigned"]["percent"], row["spread"][0]["percent"]);
    assert!(body["assignment_total"].as_i64().unwrap() > 0);
    assert_eq!(last_audit(&app).await.action, "matching.register_viewed");
}

#[tokio::test]
async fn adopters_asking_for_suggestions_are_told_their_social_worker_has_them() {
    let app = App::sqlite().await;
    publish_mia(&app).await;
    let ashdowns = approve_ashdowns(&app).await;
    let mut adopter = signed_in(&app, ADOPTER).await;
    let res = adopter
        .get(&format!("/households/{ashdowns}/suggestions"))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(
        res.body.contains(
            "suggested matches are for social workers; your social worker will talk to you about children who might suit your family"
        ),
        "{}",
        res.body
    );
    assert!(!res.body.contains("your role does not work on the Register"));
}

// ---- the matching settings -------------------------------------------------------------------

const DEFAULTS: [(&str, &str); 10] = [
    ("weight_needs", "5"),
    ("weight_contact", "3"),
    ("weight_identity", "4"),
    ("weight_languages", "2"),
    ("weight_experience", "3"),
    ("weight_children_at_home", "2"),
    ("weight_distance", "2"),
    ("per_child", "5"),
    ("per_family", "8"),
    ("wait_points", "10"),
];

/// The settings form's fields: the defaults with some changed.
fn settings_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    DEFAULTS
        .iter()
        .map(|&(name, value)| {
            let changed = changes.iter().find(|(n, _)| *n == name);
            (name, changed.map_or(value, |(_, v)| *v))
        })
        .collect()
}

/// What the settings form shows in each field, in the form's order.
fn shown(page: &Response) -> Vec<(String, String)> {
    DEFAULTS
        .iter()
        .map(|(name, _)| ((*name).to_owned(), input_value(page, name)))
        .collect()
}

fn as_owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[tokio::test]
async fn the_matching_settings_refuse_bad_input_whole_and_save_good_input_audited() {
    let app = App::sqlite().await;
    let mut admin = signed_in(&app, REGISTER_ADMIN).await;
    let form = admin.get("/admin/matching/settings").await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(shown(&form), as_owned(&DEFAULTS));
    let before = app.audit_count().await;

    // A weight above 10: the error summary links to the field; what was typed is kept.
    let res = admin
        .post(
            "/admin/matching/settings",
            &settings_form(&[("weight_needs", "11"), ("weight_distance", "7")]),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.has_error_summary());
    assert!(res.body.contains(
        "<a href=\"#weight_needs\">The weight for needs must be a whole number from 0 to 10</a>"
    ));
    assert!(res.body.contains("id=\"weight_needs-error\""));
    assert_eq!(input_value(&res, "weight_needs"), "11");
    assert_eq!(input_value(&res, "weight_distance"), "7");

    // Several at once: every message, each field as typed.
    let res = admin
        .post(
            "/admin/matching/settings",
            &settings_form(&[
                ("per_child", "0"),
                ("per_family", "101"),
                ("wait_points", "lots"),
            ]),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    for (field, message) in [
        (
            "per_child",
            "Families on each child&#39;s list must be a whole number from 1 to 20",
        ),
        (
            "per_family",
            "The most lists a family is on must be a whole number from 1 to 100",
        ),
        (
            "wait_points",
            "Extra weight per month waited must be a whole number from 0 to 100",
        ),
    ] {
        assert!(
            res.body
                .contains(&format!("<a href=\"#{field}\">{message}</a>")),
            "{field}: {}",
            res.body
        );
    }
    assert_eq!(input_value(&res, "wait_points"), "lots");

    // Every weight 0 would score every family the same: refused.
    let zeros = settings_form(&[
        ("weight_needs", "0"),
        ("weight_contact", "0"),
        ("weight_identity", "0"),
        ("weight_languages", "0"),
        ("weight_experience", "0"),
        ("weight_children_at_home", "0"),
        ("weight_distance", "0"),
    ]);
    let res = admin.post("/admin/matching/settings", &zeros).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.has_error_summary());
    assert!(
        res.body
            .contains("<a href=\"#weight_needs\">At least one weight must be above 0</a>")
    );
    assert_eq!(input_value(&res, "weight_contact"), "0");

    // Nothing was saved, or audited.
    assert_eq!(app.audit_count().await, before);
    let reloaded = admin.get("/admin/matching/settings").await;
    assert_eq!(shown(&reloaded), as_owned(&DEFAULTS));
    assert!(!reloaded.has_error_summary());

    // A good change: saved, said so, shown, and audited with what it now is.
    let good = settings_form(&[
        ("weight_needs", "10"),
        ("weight_distance", "0"),
        ("per_child", "3"),
        ("per_family", "4"),
        ("wait_points", "0"),
    ]);
    let res = admin.post("/admin/matching/settings", &good).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.location(), "/admin/matching/settings?done=1");
    let saved = admin.get(res.location()).await;
    assert!(
        saved
            .body
            .contains("The matching settings have been saved.")
    );
    assert_eq!(shown(&saved), as_owned(&good));
    let audited = last_audit(&app).await;
    assert_eq!(audited.action, "register.matching_settings_changed");
    assert_eq!(
        audited.actor_user_id,
        Some(app.user(REGISTER_ADMIN).await.id)
    );
    let detail: serde_json::Value = serde_json::from_str(&audited.detail).unwrap();
    assert_eq!(detail["weights"], serde_json::json!([10, 3, 4, 2, 3, 2, 0]));
    assert_eq!(detail["spread_per_child"], 3);

    // The register-wide page works with the new spread settings.
    let register = admin.get("/admin/matching").await;
    assert!(register.body.contains(
        "A short list of up to 3 families for every child, with no family on more than 4 lists"
    ));
    assert!(register.body.contains("(0 points a month)"));
}

#[tokio::test]
async fn suggestions_are_scored_with_the_saved_weights() {
    let app = App::sqlite().await;
    let mia = publish_mia(&app).await;
    approve_ashdowns(&app).await;
    let mut finder = signed_in(&app, FINDER).await;
    let path = format!("/children/{mia}/suggestions");
    let by_default = suggestions(&finder.get(&path).await);
    assert_eq!(by_default.len(), 1);
    assert!(
        by_default[0].percent < 100,
        "the Ashdowns have not said their heritage: {by_default:?}"
    );

    // Only languages count now, and the Ashdowns speak English, as Mia does.
    let mut admin = signed_in(&app, REGISTER_ADMIN).await;
    admin.get("/admin/matching/settings").await;
    let res = admin
        .post(
            "/admin/matching/settings",
            &settings_form(&[
                ("weight_needs", "0"),
                ("weight_contact", "0"),
                ("weight_identity", "0"),
                ("weight_languages", "10"),
                ("weight_experience", "0"),
                ("weight_children_at_home", "0"),
                ("weight_distance", "0"),
            ]),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let now = suggestions(&finder.get(&path).await);
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].percent, 100, "{now:?}");
}
