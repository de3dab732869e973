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


def submit(bid: Path) -> None:
    """Say yes in a bid's submitted cell, as a bidder returning it does."""
    import openpyxl

    wb = openpyxl.load_workbook(bid)
    ws = wb["partner"]
    ws.cell(row=2, column=[c.value for c in ws[1]].index("submitted") + 1, value="yes")
    wb.save(bid)


def hostile_ids(tmp_path: Path, ids: list[str]) -> Path:
    """The tiny network with its partners renamed to ``ids``, each offering the call role."""
    tables = tiny_tables()
    base = tables["partners"][0]
    tables["partners"] = [dict(base, partner_id=pid, name=f"N{k}") for k, pid in enumerate(ids)]
    tables["capabilities"] = [dict(partner_id=pid, capability="call", level=3, unit_cost=2)
                              for pid in ids]
    tables["sets"], tables["relationships"] = [], []
    return write_xlsx(tmp_path / "hostile.xlsx", tables)


# --- bid files: names, special files, outputs -----------------------------------------------------

def test_bid_files_stay_in_their_folder_and_every_one_comes_back(tmp_path):
    ids = ["../../x", ".P09", "~$P10", "a/b", "y" * 300, "new"]
    source = hostile_ids(tmp_path, ids)
    out = tmp_path / "out" / "bids"
    result = run("bids", source, "-o", out, "--blank")
    assert result.exit_code == 0, result.output
    written = [n for n in files(out) if n != "manifest.json"]
    assert len(written) == len(ids) + 1  # every partner and the blank bid, no name twice
    assert not any(n.startswith((".", "~$")) or len(n) > 80 for n in written)
    assert files(tmp_path) == ["hostile.xlsx", "out"] and files(tmp_path / "out") == ["bids"]
    for name in written:  # every partner's bid returned; the blank one as it was sent
        if name != "new-2.xlsx":
            submit(out / name)
    loaded = load(source, out)  # the round trip finds every bid it wrote
    assert sorted(loaded.network.bidders) == sorted(ids)
    assert loaded.network.not_returned == ("new-2.xlsx: the file as it was sent",)


def test_a_partner_named_twice_gets_one_bid_and_case_does_not_matter(tmp_path):
    result = run("bids", BANK, "-o", tmp_path / "out", "--partner", "P09", "--partner", "p09")
    assert result.exit_code == 0, result.output
    assert files(tmp_path / "out") == ["P09.xlsx", "manifest.json"]


def test_bids_are_never_written_inside_an_input_folder(tmp_path):
    bids = tmp_path / "bids"
    assert run("bids", BANK, "-o", bids, "--partner", "P09").exit_code == 0
    result = run("plan", BANK, "--bids", bids, "-o", bids / "out.xlsx", "--time-limit", "5")
    assert result.exit_code == 2
    assert "refusing to write inside the input folder" in result.output
    assert files(bids) == ["P09.xlsx", "manifest.json"]


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
    submit(bids / "P09.xlsx")
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


# --- bombs in the other workbook formats ----------------------------------------------------------

ODS_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="partners"><table:table-row>'
    '<table:table-cell office:value-type="string"><text:p>partner_id</text:p></table:table-cell>'
    '</table:table-row><table:table-row table:number-rows-repeated="99000"><table:table-cell '
    'table:number-columns-repeated="1000" office:value-type="float" office:value="1">'
    '<text:p>1</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet>'
    '</office:body></office:document-content>')


def peak_mb(*args) -> tuple[int, str, float]:
    """Run orchestra in a fresh process: its exit code, its stderr and its peak memory (MB).
    The peak is the process's own (VmHWM, reset by exec): getrusage's ru_maxrss survives exec
    on Linux and so reports the forking test process's size, which grows as the suite runs."""
    import subprocess
    import sys

    code = ("import resource, sys\nfrom orchestra.cli import main\n"
            "def peak():\n"
            "    try:\n"
            "        with open('/proc/self/status') as f:\n"
            "            return next(int(x.split()[1]) for x in f\n"
            "                        if x.startswith('VmHWM')) / 1024\n"
            "    except (OSError, StopIteration):\n"
            "        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit as exc:\n"
            "    print(f'PEAK {peak()}', file=sys.stderr)\n    raise\n")
    done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                          text=True, timeout=300, check=False)
    peak = float(done.stderr.rsplit("PEAK ", 1)[1])
    return done.returncode, done.stderr, peak


def test_an_ods_cell_repeated_a_hundred_million_times_is_measured_not_expanded(tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.ods"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", ODS_CONTENT)
    assert bomb.stat().st_size < 1000
    code, err, peak = peak_mb("validate", bomb)
    assert code == 2
    assert ("bomb.ods: sheet partners: spans 99,001 rows and 1,000 columns (expected at most "
            "1,000 columns and 2,000,000 cells") in err
    assert peak < 400  # expanded, the grid takes gigabytes


SOFFICE = __import__("shutil").which("libreoffice") or __import__("shutil").which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice writes the .xls this test reads "
                                            "(apt install libreoffice-calc)")
def test_an_xls_with_one_far_cell_is_refused_before_it_is_read(tmp_path):
    import subprocess

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "partners"
    wb.active["A1"], wb.active["IV65536"] = "partner_id", "stray"
    wb.save(tmp_path / "far.xlsx")
    subprocess.run([SOFFICE, "--headless", "--convert-to", "xls", "--outdir", str(tmp_path),
                    str(tmp_path / "far.xlsx")], capture_output=True, timeout=180, check=True,
                   env={**os.environ, "HOME": str(tmp_path)})
    code, err, peak = peak_mb("validate", tmp_path / "far.xls")
    assert code == 2
    assert "far.xls: sheet partners: spans 65,536 rows and 256 columns" in err
    assert peak < 400  # read by calamine first, it took 1.1 GB


# --- --cluster at something that is not a Dask scheduler

def serve(greeting: bytes | None):
    """A local server that accepts connections and sends ``greeting`` (None: never a byte)."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []

    def accept() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            if greeting is not None:
                conn.sendall(greeting)

    threading.Thread(target=accept, daemon=True).start()
    return server, f"tcp://127.0.0.1:{server.getsockname()[1]}"


@pytest.mark.parametrize("greeting, says", [
    (None, "no answer within 5 s"),  # a port that accepts and never answers; a web server
    (b"SSH-2.0-OpenSSH_9.2p1 Debian\r\n", "it answers, but not as a Dask scheduler"),
    (b"HTTP/1.1 400 Bad Request\r\n\r\n", "it answers, but not as a Dask scheduler"),
])
def test_cluster_at_something_else_is_a_usage_error_within_seconds(greeting, says):
    import time

    server, address = serve(greeting)
    began = time.monotonic()
    try:
        result = run("compare", BANK, "--set", "a=P01", "--cluster", address)
    finally:
        server.close()
    assert result.exit_code == 2, result.output
    assert address in result.output and says in result.output
    assert time.monotonic() - began < 60


@pytest.mark.parametrize("address", ["ftp://host:1", "http://127.0.0.1:80", "nonsense",
                                     "tcp://host"])
def test_cluster_address_of_an_unknown_form_is_a_usage_error(address):
    result = run("compare", BANK, "--set", "a=P01", "--cluster", address)
    assert result.exit_code == 2
    assert f"--cluster {address}: not a scheduler address" in result.output


# --- crashes on valid input or plain usage --------------------------------------------------------

def test_explain_a_role_without_load(tmp_path):
    tables = tiny_tables()
    tables["roles"][0]["load"] = 0
    source = write_xlsx(tmp_path / "load0.xlsx", tables)
    result = run("explain", source, "--time-limit", "5", "--json")
    assert result.exit_code == 0, result.output
    import json

    candidates = json.loads(result.stdout)["explanations"]["candidates"]
    (alpha,) = [c for c in candidates if c["partner_id"] == "A"]
    # Alpha's fixed cost of 10 makes any plan with it worse, whatever it charges per unit.
    assert alpha["status"] == "cannot_win" and alpha["price_to_win"] is None
    assert "R1 has no load" in alpha["reason"]


@pytest.mark.parametrize("args, says", [
    (["--budgets", "nan:inf:3"], "nan is not a finite number"),
    (["--budgets", "1,inf"], "inf is not a finite number"),
    (["--budgets", "1:2:100000"], "at most 100 points"),
    (["--budgets", "-5,10"], "a budget is not negative"),
    (["--vary", "max_partners", "--values", "1.5"], "max_partners takes whole numbers from 1"),
])
def test_frontier_values_that_are_not_plain_numbers_are_usage_errors(args, says):
    result = run("frontier", BANK, *args)
    assert result.exit_code == 2 and says in result.output


@pytest.mark.parametrize("within", ["nan", "inf", "-inf"])
def test_within_takes_a_finite_percentage(within):
    result = run("plan", BANK, "--alternatives", "1", "--within", within)
    assert result.exit_code == 2
    assert "expected a percentage such as 5 or 5%" in result.output


def orchestra_process(*args, cwd):
    import shutil
    import subprocess
    import sys

    program = shutil.which("orchestra", path=str(Path(sys.executable).parent))
    assert program, "the orchestra program is installed beside the test's Python"
    return subprocess.Popen([program, *map(str, args)], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("delay", [0.0, 0.3, 1.0, 2.5])
def test_sigterm_at_any_moment_ends_the_documented_way(tmp_path, delay):
    import signal
    import time

    import openpyxl

    proc = orchestra_process("plan", BANK, "-o", "out.xlsx", "--time-limit", "2",
                             cwd=tmp_path)
    time.sleep(delay)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    # Killed outright only before Python ran a line of orchestra; never an internal error.
    assert proc.returncode in (0, 1, 130, -signal.SIGTERM), err
    assert "internal error" not in err and "Traceback" not in err
    written = files(tmp_path)
    assert written in ([], ["out.xlsx"])  # no temporary file left
    if written:
        openpyxl.load_workbook(tmp_path / "out.xlsx")  # whole, not half-written


def test_sigterm_after_the_output_is_written_keeps_the_commands_exit_code(tmp_path):
    import signal

    proc = orchestra_process("plan", BANK, "-o", "out.xlsx", "--time-limit", "2",
                             cwd=tmp_path)
    for line in proc.stdout:
        if line.startswith("status"):  # the summary: the report is written by now
            proc.send_signal(signal.SIGTERM)
            break
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert files(tmp_path) == ["out.xlsx"]


# --- rules that contradict each other -------------------------------------------------------------

def bank_with(tmp_path: Path, policy: dict | None = None, rules: list[tuple] = (),
              locks: list[tuple] = ()) -> Path:
    """The bank example with policy keys set, rules rows and locks rows added."""
    import openpyxl

    wb = openpyxl.load_workbook(BANK)
    for key, value in (policy or {}).items():
        ws = wb["policy"]
        row = next((c.row for c in ws["A"] if c.value == key), ws.max_row + 1)
        ws.cell(row=row, column=1, value=key)
        ws.cell(row=row, column=2, value=value)
    for values in rules:
        wb["rules"].append(list(values))
    for values in locks:
        wb["locks"].append(list(values))
    path = tmp_path / "bank-edited.xlsx"
    wb.save(path)
    return path


CONFLICTS = [
    # today's network (held whole by max_changes 0) breaks a new rule
    ({"max_changes": 0}, [("single_source", "R01;R03", None, 1)], (),
     ["policy!B10: max_changes 0; the other rules here end at least 1 of today's 27 contracts",
      "rules!A6: single_source (R01;R03, limit 1)"]),
    ({"max_changes": 0}, [("same_partner", "R05;R06")], (),
     ["policy!B10: max_changes 0", "rules!A6: same_partner (R05;R06)"]),
    ({"max_changes": 0}, [("max_share", None, None, 0.1)], (),
     ["policy!B10: max_changes 0", "rules!A6: max_share (every partner, limit 0.1)"]),
    ({"max_changes": 0, "max_partners": 11}, [], (),
     ["policy!B11: max_partners 11; the other rules here need at least 12 partners",
      "policy!B10: max_changes 0"]),
    ({"max_changes": 0, "budget": 200000}, [], (),
     ["policy!B2: budget 200,000.00; the other rules here cost at least",
      "policy!B10: max_changes 0; the other rules here end at least"]),
    # locks that contradict a rule
    ({}, [("single_source", "R12;R13", None, 1)], [("R12", "P15", "yes"), ("R13", "P14", "yes")],
     ["locks!B3: lock: P15 on R12", "locks!B4: lock: P14 on R13",
      "rules!A6: single_source (R12;R13, limit 1)"]),
]


@pytest.mark.parametrize("policy, rules, locks, says", CONFLICTS)
@pytest.mark.parametrize("command", [["plan", "-o", "out.xlsx", "--blueprint", "b.html"],
                                     ["compare", "--set", "a=P01,P02", "-o", "out.xlsx"],
                                     ["stress", "-o", "out.xlsx"], ["validate"]])
def test_rules_that_no_plan_keeps_are_bad_input_naming_them(tmp_path, monkeypatch, policy,
                                                           rules, locks, says, command):
    source = bank_with(tmp_path, policy, rules, locks)
    monkeypatch.chdir(tmp_path)
    result = run(command[0], source, *command[1:])
    assert result.exit_code == 2, result.output
    assert "the rules contradict each other: no plan keeps these" in result.output
    for line in says:
        assert line in result.output
    assert files(tmp_path) == ["bank-edited.xlsx"]  # nothing written


@pytest.mark.parametrize("policy, rules, locks, says", CONFLICTS)
def test_the_rules_named_are_an_irreducible_conflict(tmp_path, policy, rules, locks, says):
    from orchestra.io import load_network
    from orchestra.model.conflicts import conflict, feasible, items

    network = load_network(bank_with(tmp_path, policy, rules, locks))
    every = items(network)
    core = conflict(network, every)
    rest = [i for i in every if i not in core]

    def without(dropped):
        out = network
        for item in dropped:
            out = item.drop(out)
        return out

    assert feasible(without(rest)) is False  # together they admit no plan
    for item in core:  # and without any one of them there is one
        assert feasible(without([*rest, item])) is True


def test_a_frontier_over_budgets_ignores_the_budget_it_replaces(tmp_path):
    source = bank_with(tmp_path, {"max_changes": 0, "budget": 200000})
    result = run("frontier", source, "--budgets", "600000,700000", "--time-limit", "3")
    assert result.exit_code == 0, result.output


# --- one header rule, ids, standards --------------------------------------------------------------

@pytest.fixture(scope="module")
def bank_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "plan.xlsx"
    result = run("plan", BANK, "-o", out, "--time-limit", "5", "--deterministic")
    assert result.exit_code in (0, 1), result.output
    return out


@pytest.mark.parametrize("header", ["Locked?", "lock", "is_locked"])
def test_a_renamed_locked_header_is_refused_not_read_as_locking_everything(tmp_path, bank_report,
                                                                          header):
    import openpyxl

    wb = openpyxl.load_workbook(bank_report)
    ws = wb["assignments"]
    names = [c.value for c in ws[1]]
    col = names.index("locked") + 1
    ws.cell(row=1, column=col, value=header)
    for row in range(2, ws.max_row + 1):
        ws.cell(row=row, column=col, value="no")
    edited = tmp_path / "edited.xlsx"
    wb.save(edited)
    result = run("plan", BANK, "--locks", edited, "--time-limit", "3")
    assert result.exit_code == 2, result.output
    letter = openpyxl.utils.get_column_letter(col)
    assert (f'[edited.xlsx]assignments!{letter}1: unknown column "{header.lower()}": did you '
            'mean "locked"?') in result.output


@pytest.mark.parametrize("metric, direction, better", [("on_time_rate", "lower", "higher"),
                                                       ("response_hours", "higher", "lower")])
def test_a_standard_against_its_metrics_direction_is_an_error_at_its_cell(tmp_path, metric,
                                                                         direction, better):
    tables = tiny_tables()
    tables["standards"] = [{"touchpoint_id": "T1", "metric": metric, "direction": direction,
                            "target": 0.9 if metric == "on_time_rate" else 4}]
    result = run("validate", write_xlsx(tmp_path / "t.xlsx", tables))
    assert result.exit_code == 2
    assert (f"standards!C2: {metric} is better {better}, not {direction} (expected direction "
            f"{better} for {metric})") in result.output


def test_a_returning_partner_that_blanks_its_offer_is_told_in_its_bid(tmp_path):
    import openpyxl

    bids = tmp_path / "bids"
    assert run("bids", BANK, "-o", bids, "--partner", "P09").exit_code == 0
    network = load(BANK).network
    held = [c.role_id for c in network.current if c.partner_id == "P09"][0]
    capability = network.role[held].capability
    wb = openpyxl.load_workbook(bids / "P09.xlsx")
    ws = wb["offers"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        if row[header.index("capability")].value == capability:
            row[header.index("level")].value = None
            row[header.index("unit_cost")].value = None
    wb.save(bids / "P09.xlsx")
    submit(bids / "P09.xlsx")
    result = run("validate", BANK, "--bids", bids)
    assert result.exit_code == 2
    assert (f'[P09.xlsx]offers: partner "P09" holds role "{held}" in today\'s network (current!'
            in result.output)
    assert f"but its bid leaves {capability} at no offer" in result.output


@pytest.mark.parametrize("key, value, says", [
    ("horizon_periods", 1e-300, 'horizon_periods got "1e-300" (expected a number from 0.01 to '
                                '1,000,000)'),
    ("horizon_periods", 0, 'horizon_periods got "0" (expected a number from 0.01 to'),
    ("budget", "5%", 'budget got "5%": a percentage, where an amount is '
                     'expected'),
])
def test_policy_values_out_of_reach_are_refused_at_their_cell(tmp_path, key, value, says):
    tables = tiny_tables()
    tables["policy"] = [{"key": key, "value": value}]
    result = run("validate", write_xlsx(tmp_path / "t.xlsx", tables))
    assert result.exit_code == 2
    assert f"policy!B2: {says}" in result.output


def test_a_percentage_is_no_amount_of_money(tmp_path):
    tables = tiny_tables()
    tables["partners"][0]["onboarding_cost"] = "5%"
    result = run("validate", write_xlsx(tmp_path / "t.xlsx", tables))
    assert result.exit_code == 2
    assert ('onboarding_cost got "5%": a percentage, where an amount (money, once) is expected'
            in result.output)


@pytest.mark.parametrize("name", ["today", "Today", "orchestra's choice"])
def test_a_set_named_like_a_column_every_comparison_shows_is_refused(tmp_path, name):
    tables = tiny_tables()
    tables["sets"] = [{"set_id": name, "partner_id": "A"}]
    result = run("validate", write_xlsx(tmp_path / "t.xlsx", tables))
    assert result.exit_code == 2
    assert f'sets!A2: set name "{name}" is taken by a column every comparison shows' in (
        result.output)
    result = run("compare", BANK, "--set", f"{name}=P01")
    assert result.exit_code == 2 and "the set name is already used" in result.output


def test_set_members_may_be_separated_by_semicolons_as_on_the_rules_sheet(tmp_path):
    result = run("compare", BANK, "--set", "a=P01;p02", "--json", "--time-limit", "2")
    assert result.exit_code == 0, result.output


def test_the_blueprint_keeps_every_label_in_its_box_and_shows_no_reversed_text(tmp_path):
    import re

    tables = tiny_tables()
    tables["touchpoints"][0]["channel"] = "phone " * 2000
    tables["touchpoints"][0]["name"] = "Safe\u202egnp.exe"  # shown reversed: "Safeexe.png"
    long_id = "R" + "9" * 200
    tables["roles"][0]["role_id"] = long_id
    result = run("blueprint", write_xlsx(tmp_path / "t.xlsx", tables), "-o",
                 tmp_path / "b.html", "--time-limit", "3")
    assert result.exit_code == 0, result.output
    page = (tmp_path / "b.html").read_text(encoding="utf-8")
    assert not re.search("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]", page)
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", page)
    assert labels and max(len(label) for label in labels) <= 160
    assert "Safegnp.exe" in page and "phone phone" in page


def test_a_typo_on_a_bids_partner_sheet_is_reported_at_its_cell_only(tmp_path):
    import openpyxl

    bids = tmp_path / "bids"
    assert run("bids", BANK, "-o", bids, "--partner", "P09").exit_code == 0
    wb = openpyxl.load_workbook(bids / "P09.xlsx")
    ws = wb["partner"]
    col = [c.value for c in ws[1]].index("claimed_reliability") + 1
    ws.cell(row=2, column=col, value=95)
    wb.save(bids / "P09.xlsx")
    result = run("validate", BANK, "--bids", bids)
    assert result.exit_code == 2
    letter = openpyxl.utils.get_column_letter(col)
    assert (f'[P09.xlsx]partner!{letter}2: claimed_reliability got 95: looks like a percentage: '
            'write 0.95 for 95 %') in result.output
    assert "partner rows" not in result.output


def test_score_lists_every_rule_a_hand_plan_breaks(tmp_path):
    tables = tiny_tables()
    tables["partners"][0]["capacity"] = 1.5
    source = write_xlsx(tmp_path / "t.xlsx", tables)
    hand = tiny_tables()
    hand["locks"] = [{"role_id": "R1", "partner_id": "A"}, {"role_id": "R2", "partner_id": "A"}]
    plan = write_xlsx(tmp_path / "hand.xlsx", hand)
    result = run("score", source, "--locks", plan)
    assert result.exit_code == 1
    broken = [line for line in result.stdout.splitlines() if line.startswith("rule broken")]
    # R1 (load 1) plus R2 (load 2, no offer: counted at effort 1) is 3 units on a capacity of 1.5
    assert broken == [
        "rule broken: [hand.xlsx]locks!B3: A does not qualify for R2 (needs web at level 1, "
        "does not offer it)",
        "rule broken: [hand.xlsx]locks!B2, [hand.xlsx]locks!B3: A is over capacity: 3 > 1.5"]


def test_validate_warns_of_offers_no_plan_can_use(tmp_path):
    tables = tiny_tables()
    tables["roles"][0]["min_level"] = 3  # B offers call at level 2 only
    tables["capabilities"].append({"partner_id": "A", "capability": "call", "level": 3,
                                   "unit_cost": 1, "min_slots": 3})  # A can hold one call slot
    result = run("validate", write_xlsx(tmp_path / "t.xlsx", tables))
    assert result.exit_code == 0, result.output
    assert ("capabilities!C3: B offers call at level 2, below every role that needs it (level 3 "
            "and up): no plan can use it") in result.output
    assert ("capabilities!J5: A's tier of call needs 3 slots; it can hold at most 1 (one per role "
            "it qualifies for): no plan reaches it") in result.output


def test_deterministic_solves_of_rules_no_plan_keeps_end_cleanly(tmp_path):
    # OR-Tools 9.15's interleaved search aborted the process on such a model with a hint.
    source = bank_with(tmp_path, {"max_changes": 3, "budget": 300000})
    result = run("plan", source, "--deterministic", "--time-limit", "5")
    assert result.exit_code == 2
    assert "the rules contradict each other" in result.output


def test_warnings_of_one_kind_print_once_outside_validate(tmp_path):
    # The bank's five looser targets: one line on plan, every one on validate.
    planned = run("plan", BANK, "--time-limit", "3")
    lines = [ln for ln in planned.stderr.splitlines() if "looser than customers" in ln]
    assert lines == ["warning: 5 standards have targets looser than customers expect "
                     "(standards!E2, E5, E6, E7, ...): orchestra validate lists them"]
    checked = run("validate", BANK)
    assert sum("is looser than what customers expect" in ln
               for ln in checked.stderr.splitlines()) == 5
