"""Our own large-neighbourhood search: where the objective prices slots only (no fixed costs,
no cohesion), a search stopped at its first plan hands over to it; the plan it returns keeps
every rule, is the brute-force optimum on small networks, and keeps the stopped search's
bound."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import ROOT, SHARED
from hypothesis import given, settings
from test_model import LOWEST, brute_force, small_networks

import orchestra.model.solve as solve
from orchestra.model import SolveSettings, check_plan, plan


def slots_only(net):
    """The network without fixed costs: the objective prices slots only."""
    return dataclasses.replace(net, partners=tuple(dataclasses.replace(p, fixed_cost=0.0)
                                                   for p in net.partners))


@pytest.fixture
def stall_at_once(monkeypatch):
    """Every search stops as soon as it has a plan and hands the rest of its time to the LNS
    (with no search on a core before it: its plan can leave the LNS nothing to find)."""
    monkeypatch.setattr(solve, "STALL_MIN_S", 0.0)
    monkeypatch.setattr(solve, "STALL_SHARE", 0.0)
    monkeypatch.setattr(solve, "_core_applies", lambda pm, settings: False)
    calls = []
    real = solve.improve

    def counted(*args, **kwargs):
        calls.append(args[1].objective)
        return real(*args, **kwargs)

    monkeypatch.setattr(solve, "improve", counted)
    return calls


@settings(max_examples=25, deadline=None)
@given(net=small_networks())
def test_the_lns_plan_is_the_brute_force_optimum_and_keeps_every_rule(net):
    # (hypothesis runs the examples inside one test: the fixture is applied by hand)
    import orchestra.model.solve as s

    net = slots_only(net)
    saved = s.STALL_MIN_S, s.STALL_SHARE
    s.STALL_MIN_S, s.STALL_SHARE = 0.0, 0.0
    try:
        result = plan(net, LOWEST, SolveSettings(time_limit_s=3, workers=2))
    finally:
        s.STALL_MIN_S, s.STALL_SHARE = saved
    best = brute_force(net)
    if best is None:
        assert result.status == "no solution"
        return
    assert check_plan(net, result) == []
    critical = sum(1 for x in result.shortfalls if x.critical)
    optional = sum(1 for x in result.shortfalls if not x.critical)
    assert (critical, optional, pytest.approx(result.total_cost)) == best
    assert result.bound is None or result.bound <= result.objective + 1e-6


GAPD = SHARED / "benchmarks" / "gap" / "raw" / "gapd.txt"


@pytest.mark.skipif(not GAPD.exists(), reason="the OR-Library GAP files are not present")
def test_a_stalled_search_on_a_capacity_tight_network_is_improved_by_the_lns(stall_at_once):
    from orchestra.io.orlib import read_gap_file

    net = list(read_gap_file(GAPD))[2]  # d10100: 10 agents, 100 jobs, capacities tight
    result = plan(net, LOWEST, SolveSettings(time_limit_s=4))
    assert stall_at_once, "the search did not hand over to the LNS"
    assert check_plan(net, result) == []
    assert result.objective < stall_at_once[0] / result.settings["money_scale"]
    assert result.bound is not None and result.bound <= result.objective + 1e-6


def test_no_handover_where_partners_carry_fixed_costs(stall_at_once, tmp_path):
    from orchestra.io import load_network

    plan(load_network(ROOT / "inputs" / "bank.xlsx"), LOWEST, SolveSettings(time_limit_s=2))
    assert stall_at_once == []


def tight_gap_instance(path, agents=10, jobs=80, seed=1):
    """A random capacity-tight instance shaped like OR-Library's type D (resources 1-100, the
    cheaper the more resource, capacities 80 % of an even share), written as a gap file."""
    import random

    rng = random.Random(seed)
    resource = [[rng.randint(1, 100) for _ in range(jobs)] for _ in range(agents)]
    cost = [[111 - r + rng.randint(-10, 10) for r in row] for row in resource]
    capacity = [int(0.8 * sum(row) / agents) for row in resource]
    rows = [f"1 {agents} {jobs}"] + [" ".join(map(str, row)) for row in cost + resource]
    path.write_text("\n".join(rows + [" ".join(map(str, capacity))]) + "\n")
    return path


def test_a_stop_during_the_lns_ends_every_search_with_the_plan_so_far(stall_at_once, tmp_path,
                                                                     monkeypatch):
    import threading
    import time

    from orchestra.io.orlib import read_gap_file

    net = read_gap_file(tight_gap_instance(tmp_path / "tight.txt"))[0]
    stop, stopped_at = threading.Event(), []
    handed_over = solve.improve  # the fixture's counting wrapper

    def stop_soon_after(*args, **kwargs):
        # The stop comes once the LNS runs, however long a busy machine took to get there.
        def fire() -> None:
            stopped_at.append(time.perf_counter())
            stop.set()

        threading.Timer(0.5, fire).start()
        return handed_over(*args, **kwargs)

    monkeypatch.setattr(solve, "improve", stop_soon_after)
    limit = 120
    result = plan(net, LOWEST, SolveSettings(time_limit_s=limit, workers=2), stop=stop)
    assert stall_at_once, "the search did not hand over to the LNS"
    # Both searches (the calling thread's and the other core's) end at the stop, not at the
    # limit: well before it, with room for a machine busy with other work.
    assert stopped_at and time.perf_counter() - stopped_at[0] < limit / 4
    assert result.stopped_by == "interrupted"
    assert check_plan(net, result) == []
    assert result.bound is not None and result.bound <= result.objective + 1e-6


def test_beside_the_lns_a_cp_sat_worker_proves_its_plan_optimal(stall_at_once, tmp_path):

    from orchestra.io.orlib import read_gap_file

    net = read_gap_file(tight_gap_instance(tmp_path / "small.txt", agents=5, jobs=20))[0]
    progress = []
    result = plan(net, LOWEST, SolveSettings(time_limit_s=60, workers=2),
                  on_progress=progress.append)
    assert stall_at_once, "the search did not hand over to the LNS"
    # Every progress line's bound is a bound: the LNS's lines show the worker's once raised.
    assert progress and all(p.bound <= p.objective + 1e-6 for p in progress)
    # It ends at the proof, not at the limit, with the optimum proven by a search without LNS.
    assert result.stopped_by == "proven optimal"
    alone = plan(net, LOWEST, SolveSettings(time_limit_s=60, deterministic=True))
    assert alone.status == "optimal"
    assert result.total_cost == pytest.approx(alone.total_cost)
    assert result.bound == result.objective
    assert check_plan(net, result) == []


def test_the_searches_end_once_the_best_plan_meets_the_bound():
    import threading

    from orchestra.model.neighbourhood import Incumbent, _State

    halt, told = threading.Event(), []
    state = _State(Incumbent((0,), 10), 2, halt, lambda *plan_and_bound: told.append(
        plan_and_bound))
    state.raise_bound(8.0)
    assert not halt.is_set()
    assert not state.offer((1,), 11)  # a worse plan is not taken
    assert state.offer((1,), 9) and state.incumbent.objective == 9
    assert not halt.is_set()
    state.raise_bound(7.0)  # a lower bound never lowers it
    assert state.bound == 8.0
    assert state.offer((2,), 8) and halt.is_set()
    assert told == [(9, 8.0), (8, 8.0)]  # each better plan, in turn, with the bound so far


@pytest.mark.parametrize("workers, proved", [(1, False), (2, True)])
def test_the_lns_runs_no_more_threads_than_the_settings_allow(stall_at_once, monkeypatch,
                                                              tmp_path, workers, proved):
    # One worker (a cluster task's): the LNS alone, without the CP-SAT worker beside it.
    import orchestra.model.neighbourhood as neighbourhood
    from orchestra.io.orlib import read_gap_file

    calls = []
    real = neighbourhood._prove
    monkeypatch.setattr(neighbourhood, "_prove", lambda *a: calls.append(1) or real(*a))
    net = read_gap_file(tight_gap_instance(tmp_path / "small.txt", agents=5, jobs=20))[0]
    result = plan(net, LOWEST, SolveSettings(time_limit_s=3, workers=workers))
    assert stall_at_once, "the search did not hand over to the LNS"
    assert bool(calls) == proved
    assert check_plan(net, result) == []
