//! The demo: two agencies and the register's own team, one user for each role, and a synthetic
//! population of children and families (`kinlink-synthetic`) — never real people. Loaded only
//! into an empty database, so restarting the demo keeps what was done.

use crate::cli::CliError;
use kinlink_domain::policy::{Action, Permit};
use kinlink_domain::profile::{ChildStatus, CivilDate, HouseholdStatus};
use kinlink_domain::{AgencyKind, Role};
use kinlink_store::{
    Agency, ChildImport, HouseholdImport, NewAgency, NewPhoto, NewUser, Store, Who,
};
use kinlink_synthetic::Dataset;
use std::net::SocketAddr;

pub const DEMO_PASSWORD: &str = "kinlink-demo-2026";

/// (email, name, role, agency index)
pub const DEMO_USERS: &[(&str, &str, Role, usize)] = &[
    (
        "register.admin@register.example",
        "Rowan Ellery",
        Role::RegisterAdmin,
        2,
    ),
    (
        "agency.admin@northshire.example",
        "Priya Castell",
        Role::AgencyAdmin,
        0,
    ),
    (
        "team.manager@northshire.example",
        "Morgan Hale",
        Role::TeamManager,
        0,
    ),
    (
        "social.worker@northshire.example",
        "Jordan Okafor-Reid",
        Role::SocialWorker,
        0,
    ),
    (
        "family.finder@northshire.example",
        "Casey Lindqvist",
        Role::FamilyFinder,
        0,
    ),
    (
        "business.support@northshire.example",
        "Alex Mbeki",
        Role::BusinessSupport,
        0,
    ),
    (
        "social.worker@southvale.example",
        "Sam Whitlow",
        Role::SocialWorker,
        1,
    ),
    (
        "adopter@southvale.example",
        "Robin Ashdown",
        Role::Adopter,
        1,
    ),
];

const DEMO_AGENCIES: [(&str, AgencyKind, &str); 3] = [
    (
        "Northshire Council",
        AgencyKind::LocalAuthority,
        "North West",
    ),
    (
        "Southvale Adoption Agency",
        AgencyKind::VoluntaryAdoptionAgency,
        "South East",
    ),
    ("The Adoption Register", AgencyKind::Register, "England"),
];

/// The data set named on the command line.
pub fn dataset(name: &str) -> Result<Dataset, CliError> {
    match name {
        "demo" => Ok(Dataset::DEMO),
        "england" => Ok(Dataset::ENGLAND),
        other => Err(CliError::Message(format!(
            "unknown data set \"{other}\"; expected demo or england"
        ))),
    }
}

/// Loads the demo set unless the database already has agencies. Returns whether it loaded.
pub async fn load_if_empty(store: &Store, dataset: Dataset) -> Result<bool, CliError> {
    if !store.agencies().await?.is_empty() {
        return Ok(false);
    }
    load(store, dataset).await?;
    Ok(true)
}

pub async fn load(store: &Store, dataset: Dataset) -> Result<(), CliError> {
    let who = Who::operator();
    let mut agencies = Vec::new();
    for (name, kind, region) in DEMO_AGENCIES {
        // Demo agencies do not require a second factor, so every demo login works at once.
        let new = NewAgency {
            name: name.into(),
            kind,
            region: region.into(),
            mfa_required: false,
        };
        agencies.push(
            store
                .create_agency(&Permit::for_operator(Action::ManageAgencies), &who, &new)
                .await?,
        );
    }
    let household = store
        .create_household(&who, agencies[1].id, "Robin and Kit Ashdown")
        .await?;
    // One hash for every demo user: hashing is deliberately slow.
    let hash = kinlink_web::hash_password(DEMO_PASSWORD.to_owned())
        .await
        .map_err(|e| CliError::Message(e.to_string()))?;
    for (email, name, role, agency) in DEMO_USERS {
        let agency = &agencies[*agency];
        let permit = Permit::for_operator(Action::CreateUser {
            agency: agency.id,
            agency_kind: agency.kind,
            role: *role,
        });
        let new = NewUser {
            email: (*email).into(),
            name: (*name).into(),
            role: *role,
            agency_id: agency.id,
            household_id: (*role == Role::Adopter).then_some(household),
            password_hash: hash.clone(),
            password_must_change: false,
        };
        store.create_user(&permit, &who, &new).await?;
    }
    load_population(store, &agencies, household, dataset, &hash).await?;
    if dataset == Dataset::DEMO {
        load_links(store, &agencies, household).await?;
        load_events(store, &agencies, household).await?;
        load_records_requests(store).await?;
    }
    Ok(())
}

/// Requests for access to adoption records at Northshire, at different stages, made through
/// the calls the pages use by the demo's business support officer, team manager and social
/// worker: one just received, one waiting for the manager, one with access authorised and
/// waiting for archive access, a pre-1975 adoption in counselling, and one closed with its
/// archive access still to be confirmed closed. Synthetic people only.
async fn load_records_requests(store: &Store) -> Result<(), CliError> {
    use kinlink_domain::profile::CivilDate;
    use kinlink_domain::records_request::{
        ApplicantType, Arrival, ContactMethod, GrantKind, IdentityMethod, Venue,
    };
    use kinlink_store::{
        IdentityCheck, NewAppointment, NewCounsellingSession, NewRecordsRequest, NewReferral,
        RequestStep,
    };
    let person = |email: &'static str| demo_user(store, email);
    let support = person("business.support@northshire.example").await?;
    let manager = person("team.manager@northshire.example").await?;
    let worker = person("social.worker@northshire.example").await?;
    let date = |y, m, d| {
        CivilDate::new(y, m, d).ok_or_else(|| CliError::Message("a demo date is not a date".into()))
    };
    let today = CivilDate::from_unix(store.now());
    let as_who = |u: &kinlink_store::User| Who::person(u.actor(), "demo");
    let request = |name: &str,
                   born: CivilDate,
                   birth_name: &str,
                   adopted: CivilDate,
                   verified: bool,
                   kind: ApplicantType| NewRecordsRequest {
        applicant_type: kind,
        applicant_name: name.into(),
        applicant_born_on: born,
        applicant_email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
        applicant_phone: "01632 960 000".into(),
        applicant_address: String::new(),
        contact_method: ContactMethod::Email,
        identity: verified.then_some(IdentityCheck {
            method: IdentityMethod::PhotoId,
            checked_on: today,
        }),
        representative_name: String::new(),
        representative_relationship: String::new(),
        authority_proof: String::new(),
        birth_name: birth_name.into(),
        adopted_person_born_on: born,
        adopted_on: adopted,
        court: "Northshire County Court".into(),
        adoption_agency: "Northshire County Council".into(),
        arrival: Arrival::Letter,
        received_on: today,
        case_reference: format!("NAR/{}/{:03}", adopted.year(), adopted.day()),
    };
    let step = |u: &kinlink_store::User, id: i64, step: RequestStep| {
        let who = as_who(u);
        let actor = u.actor();
        async move { store.request_step(&who, actor, id, &step).await }
    };
    let (s, m, w) = (&support, &manager, &worker);
    let reason = |t: &str| t.to_owned();

    // 1. Just received: identity still to be checked.
    let new = request(
        "Jordan Fairweather",
        date(1990, 6, 14)?,
        "Jordan Price",
        date(1991, 2, 8)?,
        false,
        ApplicantType::AdoptedAdult,
    );
    store.record_request(&as_who(s), s.actor(), &new).await?;

    // 2. Waiting for the manager's approval.
    let new = request(
        "Morgan Ellery",
        date(1979, 9, 3)?,
        "Morgan Dale",
        date(1980, 4, 21)?,
        true,
        ApplicantType::AdoptedAdult,
    );
    let id = store.record_request(&as_who(s), s.actor(), &new).await?;
    step(s, id, RequestStep::SendForApproval).await?;

    // Recorded, sent, approved, allocated to the worker and access authorised: where three
    // of the demo's requests have got to at least.
    let authorised = |new: NewRecordsRequest, why: &'static str| async move {
        let id = store.record_request(&as_who(s), s.actor(), &new).await?;
        step(s, id, RequestStep::SendForApproval).await?;
        step(
            m,
            id,
            RequestStep::Approve {
                note: String::new(),
            },
        )
        .await?;
        step(m, id, RequestStep::Allocate { worker: w.id }).await?;
        step(
            m,
            id,
            RequestStep::AuthoriseAccess {
                reason: why.to_owned(),
            },
        )
        .await?;
        Ok::<i64, CliError>(id)
    };

    // 3. Access authorised by the manager; business support still to give archive access.
    let new = request(
        "Casey Hartwell",
        date(1986, 1, 30)?,
        "Casey Moss",
        date(1987, 7, 15)?,
        true,
        ApplicantType::AdoptedAdult,
    );
    authorised(new, "To prepare counselling and read the case record").await?;

    // 4. A pre-1975 adoption in counselling: the Schedule 2 interview is booked, not yet held,
    //    so no birth-record information may be given yet.
    let new = request(
        "Alex Marsh",
        date(1961, 5, 2)?,
        "Alexandra Whitby",
        date(1962, 3, 19)?,
        true,
        ApplicantType::AdoptedAdult,
    );
    let id = authorised(
        new,
        "Schedule 2 counselling and preparing the birth-record information",
    )
    .await?;
    step(
        s,
        id,
        RequestStep::GrantArchiveAccess {
            reason: reason("Archive box access for the case file"),
        },
    )
    .await?;
    store.record_case_file(&as_who(w), w.actor(), id, GrantKind::LockedRecord, [
        "Margaret Whitby (synthetic)",
        "Not named in the record",
        "Registered in Northshire, 1961 (synthetic entry)",
        "Placement and adoption papers; a letter from the birth mother asking that her child be told she was loved; the agency's report to the court.",
    ]).await?;
    store
        .record_case_file(
            &as_who(w),
            w.actor(),
            id,
            GrantKind::Archive,
            ["ARC-1962-0417", "Records store, bay 12, box 31", "", ""],
        )
        .await?;
    // Three days ahead at 10:00 UTC, so it shows among the worker's appointments this week.
    let in_three_days = store.now() + 3 * 86_400;
    let starts_at = in_three_days - in_three_days.rem_euclid(86_400) + 10 * 3_600;
    store
        .arrange_appointment(
            &as_who(w),
            w.actor(),
            id,
            &NewAppointment {
                starts_at,
                minutes: 90,
                venue: Venue::InPerson,
                place: "Northshire House, Room 4".into(),
                counsellor: w.name.clone(),
            },
        )
        .await?;

    // 5. Closed: counselling held, referral to an adoption support agency, their access
    //    supported; archive access still to be confirmed closed by business support.
    let new = request(
        "Sam Okafor",
        date(1972, 11, 9)?,
        "Samuel Reid",
        date(1973, 12, 1)?,
        true,
        ApplicantType::AdoptedAdult,
    );
    let id = authorised(new, "Counselling and support for the external service").await?;
    step(
        s,
        id,
        RequestStep::GrantArchiveAccess {
            reason: reason("Archive access for the case file"),
        },
    )
    .await?;
    store.record_session(&as_who(w), w.actor(), id, &NewCounsellingSession {
        appointment_id: None,
        held_on: today,
        attended: true,
        facts: "Schedule 2 counselling interview held. Sam was told what the record contains and how to obtain the original birth certificate.".into(),
        opinion: "Sam is well prepared and has support from a partner.".into(),
        third_party: String::new(),
        signed: true,
    }).await?;
    store
        .record_referral(
            &as_who(w),
            w.actor(),
            id,
            &NewReferral {
                organisation: "Northern Adoption Support (synthetic)".into(),
                referred_on: today,
                reason: "Sam asked for support from an independent service in reading the file."
                    .into(),
                shared: "Birth name and the birth registration details".into(),
                shared_birth_record_information: true,
                agreement_received: true,
            },
        )
        .await?;
    step(
        w,
        id,
        RequestStep::SupportExternalAccess {
            note: reason("Their worker read the file with Sam at our office"),
        },
    )
    .await?;
    step(
        w,
        id,
        RequestStep::Close {
            summary: reason("Counselling finished; Sam has what he asked for."),
        },
    )
    .await?;
    Ok(())
}

/// Links in several states, made through the same calls the pages use, by the demo users:
/// one waiting for Southvale's answer, one Robin asked for that Northshire is considering, one
/// being explored with messages, and one closed with feedback Robin can read.
async fn load_links(store: &Store, agencies: &[Agency], robins: i64) -> Result<(), CliError> {
    use kinlink_domain::link::{CloseReason, LinkEvent, Side};
    use kinlink_domain::policy::Viewer;
    use kinlink_store::{LinkChange, LinkSource, LinkViewer, NewLink, User};
    let person = |email: &'static str| demo_user(store, email);
    let finder = person("family.finder@northshire.example").await?;
    let child_worker = person("social.worker@northshire.example").await?;
    let family_worker = person("social.worker@southvale.example").await?;
    let robin = person("adopter@southvale.example").await?;
    let (children, families) = linkable(store, agencies, robins).await?;
    let (&[a, b, c, d, ..], &[other, ..]) = (children.as_slice(), families.as_slice()) else {
        return Err(CliError::Message(
            "the demo population has too few children or families for links".into(),
        ));
    };
    let robins_area = store.household(robins).await?.area;
    let viewer = |u: &User, region: &'static str| Viewer {
        actor: u.actor(),
        region,
        household_active: u.household_id.is_some(),
        household_area: None,
    };
    let ask = |child, household, side, note: &str| NewLink {
        child_profile_id: child,
        household_id: household,
        side,
        note: note.into(),
        confirmed: true,
        source: LinkSource::Register,
    };
    let looking = |u: &User| LinkViewer {
        actor: u.actor(),
        household: u.household_id,
    };
    let step = |event, feedback: &str| LinkChange {
        event,
        feedback: feedback.into(),
        panel_date: None,
        note: String::new(),
    };
    // The demo agencies' regions (DEMO_AGENCIES).
    let north = "North West";
    let adopter_viewer = Viewer {
        household_area: Some(robins_area.as_str()),
        ..viewer(&robin, "South East")
    };
    let who = |u: &User| Who::person(u.actor(), "demo");
    // 1. Waiting for Southvale: Northshire's family finder asked.
    store
        .request_link(&who(&finder), viewer(&finder, north), None, &ask(a, robins, Side::Child,
            "Robin and Kit's approval and their experience with young children fit well. Could we talk?"))
        .await?;
    // 2. Robin asked; Northshire is considering it.
    let considering = store
        .request_link(
            &who(&robin),
            adopter_viewer,
            Some(robins),
            &ask(
                b,
                robins,
                Side::Family,
                "We read the profile many times. We have a big garden and love being outdoors.",
            ),
        )
        .await?;
    store
        .change_link(
            &who(&child_worker),
            looking(&child_worker),
            considering,
            &step(LinkEvent::Consider, ""),
        )
        .await?;
    // 3. Being explored between Northshire and another Southvale family, with messages.
    let exploring = store
        .request_link(&who(&child_worker), viewer(&child_worker, north), None, &ask(c, other, Side::Child,
            "The family's approval covers the needs described, and they are far from the birth family."))
        .await?;
    store
        .change_link(
            &who(&family_worker),
            looking(&family_worker),
            exploring,
            &step(LinkEvent::Explore, ""),
        )
        .await?;
    store
        .post_link_message(
            &who(&child_worker),
            looking(&child_worker),
            exploring,
            "Thank you. Could we arrange a call next week to talk it through?",
            true,
            None,
        )
        .await?;
    store
        .post_link_message(
            &who(&family_worker),
            looking(&family_worker),
            exploring,
            "Yes. Tuesday afternoon suits the family and me.",
            true,
            None,
        )
        .await?;
    // 4. Closed with feedback that Robin reads.
    let declined = store
        .request_link(
            &who(&robin),
            adopter_viewer,
            Some(robins),
            &ask(d, robins, Side::Family, "We would love to be considered."),
        )
        .await?;
    store.change_link(&who(&child_worker), looking(&child_worker), declined, &step(LinkEvent::Close(CloseReason::OtherLinkProgressing),
        "Thank you for your interest. Another link is progressing for this child, so we will not take this one forward.")).await?;
    Ok(())
}

/// Two events: an Activity Day held four weeks ago (two children, two families who came, and
/// a link from the day now being explored), replayed at the times it happened; and an Exchange
/// Day in three weeks, open for bookings, with two of Northshire's children featured and Robin
/// and Kit's family booked.
async fn load_events(store: &Store, agencies: &[Agency], robins: i64) -> Result<(), CliError> {
    use kinlink_domain::clock::ManualClock;
    use kinlink_domain::event::{EventDetails, EventKind, EventStep, TimeOfDay};
    use kinlink_domain::link::{LinkEvent, Side};
    use kinlink_domain::policy::Viewer;
    use kinlink_domain::profile::CivilDate;
    use kinlink_store::{EventViewer, LinkChange, LinkSource, LinkViewer, NewLink, User};
    const DAY: i64 = 86_400;
    let person = |email: &'static str| demo_user(store, email);
    let admin = person("register.admin@register.example").await?;
    let child_worker = person("social.worker@northshire.example").await?;
    let family_worker = person("social.worker@southvale.example").await?;
    let finder = person("family.finder@northshire.example").await?;
    let (children, families) = linkable(store, agencies, robins).await?;
    // The first four children are in the demo's links (load_links).
    let (&[.., e, f, g, h], &[x, y, ..]) = (children.as_slice(), families.as_slice()) else {
        return Err(CliError::Message(
            "the demo population has too few children or families for events".into(),
        ));
    };
    let who = |u: &User| Who::person(u.actor(), "demo");
    let staff = |u: &User| Viewer {
        actor: u.actor(),
        region: "North West",
        household_active: false,
        household_area: None,
    };
    let looking = |u: &User| EventViewer {
        viewer: staff(u),
        household: None,
    };
    let time =
        |h| TimeOfDay::new(h, 0).ok_or_else(|| CliError::Message(format!("no such hour: {h}")));
    let date = |t: i64| CivilDate::from_unix(t);
    let now = store.now();

    // The Activity Day, as it happened.
    let held_on = now - 28 * DAY;
    let clock = std::sync::Arc::new(ManualClock::at(held_on - 7 * DAY));
    let past = store.with_clock(clock.clone());
    let activity = EventDetails {
        kind: EventKind::ActivityDay,
        title: "Autumn Activity Day at Brookfield Farm".into(),
        date: date(held_on),
        starts: time(10)?,
        ends: time(15)?,
        online: false,
        venue: "Brookfield Farm Park (meet at the barn)".into(),
        region: "North West".into(),
        household_places: 12,
        child_places: 10,
        booking_deadline: date(held_on - 3 * DAY),
        description: "Pumpkin carving, a tractor ride and a picnic lunch. Workers stay with their children throughout.".into(),
    };
    let id = past
        .create_event(&who(&admin), admin.actor(), &activity)
        .await?;
    past.change_event_status(&who(&admin), admin.actor(), id, EventStep::Open, "")
        .await?;
    for (child, note) in [(e, "Needs a quiet space to take a break."), (f, "")] {
        past.feature_child(&who(&child_worker), staff(&child_worker), id, child, note)
            .await?;
    }
    let mut bookings = Vec::new();
    for family in [x, y] {
        bookings.push(
            past.book_family(&who(&family_worker), looking(&family_worker), id, family)
                .await?
                .0,
        );
    }
    clock.set(held_on + 14 * 3600);
    for booking in bookings {
        past.record_attendance(&who(&admin), admin.actor(), id, booking, true)
            .await?;
    }
    let link = past
        .request_link(&who(&admin), staff(&admin), None, &NewLink {
            child_profile_id: e,
            household_id: x,
            side: Side::Family,
            note: "They spent the afternoon with her at the pumpkin table and would like to know more.".into(),
            confirmed: true,
            source: LinkSource::Event(id),
        })
        .await?;
    past.change_event_status(&who(&admin), admin.actor(), id, EventStep::RecordHeld, "")
        .await?;
    clock.set(held_on + 3 * DAY);
    let worker = LinkViewer {
        actor: child_worker.actor(),
        household: None,
    };
    for event in [LinkEvent::Consider, LinkEvent::Explore] {
        let change = LinkChange {
            event,
            feedback: String::new(),
            panel_date: None,
            note: String::new(),
        };
        past.change_link(&who(&child_worker), worker, link, &change)
            .await?;
    }

    // The Exchange Day to come.
    let on = now + 21 * DAY;
    let exchange = EventDetails {
        kind: EventKind::ExchangeDay,
        title: "Spring Exchange Day, Manchester".into(),
        date: date(on),
        starts: time(10)?,
        ends: time(16)?,
        online: false,
        venue: "Central Hall, Oldham Street, Manchester".into(),
        region: "North West".into(),
        household_places: 40,
        child_places: 30,
        booking_deadline: date(on - 7 * DAY),
        description: "Agencies from across the North West bring their children's profiles. Approved adopters meet the children's workers and family finders.".into(),
    };
    let id = store
        .create_event(&who(&finder), finder.actor(), &exchange)
        .await?;
    store
        .change_event_status(&who(&finder), finder.actor(), id, EventStep::Open, "")
        .await?;
    for child in [g, h] {
        store
            .feature_child(&who(&child_worker), staff(&child_worker), id, child, "")
            .await?;
    }
    for family in [robins, y] {
        store
            .book_family(&who(&family_worker), looking(&family_worker), id, family)
            .await?;
    }
    Ok(())
}

/// A demo user by e-mail.
async fn demo_user(store: &Store, email: &str) -> Result<kinlink_store::User, CliError> {
    store
        .user_by_email(email)
        .await?
        .ok_or_else(|| CliError::Message(format!("the demo user {email} is missing")))
}

/// Northshire's published children everyone may see, and Southvale's active families other
/// than Robin and Kit's: those the demo's links and events are made between.
async fn linkable(
    store: &Store,
    agencies: &[Agency],
    robins: i64,
) -> Result<(Vec<i64>, Vec<i64>), CliError> {
    use kinlink_domain::policy::ChildVisibility;
    let children = store
        .agency_child_profiles(
            &Permit::for_operator(Action::EditChildProfile {
                agency: agencies[0].id,
            }),
            Some(ChildStatus::Published),
        )
        .await?
        .into_iter()
        .filter(|p| p.visibility == ChildVisibility::All)
        .map(|p| p.id)
        .collect();
    let families = store
        .agency_households(&Permit::for_operator(Action::EditHousehold {
            agency: agencies[1].id,
        }))
        .await?
        .into_iter()
        .filter(|h| h.status == HouseholdStatus::Active && h.id != robins)
        .map(|h| h.id)
        .collect();
    Ok((children, families))
}

/// The seed of every demo population: the same children every time.
const SEED: u64 = 2026;

/// Children and families from the generator. The demo set puts every child with Northshire
/// Council and every family with Southvale (the demo adopter's household among them); the
/// England set adds one regional agency per region, with a social worker each, and places
/// children and families by region.
async fn load_population(
    store: &Store,
    agencies: &[Agency],
    demo_household: i64,
    dataset: Dataset,
    hash: &kinlink_domain::secret::Secret,
) -> Result<(), CliError> {
    let who = Who::operator();
    let now = store.now();
    let population = kinlink_synthetic::generate(dataset, SEED, CivilDate::from_unix(now));
    let northshire_worker = worker_of(store, &agencies[0]).await?;
    let southvale_worker = worker_of(store, &agencies[1]).await?;
    let mut regional: Vec<(&str, Agency, i64)> = Vec::new();
    if dataset != Dataset::DEMO {
        for region in kinlink_domain::places::REGIONS {
            let agency = store
                .create_agency(
                    &Permit::for_operator(Action::ManageAgencies),
                    &who,
                    &NewAgency {
                        name: format!("Adopt {region} (synthetic)"),
                        kind: AgencyKind::RegionalAdoptionAgency,
                        region: region.into(),
                        mfa_required: false,
                    },
                )
                .await?;
            let slug: String = region
                .to_lowercase()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect();
            let new = NewUser {
                email: format!("social.worker@{slug}.example"),
                name: format!("Worker for {region}"),
                role: Role::SocialWorker,
                agency_id: agency.id,
                household_id: None,
                password_hash: hash.clone(),
                password_must_change: false,
            };
            let permit = Permit::for_operator(Action::CreateUser {
                agency: agency.id,
                agency_kind: agency.kind,
                role: Role::SocialWorker,
            });
            let worker = store.create_user(&permit, &who, &new).await?.id;
            regional.push((region, agency, worker));
        }
    }
    let home_of = |region: &str, fallback: (i64, i64)| {
        regional
            .iter()
            .find(|(r, _, _)| *r == region)
            .map_or(fallback, |(_, a, w)| (a.id, *w))
    };
    for (i, generated) in population.child_profiles.iter().enumerate() {
        let (agency, worker) = home_of(generated.region(), (agencies[0].id, northshire_worker));
        let published_at =
            (!generated.draft).then(|| now - i64::from(generated.waiting_days) * DAY);
        // A few of the longest-waiting profiles are overdue a review, so the dashboard shows it.
        let reviewed_at = published_at.map(|at| {
            if generated.waiting_days > 400 && i % 3 == 0 {
                now - 75 * DAY
            } else {
                (now - (i as i64 * 7 % 45) * DAY).max(at)
            }
        });
        let photos = if dataset == Dataset::DEMO && !generated.draft {
            let jpeg = kinlink_photos::placeholder(SEED + i as u64);
            match kinlink_photos::accept(&jpeg, &kinlink_photos::Limits::default()) {
                Ok(p) => vec![NewPhoto {
                    jpeg: p.jpeg,
                    width: p.width,
                    height: p.height,
                    description: "A generated picture of soft shapes and colours (demo data, not a photo of a child)".into(),
                }],
                Err(_) => Vec::new(),
            }
        } else {
            Vec::new()
        };
        let import = ChildImport {
            details: &generated.profile,
            children: &generated.children,
            status: if generated.draft {
                ChildStatus::Draft
            } else {
                ChildStatus::Published
            },
            worker_id: worker,
            published_at,
            reviewed_at,
            photos: &photos,
        };
        store
            .import_child_profile(
                &Permit::for_operator(Action::EditChildProfile { agency }),
                &who,
                &import,
            )
            .await?;
    }
    for (i, generated) in population.households.iter().enumerate() {
        let (agency, worker) = home_of(generated.region(), (agencies[1].id, southvale_worker));
        // The demo adopter's household is the first: active, so Robin can search at once.
        let existing = (i == 0).then_some(demo_household);
        let agency = if i == 0 { agencies[1].id } else { agency };
        let worker = if i == 0 { southvale_worker } else { worker };
        let mut details = generated.details.clone();
        if i == 0 {
            details.applicants = vec!["Robin Ashdown".into(), "Kit Ashdown".into()];
        }
        store
            .import_household(
                &Permit::for_operator(Action::EditHousehold { agency }),
                &who,
                &HouseholdImport {
                    existing,
                    details: &details,
                    status: HouseholdStatus::Active,
                    active_since: Some(now - i64::from(generated.active_days) * DAY),
                    worker_id: Some(worker),
                },
            )
            .await?;
    }
    Ok(())
}

const DAY: i64 = 86_400;

async fn worker_of(store: &Store, agency: &Agency) -> Result<i64, CliError> {
    let permit = Permit::for_operator(Action::ListUsers { agency: agency.id });
    store
        .users_of_agency(&permit)
        .await?
        .into_iter()
        .find(|u| u.role == Role::SocialWorker)
        .map(|u| u.id)
        .ok_or_else(|| CliError::Message(format!("{} has no social worker", agency.name)))
}

pub fn print_logins(listen: SocketAddr, loaded: bool) {
    let host = if listen.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        listen.ip().to_string()
    };
    println!();
    println!(
        "Kinlink demo is running at http://{host}:{}/",
        listen.port()
    );
    println!(
        "{}",
        if loaded {
            "Loaded the demo data set (synthetic people only)."
        } else {
            "Using the existing demo database."
        }
    );
    println!();
    println!("Sign in as any of these (password for all: {DEMO_PASSWORD}):");
    for (email, _, role, _) in DEMO_USERS {
        println!("  {:<24} {email}", role.label());
    }
    println!();
    println!("Stop with Ctrl-C.");
}
