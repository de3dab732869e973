"""Property: the bundled workbooks, mutated at the XML level the way real files go wrong (a cell
of another type, an Excel error value, control characters, a shared-string index that points
nowhere, a value far outside the table), never make orchestra fail with an internal error:
``validate`` and ``plan -o`` end with 0, 1 or 2, within a time bound, and a report is either
written whole or not at all."""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestra.cli import main

EXAMPLES = [ROOT / "inputs" / "bank.xlsx", ROOT / "inputs" / "it-network.xlsx",
            ROOT / "inputs" / "hotels.xlsx"]
CELL = re.compile(r'<c r="([A-Z]+[0-9]+)"[^>]*?(?:/>|>.*?</c>)', re.S)
# A mutated example validates and plans in a second or two: this only catches a hang, with room
# for a machine busy with other work.
SECONDS_PER_RUN = 180

TEXT = st.one_of(
    st.sampled_from(["", " ", "P01", "T01", "R01", "yes", "no", "front", "0,5", "1,500", "50%",
                     "1e19", "-1", "nan", "inf", "=1+1", "_x000B_", "a_x0001_b", "Min-Level"]),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
            max_size=20),
)
NUMBER = st.one_of(st.integers(-10**20, 10**20),
                   st.floats(allow_nan=False, allow_infinity=False), st.sampled_from([0, 1, 5]))


def _xml_text(text: str) -> str:
    # Control characters are not allowed in XML 1.0: Excel writes them as _xHHHH_.
    return escape("".join(c if c >= " " or c in "\t\n" else f"_x{ord(c):04X}_" for c in text))


def cell_xml(ref: str, kind: str, value: object) -> str:
    if kind == "number":
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    if kind == "text":
        return f'<c r="{ref}" t="inlineStr"><is><t>{_xml_text(value)}</t></is></c>'
    if kind == "error":
        return f'<c r="{ref}" t="e"><v>{value}</v></c>'
    if kind == "bool":
        return f'<c r="{ref}" t="b"><v>{int(bool(value))}</v></c>'
    if kind == "shared":  # an index into a shared-strings table the file does not have
        return f'<c r="{ref}" t="s"><v>{value}</v></c>'
    return f'<c r="{ref}"/>'


MUTATION = st.one_of(
    st.tuples(st.just("number"), NUMBER),
    st.tuples(st.just("text"), TEXT),
    st.tuples(st.just("error"), st.sampled_from(["#REF!", "#N/A", "#DIV/0!", "#VALUE!"])),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("shared"), st.integers(0, 10**6)),
    st.tuples(st.just("empty"), st.none()),
)


def mutate(src: Path, dst: Path, data) -> None:
    with zipfile.ZipFile(src) as zin:
        parts = {i.filename: zin.read(i) for i in zin.infolist()}
    sheets = sorted(p for p in parts if p.startswith("xl/worksheets/sheet"))
    for _ in range(data.draw(st.integers(1, 4), label="mutations")):
        part = data.draw(st.sampled_from(sheets), label="part")
        xml = parts[part].decode()
        cells = list(CELL.finditer(xml))
        if data.draw(st.integers(0, 9), label="far?") == 0 or not cells:
            ref = data.draw(st.sampled_from(["XFD1048576", "A1048576", "ALM2", "Z9999"]))
            row = re.sub(r"\D", "", ref)
            kind, value = data.draw(MUTATION, label="far cell")
            xml = xml.replace("</sheetData>",
                              f'<row r="{row}">{cell_xml(ref, kind, value)}</row></sheetData>')
        else:
            match = data.draw(st.sampled_from(cells), label="cell")
            kind, value = data.draw(MUTATION, label="value")
            xml = xml[:match.start()] + cell_xml(match.group(1), kind, value) + xml[match.end():]
        parts[part] = xml.encode()
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, content in parts.items():
            zout.writestr(name, content)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_workbooks_never_end_in_an_internal_error(tmp_path_factory, example, data):
    folder = tmp_path_factory.mktemp("fuzz")
    source = folder / "mutated.xlsx"
    mutate(example, source, data)
    runner = CliRunner()
    began = time.perf_counter()
    checked = runner.invoke(main, ["validate", str(source)])
    assert checked.exit_code in (0, 2), checked.output
    report = folder / "report.xlsx"
    planned = runner.invoke(main, ["plan", str(source), "-o", str(report), "--time-limit", "2",
                                   "--deterministic"])
    assert planned.exit_code in (0, 1, 2), planned.output
    assert time.perf_counter() - began < SECONDS_PER_RUN
    if planned.exit_code in (0, 1):
        with zipfile.ZipFile(report) as written:
            assert written.testzip() is None
    else:
        assert not report.exists()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["mutated.xlsx"] + (["report.xlsx"] if planned.exit_code in (0, 1) else []))


# --- the sheets added since: rules, today's network, policy limits, returned bids -------------

IDS = st.sampled_from(["R01", "r02", "R03", "R99", "P01", "p02", "P03", "P04", "P99", "", " ",
                       "R04;R17", "R01;R01", "P03;P04;P05", "R12;R13;R16", "P01,P02", "x;;y"])
RULES = st.sampled_from(["same_partner", "single_source", "requires", "max_share",
                         "Same Partner", "max-share", "forbid", "", "=1"])
LIMITS = st.one_of(st.none(), NUMBER, st.sampled_from(["0.2", "20%", "2", "-1", "nan", "inf",
                                                       "1e300", "two"]))
def _writable(value):
    """A value openpyxl can write (control characters are mutated at the XML level above)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


VALUES = st.one_of(st.none(), IDS, RULES, LIMITS, TEXT).map(_writable)


def _edit_bank(path: Path, data) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(EXAMPLES[0])
    for _ in range(data.draw(st.integers(1, 6), label="edits")):
        sheet = data.draw(st.sampled_from(["rules", "current", "policy", "locks"]), label="sheet")
        ws = wb[sheet]
        if sheet == "policy":
            key = data.draw(st.sampled_from(["max_changes", "budget", "max_partners",
                                             "must_include", "exclude", "horizon_periods"]))
            ws.append([key, _writable(data.draw(st.one_of(LIMITS, IDS), label=key))])
            continue
        width = ws.max_column
        row = data.draw(st.integers(2, ws.max_row + 1), label="row")
        col = data.draw(st.integers(1, width), label="column")
        ws.cell(row=row, column=col, value=data.draw(VALUES, label="value"))
    wb.save(path)


LOCATED = re.compile(r"^  (\[[^]]+\])?[a-z_]+(!|\.csv:)[A-Z]*[0-9:]+|^  (policy|rules|locks|"
                     r"current|--set)|^  the |^  [^ ]+\.xlsx")


def assert_located(result) -> None:
    """Exit 0, or exit 2 with every problem located to its cell (or its rule's cells)."""
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        lines = [ln for ln in result.stderr.splitlines() if ln.startswith("  ")]
        assert lines and all(LOCATED.match(ln) for ln in lines), result.stderr


def mutations(count: int):
    return settings(max_examples=count, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@mutations(40)
@given(data=st.data())
def test_mutated_rules_current_and_policy_end_cleanly_and_located(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("sheets")
    source = folder / "bank.xlsx"
    _edit_bank(source, data)
    runner = CliRunner()
    checked = runner.invoke(main, ["validate", str(source)])
    assert_located(checked)
    report = folder / "report.xlsx"
    planned = runner.invoke(main, ["plan", str(source), "-o", str(report), "--time-limit", "2",
                                   "--deterministic"])
    assert planned.exit_code in (0, 1, 2), planned.output
    assert (planned.exit_code == 2) == (checked.exit_code == 2), planned.output
    assert report.exists() == (planned.exit_code in (0, 1))


@mutations(25)
@given(data=st.data())
def test_mutated_bids_end_cleanly_and_located_in_their_file(tmp_path_factory, data):
    import openpyxl

    folder = tmp_path_factory.mktemp("bids")
    bids = folder / "bids"
    runner = CliRunner()
    assert runner.invoke(main, ["bids", str(EXAMPLES[0]), "-o", str(bids), "--partner", "P09",
                                "--partner", "P11"]).exit_code == 0
    for _ in range(data.draw(st.integers(1, 5), label="edits")):
        name = data.draw(st.sampled_from(["P09.xlsx", "P11.xlsx"]), label="file")
        wb = openpyxl.load_workbook(bids / name)
        ws = wb[data.draw(st.sampled_from(["partner", "offers"]), label="sheet")]
        ws.protection.sheet = False
        row = data.draw(st.integers(2, ws.max_row + 1), label="row")
        col = data.draw(st.integers(1, ws.max_column), label="column")
        ws.cell(row=row, column=col, value=data.draw(VALUES, label="value"))
        wb.save(bids / name)
    assert_located(runner.invoke(main, ["validate", str(EXAMPLES[0]), "--bids", str(bids)]))
