"""orchestra benchmark: one command, prints speed and quality figures.

    .venv/bin/python benchmarks/run.py            # S, M, L networks + reading + OR-Library GAP
    .venv/bin/python benchmarks/run.py --quick    # S and M only, reading on 1,000 partners
    .venv/bin/python benchmarks/run.py --today    # only: M and L with and without today's network
    .venv/bin/python benchmarks/run.py --standards  # only: M and L with and without standards
    .venv/bin/python benchmarks/run.py --tradeoffs  # only: alternatives and a frontier on M
    .venv/bin/python benchmarks/run.py --cluster    # only: compare on M, threads against Dask

Networks are generated with a fixed seed (``orchestra generate``); each is written as a
workbook, loaded, planned with the balanced profile, and compared with the greedy heuristic
(cheapest qualified partner first, fixed cost counted when a partner is first used).
"""

from __future__ import annotations

import argparse
import csv
import math
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from orchestra.domain import Rules
from orchestra.generate import add_standards, add_today, generate_tables
from orchestra.io import load_network
from orchestra.io.profiles import load_profile
from orchestra.model import SolveSettings, check_plan, greedy_plan, plan
from orchestra.model.data import ModelData
from orchestra.model.rules import build_model
from orchestra.report.inputs import write_input_workbook
from orchestra.score import score

SIZES = {"S": (50, 20, 10), "M": (500, 100, 10), "L": (2000, 400, 60)}
GAP_DIR = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "gap"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _n(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def bench_network(name: str, folder: Path, profile_name: str) -> None:
    partners, roles, limit = SIZES[name]
    path = folder / f"{name}.xlsx"
    tables = generate_tables(partners, roles, seed=1)
    write_input_workbook(path, tables, force=True)
    t0 = time.perf_counter()
    net = load_network(path)
    load_s = time.perf_counter() - t0
    profile = load_profile(profile_name)
    data = ModelData(net, Rules.of(net, profile))
    t0 = time.perf_counter()
    pm = build_model(data)
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    greedy = greedy_plan(data)
    greedy_s = time.perf_counter() - t0
    result = plan(net, profile, SolveSettings(time_limit_s=limit))
    problems = check_plan(net, result)
    t0 = time.perf_counter()
    scores = score(net, result)
    score_s = time.perf_counter() - t0
    print(f"{name:2} {profile_name:11} partners={partners} roles={roles} "
          f"capabilities={len(net.capabilities)} relationships={len(net.relationships)} "
          f"vars={len(pm.assign) + len(pm.select)}")
    print(f"   load {load_s:6.2f}s  build {build_s:5.2f}s  solve {result.wall_time_s:6.2f}s "
          f"(limit {limit}s)  status {result.status} ({result.stopped_by})")
    gap = "-" if result.gap is None else f"{result.gap:.2%}"
    print(f"   objective {_n(result.objective)}  bound {_n(result.bound)}  gap {gap}  "
          f"cost {result.total_cost:,.0f}  open slots {len(result.shortfalls)}  "
          f"checker {'ok' if not problems else problems[:2]}")
    print(f"   greedy cost {greedy.cost:,.0f} ({greedy_s:.2f}s, {len(greedy.assigned)} slots)  "
          f"score {score_s:.2f}s ({score_s / result.wall_time_s:.1%} of the solve; cohesion "
          f"{scores.cohesion.index:.2f}, {len(scores.single_points_of_failure)} single points of "
          f"failure)  peak RSS {peak_mb():,.0f} MB", flush=True)


def bench_variant(folder: Path, sizes: tuple[str, ...], label: str,
                  variants: dict[str, Callable], seeds: tuple[int, ...] = (1, 2, 3)) -> None:
    """The same networks with each of ``variants`` applied (today's network; standards and
    rules, all together and kind by kind): the target is no more than 20 % slower. M with
    lowest_cost is usually proven optimal, so its time to the proof compares like with like,
    over several generator seeds (one run's time varies a lot): the geometric mean, a run
    without a proof counted at the limit. balanced runs to its limit, so the proven gap at the
    limit is set side by side (the objectives differ: the variant adds terms or rules)."""
    print(f"{label} (target: no more than 20 % slower)")
    everything = {"without": lambda tables, seed: tables, **variants}
    for name in sizes:
        partners, roles, limit = SIZES[name]
        for profile_name in ("lowest_cost", "balanced"):
            if name == "L" and profile_name == "lowest_cost":
                continue
            runs = seeds if (name, profile_name) == ("M", "lowest_cost") else seeds[:1]
            chosen = everything if name == "M" else dict(list(everything.items())[:2])
            times: dict[str, list[float]] = {}
            for seed in runs:
                plain = generate_tables(partners, roles, seed=seed)
                for which, transform in chosen.items():
                    path = folder / f"{name}-{which}.xlsx"
                    write_input_workbook(path, transform(plain, seed=seed), force=True)
                    net = load_network(path)
                    result = plan(net, load_profile(profile_name),
                                  SolveSettings(time_limit_s=limit))
                    assert check_plan(net, result) == [], check_plan(net, result)[:2]
                    proven = result.status == "optimal"
                    times.setdefault(which, []).append(result.wall_time_s if proven else limit)
                    print(f"   {name} {profile_name:11} seed {seed} {which:18} "
                          f"current={len(net.current):4} standards={len(net.standards):3} "
                          f"rules={len(net.rules)}  solve {result.wall_time_s:6.2f}s  "
                          f"{result.status:8} gap {_pct(result.gap):>7}  "
                          f"objective {_n(result.objective)}", flush=True)
            if len(runs) > 1:
                base = _geomean(times["without"])
                for which in chosen:
                    mean = _geomean(times[which])
                    print(f"   -> {name} {profile_name} {which:18} time to the proof "
                          f"(geometric mean over seeds {runs}, unproven at {limit} s) "
                          f"{mean:5.2f}s = {mean / base:.2f}x (target at most 1.20x)",
                          flush=True)


def _geomean(values: list[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values))


def _only(standards: str | None, rules: bool) -> Callable:
    """add_standards keeping only the standards on one metric (None: none) and the rules or not."""
    def transform(tables: dict, seed: int) -> dict:
        out = add_standards(tables, seed=seed)
        return {**out, "standards": [s for s in out["standards"] if s["metric"] == standards],
                "rules": out["rules"] if rules else []}
    return transform


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.2%}"


def bench_procurement(folder: Path, profile_name: str, sets: int = 20) -> None:
    """compare with ``sets`` random candidate sets, and stress of a plan, on the M network."""
    import random

    from orchestra.domain import CandidateSet
    from orchestra.procurement import compare, stress

    net = load_network(folder / "M.xlsx")
    profile = load_profile(profile_name)
    rng = random.Random(7)
    ids = [p.partner_id for p in net.partners]
    candidates = [CandidateSet(f"set{k:02d}", tuple(sorted(rng.sample(ids, len(ids) // 2))))
                  for k in range(sets)]
    t0 = time.perf_counter()
    result = compare(net, candidates, profile, SolveSettings(time_limit_s=8))
    compare_s = time.perf_counter() - t0
    costs = sorted(r.total_cost for r in result.rows[:-1])
    print(f"compare M: {sets} sets of {len(ids) // 2} partners + yardstick, 8 s limit each: "
          f"{compare_s:.1f}s; set costs {costs[0]:,.0f}-{costs[-1]:,.0f}, yardstick "
          f"{result.rows[-1].total_cost:,.0f}; "
          f"{sum(1 for r in result.rows if r.dominated_by)} dominated", flush=True)
    t0 = time.perf_counter()
    base = plan(net, profile, SolveSettings(time_limit_s=10))
    impacts = stress(net, profile, base, score(net, base), settings=SolveSettings(time_limit_s=2))
    stress_s = time.perf_counter() - t0
    worst = impacts[0]
    print(f"stress M: plan (10 s) + {len(impacts)} drop-outs (2 s each): {stress_s:.1f}s; worst "
          f"{'+'.join(worst.dropped)}: {worst.critical_unfilled} critical slots open, cost "
          f"{worst.cost_increase:+,.0f}; "
          f"{sum(1 for i in impacts if i.cost_increase < -1e-6)} re-plans cost less (trading "
          f"cost for reliability or cohesion), "
          f"{sum(1 for i in impacts if (i.objective_change or 0) < -1e-6)} score better on the "
          f"objective than the plan (not proven optimal)", flush=True)


def bench_cluster(folder: Path, profile_name: str, sets: int = 20, limit: float = 8) -> None:
    """compare of ``sets`` candidate sets on M in threads, then on a local Dask cluster (a
    worker process per core): the cluster's overhead, and what each added worker brings."""
    import os
    import random

    from orchestra.domain import CandidateSet
    from orchestra.execution import on_cluster
    from orchestra.procurement import compare

    net = load_network(folder / "M.xlsx")
    profile = load_profile(profile_name)
    rng = random.Random(7)
    ids = [p.partner_id for p in net.partners]
    candidates = [CandidateSet(f"set{k:02d}", tuple(sorted(rng.sample(ids, len(ids) // 2))))
                  for k in range(sets)]
    settings = SolveSettings(time_limit_s=limit)
    t0 = time.perf_counter()
    threaded = compare(net, candidates, profile, settings)
    threads_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with on_cluster("local") as cluster:
        started_s = time.perf_counter() - t0
        workers = cluster.slots()
        t1 = time.perf_counter()
        clustered = compare(net, candidates, profile, settings)
        run_s = time.perf_counter() - t1
    total_s = time.perf_counter() - t0
    jobs = sets + 1
    rounds = math.ceil(jobs / workers)
    per_task = (run_s - threads_s) / rounds  # the cluster's cost on each task
    task_s = run_s * workers / jobs  # a task's mean time on a worker (many end proven early)
    summed = (sum(r.plan.objective or 0 for r in threaded.rows),
              sum(r.plan.objective or 0 for r in clustered.rows))
    print(f"cluster M: compare of {sets} sets + yardstick, {limit:g} s each, {os.cpu_count()} "
          f"cores: threads {threads_s:.1f}s; --cluster local ({workers} workers) {total_s:.1f}s "
          f"= start {started_s:.1f}s + solves {run_s:.1f}s (overhead {run_s - threads_s:+.1f}s, "
          f"{per_task:.2f}s per task); objectives summed {summed[0]:,.0f} vs {summed[1]:,.0f}",
          flush=True)
    print(f"  a task takes {task_s:.1f}s on a worker on average: each added worker brings "
          f"{60 / task_s:.1f} solves a minute", flush=True)
    for w in (workers, 2 * workers, 4 * workers, 8 * workers):
        projected = started_s + math.ceil(jobs / w) * task_s
        print(f"  projected with {w:>2} workers: {projected:.0f}s for the {jobs} solves",
              flush=True)


def bench_tradeoffs(folder: Path, profile_name: str) -> None:
    """3 alternatives (10 s each) and a 9-point budget frontier (10 s a point) on M."""
    from orchestra.tradeoffs import alternatives, frontier

    net = load_network(folder / "M.xlsx")
    profile = load_profile(profile_name)
    settings = SolveSettings(time_limit_s=10)
    base = plan(net, profile, settings)
    t0 = time.perf_counter()
    found = alternatives(net, profile, base, 3, settings=settings)
    alt_s = time.perf_counter() - t0
    print(f"alternatives M: plan {base.total_cost:,.0f} ({base.status}), 3 alternatives "
          f"(10 s each, sequential): {alt_s:.1f}s; "
          + "; ".join(f"{a.plan.total_cost:,.0f} {a.plan.status} +{len(a.added)}/-"
                      f"{len(a.removed)}" for a in found), flush=True)
    low, high = 0.85 * base.total_cost, 1.25 * base.total_cost
    values = [low + (high - low) * k / 8 for k in range(9)]
    t0 = time.perf_counter()
    points = frontier(net, profile, values, settings=settings)
    front_s = time.perf_counter() - t0
    kept = sum(1 for p in points if p.kept_from is not None)
    print(f"frontier M: 9 budgets {low:,.0f}-{high:,.0f} (10 s a point, two at a time): "
          f"{front_s:.1f}s; filled {points[0].filled_share:.0%}-{points[-1].filled_share:.0%}, "
          f"{kept} point(s) kept a tighter budget's plan", flush=True)


def bench_reading(folder: Path, partners: int) -> None:
    import openpyxl

    tables = generate_tables(partners, partners // 5, seed=2)
    path = folder / "read.xlsx"
    write_input_workbook(path, tables, force=True)
    t0 = time.perf_counter()
    net = load_network(path)
    calamine_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    cells = sum(1 for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for _ in row)
    openpyxl_s = time.perf_counter() - t0
    print(f"reading {partners:,} partners / {len(net.capabilities):,} capability rows: "
          f"load_network (calamine, with all checks) {calamine_s:.2f}s; openpyxl read-only, "
          f"cells only, no checks {openpyxl_s:.2f}s ({cells:,} cells)", flush=True)


def bench_gap(files: list[str], limit: float) -> None:
    from orchestra.io.orlib import read_gap_file

    if not GAP_DIR.exists():
        print(f"OR-Library GAP: skipped, {GAP_DIR} not present")
        return
    with open(GAP_DIR / "optimal_values.csv", newline="") as handle:
        rows = {(r["file"], int(r["index_in_file"])): r for r in csv.DictReader(handle)}
    lowest = load_profile("lowest_cost")
    for file in files:
        for index, net in enumerate(read_gap_file(GAP_DIR / "raw" / file), start=1):
            row = rows[(file, index)]
            result = plan(net, lowest, SolveSettings(time_limit_s=limit))
            known = row["min_opt"]
            verdict = ("= optimum" if known != "open" and result.total_cost == float(known)
                       else f"vs {known}")
            print(f"GAP {row['name']:8} cost {result.total_cost:8,.0f} {verdict:12} "
                  f"bound {_n(result.bound):>8} {result.status:8} {result.wall_time_s:6.2f}s",
                  flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="S and M only")
    parser.add_argument("--profile", default="balanced")
    parser.add_argument("--gap-limit", type=float, default=10.0)
    parser.add_argument("--today", action="store_true",
                        help="only the today's-network comparison (M, and L unless --quick)")
    parser.add_argument("--tradeoffs", action="store_true",
                        help="only: 3 alternatives and a 9-point frontier on M")
    parser.add_argument("--standards", action="store_true",
                        help="only the standards-and-rules comparison (M, and L unless --quick)")
    parser.add_argument("--cluster", action="store_true",
                        help="only: compare of 20 sets on M, threads against --cluster local")
    args = parser.parse_args()
    variants = {"today": ("today's network", {"today": add_today}),
                "standards": ("hard standards and rules", {
                    "standards+rules": add_standards, "rules only": _only(None, True),
                    "response standards": _only("response_hours", False),
                    "on-time standards": _only("on_time_rate", False)})}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.cluster:
            write_input_workbook(folder / "M.xlsx", generate_tables(*SIZES["M"][:2], seed=1),
                                 force=True)
            bench_cluster(folder, args.profile)
            return
        if args.tradeoffs:
            write_input_workbook(folder / "M.xlsx", generate_tables(*SIZES["M"][:2], seed=1),
                                 force=True)
            bench_tradeoffs(folder, args.profile)
            return
        chosen = [k for k in variants if getattr(args, k)]
        for key in chosen:
            bench_variant(folder, ("M",) if args.quick else ("M", "L"), *variants[key])
        if chosen:
            return
        for key in variants:
            bench_variant(folder, ("M",), *variants[key])
        for name in ("S", "M") if args.quick else ("S", "M", "L"):
            bench_network(name, folder, args.profile)
        bench_reading(folder, 1000 if args.quick else 5000)
        if not args.quick:
            bench_procurement(folder, args.profile)
            bench_tradeoffs(folder, args.profile)
    files = ["gap1.txt", "gap12.txt"] if args.quick else (
        [f"gap{i}.txt" for i in range(1, 13)] + ["gapa.txt", "gapb.txt", "gapc.txt"])
    bench_gap(files, args.gap_limit)


if __name__ == "__main__":
    sys.exit(main())
