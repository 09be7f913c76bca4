//! Matching's speed, on the synthetic registers (`cargo bench -p kinlink-matching`). The targets
//! the issue sets, read from the medians divan prints:
//! - one child against 20,000 households: under 1 ms;
//! - the best overall assignment at England's scale: under 50 ms;
//! - spread recommendations at the United States' scale: under 10 s on a 2-core machine.
//!
//! Each register is made once, outside the timings, by the same generator as the demo.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use kinlink_domain::profile::CivilDate;
use kinlink_matching::spread::{
    SpreadSettings, assign_candidates, best_assignment, candidates, register_views, spread,
};
use kinlink_matching::{Family, Unit, Weights, families_for};
use kinlink_synthetic::{Dataset, generate};
use std::sync::LazyLock;

fn main() {
    divan::main();
}

struct Register {
    units: Vec<Unit>,
    families: Vec<Family>,
}

fn register(dataset: Dataset) -> Register {
    let today = CivilDate::new(2026, 11, 24).unwrap();
    let population = generate(dataset, 1, today);
    let units = population
        .child_profiles
        .iter()
        .filter(|p| !p.draft)
        .enumerate()
        .map(|(i, p)| {
            Unit::from_details(i as i64, 1, &p.profile, &p.children, today, p.waiting_days).unwrap()
        })
        .collect();
    let families = population
        .households
        .iter()
        .enumerate()
        .map(|(i, h)| Family::from_details(i as i64, 2, &h.details, true).unwrap())
        .collect();
    Register { units, families }
}

static HOUSEHOLDS_20K: LazyLock<Register> = LazyLock::new(|| {
    register(Dataset {
        children: 200,
        households: 20_000,
    })
});
static ENGLAND: LazyLock<Register> = LazyLock::new(|| register(Dataset::ENGLAND));
static US: LazyLock<Register> = LazyLock::new(|| register(Dataset::US));

/// The ranked suggestions for one child among 20,000 households, for a few different children.
#[divan::bench(args = [0, 1, 2, 3])]
fn one_child_against_20k_households(bencher: divan::Bencher, which: usize) {
    let r = &*HOUSEHOLDS_20K;
    let unit = &r.units[which * 7];
    bencher.bench(|| families_for(divan::black_box(unit), &r.families, Weights::default(), 20));
}

/// Every compatible pair in England's register, scored: what the register-wide views start from.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn england_candidates(bencher: divan::Bencher) {
    let r = &*ENGLAND;
    bencher.bench(|| candidates(&r.units, &r.families, Weights::default(), None, |_| true));
}

/// The best overall assignment's solver, on England's candidate pairs.
#[divan::bench(sample_count = 30, sample_size = 1)]
fn england_best_assignment_solver(bencher: divan::Bencher) {
    let r = &*ENGLAND;
    let found = candidates(&r.units, &r.families, Weights::default(), None, |_| true);
    bencher.bench(|| assign_candidates(&found, r.families.len()));
}

/// The best overall assignment from the profiles: scoring and solving.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn england_best_assignment(bencher: divan::Bencher) {
    let r = &*ENGLAND;
    bencher.bench(|| best_assignment(&r.units, &r.families, Weights::default()));
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn england_spread(bencher: divan::Bencher) {
    let r = &*ENGLAND;
    bencher.bench(|| {
        spread(
            &r.units,
            &r.families,
            Weights::default(),
            SpreadSettings::default(),
        )
    });
}

/// The register page's work: both views from the profiles, one after the other (as before
/// `register_views`; the baseline for the next) ...
#[divan::bench(sample_count = 20, sample_size = 1)]
fn england_register_views_one_after_the_other(bencher: divan::Bencher) {
    let r = &*ENGLAND;
    bencher.bench(|| {
        let lists = spread(
            &r.units,
            &r.families,
            Weights::default(),
            SpreadSettings::default(),
        );
        (
            lists,
            best_assignment(&r.units, &r.families, Weights::default()),
        )
    });
}

/// ... and as the page does it: the candidates found once, the two solves side by side.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn england_register_views(bencher: divan::Bencher) {
    let r = &*ENGLAND;
    bencher.bench(|| {
        register_views(
            &r.units,
            &r.families,
            Weights::default(),
            SpreadSettings::default(),
        )
    });
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn us_spread(bencher: divan::Bencher) {
    let r = &*US;
    bencher.bench(|| {
        spread(
            &r.units,
            &r.families,
            Weights::default(),
            SpreadSettings::default(),
        )
    });
}
