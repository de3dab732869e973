"""The library as a notebook uses it: networks from DataFrames, the report's tables as
DataFrames (the same the workbook holds), the public names."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT, tiny_tables, write_xlsx

import orchestra
from orchestra.errors import InputError
from orchestra.io import load_network, network_from_frames
from orchestra.io.reader import read_tables
from orchestra.model import SolveSettings
from orchestra.report.workbook import write_report
from orchestra.score import score

BANK = ROOT / "inputs" / "bank.xlsx"


def _frames_of(path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook as a DataFrame, read with pandas."""
    sheets = pd.read_excel(path, sheet_name=None, engine="openpyxl")
    return {name: frame for name, frame in sheets.items() if name != "README"}


def test_frames_give_the_same_network_as_the_workbook():
    from_workbook = load_network(BANK)
    from_frames = network_from_frames(**_frames_of(BANK))
    for part in ("partners", "capabilities", "touchpoints", "roles", "relationships",
                 "standards", "expectations", "rules", "locks", "current", "sets"):
        assert getattr(from_frames, part) == getattr(from_workbook, part), part
    assert from_frames.policy == from_workbook.policy


def test_frame_problems_are_located_by_row_and_column(tmp_path):
    frames = _frames_of(write_xlsx(tmp_path / "in.xlsx", tiny_tables()))
    frames["partners"].loc[1, "capacity"] = -3
    frames["roles"] = frames["roles"].drop(columns=["capability"])
    with pytest.raises(InputError) as info:
        network_from_frames(**frames)
    messages = [str(p) for p in info.value.problems]
    assert "partners[row 1].capacity: capacity got -3 (expected a number from 0 to " \
           "1,000,000,000)" in messages
    assert any(m.startswith('roles columns: missing column "capability"') for m in messages)
    with pytest.raises(InputError, match="partner: not a sheet of the contract"):
        network_from_frames(partner=frames["partners"])


def test_the_reports_tables_are_the_workbooks(tmp_path):
    network = load_network(BANK)
    result = orchestra.plan(network, orchestra.load_profile("balanced"),
                            SolveSettings(time_limit_s=10))
    scores = score(network, result)
    frames = orchestra.tables(network, result, scores)
    out = write_report(network, result, scores, tmp_path / "report.xlsx")
    book = read_tables(out, ("team", "assignments", "coverage", "gaps", "shortfalls"))
    for name in ("team", "assignments", "coverage", "gaps", "shortfalls"):
        frame, sheet = frames[name], book[name]
        assert list(frame.columns) == list(sheet.header), name
        # An empty table says "none" under its header, where the frame has no row.
        rows = [r for r in sheet.rows if r[1][0] != "none"] if frame.empty else sheet.rows
        assert len(frame) == len(rows), name
        for (_, cells), (_, row) in zip(rows, frame.iterrows(), strict=True):
            for cell, value in zip(cells, row, strict=True):
                if isinstance(value, float) and value == value:
                    assert cell == pytest.approx(value), name
                elif value is not None and value == value:
                    assert cell == value, (name, cell, value)
    team = frames["team"]
    assert list(team["partner"]) == [network.partner[p].name for p in result.selected]
    total = next(c for c in team.columns if c.startswith("total_cost"))  # "(per month)"
    assert team[total].sum() == pytest.approx(result.total_cost)
    cost = frames["cost_by_touchpoint"]
    assert cost.iloc[-1][total] == pytest.approx(result.total_cost)


def test_money_headers_carry_the_currency_and_period(tmp_path):
    tables = tiny_tables()
    tables["policy"] += [{"key": "currency", "value": "EUR"}, {"key": "period", "value": "month"}]
    network = load_network(write_xlsx(tmp_path / "in.xlsx", tables))
    result = orchestra.plan(network, orchestra.load_profile("balanced"),
                            SolveSettings(time_limit_s=5))
    frames = orchestra.tables(network, result, score(network, result))
    assert "total_cost (EUR per month)" in frames["team"].columns
    assert "cost (EUR per month)" in frames["assignments"].columns


def test_the_public_names_are_listed_and_documented():
    names = [n for n in orchestra.__all__ if not n.startswith("_")]
    assert set(names) <= set(dir(orchestra))
    for name in names:
        value = getattr(orchestra, name)
        assert (value.__doc__ or "").strip(), f"orchestra.{name} has no docstring"
        if callable(value) and not isinstance(value, type):
            # every function's docstring shows it at work (run by --doctest-modules)
            assert ">>>" in value.__doc__, f"orchestra.{name} has no doctest"


def test_the_walkthrough_runs_as_it_stands(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, str(ROOT / "docs" / "walkthrough.py"), str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "plan: optimal" in done.stdout
    assert (tmp_path / "report.xlsx").exists() and (tmp_path / "blueprint.html").exists()


def test_every_public_function_is_the_function_not_a_module():
    import inspect

    import orchestra.explanations  # noqa: F401 (a submodule imported must not shadow a name)
    import orchestra.tradeoffs  # noqa: F401

    for name in orchestra.__all__:
        assert not inspect.ismodule(getattr(orchestra, name)), name


def test_results_as_frames_match_their_workbooks(tmp_path):
    import openpyxl

    from orchestra.procurement import stress
    from orchestra.report.comparison import write_frontier, write_stress
    from orchestra.report.explain import write_explanation
    from orchestra.report.tables import (
        comparison_frame,
        explanation_frames,
        frontier_frame,
        stress_frame,
    )

    network = load_network(BANK)
    profile = orchestra.load_profile("lowest_cost")
    quick = SolveSettings(time_limit_s=10)
    base = orchestra.plan(network, profile, quick)

    def header(path, sheet):
        return [c.value for c in openpyxl.load_workbook(path)[sheet][1]]

    side = orchestra.compare_profiles(network, [profile, orchestra.load_profile("balanced")],
                                      quick)
    frame = comparison_frame(side)
    assert list(frame.columns) == ["lowest_cost", "balanced"]
    assert frame.loc["total cost", "lowest_cost"] == pytest.approx(base.total_cost)
    impacts = stress(network, profile, base, score(network, base), top=2, settings=quick)
    out = write_stress(network, impacts, tmp_path / "s.xlsx")
    assert list(stress_frame(network, impacts).columns) == header(out, "stress")
    points = orchestra.frontier(network, profile, [400_000, 500_000], settings=quick)
    out = write_frontier(network, "budget", points, tmp_path / "f.xlsx")
    assert list(frontier_frame(network, "budget", points).columns) == header(out, "frontier")
    why = orchestra.explain(network, profile, base, roles=["R07"], settings=quick)
    out = write_explanation(network, why, tmp_path / "e.xlsx")
    for name, frame in explanation_frames(network, why).items():
        assert list(frame.columns) == header(out, name), name
