//! `kinlink simulate`: the market simulation over synthetic registers, comparing how children
//! and families are brought together. Writes a table to the terminal, and a CSV file and an SVG
//! chart into the output folder. Touches no database.

use crate::cli::{CliError, SimulateArgs};
use kinlink_domain::profile::CivilDate;
use kinlink_matching::market::{
    Arrival, MarketSettings, Outcome, Policy, csv, simulate, svg, table,
};
use kinlink_matching::{Family, Unit};
use kinlink_synthetic::{Dataset, generate};

/// Children and families join over the period at about this share of the register's size a
/// year (England: some 2,000 children have a placement order each year; about as many families
/// are approved).
const JOINING_PER_YEAR: f64 = 0.7;

pub fn run(args: &SimulateArgs) -> Result<(), CliError> {
    let dataset = crate::demo::dataset(&args.dataset)?;
    if !(30..=3650).contains(&args.days) {
        return Err(CliError::Message(
            "--days must be between 30 and 3650".into(),
        ));
    }
    let today = CivilDate::new(2026, 1, 1).ok_or_else(|| CliError::Message("bad date".into()))?;
    let (units, families) = market(dataset, args.seed, args.days, today)?;
    println!(
        "Simulating {} days: {} children or sibling groups and {} families (those there at the start and those who join), seed {}.",
        args.days,
        units.len(),
        families.len(),
        args.seed
    );
    let settings = MarketSettings {
        days: args.days,
        seed: args.seed,
        ..MarketSettings::default()
    };
    let outcomes: Vec<Outcome> = Policy::ALL
        .iter()
        .map(|&policy| simulate(&units, &families, policy, settings))
        .collect();
    print!("{}", table(&outcomes));
    std::fs::create_dir_all(&args.out)
        .map_err(|e| CliError::Message(format!("cannot create {}: {e}", args.out.display())))?;
    for (name, text) in [
        ("simulation.csv", csv(&outcomes)),
        ("simulation.svg", svg(&outcomes)),
    ] {
        let path = args.out.join(name);
        std::fs::write(&path, text)
            .map_err(|e| CliError::Message(format!("cannot write {}: {e}", path.display())))?;
        println!("Wrote {}", path.display());
    }
    Ok(())
}

type Market = (Vec<Arrival<Unit>>, Vec<Arrival<Family>>);

/// The register at the start (published children, active families), and those who join,
/// spread evenly over the period.
fn market(dataset: Dataset, seed: u64, days: u32, today: CivilDate) -> Result<Market, CliError> {
    let refuse = |e: kinlink_matching::Invalid| CliError::Message(format!("synthetic data: {e}"));
    let start = generate(dataset, seed, today);
    let share = JOINING_PER_YEAR * f64::from(days) / 365.0;
    let joining = generate(
        Dataset {
            children: (dataset.children as f64 * share) as usize,
            households: (dataset.households as f64 * share) as usize,
        },
        seed.wrapping_add(1),
        today,
    );
    let mut units = Vec::new();
    for (from, pool) in [(0, &start), (1, &joining)] {
        let published: Vec<_> = pool.child_profiles.iter().filter(|c| !c.draft).collect();
        let n = published.len().max(1);
        for (i, c) in published.into_iter().enumerate() {
            let id = units.len() as i64;
            // Those joining arrive evenly through the period, new to the register.
            let (day, waited) = if from == 0 {
                (0, c.waiting_days)
            } else {
                ((i * days as usize / n) as u32, 0)
            };
            units.push(Arrival {
                day,
                item: Unit::from_details(id, 1, &c.profile, &c.children, today, waited)
                    .map_err(refuse)?,
            });
        }
    }
    let mut families = Vec::new();
    for (from, pool) in [(0, &start), (1, &joining)] {
        let n = pool.households.len().max(1);
        for (i, h) in pool.households.iter().enumerate() {
            let day = if from == 0 {
                0
            } else {
                (i * days as usize / n) as u32
            };
            families.push(Arrival {
                day,
                item: Family::from_details(families.len() as i64, 2, &h.details, true)
                    .map_err(refuse)?,
            });
        }
    }
    Ok((units, families))
}
