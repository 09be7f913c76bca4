//! A test client for the real router: a fresh database per test, an injected clock, and a
//! "browser" that keeps cookies and sends each form's CSRF token like a real one would.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use kinlink_domain::clock::ManualClock;
use kinlink_domain::policy::{Action, Permit};
use kinlink_domain::secret::Secret;
use kinlink_domain::{AgencyKind, Role};
use kinlink_store::testing::TestDb;
use kinlink_store::{Agency, NewAgency, NewUser, Store, User, Who};
use kinlink_web::{AppState, WebConfig};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::OnceCell;
use tower::ServiceExt;

pub const PASSWORD: &str = "kinlink-demo-2026";
pub const START: i64 = 1_795_454_040; // 23 November 2026, 17:14 UTC

/// A folder of its own for each test app's sealed documents.
fn documents_folder() -> std::path::PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("documents-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub struct App {
    /// Where this app's sealed documents are written.
    pub documents: std::path::PathBuf,
    pub router: Router,
    pub store: Store,
    pub clock: Arc<ManualClock>,
    pub north: Agency,
    pub south: Agency,
    pub register: Agency,
    _db: TestDb,
}

async fn password_hash() -> Secret {
    static HASH: OnceCell<Secret> = OnceCell::const_new();
    HASH.get_or_init(|| async { kinlink_web::hash_password(PASSWORD.into()).await.unwrap() })
        .await
        .clone()
}

/// The people every test starts with: one per role, as in the demo.
pub const PEOPLE: &[(&str, Role, &str)] = &[
    (
        "register.admin@register.example",
        Role::RegisterAdmin,
        "register",
    ),
    (
        "agency.admin@northshire.example",
        Role::AgencyAdmin,
        "north",
    ),
    (
        "team.manager@northshire.example",
        Role::TeamManager,
        "north",
    ),
    (
        "social.worker@northshire.example",
        Role::SocialWorker,
        "north",
    ),
    (
        "family.finder@northshire.example",
        Role::FamilyFinder,
        "north",
    ),
    (
        "business.support@northshire.example",
        Role::BusinessSupport,
        "north",
    ),
    ("agency.admin@southvale.example", Role::AgencyAdmin, "south"),
    (
        "social.worker@southvale.example",
        Role::SocialWorker,
        "south",
    ),
    ("adopter@southvale.example", Role::Adopter, "south"),
];

impl App {
    pub async fn sqlite() -> App {
        Self::on(
            TestDb::sqlite(),
            WebConfig {
                secure_cookies: false,
                ..WebConfig::default()
            },
        )
        .await
    }

    pub async fn postgres() -> Option<App> {
        let db = TestDb::postgres().await?;
        Some(
            Self::on(
                db,
                WebConfig {
                    secure_cookies: false,
                    ..WebConfig::default()
                },
            )
            .await,
        )
    }

    pub async fn with_config(config: WebConfig) -> App {
        Self::on(TestDb::sqlite(), config).await
    }

    pub async fn on(db: TestDb, config: WebConfig) -> App {
        let clock = Arc::new(ManualClock::at(START));
        let store = db.store(clock.clone()).await;
        let op = Who::operator();
        let agency = |name: &str, kind, region: &str| NewAgency {
            name: name.into(),
            kind,
            region: region.into(),
            mfa_required: false,
        };
        let permit = Permit::for_operator(Action::ManageAgencies);
        let north = store
            .create_agency(
                &permit,
                &op,
                &agency(
                    "Northshire Council",
                    AgencyKind::LocalAuthority,
                    "North West",
                ),
            )
            .await
            .unwrap();
        let south = store
            .create_agency(
                &permit,
                &op,
                &agency(
                    "Southvale Adoption Agency",
                    AgencyKind::VoluntaryAdoptionAgency,
                    "South East",
                ),
            )
            .await
            .unwrap();
        let register = store
            .create_agency(
                &permit,
                &op,
                &agency("The Adoption Register", AgencyKind::Register, "England"),
            )
            .await
            .unwrap();
        let household = store
            .create_household(&op, south.id, "Robin and Kit Ashdown")
            .await
            .unwrap();
        let hash = password_hash().await;
        for (email, role, which) in PEOPLE {
            let a = match *which {
                "north" => &north,
                "south" => &south,
                _ => &register,
            };
            let new = NewUser {
                email: (*email).into(),
                name: format!("{} Tester", role.label().split_whitespace().next().unwrap()),
                role: *role,
                agency_id: a.id,
                household_id: (*role == Role::Adopter).then_some(household),
                password_hash: hash.clone(),
                password_must_change: false,
            };
            let permit = Permit::for_operator(Action::CreateUser {
                agency: a.id,
                agency_kind: a.kind,
                role: *role,
            });
            store.create_user(&permit, &op, &new).await.unwrap();
        }
        let documents = documents_folder();
        let state = AppState::new(store.clone(), config).with_documents(kinlink_web::Documents {
            store: kinlink_documents::DocumentStore::local(
                &documents,
                kinlink_documents::MasterKey::generate().unwrap(),
            )
            .unwrap(),
            scanner: kinlink_documents::Scanner::None,
            limits: kinlink_documents::Limits::default(),
        });
        let router = kinlink_web::router(state);
        App {
            router,
            documents,
            store,
            clock,
            north,
            south,
            register,
            _db: db,
        }
    }

    pub fn browser(&self) -> Browser<'_> {
        Browser {
            app: self,
            cookies: HashMap::new(),
            csrf: None,
            ip: "192.0.2.10".parse().unwrap(),
        }
    }

    pub async fn user(&self, email: &str) -> User {
        self.store.user_by_email(email).await.unwrap().unwrap()
    }

    pub async fn audit_count(&self) -> i64 {
        self.store.audit_head().await.unwrap().seq
    }

    /// A JSON API token made by an agency's administrator through the page, as a real one is.
    pub async fn api_token(&self, admin: &str) -> String {
        let mut browser = self.browser();
        browser.sign_in(admin).await;
        browser.get("/admin/api-tokens").await;
        let made = browser
            .post("/admin/api-tokens", &[("name", "Case system")])
            .await;
        let start = made.body.find("id=\"new-token\">").unwrap() + "id=\"new-token\">".len();
        made.body[start..start + made.body[start..].find('<').unwrap()].to_owned()
    }

    /// A JSON API request as a case system sends it, for `person` if given: the answer's
    /// status, headers and bytes.
    pub async fn api_send(
        &self,
        token: &str,
        person: Option<&str>,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "kinlink.test")
            .header(header::AUTHORIZATION, format!("Bearer {token}"));
        if let Some(p) = person {
            req = req.header("x-on-behalf-of", p);
        }
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        let mut req = req
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([203, 0, 113, 9], 40000))));
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        (status, headers, bytes)
    }

    /// [`App::api_send`], the answer read as JSON (`null` if it is not).
    pub async fn api(
        &self,
        token: &str,
        person: Option<&str>,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, serde_json::Value) {
        let (status, _, bytes) = self.api_send(token, person, method, path, body).await;
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }

    pub async fn last_audit_action(&self) -> String {
        let permit = Permit::for_operator(Action::ViewAuditLog {
            scope: kinlink_domain::policy::AuditScope::All,
        });
        self.store
            .audit_entries(&permit, None, 1)
            .await
            .unwrap()
            .remove(0)
            .event
            .action
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    /// The page's main heading text.
    pub fn h1(&self) -> String {
        let start = self
            .body
            .find("<h1")
            .map(|i| i + self.body[i..].find('>').unwrap() + 1)
            .unwrap_or(0);
        let end = self.body[start..]
            .find("</h1>")
            .map(|i| start + i)
            .unwrap_or(start);
        self.body[start..end].trim().to_owned()
    }
    pub fn has_error_summary(&self) -> bool {
        self.body.contains("govuk-error-summary") && self.body.contains("There is a problem")
    }
}

pub struct Browser<'a> {
    pub app: &'a App,
    pub cookies: HashMap<String, String>,
    pub csrf: Option<String>,
    pub ip: std::net::IpAddr,
}

impl Browser<'_> {
    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Option<String>,
        extra: &[(&str, &str)],
    ) -> Response {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "kinlink.test");
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(header::COOKIE, c.join("; "));
        }
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let mut req = req
            .body(body.map(Body::from).unwrap_or_else(Body::empty))
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(self.ip, 40000)));
        let res = self.app.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
        let body = String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec())
            .unwrap();
        if let Some(token) = find_csrf(&body) {
            self.csrf = Some(token);
        }
        Response {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Response {
        self.request(Method::GET, path, None, &[]).await
    }

    /// Posts a form as a browser would, with the CSRF token from the last page.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        let token = self.csrf.clone().unwrap_or_default();
        all.push(("csrf_token", &token));
        let body = serde_urlencoded::to_string(&all).unwrap();
        self.request(Method::POST, path, Some(body), &[]).await
    }

    /// Posts a form without any CSRF token.
    pub async fn post_without_token(&mut self, path: &str, fields: &[(&str, &str)]) -> Response {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.request(Method::POST, path, Some(body), &[]).await
    }

    pub async fn sign_in_with(&mut self, email: &str, password: &str) -> Response {
        self.get("/sign-in").await;
        self.post("/sign-in", &[("email", email), ("password", password)])
            .await
    }

    /// Signs in and lands on the dashboard.
    pub async fn sign_in(&mut self, email: &str) {
        let res = self.sign_in_with(email, PASSWORD).await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "sign-in of {email} failed: {}",
            res.body
        );
        assert_eq!(res.location(), "/");
        let home = self.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
    }
}

fn find_csrf(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let i = html.find(marker)? + marker.len();
    let j = html[i..].find('"')?;
    Some(html[i..i + j].to_owned())
}

// ---- children's profiles ---------------------------------------------------------------------

impl App {
    /// Adds one more person to an agency (e.g. a second team manager, to sign off what the
    /// first sent), with the same password as everyone else.
    pub async fn add_person(&self, email: &str, name: &str, role: Role, agency: &Agency) -> User {
        let new = NewUser {
            email: email.into(),
            name: name.into(),
            role,
            agency_id: agency.id,
            household_id: None,
            password_hash: password_hash().await,
            password_must_change: false,
        };
        let permit = Permit::for_operator(Action::CreateUser {
            agency: agency.id,
            agency_kind: agency.kind,
            role,
        });
        self.store
            .create_user(&permit, &Who::operator(), &new)
            .await
            .unwrap()
    }

    /// The actions audited after `seq` (from [`App::audit_count`]), oldest first.
    pub async fn audit_actions_since(&self, seq: i64) -> Vec<String> {
        let permit = Permit::for_operator(Action::ViewAuditLog {
            scope: kinlink_domain::policy::AuditScope::All,
        });
        let mut actions: Vec<String> = self
            .store
            .audit_entries(&permit, None, 10_000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.seq > seq)
            .map(|e| e.event.action)
            .collect();
        actions.reverse();
        actions
    }
}

/// A response whose body is bytes (a photo), not a page.
pub struct RawResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One part of a multipart form: a field's name, and for a file its name and media type.
pub struct Part<'a> {
    pub name: &'a str,
    pub file: Option<(&'a str, &'a str)>,
    pub bytes: &'a [u8],
}

impl Browser<'_> {
    /// Sends any body (bytes, any content type) and keeps the cookies; the answer stays bytes.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> RawResponse {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "kinlink.test");
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header(header::COOKIE, c.join("; "));
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let mut req = req.body(Body::from(body)).unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::new(self.ip, 40000)));
        let res = self.app.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for v in headers.get_all(header::SET_COOKIE) {
            let v = v.to_str().unwrap();
            let (pair, attrs) = v.split_once(';').unwrap_or((v, ""));
            let (k, val) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), val.to_owned());
            }
        }
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        RawResponse {
            status,
            headers,
            body,
        }
    }

    /// A GET whose answer is kept as bytes (a photo).
    pub async fn get_bytes(&mut self, path: &str) -> RawResponse {
        self.send(Method::GET, path, None, Vec::new()).await
    }

    /// Posts a multipart form (a file upload) to `path` exactly as given: a form that carries
    /// its CSRF token in the query string puts it in `path`.
    pub async fn post_multipart(&mut self, path: &str, parts: &[Part<'_>]) -> Response {
        const BOUNDARY: &str = "----kinlink-test-boundary-7d93a1";
        let mut body = Vec::new();
        for part in parts {
            body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
            match part.file {
                Some((filename, media_type)) => body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"{}\"; filename=\"{filename}\"\r\nContent-Type: {media_type}\r\n\r\n",
                        part.name
                    )
                    .as_bytes(),
                ),
                None => body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{}\"\r\n\r\n", part.name)
                        .as_bytes(),
                ),
            }
            body.extend_from_slice(part.bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        let raw = self
            .send(
                Method::POST,
                path,
                Some(&format!("multipart/form-data; boundary={BOUNDARY}")),
                body,
            )
            .await;
        let body = String::from_utf8(raw.body).unwrap();
        if let Some(token) = find_csrf(&body) {
            self.csrf = Some(token);
        }
        Response {
            status: raw.status,
            headers: raw.headers,
            body,
        }
    }
}

// ---- the register's people: children and families made through the store -------------------

use kinlink_domain::child::{
    ChildConfidential, ChildDetails, Contact, Ethnicity, Gender, LegalStatus, ProfileDetails,
};
use kinlink_domain::household::HouseholdDetails;
use kinlink_domain::policy::ChildVisibility;
use kinlink_domain::profile::{ChildStatus, CivilDate, HouseholdStatus};
use kinlink_store::{ChildImport, HouseholdImport};

/// Publishes a Northshire child (through the store, as the demo loads its data), allocated to
/// Northshire's social worker.
pub async fn published_child(app: &App, alias: &str) -> i64 {
    let details = ProfileDetails {
        visibility: ChildVisibility::All,
        home_area: "Cumbria".into(),
        excluded_areas: vec![],
        contact: Contact {
            letterbox: true,
            ..Contact::default()
        },
        contact_notes: String::new(),
        requirements: vec![],
        requirement_notes: String::new(),
        text: "A cheerful child who loves drawing, climbing and stories at bedtime.".into(),
    };
    let child = ChildDetails {
        alias: alias.into(),
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
    publish_child(app, &details, child).await
}

/// Publishes `child` with Northshire under `details`, allocated to Northshire's social worker.
pub async fn publish_child(app: &App, details: &ProfileDetails, child: ChildDetails) -> i64 {
    publish_children(app, details, &[child]).await
}

/// Publishes a Northshire profile of these children (a sibling group when more than one)
/// straight through the store, as the demo loads its data, now.
pub async fn publish_children(
    app: &App,
    details: &ProfileDetails,
    children: &[ChildDetails],
) -> i64 {
    let worker = app.user("social.worker@northshire.example").await.id;
    app.store
        .import_child_profile(
            &Permit::for_operator(Action::EditChildProfile {
                agency: app.north.id,
            }),
            &Who::operator(),
            &ChildImport {
                details,
                children,
                status: ChildStatus::Published,
                worker_id: worker,
                published_at: Some(app.store.now()),
                reviewed_at: None,
                photos: &[],
            },
        )
        .await
        .unwrap()
}

/// An approved Southvale family in Kent.
pub async fn active_family(app: &App, applicants: &[&str]) -> i64 {
    approved_family(app, None, applicants).await
}

/// Approves a Southvale family: a new one, or the `existing` household (such as the demo
/// adopter's) with these applicants.
pub async fn approved_family(app: &App, existing: Option<i64>, applicants: &[&str]) -> i64 {
    import_family(app, existing, &family_details(applicants)).await
}

/// A Southvale family in Kent approved for one or two children up to eight, open to letterbox
/// contact; heritage and experience not recorded.
pub fn family_details(applicants: &[&str]) -> HouseholdDetails {
    HouseholdDetails {
        applicants: applicants.iter().map(|a| (*a).to_owned()).collect(),
        approved_on: CivilDate::new(2026, 6, 1),
        children_min: 1,
        children_max: 2,
        age_min_years: 0,
        age_max_years: 8,
        gender: None,
        needs: vec![],
        contact: Contact {
            letterbox: true,
            ..Contact::default()
        },
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
        text: "We are a calm and playful family who love the outdoors.".into(),
        consent_to_referral: true,
    }
}

/// Stores `details` as an active Southvale family: a new one, or the `existing` household.
pub async fn import_family(app: &App, existing: Option<i64>, details: &HouseholdDetails) -> i64 {
    app.store
        .import_household(
            &Permit::for_operator(Action::EditHousehold {
                agency: app.south.id,
            }),
            &Who::operator(),
            &HouseholdImport {
                existing,
                details,
                status: HouseholdStatus::Active,
                active_since: Some(app.store.now()),
                worker_id: None,
            },
        )
        .await
        .unwrap()
}
