//! The e-mail outbox, end to end: a link is asked for, the people it concerns are notified, and
//! the outbox delivers their e-mails to a real SMTP server (aiosmtpd) — once each, never with a
//! child's or family's details, and again later if the server was away.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../mail/tests/common/sink.rs"]
mod sink;

use kinlink_domain::child::{
    ChildConfidential, ChildDetails, Contact, Ethnicity, Gender, LegalStatus, ProfileDetails,
};
use kinlink_domain::clock::ManualClock;
use kinlink_domain::household::HouseholdDetails;
use kinlink_domain::link::{CloseReason, LinkEvent, Side};
use kinlink_domain::policy::{Action, ChildVisibility, Permit, Viewer};
use kinlink_domain::profile::{ChildStatus, CivilDate, HouseholdStatus};
use kinlink_domain::{AgencyKind, Clock, Role};
use kinlink_jobs::{MailRound, send_mail};
use kinlink_mail::Mailer;
use kinlink_store::testing::TestDb;
use kinlink_store::{
    Agency, ChildImport, HouseholdImport, LinkChange, LinkSource, LinkViewer, NewAgency, NewLink,
    NewUser, Store, User, Who,
};
use sink::Sink;
use std::sync::Arc;

async fn agency(store: &Store, name: &str) -> Agency {
    store
        .create_agency(
            &Permit::for_operator(Action::ManageAgencies),
            &Who::operator(),
            &NewAgency {
                name: name.into(),
                kind: AgencyKind::LocalAuthority,
                region: "North West".into(),
                mfa_required: false,
            },
        )
        .await
        .unwrap()
}

async fn user(
    store: &Store,
    agency: &Agency,
    email: &str,
    role: Role,
    household: Option<i64>,
) -> User {
    let new = NewUser {
        email: email.into(),
        name: email.split('@').next().unwrap().into(),
        role,
        agency_id: agency.id,
        household_id: household,
        password_hash: "x".to_owned().into(),
        password_must_change: false,
    };
    let permit = Permit::for_operator(Action::CreateUser {
        agency: agency.id,
        agency_kind: agency.kind,
        role,
    });
    store
        .create_user(&permit, &Who::operator(), &new)
        .await
        .unwrap()
}

fn family() -> HouseholdDetails {
    HouseholdDetails {
        applicants: vec!["Robin Ashdown".into(), "Kit Ashdown".into()],
        approved_on: None,
        children_min: 1,
        children_max: 2,
        age_min_years: 0,
        age_max_years: 10,
        gender: None,
        needs: vec![],
        contact: Contact::default(),
        identity: String::new(),
        heritage: vec![],
        experience: None,
        languages: vec!["English".into()],
        children_at_home: 0,
        children_at_home_notes: String::new(),
        pets: String::new(),
        youngest_at_home: None,
        carer_at_home: None,
        area: "Kent".into(),
        text: "We are a calm and playful family.".into(),
        consent_to_referral: true,
    }
}

fn mia() -> ChildDetails {
    ChildDetails {
        alias: "Mia".into(),
        born: CivilDate::new(2021, 3, 4).unwrap(),
        gender: Gender::Girl,
        ethnicity: Ethnicity::WhiteBritish,
        ethnicity_detail: String::new(),
        religion: String::new(),
        languages: vec!["English".into()],
        legal_status: LegalStatus::PlacementOrder,
        needs: vec![],
        confidential: ChildConfidential {
            surname: "Ormerod".into(),
            ..ChildConfidential::default()
        },
    }
}

fn profile() -> ProfileDetails {
    ProfileDetails {
        visibility: ChildVisibility::All,
        home_area: "Cumbria".into(),
        excluded_areas: vec!["Cumbria".into()],
        contact: Contact::default(),
        contact_notes: String::new(),
        requirements: vec![],
        requirement_notes: String::new(),
        text: "Mia loves painting.".into(),
    }
}

async fn the_outbox_delivers_each_mail_once_and_retries_when_the_server_is_away(db: TestDb) {
    let clock = Arc::new(ManualClock::at(1_800_000_000));
    let store = db.store(clock.clone()).await;
    let cumbria = agency(&store, "Cumbria Council").await;
    let kent = agency(&store, "Kent Council").await;
    let child_worker = user(
        &store,
        &cumbria,
        "sw@cumbria.example",
        Role::SocialWorker,
        None,
    )
    .await;
    let family_worker = user(&store, &kent, "sw@kent.example", Role::SocialWorker, None).await;
    let household = store
        .create_household(&Who::operator(), kent.id, "Ashdown")
        .await
        .unwrap();
    let robin = user(
        &store,
        &kent,
        "robin@family.example",
        Role::Adopter,
        Some(household),
    )
    .await;
    store
        .import_household(
            &Permit::for_operator(Action::EditHousehold { agency: kent.id }),
            &Who::operator(),
            &HouseholdImport {
                existing: Some(household),
                details: &family(),
                status: HouseholdStatus::Active,
                active_since: Some(clock.now()),
                worker_id: Some(family_worker.id),
            },
        )
        .await
        .unwrap();
    let child = store
        .import_child_profile(
            &Permit::for_operator(Action::EditChildProfile { agency: cumbria.id }),
            &Who::operator(),
            &ChildImport {
                details: &profile(),
                children: &[mia()],
                status: ChildStatus::Published,
                worker_id: child_worker.id,
                published_at: Some(clock.now()),
                reviewed_at: None,
                photos: &[],
            },
        )
        .await
        .unwrap();

    // Robin asks: the child's worker and Robin's own worker are told.
    let viewer = Viewer {
        actor: robin.actor(),
        region: "North West",
        household_active: true,
        household_area: Some("Kent"),
    };
    let ask = NewLink {
        child_profile_id: child,
        household_id: household,
        side: Side::Family,
        note: "We would love to be considered.".into(),
        confirmed: true,
        source: LinkSource::Register,
    };
    let link = store
        .request_link(
            &Who::person(robin.actor(), "test"),
            viewer,
            Some(household),
            &ask,
        )
        .await
        .unwrap();

    let server = Sink::start("outbox");
    let mailer = Mailer::smtp(server.config()).unwrap();
    let round = send_mail(&store, &mailer).await.unwrap();
    assert_eq!(
        round,
        MailRound {
            sent: 2,
            retrying: 0,
            given_up: 0
        }
    );
    let received = server.received();
    let mut to: Vec<&str> = received
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap())
        .collect();
    to.sort_unstable();
    assert_eq!(to, ["sw@cumbria.example", "sw@kent.example"]);
    for message in &received {
        let body = message["body"].as_str().unwrap();
        assert!(body.contains("Sign in to Kinlink"), "{body}");
        for secret in ["Mia", "Ormerod", "Ashdown", "Robin", "Cumbria", "Kent"] {
            assert!(!body.contains(secret), "an e-mail named {secret}: {body}");
        }
    }
    // Nothing is sent twice.
    assert_eq!(
        send_mail(&store, &mailer).await.unwrap(),
        MailRound::default()
    );
    assert_eq!(server.received().len(), 2);

    // The server goes away; the child's worker declines the link; its e-mails wait.
    drop(server);
    let decline = LinkChange {
        event: LinkEvent::Close(CloseReason::Needs),
        feedback: "We need a family with experience of FASD.".into(),
        panel_date: None,
        note: String::new(),
    };
    let looking = LinkViewer {
        actor: child_worker.actor(),
        household: None,
    };
    store
        .change_link(
            &Who::person(child_worker.actor(), "test"),
            looking,
            link,
            &decline,
        )
        .await
        .unwrap();
    let round = send_mail(&store, &mailer).await.unwrap();
    assert_eq!(
        round,
        MailRound {
            sent: 0,
            retrying: 2,
            given_up: 0
        }
    );
    // Not before the retry is due, then delivered to a server that is back.
    let server = Sink::start("outbox-back");
    let mailer = Mailer::smtp(server.config()).unwrap();
    assert_eq!(
        send_mail(&store, &mailer).await.unwrap(),
        MailRound::default()
    );
    clock.advance(61);
    assert_eq!(
        send_mail(&store, &mailer).await.unwrap(),
        MailRound {
            sent: 2,
            retrying: 0,
            given_up: 0
        }
    );
    let mut to: Vec<String> = server
        .received()
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap().to_owned())
        .collect();
    to.sort_unstable();
    assert_eq!(to, ["robin@family.example", "sw@kent.example"]);
}

#[tokio::test]
async fn outbox_sqlite() {
    the_outbox_delivers_each_mail_once_and_retries_when_the_server_is_away(TestDb::sqlite()).await;
}

#[tokio::test]
async fn outbox_postgres() {
    if let Some(db) = TestDb::postgres().await {
        the_outbox_delivers_each_mail_once_and_retries_when_the_server_is_away(db).await;
    }
}
