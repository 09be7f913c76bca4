use super::*;
use kinlink_domain::child::LegalStatus;
use kinlink_domain::confidentiality::{ScanContext, scan};
use kinlink_domain::profile::{Age, NeedCategory, NeedLevel};
use std::sync::LazyLock;

fn today() -> CivilDate {
    CivilDate::new(2025, 6, 30).expect("valid date")
}

static DEMO: LazyLock<Population> = LazyLock::new(|| generate(Dataset::DEMO, 42, today()));
static ENGLAND: LazyLock<Population> = LazyLock::new(|| generate(Dataset::ENGLAND, 2025, today()));

fn all_children(p: &Population) -> impl Iterator<Item = &ChildDetails> {
    p.child_profiles.iter().flat_map(|c| c.children.iter())
}

/// What the statistics count: children in published profiles.
struct Measured {
    children: usize,
    sibling_share: f64,
    over_five_share: f64,
    minority_share: f64,
    disabled_share: f64,
    mean_wait: f64,
    mean_wait_over_five: f64,
    mean_wait_disabled: f64,
}

fn measure(p: &Population) -> Measured {
    let mut n = 0usize;
    let (mut siblings, mut over_five, mut minority, mut disabled) = (0usize, 0, 0, 0);
    let (mut wait, mut wait_five, mut wait_disabled) = (0f64, 0f64, 0f64);
    for profile in p.child_profiles.iter().filter(|c| !c.draft) {
        for child in &profile.children {
            n += 1;
            let days = f64::from(profile.waiting_days);
            wait += days;
            if profile.children.len() > 1 {
                siblings += 1;
            }
            if child.ethnicity.is_minority() {
                minority += 1;
            }
            if Age::on(child.born, today()).is_some_and(|a| a.years >= 5) {
                over_five += 1;
                wait_five += days;
            }
            if child.need_level(NeedCategory::PhysicalDisability) == NeedLevel::High {
                disabled += 1;
                wait_disabled += days;
            }
        }
    }
    let share = |k: usize| k as f64 / n as f64;
    Measured {
        children: n,
        sibling_share: share(siblings),
        over_five_share: share(over_five),
        minority_share: share(minority),
        disabled_share: share(disabled),
        mean_wait: wait / n as f64,
        mean_wait_over_five: wait_five / over_five as f64,
        mean_wait_disabled: wait_disabled / disabled as f64,
    }
}

fn near(what: &str, got: f64, want: f64, tolerance: f64) {
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: got {got:.3}, want {want} ± {tolerance}"
    );
}

#[test]
fn england_matches_the_published_figures() {
    for seed in [2025, 7] {
        let population = if seed == 2025 {
            ENGLAND.clone()
        } else {
            generate(Dataset::ENGLAND, seed, today())
        };
        let m = measure(&population);
        eprintln!(
            "seed {seed}: {} published children; siblings {:.3}, five and over {:.3}, minority {:.3}, disabled {:.3}; mean wait {:.0}, five and over {:.0}, disabled {:.0}",
            m.children,
            m.sibling_share,
            m.over_five_share,
            m.minority_share,
            m.disabled_share,
            m.mean_wait,
            m.mean_wait_over_five,
            m.mean_wait_disabled
        );
        near("sibling share", m.sibling_share, 0.57, 0.03);
        near("five and over", m.over_five_share, 0.28, 0.03);
        near("minority share", m.minority_share, 0.20, 0.03);
        near("disabled share", m.disabled_share, 0.04, 0.012);
        near("mean wait", m.mean_wait, 292.0, 292.0 * 0.08);
        near(
            "mean wait, five and over",
            m.mean_wait_over_five,
            508.0,
            508.0 * 0.10,
        );
        // Only about a hundred disabled children, many of them in sibling groups sharing a wait:
        // a wider band.
        near(
            "mean wait, disabled",
            m.mean_wait_disabled,
            444.0,
            444.0 * 0.20,
        );
    }
}

#[test]
fn sizes_are_counted_in_children() {
    for (dataset, population) in [(Dataset::DEMO, &*DEMO), (Dataset::ENGLAND, &*ENGLAND)] {
        assert_eq!(all_children(population).count(), dataset.children);
        assert_eq!(population.households.len(), dataset.households);
        assert!(
            population
                .child_profiles
                .iter()
                .all(|p| (1..=4).contains(&p.children.len()))
        );
    }
    let drafts = ENGLAND.child_profiles.iter().filter(|p| p.draft).count();
    near(
        "draft share",
        drafts as f64 / ENGLAND.child_profiles.len() as f64,
        0.10,
        0.01,
    );
    assert!(
        DEMO.child_profiles
            .iter()
            .any(|p| p.draft && p.slip.is_some()),
        "the demo shows the confidentiality check at work"
    );
    assert!(DEMO.child_profiles.iter().filter(|p| !p.draft).count() >= 10);
}

#[test]
fn every_record_passes_the_domains_checks() {
    for population in [&*DEMO, &*ENGLAND] {
        for p in &population.child_profiles {
            assert_eq!(p.profile.problems(places::is_known), [], "{:?}", p.profile);
            assert_eq!(
                p.profile.excluded_areas,
                places::default_exclusions(&p.profile.home_area)
            );
            for child in &p.children {
                assert_eq!(child.problems(today()), [], "{child:?}");
                assert!(
                    (1..=4).contains(&child.confidential.birth_relatives.len()),
                    "{child:?}"
                );
            }
            let statuses: Vec<LegalStatus> = p.children.iter().map(|c| c.legal_status).collect();
            assert!(statuses.windows(2).all(|w| w[0] == w[1]));
            assert_eq!(p.draft, p.waiting_days == 0, "only drafts are not waiting");
            assert!(p.draft || p.slip.is_none());
        }
        for h in &population.households {
            assert_eq!(h.details.problems(0, places::is_known), [], "{h:?}");
            assert!(h.details.consent_to_referral);
            let approved = h.details.approved_on.expect("approved");
            let days = calendar::days(today()) - calendar::days(approved);
            assert!((0..730).contains(&days));
            assert!(i64::from(h.active_days) <= days);
            assert!(places::REGIONS.contains(&h.region()));
        }
    }
}

#[test]
fn texts_are_the_right_length_and_fully_filled() {
    for population in [&*DEMO, &*ENGLAND] {
        for p in &population.child_profiles {
            let words = p.profile.text.split_whitespace().count();
            assert!(
                (80..=250).contains(&words),
                "{words} words: {}",
                p.profile.text
            );
            assert!(!p.profile.text.contains(['{', '}']), "{}", p.profile.text);
            assert!(!p.profile.contact_notes.contains(['{', '}']));
            for alias in p.children.iter().map(|c| &c.alias) {
                assert!(
                    p.profile.text.contains(alias.as_str()),
                    "{alias} not in {}",
                    p.profile.text
                );
            }
        }
        for h in &population.households {
            let words = h.details.text.split_whitespace().count();
            assert!(
                (150..=400).contains(&words),
                "{words} words: {}",
                h.details.text
            );
            assert!(!h.details.text.contains(['{', '}']), "{}", h.details.text);
            assert!(!h.details.identity.contains(['{', '}']));
        }
    }
}

/// Everything a reader outside the agency may see of a child's profile.
fn published_parts(p: &GeneratedChildProfile) -> Vec<&str> {
    let mut parts = vec![
        p.profile.text.as_str(),
        p.profile.contact_notes.as_str(),
        p.profile.requirement_notes.as_str(),
    ];
    for child in &p.children {
        parts.extend(child.needs.iter().map(|n| n.notes.as_str()));
        parts.push(&child.ethnicity_detail);
    }
    parts
}

fn findings(
    p: &GeneratedChildProfile,
    text: &str,
) -> Vec<kinlink_domain::confidentiality::Finding> {
    let surnames: Vec<String> = p
        .children
        .iter()
        .map(|c| c.confidential.surname.clone())
        .collect();
    let relatives: Vec<String> = p
        .children
        .iter()
        .flat_map(|c| c.confidential.birth_relatives.iter().cloned())
        .collect();
    scan(
        text,
        &ScanContext {
            surnames: &surnames,
            relative_names: &relatives,
        },
    )
}

#[test]
fn profiles_without_a_planted_slip_give_the_scanner_nothing_to_find() {
    let mut dirty = Vec::new();
    for population in [&*DEMO, &*ENGLAND] {
        for p in population
            .child_profiles
            .iter()
            .filter(|p| p.slip.is_none())
        {
            // One scan per profile: each builds the recorded names' pattern afresh.
            let all = published_parts(p).join("\n\n");
            for f in findings(p, &all) {
                dirty.push(format!("{:?} {:?} in: {all}", f.kind, f.excerpt));
            }
        }
        for h in &population.households {
            for part in [
                &h.details.text,
                &h.details.identity,
                &h.details.children_at_home_notes,
                &h.details.pets,
            ] {
                for f in scan(part, &ScanContext::EMPTY) {
                    dirty.push(format!("{:?} {:?} in: {part}", f.kind, f.excerpt));
                }
            }
            for n in &h.details.needs {
                for f in scan(&n.reason, &ScanContext::EMPTY) {
                    dirty.push(format!("{:?} {:?} in: {}", f.kind, f.excerpt, n.reason));
                }
            }
        }
    }
    dirty.sort();
    dirty.dedup();
    assert!(
        dirty.is_empty(),
        "{} findings:\n{}",
        dirty.len(),
        dirty
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn planted_slips_are_found() {
    let mut kinds = std::collections::BTreeSet::new();
    let with_slips: Vec<&GeneratedChildProfile> = DEMO
        .child_profiles
        .iter()
        .chain(&ENGLAND.child_profiles)
        .filter(|p| p.slip.is_some())
        .collect();
    let drafts = ENGLAND.child_profiles.iter().filter(|p| p.draft).count();
    let england_slips = ENGLAND
        .child_profiles
        .iter()
        .filter(|p| p.slip.is_some())
        .count();
    near(
        "drafts with a slip",
        england_slips as f64 / drafts as f64,
        0.25,
        0.02,
    );
    for p in with_slips {
        let kind = p.slip.expect("filtered");
        kinds.insert(kind);
        let found = findings(p, &p.profile.text);
        assert!(
            found.iter().any(|f| f.kind == kind),
            "{kind:?} not found in: {}",
            p.profile.text
        );
        let words = p.profile.text.split_whitespace().count();
        assert!(words <= 250, "{words}");
    }
    assert_eq!(kinds.len(), 6, "every kind of slip is planted: {kinds:?}");
}

#[test]
fn the_same_seed_gives_the_same_population() {
    assert_eq!(generate(Dataset::DEMO, 42, today()), *DEMO);
    let other = generate(Dataset::DEMO, 43, today());
    assert_ne!(other, *DEMO);
    assert_eq!(
        other
            .child_profiles
            .iter()
            .map(|p| p.children.len())
            .sum::<usize>(),
        24
    );
}

#[test]
fn siblings_share_their_background() {
    let groups: Vec<&GeneratedChildProfile> = ENGLAND
        .child_profiles
        .iter()
        .filter(|p| p.children.len() > 1)
        .collect();
    let same_ethnicity = groups
        .iter()
        .filter(|p| {
            p.children
                .windows(2)
                .all(|w| w[0].ethnicity == w[1].ethnicity)
        })
        .count();
    assert!(same_ethnicity as f64 / groups.len() as f64 > 0.8);
    let same_surname = groups
        .iter()
        .filter(|p| {
            p.children
                .windows(2)
                .all(|w| w[0].confidential.surname == w[1].confidential.surname)
        })
        .count();
    assert!(same_surname as f64 / groups.len() as f64 > 0.75);
    for p in groups {
        // Youngest first, and no more than 16 years between the eldest and the youngest.
        assert!(p.children.windows(2).all(|w| w[0].born >= w[1].born));
        let mut aliases: Vec<&str> = p.children.iter().map(|c| c.alias.as_str()).collect();
        aliases.sort_unstable();
        aliases.dedup();
        assert_eq!(aliases.len(), p.children.len());
    }
}

#[test]
fn contact_visibility_and_requirements_are_spread() {
    let profiles = &ENGLAND.child_profiles;
    let share = |f: &dyn Fn(&GeneratedChildProfile) -> bool| {
        profiles.iter().filter(|p| f(p)).count() as f64 / profiles.len() as f64
    };
    assert!(share(&|p| p.profile.contact.letterbox) > 0.7);
    let direct = share(&|p| p.profile.contact.direct_birth_family);
    assert!(direct > 0.05 && direct < 0.4, "{direct}");
    assert!(share(&|p| p.profile.contact.sibling_contact) > 0.1);
    assert!(share(&|p| p.profile.visibility == kinlink_domain::policy::ChildVisibility::All) > 0.7);
    assert!(share(&|p| !p.profile.requirements.is_empty()) > 0.03);
    assert!(
        share(&|p| p
            .children
            .iter()
            .all(|c| c.legal_status == LegalStatus::PlacementOrder))
            > 0.8
    );
    let singles = ENGLAND
        .households
        .iter()
        .filter(|h| h.details.applicants.len() == 1)
        .count() as f64
        / ENGLAND.households.len() as f64;
    near("single applicants", singles, 0.20, 0.03);
}

#[test]
fn datasets_by_name() {
    assert_eq!(Dataset::parse("demo"), Some(Dataset::DEMO));
    assert_eq!(Dataset::parse("England"), Some(Dataset::ENGLAND));
    assert_eq!(Dataset::parse("us"), Some(Dataset::US));
    assert_eq!(Dataset::parse("mars"), None);
    for name in Dataset::NAMES {
        assert!(Dataset::parse(name).is_some());
    }
}

/// Averages over many seeds, for tuning the constants: `cargo test -p kinlink-synthetic
/// --release -- --ignored --nocapture`.
#[test]
#[ignore]
fn calibration() {
    let seeds = 0..40u64;
    let ms: Vec<Measured> = seeds
        .map(|s| measure(&generate(Dataset::ENGLAND, s, today())))
        .collect();
    let avg = |f: fn(&Measured) -> f64| ms.iter().map(f).sum::<f64>() / ms.len() as f64;
    let range = |f: fn(&Measured) -> f64| {
        let v: Vec<f64> = ms.iter().map(f).collect();
        (
            v.iter().copied().fold(f64::MAX, f64::min),
            v.iter().copied().fold(f64::MIN, f64::max),
        )
    };
    for (what, f) in [
        (
            "siblings",
            (|m: &Measured| m.sibling_share) as fn(&Measured) -> f64,
        ),
        ("five and over", |m| m.over_five_share),
        ("minority", |m| m.minority_share),
        ("disabled", |m| m.disabled_share),
        ("wait", |m| m.mean_wait),
        ("wait five and over", |m| m.mean_wait_over_five),
        ("wait disabled", |m| m.mean_wait_disabled),
    ] {
        eprintln!("{what}: mean {:.3}, range {:?}", avg(f), range(f));
    }
}
