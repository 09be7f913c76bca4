//! Matching's invariants, over arbitrary children and families: suggestions never break a hard
//! constraint, explanations add up to the score, spread lists respect their limits, and bad
//! records are refused at the boundary rather than met inside a solver.

#![allow(clippy::unwrap_used)]

use crate::compat::{
    Constraint, Criterion, Score, Verdict, Weights, check, explain, score, score_above,
};
use crate::facts::{Family, Invalid, Mask, Needs, Unit};
use crate::geography::{AreaId, AreaSet};
use crate::spread::{SpreadSettings, best_assignment, candidates, register_views, spread};
use crate::suggest::{children_for, families_for};
use kinlink_domain::child::{Contact, Ethnicity, FamilyRequirement, Gender};
use kinlink_domain::household::Experience;
use kinlink_domain::places;
use kinlink_domain::profile::{CivilDate, NeedLevel};
use proptest::prelude::*;

fn area() -> impl Strategy<Value = AreaId> {
    (0..places::AREAS.len()).prop_map(|i| AreaId::of(places::AREAS[i].name).unwrap())
}

fn needs() -> impl Strategy<Value = Needs> {
    use kinlink_domain::profile::NeedCategory;
    proptest::collection::vec(0usize..4, 7).prop_map(|levels| {
        Needs::from_levels(|c| {
            let i = NeedCategory::ALL.iter().position(|&x| x == c).unwrap_or(0);
            NeedLevel::ALL[levels[i]]
        })
    })
}

fn contact() -> impl Strategy<Value = Contact> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(a, b, c)| Contact {
        letterbox: a,
        direct_birth_family: b,
        sibling_contact: c,
    })
}

fn mask<T: PartialEq + Copy + std::fmt::Debug + 'static>(
    all: &'static [T],
) -> impl Strategy<Value = Mask> {
    proptest::sample::subsequence(all.to_vec(), 0..=all.len())
        .prop_map(move |chosen| Mask::of(all, chosen.iter()))
}

prop_compose! {
    fn unit()(
        id in 1i64..1000,
        size in 1u8..5,
        youngest in 0u8..12,
        spread_years in 0u8..6,
        genders in mask(Gender::ALL),
        needs in needs(),
        contact in contact(),
        requirements in mask(FamilyRequirement::ALL),
        home in area(),
        excluded in proptest::collection::vec(area(), 0..6),
        ethnicities in mask(Ethnicity::ALL),
        languages in proptest::sample::subsequence(vec!["polish", "urdu", "welsh"], 0..=2),
        waited_days in 0u32..1500,
    ) -> Unit {
        let mut set = AreaSet::default();
        for a in excluded {
            set.insert(a);
        }
        Unit {
            id,
            agency_id: 1,
            title: format!("Unit {id}"),
            size,
            youngest_years: youngest,
            oldest_years: if size == 1 { youngest } else { youngest + spread_years },
            genders: if genders.is_empty() { Mask::of(Gender::ALL, [&Gender::Girl]) } else { genders },
            needs,
            contact,
            requirements,
            home,
            excluded: set,
            ethnicities: if ethnicities.is_empty() { Mask::of(Ethnicity::ALL, [&Ethnicity::Mixed]) } else { ethnicities },
            other_languages: languages.into_iter().map(str::to_owned).collect(),
            waited_days,
        }
    }
}

prop_compose! {
    fn family()(
        id in 1i64..1000,
        active in proptest::bool::weighted(0.9),
        children in (1u8..4, 0u8..3),
        ages in (0u8..10, 0u8..10),
        gender in proptest::option::weighted(0.2, proptest::sample::select(Gender::ALL.to_vec())),
        openness in needs(),
        contact in contact(),
        area in area(),
        languages in proptest::sample::subsequence(vec!["polish", "urdu", "english"], 0..=3),
        heritage in proptest::option::of(mask(Ethnicity::ALL)),
        experience in proptest::option::of(mask(Experience::ALL)),
        children_at_home in 0u8..3,
        youngest_at_home in proptest::option::of(0u8..15),
        pets in any::<bool>(),
        carer_at_home in proptest::option::of(any::<bool>()),
        at_link_limit in proptest::bool::weighted(0.1),
    ) -> Family {
        Family {
            id,
            agency_id: 2,
            active,
            children_min: children.0,
            children_max: children.0 + children.1,
            age_min_years: ages.0,
            age_max_years: (ages.0 + ages.1).min(17),
            gender,
            openness,
            contact,
            area,
            languages: languages.into_iter().map(str::to_owned).collect(),
            heritage,
            experience,
            children_at_home,
            youngest_at_home,
            pets,
            carer_at_home,
            at_link_limit,
        }
    }
}

fn weights() -> impl Strategy<Value = Weights> {
    proptest::collection::vec(0u8..=10, 7).prop_filter_map("not all zero", |w| {
        Weights::new([w[0], w[1], w[2], w[3], w[4], w[5], w[6]]).ok()
    })
}

/// Each hard constraint, checked the long way, from the facts.
fn breaks_a_hard_constraint(unit: &Unit, family: &Family) -> bool {
    use kinlink_domain::profile::NeedCategory;
    let gender_ok = family
        .gender
        .is_none_or(|g| unit.genders.members(Gender::ALL).all(|child| child == g));
    let needs_ok = NeedCategory::ALL
        .iter()
        .all(|&c| unit.needs.level(c) <= family.openness.level(c));
    let requirements_ok = unit
        .requirements
        .members(FamilyRequirement::ALL)
        .all(|r| match r {
            FamilyRequirement::OnlyChildInHome => family.children_at_home == 0,
            FamilyRequirement::YoungestInHome => {
                family.children_at_home == 0
                    || family
                        .youngest_at_home
                        .is_some_and(|y| y > unit.oldest_years)
            }
            FamilyRequirement::NoPets => !family.pets,
            FamilyRequirement::CarerAtHomeFullTime => family.carer_at_home == Some(true),
        });
    !(family.active
        && (family.children_min..=family.children_max).contains(&unit.size)
        && unit.youngest_years >= family.age_min_years
        && unit.oldest_years <= family.age_max_years
        && gender_ok
        && needs_ok
        && !unit.excluded.contains(family.area)
        && requirements_ok)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn the_hard_check_is_exactly_the_hard_constraints(u in unit(), f in family()) {
        prop_assert_eq!(check(&u, &f).is_err(), breaks_a_hard_constraint(&u, &f));
    }

    #[test]
    fn explanations_agree_with_the_score(u in unit(), f in family(), w in weights()) {
        let explained = explain(&u, &f, w);
        match (score(&u, &f, w), &explained.outcome) {
            (Ok(s), Ok(e)) => {
                prop_assert_eq!(s, *e);
                prop_assert_eq!(explained.score_of_lines(w), s);
                prop_assert_eq!(explained.lines.len(), Criterion::ALL.len());
                prop_assert!(explained.lines.iter().all(|l| !l.sentence.is_empty()));
                let all_met = explained.lines.iter().all(|l| l.verdict == Verdict::Meets);
                prop_assert_eq!(all_met, s.0 == 1000);
            }
            (Err(c), Err(blocked)) => {
                prop_assert_eq!(c, blocked.constraint);
                prop_assert!(!blocked.sentence.is_empty());
                prop_assert!(explained.lines.is_empty());
            }
            (s, e) => prop_assert!(false, "score {s:?} but explanation {e:?}"),
        }
    }

    #[test]
    fn needs_at_the_limit_are_counted_in_every_category(a in needs(), b in needs()) {
        let at: Vec<NeedLevel> = a
            .recorded()
            .filter(|&(c, l)| b.level(c) == l)
            .map(|(_, l)| l)
            .collect();
        let heavy = at.iter().filter(|&&l| l >= NeedLevel::Medium).count();
        prop_assert_eq!(a.at_limit(b), (at.len() as u32, heavy as u32));
    }

    #[test]
    fn a_score_above_a_floor_is_the_score(u in unit(), f in family(), w in weights(), floor in 0u16..=1000) {
        let floor = Score(floor);
        let above = score_above(&u, &f, w, &w.heaviest_first(), floor);
        let full = score(&u, &f, w).ok().filter(|&s| s > floor);
        prop_assert_eq!(above, full);
    }

    #[test]
    fn suggestions_never_break_a_hard_constraint(
        units in proptest::collection::vec(unit(), 1..6),
        families in proptest::collection::vec(family(), 1..30),
        w in weights(),
    ) {
        for u in &units {
            let found = families_for(u, &families, w, 10);
            for s in &found {
                prop_assert!(!breaks_a_hard_constraint(u, &families[s.index]));
            }
            let eligible = families.iter().filter(|f| !breaks_a_hard_constraint(u, f)).count();
            prop_assert_eq!(found.len(), eligible.min(10));
            // Those that can take a link come first, then by score.
            for pair in found.windows(2) {
                let (a, b) = (&families[pair[0].index], &families[pair[1].index]);
                prop_assert!(a.at_link_limit <= b.at_link_limit);
                if a.at_link_limit == b.at_link_limit {
                    prop_assert!(pair[0].score >= pair[1].score);
                }
            }
        }
        for f in &families {
            for s in children_for(f, &units, w, 3) {
                prop_assert!(!breaks_a_hard_constraint(&units[s.index], f));
            }
        }
    }

    #[test]
    fn spread_lists_keep_to_their_limits_and_the_hard_constraints(
        units in proptest::collection::vec(unit(), 1..12),
        families in proptest::collection::vec(family(), 1..20),
        w in weights(),
        per_child in 1u32..4,
        per_family in 1u32..3,
    ) {
        let settings = SpreadSettings { per_child, per_family, candidates: 10, wait_points_per_month: 10 };
        let found = spread(&units, &families, w, settings).unwrap();
        let mut load = vec![0u32; families.len()];
        for (u, list) in found.lists.iter().enumerate() {
            prop_assert!(list.len() <= per_child as usize);
            for r in list {
                let f = &families[r.family];
                prop_assert!(!breaks_a_hard_constraint(&units[u], f));
                prop_assert!(!f.at_link_limit);
                prop_assert_eq!(Ok(r.score), score(&units[u], f, w));
                load[r.family] += 1;
            }
        }
        prop_assert!(load.iter().all(|&l| l <= per_family), "a family on more than {per_family} lists: {load:?}");

        // The register-wide candidates are exactly the pairs that meet the hard constraints.
        let found = candidates(&units, &families, w, None, |_| true);
        for (u, list) in found.iter().enumerate() {
            let mut got: Vec<usize> = list.iter().map(|p| p.0).collect();
            got.sort_unstable();
            let want: Vec<usize> = (0..families.len())
                .filter(|&f| !breaks_a_hard_constraint(&units[u], &families[f]))
                .collect();
            prop_assert_eq!(got, want);
        }

        // Each child's short list is the full ranked list cut to its length, families of equal
        // score in the order given: skipping families that cannot make the list changes nothing.
        for limit in [1, 3, 10] {
            let short = candidates(&units, &families, w, Some(limit), |_| true);
            for (list, full) in short.iter().zip(&found) {
                prop_assert_eq!(list.as_slice(), &full[..full.len().min(limit)]);
            }
        }

        let assignment = best_assignment(&units, &families, w);
        // Both views at once are the same as each on its own, however short the candidates.
        for candidates in [per_child as usize, 10] {
            let settings = SpreadSettings { candidates, ..settings };
            let spread_alone = spread(&units, &families, w, settings).unwrap();
            prop_assert_eq!(
                register_views(&units, &families, w, settings).unwrap(),
                (spread_alone, assignment.clone())
            );
        }
        let mut taken = vec![false; families.len()];
        for (u, r) in assignment.families.iter().enumerate() {
            if let Some(r) = r {
                prop_assert!(!taken[r.family], "a family assigned twice");
                taken[r.family] = true;
                prop_assert!(!breaks_a_hard_constraint(&units[u], &families[r.family]));
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// Past 64 families the approvals are read a word of 64 at a time, and an area's families
    /// straddle words: the candidates are still exactly the families that meet the hard
    /// constraints (and, where only some families may be listed, only those).
    #[test]
    fn candidates_are_the_hard_constraints_across_many_families(
        units in proptest::collection::vec(unit(), 1..4),
        families in proptest::collection::vec(family(), 65..260),
        w in weights(),
    ) {
        let free = |f: &Family| !f.at_link_limit;
        let found = candidates(&units, &families, w, None, free);
        for (u, list) in found.iter().enumerate() {
            let mut got: Vec<usize> = list.iter().map(|p| p.0).collect();
            got.sort_unstable();
            let want: Vec<usize> = (0..families.len())
                .filter(|&f| free(&families[f]) && !breaks_a_hard_constraint(&units[u], &families[f]))
                .collect();
            prop_assert_eq!(got, want);
        }
    }
}

fn leeds() -> AreaId {
    AreaId::of("Leeds").unwrap()
}

fn plain_unit() -> Unit {
    Unit {
        id: 1,
        agency_id: 1,
        title: "Mia".into(),
        size: 1,
        youngest_years: 3,
        oldest_years: 3,
        genders: Mask::of(Gender::ALL, [&Gender::Girl]),
        needs: Needs::default(),
        contact: Contact::default(),
        requirements: Mask::default(),
        home: leeds(),
        excluded: AreaSet::default(),
        ethnicities: Mask::of(Ethnicity::ALL, [&Ethnicity::WhiteBritish]),
        other_languages: vec![],
        waited_days: 0,
    }
}

fn plain_family() -> Family {
    Family {
        id: 7,
        agency_id: 2,
        active: true,
        children_min: 1,
        children_max: 2,
        age_min_years: 0,
        age_max_years: 6,
        gender: None,
        openness: Needs::default(),
        contact: Contact::default(),
        area: AreaId::of("Bradford").unwrap(),
        languages: vec!["english".into()],
        heritage: Some(Mask::of(Ethnicity::ALL, [&Ethnicity::WhiteBritish])),
        experience: Some(Mask::default()),
        children_at_home: 0,
        youngest_at_home: None,
        pets: false,
        carer_at_home: None,
        at_link_limit: false,
    }
}

#[test]
fn a_family_that_fits_on_every_count_scores_full_marks_and_says_why() {
    let e = explain(&plain_unit(), &plain_family(), Weights::default());
    assert_eq!(e.outcome, Ok(crate::Score::MAX));
    let said: Vec<&str> = e.lines.iter().map(|l| l.sentence.as_str()).collect();
    assert_eq!(
        said,
        [
            "No needs are recorded for the child.",
            "There is no plan for contact after adoption.",
            "The family shares the child's heritage (White British).",
            "The child speaks English, as the family does.",
            "Nothing about the child calls for particular experience.",
            "There are no other children at home.",
            "Close enough for introductions and contact visits.",
        ]
    );
}

#[test]
fn a_family_ruled_out_is_told_which_rule_and_why() {
    let mut unit = plain_unit();
    unit.size = 3;
    unit.oldest_years = 7;
    let e = explain(&unit, &plain_family(), Weights::default());
    let blocked = e.outcome.unwrap_err();
    assert_eq!(blocked.constraint, Constraint::NumberOfChildren);
    assert_eq!(
        blocked.sentence,
        "The family is approved for 1 to 2 children; this is a group of 3."
    );

    let mut unit = plain_unit();
    unit.excluded.insert(AreaId::of("Bradford").unwrap());
    let blocked = explain(&unit, &plain_family(), Weights::default())
        .outcome
        .unwrap_err();
    assert_eq!(blocked.constraint, Constraint::ExcludedArea);
    assert!(
        !blocked.sentence.contains("Bradford"),
        "never names the area"
    );
}

#[test]
fn needs_at_the_limit_of_what_a_family_can_consider_lower_the_score() {
    use kinlink_domain::profile::NeedCategory;
    let mut unit = plain_unit();
    unit.needs = Needs::from_levels(|c| match c {
        NeedCategory::TraumaHistory | NeedCategory::EmotionalAndBehavioural => NeedLevel::Medium,
        NeedCategory::PhysicalHealth => NeedLevel::Low,
        _ => NeedLevel::None,
    });
    let mut family = plain_family();
    family.openness = Needs::from_levels(|_| NeedLevel::High);
    let roomy = explain(&unit, &family, Weights::default());
    assert_eq!(roomy.lines[0].verdict, Verdict::Meets);

    family.openness = Needs::from_levels(|c| match c {
        NeedCategory::PhysicalHealth => NeedLevel::Low,
        _ => NeedLevel::High,
    });
    let one = explain(&unit, &family, Weights::default());
    assert!(one.outcome.clone().unwrap() < roomy.outcome.clone().unwrap());
    assert_eq!(one.lines[0].verdict, Verdict::Partly);
    assert_eq!(
        one.lines[0].sentence,
        "At the top of what the family can consider: Physical health."
    );

    family.openness = Needs::from_levels(|c| match c {
        NeedCategory::TraumaHistory | NeedCategory::EmotionalAndBehavioural => NeedLevel::Medium,
        _ => NeedLevel::High,
    });
    assert_eq!(
        explain(&unit, &family, Weights::default()).lines[0].verdict,
        Verdict::DoesNotMeet
    );
}

#[test]
fn inconsistent_families_are_refused_at_the_boundary() {
    let mut f = plain_family();
    f.children_min = 0;
    f.children_max = 0;
    assert_eq!(f.clone().validate(), Err(Invalid::NoChildrenApproved(7)));
    let mut f = plain_family();
    f.age_min_years = 9;
    f.age_max_years = 4;
    assert_eq!(f.validate(), Err(Invalid::AgesUpsideDown(7, 9, 4)));
    let mut f = plain_family();
    f.children_min = 3;
    assert_eq!(f.validate(), Err(Invalid::ChildrenUpsideDown(7, 3, 2)));
}

#[test]
fn weights_out_of_range_are_refused() {
    assert!(Weights::new([0; 7]).is_err());
    assert!(Weights::new([11, 0, 0, 0, 0, 0, 0]).is_err());
    assert!(Weights::new([1, 0, 0, 0, 0, 0, 0]).is_ok());
}

#[test]
fn spread_settings_out_of_range_are_refused_before_solving() {
    let bad = SpreadSettings {
        per_child: 0,
        ..SpreadSettings::default()
    };
    assert!(spread(&[plain_unit()], &[plain_family()], Weights::default(), bad).is_err());
    let bad = SpreadSettings {
        per_child: 5,
        candidates: 3,
        ..SpreadSettings::default()
    };
    assert!(bad.validate().is_err());
}

/// A popular family on everyone's list is shared out; the child who waited longer keeps it.
#[test]
fn a_popular_family_goes_to_the_child_who_has_waited_longest() {
    let mut waited = plain_unit();
    waited.id = 2;
    waited.waited_days = 900;
    let new = plain_unit();
    let families = [plain_family()];
    let settings = SpreadSettings {
        per_child: 1,
        per_family: 1,
        candidates: 5,
        wait_points_per_month: 10,
    };
    let found = spread(&[new, waited], &families, Weights::default(), settings).unwrap();
    assert!(found.lists[0].is_empty());
    assert_eq!(found.lists[1].len(), 1);
}

/// The generator's England-sized register goes through the boundary without a refusal, and
/// every child's candidates are families that meet the hard constraints.
#[test]
fn the_generated_register_converts_and_matches() {
    let today = CivilDate::new(2026, 11, 24).unwrap();
    let population = kinlink_synthetic::generate(kinlink_synthetic::Dataset::DEMO, 7, today);
    let units: Vec<Unit> = population
        .child_profiles
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Unit::from_details(i as i64, 1, &p.profile, &p.children, today, p.waiting_days)
        })
        .collect::<Result<_, _>>()
        .unwrap();
    let families: Vec<Family> = population
        .households
        .iter()
        .enumerate()
        .map(|(i, h)| Family::from_details(i as i64, 2, &h.details, true))
        .collect::<Result<_, _>>()
        .unwrap();
    let found = candidates(&units, &families, Weights::default(), None, |_| true);
    assert!(
        found.iter().any(|c| !c.is_empty()),
        "some child has a candidate"
    );
    for (u, list) in found.iter().enumerate() {
        for &(f, s) in list {
            assert_eq!(score(&units[u], &families[f], Weights::default()), Ok(s));
        }
    }
}

/// Among families of equal score, a short list keeps the ones given first.
#[test]
fn a_short_list_of_equals_keeps_the_first_given() {
    let families = vec![plain_family(); 30];
    let found = candidates(
        &[plain_unit()],
        &families,
        Weights::default(),
        Some(4),
        |_| true,
    );
    let kept: Vec<(usize, Score)> = (0..4).map(|i| (i, Score::MAX)).collect();
    assert_eq!(found, vec![kept]);
}

/// Among families of equal score, the nearer comes first, whatever the order they were given in.
#[test]
fn among_equals_the_nearer_family_comes_first() {
    // The plain family lives in Bradford, next door to the child's Leeds.
    let mut here = plain_family();
    here.area = leeds();
    let (units, families, w) = ([plain_unit()], [plain_family(), here], Weights::default());
    // Both are close enough to meet every criterion; Leeds itself is nearer than Bradford.
    let found = candidates(&units, &families, w, None, |_| true);
    assert_eq!(found, vec![vec![(1, Score::MAX), (0, Score::MAX)]]);
    let short = candidates(&units, &families, w, Some(1), |_| true);
    assert_eq!(short, vec![vec![(1, Score::MAX)]]);
}
