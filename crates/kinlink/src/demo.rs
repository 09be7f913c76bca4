//! The `demo` data set: two agencies and the register's own team, one user for each role, all
//! synthetic. Loaded only into an empty database, so restarting the demo keeps what was done.

use crate::cli::CliError;
use kinlink_domain::policy::{Action, Permit};
use kinlink_domain::{AgencyKind, Role};
use kinlink_store::{NewAgency, NewUser, Store, Who};
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

/// Loads the demo set unless the database already has agencies. Returns whether it loaded.
pub async fn load_if_empty(store: &Store) -> Result<bool, CliError> {
    if !store.agencies().await?.is_empty() {
        return Ok(false);
    }
    load(store).await?;
    Ok(true)
}

pub async fn load(store: &Store) -> Result<(), CliError> {
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
    Ok(())
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
