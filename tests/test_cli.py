"""The command line: exit codes, exact messages, JSON keys, help on every command."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner
from conftest import ROOT, tiny_tables, write_xlsx

from orchestra.cli import main

BANK = str(ROOT / "inputs" / "bank.xlsx")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_every_command_has_help():
    for name, command in main.commands.items():
        assert command.help, f"{name} has no help text"
        assert run(name, "--help").exit_code == 0


def test_version():
    result = run("--version")
    assert result.exit_code == 0 and result.output.startswith("orchestra, version ")


def test_validate_clean_example():
    result = run("validate", BANK)
    assert result.exit_code == 0
    assert "read: 25 partners, 45 capabilities, 12 touchpoints, 30 roles" in result.output
    assert "only P06 qualifies for critical role R05 (kyc_check at level 4+)" in result.output


def test_validate_bad_input_exits_2_with_every_problem(tmp_path):
    tables = tiny_tables()
    tables["roles"][0]["min_level"] = "high"
    tables["partners"][0]["reliability"] = 2
    path = write_xlsx(tmp_path / "bad.xlsx", tables)
    result = run("validate", str(path))
    assert result.exit_code == 2
    assert 'roles!E2: min_level got "high" (expected a whole number from 1 to 5)' in result.output
    assert "partners!G2: reliability got 2 (expected a number from 0 to 1)" in result.output
    assert "2 problems in the input" in result.output


def test_plan_json_on_the_bank_example():
    result = run("plan", BANK, "--json", "--time-limit", "20", "--workers", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("status", "objective", "bound", "gap", "total_cost", "selected", "assignments",
                "shortfalls", "profile"):
        assert key in data
    assert data["status"] == "optimal" and data["profile"] == "balanced"
    assert {"role_id": "R05", "slot": 1, "partner_id": "P06"}.items() <= next(
        a for a in data["assignments"] if a["role_id"] == "R05").items()
    # The lock of the bank example holds: P24 (own branches) on R03.
    assert any(a["role_id"] == "R03" and a["partner_id"] == "P24" and a["locked"]
               for a in data["assignments"])
    # The friction pair CoreSys (P13) and PayFast (P14) is never selected together.
    assert not {"P13", "P14"} <= set(data["selected"])


def test_plan_with_a_critical_shortfall_exits_1(tmp_path):
    tables = tiny_tables()
    tables["roles"][0]["min_level"] = 5  # nobody has call at level 5
    path = write_xlsx(tmp_path / "short.xlsx", tables)
    result = run("plan", str(path), "--json", "--time-limit", "5")
    assert result.exit_code == 1
    [short] = json.loads(result.stdout)["shortfalls"]
    assert short["role_id"] == "R1" and short["slot"] == 1
    assert short["reason"] == "no partner has call at level 5 or above (best offered: level 3)"


def test_plan_unknown_profile_exits_2():
    result = run("plan", BANK, "--profile", "nope")
    assert result.exit_code == 2 and 'profile "nope" not found' in result.output


def test_plan_writes_assignments_and_refuses_to_overwrite(tmp_path):
    out = tmp_path / "plan.xlsx"
    assert run("plan", BANK, "-o", str(out), "--time-limit", "10").exit_code == 0
    assert out.exists()
    again = run("plan", BANK, "-o", str(out), "--time-limit", "10")
    assert again.exit_code == 2 and "already exists; pass --force" in again.output
    refuse = run("plan", BANK, "-o", BANK, "--force", "--time-limit", "10")
    assert refuse.exit_code == 2 and "refusing to overwrite the input" in refuse.output


def test_template_and_example_commands(tmp_path):
    out = tmp_path / "t.xlsx"
    assert run("template", str(out)).exit_code == 0
    assert run("validate", str(out)).exit_code == 0
    ex = tmp_path / "it.xlsx"
    assert run("example", str(ex), "--name", "it-network").exit_code == 0
    assert "read: 40 partners" in run("validate", str(ex)).output


def test_generate_is_seeded(tmp_path):
    from orchestra.io import load_network

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    for out in (a, b):
        args = ("--partners", "30", "--roles", "10", "--seed", "4")
        assert run("generate", str(out), *args).exit_code == 0
    assert load_network(a).capabilities == load_network(b).capabilities


def test_plan_json_has_scores_showing_the_bank_weak_spots():
    result = run("plan", BANK, "--json", "--time-limit", "20", "--workers", "2")
    scores = json.loads(result.stdout)["scores"]
    assert {"cohesion", "coverage", "gaps"} <= scores.keys()
    coverage = {row["touchpoint_id"]: row for row in scores["coverage"]}
    for row in coverage.values():
        assert {"touchpoint_id", "filled_share", "expected_share", "partners",
                "single_points_of_failure"} <= row.keys()
    # Only IdentiCheck (P06) has KYC at level 4: it is a single point of failure of T03.
    assert "P06" in coverage["T03"]["single_points_of_failure"]
    # Phone banking promises a 0.02 h response; the phone agents answer in hours.
    [comm] = [g for g in scores["gaps"] if g["touchpoint_id"] == "T10"
              and g["gap"] == "communication" and g["subject"] == "response_hours"]
    assert comm["value"] > 1 and comm["severity"] == "major"
    assert 0 <= scores["cohesion"]["index"] <= 1


def test_score_a_plan_made_by_hand(tmp_path):
    out = tmp_path / "plan.xlsx"
    planned = run("plan", BANK, "-o", str(out), "--json", "--time-limit", "20")
    # -o and --json together: the JSON is the whole output.
    cost = json.loads(planned.stdout)["total_cost"]
    result = run("score", BANK, "--locks", str(out), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "given" and data["total_cost"] == cost
    assert data["rules_broken"] == [] and "scores" in data


def test_score_names_the_cell_of_a_bad_row_in_the_plan_file(tmp_path):
    import openpyxl

    out = tmp_path / "plan.xlsx"
    run("plan", BANK, "-o", str(out), "--time-limit", "20")
    wb = openpyxl.load_workbook(out)
    assert wb["assignments"]["F1"].value == "partner_id"
    wb["assignments"]["F2"] = "P99"
    wb.save(tmp_path / "bad.xlsx")
    result = run("score", BANK, "--locks", str(tmp_path / "bad.xlsx"))
    assert result.exit_code == 2
    assert '[bad.xlsx]assignments!F2: unknown partner_id "P99"' in result.output


def test_plan_with_locks_from_an_edited_workbook(tmp_path):
    import openpyxl

    locks = tmp_path / "locks.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "locks"
    wb.active.append(["role_id", "partner_id", "locked"])
    wb.active.append(["R21", "P17", "yes"])  # CareLine on phone agents
    wb.active.append(["R18", "P16", "no"])  # kept, but not a lock
    wb.save(locks)
    result = run("plan", BANK, "--locks", str(locks), "--json", "--time-limit", "20")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    locked = [(a["role_id"], a["partner_id"]) for a in data["assignments"] if a["locked"]]
    assert locked == [("R21", "P17")]  # the input's own lock (R03) is replaced
    # The report says where the locks came from, and lists that file with its hash.
    out = tmp_path / "report.xlsx"
    assert run("plan", BANK, "--locks", str(locks), "-o", str(out), "--time-limit", "20"
               ).exit_code == 0
    report = openpyxl.load_workbook(out, read_only=True)
    appendix = {r[0]: r[1] for r in report["appendix"].iter_rows(values_only=True)
                if r and r[0]}
    assert appendix["locks"] == "1 slot(s) held as locked, taken from locks.xlsx"
    inputs = {r[0]: r[1] for r in report["inputs"].iter_rows(values_only=True)}
    assert inputs["locks file"] == "locks.xlsx"
    assert inputs["locks SHA-256"] == hashlib.sha256(locks.read_bytes()).hexdigest()


def test_plan_json_sets_the_plan_against_todays_network():
    from orchestra.io import load_network

    network = load_network(BANK)
    result = run("plan", BANK, "--json", "--time-limit", "10")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    base = data["baseline"]
    assert set(base) == {"total_cost", "filled_share", "expected_share", "cohesion_index",
                         "critical_shortfalls"}
    # Today's cost by hand: fixed costs of today's partners plus load x unit cost of each pair.
    today_cost = sum(network.partner[p].fixed_cost for p in network.incumbents) + sum(
        network.role[c.role_id].load
        * network.offer(c.partner_id, c.role_id).unit_cost
        for c in network.current)
    assert base["total_cost"] == today_cost
    assert data["savings"] == today_cost - data["total_cost"]
    changes = data["changes"]
    selected = set(data["selected"])
    assert changes["new_partners"] == sorted(selected - network.incumbents)
    assert changes["dropped_partners"] == sorted(network.incumbents - selected)
    # With today's contract ends: each ended contract's termination fee (when ended early)
    # and exit cost, as its change says.
    ending = changes["replaced"] + changes["ended"]
    one_off = (sum(network.partner[p].onboarding_cost for p in changes["new_partners"])
               + sum(network.partner[p].exit_cost for p in changes["dropped_partners"])
               + sum(c["termination_fee"] + c["exit_cost"] for c in ending))
    assert data["transition_cost"] == pytest.approx(one_off)
    assert {c["ended_early"] for c in ending} == {True, False}  # the bank's calendar at work
    timeline = data["timeline"]
    assert len(timeline) == 12 and timeline[0]["start"] == "2027-01-01"
    assert sum(t["one_off_cost"] for t in timeline) + data["one_off_after_horizon"] == \
        pytest.approx(data["transition_cost"])
    planned = {(a["role_id"], a["partner_id"]) for a in data["assignments"]}
    assert {(k["role_id"], k["partner_id"]) for k in changes["kept"]} == planned & {
        (c.role_id, c.partner_id) for c in network.current}
    assert all((r["role_id"], r["to_partner_id"]) in planned for r in changes["replaced"])


def test_plan_without_todays_network_has_no_baseline_keys(tmp_path):
    tables = tiny_tables()
    result = run("plan", str(write_xlsx(tmp_path / "t.xlsx", tables)), "--json")
    data = json.loads(result.stdout)
    assert not {"baseline", "transition_cost", "savings", "changes"} & data.keys()


def test_max_changes_zero_plans_todays_network(tmp_path):
    from orchestra.examples import bank

    tables = bank()
    tables["policy"].append({"key": "max_changes", "value": 0})
    result = run("plan", str(write_xlsx(tmp_path / "b.xlsx", tables)), "--json",
                 "--time-limit", "10")
    data = json.loads(result.stdout)
    assert data["changes"]["replaced"] == [] and data["changes"]["ended"] == []
    assert {(a["role_id"], a["partner_id"]) for a in data["assignments"]} >= {
        (row["role_id"], row["partner_id"]) for row in tables["current"]}


def test_meet_standards_false_gives_the_plan_made_without_standards(tmp_path):
    """Regression: with meet_standards = no, the standards are scored only and the plan is the
    one planned with no standards sheet at all (same search: --deterministic, one seed)."""
    from orchestra.examples import EXAMPLES

    for name, build in EXAMPLES.items():
        off, none = build(), build()
        off["policy"].append({"key": "meet_standards", "value": "no"})
        none["standards"] = []
        plans = []
        for label, tables in (("off", off), ("none", none)):
            path = write_xlsx(tmp_path / f"{name}-{label}.xlsx", tables)
            result = run("plan", str(path), "--json", "--deterministic", "--time-limit", "5",
                         "--seed", "3")
            plans.append(json.loads(result.stdout))
        assert plans[0]["assignments"] == plans[1]["assignments"], name
        assert plans[0]["objective"] == plans[1]["objective"], name
        assert all(o["enforced"] is False for o in plans[0]["scores"]["standards"])


def test_standards_in_the_json_say_met_missed_and_why():
    data = json.loads(run("plan", BANK, "--json", "--time-limit", "20").stdout)
    by = {(o["touchpoint_id"], o["metric"]): o for o in data["scores"]["standards"]}
    # T10 promises 0.05 h; the fastest phone-agent partner answers in 0.5 h (CareLine).
    t10 = by[("T10", "response_hours")]
    assert t10["met"] is False and t10["enforced"] is True
    assert t10["unmeetable"] == "the fastest qualified partner for R21 answers in 0.5 h"
    # T11 allows 48 h: met, and the plan's slowest complaint partner is within it.
    t11 = by[("T11", "response_hours")]
    assert t11["met"] is True and t11["achieved"] <= 48
