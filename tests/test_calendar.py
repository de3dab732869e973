"""The contract calendar: today's contracts run out or end early for a fee, newcomers start
when they take over, exit costs per contract. Plans of small networks against an enumeration
of every plan and every way of phasing it in, written from the rows' meaning."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_model import LOWEST, brute_force, pairs, small_networks_with_today

from orchestra.calendar import Calendar, add_months
from orchestra.domain import Lock, Policy
from orchestra.model import SolveSettings, plan
from orchestra.model.transition import schedule

START = date(2027, 1, 1)
SETTINGS = SolveSettings(time_limit_s=20, workers=2)


def horizon_cost(net, kept: set[tuple[str, str]], team: set[str]) -> float:
    """The least the horizon's cost beyond the plan's steady state can be, over every way of
    ending today's contracts (run out, or early for the fee) and of pairing newcomers with the
    slots they free, by enumeration."""
    horizon = round(net.policy.horizon_periods or 1)
    cal = Calendar(START, 1, horizon)
    contracts = list(net.current)
    held = {(c.role_id, c.partner_id) for c in contracts}
    dropped = [c for c in contracts if (c.role_id, c.partner_id) not in kept]
    exits = sum(c.exit_cost for c in dropped)
    runs = {id(c): cal.paid(c) for c in dropped}
    # A contract running to the horizon's end is kept unless ended early (no successor
    # could take over within it): dropped, it is ended early.
    options = [(False,) if c.termination_fee is None
               else (True,) if runs[id(c)] >= horizon
               else (False, True) if runs[id(c)] else (False,) for c in dropped]
    slot = {}  # the plan's slot cost per period, each pair at its price
    for role_id, pid in kept:
        role = net.role[role_id]
        slot[(role_id, pid)] = role.load * net.offer(pid, role).unit_cost
    best = None
    for early in itertools.product(*options):
        ends = {id(c): 0 if e else runs[id(c)] for c, e in zip(dropped, early, strict=True)}
        fees = sum(c.termination_fee for c, e in zip(dropped, early, strict=True) if e)
        paid_on = sum(net.role[c.role_id].load * net.offer(c.partner_id, c.role_id).unit_cost
                      * ends[id(c)] for c in dropped)
        # Newcomers of each role take over its freed slots in every order; the others start
        # at once on the slots no running contract holds.
        per_role = []
        for role in net.roles:
            newcomers = sorted(p for r, p in kept if r == role.role_id and (r, p) not in held)
            timed = [c for c in contracts if c.role_id == role.role_id and cal.paid(c)]
            freed = [ends[id(c)] for c in dropped if c in timed]
            kept_untimed = sum(1 for c in contracts if c.role_id == role.role_id
                               and not cal.paid(c) and (c.role_id, c.partner_id) in kept)
            free_now = role.slots - len(timed) - kept_untimed  # vacant, or free at once
            choices = [dict(zip(newcomers, order, strict=True)) for order in
                       itertools.permutations(freed + [0] * free_now, len(newcomers))]
            per_role.append((role.role_id, choices))
        for picks in itertools.product(*(c for _, c in per_role)):
            start = {(role_id, p): k for (role_id, _), pick in zip(per_role, picks, strict=True)
                     for p, k in pick.items()}
            total = fees + exits + paid_on
            total -= sum(slot[pair] * k for pair, k in start.items())
            for pid in team - net.incumbents:
                first = min([k for (_, p), k in start.items() if p == pid], default=0)
                total -= net.partner[pid].fixed_cost * first
            for pid in net.incumbents - team:
                last = max([ends[id(c)] for c in dropped if c.partner_id == pid], default=0)
                total += net.partner[pid].fixed_cost * last
            best = total if best is None else min(best, total)
    return best / horizon


@st.composite
def networks_with_calendars(draw):
    """Small networks with today's network (``small_networks_with_today``), each contract
    with an end before, inside or beyond the horizon (or none), a termination fee or none, an
    exit cost; months, from 2027-01-01, a whole horizon."""
    net = draw(small_networks_with_today())
    horizon = draw(st.sampled_from([1, 2, 3, 4]))
    current = []
    for c in net.current:
        months = draw(st.sampled_from([None, -1, 0, 1, 2, 5]))
        ends = None if months is None else add_months(START, months) - date.resolution
        current.append(dataclasses.replace(
            c, ends=ends, termination_fee=draw(st.sampled_from([None, 0, 2, 7])),
            exit_cost=draw(st.sampled_from([0, 0, 3]))))
    policy = dataclasses.replace(net.policy, plan_start=START, period="month",
                                 horizon_periods=horizon)
    return dataclasses.replace(net, current=tuple(current), policy=policy)


@settings(max_examples=60, deadline=None)
@given(net=networks_with_calendars())
def test_plans_over_the_contract_calendar_equal_enumeration(net):
    """Open slots first, then the cost over the horizon: the plan's objective equals the best
    over every plan and every way of phasing it in, and the plan's own schedule costs what
    the model counted."""
    result = plan(net, LOWEST, SETTINGS)
    # ... and one that cannot be ended early is held, as a lock is (its partner allowed).
    horizon = round(net.policy.horizon_periods or 1)
    held = tuple(Lock(c.role_id, c.partner_id) for c in net.current
                 if c.termination_fee is None and c.partner_id not in net.policy.exclude
                 and Calendar(START, 1, horizon).paid(c) >= horizon)
    enumerated = dataclasses.replace(net, locks=net.locks + held)
    best = brute_force(enumerated, lambda kept: horizon_cost(
        net, kept, {p for _, p in kept} | set(net.policy.must_include)))
    if best is None:
        assert result.status == "no solution"
        return
    assert result.status == "optimal"
    critical = sum(1 for s in result.shortfalls if s.critical)
    optional = sum(1 for s in result.shortfalls if not s.critical)
    assert (critical, optional) == best[:2]
    tolerance = 1e-3 * (1 + len(net.current) + len(net.partners))
    assert result.objective == pytest.approx(best[2], abs=tolerance)
    own = schedule(net, result).cost / horizon
    assert result.terms.get("calendar", 0.0) == pytest.approx(own, abs=tolerance)
    assert own == pytest.approx(horizon_cost(net, pairs(result), set(result.selected)),
                                abs=1e-9)


def hotel_desk(ends: date | None, fee: float | None, horizon: int = 12):
    """One role, today's partner O at 10 a period, a newcomer N at 4: N is worth taking; when
    O's contract ends, and whether ending it early pays, decides what the switch costs."""
    from conftest import network

    net = network([("O", 0, 9), ("N", 0, 9)], [("O", "x", 3, 10), ("N", "x", 3, 4)],
                  [("R", "x")])
    return dataclasses.replace(
        net, current=(Lock("R", "O", ends=ends, termination_fee=fee),),
        policy=Policy(plan_start=START, period="month", horizon_periods=horizon))


def test_a_contract_runs_out_unless_ending_it_early_is_cheaper():
    # O's contract ends 2027-03-31: three months at 10 and nine of N at 4 = 66 over twelve;
    # ending early for 20 makes it 20 + 12 x 4 = 68: waiting is cheaper, by 2.
    net = hotel_desk(date(2027, 3, 31), 20)
    result = plan(net, LOWEST, SETTINGS)
    assert pairs(result) == {("R", "N")}
    [handover] = schedule(net, result).handovers
    assert (handover.early, handover.paid, handover.effective) == (False, 3, 4)
    assert result.objective == pytest.approx(66 / 12, abs=1e-4)
    # For a fee of 10 ending early wins: 10 + 48 = 58.
    cheap = hotel_desk(date(2027, 3, 31), 10)
    result = plan(cheap, LOWEST, SETTINGS)
    [handover] = schedule(cheap, result).handovers
    assert handover.early and handover.fee == 10 and handover.effective == 1
    assert result.objective == pytest.approx(58 / 12, abs=1e-4)


def test_a_contract_that_cannot_end_early_runs_to_its_end_or_past_the_horizon():
    net = hotel_desk(date(2028, 6, 30), None)  # beyond the twelve months: O paid throughout
    result = plan(net, LOWEST, SETTINGS)
    [handover] = schedule(net, result).handovers if pairs(result) == {("R", "N")} else [None]
    assert result.objective == pytest.approx(10, abs=1e-4)
    if handover is not None:
        assert handover.paid == 12
    rolling = hotel_desk(date(2026, 11, 30), None)  # ended before plan_start: rolling
    result = plan(rolling, LOWEST, SETTINGS)
    assert pairs(result) == {("R", "N")} and result.objective == pytest.approx(4, abs=1e-4)


@st.composite
def moved_contract_ends(draw):
    """A small network without fixed costs, capacity to spare and no rules, a today's network
    with contract ends; and the same network with one contract ending later."""
    from conftest import network

    n = draw(st.integers(2, 4))
    ids = [f"P{i}" for i in range(n)]
    offers = [(p, cap, 3, draw(st.integers(1, 9))) for p in ids
              for cap in draw(st.lists(st.sampled_from(["x", "y"]), min_size=1, max_size=2,
                                       unique=True))]
    roles = [(f"R{r}", draw(st.sampled_from(["x", "y"]))) for r in range(draw(st.integers(1, 3)))]
    net = network([(p, 0, 100) for p in ids], offers, roles)
    current = []
    for role in net.roles:
        holders = [o.partner_id for o in net.qualified(role)]
        if holders and draw(st.booleans()):
            months = draw(st.integers(0, 8))
            current.append(Lock(role.role_id, draw(st.sampled_from(holders)),
                                ends=add_months(START, months) - date.resolution,
                                termination_fee=draw(st.sampled_from([None, 5, 20])),
                                exit_cost=draw(st.sampled_from([0, 2]))))
    if not current:
        return None
    partners = tuple(dataclasses.replace(p, onboarding_cost=draw(st.sampled_from([0, 4])),
                                         exit_cost=draw(st.sampled_from([0, 3])))
                     for p in net.partners)
    net = dataclasses.replace(net, partners=partners, current=tuple(current), policy=Policy(
        plan_start=START, period="month", horizon_periods=draw(st.sampled_from([3, 6, 12]))))
    k = draw(st.integers(0, len(current) - 1))
    later = list(current)
    later[k] = dataclasses.replace(current[k], ends=add_months(
        current[k].ends, draw(st.integers(1, 6))))
    return net, dataclasses.replace(net, current=tuple(later))


@settings(max_examples=40, deadline=None)
@given(pair=moved_contract_ends())
def test_a_contract_ending_later_never_makes_the_plan_cheaper_without_fixed_costs(pair):
    """Where partners carry no fixed cost, moving a contract's end later only delays a
    switch: the best plan over the horizon is never cheaper (with fixed costs it can be, a
    later start delaying a newcomer's fixed cost too)."""
    if pair is None:
        return
    sooner, later = pair
    first = plan(sooner, LOWEST, SETTINGS)
    second = plan(later, LOWEST, SETTINGS)
    assert first.status == second.status == "optimal"
    assert second.objective >= first.objective - 1e-3


def test_the_timeline_by_hand():
    from orchestra.score.baseline import baseline, payback

    # O runs out in March (10 a month), N (4) from April; N's onboarding 6 is paid when it
    # starts, O's contract exit 3 when it ends.
    net = hotel_desk(date(2027, 3, 31), None)
    net = dataclasses.replace(
        net, partners=tuple(dataclasses.replace(p, onboarding_cost=6 if p.partner_id == "N"
                                                else 0) for p in net.partners),
        current=(dataclasses.replace(net.current[0], exit_cost=3),))
    result = plan(net, LOWEST, SETTINGS)
    today = baseline(net, LOWEST, result)
    rows = [(p.period, p.start.isoformat(), p.recurring_cost, p.baseline_cost, p.one_off_cost)
            for p in today.periods]
    assert rows[:5] == [(1, "2027-01-01", 10, 10, 0), (2, "2027-02-01", 10, 10, 0),
                        (3, "2027-03-01", 10, 10, 0), (4, "2027-04-01", 4, 10, 9),
                        (5, "2027-05-01", 4, 10, 0)]
    # Saving 6 a month from April less the 9 once: -3 in April, +3 in May: paid back then.
    assert [p.cumulative_savings for p in today.periods[3:6]] == [-3, 3, 9]
    assert payback(today.periods).period == 5
    # Every figure adds up to the plan's: twelve months of its steady cost, its one-offs and
    # the months O runs on in N's place.
    spent = sum(p.recurring_cost + p.one_off_cost for p in today.periods)
    assert spent == pytest.approx(12 * result.total_cost + result.transition_cost
                                  + result.phasing_cost)
    assert result.transition_cost == 9 and result.phasing_cost == 3 * (10 - 4)


@pytest.mark.parametrize("change, where, says", [
    ({"current": {"contract_end": "31/03/2027"}}, "current.csv:2:contract_end",
     'contract_end got "31/03/2027"'),
    ({"policy": {"period": "fortnight"}}, "policy.csv:3:value",
     'period is "fortnight", and today\'s contracts have ends'),
    ({"policy": {"horizon_periods": 2.5}}, "policy.csv:4:value", "horizon_periods is 2.5"),
    ({"policy": {"plan_start": "soon"}}, "policy.csv:2:value", 'plan_start got "soon"'),
])
def test_calendar_cells_are_checked_where_they_stand(change, where, says):
    from conftest import tiny_tables

    from orchestra.errors import InputError
    from orchestra.io.loader import network_from_rows

    tables = tiny_tables()
    tables["current"] = [{"role_id": "R1", "partner_id": "A", "contract_end": "2027-03-31",
                          "termination_fee": 5, **change.get("current", {})}]
    policy = {"plan_start": "2027-01-01", "period": "month", "horizon_periods": 12,
              **change.get("policy", {})}
    tables["policy"] = [{"key": k, "value": v} for k, v in policy.items()]
    with pytest.raises(InputError) as caught:
        network_from_rows(tables)
    [problem] = caught.value.problems
    assert problem.where == where and says in problem.what


def test_an_excel_date_is_read_as_a_date(tmp_path):
    from conftest import tiny_tables, write_xlsx

    from orchestra.io import load_network

    tables = tiny_tables()
    tables["current"] = [{"role_id": "R1", "partner_id": "A",
                          "contract_end": date(2027, 3, 31)}]
    tables["policy"] = [{"key": "plan_start", "value": date(2027, 1, 1)},
                        {"key": "period", "value": "Month"}, {"key": "horizon_periods",
                                                             "value": 6}]
    net = load_network(write_xlsx(tmp_path / "t.xlsx", tables))
    assert net.current[0].ends == date(2027, 3, 31) and net.policy.plan_start == date(2027, 1, 1)
    assert Calendar(net.policy.plan_start, 1, 6).paid(net.current[0]) == 3


def test_an_exit_cost_over_the_horizon_is_priced_to_its_fraction():
    # Regression (found by the enumeration): R0's contract has no end, a fee of 7 and an exit
    # of 3; nobody can hold R0 (load 2 over P3's capacity of 1): the exit, 3 over 2 periods,
    # is 1.5, not rounded to 2 by a money scale fitted to the fee and exit summed.
    from conftest import network

    net = network([(f"P{i}", 0, 1) for i in range(4)], [("P3", "x", 1, 0, 1.0)],
                  [("R0", "x", 1, 1, 2, False)],
                  policy=Policy(plan_start=START, period="month", horizon_periods=2))
    net = dataclasses.replace(net, current=(Lock("R0", "P3", termination_fee=7,
                                                 exit_cost=3),))
    result = plan(net, LOWEST, SETTINGS)
    assert result.objective == pytest.approx(1.5)


def test_a_held_contract_the_greedy_start_would_drop_is_kept():
    # Regression (found by the enumeration): P2 holds R1 to the horizon's end and cannot be
    # ended early; the greedy would put P2 on R0 instead and fill both: the plan keeps P2 on
    # R1 and leaves R0 (optional, P2's capacity spent) open.
    from conftest import network

    net = network([(f"P{i}", 0, 1) for i in range(4)],
                  [("P2", "x", 1, 0, 0.5), ("P2", "y", 1, 0, 1.0), ("P3", "x", 1, 0, 0.5)],
                  [("R0", "y", 1, 1, 1, False), ("R1", "x", 1, 1, 1, False)],
                  policy=Policy(plan_start=START, period="month", horizon_periods=1))
    net = dataclasses.replace(net, current=(Lock("R1", "P2", ends=date(2027, 1, 31)),))
    result = plan(net, LOWEST, SETTINGS)
    assert result.stopped_by == "proven optimal" and pairs(result) == {("R1", "P2")}
