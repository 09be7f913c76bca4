//! Approved households' profiles: written by the adopters' worker, agreed by a team manager,
//! then kept up to date by the adopters themselves — every change audited with the fields it
//! touched, so the worker sees what changed.

use crate::error::corrupt;
use crate::{Backend, Store, StoreError, Who};
use kinlink_domain::Timestamp;
use kinlink_domain::audit::{AuditEvent, entry_hash};
use kinlink_domain::child::{Contact, Ethnicity, Gender, Problem};
use kinlink_domain::confidentiality::{self, Finding, ScanContext};
use kinlink_domain::household::{Experience, HouseholdDetails, HouseholdProfile, Openness};
use kinlink_domain::places;
use kinlink_domain::policy::{Action, Permit, Viewer, Visible, reveal_household};
use kinlink_domain::profile::{
    CivilDate, HouseholdActor, HouseholdEvent, HouseholdStatus, NeedCategory, NeedLevel,
    ProfileActor,
};

/// Writes every detail column of household `$id` inside the open transaction.
macro_rules! write_details {
    ($tx:ident, $id:expr, $d:expr, $now:expr) => {{
        let d: &HouseholdDetails = $d;
        sqlx::query(
            "UPDATE households SET applicants = $1, approved_on = $2, children_min = $3, children_max = $4, \
             age_min_years = $5, age_max_years = $6, gender = $7, needs = $8, contact_letterbox = $9, contact_direct = $10, \
             contact_siblings = $11, identity = $12, languages = $13, children_at_home = $14, children_at_home_notes = $15, \
             pets = $16, area = $17, profile_text = $18, consent_to_referral = $19, updated_at = $20, heritage = $22, \
             experience = $23, carer_at_home = $24, youngest_at_home = $25 WHERE id = $21",
        )
        .bind(d.applicants.iter().map(|a| a.trim()).collect::<Vec<_>>().join("\n"))
        .bind(d.approved_on.map(|a| a.to_string()))
        .bind(i64::from(d.children_min))
        .bind(i64::from(d.children_max))
        .bind(i64::from(d.age_min_years))
        .bind(i64::from(d.age_max_years))
        .bind(d.gender.map(|g| g.as_str()))
        .bind(needs_json(&d.needs))
        .bind(d.contact.letterbox)
        .bind(d.contact.direct_birth_family)
        .bind(d.contact.sibling_contact)
        .bind(&d.identity)
        .bind(d.languages.join(", "))
        .bind(i64::from(d.children_at_home))
        .bind(&d.children_at_home_notes)
        .bind(&d.pets)
        .bind(&d.area)
        .bind(&d.text)
        .bind(d.consent_to_referral)
        .bind($now)
        .bind($id)
        .bind(codes(d.heritage.iter().map(|e| e.as_str())))
        .bind(d.experience.as_ref().map_or(String::new(), |e| {
            if e.is_empty() { NO_EXPERIENCE.to_owned() } else { codes(e.iter().map(|x| x.as_str())) }
        }))
        .bind(d.carer_at_home)
        .bind(d.youngest_at_home.map(i64::from))
        .execute(&mut *$tx)
        .await?;
    }};
}

#[derive(sqlx::FromRow)]
struct HouseholdRow {
    id: i64,
    agency_id: i64,
    agency_name: String,
    region: String,
    status: String,
    applicants: String,
    approved_on: Option<String>,
    children_min: i64,
    children_max: i64,
    age_min_years: i64,
    age_max_years: i64,
    gender: Option<String>,
    needs: String,
    contact_letterbox: bool,
    contact_direct: bool,
    contact_siblings: bool,
    identity: String,
    languages: String,
    children_at_home: i64,
    children_at_home_notes: String,
    pets: String,
    area: String,
    profile_text: String,
    consent_to_referral: bool,
    heritage: String,
    experience: String,
    carer_at_home: Option<bool>,
    youngest_at_home: Option<i64>,
    worker_id: Option<i64>,
    worker_name: Option<String>,
    submitted_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
    active_since: Option<i64>,
    reviewed_at: i64,
}

macro_rules! household_select {
    () => {
        "SELECT h.id, h.agency_id, a.name AS agency_name, a.region, h.status, h.applicants, \
         h.approved_on, h.children_min, h.children_max, h.age_min_years, h.age_max_years, h.gender, h.needs, \
         h.contact_letterbox, h.contact_direct, h.contact_siblings, h.identity, h.languages, h.children_at_home, \
         h.children_at_home_notes, h.pets, h.area, h.profile_text, h.consent_to_referral, h.heritage, \
         h.experience, h.carer_at_home, h.youngest_at_home, h.worker_id, \
         u.name AS worker_name, h.submitted_by, h.created_at, h.updated_at, h.active_since, h.reviewed_at \
         FROM households h JOIN agencies a ON a.id = h.agency_id LEFT JOIN users u ON u.id = h.worker_id"
    };
}

#[derive(serde::Serialize, serde::Deserialize)]
struct OpennessJson {
    category: String,
    level: String,
    reason: String,
}

fn small(n: i64) -> u8 {
    u8::try_from(n.clamp(0, 255)).unwrap_or(0)
}

impl HouseholdRow {
    fn into_profile(
        self,
        photos: Vec<kinlink_domain::child::PhotoRef>,
    ) -> Result<HouseholdProfile, StoreError> {
        let needs: Vec<OpennessJson> =
            serde_json::from_str(&self.needs).map_err(|_| corrupt("needs", &self.needs))?;
        let needs = needs
            .into_iter()
            .map(|n| {
                Ok(Openness {
                    category: NeedCategory::parse(&n.category)
                        .ok_or_else(|| corrupt("need", &n.category))?,
                    level: NeedLevel::parse(&n.level).ok_or_else(|| corrupt("level", &n.level))?,
                    reason: n.reason,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(HouseholdProfile {
            id: self.id,
            agency_id: self.agency_id,
            agency_name: self.agency_name,
            region: self.region,
            status: HouseholdStatus::parse(&self.status)
                .ok_or_else(|| corrupt("status", &self.status))?,
            details: HouseholdDetails {
                applicants: self
                    .applicants
                    .lines()
                    .map(str::to_owned)
                    .filter(|l| !l.is_empty())
                    .collect(),
                approved_on: self.approved_on.as_deref().and_then(CivilDate::parse_iso),
                children_min: small(self.children_min),
                children_max: small(self.children_max),
                age_min_years: small(self.age_min_years),
                age_max_years: small(self.age_max_years),
                gender: self.gender.as_deref().and_then(Gender::parse),
                needs,
                contact: Contact {
                    letterbox: self.contact_letterbox,
                    direct_birth_family: self.contact_direct,
                    sibling_contact: self.contact_siblings,
                },
                identity: self.identity,
                heritage: parse_codes(&self.heritage, Ethnicity::parse, "heritage")?,
                experience: match self.experience.as_str() {
                    "" => None,
                    NO_EXPERIENCE => Some(Vec::new()),
                    codes => Some(parse_codes(codes, Experience::parse, "experience")?),
                },
                languages: self
                    .languages
                    .split(',')
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
                children_at_home: small(self.children_at_home),
                children_at_home_notes: self.children_at_home_notes,
                pets: self.pets,
                youngest_at_home: self.youngest_at_home.map(small),
                carer_at_home: self.carer_at_home,
                area: self.area,
                text: self.profile_text,
                consent_to_referral: self.consent_to_referral,
            },
            photos,
            worker_id: self.worker_id,
            worker_name: self.worker_name,
            submitted_by: self.submitted_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            active_since: self.active_since,
            reviewed_at: self.reviewed_at,
        })
    }
}

/// What the experience column holds when the adopters have none of the kinds listed (an empty
/// column means it was never recorded).
const NO_EXPERIENCE: &str = "none";

fn codes<'a>(codes: impl Iterator<Item = &'a str>) -> String {
    codes.collect::<Vec<_>>().join(",")
}

fn parse_codes<T>(
    text: &str,
    parse: fn(&str) -> Option<T>,
    what: &str,
) -> Result<Vec<T>, StoreError> {
    text.split(',')
        .filter(|c| !c.is_empty())
        .map(|c| parse(c).ok_or_else(|| corrupt(what, c)))
        .collect()
}

fn needs_json(needs: &[Openness]) -> String {
    let list: Vec<OpennessJson> = needs
        .iter()
        .map(|n| OpennessJson {
            category: n.category.as_str().into(),
            level: n.level.as_str().into(),
            reason: n.reason.clone(),
        })
        .collect();
    serde_json::to_string(&list).unwrap_or_else(|_| "[]".into())
}

/// The names of the fields that differ: what the audit entry of an edit records, so that the
/// worker sees what the adopters changed without the log copying their words.
fn changed_fields(before: &HouseholdDetails, after: &HouseholdDetails) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name: &'static str, same: bool| {
        if !same {
            out.push(name);
        }
    };
    check("applicants", before.applicants == after.applicants);
    check(
        "approval",
        before.approved_on == after.approved_on
            && (
                before.children_min,
                before.children_max,
                before.age_min_years,
                before.age_max_years,
            ) == (
                after.children_min,
                after.children_max,
                after.age_min_years,
                after.age_max_years,
            )
            && before.gender == after.gender,
    );
    check("needs", before.needs == after.needs);
    check("contact", before.contact == after.contact);
    check(
        "identity",
        before.identity == after.identity
            && before.languages == after.languages
            && before.heritage == after.heritage,
    );
    check("experience", before.experience == after.experience);
    check(
        "children_at_home",
        before.children_at_home == after.children_at_home
            && before.children_at_home_notes == after.children_at_home_notes
            && before.youngest_at_home == after.youngest_at_home
            && before.carer_at_home == after.carer_at_home,
    );
    check("pets", before.pets == after.pets);
    check("area", before.area == after.area);
    check("text", before.text == after.text);
    check(
        "consent_to_referral",
        before.consent_to_referral == after.consent_to_referral,
    );
    out
}

/// The household texts other agencies' staff read, with where each is: what is scanned.
pub fn household_text(details: &HouseholdDetails) -> Vec<(String, String)> {
    let mut parts = vec![("Profile".to_owned(), details.text.clone())];
    for (label, text) in [
        ("Identity and culture", &details.identity),
        ("Children at home", &details.children_at_home_notes),
        ("Pets", &details.pets),
    ] {
        if !text.trim().is_empty() {
            parts.push((label.to_owned(), text.clone()));
        }
    }
    for n in &details.needs {
        if !n.reason.trim().is_empty() {
            parts.push((n.category.label().to_owned(), n.reason.clone()));
        }
    }
    parts
}

/// The findings in a household's texts: (where, finding).
pub fn household_findings(details: &HouseholdDetails) -> Vec<(String, Finding)> {
    household_text(details)
        .into_iter()
        .flat_map(|(label, text)| {
            confidentiality::scan(&text, &ScanContext::EMPTY)
                .into_iter()
                .map(move |f| (label.clone(), f))
        })
        .collect()
}

/// Who may change a household's profile: its agency's workers, or its own adopters.
fn household_writer(
    permit: &Permit,
    household_agency: i64,
    status: HouseholdStatus,
    own: bool,
) -> Result<(), StoreError> {
    match permit.action() {
        Action::EditHousehold { agency } if agency == household_agency => Ok(()),
        Action::EditOwnHousehold {
            own_household: true,
            status: s,
        } if own && s == status => Ok(()),
        _ => Err(StoreError::NotFound),
    }
}

impl Store {
    /// Starts a household's profile as a draft (a new household), or fills in the profile of a
    /// household that exists (its adopters' accounts may already be set up).
    pub async fn create_household_profile(
        &self,
        permit: &Permit,
        who: &Who,
        details: &HouseholdDetails,
    ) -> Result<i64, StoreError> {
        let Action::EditHousehold { agency } = permit.action() else {
            return Err(StoreError::WrongPermit);
        };
        let min_words = self.agency(agency).await?.household_text_min_words;
        check(details.problems(usize::try_from(min_words).unwrap_or(0), places::is_known))?;
        let now = self.now();
        let worker = permit.actor().map(|a| a.user_id);
        write_tx!(self, tx => {
            let id: i64 = sqlx::query_scalar("INSERT INTO households (agency_id, name, created_at, worker_id, updated_at, reviewed_at) VALUES ($1, $2, $3, $4, $3, $3) RETURNING id")
                .bind(agency).bind(details.applicants.join(" and ")).bind(now).bind(worker)
                .fetch_one(&mut *tx).await?;
            write_details!(tx, id, details, now);
            audit!(self, tx, who.event("household.profile_created", "household", id, Some(agency), serde_json::json!({})));
            Ok(id)
        })
    }

    /// Changes a household's profile: its worker at any time before it is matched, its own
    /// adopters once the agency has agreed it. The audit entry names the fields changed.
    pub async fn update_household_profile(
        &self,
        permit: &Permit,
        who: &Who,
        id: i64,
        own_household: bool,
        details: &HouseholdDetails,
    ) -> Result<Vec<&'static str>, StoreError> {
        let before = self.household_unchecked(id).await?;
        household_writer(permit, before.agency_id, before.status, own_household)?;
        if !matches!(
            before.status,
            HouseholdStatus::Draft | HouseholdStatus::Active | HouseholdStatus::OnHold
        ) {
            return Err(StoreError::NotEditable(before.status.label()));
        }
        let min_words = self
            .agency(before.agency_id)
            .await?
            .household_text_min_words;
        check(details.problems(usize::try_from(min_words).unwrap_or(0), places::is_known))?;
        let changed = changed_fields(&before.details, details);
        let now = self.now();
        write_tx!(self, tx => {
            let done = sqlx::query("UPDATE households SET name = $1 WHERE id = $2 AND status = $3 AND updated_at = $4")
                .bind(details.applicants.join(" and ")).bind(id).bind(before.status.as_str()).bind(before.updated_at)
                .execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict("profile_changed"));
            }
            write_details!(tx, id, details, now);
            // Whoever keeps the profile up to date has just reviewed it; a household without a
            // worker yet gets the member of staff who first works on it.
            let staff_editor = (!own_household).then(|| permit.actor().map(|a| a.user_id)).flatten();
            sqlx::query("UPDATE households SET reviewed_at = $1, worker_id = COALESCE(worker_id, $2) WHERE id = $3")
                .bind(now).bind(staff_editor).bind(id).execute(&mut *tx).await?;
            audit!(self, tx, who.event("household.profile_updated", "household", id, Some(before.agency_id),
                serde_json::json!({"changed": changed, "by_adopter": own_household})));
        });
        Ok(changed)
    }

    pub(crate) async fn household_unchecked(
        &self,
        id: i64,
    ) -> Result<HouseholdProfile, StoreError> {
        let row: HouseholdRow = with_pool!(self, pool => sqlx::query_as(concat!(household_select!(), " WHERE h.id = $1"))
            .bind(id).fetch_optional(pool).await?).ok_or(StoreError::NotFound)?;
        let photos: Vec<(i64, String)> = with_pool!(self, pool => sqlx::query_as("SELECT id, description FROM photos WHERE profile_kind = 'household' AND profile_id = $1 AND removed_at IS NULL ORDER BY id")
            .bind(id).fetch_all(pool).await?);
        row.into_profile(
            photos
                .into_iter()
                .map(|(id, description)| kinlink_domain::child::PhotoRef { id, description })
                .collect(),
        )
    }

    /// A household's profile as `viewer` may see it (not found otherwise); every view audited.
    pub async fn household_profile(
        &self,
        viewer: Viewer<'_>,
        who: &Who,
        own_household: bool,
        id: i64,
    ) -> Result<Visible<HouseholdProfile>, StoreError> {
        let profile = self.household_unchecked(id).await?;
        let agency = profile.agency_id;
        let Some(visible) = reveal_household(viewer, profile, own_household) else {
            self.record(
                who,
                "household.view_refused",
                "household",
                id,
                Some(agency),
                serde_json::json!({}),
            )
            .await?;
            return Err(StoreError::NotFound);
        };
        self.record(
            who,
            "household.viewed",
            "household",
            id,
            Some(agency),
            serde_json::json!({}),
        )
        .await?;
        Ok(visible)
    }

    /// The agency's households, newest change first.
    pub async fn agency_households(
        &self,
        permit: &Permit,
    ) -> Result<Vec<HouseholdProfile>, StoreError> {
        let Action::EditHousehold { agency } = permit.action() else {
            return Err(StoreError::WrongPermit);
        };
        let rows: Vec<HouseholdRow> = with_pool!(self, pool => sqlx::query_as(concat!(household_select!(), " WHERE h.agency_id = $1 ORDER BY h.updated_at DESC, h.id DESC LIMIT 500"))
            .bind(agency).fetch_all(pool).await?);
        rows.into_iter()
            .map(|r| r.into_profile(Vec::new()))
            .collect()
    }

    /// Every active household, whole: what matching reads.
    pub(crate) async fn active_households(&self) -> Result<Vec<HouseholdProfile>, StoreError> {
        let rows: Vec<HouseholdRow> = with_pool!(self, pool => sqlx::query_as(concat!(household_select!(), " WHERE h.status = 'active' ORDER BY h.id"))
            .fetch_all(pool).await?);
        rows.into_iter()
            .map(|r| r.into_profile(Vec::new()))
            .collect()
    }

    /// Active households anywhere (for staff who find families), optionally in one region,
    /// able to take `children` children of these ages; a page of 20 at a time.
    pub async fn search_households(
        &self,
        permit: &Permit,
        who: &Who,
        search: &HouseholdSearch,
    ) -> Result<(i64, Vec<HouseholdProfile>), StoreError> {
        if permit.action() != Action::SearchHouseholds {
            return Err(StoreError::WrongPermit);
        }
        let region = search.region.clone().unwrap_or_default();
        let text = search.text.trim().to_lowercase();
        let pattern = format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let page = i64::from(search.page.max(1) - 1) * 20;
        let children = i64::from(search.children.unwrap_or(0));
        let age = search.age.map_or(-1, i64::from);
        let filter = "h.status = 'active' AND ($1 = '' OR a.region = $1) AND ($2 = 0 OR (h.children_min <= $2 AND h.children_max >= $2)) \
             AND ($3 < 0 OR (h.age_min_years <= $3 AND h.age_max_years >= $3)) AND ($4 = '%%' OR LOWER(h.profile_text) LIKE $4 ESCAPE '\\')";
        let total: i64 = with_pool!(self, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM households h JOIN agencies a ON a.id = h.agency_id WHERE {filter}")))
            .bind(&region).bind(children).bind(age).bind(&pattern).fetch_one(pool).await?);
        let rows: Vec<HouseholdRow> = with_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE {filter} ORDER BY h.active_since ASC, h.id LIMIT 20 OFFSET $5", household_select!())))
            .bind(&region).bind(children).bind(age).bind(&pattern).bind(page).fetch_all(pool).await?);
        let items = rows
            .into_iter()
            .map(|r| r.into_profile(Vec::new()))
            .collect::<Result<Vec<_>, _>>()?;
        self.record(
            who,
            "household.searched",
            "household_search",
            None::<i64>,
            permit.actor().map(|a| a.agency_id),
            serde_json::json!({"region": region, "children": children, "age": age, "total": total}),
        )
        .await?;
        Ok((total, items))
    }

    /// Moves a household's profile through its life cycle; unresolved findings are counted
    /// from the stored text. Adopters may only put their own profile on hold and resume it.
    pub async fn change_household_status(
        &self,
        permit: &Permit,
        who: &Who,
        id: i64,
        own_household: bool,
        event: HouseholdEvent,
        reason: &str,
    ) -> Result<HouseholdStatus, StoreError> {
        let actor = permit.actor().ok_or(StoreError::WrongPermit)?;
        let profile = self.household_unchecked(id).await?;
        let staff = matches!(permit.action(), Action::EditHousehold { agency } if agency == profile.agency_id);
        let adopter = matches!(
            permit.action(),
            Action::EditOwnHousehold {
                own_household: true,
                ..
            }
        ) && own_household;
        if !staff && !adopter {
            return Err(StoreError::NotFound);
        }
        let reason = reason.trim();
        let needs_reason = matches!(
            event,
            HouseholdEvent::ReturnForChanges
                | HouseholdEvent::Withdraw
                | HouseholdEvent::PutOnHold
                | HouseholdEvent::MatchFellThrough
        );
        if needs_reason && reason.is_empty() {
            return Err(StoreError::Invalid(vec![Problem::new(
                "reason",
                "Say why: the reason is kept with the profile's history",
            )]));
        }
        let event = match event {
            HouseholdEvent::SubmitForAgreement { .. } => {
                let acknowledged: Vec<String> = with_pool!(self, pool => sqlx::query_scalar("SELECT fingerprint FROM finding_acknowledgements WHERE profile_kind = 'household' AND profile_id = $1")
                    .bind(id).fetch_all(pool).await?);
                let unresolved = household_findings(&profile.details)
                    .iter()
                    .filter(|(_, f)| !acknowledged.iter().any(|a| a == f.fingerprint()))
                    .count();
                HouseholdEvent::SubmitForAgreement {
                    unresolved_findings: unresolved,
                }
            }
            other => other,
        };
        let next = profile.status.apply(
            HouseholdActor {
                profile: ProfileActor {
                    role: actor.role,
                    own_agency: staff,
                    submitted_it: profile.submitted_by == Some(actor.user_id),
                },
                own_household: adopter,
            },
            event,
        )?;
        let now = self.now();
        write_tx!(self, tx => {
            let changed = sqlx::query(
                "UPDATE households SET status = $1, updated_at = $2, \
                 submitted_by = CASE WHEN $1 = 'awaiting_agreement' THEN $3 ELSE submitted_by END, \
                 active_since = CASE WHEN $1 = 'active' AND active_since IS NULL THEN $2 ELSE active_since END, \
                 reviewed_at = CASE WHEN $1 = 'active' THEN $2 ELSE reviewed_at END \
                 WHERE id = $4 AND status = $5 AND updated_at = $6")
                .bind(next.as_str()).bind(now).bind(actor.user_id).bind(id).bind(profile.status.as_str()).bind(profile.updated_at)
                .execute(&mut *tx).await?;
            if changed.rows_affected() == 0 {
                return Err(StoreError::Conflict("profile_changed"));
            }
            sqlx::query("INSERT INTO status_changes (profile_kind, profile_id, from_status, to_status, reason, user_id, at) VALUES ('household', $1, $2, $3, $4, $5, $6)")
                .bind(id).bind(profile.status.as_str()).bind(next.as_str()).bind(reason).bind(actor.user_id).bind(now)
                .execute(&mut *tx).await?;
            audit!(self, tx, who.event("household.status_changed", "household", id, Some(profile.agency_id),
                serde_json::json!({"from": profile.status.as_str(), "to": next.as_str(), "reason": reason})));
        });
        Ok(next)
    }

    /// Records that a finding in a household's texts is not identifying.
    pub async fn acknowledge_household_finding(
        &self,
        permit: &Permit,
        who: &Who,
        id: i64,
        fingerprint: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        let actor = permit.actor().ok_or(StoreError::WrongPermit)?;
        let profile = self.household_unchecked(id).await?;
        if permit.action()
            != (Action::EditHousehold {
                agency: profile.agency_id,
            })
        {
            return Err(StoreError::NotFound);
        }
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 1_000 {
            return Err(StoreError::Invalid(vec![Problem::new(
                "reason",
                "Say why this is not identifying (up to 1,000 characters)",
            )]));
        }
        let kind = household_findings(&profile.details)
            .into_iter()
            .find(|(_, f)| f.fingerprint() == fingerprint)
            .map(|(_, f)| f.kind)
            .ok_or(StoreError::NotFound)?;
        let now = self.now();
        write_tx!(self, tx => {
            sqlx::query("INSERT INTO finding_acknowledgements (profile_kind, profile_id, fingerprint, kind, reason, user_id, at) VALUES ('household', $1, $2, $3, $4, $5, $6)")
                .bind(id).bind(fingerprint).bind(kind.as_str()).bind(reason).bind(actor.user_id).bind(now)
                .execute(&mut *tx).await
                .map_err(|e| StoreError::from(e).conflict_as("already_acknowledged"))?;
            audit!(self, tx, who.event("household.finding_acknowledged", "household", id, Some(profile.agency_id),
                serde_json::json!({"kind": kind.as_str(), "fingerprint": fingerprint, "reason": reason})));
        });
        Ok(())
    }

    /// Adds a photo (already re-encoded without metadata) to a household's profile: its worker,
    /// or its adopters once agreed.
    pub async fn add_household_photo(
        &self,
        permit: &Permit,
        who: &Who,
        id: i64,
        own_household: bool,
        photo: &crate::NewPhoto,
    ) -> Result<i64, StoreError> {
        let profile = self.household_unchecked(id).await?;
        household_writer(permit, profile.agency_id, profile.status, own_household)?;
        let description = photo.description.trim();
        if description.is_empty() || description.chars().count() > 300 {
            return Err(StoreError::Invalid(vec![Problem::new(
                "description",
                "Describe the photo for people who cannot see it (up to 300 characters)",
            )]));
        }
        let now = self.now();
        write_tx!(self, tx => {
            let photo_id: i64 = sqlx::query_scalar("INSERT INTO photos (profile_kind, profile_id, jpeg, width, height, description, uploaded_by, uploaded_at) \
                 VALUES ('household', $1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(id).bind(&photo.jpeg).bind(i64::from(photo.width)).bind(i64::from(photo.height))
                .bind(description).bind(permit.actor().map(|a| a.user_id)).bind(now)
                .fetch_one(&mut *tx).await?;
            audit!(self, tx, who.event("household.photo_added", "household", id, Some(profile.agency_id),
                serde_json::json!({"photo_id": photo_id, "by_adopter": own_household})));
            Ok(photo_id)
        })
    }

    /// A household's photo, if `viewer` may see the household.
    pub async fn household_photo(
        &self,
        viewer: Viewer<'_>,
        own_household: bool,
        id: i64,
        photo_id: i64,
    ) -> Result<crate::Photo, StoreError> {
        let profile = self.household_unchecked(id).await?;
        if reveal_household(viewer, profile, own_household).is_none() {
            return Err(StoreError::NotFound);
        }
        with_pool!(self, pool => sqlx::query_as("SELECT id, jpeg, description FROM photos WHERE id = $1 AND profile_kind = 'household' AND profile_id = $2 AND removed_at IS NULL")
            .bind(photo_id).bind(id).fetch_optional(pool).await?).ok_or(StoreError::NotFound)
    }

    /// The worker confirms an active (or held) household's profile is still accurate.
    pub async fn mark_household_reviewed(
        &self,
        permit: &Permit,
        who: &Who,
        id: i64,
    ) -> Result<(), StoreError> {
        let Action::EditHousehold { agency } = permit.action() else {
            return Err(StoreError::WrongPermit);
        };
        let now = self.now();
        write_tx!(self, tx => {
            let done = sqlx::query("UPDATE households SET reviewed_at = $1 WHERE id = $2 AND agency_id = $3")
                .bind(now).bind(id).bind(agency).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(self, tx, who.event("household.reviewed", "household", id, Some(agency), serde_json::json!({})));
        });
        Ok(())
    }

    /// Active or held households of the agency not reviewed for `days` days: `worker`'s only,
    /// or everyone's.
    pub async fn households_due_for_review(
        &self,
        permit: &Permit,
        worker: Option<i64>,
        days: i64,
    ) -> Result<Vec<HouseholdProfile>, StoreError> {
        let Action::EditHousehold { agency } = permit.action() else {
            return Err(StoreError::WrongPermit);
        };
        let before = self.now() - days * 86_400;
        let rows: Vec<HouseholdRow> = with_pool!(self, pool => sqlx::query_as(concat!(household_select!(),
            " WHERE h.agency_id = $1 AND h.status IN ('active', 'on_hold') AND h.reviewed_at < $2 AND ($3 = 0 OR h.worker_id = $3) ORDER BY h.reviewed_at, h.id LIMIT 200"))
            .bind(agency).bind(before).bind(worker.unwrap_or(0)).fetch_all(pool).await?);
        rows.into_iter()
            .map(|r| r.into_profile(Vec::new()))
            .collect()
    }

    /// Who changed a household's profile and which parts, newest first: what its worker reads
    /// to see every change the adopters made.
    pub async fn household_changes(
        &self,
        permit: &Permit,
        id: i64,
    ) -> Result<Vec<kinlink_domain::audit::AuditEntry>, StoreError> {
        let profile = self.household_unchecked(id).await?;
        if permit.action()
            != (Action::EditHousehold {
                agency: profile.agency_id,
            })
        {
            return Err(StoreError::NotFound);
        }
        let rows: Vec<crate::records::AuditRow> = with_pool!(self, pool => sqlx::query_as(concat!(audit_select!(),
            " WHERE record_type = 'household' AND record_id = $1 AND action IN ('household.profile_created', 'household.profile_updated', 'household.status_changed', 'household.imported') ORDER BY seq DESC LIMIT 100"))
            .bind(id.to_string()).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(crate::records::AuditRow::into_entry)
            .collect())
    }

    /// Loads a household from a data set, or fills in an existing one (the demo's), with its
    /// status: operator only, one audit entry.
    pub async fn import_household(
        &self,
        permit: &Permit,
        who: &Who,
        import: &HouseholdImport<'_>,
    ) -> Result<i64, StoreError> {
        let Action::EditHousehold { agency } = permit.action() else {
            return Err(StoreError::WrongPermit);
        };
        if permit.actor().is_some() {
            return Err(StoreError::WrongPermit);
        }
        let HouseholdImport {
            existing,
            details,
            status,
            active_since,
            worker_id,
        } = *import;
        check(details.problems(0, places::is_known))?;
        let now = self.now();
        write_tx!(self, tx => {
            let id: i64 = match existing {
                Some(id) => id,
                None => sqlx::query_scalar("INSERT INTO households (agency_id, name, created_at) VALUES ($1, $2, $3) RETURNING id")
                    .bind(agency).bind(details.applicants.join(" and ")).bind(now).fetch_one(&mut *tx).await?,
            };
            sqlx::query("UPDATE households SET status = $1, active_since = $2, worker_id = $3, reviewed_at = $4 WHERE id = $5 AND agency_id = $6")
                .bind(status.as_str()).bind(active_since).bind(worker_id).bind(active_since.unwrap_or(now)).bind(id).bind(agency)
                .execute(&mut *tx).await?;
            write_details!(tx, id, details, now);
            audit!(self, tx, who.event("household.imported", "household", id, Some(agency), serde_json::json!({"status": status.as_str()})));
            Ok(id)
        })
    }
}

/// A household from a data set, for [`Store::import_household`]: a new one, or the details of
/// one that exists (`existing`).
#[derive(Clone, Copy)]
pub struct HouseholdImport<'a> {
    pub existing: Option<i64>,
    pub details: &'a HouseholdDetails,
    pub status: HouseholdStatus,
    pub active_since: Option<Timestamp>,
    pub worker_id: Option<i64>,
}

/// What staff search households for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HouseholdSearch {
    pub region: Option<String>,
    /// Approved for this many children.
    pub children: Option<u8>,
    /// Approved for a child of this age (years).
    pub age: Option<u8>,
    pub text: String,
    pub page: u32,
}

fn check(problems: Vec<Problem>) -> Result<(), StoreError> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(problems))
    }
}
