//! Matching against the register as stored: the families suggested for a child, the children
//! suggested for a household, and the register-wide spread recommendations and best overall
//! assignment, each behind its permit and audited. The scoring itself is `kinlink_matching`'s;
//! this module reads the profiles (whole, because matching needs the areas a child must not
//! live in) and hands back only names, scores and sentences that never say where a child is.

use crate::{Backend, Store, StoreError, Who};
use kinlink_domain::Timestamp;
use kinlink_domain::audit::{AuditEvent, entry_hash};
use kinlink_domain::child::ChildProfile;
use kinlink_domain::household::HouseholdProfile;
use kinlink_domain::policy::{Action, Permit, Viewer, reveal_child};
use kinlink_matching::spread::{SpreadSettings, register_views};
use kinlink_matching::{
    Explanation, Family, Invalid, Score, Unit, Weights, children_for, explain, families_for,
};

/// The register's matching settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchingSettings {
    pub weights: Weights,
    pub spread: SpreadSettings,
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    weight_needs: i64,
    weight_contact: i64,
    weight_identity: i64,
    weight_languages: i64,
    weight_experience: i64,
    weight_children_at_home: i64,
    weight_distance: i64,
    spread_per_child: i64,
    spread_per_family: i64,
    spread_wait_points_per_month: i64,
    max_open_links_per_household: i64,
}

/// Suggestions for one child or one family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestions<T> {
    /// The child's (or sibling group's) title, or the family's name.
    pub name: String,
    pub items: Vec<T>,
    /// Why nothing can be suggested yet (the profile lacks what matching needs), in words.
    pub cannot: Option<String>,
}

/// A family suggested for a child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FamilySuggestion {
    pub household_id: i64,
    /// "Robin and Kit Ashdown".
    pub name: String,
    pub agency_name: String,
    pub region: String,
    pub explanation: Explanation,
    /// At the register's limit of open links: cannot take another now.
    pub at_link_limit: bool,
}

/// A child (or sibling group) suggested for a household.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildSuggestion {
    pub profile_id: i64,
    pub title: String,
    pub agency_name: String,
    pub region: String,
    /// "3 years", "4 and 6 years".
    pub ages: String,
    pub waited_days: u32,
    pub explanation: Explanation,
}

/// One family on a child's spread list, or the child's family in the best assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub household_id: i64,
    pub name: String,
    pub score: Score,
}

/// One child's line on the register-wide page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterRow {
    pub profile_id: i64,
    pub title: String,
    pub agency_name: String,
    pub waited_days: u32,
    pub spread: Vec<Placement>,
    pub assigned: Option<Placement>,
}

/// The register-wide view: everyone's short lists and the best overall assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegisterMatching {
    pub rows: Vec<RegisterRow>,
    pub families: usize,
    pub candidate_pairs: usize,
    pub assignment_total: i64,
    pub settings: MatchingSettings,
    /// Records matching could not read, in words, for someone to put right.
    pub refused: Vec<String>,
}

/// The register as matching reads it, with what pages need to name each record.
struct Register {
    units: Vec<Unit>,
    profiles: Vec<ChildProfile>,
    families: Vec<Family>,
    households: Vec<HouseholdProfile>,
    refused: Vec<Invalid>,
}

fn days_between(from: Timestamp, to: Timestamp) -> u32 {
    u32::try_from((to - from).max(0) / 86_400).unwrap_or(u32::MAX)
}

fn household_name(h: &HouseholdProfile) -> String {
    h.details.applicants.join(" and ")
}

/// "7 months", "3 years and 2 months", or for a group "2, 4 and 6 years".
fn ages(profile: &ChildProfile) -> String {
    if let [only] = profile.children.as_slice() {
        return only.age.to_string();
    }
    let mut years: Vec<u32> = profile.children.iter().map(|c| c.age.years).collect();
    years.sort_unstable();
    let words: Vec<String> = years.iter().map(u32::to_string).collect();
    format!(
        "{} years",
        kinlink_domain::child::names_list(words.iter().map(String::as_str))
    )
}

impl Store {
    pub async fn matching_settings(&self) -> Result<MatchingSettings, StoreError> {
        Ok(self.matching_settings_row().await?.0)
    }

    async fn matching_settings_row(&self) -> Result<(MatchingSettings, i64), StoreError> {
        let r: SettingsRow = with_pool!(self, pool => sqlx::query_as(
            "SELECT weight_needs, weight_contact, weight_identity, weight_languages, weight_experience, \
             weight_children_at_home, weight_distance, spread_per_child, spread_per_family, \
             spread_wait_points_per_month, max_open_links_per_household FROM register_settings WHERE id = 1")
            .fetch_one(pool).await?);
        let small = |n: i64| u8::try_from(n.clamp(0, 10)).unwrap_or(0);
        let weights = Weights::new([
            small(r.weight_needs),
            small(r.weight_contact),
            small(r.weight_identity),
            small(r.weight_languages),
            small(r.weight_experience),
            small(r.weight_children_at_home),
            small(r.weight_distance),
        ])
        // The settings page refuses all zeros; a database edited by hand falls back.
        .unwrap_or_default();
        let spread = SpreadSettings {
            per_child: u32::try_from(r.spread_per_child).unwrap_or(5),
            per_family: u32::try_from(r.spread_per_family).unwrap_or(8),
            wait_points_per_month: u32::try_from(r.spread_wait_points_per_month).unwrap_or(10),
            ..SpreadSettings::default()
        }
        .validate()
        .unwrap_or_default();
        Ok((
            MatchingSettings { weights, spread },
            r.max_open_links_per_household,
        ))
    }

    pub async fn update_matching_settings(
        &self,
        permit: &Permit,
        who: &Who,
        s: &MatchingSettings,
    ) -> Result<(), StoreError> {
        if permit.action() != Action::ManageRegisterSettings {
            return Err(StoreError::WrongPermit);
        }
        let w = s.weights.as_array().map(i64::from);
        let now = self.now();
        write_tx!(self, tx => {
            sqlx::query("UPDATE register_settings SET weight_needs = $1, weight_contact = $2, weight_identity = $3, weight_languages = $4, \
                         weight_experience = $5, weight_children_at_home = $6, weight_distance = $7, spread_per_child = $8, \
                         spread_per_family = $9, spread_wait_points_per_month = $10, updated_at = $11 WHERE id = 1")
                .bind(w[0]).bind(w[1]).bind(w[2]).bind(w[3]).bind(w[4]).bind(w[5]).bind(w[6])
                .bind(i64::from(s.spread.per_child)).bind(i64::from(s.spread.per_family))
                .bind(i64::from(s.spread.wait_points_per_month)).bind(now)
                .execute(&mut *tx).await?;
            audit!(self, tx, who.event("register.matching_settings_changed", "register_settings", 1, None, serde_json::json!({
                "weights": w,
                "spread_per_child": s.spread.per_child,
                "spread_per_family": s.spread.per_family,
                "spread_wait_points_per_month": s.spread.wait_points_per_month})));
        });
        Ok(())
    }

    /// Every published child and every active household, as matching reads them.
    async fn register_for_matching(&self, link_limit: i64) -> Result<Register, StoreError> {
        let now = self.now();
        let (families, households, mut refused) = self.families_for_matching(link_limit).await?;
        let mut units = Vec::new();
        let mut profiles = Vec::new();
        for (profile, _) in self.published_child_profiles().await? {
            let waited = days_between(profile.published_at.unwrap_or(now), now);
            match Unit::from_profile(&profile, waited) {
                Ok(unit) => {
                    units.push(unit);
                    profiles.push(profile);
                }
                Err(e) => refused.push(e),
            }
        }
        Ok(Register {
            units,
            profiles,
            families,
            households,
            refused,
        })
    }

    /// Every active household as matching reads it, marked when at `link_limit` open links;
    /// with the records it could not read.
    async fn families_for_matching(
        &self,
        link_limit: i64,
    ) -> Result<(Vec<Family>, Vec<HouseholdProfile>, Vec<Invalid>), StoreError> {
        let open = self.open_links_per_household().await?;
        let mut families = Vec::new();
        let mut households = Vec::new();
        let mut refused = Vec::new();
        for h in self.active_households().await? {
            match Family::from_details(h.id, h.agency_id, &h.details, true) {
                Ok(mut family) => {
                    family.at_link_limit = open.get(&h.id).copied().unwrap_or(0) >= link_limit;
                    families.push(family);
                    households.push(h);
                }
                Err(e) => refused.push(e),
            }
        }
        Ok((families, households, refused))
    }

    /// The best `limit` families for a child's (or sibling group's) profile, best first and
    /// explained, with the profile's title. Only the child's own agency asks (the permit says
    /// which agency); a profile of another agency, or one already placed or withdrawn, is not
    /// found. Audited with the households listed.
    pub async fn suggested_families(
        &self,
        permit: &Permit,
        who: &Who,
        profile_id: i64,
        limit: usize,
    ) -> Result<Suggestions<FamilySuggestion>, StoreError> {
        let Action::SuggestFamilies { child_agency } = permit.action() else {
            return Err(StoreError::WrongPermit);
        };
        let profile = self.child_profile_for_search(profile_id).await?;
        if profile.agency_id != child_agency || profile.status.is_final() {
            self.record(
                who,
                "matching.refused",
                "child_profile",
                profile_id,
                Some(profile.agency_id),
                serde_json::json!({}),
            )
            .await?;
            return Err(StoreError::NotFound);
        }
        let (settings, link_limit) = self.matching_settings_row().await?;
        let now = self.now();
        let waited = days_between(profile.published_at.unwrap_or(now), now);
        let unit =
            Unit::from_profile(&profile, waited).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        // One child against the families: the other children need not be read.
        let (families, households, _) = self.families_for_matching(link_limit).await?;
        let found = families_for(&unit, &families, settings.weights, limit);
        let out: Vec<FamilySuggestion> = found
            .iter()
            .map(|s| {
                let (family, h) = (&families[s.index], &households[s.index]);
                FamilySuggestion {
                    household_id: h.id,
                    name: household_name(h),
                    agency_name: h.agency_name.clone(),
                    region: h.region.clone(),
                    explanation: explain(&unit, family, settings.weights),
                    at_link_limit: family.at_link_limit,
                }
            })
            .collect();
        self.record(
            who,
            "matching.families_suggested",
            "child_profile",
            profile_id,
            Some(profile.agency_id),
            serde_json::json!({"households": out.iter().map(|s| s.household_id).collect::<Vec<_>>()}),
        )
        .await?;
        Ok(Suggestions {
            name: profile.title(),
            items: out,
            cannot: None,
        })
    }

    /// The best `limit` children for a household, best first and explained, among the
    /// published children `viewer` may see; with the household's name. Only the household's own agency asks. Audited
    /// with the profiles listed.
    pub async fn suggested_children(
        &self,
        permit: &Permit,
        viewer: Viewer<'_>,
        who: &Who,
        household_id: i64,
        limit: usize,
    ) -> Result<Suggestions<ChildSuggestion>, StoreError> {
        let Action::SuggestChildren { household_agency } = permit.action() else {
            return Err(StoreError::WrongPermit);
        };
        let h = self.household_unchecked(household_id).await?;
        if h.agency_id != household_agency || h.status.is_final() {
            self.record(
                who,
                "matching.refused",
                "household",
                household_id,
                Some(h.agency_id),
                serde_json::json!({}),
            )
            .await?;
            return Err(StoreError::NotFound);
        }
        let (settings, link_limit) = self.matching_settings_row().await?;
        // A family on hold or still a draft may still be shown who might suit them.
        let mut family = match Family::from_details(h.id, h.agency_id, &h.details, true) {
            Ok(family) => family,
            Err(_) => {
                return Ok(Suggestions {
                    name: household_name(&h),
                    items: Vec::new(),
                    cannot: Some(
                        "Matching needs the family's area and what they are approved for: complete the profile first."
                            .into(),
                    ),
                });
            }
        };
        let open = self.open_links_per_household().await?;
        family.at_link_limit = open.get(&h.id).copied().unwrap_or(0) >= link_limit;
        let now = self.now();
        let mut units = Vec::new();
        let mut seen = Vec::new();
        for (profile, exploring) in self.published_child_profiles().await? {
            let waited = days_between(profile.published_at.unwrap_or(now), now);
            let Ok(unit) = Unit::from_profile(&profile, waited) else {
                continue;
            };
            // Only children this person may see, as a search would show them.
            if let Some(visible) = reveal_child(viewer, profile, exploring) {
                units.push(unit);
                seen.push(visible);
            }
        }
        let found = children_for(&family, &units, settings.weights, limit);
        let out: Vec<ChildSuggestion> = found
            .iter()
            .map(|s| {
                let (unit, p) = (&units[s.index], &seen[s.index]);
                ChildSuggestion {
                    profile_id: p.id,
                    title: p.title(),
                    agency_name: p.agency_name.clone(),
                    region: p.region.clone(),
                    ages: ages(p),
                    waited_days: unit.waited_days,
                    explanation: explain(unit, &family, settings.weights),
                }
            })
            .collect();
        self.record(
            who,
            "matching.children_suggested",
            "household",
            household_id,
            Some(h.agency_id),
            serde_json::json!({"child_profiles": out.iter().map(|s| s.profile_id).collect::<Vec<_>>()}),
        )
        .await?;
        Ok(Suggestions {
            name: household_name(&h),
            items: out,
            cannot: None,
        })
    }

    /// Spread recommendations and the best overall assignment for the whole register, for
    /// register administrators. The solving runs off the async threads. Audited.
    pub async fn register_matching(
        &self,
        permit: &Permit,
        who: &Who,
    ) -> Result<RegisterMatching, StoreError> {
        if permit.action() != Action::ViewRegisterMatching {
            return Err(StoreError::WrongPermit);
        }
        let (settings, link_limit) = self.matching_settings_row().await?;
        let register = self.register_for_matching(link_limit).await?;
        let Register {
            units,
            profiles,
            families,
            households,
            refused,
        } = register;
        let solved = tokio::task::spawn_blocking(move || {
            let views = register_views(&units, &families, settings.weights, settings.spread);
            (units, families, views)
        })
        .await
        .map_err(|e| StoreError::Corrupt(format!("matching stopped: {e}")))?;
        let (units, families, views) = solved;
        let (lists, assignment) = views.map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let placement = |index: usize, score: Score| Placement {
            household_id: households[index].id,
            name: household_name(&households[index]),
            score,
        };
        let rows: Vec<RegisterRow> = profiles
            .iter()
            .zip(&units)
            .enumerate()
            .map(|(i, (p, unit))| RegisterRow {
                profile_id: p.id,
                title: p.title(),
                agency_name: p.agency_name.clone(),
                waited_days: unit.waited_days,
                spread: lists.lists[i]
                    .iter()
                    .map(|r| placement(r.family, r.score))
                    .collect(),
                assigned: assignment.families[i].map(|r| placement(r.family, r.score)),
            })
            .collect();
        self.record(
            who,
            "matching.register_viewed",
            "register",
            None::<i64>,
            None,
            serde_json::json!({"children": rows.len(), "families": families.len()}),
        )
        .await?;
        Ok(RegisterMatching {
            families: families.len(),
            candidate_pairs: assignment.candidate_pairs,
            assignment_total: assignment.total_score,
            settings,
            refused: refused.iter().map(ToString::to_string).collect(),
            rows,
        })
    }
}
