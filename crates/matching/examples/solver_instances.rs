//! The assignment instances behind `bench/compare_solvers.py`, and Kinlink's own time on them.
//!
//!     cargo run --release -p kinlink-matching --example solver_instances -- --out DIR [--runs N] [--quick]
//!
//! Builds three instances from the synthetic registers (seed 1, aged on 2026-11-24), exactly as
//! the register-wide views build them:
//! - `england-assignment`: every compatible pair in England's register, one family per child
//!   and one child per family (the best overall assignment);
//! - `england-spread` and `us-spread`: each child's best candidates with the extra weight for
//!   waiting, five families per child and eight lists per family (spread recommendations).
//!
//! Each is written to `DIR/NAME.txt` for other solvers to read: a first line
//! `units families per_unit per_family`, then one line per unit, `count f1 w1 f2 w2 ...`.
//! Then [`b_matching`] is timed on each, the graph built once outside the timing, and
//! `DIR/kinlink.json` records the sizes, the optimum and the median and fastest times.
//!
//! It measures and writes files; it decides nothing about whether Kinlink is fast enough.

use kinlink_domain::profile::CivilDate;
use kinlink_matching::flow::{Graph, b_matching};
use kinlink_matching::spread::{SpreadSettings, candidate_graph, candidates};
use kinlink_matching::{Family, Unit, Weights};
use kinlink_synthetic::{Dataset, generate};
use std::fmt::Write as _;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: solver_instances --out DIR [--runs N] [--quick]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("solver_instances: {message}");
            ExitCode::FAILURE
        }
    }
}

struct Options {
    out: PathBuf,
    runs: usize,
    /// Small registers, for a smoke run of the comparison in seconds.
    quick: bool,
}

fn options() -> Result<Options, String> {
    let mut out = None;
    let mut runs = 11;
    let mut quick = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = Some(PathBuf::from(args.next().ok_or(USAGE)?)),
            "--runs" => {
                runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("--runs takes a whole number above 0")?;
            }
            "--quick" => quick = true,
            _ => return Err(format!("unknown argument {arg:?}\n{USAGE}")),
        }
    }
    Ok(Options {
        out: out.ok_or(USAGE)?,
        runs,
        quick,
    })
}

/// One instance: the graph the solver sees and the capacities it is solved with.
struct Instance {
    name: &'static str,
    graph: Graph,
    per_unit: u32,
    per_family: u32,
}

/// What Kinlink's solver did on an instance.
struct Timed {
    total: i64,
    median: Duration,
    fastest: Duration,
}

fn run() -> Result<(), String> {
    let options = options()?;
    std::fs::create_dir_all(&options.out)
        .map_err(|e| format!("cannot create {}: {e}", options.out.display()))?;
    let today = CivilDate::new(2026, 11, 24).ok_or("2026-11-24 is not a date")?;
    let (england, us) = if options.quick {
        (
            Dataset {
                children: 600,
                households: 300,
            },
            Dataset {
                children: 4_000,
                households: 2_000,
            },
        )
    } else {
        (Dataset::ENGLAND, Dataset::US)
    };
    let settings = SpreadSettings::default();

    let mut instances = Vec::new();
    let (units, families) = register("England's", england, today)?;
    let started = Instant::now();
    // As `best_assignment`: every compatible pair, no extra weight.
    let found = candidates(&units, &families, Weights::default(), None, |_| true);
    instances.push(Instance {
        name: "england-assignment",
        graph: candidate_graph(&found, families.len(), |_| 0),
        per_unit: 1,
        per_family: 1,
    });
    instances.push(spread_instance(
        "england-spread",
        &units,
        &families,
        settings,
    )?);
    eprintln!(
        "  scored and built into two instances in {}",
        since(started)
    );
    let (units, families) = register("the US", us, today)?;
    let started = Instant::now();
    instances.push(spread_instance("us-spread", &units, &families, settings)?);
    eprintln!("  scored and built into one instance in {}", since(started));
    drop((units, families));

    let mut json = String::new();
    let _ = writeln!(
        json,
        "{{\n  \"runs\": {},\n  \"quick\": {},\n  \"instances\": [",
        options.runs, options.quick
    );
    println!(
        "{:<20} {:>7} {:>9} {:>10} {:>14} {:>11} {:>9}",
        "instance", "units", "families", "edges", "total weight", "median ms", "min ms"
    );
    for (i, instance) in instances.iter().enumerate() {
        write_instance(&options.out, instance)?;
        let timed = time(instance, options.runs)?;
        let graph = &instance.graph;
        println!(
            "{:<20} {:>7} {:>9} {:>10} {:>14} {:>11.2} {:>9.2}",
            instance.name,
            graph.units(),
            graph.families(),
            graph.edges(),
            timed.total,
            millis(timed.median),
            millis(timed.fastest)
        );
        let _ = write!(
            json,
            "    {{\"name\": \"{}\", \"file\": \"{}.txt\", \"units\": {}, \"families\": {}, \
             \"edges\": {}, \"per_unit\": {}, \"per_family\": {}, \"total\": {}, \
             \"median_ms\": {:.3}, \"min_ms\": {:.3}}}",
            instance.name,
            instance.name,
            graph.units(),
            graph.families(),
            graph.edges(),
            instance.per_unit,
            instance.per_family,
            timed.total,
            millis(timed.median),
            millis(timed.fastest)
        );
        json.push_str(if i + 1 < instances.len() { ",\n" } else { "\n" });
    }
    json.push_str("  ]\n}\n");
    let path = options.out.join("kinlink.json");
    std::fs::write(&path, json).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!(
        "median and fastest of {} runs of the solver alone; instances and kinlink.json in {}",
        options.runs,
        options.out.display()
    );
    Ok(())
}

/// The published profiles and the families of a synthetic register, as the benchmarks make them.
fn register(
    name: &str,
    dataset: Dataset,
    today: CivilDate,
) -> Result<(Vec<Unit>, Vec<Family>), String> {
    let started = Instant::now();
    let population = generate(dataset, 1, today);
    let units: Vec<Unit> = population
        .child_profiles
        .iter()
        .filter(|p| !p.draft)
        .enumerate()
        .map(|(i, p)| {
            Unit::from_details(i as i64, 1, &p.profile, &p.children, today, p.waiting_days)
        })
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let families: Vec<Family> = population
        .households
        .iter()
        .enumerate()
        .map(|(i, h)| Family::from_details(i as i64, 2, &h.details, true))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    eprintln!(
        "{name} register: {} published profiles, {} families, made in {}",
        units.len(),
        families.len(),
        since(started)
    );
    Ok((units, families))
}

/// As `spread`: each unit's best candidates among the families that can take a link, with the
/// unit's extra weight for waiting.
fn spread_instance(
    name: &'static str,
    units: &[Unit],
    families: &[Family],
    settings: SpreadSettings,
) -> Result<Instance, String> {
    let found = candidates(
        units,
        families,
        Weights::default(),
        Some(settings.candidates),
        |f| !f.at_link_limit,
    );
    Ok(Instance {
        name,
        graph: candidate_graph(&found, families.len(), |u| {
            settings.wait_bonus(units[u].waited_days)
        }),
        per_unit: settings.per_child,
        per_family: settings.per_family,
    })
}

fn write_instance(dir: &Path, instance: &Instance) -> Result<(), String> {
    let path = dir.join(format!("{}.txt", instance.name));
    let failed = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    let file = std::fs::File::create(&path).map_err(failed)?;
    let mut out = BufWriter::new(file);
    let graph = &instance.graph;
    writeln!(
        out,
        "{} {} {} {}",
        graph.units(),
        graph.families(),
        instance.per_unit,
        instance.per_family
    )
    .map_err(failed)?;
    for unit in 0..graph.units() {
        let pairs: Vec<(usize, i64)> = graph.candidates(unit).collect();
        write!(out, "{}", pairs.len()).map_err(failed)?;
        for (family, weight) in pairs {
            write!(out, " {family} {weight}").map_err(failed)?;
        }
        writeln!(out).map_err(failed)?;
    }
    out.flush().map_err(failed)
}

/// The solver alone, `runs` times. Every run must find the same optimum: the solver is
/// deterministic, so a difference would be a bug worth stopping for.
fn time(instance: &Instance, runs: usize) -> Result<Timed, String> {
    let mut times = Vec::with_capacity(runs);
    let mut total = None;
    for _ in 0..runs {
        let started = Instant::now();
        let solved = b_matching(
            std::hint::black_box(&instance.graph),
            instance.per_unit,
            instance.per_family,
        );
        times.push(started.elapsed());
        if total.is_some_and(|t| t != solved.total) {
            return Err(format!(
                "{}: the solver's total changed between runs",
                instance.name
            ));
        }
        total = Some(solved.total);
    }
    times.sort_unstable();
    let middle = times.len() / 2;
    let median = if times.len() % 2 == 1 {
        times[middle]
    } else {
        (times[middle - 1] + times[middle]) / 2
    };
    Ok(Timed {
        total: total.unwrap_or(0),
        median,
        fastest: times.first().copied().unwrap_or_default(),
    })
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn since(started: Instant) -> String {
    format!("{:.1} s", started.elapsed().as_secs_f64())
}
