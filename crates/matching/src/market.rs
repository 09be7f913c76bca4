//! A simulated register, to compare ways of bringing children and families together: children
//! and families arrive over a period; interest is expressed under one of three policies; links
//! are answered after a while and some become matches; families have a limit on open links and
//! children on links being explored. What comes out is how many were matched and how long
//! children waited, overall and for the children who wait longest in real registers (aged five
//! or over, sibling groups, disabled children, children from ethnic minorities).
//!
//! A model, not a forecast: its behaviours are simple and stated here, so that policies can be
//! compared on the same children and families, day by day, with the same random draws.
//! - Adopters browsing alone look at a handful of profiles a day and ask about the one that
//!   appeals most among those their approval covers; what appeals is youth, a single child and
//!   few needs (as studies of adoption platforms find), which is how interest piles up.
//! - Under ranked suggestions, each child's worker asks the top-ranked families each week.
//! - Under spread recommendations, each child's worker asks the families on the child's spread
//!   list, recomputed each week.
//!
//! A link is answered after [`ANSWER_DAYS`]; it becomes a match with a chance that grows with
//! the pair's score, if neither side has been matched meanwhile. Pure and deterministic.

use crate::compat::{Score, Weights, score};
use crate::facts::{Family, Unit};
use crate::spread::{SpreadSettings, spread};
use crate::suggest::families_for;
use kinlink_synthetic::random::Random;

/// Days between a link being asked for and its answer.
pub const ANSWER_DAYS: u32 = 14;
/// How often workers look again at suggestions and lists.
const REVIEW_DAYS: u32 = 7;

/// How interest is expressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Policy {
    BrowseAlone,
    RankedSuggestions,
    SpreadRecommendations,
}

impl Policy {
    pub const ALL: [Policy; 3] = [
        Policy::BrowseAlone,
        Policy::RankedSuggestions,
        Policy::SpreadRecommendations,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Policy::BrowseAlone => "browse_alone",
            Policy::RankedSuggestions => "ranked_suggestions",
            Policy::SpreadRecommendations => "spread_recommendations",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Policy::BrowseAlone => "Adopters browse alone",
            Policy::RankedSuggestions => "Ranked suggestions",
            Policy::SpreadRecommendations => "Spread recommendations",
        }
    }
}

/// The register's rules and the model's pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarketSettings {
    pub days: u32,
    pub seed: u64,
    /// Open links a family may have at once.
    pub links_per_family: u32,
    /// Open links a child's worker keeps going at once.
    pub links_per_child: u32,
    /// Profiles an adopter browsing looks at in a day.
    pub profiles_browsed: u32,
    pub weights: Weights,
    pub spread: SpreadSettings,
}

impl Default for MarketSettings {
    fn default() -> Self {
        MarketSettings {
            days: 365,
            seed: 1,
            links_per_family: 6,
            links_per_child: 3,
            profiles_browsed: 12,
            weights: Weights::default(),
            spread: SpreadSettings::default(),
        }
    }
}

/// A child or family and the day they join the register (0: there from the start).
#[derive(Debug, Clone)]
pub struct Arrival<T> {
    pub day: u32,
    pub item: T,
}

/// The groups of children the results are broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    All,
    AgedFivePlus,
    SiblingGroups,
    Disabled,
    EthnicMinority,
}

impl Group {
    pub const ALL: [Group; 5] = [
        Group::All,
        Group::AgedFivePlus,
        Group::SiblingGroups,
        Group::Disabled,
        Group::EthnicMinority,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Group::All => "All children",
            Group::AgedFivePlus => "Aged 5 or over",
            Group::SiblingGroups => "Sibling groups",
            Group::Disabled => "Disabled children",
            Group::EthnicMinority => "From ethnic minorities",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Group::All => "all",
            Group::AgedFivePlus => "aged_5_plus",
            Group::SiblingGroups => "sibling_groups",
            Group::Disabled => "disabled",
            Group::EthnicMinority => "ethnic_minority",
        }
    }

    fn holds(self, unit: &Unit) -> bool {
        match self {
            Group::All => true,
            Group::AgedFivePlus => unit.oldest_years >= 5,
            Group::SiblingGroups => unit.is_sibling_group(),
            Group::Disabled => unit.has_disability(),
            Group::EthnicMinority => unit.from_ethnic_minority(),
        }
    }
}

/// One group's results under one policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupOutcome {
    pub group: Group,
    pub children: usize,
    pub matched: usize,
    /// The median of each child's wait: from publication to match, or to the end of the period
    /// for a child still waiting (so a lower bound where many are still waiting).
    pub median_wait_days: Option<u32>,
}

/// What happened under one policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub policy: Policy,
    pub links: usize,
    pub matches: usize,
    pub groups: Vec<GroupOutcome>,
}

#[derive(Debug, Clone, Copy)]
struct Link {
    unit: usize,
    family: usize,
    answer_day: u32,
    score: Score,
}

/// How much a profile appeals to adopters browsing on their own: youth, one child, few needs.
fn appeal(unit: &Unit) -> f64 {
    let age = 1.0 / (1.0 + f64::from(unit.oldest_years) / 3.0);
    let siblings = 1.0 / f64::from(unit.size);
    let needs = 1.0 / (1.0 + unit.needs.highest() as u8 as f64);
    age * siblings * needs
}

/// The chance that an answered link becomes a match.
fn match_chance(score: Score) -> f64 {
    let fit = f64::from(score.0) / 1000.0;
    0.1 + 0.5 * fit * fit
}

/// Runs the market under `policy`. The same arrivals and seed give the same outcome.
pub fn simulate(
    units: &[Arrival<Unit>],
    families: &[Arrival<Family>],
    policy: Policy,
    settings: MarketSettings,
) -> Outcome {
    // The synthetic data's own generator (SplitMix64): the model's only source of chance.
    let mut draws = Random::new(settings.seed ^ 0x5EED);
    let mut matched_on: Vec<Option<u32>> = vec![None; units.len()];
    let mut family_matched = vec![false; families.len()];
    let mut unit_links = vec![0u32; units.len()];
    let mut family_links = vec![0u32; families.len()];
    let mut linked: std::collections::HashSet<(usize, usize)> = Default::default();
    let mut links: Vec<Link> = Vec::new();
    let mut made = 0usize;

    for day in 0..settings.days {
        let waiting =
            |u: usize, matched_on: &[Option<u32>]| units[u].day <= day && matched_on[u].is_none();
        let available =
            |f: usize, family_matched: &[bool]| families[f].day <= day && !family_matched[f];

        // Answers due today, oldest first.
        let (due, rest): (Vec<Link>, Vec<Link>) =
            links.into_iter().partition(|l| l.answer_day == day);
        links = rest;
        for l in due {
            unit_links[l.unit] -= 1;
            family_links[l.family] -= 1;
            if matched_on[l.unit].is_none()
                && !family_matched[l.family]
                && draws.unit() < match_chance(l.score)
            {
                matched_on[l.unit] = Some(day);
                family_matched[l.family] = true;
            }
        }

        let mut ask = |u: usize,
                       f: usize,
                       s: Score,
                       unit_links: &mut Vec<u32>,
                       family_links: &mut Vec<u32>| {
            if unit_links[u] < settings.links_per_child
                && family_links[f] < settings.links_per_family
                && linked.insert((u, f))
            {
                unit_links[u] += 1;
                family_links[f] += 1;
                made += 1;
                links.push(Link {
                    unit: u,
                    family: f,
                    answer_day: day + ANSWER_DAYS,
                    score: s,
                });
            }
        };

        match policy {
            Policy::BrowseAlone => {
                let open: Vec<usize> = (0..units.len())
                    .filter(|&u| waiting(u, &matched_on))
                    .collect();
                if open.is_empty() {
                    continue;
                }
                for f in 0..families.len() {
                    if !available(f, &family_matched)
                        || family_links[f] >= settings.links_per_family
                    {
                        continue;
                    }
                    let family = &families[f].item;
                    let mut best: Option<(f64, usize, Score)> = None;
                    for _ in 0..settings.profiles_browsed {
                        let u = open[draws.below(open.len())];
                        let Ok(s) = score(&units[u].item, family, settings.weights) else {
                            continue;
                        };
                        let taste = appeal(&units[u].item) * (0.5 + draws.unit());
                        if best.is_none_or(|b| taste > b.0) {
                            best = Some((taste, u, s));
                        }
                    }
                    // Not every look ends in a request: about one family in five asks a day.
                    if let Some((_, u, s)) = best
                        && draws.unit() < 0.2
                    {
                        ask(u, f, s, &mut unit_links, &mut family_links);
                    }
                }
            }
            Policy::RankedSuggestions if day % REVIEW_DAYS == 0 => {
                let pool: Vec<usize> = (0..families.len())
                    .filter(|&f| available(f, &family_matched))
                    .collect();
                let mut shown: Vec<Family> =
                    pool.iter().map(|&f| families[f].item.clone()).collect();
                for u in 0..units.len() {
                    if !waiting(u, &matched_on) || unit_links[u] >= settings.links_per_child {
                        continue;
                    }
                    for (i, f) in pool.iter().enumerate() {
                        shown[i].at_link_limit = family_links[*f] >= settings.links_per_family;
                    }
                    let want = (settings.links_per_child - unit_links[u]) as usize;
                    let top = families_for(&units[u].item, &shown, settings.weights, want + 6);
                    for s in top {
                        let f = pool[s.index];
                        ask(u, f, s.score, &mut unit_links, &mut family_links);
                    }
                }
            }
            Policy::SpreadRecommendations if day % REVIEW_DAYS == 0 => {
                let open: Vec<usize> = (0..units.len())
                    .filter(|&u| {
                        waiting(u, &matched_on) && unit_links[u] < settings.links_per_child
                    })
                    .collect();
                let pool: Vec<usize> = (0..families.len())
                    .filter(|&f| available(f, &family_matched))
                    .collect();
                if open.is_empty() || pool.is_empty() {
                    continue;
                }
                let shown_units: Vec<Unit> = open
                    .iter()
                    .map(|&u| {
                        let mut unit = units[u].item.clone();
                        unit.waited_days += day - units[u].day;
                        unit
                    })
                    .collect();
                let shown: Vec<Family> = pool
                    .iter()
                    .map(|&f| Family {
                        at_link_limit: family_links[f] >= settings.links_per_family,
                        ..families[f].item.clone()
                    })
                    .collect();
                let Ok(lists) = spread(&shown_units, &shown, settings.weights, settings.spread)
                else {
                    continue;
                };
                for (i, list) in lists.lists.iter().enumerate() {
                    for r in list {
                        ask(
                            open[i],
                            pool[r.family],
                            r.score,
                            &mut unit_links,
                            &mut family_links,
                        );
                    }
                }
            }
            _ => {}
        }
    }

    let groups = Group::ALL
        .iter()
        .map(|&group| {
            let mut waits: Vec<u32> = Vec::new();
            let mut matched = 0;
            for (u, a) in units.iter().enumerate() {
                if !group.holds(&a.item) || a.day >= settings.days {
                    continue;
                }
                let end = matched_on[u].unwrap_or(settings.days);
                matched += usize::from(matched_on[u].is_some());
                waits.push(a.item.waited_days + (end - a.day));
            }
            waits.sort_unstable();
            GroupOutcome {
                group,
                children: waits.len(),
                matched,
                median_wait_days: (!waits.is_empty()).then(|| waits[waits.len() / 2]),
            }
        })
        .collect();
    Outcome {
        policy,
        links: made,
        matches: matched_on.iter().filter(|m| m.is_some()).count(),
        groups,
    }
}

/// The outcomes as CSV: one row per policy and group.
pub fn csv(outcomes: &[Outcome]) -> String {
    let mut out = String::from("policy,group,children,matched,median_wait_days\n");
    for o in outcomes {
        for g in &o.groups {
            out.push_str(&format!(
                "{},{},{},{},{}\n",
                o.policy.code(),
                g.group.code(),
                g.children,
                g.matched,
                g.median_wait_days
                    .map(|d| d.to_string())
                    .unwrap_or_default()
            ));
        }
    }
    out
}

/// The outcomes as a table for a terminal.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut out = format!("{:<24}{:>8}{:>9}", "Policy", "Links", "Matches");
    for g in Group::ALL {
        out.push_str(&format!("{:>24}", g.label()));
    }
    out.push('\n');
    for o in outcomes {
        out.push_str(&format!(
            "{:<24}{:>8}{:>9}",
            o.policy.label(),
            o.links,
            o.matches
        ));
        for g in &o.groups {
            let cell = match g.median_wait_days {
                Some(d) => format!("{d} days ({}/{})", g.matched, g.children),
                None => "-".into(),
            };
            out.push_str(&format!("{cell:>24}"));
        }
        out.push('\n');
    }
    out.push_str("Each cell: the median days children waited (to their match, or to the end for those still waiting), and how many of the group were matched.\n");
    out
}

/// A bar chart of the median wait by group, one bar per policy, as a standalone SVG.
pub fn svg(outcomes: &[Outcome]) -> String {
    const COLOURS: [&str; 3] = ["#505a5f", "#1d70b8", "#00703c"];
    let (width, height, left, top, bottom) = (760.0, 420.0, 70.0, 50.0, 90.0);
    let plot_h = height - top - bottom;
    let most = outcomes
        .iter()
        .flat_map(|o| o.groups.iter().filter_map(|g| g.median_wait_days))
        .max()
        .unwrap_or(1)
        .max(1);
    let scale = plot_h / f64::from(most);
    let group_w = (width - left - 20.0) / Group::ALL.len() as f64;
    let bar_w = (group_w - 20.0) / outcomes.len().max(1) as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-labelledby=\"title desc\" font-family=\"Arial, sans-serif\" font-size=\"12\">\n\
         <title id=\"title\">Median days waiting, by group of children and policy</title>\n\
         <desc id=\"desc\">{}</desc>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
        outcomes
            .iter()
            .map(|o| format!(
                "{}: {}",
                o.policy.label(),
                o.groups
                    .iter()
                    .map(|g| format!(
                        "{} {}",
                        g.group.label(),
                        g.median_wait_days
                            .map_or("no children".into(), |d| format!("{d} days"))
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    s.push_str(&format!(
        "<text x=\"{left}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">Median days waiting, by policy</text>\n"
    ));
    let axis_y = top + plot_h;
    s.push_str(&format!(
        "<line x1=\"{left}\" y1=\"{axis_y}\" x2=\"{}\" y2=\"{axis_y}\" stroke=\"#0b0c0c\"/>\n",
        width - 20.0
    ));
    for tick in 0..=4 {
        let value = f64::from(most) * f64::from(tick) / 4.0;
        let y = axis_y - value * scale;
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{y:.1}\" text-anchor=\"end\" dominant-baseline=\"middle\">{value:.0}</text>\n",
            left - 8.0
        ));
    }
    for (gi, group) in Group::ALL.iter().enumerate() {
        let x0 = left + 10.0 + gi as f64 * group_w;
        for (pi, o) in outcomes.iter().enumerate() {
            let days = o
                .groups
                .iter()
                .find(|g| g.group == *group)
                .and_then(|g| g.median_wait_days);
            if let Some(days) = days {
                let h = f64::from(days) * scale;
                s.push_str(&format!(
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{}, {}: {days} days</title></rect>\n",
                    x0 + pi as f64 * bar_w,
                    axis_y - h,
                    bar_w - 2.0,
                    COLOURS[pi % COLOURS.len()],
                    o.policy.label(),
                    group.label()
                ));
            }
        }
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            x0 + (group_w - 20.0) / 2.0,
            axis_y + 18.0,
            group.label()
        ));
    }
    for (pi, o) in outcomes.iter().enumerate() {
        let x = left + pi as f64 * 220.0;
        let y = height - 30.0;
        s.push_str(&format!(
            "<rect x=\"{x}\" y=\"{}\" width=\"14\" height=\"14\" fill=\"{}\"/><text x=\"{}\" y=\"{y}\">{}</text>\n",
            y - 11.0,
            COLOURS[pi % COLOURS.len()],
            x + 20.0,
            o.policy.label()
        ));
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use kinlink_domain::profile::CivilDate;

    fn market(seed: u64) -> (Vec<Arrival<Unit>>, Vec<Arrival<Family>>) {
        let today = CivilDate::new(2026, 11, 24).unwrap();
        let p = kinlink_synthetic::generate(
            kinlink_synthetic::Dataset {
                children: 160,
                households: 80,
            },
            seed,
            today,
        );
        let units = p
            .child_profiles
            .iter()
            .enumerate()
            .map(|(i, c)| Arrival {
                day: (i % 4) as u32 * 20,
                item: Unit::from_details(
                    i as i64,
                    1,
                    &c.profile,
                    &c.children,
                    today,
                    c.waiting_days,
                )
                .unwrap(),
            })
            .collect();
        let families = p
            .households
            .iter()
            .enumerate()
            .map(|(i, h)| Arrival {
                day: (i % 3) as u32 * 30,
                item: Family::from_details(i as i64, 2, &h.details, true).unwrap(),
            })
            .collect();
        (units, families)
    }

    #[test]
    fn the_same_market_and_seed_give_the_same_outcome() {
        let (units, families) = market(3);
        let settings = MarketSettings {
            days: 120,
            ..MarketSettings::default()
        };
        for policy in Policy::ALL {
            let a = simulate(&units, &families, policy, settings);
            assert_eq!(a, simulate(&units, &families, policy, settings));
            // Nobody is matched twice, and every group counts only children who arrived.
            let all = &a.groups[0];
            assert!(a.matches <= families.len());
            assert_eq!(all.matched, a.matches);
            assert_eq!(all.children, units.len());
            for g in &a.groups[1..] {
                assert!(g.children <= all.children && g.matched <= g.children);
            }
        }
    }

    #[test]
    fn a_market_with_no_families_matches_nobody_and_everyone_waits_to_the_end() {
        let (units, _) = market(4);
        let settings = MarketSettings {
            days: 30,
            ..MarketSettings::default()
        };
        let o = simulate(&units[..1], &[], Policy::RankedSuggestions, settings);
        assert_eq!(o.matches, 0);
        assert_eq!(
            o.groups[0].median_wait_days,
            Some(units[0].item.waited_days + 30 - units[0].day)
        );
    }

    #[test]
    fn the_reports_name_every_policy_and_group() {
        let (units, families) = market(5);
        let settings = MarketSettings {
            days: 60,
            ..MarketSettings::default()
        };
        let outcomes: Vec<Outcome> = Policy::ALL
            .iter()
            .map(|&p| simulate(&units, &families, p, settings))
            .collect();
        let csv = csv(&outcomes);
        assert_eq!(csv.lines().count(), 1 + 3 * 5);
        assert!(csv.starts_with("policy,group,children,matched,median_wait_days\n"));
        let svg = svg(&outcomes);
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        for p in Policy::ALL {
            assert!(svg.contains(p.label()) && table(&outcomes).contains(p.label()));
        }
        for g in Group::ALL {
            assert!(svg.contains(g.label()));
        }
    }
}
