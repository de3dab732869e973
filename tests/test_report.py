"""The report workbook: every sheet, figures equal to the Plan and Scores (read back with a
second, independent reader), text that stays text, the locks round trip, atomic writes."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, tiny_tables, write_xlsx
from python_calamine import CalamineWorkbook

from orchestra.io import load_network
from orchestra.io.loader import load_with_locks
from orchestra.io.profiles import load_profile
from orchestra.model import SolveSettings, plan
from orchestra.report.workbook import write_report
from orchestra.score import score
from orchestra.score.baseline import baseline

# changes: both examples have today's network
SHEETS = ["summary", "team", "assignments", "cost", "cost_by_partner", "blueprint", "coverage",
          "coverage_matrix", "cohesion", "ties", "gaps", "shortfalls", "changes", "inputs",
          "appendix"]
FAST = SolveSettings(time_limit_s=20, workers=2)
BALANCED = load_profile("balanced")


def read_back(path: Path) -> dict[str, list[list[object]]]:
    """Every sheet as rows, through python-calamine (not the library that wrote it)."""
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


def records(rows: list[list[object]]) -> list[dict[str, object]]:
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


def planned(path: Path):
    network = load_network(path)
    result = plan(network, BALANCED, FAST)
    return network, result, score(network, result)


@pytest.fixture(scope="module", params=["bank", "it-network", "hotels"])
def example_report(request, tmp_path_factory):
    source = ROOT / "inputs" / f"{request.param}.xlsx"
    network, result, scores = planned(source)
    out = tmp_path_factory.mktemp("report") / "report.xlsx"
    write_report(network, result, scores, out)
    return source, network, result, scores, out


def test_report_has_every_sheet_with_the_plans_figures(example_report):
    source, network, result, scores, out = example_report
    sheets = read_back(out)
    expected = list(SHEETS)
    if network.sites:
        expected.insert(expected.index("coverage") + 1, "sites")
    if "changes" in expected and baseline(network, BALANCED, result).periods:
        expected.insert(expected.index("changes") + 1, "timeline")  # a contract calendar
    assert list(sheets) == expected
    summary = {row[0]: row[1] for row in sheets["summary"] if row and row[0]}
    assert summary["total cost"] == pytest.approx(result.total_cost)
    assert summary["partners selected"] == len(result.selected)
    assert summary["slots filled"] == f"{len(result.assignments)} of {network.slot_count}"
    assert summary["cohesion index"] == pytest.approx(scores.cohesion.index, abs=1e-4)
    team = records(sheets["team"])
    assert [r["partner_id"] for r in team] == list(result.selected)
    total = next(k for k in team[0] if str(k).startswith("total_cost"))  # with its currency
    assert sum(r[total] for r in team) == pytest.approx(result.total_cost)
    rows = records(sheets["assignments"])
    assert len(rows) == network.slot_count  # one row per slot, open ones too
    filled = {(r["role_id"], r.get("site_id") or None, r["partner_id"]) for r in rows
              if r["partner_id"]}
    assert filled == {(*network.ref(a.role_id).values(), a.partner_id)
                      for a in result.assignments}
    if network.sites:  # per site: the slots filled there, recounted from the plan
        at_site = Counter(network.role[a.role_id].site_id for a in result.assignments)
        assert {r["site_id"]: r["filled"] for r in records(sheets["sites"])} == {
            s.site_id: at_site[s.site_id] for s in network.sites}
    coverage = {r["touchpoint_id"]: r for r in records(sheets["coverage"])}
    for row in scores.coverage:
        assert coverage[row.touchpoint_id]["filled_share"] == pytest.approx(row.filled_share)
        assert coverage[row.touchpoint_id]["expected_share"] == pytest.approx(row.expected_share)
    gaps = records(sheets["gaps"])
    assert [(g["touchpoint_id"], g["gap"], g["severity"]) for g in gaps] == [
        (g.touchpoint_id, g.gap, g.severity) for g in scores.gaps]
    inputs = {r["item"]: r["value"] for r in records(sheets["inputs"])}
    assert inputs["input SHA-256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    matrix = records(sheets["coverage_matrix"])
    assert sum(v or 0 for r in matrix for k, v in r.items()
               if k not in ("touchpoint_id", "touchpoint")) == len(result.assignments)
    # Partners by name with the id beside it; a partner without a slot there left blank.
    assert [k for k in matrix[0] if k not in ("touchpoint_id", "touchpoint")] == [
        f"{network.partner[p].name} ({p})" for p in result.selected]
    assert 0 not in {v for r in matrix for v in r.values()}


def test_report_tables_are_excel_tables_with_frozen_headers(example_report):
    *_, out = example_report
    wb = openpyxl.load_workbook(out)
    for name in SHEETS[1:]:
        if name == "blueprint":  # a picture in cells, not a table
            continue
        ws = wb[name]
        assert ws.tables, f"{name} has no Excel table"
        assert ws.freeze_panes in ("A2", "C2"), name
    assert len(wb["summary"]._charts) == 2
    assert wb["gaps"].conditional_formatting and wb["coverage_matrix"].conditional_formatting


INJECTIONS = ['=HYPERLINK("http://evil.example","click")', "+1", "-2", "@x", "=1+1"]


def test_text_from_the_input_stays_text_in_every_sheet(tmp_path):
    tables = tiny_tables()
    tables["partners"][0]["name"] = INJECTIONS[0]
    tables["partners"][1]["name"] = INJECTIONS[1]
    tables["roles"][0]["name"] = INJECTIONS[2]
    tables["roles"][1]["name"] = INJECTIONS[3]
    tables["touchpoints"][0]["name"] = INJECTIONS[4]
    tables["locks"] = [{"role_id": "R1", "partner_id": "A"}]  # both partners in the plan
    network, result, scores = planned(write_xlsx(tmp_path / "in.xlsx", tables))
    out = write_report(network, result, scores, tmp_path / "report.xlsx")
    seen = set()
    for ws in openpyxl.load_workbook(out).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in INJECTIONS:
                    assert cell.data_type == "s", f"{ws.title}!{cell.coordinate} is a formula"
                    seen.add(cell.value)
                elif isinstance(cell.value, str) and cell.value.startswith("="):
                    # An input text inside a longer one (a header "name (id)"): still text.
                    assert cell.data_type == "s", f"{ws.title}!{cell.coordinate}"
    assert seen == set(INJECTIONS)


BANK = ROOT / "inputs" / "bank.xlsx"


@pytest.fixture(scope="module")
def bank_plan():
    return planned(BANK)


def report_assignments(bank_plan, folder: Path):
    """The bank report written to ``folder``, opened for editing: (workbook, assignments sheet,
    column number by header)."""
    network, result, scores = bank_plan
    wb = openpyxl.load_workbook(write_report(network, result, scores, folder / "report.xlsx"))
    ws = wb["assignments"]
    return wb, ws, {cell.value: cell.column for cell in ws[1]}


def test_locking_rows_in_the_report_holds_them_in_the_next_plan(tmp_path, bank_plan):
    network = bank_plan[0]
    wb, ws, col = report_assignments(bank_plan, tmp_path)
    chosen = set()
    swapped = False
    for row in range(2, ws.max_row + 1):
        role = network.role[ws.cell(row, col["role_id"]).value]
        current = ws.cell(row, col["partner_id"]).value
        others = [o.partner_id for o in network.qualified(role) if o.partner_id != current]
        if not swapped and role.slots == 1 and others:
            # Impose another qualified partner on the first single-slot role that has one.
            ws.cell(row, col["partner_id"]).value = others[0]
            swapped = True
        elif role.role_id not in ("R03", "R05", "R09"):
            continue
        ws.cell(row, col["locked"]).value = "yes"
        chosen.add((role.role_id, ws.cell(row, col["partner_id"]).value))
    assert swapped and len(chosen) >= 4
    wb.save(tmp_path / "edited.xlsx")
    relocked = load_with_locks(BANK, tmp_path / "edited.xlsx").network
    assert {(lk.role_id, lk.partner_id) for lk in relocked.locks} == chosen
    again = plan(relocked, BALANCED, FAST)
    held = {(a.role_id, a.partner_id) for a in again.assignments if a.locked}
    assert held == chosen


def test_replanning_with_every_assignment_locked_reproduces_the_plan(tmp_path, bank_plan):
    result = bank_plan[1]
    wb, ws, col = report_assignments(bank_plan, tmp_path)
    for row in range(2, ws.max_row + 1):
        ws.cell(row, col["locked"]).value = "yes"
    wb.save(tmp_path / "all.xlsx")
    again = plan(load_with_locks(BANK, tmp_path / "all.xlsx").network, BALANCED, FAST)
    assert {(a.role_id, a.partner_id) for a in again.assignments} == {
        (a.role_id, a.partner_id) for a in result.assignments}
    assert again.total_cost == pytest.approx(result.total_cost)
    assert again.selected == result.selected


def test_an_interrupted_write_keeps_the_old_report_and_leaves_no_half_file(tmp_path, bank_plan,
                                                                              monkeypatch):
    network, result, scores = bank_plan
    out = write_report(network, result, scores, tmp_path / "report.xlsx")
    before = out.read_bytes()

    def crash(self, filename):
        Path(filename).write_bytes(b"PK half a zip")
        raise KeyboardInterrupt

    monkeypatch.setattr(openpyxl.Workbook, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        write_report(network, result, scores, out, force=True)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["report.xlsx"]


def test_report_refuses_the_input_and_existing_files(tmp_path):
    from orchestra.errors import OutputError

    source = write_xlsx(tmp_path / "in.xlsx", tiny_tables())
    network, result, scores = planned(source)
    with pytest.raises(OutputError, match="refusing to overwrite the input"):
        write_report(network, result, scores, source, force=True)
    write_report(network, result, scores, tmp_path / "r.xlsx")
    with pytest.raises(OutputError, match="already exists; pass --force"):
        write_report(network, result, scores, tmp_path / "r.xlsx")


SOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="libreoffice is not installed: the PDF conversion "
                                            "check needs it (apt install libreoffice-calc)")
def test_libreoffice_converts_the_report_to_pdf(example_report, tmp_path):
    *_, out = example_report
    done = subprocess.run([SOFFICE, "--headless", "--convert-to", "pdf", "--outdir",
                           str(tmp_path), str(out)], capture_output=True, timeout=180,
                          check=False)
    pdf = tmp_path / "report.pdf"
    assert done.returncode == 0 and pdf.exists(), done.stderr.decode(errors="replace")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5000


def test_the_library_calls_the_readme_shows(tmp_path):
    import orchestra
    from orchestra.score import score

    network = orchestra.load_workbook(write_xlsx(tmp_path / "in.xlsx", tiny_tables()))
    result = orchestra.plan(network, orchestra.load_profile("balanced"),
                            orchestra.SolveSettings(time_limit_s=5))
    scores = score(network, result)
    out = orchestra.write_report(network, result, scores, tmp_path / "report.xlsx")
    assert list(read_back(out)) == [s for s in SHEETS if s != "changes"]  # no today's network
    with pytest.raises(AttributeError):
        orchestra.no_such_thing  # noqa: B018


def test_changes_sheet_sets_every_slot_of_today_against_the_plan(example_report):
    source, network, result, scores, out = example_report
    rows = read_back(out)["changes"]
    table = records(rows[:next(k for k, row in enumerate(rows) if not any(row))])
    def slot(role_id: str) -> tuple:  # a role as the sheet writes it: with its site
        return tuple(network.ref(role_id).values())

    planned_pairs = {(*slot(a.role_id), a.partner_id) for a in result.assignments}
    today_pairs = {(*slot(c.role_id), c.partner_id) for c in network.current}
    # Every pair of today and of the plan appears once, with the right change.
    seen_today = {(r["role_id"], r.get("site_id") or None, r["today_partner_id"])
                  for r in table if r["today_partner_id"]}
    seen_plan = {(r["role_id"], r.get("site_id") or None, r["planned_partner_id"])
                 for r in table if r["planned_partner_id"]}
    assert seen_today == today_pairs and seen_plan == planned_pairs
    for r in table:
        kept = (r["role_id"], r.get("site_id") or None, r["today_partner_id"]) in planned_pairs
        assert (r["change"] == "kept") == kept
    moves = records(rows[next(k for k, row in enumerate(rows) if row and row[0] == "partner_id"):])
    leaving = {m["partner_id"] for m in moves if m["move"] == "leaves"}
    assert leaving == network.incumbents - set(result.selected)
    for m in moves:
        assert m["in_house"] == ("yes" if network.partner[m["partner_id"]].kind == "internal"
                                 else "no")
    summary = {row[0]: row[1] for row in read_back(out)["summary"] if row and row[0]}
    changed = sum(1 for r in table if r["change"] != "kept")
    assert summary["contracts changing"].startswith(f"{changed} (")


PDFTOTEXT = shutil.which("pdftotext")


def _pdf_pages(workbook: Path, folder: Path) -> list[str]:
    done = subprocess.run([SOFFICE, "--headless", "--convert-to", "pdf", "--outdir",
                           str(folder), str(workbook)], capture_output=True, timeout=180,
                          check=False)
    pdf = folder / (workbook.stem + ".pdf")
    assert done.returncode == 0 and pdf.exists(), done.stderr.decode(errors="replace")
    text = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [page for page in text.split("\f") if page.strip()]


@pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None,
                    reason="libreoffice and pdftotext are needed to print the workbooks "
                           "(apt install libreoffice-calc poppler-utils)")
def test_every_printed_page_names_its_report_sheet_and_input_and_is_numbered(tmp_path):
    """The plan report, the comparison, the stress and the explanations workbooks, printed by
    LibreOffice: each page has the page header (report, sheet, input) and "page N of M"."""
    from orchestra.explanations import explain
    from orchestra.procurement import compare, stress
    from orchestra.report.comparison import write_comparison, write_stress
    from orchestra.report.explain import write_explanation

    network, result, scores = planned(BANK)
    quick = SolveSettings(time_limit_s=3, workers=2)
    books = {
        "orchestra plan report": write_report(network, result, scores, tmp_path / "plan.xlsx"),
        "orchestra comparison": write_comparison(
            network, compare(network, network.sets[:2], BALANCED, quick), tmp_path / "c.xlsx"),
        "orchestra stress": write_stress(
            network, stress(network, BALANCED, result, scores, top=2, settings=quick),
            tmp_path / "s.xlsx"),
        "orchestra explain": write_explanation(
            network, explain(network, BALANCED, result, roles=("R07",), settings=quick),
            tmp_path / "e.xlsx"),
    }
    for title, book in books.items():
        pages = _pdf_pages(book, tmp_path)
        sheets = openpyxl.load_workbook(book, read_only=True).sheetnames
        for number, page in enumerate(pages, start=1):
            lines = [line.strip() for line in page.strip().splitlines() if line.strip()]
            head, foot = lines[0], lines[-1]
            assert head.startswith(title) and head.endswith("bank.xlsx"), (book.name, head)
            assert any(f": {sheet}" in head for sheet in sheets), (book.name, head)
            # The footer; a chart's labels may be read after it.
            assert any(line.endswith(f"page {number} of {len(pages)}") for line in lines), (
                book.name, foot)
