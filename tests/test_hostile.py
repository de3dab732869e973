"""The third adversarial pass: the newer features (bids, rules, today's network, the cluster,
explanations, frontiers, the blueprint) under hostile input. Each finding ends the documented
way: exit 2 with the problem located and nothing written, never a traceback, a hang or a
silently wrong figure."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, tiny_tables, write_xlsx

from orchestra.cli import main
from orchestra.io import load

BANK = ROOT / "inputs" / "bank.xlsx"


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def hostile_ids(tmp_path: Path, ids: list[str]) -> Path:
    """The tiny network with its partners renamed to ``ids``, each offering the call role."""
    tables = tiny_tables()
    base = tables["partners"][0]
    tables["partners"] = [dict(base, partner_id=pid, name=f"N{k}") for k, pid in enumerate(ids)]
    tables["capabilities"] = [dict(partner_id=pid, capability="call", level=3, unit_cost=2)
                              for pid in ids]
    tables["sets"], tables["relationships"] = [], []
    return write_xlsx(tmp_path / "hostile.xlsx", tables)


# --- bid files: names, special files, outputs ----------------------------------------------------

def test_bid_files_stay_in_their_folder_and_every_one_comes_back(tmp_path):
    ids = ["../../x", ".P09", "~$P10", "a/b", "y" * 300, "new"]
    source = hostile_ids(tmp_path, ids)
    out = tmp_path / "out" / "bids"
    result = run("bids", source, "-o", out, "--blank")
    assert result.exit_code == 0, result.output
    written = files(out)
    assert len(written) == len(ids) + 1  # every partner and the blank bid, no name twice
    assert not any(n.startswith((".", "~$")) or len(n) > 80 for n in written)
    assert files(tmp_path) == ["hostile.xlsx", "out"] and files(tmp_path / "out") == ["bids"]
    loaded = load(source, out)  # the round trip finds every bid it wrote (the blank one is empty)
    assert sorted(loaded.network.bidders) == sorted(ids)
    assert [str(w) for w in loaded.warnings if "empty bid" in str(w)] == [
        "new-2.xlsx: is an empty bid: left out (expected a partner row and its offers)"]


def test_a_partner_named_twice_gets_one_bid_and_case_does_not_matter(tmp_path):
    result = run("bids", BANK, "-o", tmp_path / "out", "--partner", "P09", "--partner", "p09")
    assert result.exit_code == 0, result.output
    assert files(tmp_path / "out") == ["P09.xlsx"]


def test_bids_are_never_written_inside_an_input_folder(tmp_path):
    bids = tmp_path / "bids"
    assert run("bids", BANK, "-o", bids, "--partner", "P09").exit_code == 0
    result = run("plan", BANK, "--bids", bids, "-o", bids / "out.xlsx", "--time-limit", "5")
    assert result.exit_code == 2
    assert "refusing to write inside the input folder" in result.output
    assert files(bids) == ["P09.xlsx"]


def test_a_bid_folder_with_a_device_or_a_pipe_is_refused_by_name(tmp_path):
    bids = tmp_path / "bids"
    assert run("bids", BANK, "-o", bids, "--partner", "P09").exit_code == 0
    (bids / "zero.xlsx").symlink_to("/dev/zero")
    os.mkfifo(bids / "pipe.xlsx")
    result = run("validate", BANK, "--bids", bids)
    assert result.exit_code == 2
    assert "pipe.xlsx: is not a regular file" in result.output
    assert "zero.xlsx: is not a regular file" in result.output


def test_a_bid_id_in_another_case_is_the_same_partner(tmp_path):
    import openpyxl

    bids = tmp_path / "bids"
    assert run("bids", BANK, "-o", bids, "--partner", "P09").exit_code == 0
    wb = openpyxl.load_workbook(bids / "P09.xlsx")
    wb["partner"].protection.sheet = False
    wb["partner"]["A2"] = "p09"
    for row in wb["offers"].iter_rows(min_row=2):
        if row[0].value == "P09":
            row[0].value = "p09"
    wb.save(bids / "P09.xlsx")
    before, after = load(BANK).network, load(BANK, bids).network
    assert [p.partner_id for p in after.partners] == [p.partner_id for p in before.partners]
    assert after.bidders == ("P09",)


def test_unreadable_bids_are_all_reported(tmp_path):
    bids = tmp_path / "bids"
    bids.mkdir()
    (bids / "A.xlsx").write_bytes(b"not a workbook")
    (bids / "B.xlsx").write_bytes(b"nor this")
    result = run("validate", BANK, "--bids", bids)
    assert result.exit_code == 2
    assert "A.xlsx" in result.output and "B.xlsx" in result.output


@pytest.mark.parametrize("blueprint", ["bad.txt", "missing/blueprint.html", "out.xlsx"])
def test_every_output_is_checked_before_any_is_written(tmp_path, monkeypatch, blueprint):
    monkeypatch.chdir(tmp_path)
    result = run("plan", BANK, "-o", "out.xlsx", "--blueprint", blueprint, "--time-limit", "5")
    assert result.exit_code == 2, result.output
    assert files(tmp_path) == []
