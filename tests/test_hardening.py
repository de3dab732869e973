"""Hostile and damaged inputs, failing outputs, and the exit codes: each class of failure found
by the adversarial pass, as a regression test. Workbooks are damaged at the XML or zip level,
the way a user's file really breaks."""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, tiny_tables, write_csv_folder, write_xlsx

from orchestra.cli import main
from orchestra.errors import InputError, UnsafeInputError
from orchestra.io import load_network

BANK = ROOT / "inputs" / "bank.xlsx"


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


def sheet_part(path: Path, sheet: str) -> str:
    """The zip part of a sheet, found through the workbook's own index."""
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet [^>]*name="{sheet}"[^>]*r:id="(\w+)"', book).group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels)
    if target is None:
        target = re.search(rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + target.group(1).lstrip("/").removeprefix("xl/")


def rezip(src: Path, dst: Path, change=None, compression=zipfile.ZIP_DEFLATED, extra=None):
    """Copy a workbook part by part; ``change(name, data)`` returns new data or None to drop."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if change is not None:
                data = change(item.filename, data)
                if data is None:
                    continue
            zout.writestr(item.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def in_sheet(src: Path, dst: Path, sheet: str, edit) -> Path:
    part = sheet_part(src, sheet)
    return rezip(src, dst, lambda name, data: edit(data.decode()).encode()
                 if name == part else data)


def add_cell(xml: str, ref: str, cell_xml: str) -> str:
    row = int(re.sub(r"\D", "", ref))
    return xml.replace("</sheetData>", f'<row r="{row}">{cell_xml}</row></sheetData>')


def set_cell(xml: str, ref: str, cell_xml: str) -> str:
    """Replace cell ``ref`` (present in the sheet) by ``cell_xml``."""
    pattern = rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)'
    assert re.search(pattern, xml), ref
    return re.sub(pattern, cell_xml, xml, count=1)


def problems(path) -> list[str]:
    with pytest.raises(InputError) as info:
        load_network(path)
    return [str(p) for p in info.value.problems]


# --- damaged archives and XML ------------------------------------------------------------------


def test_bad_crc_is_a_located_refusal(tmp_path, tiny_xlsx):
    stored = rezip(tiny_xlsx, tmp_path / "stored.xlsx", compression=zipfile.ZIP_STORED)
    raw = bytearray(stored.read_bytes())
    at = raw.index(b"partner_id")  # inside a stored sheet part: the CRC no longer matches
    raw[at] = ord("q")
    stored.write_bytes(bytes(raw))
    with pytest.raises(UnsafeInputError, match=r"stored.xlsx: is damaged: part .* cannot be "
                                               r"unpacked \(Bad CRC-32"):
        load_network(stored)


def test_corrupt_deflate_stream_is_refused(tmp_path, tiny_xlsx):
    copy = rezip(tiny_xlsx, tmp_path / "corrupt.xlsx")
    with zipfile.ZipFile(copy) as z:
        info = z.getinfo(sheet_part(copy, "partners"))
    raw = bytearray(copy.read_bytes())
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for k in range(start + 2, start + 40):
        raw[k] ^= 0x5A
    copy.write_bytes(bytes(raw))
    with pytest.raises(UnsafeInputError, match="corrupt.xlsx: is damaged: part"):
        load_network(copy)


def test_encrypted_entry_is_refused(tmp_path, tiny_xlsx):
    copy = rezip(tiny_xlsx, tmp_path / "locked.xlsx")
    raw = bytearray(copy.read_bytes())
    # Set the "encrypted" flag of every entry, in the central directory and local headers.
    for signature, offset in ((b"PK\x01\x02", 8), (b"PK\x03\x04", 6)):
        for match in re.finditer(re.escape(signature), bytes(raw)):
            raw[match.start() + offset] |= 0x1
    copy.write_bytes(bytes(raw))
    with pytest.raises(UnsafeInputError, match="locked.xlsx: part .* is encrypted"):
        load_network(copy)


def test_password_protected_workbook_is_named(tmp_path):
    ole = tmp_path / "secret.xlsx"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(UnsafeInputError, match="secret.xlsx: is password-protected or an old "
                                               ".xls workbook"):
        load_network(ole)


def test_unsupported_compression_is_refused(tmp_path, tiny_xlsx):
    bz = rezip(tiny_xlsx, tmp_path / "bz.xlsx", compression=zipfile.ZIP_BZIP2)
    with pytest.raises(UnsafeInputError, match="unsupported compression"):
        load_network(bz)


def test_truncated_sheet_xml_is_located(tmp_path, tiny_xlsx):
    cut = in_sheet(tiny_xlsx, tmp_path / "cut.xlsx", "roles", lambda xml: xml[: len(xml) // 2])
    with pytest.raises(UnsafeInputError, match=r"cut.xlsx: is damaged: sheet roles "):
        load_network(cut)


def test_missing_sheet_part_is_located(tmp_path, tiny_xlsx):
    part = sheet_part(tiny_xlsx, "roles")
    gone = rezip(tiny_xlsx, tmp_path / "gone.xlsx",
                 lambda name, data: None if name == part else data)
    with pytest.raises(UnsafeInputError, match='gone.xlsx: is damaged: the part of sheet "roles" '
                                               "is missing"):
        load_network(gone)


@pytest.mark.parametrize("name", ["xl/worksheets/sheet99.XML", "customXml/item1.dat",
                                  "xl/media/notes.txt"])
def test_doctype_is_refused_in_any_part_after_any_padding(tmp_path, tiny_xlsx, name):
    padding = b"<!--" + b"x" * 200_000 + b"-->"
    evil = rezip(tiny_xlsx, tmp_path / "evil.xlsx", extra={
        name: b'<?xml version="1.0"?>' + padding + b'<!DOCTYPE a [<!ENTITY b "c">]><a/>'})
    with pytest.raises(UnsafeInputError, match=f"part {re.escape(name)} declares XML entities"):
        load_network(evil)


def test_utf16_part_is_refused(tmp_path, tiny_xlsx):
    evil = rezip(tiny_xlsx, tmp_path / "u16.xlsx", extra={
        "xl/extra.xml": '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a><a/>'.encode(
            "utf-16")})
    with pytest.raises(UnsafeInputError, match="encoded in UTF-16"):
        load_network(evil)


# --- far cells, error values, control characters -------------------------------------------


def test_a_far_cell_in_a_sheet_orchestra_does_not_read_is_ignored(tmp_path):
    far = in_sheet(BANK, tmp_path / "far.xlsx", "README", lambda xml: add_cell(
        xml, "XFD1048576", '<c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c>'))
    assert len(load_network(far).partners) == 25


@pytest.mark.parametrize("ref", ["XFD1048576", "A1048576", "ALM2"])
def test_a_far_cell_in_a_contract_sheet_is_refused_at_its_cell(tmp_path, ref):
    far = in_sheet(BANK, tmp_path / "far.xlsx", "partners", lambda xml: add_cell(
        xml, ref, f'<c r="{ref}"><v>1</v></c>'))
    with pytest.raises(UnsafeInputError, match=rf"partners!{ref}: a value far outside the table"):
        load_network(far)


def test_a_huge_declared_dimension_alone_is_harmless(tmp_path):
    big = in_sheet(BANK, tmp_path / "dim.xlsx", "partners", lambda xml: re.sub(
        r'<dimension ref="[^"]+"', '<dimension ref="A1:XFD1048576"', xml))
    assert len(load_network(big).partners) == 25


@pytest.mark.parametrize("error", ["#REF!", "#N/A", "#DIV/0!"])
def test_excel_error_values_are_reported_at_their_cell(tmp_path, error):
    # roles!E2 is min_level, an optional column: read as blank, it would default to 1.
    bad = in_sheet(BANK, tmp_path / "err.xlsx", "roles", lambda xml: set_cell(
        xml, "E2", f'<c r="E2" t="e"><v>{error}</v></c>'))
    assert problems(bad) == [f"roles!E2: min_level is the Excel error {error} "
                             "(expected a whole number from 1 to 5)"]


def test_control_characters_are_removed_and_the_report_is_written(tmp_path):
    pasted = in_sheet(BANK, tmp_path / "ctl.xlsx", "partners", lambda xml: xml.replace(
        "Northwind Digital", "Northwind_x000B_ Digital_x0001_", 1))
    network = load_network(pasted)
    assert network.partner["P01"].name == "Northwind Digital"
    out = tmp_path / "report.xlsx"
    result = run("plan", pasted, "-o", out, "--time-limit", "5")
    assert result.exit_code == 0, result.output
    assert out.exists()


# --- numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [("0,5", 0.5), ("0,95", 0.95), ("95%", 0.95),
                                             ("0.5", 0.5)])
def test_decimal_commas_read_as_decimals(tmp_path, text, value):
    tables = tiny_tables()
    tables["partners"][0]["reliability"] = text
    network = load_network(write_csv_folder(tmp_path / "csv", tables))
    assert network.partner["A"].reliability == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), [("1,500,000", 1_500_000), ("1.500,5", 1500.5),
                                             ("1,500.25", 1500.25), ("12,75", 12.75)])
def test_grouped_thousands_and_decimal_commas(tmp_path, text, value):
    tables = tiny_tables()
    tables["partners"][0]["fixed_cost"] = text
    network = load_network(write_csv_folder(tmp_path / "csv", tables))
    assert network.partner["A"].fixed_cost == pytest.approx(value)


def test_an_ambiguous_comma_is_refused_at_its_cell(tmp_path):
    tables = tiny_tables()
    tables["partners"][0]["fixed_cost"] = "1,500"
    [problem] = problems(write_csv_folder(tmp_path / "csv", tables))
    assert problem.startswith('partners.csv:2:fixed_cost: fixed_cost got "1,500": a thousands '
                              "separator or a decimal comma?")


@pytest.mark.parametrize(("sheet", "column", "value", "expected"), [
    ("partners", "fixed_cost", 1e19, "a number from 0 to 1,000,000,000,000"),
    ("partners", "capacity", 1e308, "a number from 0 to 1,000,000,000"),
    ("touchpoints", "importance", 1e9, "a number from 0 to 1000"),
    ("roles", "slots", 10**9, "a whole number from 1 to 1000"),
])
def test_absurd_numbers_are_refused_in_validate(tmp_path, sheet, column, value, expected):
    tables = tiny_tables()
    tables[sheet][0][column] = value
    [problem] = problems(write_xlsx(tmp_path / "big.xlsx", tables))
    assert problem.endswith(f"(expected {expected})") and f"{column} got" in problem


def test_a_seed_beyond_32_bits_is_a_usage_error():
    result = run("plan", BANK, "--seed", str(2**31))
    assert result.exit_code == 2 and "--seed" in result.output


def test_figures_too_large_together_are_refused_by_validate(tmp_path):
    tables = tiny_tables()
    for row in tables["partners"]:
        row["fixed_cost"] = 9e11
    tables["touchpoints"][0]["importance"] = 1000
    tables["roles"][0]["slots"] = 1000
    tables["policy"] = []
    result = run("validate", write_xlsx(tmp_path / "huge.xlsx", tables))
    assert result.exit_code == 2
    assert "more than orchestra can plan exactly" in result.output


# --- headers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["min-level", "Min Lvl", "minlevel", "min_levle"])
def test_a_misspelt_optional_header_names_the_column_meant(tmp_path, header):
    tables = tiny_tables()
    for row in tables["roles"]:
        row[header] = row.pop("min_level")
    folder = write_csv_folder(tmp_path / "csv", tables)  # writes only contract columns
    path = folder / "roles.csv"
    text = path.read_text().replace("min_level", header, 1)
    path.write_text(text)
    found = problems(folder)
    assert any('did you mean "min_level"?' in p for p in found), found


def test_unrelated_extra_columns_are_still_ignored(tmp_path):
    tables = tiny_tables()
    path = write_csv_folder(tmp_path / "csv", tables) / "partners.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",notes"] + [line + ",x" for line in lines[1:]]))
    assert len(load_network(tmp_path / "csv").partners) == 2


# --- CSV folders -------------------------------------------------------------------------------


def test_a_folder_named_like_a_csv_is_refused(tmp_path):
    folder = write_csv_folder(tmp_path / "csv", tiny_tables())
    (folder / "locks.csv").unlink()
    (folder / "locks.csv").mkdir()
    with pytest.raises(UnsafeInputError, match="locks.csv: is not a file"):
        load_network(folder)


def test_an_oversized_csv_field_is_refused(tmp_path):
    folder = write_csv_folder(tmp_path / "csv", tiny_tables())
    path = folder / "partners.csv"
    path.write_text(path.read_text() + 'Z,"' + "x" * (2 << 20) + '",supplier,,0,1\n')
    with pytest.raises(UnsafeInputError, match="partners.csv: cannot be read as CSV"):
        load_network(folder)


# --- outputs -----------------------------------------------------------------------------------


def test_output_inside_a_csv_input_folder_is_refused_even_with_force(tmp_path):
    folder = write_csv_folder(tmp_path / "csv", tiny_tables())
    result = run("plan", folder, "-o", folder / "report.xlsx", "--force", "--time-limit", "2")
    assert result.exit_code == 2 and "refusing to write inside the input folder" in result.output


def test_output_over_the_locks_file_is_refused_even_with_force(tmp_path):
    report = tmp_path / "plan.xlsx"
    assert run("plan", BANK, "-o", report, "--time-limit", "3").exit_code == 0
    before = report.read_bytes()
    result = run("plan", BANK, "--locks", report, "-o", report, "--force", "--time-limit", "3")
    assert result.exit_code == 2 and "refusing to overwrite the input" in result.output
    assert report.read_bytes() == before


@pytest.mark.parametrize(("target", "message"), [
    ("missing/report.xlsx", "does not exist"),
    ("afile/report.xlsx", "is not a folder"),
    ("report.csv", "give it a .xlsx name"),
    ("adir.xlsx", "is a directory"),
])
def test_bad_output_paths_exit_2_with_a_message(tmp_path, target, message):
    (tmp_path / "afile").write_text("x")
    (tmp_path / "adir.xlsx").mkdir()
    result = run("template", tmp_path / target)
    assert result.exit_code == 2 and message in result.output, result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_exits_2(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = run("template", folder / "t.xlsx")
    finally:
        folder.chmod(0o700)
    assert result.exit_code == 2 and "cannot write" in result.output


def test_reports_get_the_usual_permissions_and_no_temporary_file_stays(tmp_path):
    old = os.umask(0o022)
    try:
        assert run("template", tmp_path / "t.xlsx").exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "t.xlsx").stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


def test_exclusive_creation_loses_no_report(tmp_path, monkeypatch):
    """Two runs writing one name: the file appears between the check and the write of the
    second; it is told, and the first report stays whole."""
    from orchestra.report import xlsx

    target = tmp_path / "t.xlsx"
    real_check = xlsx.check_target

    def racing_check(path, **kwargs):
        real_check(path, **kwargs)
        target.write_bytes(b"the other run's report")

    monkeypatch.setattr(xlsx, "check_target", racing_check)
    result = run("template", target)
    assert result.exit_code == 2 and "already exists" in result.output
    assert target.read_bytes() == b"the other run's report"
    assert [p.name for p in tmp_path.iterdir()] == ["t.xlsx"]


# --- profiles and exit codes -------------------------------------------------------------------


@pytest.mark.parametrize(("toml", "message"), [
    ("weights = 3\n", "expected a [weights] table"),
    ("[weights]\nfill_weight = 1e300\n", "fill_weight = 1e+300"),
    ("name = 5\n", "expected text in quotes"),
    ("[weights\n", "not valid TOML"),
])
def test_malformed_profiles_exit_2(tmp_path, toml, message):
    path = tmp_path / "mine.toml"
    path.write_text(toml)
    result = run("plan", BANK, "--profile", path, "--time-limit", "1")
    assert result.exit_code == 2 and message in result.output, result.output


def test_an_internal_error_exits_3_with_one_line(monkeypatch):
    import orchestra.model

    def broken(*args, **kwargs):
        raise RuntimeError("the solver caught fire")

    monkeypatch.setattr(orchestra.model, "plan", broken)
    result = run("plan", BANK)
    assert result.exit_code == 3
    assert "internal error: RuntimeError: the solver caught fire" in result.output
    assert "Traceback" not in result.output
    debug = run("--debug", "plan", BANK)
    assert isinstance(debug.exception, RuntimeError)


# --- score: hand-made plans that break rules ---------------------------------------------------


def hand_plan(path: Path, rows: list[tuple[str, str]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "locks"
    wb.active.append(["role_id", "partner_id"])
    for row in rows:
        wb.active.append(list(row))
    wb.save(path)
    return path


def test_score_lists_each_broken_rule_with_its_cell(tmp_path):
    tables = tiny_tables()
    tables["partners"][1]["capacity"] = 0.5  # B: R1 needs 1 unit of its capacity
    tables["policy"] = [{"key": "budget", "value": 16}]
    xlsx = write_xlsx(tmp_path / "tiny.xlsx", tables)
    # B twice on R1 (one slot); A on R2, but A offers no web. Cost by hand: fixed 10 (A) + 5
    # (B), R1 twice at load 1 x unit cost 1 = 2, A's non-offer 0: 17, over the budget of 16.
    mine = hand_plan(tmp_path / "mine.xlsx", [("R1", "B"), ("R1", "B"), ("R2", "A")])
    result = run("score", xlsx, "--locks", mine)
    assert result.exit_code == 1, result.output
    broken = [line for line in result.output.splitlines() if line.startswith("rule broken")]
    assert broken == [
        "rule broken: [mine.xlsx]locks!B4: A does not qualify for R2 (needs web at level 1, "
        "does not offer it)",
        "rule broken: [mine.xlsx]locks!B2, [mine.xlsx]locks!B3: R1 has 2 partners for 1 slots",
        "rule broken: [mine.xlsx]locks!B2, [mine.xlsx]locks!B3: B fills 2 slots of R1 (each "
        "slot needs a different partner)",
        "rule broken: [mine.xlsx]locks!B2, [mine.xlsx]locks!B3: B is over capacity: 2 > 0.5",
        "rule broken: cost 17.00 is over the budget 16.00",
    ]


def test_score_a_valid_hand_plan_against_orchestras_plan(tmp_path):
    xlsx = write_xlsx(tmp_path / "tiny.xlsx", tiny_tables())
    # R1 by A (level 3, unit cost 2) instead of B (unit cost 1): valid, dearer by hand.
    mine = hand_plan(tmp_path / "mine.xlsx", [("R1", "A"), ("R2", "B")])
    result = run("score", xlsx, "--locks", mine, "--against-plan", "--time-limit", "5")
    assert result.exit_code == 0, result.output
    assert "rule broken" not in result.output
    [header] = [line for line in result.output.splitlines() if "your plan" in line]
    assert "orchestra's plan" in header
    [cost] = [line for line in result.output.splitlines() if line.startswith("total cost  ")]
    # Mine: A 10 + B 5 + R1 2x1 + R2 3x2 = 23. orchestra's: B alone, 5 + 1 + 6 = 12.
    assert cost.split()[2:] == ["23.00", "12.00*"]


def test_sigterm_stops_the_run_and_leaves_no_temporary_file(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    source = tmp_path / "in" / "medium.xlsx"
    source.parent.mkdir()
    assert run("generate", source, "--partners", "400", "--roles", "100", "--seed", "3"
               ).exit_code == 0
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "orchestra.cli", "plan", str(source), "-o",
                             str(out / "report.xlsx"), "--time-limit", "120"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=60)
    if proc.returncode == 130:  # a busy machine: the signal came before the solve began
        assert "interrupted" in stderr and list(out.iterdir()) == []
        return
    # Stopped like Ctrl-C: the best plan so far, reported and written whole.
    assert proc.returncode in (0, 1), stderr
    assert "interrupted" in stdout
    assert [p.name for p in out.iterdir()] == ["report.xlsx"]


def test_the_quick_sheet_scan_never_understates_the_full_one(monkeypatch):
    from orchestra.io import archive

    with archive.check_archive(BANK) as zipped:
        parts = archive.sheet_parts(zipped, "bank.xlsx")
        shared = archive.shared_string_count(zipped, "bank.xlsx")
        quick = {k: archive.scan_sheet(zipped, part, k, "bank.xlsx", shared)
                 for k, (_, part) in parts.items()}
        assert all(archive._quick_scan(zipped.read(part), part, shared) is not None
                   for _, part in parts.values())
        monkeypatch.setattr(archive, "_quick_scan", lambda *args: None)
        full = {k: archive.scan_sheet(zipped, part, k, "bank.xlsx", shared)
                for k, (_, part) in parts.items()}
    from orchestra.examples import EXAMPLES

    filled = {name for name, rows in EXAMPLES["bank"]().items() if rows}
    for key in parts:
        assert quick[key].rows >= full[key].rows and quick[key].columns >= full[key].columns
        assert full[key].errors == {}
        assert full[key].rows > 1 or key.lower() not in filled, key  # a sheet the bank fills
