"""The memo: one record, its traffic lights recomputed from the plan's own figures, its risks
ranked, rendered alike by the terminal (--brief), the JSON, the summary sheet and the
blueprint."""

from __future__ import annotations

import json

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import ROOT

import orchestra
from orchestra.cli import main
from orchestra.domain import Capability, Network, Partner, Policy, Role, Touchpoint
from orchestra.memo import AMBER, GREEN, NONE, RED, memo
from orchestra.model import SolveSettings
from orchestra.score import score
from orchestra.score.baseline import baseline

BANK = ROOT / "inputs" / "bank.xlsx"
QUICK = SolveSettings(time_limit_s=20, workers=2)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def bank():
    network = orchestra.load_workbook(BANK)
    profile = orchestra.load_profile("balanced")
    result = orchestra.plan(network, profile, QUICK)
    scores = score(network, result)
    today = baseline(network, profile, result)
    return network, result, scores, today, memo(network, result, scores, today)


def test_each_light_follows_its_stated_rule(bank):
    network, result, scores, today, m = bank
    light = {x.label: x for x in m.lights}
    assert light["critical slots open"].status == (RED if result.critical_shortfalls else GREEN)
    judged = [o for o in scores.standards if o.met is not None]
    assert light["standards met"].value == (
        f"{sum(1 for o in judged if o.met)} of {len(judged)}")
    assert light["standards met"].status == (RED if any(not o.met for o in judged) else GREEN)
    share = scores.by_group["all"]["expected_share"]
    assert light["expected delivered"].status == (
        GREEN if share >= 0.95 else AMBER if share >= 0.85 else RED)
    used = result.total_cost / result.rules.budget
    assert light["budget"].status == (RED if used > 1 else AMBER if used >= 0.9 else GREEN)
    periods = today.payback_periods
    if today.periods:  # the bank's contract calendar: the first period the savings stay >= 0
        paid = next(p for p in today.periods if all(
            q.cumulative_savings >= 0 for q in today.periods[p.period - 1:]))
        assert periods == paid.period
        end = today.periods[paid.period].start if paid.period < len(today.periods) else None
        assert light["payback"].value.startswith("by ") and f"(period {paid.period})" in \
            light["payback"].value
        assert end is None or light["payback"].value[3:13] < end.isoformat()
        return
    assert light["payback"].value == (
        "no one-off cost" if periods == 0 else "never" if periods is None
        else f"{periods:.1f} periods")


def test_the_recommendation_and_decisions_state_the_plans_figures(bank):
    network, result, scores, today, m = bank
    first, cost, changes = m.recommendation
    assert first.startswith(f"Engage {len(result.selected)} partners: ")
    assert f"It costs {result.total_cost:,.2f}" in cost
    assert f"{result.total_cost / result.rules.budget:.0%} of the budget" in cost
    assert f"{today.changes.count} of today's contracts change" in changes
    ended = len(today.changes.ended) + len(today.changes.replaced)
    assert any(d.startswith(f"end {ended} contract(s)") for d in m.decisions) or ended == 0
    assert len(m.risks) <= 3
    assert [r.weight for r in m.risks] == sorted((r.weight for r in m.risks), reverse=True)


def test_an_open_critical_slot_is_the_first_risk_and_a_decision():
    # Two critical roles, one partner with room for one: the other stays open.
    network = Network(
        partners=(Partner("A", "Alpha", "supplier", 1.0),),
        capabilities=(Capability("A", "x", 3, 5.0),),
        touchpoints=(Touchpoint("T1", "Desk", "utilization", "front", moment_of_truth=True),),
        roles=(Role("R1", "Desk one", "T1", "x", 2, 1, 1.0, True),
               Role("R2", "Desk two", "T1", "x", 2, 1, 1.0, True)),
        policy=Policy(budget=100.0))
    profile = orchestra.load_profile("balanced")
    result = orchestra.plan(network, profile, QUICK)
    m = memo(network, result, score(network, result), None)
    assert {x.label: x.status for x in m.lights}["critical slots open"] == RED
    assert {x.label: x.status for x in m.lights}["payback"] == NONE
    assert m.risks[0].kind == "open slot" and "stays open" in m.risks[0].text
    assert any(d.startswith("accept 1 critical slot(s) open") for d in m.decisions)
    assert m.recommendation[-1] == "No today's network was given: every contract is new."


def test_brief_prints_the_memo_alone_and_the_json_carries_it(tmp_path):
    brief = run("plan", BANK, "--brief", "--time-limit", "20")
    assert brief.exit_code == 0, brief.output
    lines = brief.stdout.splitlines()
    assert lines[0].startswith("Engage ") and "the plan in detail" not in brief.stdout
    assert any(line.startswith("[ok] critical slots open") for line in lines)
    full = run("plan", BANK, "--time-limit", "20")
    assert full.stdout.startswith(lines[0]) and "the plan in detail" in full.stdout
    data = json.loads(run("plan", BANK, "--json", "--time-limit", "20").stdout)
    assert data["memo"]["recommendation"][0] == lines[0]
    assert {x["label"] for x in data["memo"]["lights"]} == {
        "critical slots open", "standards met", "expected delivered", "budget", "payback"}
    assert "currency" in data and "period" in data


def test_money_says_its_currency_on_every_sheet_and_the_blueprint(tmp_path):
    source = tmp_path / "bank.xlsx"
    wb = openpyxl.load_workbook(BANK)
    wb["policy"].append(["currency", "EUR"])  # the bank states its period (month) already
    wb.save(source)
    out, page = tmp_path / "report.xlsx", tmp_path / "bp.html"
    result = run("plan", source, "-o", out, "--blueprint", page, "--time-limit", "20")
    assert result.exit_code == 0, result.output
    assert "(EUR per month)" in result.stdout
    book = openpyxl.load_workbook(out)
    money = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
             if "#,##0.00" in c.number_format]
    assert money and all('"EUR"' in c.number_format for c in money)
    assert "total cost" in page.read_text(encoding="utf-8")
    assert "EUR per month" in page.read_text(encoding="utf-8")
    summary = [c.value for row in book["summary"].iter_rows() for c in row if c.value]
    assert "EUR per month" in summary
