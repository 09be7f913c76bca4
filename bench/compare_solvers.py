#!/usr/bin/env python3
"""Kinlink's assignment solver against SciPy's and OR-Tools', on the same instances, in one run.

    python3 bench/compare_solvers.py [--quick] [--runs N]

Makes (or reuses) a virtual environment of its own at target/bench-venv with exactly
bench/requirements.txt installed, and runs itself again inside it. Then it has the Rust example
`solver_instances` write the instances (England's best overall assignment, England's and the
United States' spread recommendations) to target/bench-instances and time Kinlink's solver on
them, and times here, on the same files and in the same way (median of N runs of the solve call
alone; reading the file and building the matrix or the arcs are outside the timing):

- SciPy's linear_sum_assignment on the dense matrix (one-to-one assignment only);
- OR-Tools' SimpleLinearSumAssignment (one-to-one assignment only);
- OR-Tools' SimpleMinCostFlow (every instance).

Every solver's optimum must have Kinlink's total weight: if one differs, it says which and exits
with status 1. It prints a table of times and ratios (other solver / Kinlink: above 1 means
Kinlink was faster) and writes it to target/bench-instances/comparison.md.

It measures; it does not judge. Standard library only until it is inside its environment.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "bench-venv"
REQUIREMENTS = ROOT / "bench" / "requirements.txt"
INSTALLED = VENV / "installed-requirements.txt"
INSTANCES = ROOT / "target" / "bench-instances"

# A dense matrix bigger than this (in cells) is not built: SciPy's solver needs the whole
# matrix, and the US register's 66,000 x 60,000 would be 32 GB of int64 before it started.
DENSE_CELLS_LIMIT = 50_000_000


def venv_python() -> Path:
    return VENV / "bin" / "python"


def inside_venv() -> bool:
    return Path(sys.prefix).resolve() == VENV.resolve()


def enter_venv() -> None:
    """Creates or repairs the environment, installs the pins if they changed, and re-executes."""
    python = venv_python()
    works = python.exists() and subprocess.run(
        [str(python), "-c", ""], capture_output=True
    ).returncode == 0
    if not works:
        # An environment whose interpreter no longer runs (its base Python moved) is rebuilt.
        shutil.rmtree(VENV, ignore_errors=True)
        print(f"Creating a virtual environment at {VENV.relative_to(ROOT)} ...", flush=True)
        made = subprocess.run([sys.executable, "-m", "venv", str(VENV)])
        if made.returncode != 0:
            sys.exit("Could not create a virtual environment; on Debian: apt-get install -y python3-venv")
    wanted = REQUIREMENTS.read_text()
    if not INSTALLED.exists() or INSTALLED.read_text() != wanted:
        print(f"Installing bench/requirements.txt into {VENV.relative_to(ROOT)} ...", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--requirement", str(REQUIREMENTS)],
            check=True,
        )
        INSTALLED.write_text(wanted)
    os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small registers, for a smoke run in well under a minute")
    parser.add_argument("--runs", type=int, default=11,
                        help="timed runs of each solver on each instance (the median is reported)")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def run_kinlink(args: argparse.Namespace) -> dict:
    """Builds and runs the example, which writes the instances and Kinlink's times."""
    command = ["cargo", "run", "--release", "--quiet", "-p", "kinlink-matching",
               "--example", "solver_instances", "--",
               "--out", str(INSTANCES), "--runs", str(args.runs)]
    if args.quick:
        command.append("--quick")
    print("$ " + " ".join(command), flush=True)
    # CARGO_TARGET_DIR, when set, is passed on with the rest of the environment.
    subprocess.run(command, cwd=ROOT, check=True)
    return json.loads((INSTANCES / "kinlink.json").read_text())


class Instance:
    """One instance file: the candidate pairs as parallel arrays, and the capacities."""

    def __init__(self, path: Path):
        import numpy as np

        with path.open() as f:
            units, families, per_unit, per_family = map(int, f.readline().split())
            owners, targets, weights = [], [], []
            for unit in range(units):
                fields = f.readline().split()
                count = int(fields[0])
                if len(fields) != 1 + 2 * count:
                    raise ValueError(f"{path}: unit {unit}'s line has the wrong length")
                owners.extend([unit] * count)
                targets.extend(map(int, fields[1::2]))
                weights.extend(map(int, fields[2::2]))
        self.units, self.families = units, families
        self.per_unit, self.per_family = per_unit, per_family
        self.owners = np.array(owners, dtype=np.int64)
        self.targets = np.array(targets, dtype=np.int64)
        self.weights = np.array(weights, dtype=np.int64)

    @property
    def edges(self) -> int:
        return len(self.weights)

    @property
    def one_to_one(self) -> bool:
        return self.per_unit == 1 and self.per_family == 1


def timed(prepare, solve, runs: int):
    """The median time of `solve(prepare())` in milliseconds over `runs` calls, with `prepare`
    (making and filling a solver object) outside the timing; and the last prepared object and
    answer."""
    times, prepared, answer = [], None, None
    for _ in range(runs):
        prepared = prepare()
        started = time.perf_counter()
        answer = solve(prepared)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), prepared, answer


def scipy_dense(instance: Instance, runs: int):
    """SciPy's Hungarian-style solver on the dense matrix, 0 where a pair is no candidate.

    A 0 cell chosen is a child or family left without a pair: weights are positive, so the
    maximum over the dense matrix is the maximum weight matching of the candidate pairs.
    """
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    matrix = np.zeros((instance.units, instance.families), dtype=np.int64)
    matrix[instance.owners, instance.targets] = instance.weights
    median, _, (rows, cols) = timed(
        lambda: matrix, lambda m: linear_sum_assignment(m, maximize=True), runs)
    return median, int(matrix[rows, cols].sum())


def ortools_assignment(instance: Instance, runs: int):
    """OR-Tools' linear sum assignment, which needs a perfect assignment of a square problem.

    Left nodes are the units and then one stand-in per family; right nodes are the families and
    then one stand-in per unit. A unit may go to its own stand-in (left without a family) and a
    family's stand-in to the family (left without a child), both at cost 0; for each candidate
    pair (u, f), u -> f costs -w, and f's stand-in -> u's stand-in costs 0, so that when u and f
    are paired their stand-ins can pair too. Every matching of the candidate pairs is then
    exactly one perfect assignment, of cost minus its weight.
    """
    import numpy as np
    from ortools.graph.python import linear_sum_assignment

    u, f = instance.units, instance.families
    units, families = np.arange(u), np.arange(f)
    left = np.concatenate([instance.owners, u + instance.targets, units, u + families])
    right = np.concatenate([instance.targets, f + instance.owners, f + units, families])
    costs = np.concatenate([-instance.weights, np.zeros(instance.edges + u + f, dtype=np.int64)])
    left, right = left.astype(np.int32), right.astype(np.int32)
    weight = {(a, b): w for a, b, w in zip(instance.owners.tolist(), instance.targets.tolist(),
                                           instance.weights.tolist())}

    def prepare():
        solver = linear_sum_assignment.SimpleLinearSumAssignment()
        solver.add_arcs_with_cost(left, right, costs)
        return solver

    median, solver, status = timed(prepare, lambda solver: solver.solve(), runs)
    if status != solver.OPTIMAL:
        raise RuntimeError(f"OR-Tools assignment: status {status}")
    # The total from the pairs chosen, not only the solver's own cost, so that a mistake in the
    # mapping above could not hide.
    total = 0
    for unit in range(u):
        mate = solver.right_mate(unit)
        if mate < f:
            total += weight[(unit, mate)]
    if total != -solver.optimal_cost():
        raise RuntimeError(f"OR-Tools assignment: pairs add to {total}, cost {solver.optimal_cost()}")
    return median, total


def ortools_flow(instance: Instance, runs: int):
    """OR-Tools' min-cost flow: source -> unit (capacity per_unit), unit -> family (capacity 1,
    cost -w), family -> sink (capacity per_family), and unit -> sink (capacity per_unit, cost 0)
    so that a place may stay empty. All of the source's supply reaches the sink, so the flow is
    feasible, and its minimum cost is minus the maximum weight."""
    import numpy as np
    from ortools.graph.python import min_cost_flow

    u, f = instance.units, instance.families
    source, sink = u + f, u + f + 1
    units, families = np.arange(u), np.arange(f)
    tails = np.concatenate([np.full(u, source), instance.owners, u + families, units])
    heads = np.concatenate([units, u + instance.targets, np.full(f, sink), np.full(u, sink)])
    capacities = np.concatenate([
        np.full(u, instance.per_unit), np.ones(instance.edges, dtype=np.int64),
        np.full(f, instance.per_family), np.full(u, instance.per_unit),
    ]).astype(np.int64)
    costs = np.concatenate([np.zeros(u, dtype=np.int64), -instance.weights,
                            np.zeros(f + u, dtype=np.int64)])
    tails, heads = tails.astype(np.int32), heads.astype(np.int32)
    supply = u * instance.per_unit
    pair_arcs = np.arange(u, u + instance.edges, dtype=np.int32)

    def prepare():
        solver = min_cost_flow.SimpleMinCostFlow()
        solver.add_arcs_with_capacity_and_unit_cost(tails, heads, capacities, costs)
        solver.set_nodes_supplies(np.array([source, sink], dtype=np.int32),
                                  np.array([supply, -supply], dtype=np.int64))
        return solver

    median, solver, status = timed(prepare, lambda solver: solver.solve(), runs)
    if status != solver.OPTIMAL:
        raise RuntimeError(f"OR-Tools min-cost flow: status {status}")
    used = solver.flows(pair_arcs)
    total = int(instance.weights[used == 1].sum())
    if total != -solver.optimal_cost():
        raise RuntimeError(f"OR-Tools min-cost flow: pairs add to {total}, cost {solver.optimal_cost()}")
    return median, total


SOLVERS = [
    ("SciPy linear_sum_assignment", "scipy-lsa"),
    ("OR-Tools SimpleLinearSumAssignment", "ortools-lsa"),
    ("OR-Tools SimpleMinCostFlow", "ortools-mcf"),
]


def measure(instance: Instance, runs: int) -> dict[str, tuple[float, int] | str]:
    """Each solver's (median ms, total), or why it was not run."""
    results: dict[str, tuple[float, int] | str] = {}
    if not instance.one_to_one:
        why = "b-matching, not an assignment"
        results["scipy-lsa"] = why
        results["ortools-lsa"] = why
    else:
        cells = instance.units * instance.families
        if cells > DENSE_CELLS_LIMIT:
            results["scipy-lsa"] = f"dense matrix too big ({cells:,} cells)"
        else:
            results["scipy-lsa"] = scipy_dense(instance, runs)
        results["ortools-lsa"] = ortools_assignment(instance, runs)
    results["ortools-mcf"] = ortools_flow(instance, runs)
    return results


def table(rows: list[dict]) -> str:
    header = ["instance", "units", "families", "edges", "Kinlink ms"]
    for name, _ in SOLVERS:
        header += [f"{name} ms", "ratio"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    skipped: list[str] = []
    for row in rows:
        kinlink = row["kinlink"]["median_ms"]
        cells = [row["name"], f"{row['kinlink']['units']:,}", f"{row['kinlink']['families']:,}",
                 f"{row['kinlink']['edges']:,}", f"{kinlink:.2f}"]
        for _, key in SOLVERS:
            result = row["others"][key]
            if isinstance(result, str):
                cells += ["n/a", "—"]
                if result not in skipped:
                    skipped.append(result)
            else:
                ratio = result[0] / kinlink if kinlink > 0 else float("inf")
                cells += [f"{result[0]:.2f}", f"{ratio:.2f}×"]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [""] + [f"n/a: {why}" for why in skipped]
    return "\n".join(lines)


def source_state() -> str:
    """The commit measured, and whether the solver's crate had changes not yet committed, so
    that a table can be told apart from one measured on other code."""
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    changed = git("status", "--porcelain", "--", "crates/matching", "crates/synthetic")
    return f"commit {commit}" + (
        ", with uncommitted changes in crates/matching or crates/synthetic" if changed else "")


def main() -> int:
    args = arguments()
    kinlink = run_kinlink(args)
    rows, disagreements = [], []
    for entry in kinlink["instances"]:
        instance = Instance(INSTANCES / entry["file"])
        if (instance.units, instance.families, instance.edges) != (
                entry["units"], entry["families"], entry["edges"]):
            raise RuntimeError(f"{entry['file']} does not hold what kinlink.json describes")
        print(f"timing the other solvers on {entry['name']} ...", flush=True)
        others = measure(instance, args.runs)
        for name, key in SOLVERS:
            result = others[key]
            if not isinstance(result, str) and result[1] != entry["total"]:
                disagreements.append(
                    f"{entry['name']}: {name} found total weight {result[1]}, "
                    f"Kinlink {entry['total']}")
        rows.append({"name": entry["name"], "kinlink": entry, "others": others})

    import numpy
    import ortools
    import scipy

    cores = os.cpu_count()
    notes = [
        f"Median of {args.runs} runs of each solve call alone (files read and matrices or arcs "
        f"built outside the timing){', quick (small) registers' if kinlink['quick'] else ''}.",
        "Ratio = other solver's median / Kinlink's median: above 1, Kinlink was faster.",
        "SciPy needs a dense matrix and solves one-to-one assignments only; the spread instances "
        "are b-matchings (5 families per child, 8 lists per family), which only the min-cost "
        "flow expresses (the US register's dense matrix, about 66,000 x 60,000, would not fit anyway).",
        f"Python {platform.python_version()}, numpy {numpy.__version__}, scipy {scipy.__version__}, "
        f"ortools {ortools.__version__}; {cores} CPU cores, {platform.machine()}; "
        f"{source_state()}.",
    ]
    totals = ("Every solver's optimum has Kinlink's total weight."
              if not disagreements else "TOTALS DIFFER:\n" + "\n".join(disagreements))
    report = "\n".join(["# Kinlink's solver against SciPy and OR-Tools", "", table(rows), "",
                        *[f"- {n}" for n in notes], "", totals, ""])
    (INSTANCES / "comparison.md").write_text(report)
    print()
    print(report)
    print(f"(written to {(INSTANCES / 'comparison.md').relative_to(ROOT)})")
    return 1 if disagreements else 0


if __name__ == "__main__":
    if not inside_venv():
        enter_venv()
    sys.exit(main())
