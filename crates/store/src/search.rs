//! Searching the Register's children. The filters are built into SQL here; which profiles a
//! viewer may see is decided by the policy, which every result passes through again — the SQL
//! only narrows what the policy is asked about, so a mistake in it can hide a profile but never
//! show one that should not be seen.

use crate::{Backend, Store, StoreError, Who};
use kinlink_domain::audit::{AuditEvent, entry_hash};
use kinlink_domain::child::{ChildProfile, Gender, LegalStatus};
use kinlink_domain::coded_enum;
use kinlink_domain::policy::{Action, Permit, Viewer, Visible, reveal_child};
use kinlink_domain::profile::{CivilDate, NeedCategory, NeedLevel};
use kinlink_domain::{Role, Timestamp};

coded_enum! {
    pub enum SearchSort {
        LongestWaiting = "longest_waiting", "Longest waiting";
        Newest = "newest", "Newest";
        RecentlyUpdated = "recently_updated", "Recently updated";
    }
}

/// What someone searches children for. Every field is optional; together they narrow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildSearch {
    /// Every child in the profile at least this old (years).
    pub age_min: Option<u32>,
    /// Every child in the profile at most this old (years).
    pub age_max: Option<u32>,
    pub children_min: Option<u32>,
    pub children_max: Option<u32>,
    /// Every child of this gender.
    pub gender: Option<Gender>,
    /// At most this level of each listed need.
    pub needs_max: Vec<(NeedCategory, NeedLevel)>,
    pub region: Option<String>,
    pub legal_status: Option<LegalStatus>,
    /// Waiting (published) for at least this many months.
    pub waiting_min_months: Option<u32>,
    /// Words that must all appear in the profile text or a child's name.
    pub text: String,
    pub sort: SearchSort,
    /// From 1.
    pub page: u32,
}

impl Default for ChildSearch {
    fn default() -> Self {
        ChildSearch {
            age_min: None,
            age_max: None,
            children_min: None,
            children_max: None,
            gender: None,
            needs_max: Vec::new(),
            region: None,
            legal_status: None,
            waiting_min_months: None,
            text: String::new(),
            sort: SearchSort::LongestWaiting,
            page: 1,
        }
    }
}

/// A bad filter value, named by its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadFilter {
    pub field: &'static str,
    pub message: &'static str,
}

impl ChildSearch {
    pub const PER_PAGE: u32 = 20;

    /// Reads a search from query-string pairs (a search page's form, a saved search, the API).
    /// Unknown keys are ignored; bad values are reported by field, so the form can say which.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, Vec<BadFilter>> {
        let mut s = ChildSearch::default();
        let mut bad = Vec::new();
        let mut number = |field: &'static str, value: &str, max: u32, message: &'static str| {
            if value.trim().is_empty() {
                return None;
            }
            match value.trim().parse::<u32>() {
                Ok(n) if n <= max => Some(n),
                _ => {
                    bad.push(BadFilter { field, message });
                    None
                }
            }
        };
        let mut choices = Vec::new();
        for (key, value) in pairs {
            match key {
                "age_min" => {
                    s.age_min = number(key_static(key), value, 17, "Enter an age from 0 to 17")
                }
                "age_max" => {
                    s.age_max = number(key_static(key), value, 17, "Enter an age from 0 to 17")
                }
                "children_min" => {
                    s.children_min = number(
                        key_static(key),
                        value,
                        6,
                        "Enter a number of children from 1 to 6",
                    )
                }
                "children_max" => {
                    s.children_max = number(
                        key_static(key),
                        value,
                        6,
                        "Enter a number of children from 1 to 6",
                    )
                }
                "waiting_min_months" => {
                    s.waiting_min_months =
                        number("waiting_min_months", value, 240, "Enter a number of months")
                }
                "page" => {
                    s.page = number("page", value, 100_000, "Enter a page number")
                        .unwrap_or(1)
                        .max(1)
                }
                "text" => s.text = value.trim().chars().take(200).collect(),
                "region" if !value.trim().is_empty() => s.region = Some(value.trim().to_owned()),
                _ => choices.push((key, value)),
            }
        }
        for (key, value) in choices {
            if value.is_empty() {
                continue;
            }
            match key {
                "gender" => match Gender::parse(value) {
                    Some(g) => s.gender = Some(g),
                    None => bad.push(BadFilter {
                        field: "gender",
                        message: "Choose a gender from the list",
                    }),
                },
                "legal_status" => match LegalStatus::parse(value) {
                    Some(l) => s.legal_status = Some(l),
                    None => bad.push(BadFilter {
                        field: "legal_status",
                        message: "Choose a legal status from the list",
                    }),
                },
                "sort" => match SearchSort::parse(value) {
                    Some(o) => s.sort = o,
                    None => bad.push(BadFilter {
                        field: "sort",
                        message: "Choose an order from the list",
                    }),
                },
                k => {
                    if let Some(cat) = k.strip_prefix("need_").and_then(NeedCategory::parse) {
                        match NeedLevel::parse(value) {
                            Some(level) => s.needs_max.push((cat, level)),
                            None => bad.push(BadFilter {
                                field: "needs",
                                message: "Choose a level from the list",
                            }),
                        }
                    }
                }
            }
        }
        if let (Some(a), Some(b)) = (s.age_min, s.age_max)
            && a > b
        {
            bad.push(BadFilter {
                field: "age_min",
                message: "The youngest age must not be more than the oldest",
            });
        }
        if let (Some(a), Some(b)) = (s.children_min, s.children_max)
            && a > b
        {
            bad.push(BadFilter {
                field: "children_min",
                message: "The smallest number of children must not be more than the largest",
            });
        }
        if bad.is_empty() { Ok(s) } else { Err(bad) }
    }

    /// The search as a query string (without the page), for links and saved searches.
    pub fn to_query(&self) -> String {
        let mut parts: Vec<(String, String)> = Vec::new();
        let mut num = |k: &str, v: Option<u32>| {
            if let Some(v) = v {
                parts.push((k.into(), v.to_string()));
            }
        };
        num("age_min", self.age_min);
        num("age_max", self.age_max);
        num("children_min", self.children_min);
        num("children_max", self.children_max);
        num("waiting_min_months", self.waiting_min_months);
        if let Some(g) = self.gender {
            parts.push(("gender".into(), g.as_str().into()));
        }
        for (cat, level) in &self.needs_max {
            parts.push((format!("need_{}", cat.as_str()), level.as_str().into()));
        }
        if let Some(r) = &self.region {
            parts.push(("region".into(), r.clone()));
        }
        if let Some(l) = self.legal_status {
            parts.push(("legal_status".into(), l.as_str().into()));
        }
        if !self.text.is_empty() {
            parts.push(("text".into(), self.text.clone()));
        }
        parts.push(("sort".into(), self.sort.as_str().into()));
        parts
            .into_iter()
            .map(|(k, v)| format!("{}={}", encode(&k), encode(&v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

fn key_static(key: &str) -> &'static str {
    match key {
        "age_min" => "age_min",
        "age_max" => "age_max",
        "children_min" => "children_min",
        _ => "children_max",
    }
}

/// Percent-encodes a query-string component.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A page of results.
#[derive(Debug, Clone)]
pub struct SearchPage<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
}

impl<T> SearchPage<T> {
    pub fn pages(&self) -> u32 {
        let per = i64::from(ChildSearch::PER_PAGE);
        u32::try_from((self.total + per - 1) / per)
            .unwrap_or(u32::MAX)
            .max(1)
    }
}

enum Bind {
    Int(i64),
    Text(String),
}

/// The date `years` before `day` (29 February becomes 28 February).
fn years_before(day: CivilDate, years: u32) -> CivilDate {
    let year = day.year() - years as i32;
    CivilDate::new(year, day.month(), day.day())
        .or_else(|| CivilDate::new(year, day.month(), day.day() - 1))
        .unwrap_or(day)
}

fn like_pattern(word: &str) -> String {
    let mut p = String::from("%");
    for c in word.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

const MONTH_SECONDS: i64 = 2_629_746;

/// Where a search stands: the SQL condition and its binds.
struct Condition {
    sql: String,
    binds: Vec<Bind>,
}

impl Condition {
    /// Adds `AND clause`, where each `?` in the clause stands for `bind` (used once or more).
    fn push(&mut self, clause: &str, bind: Bind) {
        self.binds.push(bind);
        let n = self.binds.len();
        self.sql.push_str(" AND ");
        self.sql.push_str(&clause.replace('?', &format!("${n}")));
    }
}

/// A search someone keeps; its alert counts profiles published since they last looked.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SavedSearch {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub name: String,
    pub query: String,
    pub created_at: Timestamp,
    pub seen_at: Timestamp,
}

impl Store {
    /// Keeps a search for its owner (whoever the permit is for).
    pub async fn save_search(
        &self,
        permit: &Permit,
        who: &Who,
        kind: &str,
        name: &str,
        query: &str,
    ) -> Result<i64, StoreError> {
        let actor = permit.actor().ok_or(StoreError::WrongPermit)?;
        let allowed = match kind {
            "children" => permit.action() == Action::SearchChildren,
            "households" => permit.action() == Action::SearchHouseholds,
            _ => false,
        };
        if !allowed {
            return Err(StoreError::WrongPermit);
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StoreError::Invalid(vec![
                kinlink_domain::child::Problem::new(
                    "name",
                    "Give the search a name (up to 100 characters)",
                ),
            ]));
        }
        let now = self.now();
        write_tx!(self, tx => {
            let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM saved_searches WHERE user_id = $1 AND removed_at IS NULL")
                .bind(actor.user_id).fetch_one(&mut *tx).await?;
            if count >= 20 {
                return Err(StoreError::Invalid(vec![kinlink_domain::child::Problem::new(
                    "name", "You can keep up to 20 searches: remove one first")]));
            }
            let id: i64 = sqlx::query_scalar("INSERT INTO saved_searches (user_id, kind, name, query, created_at, seen_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id")
                .bind(actor.user_id).bind(kind).bind(name).bind(query).bind(now)
                .fetch_one(&mut *tx).await?;
            audit!(self, tx, who.event("saved_search.created", "saved_search", id, Some(actor.agency_id),
                serde_json::json!({"kind": kind, "query": query})));
            Ok(id)
        })
    }

    /// The searches `user_id` keeps, oldest first.
    pub async fn saved_searches(&self, user_id: i64) -> Result<Vec<SavedSearch>, StoreError> {
        Ok(with_pool!(self, pool => sqlx::query_as(
            "SELECT id, user_id, kind, name, query, created_at, seen_at FROM saved_searches WHERE user_id = $1 AND removed_at IS NULL ORDER BY id")
            .bind(user_id).fetch_all(pool).await?))
    }

    /// Marks a saved search's new results as seen (its owner opened it).
    pub async fn saved_search_seen(
        &self,
        user_id: i64,
        id: i64,
    ) -> Result<SavedSearch, StoreError> {
        let now = self.now();
        with_pool!(self, pool => sqlx::query_as(
            "UPDATE saved_searches SET seen_at = $1 WHERE id = $2 AND user_id = $3 AND removed_at IS NULL \
             RETURNING id, user_id, kind, name, query, created_at, seen_at")
            .bind(now).bind(id).bind(user_id).fetch_optional(pool).await?).ok_or(StoreError::NotFound)
    }

    pub async fn remove_saved_search(
        &self,
        who: &Who,
        user_id: i64,
        id: i64,
    ) -> Result<(), StoreError> {
        let now = self.now();
        write_tx!(self, tx => {
            let done = sqlx::query("UPDATE saved_searches SET removed_at = $1 WHERE id = $2 AND user_id = $3 AND removed_at IS NULL")
                .bind(now).bind(id).bind(user_id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            audit!(self, tx, who.event("saved_search.removed", "saved_search", id, None, serde_json::json!({})));
        });
        Ok(())
    }

    /// Published children matching `search` that `viewer` may see, a page at a time.
    /// `household_area` is an adopter's household's area: children whose family must not
    /// live there are left out. `published_after` narrows to profiles published since then
    /// (a saved search's new results). The search is audited with its filters and result count.
    pub async fn search_children(
        &self,
        permit: &Permit,
        viewer: Viewer<'_>,
        who: &Who,
        household_area: Option<&str>,
        search: &ChildSearch,
    ) -> Result<SearchPage<Visible<ChildProfile>>, StoreError> {
        if permit.action() != Action::SearchChildren || permit.actor() != Some(viewer.actor) {
            return Err(StoreError::WrongPermit);
        }
        let (total, ids) = self
            .matching_children(viewer, household_area, search, None)
            .await?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let profile = self.child_profile_for_search(id).await?;
            if let Some(visible) = reveal_child(viewer, profile, false) {
                items.push(visible);
            }
        }
        self.record(
            who,
            "child_profile.searched",
            "child_search",
            None::<i64>,
            Some(viewer.actor.agency_id),
            serde_json::json!({"query": search.to_query(), "page": search.page, "total": total}),
        )
        .await?;
        Ok(SearchPage {
            items,
            total,
            page: search.page,
        })
    }

    /// How many profiles matching `search` were published after `since` (a saved search's alert).
    pub async fn count_new_children(
        &self,
        viewer: Viewer<'_>,
        household_area: Option<&str>,
        search: &ChildSearch,
        since: Timestamp,
    ) -> Result<i64, StoreError> {
        Ok(self
            .matching_children(viewer, household_area, search, Some(since))
            .await?
            .0)
    }

    async fn matching_children(
        &self,
        viewer: Viewer<'_>,
        household_area: Option<&str>,
        search: &ChildSearch,
        published_after: Option<Timestamp>,
    ) -> Result<(i64, Vec<i64>), StoreError> {
        let actor = viewer.actor;
        let adopter = actor.role == Role::Adopter;
        if adopter && !viewer.household_active {
            return Ok((0, Vec::new()));
        }
        let now = self.now();
        let today = CivilDate::from_unix(now);
        let mut c = Condition {
            sql: "p.status = 'published'".into(),
            binds: Vec::new(),
        };
        // Who may see what: mirrors policy::child_sight, which every result passes through too.
        let own_agency = if adopter { -1 } else { actor.agency_id };
        c.push(
            "(p.agency_id = ? OR p.visibility IN ('all', 'hidden_while_exploring')",
            Bind::Int(own_agency),
        );
        if !adopter {
            c.sql.push_str(" OR p.visibility = 'agencies_only'");
        }
        c.binds.push(Bind::Text(viewer.region.to_owned()));
        c.sql.push_str(&format!(
            " OR (p.visibility = 'own_region' AND a.region = ${}))",
            c.binds.len()
        ));
        if let Some(area) = household_area {
            c.push(
                "p.excluded_areas NOT LIKE ?",
                Bind::Text(format!("%|{area}|%")),
            );
        }
        if let Some(min) = search.age_min {
            c.push(
                "p.youngest_born <= ?",
                Bind::Text(years_before(today, min).to_string()),
            );
        }
        if let Some(max) = search.age_max {
            c.push(
                "p.oldest_born > ?",
                Bind::Text(years_before(today, max + 1).to_string()),
            );
        }
        if let Some(n) = search.children_min {
            c.push("p.children_count >= ?", Bind::Int(n.into()));
        }
        if let Some(n) = search.children_max {
            c.push("p.children_count <= ?", Bind::Int(n.into()));
        }
        if let Some(g) = search.gender {
            c.push("p.genders = ?", Bind::Text(g.as_str().into()));
        }
        for (cat, level) in &search.needs_max {
            // Column names come from the closed list of categories, never from input.
            c.push(
                &format!("p.need_{} <= ?", cat.as_str()),
                Bind::Int(crate::profiles::level_rank(*level)),
            );
        }
        if let Some(r) = &search.region {
            c.push("a.region = ?", Bind::Text(r.clone()));
        }
        if let Some(l) = search.legal_status {
            c.push("p.legal_status = ?", Bind::Text(l.as_str().into()));
        }
        if let Some(m) = search.waiting_min_months {
            c.push(
                "p.published_at <= ?",
                Bind::Int(now - i64::from(m) * MONTH_SECONDS),
            );
        }
        if let Some(since) = published_after {
            c.push("p.published_at > ?", Bind::Int(since));
        }
        for word in search.text.split_whitespace().take(8) {
            c.push("(LOWER(p.profile_text) LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM children w WHERE w.profile_id = p.id AND w.removed_at IS NULL AND LOWER(w.alias) LIKE ? ESCAPE '\\'))", Bind::Text(like_pattern(word)));
        }
        let sql_where = &c.sql;
        let order = match search.sort {
            SearchSort::LongestWaiting => "p.published_at ASC, p.id ASC",
            SearchSort::Newest => "p.published_at DESC, p.id DESC",
            SearchSort::RecentlyUpdated => "p.updated_at DESC, p.id DESC",
        };
        let from = "FROM child_profiles p JOIN agencies a ON a.id = p.agency_id WHERE ";
        let count_sql = format!("SELECT COUNT(*) {from}{sql_where}");
        let n = c.binds.len();
        let page_sql = format!(
            "SELECT p.id {from}{sql_where} ORDER BY {order} LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let per = i64::from(ChildSearch::PER_PAGE);
        let offset = i64::from(search.page.saturating_sub(1)) * per;
        let (total, ids) = with_pool!(self, pool => {
            let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count_sql));
            for b in &c.binds {
                q = match b { Bind::Int(i) => q.bind(*i), Bind::Text(t) => q.bind(t.clone()) };
            }
            let total = q.fetch_one(pool).await?;
            let mut q = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(page_sql));
            for b in &c.binds {
                q = match b { Bind::Int(i) => q.bind(*i), Bind::Text(t) => q.bind(t.clone()) };
            }
            let ids = q.bind(per).bind(offset).fetch_all(pool).await?;
            (total, ids)
        });
        Ok((total, ids))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_round_trips_through_its_query_string() {
        let query = "age_min=2&age_max=6&gender=girl&need_fasd=low&region=North+West&text=loves+music&sort=newest";
        let pairs: Vec<(String, String)> = query
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_owned(), v.replace('+', " "))
            })
            .collect();
        let s = ChildSearch::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .expect("valid");
        assert_eq!(s.age_min, Some(2));
        assert_eq!(s.gender, Some(Gender::Girl));
        assert_eq!(s.needs_max, vec![(NeedCategory::Fasd, NeedLevel::Low)]);
        assert_eq!(s.region.as_deref(), Some("North West"));
        assert_eq!(
            s.to_query(),
            "age_min=2&age_max=6&gender=girl&need_fasd=low&region=North+West&text=loves+music&sort=newest"
        );
    }

    #[test]
    fn bad_filters_are_named() {
        let bad = ChildSearch::from_pairs([
            ("age_min", "9"),
            ("age_max", "3"),
            ("gender", "x"),
            ("children_max", "lots"),
        ])
        .expect_err("invalid");
        let fields: Vec<_> = bad.iter().map(|b| b.field).collect();
        assert_eq!(fields, ["children_max", "gender", "age_min"]);
    }

    #[test]
    fn patterns_and_dates() {
        let mut c = Condition {
            sql: "x".into(),
            binds: vec![Bind::Int(1)],
        };
        c.push("(a = ? OR b = ?)", Bind::Int(2));
        assert_eq!(c.sql, "x AND (a = $2 OR b = $2)");
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
        let d = CivilDate::new(2024, 2, 29).expect("date");
        assert_eq!(years_before(d, 1).to_string(), "2023-02-28");
    }
}
