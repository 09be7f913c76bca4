//! Children's and sibling groups' profiles: writing them (with their checks, status history and
//! audit entries in one transaction), reading them only through the policy, and searching them.

use crate::error::corrupt;
use crate::{Backend, Store, StoreError, Who};
use kinlink_domain::Timestamp;
use kinlink_domain::audit::{AuditEvent, entry_hash};
use kinlink_domain::child::{
    ChildConfidential, ChildDetails, ChildProfile, ChildView, Contact, Ethnicity,
    FamilyRequirement, Gender, LegalStatus, Need, PhotoRef, ProfileDetails,
};
use kinlink_domain::confidentiality::{FindingKind, ScanContext};
use kinlink_domain::places;
use kinlink_domain::policy::{Action, ChildVisibility, Permit, Viewer, Visible, reveal_child};
use kinlink_domain::profile::{
    Age, ChildEvent, ChildStatus, CivilDate, NeedCategory, NeedLevel, ProfileActor,
};

/// Binds a child's fourteen stored columns, in the order the INSERT and UPDATE name them.
macro_rules! bind_child {
    ($query:expr, $child:expr) => {
        $query
            .bind($child.alias.trim())
            .bind($child.born.to_string())
            .bind($child.gender.as_str())
            .bind($child.ethnicity.as_str())
            .bind(&$child.ethnicity_detail)
            .bind(&$child.religion)
            .bind($child.languages.join(", "))
            .bind($child.legal_status.as_str())
            .bind(needs_json(&$child.needs))
            .bind($child.confidential.surname.trim())
            .bind(&$child.confidential.address)
            .bind(&$child.confidential.school)
            .bind(&$child.confidential.placement_location)
            .bind($child.confidential.birth_relatives.join("\n"))
    };
}

/// Inserts one child into `$profile` inside the open transaction; evaluates to the new id.
macro_rules! insert_child {
    ($tx:ident, $profile:expr, $child:expr, $now:expr) => {{
        let child: &ChildDetails = $child;
        let query = sqlx::query_scalar(
            "INSERT INTO children (profile_id, alias, born, gender, ethnicity, ethnicity_detail, religion, languages, \
             legal_status, needs, surname, address, school, placement_location, birth_relatives, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .bind($profile);
        let id: i64 = bind_child!(query, child)
        .bind($now)
        .fetch_one(&mut *$tx)
        .await?;
        id
    }};
}

/// The profile's status, with the row locked until commit (SQLite's write transaction already
/// holds the database's one write lock); not found unless it belongs to `$agency`.
macro_rules! locked_status {
    ($self:ident, $tx:ident, $id:expr, $agency:expr) => {{
        let found: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT status FROM child_profiles WHERE id = $1 AND agency_id = $2{}",
            $self.row_lock()
        )))
        .bind($id)
        .bind($agency)
        .fetch_optional(&mut *$tx)
        .await?;
        match found {
            None => Err(StoreError::NotFound),
            Some(code) => ChildStatus::parse(&code).ok_or_else(|| corrupt("status", &code)),
        }
    }};
}

/// Recomputes the columns search filters on from the profile's current children.
macro_rules! refresh_search_columns {
    ($tx:ident, $profile:expr) => {{
        let rows: Vec<(String, String, String, String)> = sqlx::query_as(
            "SELECT born, gender, legal_status, needs FROM children WHERE profile_id = $1 AND removed_at IS NULL",
        )
        .bind($profile)
        .fetch_all(&mut *$tx)
        .await?;
        let c = SearchColumns::of(&rows);
        sqlx::query(
            "UPDATE child_profiles SET children_count = $1, oldest_born = $2, youngest_born = $3, genders = $4, \
             legal_status = $5, need_physical_health = $6, need_physical_disability = $7, need_learning_disability = $8, \
             need_fasd = $9, need_emotional_behavioural = $10, need_developmental_uncertainty = $11, \
             need_trauma_history = $12 WHERE id = $13",
        )
        .bind(c.count)
        .bind(c.oldest_born)
        .bind(c.youngest_born)
        .bind(c.genders)
        .bind(c.legal_status)
        .bind(c.needs[0])
        .bind(c.needs[1])
        .bind(c.needs[2])
        .bind(c.needs[3])
        .bind(c.needs[4])
        .bind(c.needs[5])
        .bind(c.needs[6])
        .bind($profile)
        .execute(&mut *$tx)
        .await?;
    }};
}

/// What search filters on, kept on the profile row: see the migration.
struct SearchColumns {
    count: i64,
    oldest_born: String,
    youngest_born: String,
    genders: String,
    legal_status: String,
    /// Highest level per category, in `NeedCategory::ALL` order, 0 (none) to 3 (high).
    needs: [i64; 7],
}

impl SearchColumns {
    fn of(rows: &[(String, String, String, String)]) -> Self {
        let mut genders: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        genders.sort_unstable();
        genders.dedup();
        let mut statuses: Vec<&str> = rows.iter().map(|r| r.2.as_str()).collect();
        statuses.sort_unstable();
        statuses.dedup();
        let mut needs = [0i64; 7];
        for (_, _, _, json) in rows {
            let list: Vec<NeedJson> = serde_json::from_str(json).unwrap_or_default();
            for n in list {
                let (Some(cat), Some(level)) =
                    (NeedCategory::parse(&n.category), NeedLevel::parse(&n.level))
                else {
                    continue;
                };
                if let Some(i) = NeedCategory::ALL.iter().position(|c| *c == cat) {
                    needs[i] = needs[i].max(level_rank(level));
                }
            }
        }
        SearchColumns {
            count: rows.len() as i64,
            oldest_born: rows.iter().map(|r| r.0.clone()).min().unwrap_or_default(),
            youngest_born: rows.iter().map(|r| r.0.clone()).max().unwrap_or_default(),
            genders: genders.join(","),
            legal_status: match statuses.as_slice() {
                [one] => (*one).to_owned(),
                _ => "mixed".to_owned(),
            },
            needs,
        }
    }
}

pub(crate) fn level_rank(level: NeedLevel) -> i64 {
    match level {
        NeedLevel::None => 0,
        NeedLevel::Low => 1,
        NeedLevel::Medium => 2,
        NeedLevel::High => 3,
    }
}

/// A confidentiality finding a worker has acknowledged as not identifying.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Acknowledgement {
    pub fingerprint: String,
    pub kind: String,
    pub reason: String,
    pub user_name: Option<String>,
    pub at: Timestamp,
}

/// One status change, with who made it and why.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatusChange {
    pub from_status: String,
    pub to_status: String,
    pub reason: String,
    pub user_name: Option<String>,
    pub at: Timestamp,
}

/// A line in a list of profiles: enough to choose one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildProfileSummary {
    pub id: i64,
    pub title: String,
    pub status: ChildStatus,
    pub children: usize,
    pub agency_name: String,
    pub region: String,
    pub ages: String,
    pub published_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    pub reviewed_at: Timestamp,
    pub worker_name: String,
    pub first_photo: Option<i64>,
    pub excerpt: String,
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    id: i64,
    agency_id: i64,
    agency_name: String,
    region: String,
    status: String,
    visibility: String,
    home_area: String,
    excluded_areas: String,
    contact_letterbox: bool,
    contact_direct: bool,
    contact_siblings: bool,
    contact_notes: String,
    requirements: String,
    requirement_notes: String,
    profile_text: String,
    worker_id: i64,
    worker_name: String,
    submitted_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
    published_at: Option<i64>,
    reviewed_at: i64,
}

macro_rules! profile_select {
    () => {
        "SELECT p.id, p.agency_id, a.name AS agency_name, a.region, p.status, p.visibility, \
     p.home_area, p.excluded_areas, p.contact_letterbox, p.contact_direct, p.contact_siblings, p.contact_notes, \
     p.requirements, p.requirement_notes, p.profile_text, p.worker_id, u.name AS worker_name, p.submitted_by, \
     p.created_at, p.updated_at, p.published_at, p.reviewed_at \
     FROM child_profiles p JOIN agencies a ON a.id = p.agency_id JOIN users u ON u.id = p.worker_id"
    };
}

#[derive(sqlx::FromRow)]
struct ChildOfProfile {
    profile_id: i64,
    #[sqlx(flatten)]
    child: ChildRow,
}

#[derive(sqlx::FromRow)]
struct ChildRow {
    id: i64,
    alias: String,
    born: String,
    gender: String,
    ethnicity: String,
    ethnicity_detail: String,
    religion: String,
    languages: String,
    legal_status: String,
    needs: String,
    surname: String,
    address: String,
    school: String,
    placement_location: String,
    birth_relatives: String,
}

macro_rules! child_select {
    () => {
        "SELECT id, alias, born, gender, ethnicity, ethnicity_detail, religion, languages, \
     legal_status, needs, surname, address, school, placement_location, birth_relatives FROM children"
    };
}

#[derive(serde::Serialize, serde::Deserialize)]
struct NeedJson {
    category: String,
    level: String,
    notes: String,
}

impl ChildRow {
    fn into_view(self, today: CivilDate) -> Result<ChildView, StoreError> {
        let born = CivilDate::parse_iso(&self.born).ok_or_else(|| corrupt("born", &self.born))?;
        let needs: Vec<NeedJson> =
            serde_json::from_str(&self.needs).map_err(|_| corrupt("needs", &self.needs))?;
        let needs = needs
            .into_iter()
            .map(|n| {
                Ok(Need {
                    category: NeedCategory::parse(&n.category)
                        .ok_or_else(|| corrupt("need category", &n.category))?,
                    level: NeedLevel::parse(&n.level)
                        .ok_or_else(|| corrupt("need level", &n.level))?,
                    notes: n.notes,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(ChildView {
            id: self.id,
            alias: self.alias,
            // A child born "today or later" cannot be stored; an age of zero is the safe reading.
            age: Age::on(born, today).unwrap_or(Age {
                years: 0,
                months: 0,
            }),
            gender: Gender::parse(&self.gender).ok_or_else(|| corrupt("gender", &self.gender))?,
            ethnicity: Ethnicity::parse(&self.ethnicity)
                .ok_or_else(|| corrupt("ethnicity", &self.ethnicity))?,
            ethnicity_detail: self.ethnicity_detail,
            religion: self.religion,
            languages: split_list(&self.languages, ','),
            legal_status: LegalStatus::parse(&self.legal_status)
                .ok_or_else(|| corrupt("legal status", &self.legal_status))?,
            needs,
            confidential: Some((
                born,
                ChildConfidential {
                    surname: self.surname,
                    address: self.address,
                    school: self.school,
                    placement_location: self.placement_location,
                    birth_relatives: split_list(&self.birth_relatives, '\n'),
                },
            )),
        })
    }
}

fn split_list(text: &str, sep: char) -> Vec<String> {
    text.split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `|A|B|`: one area is then found with `LIKE '%|A|%'`.
fn area_list(areas: &[String]) -> String {
    if areas.is_empty() {
        String::new()
    } else {
        format!("|{}|", areas.join("|"))
    }
}

fn needs_json(needs: &[Need]) -> String {
    let list: Vec<NeedJson> = needs
        .iter()
        .map(|n| NeedJson {
            category: n.category.as_str().into(),
            level: n.level.as_str().into(),
            notes: n.notes.clone(),
        })
        .collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
}

impl ProfileRow {
    fn into_profile(
        self,
        children: Vec<ChildView>,
        photos: Vec<PhotoRef>,
    ) -> Result<ChildProfile, StoreError> {
        let requirements = self
            .requirements
            .split_whitespace()
            .map(|code| FamilyRequirement::parse(code).ok_or_else(|| corrupt("requirement", code)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ChildProfile {
            id: self.id,
            agency_id: self.agency_id,
            agency_name: self.agency_name,
            region: self.region,
            status: ChildStatus::parse(&self.status)
                .ok_or_else(|| corrupt("status", &self.status))?,
            visibility: ChildVisibility::parse(&self.visibility)
                .ok_or_else(|| corrupt("visibility", &self.visibility))?,
            children,
            home_area: Some(self.home_area),
            excluded_areas: Some(split_list(&self.excluded_areas, '|')),
            contact: Contact {
                letterbox: self.contact_letterbox,
                direct_birth_family: self.contact_direct,
                sibling_contact: self.contact_siblings,
            },
            contact_notes: self.contact_notes,
            requirements,
            requirement_notes: self.requirement_notes,
            text: self.profile_text,
            photos,
            worker_id: self.worker_id,
            worker_name: self.worker_name,
            submitted_by: self.submitted_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            published_at: self.published_at,
            reviewed_at: self.reviewed_at,
        })
    }
}

/// A photo ready to store: re-encoded, with its description for people who cannot see it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPhoto {
    pub jpeg: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub description: String,
}

/// A stored photo.
#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Photo {
    pub id: i64,
    pub jpeg: Vec<u8>,
    pub description: String,
}

impl std::fmt::Debug for Photo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Photo {{ id: {}, {} bytes }}", self.id, self.jpeg.len())
    }
}

/// A profile from a data set, for [`Store::import_child_profile`].
pub struct ChildImport<'a> {
    pub details: &'a ProfileDetails,
    pub children: &'a [ChildDetails],
    pub status: ChildStatus,
    pub worker_id: i64,
    pub published_at: Option<Timestamp>,
    pub reviewed_at: Option<Timestamp>,
    pub photos: &'a [NewPhoto],
}

/// What a child's worker asks of the profile's life cycle (the status change and its reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRequest {
    pub event: ChildEvent,
    pub reason: String,
}

/// Every piece of a child's profile that readers outside the agency see as text, with a label
/// saying where it is: what the confidentiality check scans.
pub fn published_text(profile: &ChildProfile) -> Vec<(String, String)> {
    let mut parts = vec![("Profile".to_owned(), profile.text.clone())];
    for (label, text) in [
        ("Contact plan", &profile.contact_notes),
        ("Family requirements", &profile.requirement_notes),
    ] {
        if !text.trim().is_empty() {
            parts.push((label.to_owned(), text.clone()));
        }
    }
    // Photo descriptions are read by everyone who sees the photo (its alternative text).
    for photo in &profile.photos {
        parts.push(("Photo description".to_owned(), photo.description.clone()));
    }
    for child in &profile.children {
        for need in &child.needs {
            if !need.notes.trim().is_empty() {
                parts.push((
                    format!("{}: {}", child.alias, need.category.label()),
                    need.notes.clone(),
                ));
            }
        }
        for (label, text) in [
            ("ethnicity", &child.ethnicity_detail),
            ("religion", &child.religion),
        ] {
            if !text.trim().is_empty() {
                parts.push((format!("{}: {label}", child.alias), text.clone()));
            }
        }
    }
    parts
}

/// The names the confidentiality check looks for: the children's surnames and birth relatives.
pub fn scan_names(profile: &ChildProfile) -> (Vec<String>, Vec<String>) {
    let mut surnames = Vec::new();
    let mut relatives = Vec::new();
    for child in &profile.children {
        if let Some((_, c)) = &child.confidential {
            surnames.push(c.surname.clone());
            relatives.extend(c.birth_relatives.iter().cloned());
        }
    }
    (surnames, relatives)
}

/// The findings in a full (unredacted) profile's published text: (where, finding).
pub fn child_findings(
    profile: &ChildProfile,
) -> Vec<(String, kinlink_domain::confidentiality::Finding)> {
    let (surnames, relatives) = scan_names(profile);
    let matcher = kinlink_domain::confidentiality::NameMatcher::new(&ScanContext {
        surnames: &surnames,
        relative_names: &relatives,
    });
    published_text(profile)
        .into_iter()
        .flat_map(|(label, text)| {
            matcher
                .scan(&text)
                .into_iter()
                .map(move |f| (label.clone(), f))
        })
        .collect()
}

fn agency_of(permit: &Permit) -> Result<i64, StoreError> {
    match permit.action() {
        Action::EditChildProfile { agency } => Ok(agency),
        _ => Err(StoreError::WrongPermit),
    }
}

impl Store {
    /// Starts a child's profile as a draft, with its first child.
    pub async fn create_child_profile(
        &self,
        permit: &Permit,
        who: &Who,
        details: &ProfileDetails,
        first: &ChildDetails,
    ) -> Result<i64, StoreError> {
        let agency = agency_of(permit)?;
        let actor = permit.actor().ok_or(StoreError::WrongPermit)?;
        let now = self.now();
        check(details.problems(places::is_known))?;
        check(first.problems(CivilDate::from_unix(now)))?;
        write_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO child_profiles (agency_id, status, visibility, home_area, excluded_areas, contact_letterbox, \
                 contact_direct, contact_siblings, contact_notes, requirements, requirement_notes, profile_text, worker_id, \
                 created_at, updated_at, reviewed_at) \
                 VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $13) RETURNING id")
                .bind(agency)
                .bind(details.visibility.as_str())
                .bind(&details.home_area)
                .bind(area_list(&details.excluded_areas))
                .bind(details.contact.letterbox)
                .bind(details.contact.direct_birth_family)
                .bind(details.contact.sibling_contact)
                .bind(&details.contact_notes)
                .bind(requirement_codes(&details.requirements))
                .bind(&details.requirement_notes)
                .bind(&details.text)
                .bind(actor.user_id)
                .bind(now)
                .fetch_one(&mut *tx).await?;
            let child_id = insert_child!(tx, id, first, now);
            refresh_search_columns!(tx, id);
            audit!(self, tx, who.event("child_profile.created", "child_profile", id, Some(agency),
                serde_json::json!({"child_id": child_id})));
            Ok(id)
        })
    }

    /// Loads a profile from a data set (the demo, a national-scale set for trials) in one
    /// transaction: its children, its photos, and a status with the time it was published.
    /// Only the operator imports; the import is one audit entry.
    pub async fn import_child_profile(
        &self,
        permit: &Permit,
        who: &Who,
        import: &ChildImport<'_>,
    ) -> Result<i64, StoreError> {
        let agency = agency_of(permit)?;
        if permit.actor().is_some() {
            return Err(StoreError::WrongPermit);
        }
        let now = self.now();
        check(import.details.problems(places::is_known))?;
        for child in import.children {
            check(child.problems(CivilDate::from_unix(now)))?;
        }
        let details = import.details;
        write_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO child_profiles (agency_id, status, visibility, home_area, excluded_areas, contact_letterbox, \
                 contact_direct, contact_siblings, contact_notes, requirements, requirement_notes, profile_text, worker_id, \
                 created_at, updated_at, reviewed_at, published_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16) RETURNING id")
                .bind(agency)
                .bind(import.status.as_str())
                .bind(details.visibility.as_str())
                .bind(&details.home_area)
                .bind(area_list(&details.excluded_areas))
                .bind(details.contact.letterbox)
                .bind(details.contact.direct_birth_family)
                .bind(details.contact.sibling_contact)
                .bind(&details.contact_notes)
                .bind(requirement_codes(&details.requirements))
                .bind(&details.requirement_notes)
                .bind(&details.text)
                .bind(import.worker_id)
                .bind(import.published_at.unwrap_or(now))
                .bind(import.reviewed_at.unwrap_or(now))
                .bind(import.published_at)
                .fetch_one(&mut *tx).await?;
            for child in import.children {
                insert_child!(tx, id, child, now);
            }
            refresh_search_columns!(tx, id);
            for photo in import.photos {
                sqlx::query("INSERT INTO photos (profile_kind, profile_id, jpeg, width, height, description, uploaded_at) \
                     VALUES ('child', $1, $2, $3, $4, $5, $6)")
                    .bind(id).bind(&photo.jpeg).bind(i64::from(photo.width)).bind(i64::from(photo.height))
                    .bind(&photo.description).bind(now)
                    .execute(&mut *tx).await?;
            }
            audit!(self, tx, who.event("child_profile.imported", "child_profile", id, Some(agency),
                serde_json::json!({"status": import.status.as_str(), "children": import.children.len()})));
            Ok(id)
        })
    }

    /// Changes the profile as a whole. Only a draft can be changed: a published profile is
    /// taken back to draft first, so nothing reaches readers without a manager's sign-off.
    pub async fn update_child_profile(
        &self,
        permit: &Permit,
        who: &Who,
        id: i64,
        details: &ProfileDetails,
    ) -> Result<(), StoreError> {
        let agency = agency_of(permit)?;
        let now = self.now();
        check(details.problems(places::is_known))?;
        write_tx!(self, tx => {
            let status = locked_status!(self, tx, id, agency)?;
            if status != ChildStatus::Draft {
                return Err(StoreError::NotEditable(status.label()));
            }
            sqlx::query("UPDATE child_profiles SET visibility = $1, home_area = $2, excluded_areas = $3, contact_letterbox = $4, \
                 contact_direct = $5, contact_siblings = $6, contact_notes = $7, requirements = $8, requirement_notes = $9, \
                 profile_text = $10, updated_at = $11, reviewed_at = $11 WHERE id = $12")
                .bind(details.visibility.as_str())
                .bind(&details.home_area)
                .bind(area_list(&details.excluded_areas))
                .bind(details.contact.letterbox)
                .bind(details.contact.direct_birth_family)
                .bind(details.contact.sibling_contact)
                .bind(&details.contact_notes)
                .bind(requirement_codes(&details.requirements))
                .bind(&details.requirement_notes)
                .bind(&details.text)
                .bind(now)
                .bind(id)
                .execute(&mut *tx).await?;
            audit!(self, tx, who.event("child_profile.updated", "child_profile", id, Some(agency), serde_json::json!({})));
        });
        Ok(())
    }

    /// Adds a child to a draft profile (making it, or growing, a sibling group).
    pub async fn add_child(
        &self,
        permit: &Permit,
        who: &Who,
        profile_id: i64,
        child: &ChildDetails,
    ) -> Result<i64, StoreError> {
        let agency = agency_of(permit)?;
        let now = self.now();
        check(child.problems(CivilDate::from_unix(now)))?;
        write_tx!(self, tx => {
            let status = locked_status!(self, tx, profile_id, agency)?;
            if status != ChildStatus::Draft {
                return Err(StoreError::NotEditable(status.label()));
            }
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children WHERE profile_id = $1 AND removed_at IS NULL")
                .bind(profile_id).fetch_one(&mut *tx).await?;
            if count >= kinlink_domain::child::MAX_SIBLINGS as i64 {
                return Err(StoreError::Invalid(vec![kinlink_domain::child::Problem::new("alias",
                    format!("A sibling group on the Register has at most {} children", kinlink_domain::child::MAX_SIBLINGS))]));
            }
            let child_id = insert_child!(tx, profile_id, child, now);
            sqlx::query("UPDATE child_profiles SET updated_at = $1 WHERE id = $2").bind(now).bind(profile_id).execute(&mut *tx).await?;
            refresh_search_columns!(tx, profile_id);
            audit!(self, tx, who.event("child_profile.child_added", "child_profile", profile_id, Some(agency),
                serde_json::json!({"child_id": child_id})));
            Ok(child_id)
        })
    }

    /// Changes one child's details in a draft profile.
    pub async fn update_child(
        &self,
        permit: &Permit,
        who: &Who,
        profile_id: i64,
        child_id: i64,
        child: &ChildDetails,
    ) -> Result<(), StoreError> {
        let agency = agency_of(permit)?;
        let now = self.now();
        check(child.problems(CivilDate::from_unix(now)))?;
        write_tx!(self, tx => {
            let status = locked_status!(self, tx, profile_id, agency)?;
            if status != ChildStatus::Draft {
                return Err(StoreError::NotEditable(status.label()));
            }
            let query = sqlx::query("UPDATE children SET alias = $1, born = $2, gender = $3, ethnicity = $4, ethnicity_detail = $5, \
                 religion = $6, languages = $7, legal_status = $8, needs = $9, surname = $10, address = $11, school = $12, \
                 placement_location = $13, birth_relatives = $14 WHERE id = $15 AND profile_id = $16 AND removed_at IS NULL");
            let done = bind_child!(query, child)
                .bind(child_id)
                .bind(profile_id)
                .execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("UPDATE child_profiles SET updated_at = $1, reviewed_at = $1 WHERE id = $2").bind(now).bind(profile_id).execute(&mut *tx).await?;
            refresh_search_columns!(tx, profile_id);
            audit!(self, tx, who.event("child_profile.child_updated", "child_profile", profile_id, Some(agency),
                serde_json::json!({"child_id": child_id})));
        });
        Ok(())
    }

    /// Takes a child out of a draft sibling group (kept, marked removed). The last child stays.
    pub async fn remove_child(
        &self,
        permit: &Permit,
        who: &Who,
        profile_id: i64,
        child_id: i64,
    ) -> Result<(), StoreError> {
        let agency = agency_of(permit)?;
        let now = self.now();
        write_tx!(self, tx => {
            let status = locked_status!(self, tx, profile_id, agency)?;
            if status != ChildStatus::Draft {
                return Err(StoreError::NotEditable(status.label()));
            }
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children WHERE profile_id = $1 AND removed_at IS NULL")
                .bind(profile_id).fetch_one(&mut *tx).await?;
            if count <= 1 {
                return Err(StoreError::Invalid(vec![kinlink_domain::child::Problem::new("child",
                    "A profile needs at least one child: withdraw the profile instead")]));
            }
            let done = sqlx::query("UPDATE children SET removed_at = $1 WHERE id = $2 AND profile_id = $3 AND removed_at IS NULL")
                .bind(now).bind(child_id).bind(profile_id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            refresh_search_columns!(tx, profile_id);
            audit!(self, tx, who.event("child_profile.child_removed", "child_profile", profile_id, Some(agency),
                serde_json::json!({"child_id": child_id})));
        });
        Ok(())
    }

    /// The profile as stored, for search results (which pass through the policy next).
    pub(crate) async fn child_profile_for_search(
        &self,
        id: i64,
    ) -> Result<ChildProfile, StoreError> {
        self.child_profile_unchecked(id).await
    }

    /// The profile as stored, unredacted: for the store's own rules (findings, status).
    pub(crate) async fn child_profile_unchecked(
        &self,
        id: i64,
    ) -> Result<ChildProfile, StoreError> {
        let today = CivilDate::from_unix(self.now());
        let row: ProfileRow =
            with_pool!(self, pool => sqlx::query_as(concat!(profile_select!(), " WHERE p.id = $1"))
            .bind(id).fetch_optional(pool).await?)
            .ok_or(StoreError::NotFound)?;
        let children: Vec<ChildRow> = with_pool!(self, pool => sqlx::query_as(concat!(child_select!(), " WHERE profile_id = $1 AND removed_at IS NULL ORDER BY id"))
            .bind(id).fetch_all(pool).await?);
        let photos: Vec<(i64, String)> = with_pool!(self, pool => sqlx::query_as("SELECT id, description FROM photos WHERE profile_kind = 'child' AND profile_id = $1 AND removed_at IS NULL ORDER BY id")
            .bind(id).fetch_all(pool).await?);
        let children = children
            .into_iter()
            .map(|c| c.into_view(today))
            .collect::<Result<Vec<_>, _>>()?;
        let photos = photos
            .into_iter()
            .map(|(id, description)| PhotoRef { id, description })
            .collect();
        row.into_profile(children, photos)
    }

    /// Every published profile with its children, unredacted and without photos, and whether a
    /// link for it is in exploration: what matching reads. Three queries, whatever the size.
    pub(crate) async fn published_child_profiles(
        &self,
    ) -> Result<Vec<(ChildProfile, bool)>, StoreError> {
        let today = CivilDate::from_unix(self.now());
        let rows: Vec<ProfileRow> = with_pool!(self, pool => sqlx::query_as(concat!(profile_select!(), " WHERE p.status = 'published' ORDER BY p.id"))
            .fetch_all(pool).await?);
        let children: Vec<ChildOfProfile> = with_pool!(self, pool => sqlx::query_as(
            "SELECT c.profile_id, c.id, c.alias, c.born, c.gender, c.ethnicity, c.ethnicity_detail, c.religion, c.languages, \
             c.legal_status, c.needs, c.surname, c.address, c.school, c.placement_location, c.birth_relatives \
             FROM children c JOIN child_profiles p ON p.id = c.profile_id \
             WHERE p.status = 'published' AND c.removed_at IS NULL ORDER BY c.profile_id, c.id")
            .fetch_all(pool).await?);
        let exploring = self.profiles_in_exploration().await?;
        let mut by_profile: std::collections::HashMap<i64, Vec<ChildView>> =
            std::collections::HashMap::new();
        for c in children {
            by_profile
                .entry(c.profile_id)
                .or_default()
                .push(c.child.into_view(today)?);
        }
        rows.into_iter()
            .map(|row| {
                let id = row.id;
                let profile =
                    row.into_profile(by_profile.remove(&id).unwrap_or_default(), Vec::new())?;
                Ok((profile, exploring.contains(&id)))
            })
            .collect()
    }

    /// A child's profile as `viewer` may see it. Refused (as not found, so that nobody learns
    /// a hidden profile exists) when the policy says they may not see it; every view is audited.
    pub async fn child_profile(
        &self,
        viewer: Viewer<'_>,
        who: &Who,
        id: i64,
    ) -> Result<Visible<ChildProfile>, StoreError> {
        let profile = self.child_profile_unchecked(id).await?;
        let agency = profile.agency_id;
        let exploring = self.child_link_in_exploration(id).await?;
        let Some(visible) = reveal_child(viewer, profile, exploring) else {
            self.record(
                who,
                "child_profile.view_refused",
                "child_profile",
                id,
                Some(agency),
                serde_json::json!({}),
            )
            .await?;
            return Err(StoreError::NotFound);
        };
        self.record(
            who,
            "child_profile.viewed",
            "child_profile",
            id,
            Some(agency),
            serde_json::json!({"sight": format!("{:?}", visible.sight()).to_lowercase()}),
        )
        .await?;
        Ok(visible)
    }

    /// Moves a profile through its life cycle. The domain decides whether this person may make
    /// this change now; unresolved confidentiality findings are counted here, from the stored
    /// text, so a submission cannot skip them.
    pub async fn change_child_status(
        &self,
        permit: &Permit,
        who: &Who,
        id: i64,
        request: &StatusRequest,
    ) -> Result<ChildStatus, StoreError> {
        let agency = agency_of(permit)?;
        let actor = permit.actor().ok_or(StoreError::WrongPermit)?;
        let reason = request.reason.trim();
        if reason.chars().count() > 2_000 {
            return Err(StoreError::Invalid(vec![
                kinlink_domain::child::Problem::new(
                    "reason",
                    "The reason must be 2,000 characters or fewer",
                ),
            ]));
        }
        let needs_reason = matches!(
            request.event,
            ChildEvent::ReturnForChanges
                | ChildEvent::Withdraw
                | ChildEvent::PutOnHold
                | ChildEvent::MatchFellThrough
        );
        if needs_reason && reason.is_empty() {
            return Err(StoreError::Invalid(vec![
                kinlink_domain::child::Problem::new(
                    "reason",
                    "Say why: the reason is kept with the profile's history",
                ),
            ]));
        }
        let profile = self.child_profile_unchecked(id).await?;
        if profile.agency_id != agency {
            return Err(StoreError::NotFound);
        }
        let event = match request.event {
            ChildEvent::SubmitForSignOff { .. } => {
                if profile.children.is_empty() {
                    return Err(StoreError::NotFound);
                }
                let acknowledged = self.acknowledged_fingerprints("child", id).await?;
                let findings = child_findings(&profile);
                let unresolved = findings
                    .iter()
                    .filter(|(_, f)| !acknowledged.iter().any(|a| a == f.fingerprint()))
                    .count();
                ChildEvent::SubmitForSignOff {
                    unresolved_findings: unresolved,
                }
            }
            other => other,
        };
        let now = self.now();
        write_tx!(self, tx => {
            let (status, submitted_by): (String, Option<i64>) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT status, submitted_by FROM child_profiles WHERE id = $1 AND agency_id = $2{}", self.row_lock())))
                .bind(id).bind(agency).fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
            let status = ChildStatus::parse(&status).ok_or_else(|| corrupt("status", &status))?;
            // The text scanned above is the text being submitted: a draft cannot change while it
            // is read, but a concurrent edit could land between; the status re-read here and the
            // updated_at check below keep the two in step.
            if status != profile.status {
                return Err(StoreError::Conflict("profile_changed"));
            }
            let next = status
                .apply(ProfileActor { role: actor.role, own_agency: true, submitted_it: submitted_by == Some(actor.user_id) }, event)
                .map_err(StoreError::Rule)?;
            let changed = sqlx::query(
                "UPDATE child_profiles SET status = $1, updated_at = $2, \
                 submitted_by = CASE WHEN $1 = 'awaiting_sign_off' THEN $3 ELSE submitted_by END, \
                 published_at = CASE WHEN $1 = 'published' AND published_at IS NULL THEN $2 ELSE published_at END, \
                 reviewed_at = CASE WHEN $1 = 'published' THEN $2 ELSE reviewed_at END \
                 WHERE id = $4 AND updated_at = $5")
                .bind(next.as_str()).bind(now).bind(actor.user_id).bind(id).bind(profile.updated_at)
                .execute(&mut *tx).await?;
            if changed.rows_affected() == 0 {
                return Err(StoreError::Conflict("profile_changed"));
            }
            sqlx::query("INSERT INTO status_changes (profile_kind, profile_id, from_status, to_status, reason, user_id, at) VALUES ('child', $1, $2, $3, $4, $5, $6)")
                .bind(id).bind(status.as_str()).bind(next.as_str()).bind(reason).bind(actor.user_id).bind(now)
                .execute(&mut *tx).await?;
            audit!(self, tx, who.event("child_profile.status_changed", "child_profile", id, Some(agency),
                serde_json::json!({"from": status.as_str(), "to": next.as_str(), "reason": reason})));
            Ok(next)
        })
    }

    /// The worker confirms a published profile is still accurate.
    pub async fn mark_child_profile_reviewed(
        &self,
        permit: &Permit,
        who: &Who,
        id: i64,
    ) -> Result<(), StoreError> {
        let agency = agency_of(permit)?;
        let now = self.now();
        write_tx!(self, tx => {
            let done = sqlx::query("UPDATE child_profiles SET reviewed_at = $1 WHERE id = $2 AND agency_id = $3")
                .bind(now).bind(id).bind(agency).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(self, tx, who.event("child_profile.reviewed", "child_profile", id, Some(agency), serde_json::json!({})));
        });
        Ok(())
    }

    async fn acknowledged_fingerprints(
        &self,
        kind: &str,
        id: i64,
    ) -> Result<Vec<String>, StoreError> {
        Ok(
            with_pool!(self, pool => sqlx::query_scalar("SELECT fingerprint FROM finding_acknowledgements WHERE profile_kind = $1 AND profile_id = $2")
            .bind(kind).bind(id).fetch_all(pool).await?),
        )
    }

    /// The acknowledgements recorded on a profile, for its own agency's eyes.
    pub async fn acknowledgements(
        &self,
        permit: &Permit,
        kind: &str,
        id: i64,
    ) -> Result<Vec<Acknowledgement>, StoreError> {
        let agency = match permit.action() {
            Action::EditChildProfile { agency } | Action::EditHousehold { agency } => agency,
            _ => return Err(StoreError::WrongPermit),
        };
        let table = if kind == "child" {
            "child_profiles"
        } else {
            "households"
        };
        // `table` is one of two constants, never input.
        Ok(
            with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT f.fingerprint, f.kind, f.reason, u.name AS user_name, f.at FROM finding_acknowledgements f \
             LEFT JOIN users u ON u.id = f.user_id JOIN {table} p ON p.id = f.profile_id \
             WHERE f.profile_kind = $1 AND f.profile_id = $2 AND p.agency_id = $3 ORDER BY f.id")))
            .bind(kind).bind(id).bind(agency).fetch_all(pool).await?),
        )
    }

    /// Records that a finding in a child's profile is not identifying, with the worker's reason.
    /// Only a finding the profile's text really has can be acknowledged.
    pub async fn acknowledge_child_finding(
        &self,
        permit: &Permit,
        who: &Who,
        id: i64,
        fingerprint: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let agency = agency_of(permit)?;
        let actor = permit.actor().ok_or(StoreError::WrongPermit)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 1_000 {
            return Err(StoreError::Invalid(vec![
                kinlink_domain::child::Problem::new(
                    "reason",
                    "Say why this is not identifying (up to 1,000 characters)",
                ),
            ]));
        }
        let profile = self.child_profile_unchecked(id).await?;
        if profile.agency_id != agency {
            return Err(StoreError::NotFound);
        }
        if profile.status != ChildStatus::Draft {
            return Err(StoreError::NotEditable(profile.status.label()));
        }
        let kind: FindingKind = child_findings(&profile)
            .into_iter()
            .find(|(_, f)| f.fingerprint() == fingerprint)
            .map(|(_, f)| f.kind)
            .ok_or(StoreError::NotFound)?;
        let now = self.now();
        write_tx!(self, tx => {
            sqlx::query("INSERT INTO finding_acknowledgements (profile_kind, profile_id, fingerprint, kind, reason, user_id, at) VALUES ('child', $1, $2, $3, $4, $5, $6)")
                .bind(id).bind(fingerprint).bind(kind.as_str()).bind(reason).bind(actor.user_id).bind(now)
                .execute(&mut *tx).await
                .map_err(|e| StoreError::from(e).conflict_as("already_acknowledged"))?;
            // The fingerprint is a hash: the audit trail does not copy the identifying text.
            audit!(self, tx, who.event("child_profile.finding_acknowledged", "child_profile", id, Some(agency),
                serde_json::json!({"kind": kind.as_str(), "fingerprint": fingerprint, "reason": reason})));
        });
        Ok(())
    }

    /// Adds a photo (already re-encoded without metadata) to a draft child profile.
    pub async fn add_child_photo(
        &self,
        permit: &Permit,
        who: &Who,
        profile_id: i64,
        photo: &NewPhoto,
    ) -> Result<i64, StoreError> {
        let agency = agency_of(permit)?;
        let actor = permit.actor().ok_or(StoreError::WrongPermit)?;
        let description = photo.description.trim();
        if description.is_empty() || description.chars().count() > 300 {
            return Err(StoreError::Invalid(vec![
                kinlink_domain::child::Problem::new(
                    "description",
                    "Describe the photo for people who cannot see it (up to 300 characters)",
                ),
            ]));
        }
        let now = self.now();
        write_tx!(self, tx => {
            let status = locked_status!(self, tx, profile_id, agency)?;
            if status != ChildStatus::Draft {
                return Err(StoreError::NotEditable(status.label()));
            }
            let id: i64 = sqlx::query_scalar("INSERT INTO photos (profile_kind, profile_id, jpeg, width, height, description, uploaded_by, uploaded_at) \
                 VALUES ('child', $1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(profile_id).bind(&photo.jpeg).bind(i64::from(photo.width)).bind(i64::from(photo.height))
                .bind(description).bind(actor.user_id).bind(now)
                .fetch_one(&mut *tx).await?;
            audit!(self, tx, who.event("child_profile.photo_added", "child_profile", profile_id, Some(agency),
                serde_json::json!({"photo_id": id, "bytes": photo.jpeg.len()})));
            Ok(id)
        })
    }

    /// Takes a photo off a draft child profile (kept, marked removed).
    pub async fn remove_child_photo(
        &self,
        permit: &Permit,
        who: &Who,
        profile_id: i64,
        photo_id: i64,
    ) -> Result<(), StoreError> {
        let agency = agency_of(permit)?;
        let now = self.now();
        write_tx!(self, tx => {
            let status = locked_status!(self, tx, profile_id, agency)?;
            if status != ChildStatus::Draft {
                return Err(StoreError::NotEditable(status.label()));
            }
            let done = sqlx::query("UPDATE photos SET removed_at = $1 WHERE id = $2 AND profile_kind = 'child' AND profile_id = $3 AND removed_at IS NULL")
                .bind(now).bind(photo_id).bind(profile_id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(self, tx, who.event("child_profile.photo_removed", "child_profile", profile_id, Some(agency),
                serde_json::json!({"photo_id": photo_id})));
        });
        Ok(())
    }

    /// A child profile's photo, if `viewer` may see the profile (not audited: the profile view
    /// that shows it is).
    pub async fn child_photo(
        &self,
        viewer: Viewer<'_>,
        profile_id: i64,
        photo_id: i64,
    ) -> Result<Photo, StoreError> {
        let profile = self.child_profile_unchecked(profile_id).await?;
        if reveal_child(viewer, profile, false).is_none() {
            return Err(StoreError::NotFound);
        }
        with_pool!(self, pool => sqlx::query_as("SELECT id, jpeg, description FROM photos WHERE id = $1 AND profile_kind = 'child' AND profile_id = $2 AND removed_at IS NULL")
            .bind(photo_id).bind(profile_id).fetch_optional(pool).await?).ok_or(StoreError::NotFound)
    }

    /// The agency's own profiles, newest change first, optionally of one status.
    pub async fn agency_child_profiles(
        &self,
        permit: &Permit,
        status: Option<ChildStatus>,
    ) -> Result<Vec<ChildProfile>, StoreError> {
        let agency = agency_of(permit)?;
        let ids: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM child_profiles WHERE agency_id = $1 AND ($2 = '' OR status = $2) ORDER BY updated_at DESC, id DESC LIMIT 500")
            .bind(agency).bind(status.map_or("", ChildStatus::as_str)).fetch_all(pool).await?);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.child_profile_unchecked(id).await?);
        }
        Ok(out)
    }

    /// Published or held profiles of the agency not reviewed for `days` days: those of
    /// `worker` only, or everyone's.
    pub async fn child_profiles_due_for_review(
        &self,
        permit: &Permit,
        worker: Option<i64>,
        days: i64,
    ) -> Result<Vec<ChildProfile>, StoreError> {
        let agency = agency_of(permit)?;
        let before = self.now() - days * 86_400;
        let ids: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT id FROM child_profiles WHERE agency_id = $1 AND status IN ('published', 'on_hold') AND reviewed_at < $2 \
             AND ($3 = 0 OR worker_id = $3) ORDER BY reviewed_at, id LIMIT 200")
            .bind(agency).bind(before).bind(worker.unwrap_or(0)).fetch_all(pool).await?);
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.push(self.child_profile_unchecked(id).await?);
        }
        Ok(out)
    }

    /// A profile's status history, oldest first.
    pub async fn status_history(
        &self,
        kind: &str,
        id: i64,
    ) -> Result<Vec<StatusChange>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT s.from_status, s.to_status, s.reason, u.name AS user_name, s.at FROM status_changes s \
             LEFT JOIN users u ON u.id = s.user_id WHERE s.profile_kind = $1 AND s.profile_id = $2 ORDER BY s.id")
            .bind(kind).bind(id).fetch_all(pool).await?))
    }
}

fn check(problems: Vec<kinlink_domain::child::Problem>) -> Result<(), StoreError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(problems))
    }
}

fn requirement_codes(requirements: &[FamilyRequirement]) -> String {
    requirements
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
