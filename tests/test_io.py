"""The input contract: loading, defaults, one test per validation rule with its exact message."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT, tiny_tables, write_csv_folder, write_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestra.errors import InputError, UnsafeInputError
from orchestra.examples import EXAMPLES
from orchestra.io import load, load_network
from orchestra.io.archive import MAX_UNPACKED_BYTES
from orchestra.report.inputs import write_input_workbook


def problems(tmp_path: Path, tables: dict) -> list[str]:
    path = write_xlsx(tmp_path / "in.xlsx", tables)
    with pytest.raises(InputError) as info:
        load_network(path)
    return [str(p) for p in info.value.problems]


def test_tiny_network_loads_with_defaults(tiny_xlsx):
    net = load_network(tiny_xlsx)
    assert [p.partner_id for p in net.partners] == ["A", "B"]
    b = net.partner["B"]
    assert b.response_hours is None and b.region == ""  # blank optional columns take defaults
    assert net.capabilities[0].effort == 1.0
    assert net.touchpoint["T1"].moment_of_truth is True
    assert net.role["R2"].critical is False
    assert net.policy.budget == 100 and net.policy.max_partners is None
    assert net.sets[0].partner_ids == ("A",)
    assert [c.partner_id for c in net.qualified("R1")] == ["A", "B"]
    assert [c.partner_id for c in net.qualified(net.role["R2"])] == ["B"]
    assert [r.role_id for r in net.roles_of("T1")] == ["R1", "R2"]


def test_csv_folder_and_workbook_load_to_equal_networks(tmp_path):
    tables = tiny_tables()
    from_xlsx = load_network(write_xlsx(tmp_path / "a.xlsx", tables))
    from_csv = load_network(write_csv_folder(tmp_path / "csv", tables))
    assert from_xlsx.partners == from_csv.partners
    assert from_xlsx.capabilities == from_csv.capabilities
    assert from_xlsx.roles == from_csv.roles
    assert from_xlsx.standards == from_csv.standards
    assert from_xlsx.policy == from_csv.policy


def test_template_is_written_read_back_and_validates_clean(tmp_path):
    path = write_input_workbook(tmp_path / "template.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "README"
    assert wb["roles"]["E1"].value == "min_level"
    assert wb["roles"].freeze_panes == "A2"
    assert any("front,back" in (dv.formula1 or "")
               for dv in wb["touchpoints"].data_validations.dataValidation)
    net = load_network(path)
    assert net.partners == () and net.roles == ()


def test_template_refuses_to_overwrite_without_force(tmp_path):
    from orchestra.errors import OutputError

    path = write_input_workbook(tmp_path / "t.xlsx")
    with pytest.raises(OutputError, match="already exists; pass --force"):
        write_input_workbook(path)
    write_input_workbook(path, force=True)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_bundled_examples_validate_and_match_their_generator(tmp_path, name):
    committed = load_network(ROOT / "inputs" / f"{name}.xlsx")
    fresh = load_network(write_input_workbook(tmp_path / "x.xlsx", EXAMPLES[name]()))
    assert committed.partners == fresh.partners
    assert committed.roles == fresh.roles
    assert committed.capabilities == fresh.capabilities
    assert committed.standards == fresh.standards
    assert committed.sites == fresh.sites and committed.rules == fresh.rules
    assert len(committed.touchpoints) >= 9
    if not committed.sites:  # the hotels' moments of truth are all met face to face
        assert {t.stage for t in committed.touchpoints if t.moment_of_truth} == {"front",
                                                                               "back"}


# --- one test per rule, with the exact cell and wording --------------------------------------


def test_missing_sheet(tmp_path):
    tables = tiny_tables()
    del tables["roles"]
    path = write_xlsx(tmp_path / "in.xlsx", tables)
    wb = openpyxl.load_workbook(path)
    del wb["roles"]
    wb.save(path)
    with pytest.raises(InputError) as info:
        load_network(path)
    assert [str(p) for p in info.value.problems] == [
        "roles: missing sheet (expected a sheet (or .csv file) named roles)"]


def test_missing_column(tmp_path):
    path = write_xlsx(tmp_path / "in.xlsx", tiny_tables())
    wb = openpyxl.load_workbook(path)
    wb["partners"].delete_cols(6)  # capacity
    wb.save(path)
    with pytest.raises(InputError) as info:
        load_network(path)
    assert str(info.value.problems[0]) == (
        'partners!1:1: missing column "capacity" (expected the columns partner_id, name, kind, '
        "capacity)")


def test_duplicate_id(tmp_path):
    tables = tiny_tables()
    tables["partners"][1]["partner_id"] = "A"
    assert 'partners!A3: duplicate partner_id=A, already at partners!A2 (expected each ' \
           'partner_id once)' in problems(tmp_path, tables)


def test_level_out_of_range(tmp_path):
    tables = tiny_tables()
    tables["capabilities"][0]["level"] = 7
    assert problems(tmp_path, tables)[0] == (
        "capabilities!C2: level got 7 (expected a whole number from 1 to 5)")


def test_level_not_a_number(tmp_path):
    tables = tiny_tables()
    tables["roles"][0]["min_level"] = "high"
    assert problems(tmp_path, tables) == [
        'roles!E2: min_level got "high" (expected a whole number from 1 to 5)']


def test_reliability_above_one(tmp_path):
    tables = tiny_tables()
    tables["partners"][0]["reliability"] = 1.5
    assert problems(tmp_path, tables) == [
        "partners!G2: reliability got 1.5 (expected a number from 0 to 1)"]


def test_strength_out_of_range(tmp_path):
    tables = tiny_tables()
    tables["relationships"][0]["strength"] = -2
    assert problems(tmp_path, tables) == [
        "relationships!C2: strength got -2 (expected a number from -1 to 1)"]


def test_negative_cost_and_capacity(tmp_path):
    tables = tiny_tables()
    tables["partners"][0]["fixed_cost"] = -1
    tables["partners"][1]["capacity"] = -3
    assert problems(tmp_path, tables) == [
        "partners!E2: fixed_cost got -1 (expected a number from 0 to 1,000,000,000,000)",
        "partners!F3: capacity got -3 (expected a number from 0 to 1,000,000,000)",
    ]


def test_slots_must_be_a_positive_whole_number(tmp_path):
    tables = tiny_tables()
    tables["roles"][0]["slots"] = 1.5
    tables["roles"][1]["slots"] = 0
    assert problems(tmp_path, tables) == [
        "roles!F2: slots got 1.5 (expected a whole number from 1 to 1000)",
        "roles!F3: slots got 0 (expected a whole number from 1 to 1000)",
    ]


def test_bad_boolean(tmp_path):
    tables = tiny_tables()
    tables["roles"][0]["critical"] = "maybe"
    assert problems(tmp_path, tables) == [
        'roles!H2: critical got "maybe" (expected yes/no, y/n, true/false, t/f, 1/0, or x for yes)']


@pytest.mark.parametrize("word,expected", [("YES", True), ("no", False), ("1", True),
                                           ("false", False), ("True", True)])
def test_boolean_words(tmp_path, word, expected):
    tables = tiny_tables()
    tables["roles"][0]["critical"] = word
    net = load_network(write_xlsx(tmp_path / "in.xlsx", tables))
    assert net.role["R1"].critical is expected


def test_bad_enum(tmp_path):
    tables = tiny_tables()
    tables["touchpoints"][0]["stage"] = "backstage"
    assert problems(tmp_path, tables) == [
        'touchpoints!D2: stage got "backstage" (expected one of front, back)']


def test_blank_required_id(tmp_path):
    tables = tiny_tables()
    tables["capabilities"][0]["capability"] = "  "
    assert problems(tmp_path, tables) == [
        "capabilities!B2: capability is blank (expected a non-empty id)"]


def test_unknown_touchpoint_of_a_role(tmp_path):
    tables = tiny_tables()
    tables["roles"][1]["touchpoint_id"] = "T9"
    assert problems(tmp_path, tables) == [
        'roles!C3: unknown touchpoint_id "T9" (expected a touchpoint_id from the touchpoints '
        "sheet)"]


def test_unknown_partner_of_a_capability_and_a_set(tmp_path):
    tables = tiny_tables()
    tables["capabilities"][2]["partner_id"] = "Z"
    tables["sets"][0]["partner_id"] = "Q"
    assert problems(tmp_path, tables) == [
        'capabilities!A4: unknown partner_id "Z" (expected a partner_id from the partners sheet)',
        'sets!B2: unknown partner_id "Q" (expected a partner_id from the partners sheet)',
    ]


def test_relationship_self_loop_and_duplicate(tmp_path):
    tables = tiny_tables()
    tables["relationships"] += [{"partner_a": "B", "partner_b": "A", "strength": 0.1},
                                {"partner_a": "A", "partner_b": "A", "strength": 0.1}]
    assert problems(tmp_path, tables) == [
        "relationships!B3: duplicate relationship B-A, already at relationships!A2 (expected "
        "each pair once, in either order)",
        'relationships!B4: partner "A" is related to itself (expected two different partners)',
    ]


def test_unknown_role_in_locks(tmp_path):
    tables = tiny_tables()
    tables["locks"] = [{"role_id": "R9", "partner_id": "A"}]
    assert problems(tmp_path, tables) == [
        'locks!A2: unknown role_id "R9" (expected a role_id from the roles sheet)']


def test_policy_unknown_key_is_a_warning(tmp_path):
    tables = tiny_tables()
    tables["policy"].append({"key": "colour", "value": "blue"})
    loaded = load(write_xlsx(tmp_path / "in.xlsx", tables))
    assert [str(w) for w in loaded.warnings if w.where.startswith("policy")] == [
        'policy!A3: unknown policy key "colour" ignored (expected one of budget, max_partners, '
        "min_partners_per_touchpoint, must_include, exclude, forbid_below_strength, "
        "time_limit_s, profile, seed, max_changes, meet_standards, horizon_periods, plan_start, "
            "currency, "
        "period, paper, survey_scale, accept_claims, round_title, buyer, deadline, contact, "
        "default_onboarding_cost, cost_weight, "
        "fill_weight, moment_of_truth_factor, reliability_weight, cohesion_weight, "
        "standard_shortfall_weight)"]


def test_policy_values_are_checked(tmp_path):
    tables = tiny_tables()
    tables["policy"] = [{"key": "max_partners", "value": "two"},
                        {"key": "must_include", "value": "A; X"}]
    assert problems(tmp_path, tables) == [
        'policy!B2: max_partners got "two" (expected a whole number from 0 to 1,000,000)',
        'policy!B3: must_include names unknown partner "X" (expected partner ids from the '
        "partners sheet, separated by ;)",
    ]


def test_policy_ids_and_weights(tmp_path):
    tables = tiny_tables()
    tables["policy"] = [{"key": "exclude", "value": "A;B"}, {"key": "cohesion_weight",
                                                             "value": 0.5}]
    net = load_network(write_xlsx(tmp_path / "in.xlsx", tables))
    assert net.policy.exclude == ("A", "B")
    assert dict(net.policy.weights) == {"cohesion_weight": 0.5}


def test_contradictory_policy_is_a_validation_error(tmp_path):
    tables = tiny_tables()
    tables["policy"] = [{"key": "exclude", "value": "A"}, {"key": "must_include", "value": "A;B"},
                        {"key": "max_partners", "value": 1}]
    tables["locks"] = [{"role_id": "R1", "partner_id": "A"}]
    assert problems(tmp_path, tables) == [
        'policy!B2: partner "A" is both in must_include and in exclude (expected each partner '
        "in at most one of the two)",
        'locks!B2: locked partner "A" is also excluded by the policy (expected a lock on a '
        "partner that may join)",
        "policy!B4: max_partners is 1 but must_include and locks already need 2 partners "
        "(expected max_partners of at least 2)",
    ]


def test_lock_on_a_partner_that_does_not_qualify(tmp_path):
    tables = tiny_tables()
    tables["locks"] = [{"role_id": "R2", "partner_id": "A"}]
    assert problems(tmp_path, tables) == [
        'locks!B2: partner "A" is locked to role "R2" but does not qualify (web: no offer) '
        "(expected web at level 1 or above)"]


def test_locks_with_locked_no_are_ignored(tmp_path):
    tables = tiny_tables()
    tables["locks"] = [{"role_id": "R1", "partner_id": "A", "locked": "no"},
                       {"role_id": "R2", "partner_id": "B", "locked": "yes"}]
    net = load_network(write_xlsx(tmp_path / "in.xlsx", tables))
    assert [(lk.role_id, lk.partner_id) for lk in net.locks] == [("R2", "B")]


def test_many_errors_are_all_reported_in_one_run(tmp_path):
    tables = tiny_tables()
    tables["partners"][0]["kind"] = "friend"
    tables["capabilities"][1]["level"] = 0
    tables["touchpoints"][0]["importance"] = "lots"
    tables["roles"][0]["capability"] = ""
    tables["relationships"][0]["strength"] = 3
    found = problems(tmp_path, tables)
    assert [p.split(":")[0] for p in found] == [
        "partners!C2", "capabilities!C3", "touchpoints!G2", "roles!D2", "relationships!C2"]


def test_csv_locations_name_file_line_and_column(tmp_path):
    tables = tiny_tables()
    tables["roles"][1]["min_level"] = 9
    folder = write_csv_folder(tmp_path / "csv", tables)
    with pytest.raises(InputError) as info:
        load_network(folder)
    assert [str(p) for p in info.value.problems] == [
        "roles.csv:3:min_level: min_level got \"9\" (expected a whole number from 1 to 5)"]


def test_blank_rows_and_trailing_empty_columns_are_ignored(tmp_path):
    path = write_xlsx(tmp_path / "in.xlsx", tiny_tables())
    wb = openpyxl.load_workbook(path)
    ws = wb["partners"]
    ws.insert_rows(3)  # a blank row between the two partners
    ws["K1"] = "notes"  # an extra column is kept and ignored
    ws["K2"] = "anything"
    wb.save(path)
    net = load_network(path)
    assert [p.partner_id for p in net.partners] == ["A", "B"]


def test_header_and_sheet_names_are_case_insensitive(tmp_path):
    path = write_xlsx(tmp_path / "in.xlsx", tiny_tables())
    wb = openpyxl.load_workbook(path)
    wb["partners"].title = "renamed"
    wb["renamed"].title = "PARTNERS"
    wb["PARTNERS"]["A1"] = "Partner_ID"
    wb.save(path)
    assert load_network(path).partners[0].partner_id == "A"


# --- hostile and wrong files -------------------------------------------------------------------


def test_not_a_workbook_is_refused(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(UnsafeInputError, match="notes.txt: is neither a workbook nor a folder"):
        load_network(text)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a zip")
    with pytest.raises(UnsafeInputError, match="fake.xlsx: is not an Excel workbook"):
        load_network(fake)
    with pytest.raises(UnsafeInputError, match="does not exist"):
        load_network(tmp_path / "missing.xlsx")


def test_zip_bomb_is_refused(tmp_path, tiny_xlsx):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(tiny_xlsx) as src, zipfile.ZipFile(bomb, "w",
                                                            zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        # A part of zeros larger than the limit: a few hundred KB packed.
        with dst.open("xl/media/zeros.bin", "w", force_zip64=True) as handle:
            chunk = b"\0" * 2**24
            for _ in range(MAX_UNPACKED_BYTES // len(chunk) + 1):
                handle.write(chunk)
    with pytest.raises(UnsafeInputError, match="bomb.xlsx: refused: unpacks to .* zip bomb"):
        load_network(bomb)


def test_xml_entity_attack_is_refused(tmp_path, tiny_xlsx):
    evil = tmp_path / "evil.xlsx"
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')
    with zipfile.ZipFile(tiny_xlsx) as src, zipfile.ZipFile(evil, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                data = laughs + data.split(b"?>", 1)[-1]
            dst.writestr(item, data)
    with pytest.raises(UnsafeInputError, match="declares XML entities"):
        load_network(evil)


def test_loading_never_modifies_the_input(tiny_xlsx):
    before = hashlib.sha256(tiny_xlsx.read_bytes()).hexdigest()
    files_before = sorted(tiny_xlsx.parent.iterdir())
    load_network(tiny_xlsx)
    assert hashlib.sha256(tiny_xlsx.read_bytes()).hexdigest() == before
    assert sorted(tiny_xlsx.parent.iterdir()) == files_before


# --- property: random cell mutations load or raise InputError, nothing else --------------------

CELL_VALUES = st.one_of(
    st.none(), st.integers(-10, 10), st.floats(-3, 8, allow_nan=False), st.booleans(),
    st.sampled_from(["", " ", "yes", "x", "A", "B", "T1", "R1", "front", "-1", "1e3", "=1+1",
                     "5%", "nan", "inf", "💥"]),
)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_cell_mutations_load_or_raise_input_error(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("mut")
    tables = tiny_tables()
    for _ in range(data.draw(st.integers(1, 4))):
        sheet = data.draw(st.sampled_from(sorted(k for k, v in tables.items() if v)))
        row = data.draw(st.sampled_from(tables[sheet]))
        column = data.draw(st.sampled_from(sorted(row)))
        row[column] = data.draw(CELL_VALUES)
    path = write_xlsx(folder / "m.xlsx", tables)
    before = sorted(folder.iterdir())
    try:
        load_network(path)
    except InputError as exc:
        assert exc.problems and all(":" in str(p) for p in exc.problems)
    assert sorted(folder.iterdir()) == before


# --- the rules sheet ---------------------------------------------------------------------------


def test_rules_sheet_reads_each_kind(tmp_path):
    tables = tiny_tables()
    tables["roles"][1]["critical"] = "yes"
    tables["rules"] = [
        {"rule": "same_partner", "roles": "R1; R2"},
        {"rule": "single_source", "roles": "R1;R2", "limit": 1},
        {"rule": "requires", "partners": "A;B"},
        {"rule": "max_share", "limit": "50%"},
    ]
    network = load_network(write_xlsx(tmp_path / "r.xlsx", tables))
    assert [(r.rule, r.roles, r.partners, r.limit) for r in network.rules] == [
        ("same_partner", ("R1", "R2"), (), None), ("single_source", ("R1", "R2"), (), 1),
        ("requires", (), ("A", "B"), None), ("max_share", (), (), 0.5)]


@pytest.mark.parametrize(("row", "message"), [
    ({"rule": "same_partner", "roles": "R1"},
     "rules!B2: same_partner: needs the roles it ties together (expected two or more role_ids)"),
    ({"rule": "same_partner", "roles": "R1;R9"},
     'rules!B2: same_partner: unknown role_id "R9"'),
    ({"rule": "single_source", "roles": "R1;R2", "limit": 1.5},
     "rules!D2: single_source: limit got 1.5 (expected a whole number of partners, 1 or more)"),
    ({"rule": "requires", "partners": "A"},
     "rules!C2: requires: needs a partner and what it requires"),
    ({"rule": "max_share", "limit": 2},
     "rules!D2: max_share: limit got 2"),
    ({"rule": "bundle", "roles": "R1;R2"}, 'rules!A2: rule got "bundle"'),
])
def test_rules_sheet_errors_are_located(tmp_path, row, message):
    tables = tiny_tables()
    tables["rules"] = [row]
    found = problems(tmp_path, tables)
    assert any(p.startswith(message) for p in found), found


def test_same_partner_needs_roles_of_one_slot(tmp_path):
    tables = tiny_tables()
    tables["roles"][0]["slots"] = 2
    tables["rules"] = [{"rule": "same_partner", "roles": "R1;R2"}]
    assert problems(tmp_path, tables) == [
        "rules!B2: same_partner: role R1 has 2 slots; one partner can fill only one of them "
        "(expected roles of one slot each)"]


def test_offer_figures_and_offers_for_one_role(tmp_path):
    tables = tiny_tables()
    tables["capabilities"].append({"partner_id": "A", "capability": "call", "level": 4,
                                   "unit_cost": 1, "role_id": "R1", "response_hours": 0.5,
                                   "reliability": 0.99})
    network = load_network(write_xlsx(tmp_path / "o.xlsx", tables))
    assert network.offer("A", "R1").unit_cost == 1 and network.response_of("A", "R1") == 0.5
    assert network.reliability_of("A", "R1") == 0.99
    assert network.partner["A"].reliability == 0.9  # the partner's own figure is unchanged


def test_an_offer_for_a_role_of_another_capability_is_an_error(tmp_path):
    tables = tiny_tables()
    tables["capabilities"].append({"partner_id": "A", "capability": "web", "level": 4,
                                   "role_id": "R1"})
    tables["capabilities"].append({"partner_id": "A", "capability": "call", "level": 4,
                                   "role_id": "R9"})
    found = problems(tmp_path, tables)
    assert 'capabilities!H5: an offer of web for role "R1", which needs call (expected a role ' \
           "that needs web, or a blank role_id)" in found
    assert any(p.startswith('capabilities!H6: unknown role_id "R9"') for p in found)


def test_todays_network_is_checked_to_the_cell(tmp_path):
    tables = tiny_tables()
    # A offers no web (R2); R1 has one slot, held twice; max_changes 0 with B excluded.
    tables["current"] = [{"role_id": "R2", "partner_id": "A"},
                         {"role_id": "R1", "partner_id": "A"},
                         {"role_id": "R1", "partner_id": "B"}]
    tables["policy"] += [{"key": "max_changes", "value": 0}, {"key": "exclude", "value": "B"}]
    assert problems(tmp_path, tables) == [
        'current!B2: partner "A" holds role "R2" in today\'s network but does not qualify '
        "(web: no offer) (expected web at level 1 or above)",
        'current!B4: role "R1" has more rows of today\'s network than its 1 slot(s) '
        "(expected at most 1 rows of today's network)",
        "policy!B3: max_changes is 0 but exclude already ends 1 of today's assignments "
        "(R1:B) (expected max_changes of at least 1)",
    ]


# --- mistakes the column checks alone let through ------------------------------------------------


def test_a_reliability_written_as_a_percentage_says_so(tmp_path):
    tables = tiny_tables()
    tables["partners"][0]["reliability"] = 98
    assert problems(tmp_path, tables) == [
        "partners!G2: reliability got 98: looks like a percentage: write 0.98 for 98 % "
        "(expected a number from 0 to 1)"]


def test_an_on_time_rate_written_as_a_percentage_says_so(tmp_path):
    tables = tiny_tables()
    tables["standards"].append({"touchpoint_id": "T1", "metric": "on_time_rate",
                                "direction": "higher", "target": 98})
    assert problems(tmp_path, tables) == [
        "standards!E3: on_time_rate target 98: looks like a percentage: write 0.98 for 98 % "
        "(expected a share from 0 to 1)"]


def test_a_target_looser_than_the_customers_expectation_is_a_warning(tmp_path):
    tables = tiny_tables()  # response_hours: customers expect 1 h, the target is 2 h
    loaded = load(write_xlsx(tmp_path / "in.xlsx", tables))
    assert "standards!E2: target 2 is looser than what customers expect (1): the " \
        "specification gap is built into the standard (expected a target at least as " \
        "demanding as 1)" in [str(w) for w in loaded.warnings]
    tables["standards"][0]["target"] = 1
    loaded = load(write_xlsx(tmp_path / "ok.xlsx", tables))
    assert not [w for w in loaded.warnings if w.where.startswith("standards")]


def test_survey_scores_off_the_scale_are_errors(tmp_path):
    tables = tiny_tables()
    tables["expectations"][0]["customer_expected"] = 9
    assert problems(tmp_path, tables) == [
        "expectations!C2: customer_expected 9 is off the survey scale 1-7 (expected a score "
        "from 1 to 7 (or set the policy key survey_scale))"]
    tables["policy"].append({"key": "survey_scale", "value": "1-10"})
    assert load_network(write_xlsx(tmp_path / "ten.xlsx", tables)).policy.survey_scale == \
        (1, 10)
    tables["policy"][-1]["value"] = "7-1"
    assert problems(tmp_path, tables) == [
        'policy!B3: survey_scale got "7-1" (expected LOW-HIGH with LOW below HIGH, e.g. 1-7 '
        "or 1-5)"]


def test_a_perception_score_without_its_soft_standard_says_which_row_to_add(tmp_path):
    tables = tiny_tables()
    loaded = load(write_xlsx(tmp_path / "in.xlsx", tables))
    assert ("expectations!E2: no perception gap for T1 empathy: it needs a soft standard "
            "(expected a standards row: touchpoint_id T1, metric empathy, direction higher, "
            "measured = the company's own score on the survey scale)"
            ) in [str(w) for w in loaded.warnings]
    tables["standards"].append({"touchpoint_id": "T1", "metric": "empathy",
                                "direction": "higher", "measured": 5})
    loaded = load(write_xlsx(tmp_path / "ok.xlsx", tables))
    assert not [w for w in loaded.warnings if w.where.startswith("expectations")]


def test_currency_and_period_are_read():
    from orchestra.domain import Policy

    assert Policy(currency="EUR", period="month").money_unit == "EUR per month"
    assert Policy().money_unit == ""


def test_the_committed_contract_doc_is_current():
    from orchestra.io.contract import contract_markdown

    committed = (Path(__file__).resolve().parents[1] / "docs" / "contract.md").read_text(
        encoding="utf-8")
    assert committed == contract_markdown(), "run: orchestra template --markdown > docs/contract.md"


def test_the_template_readme_states_every_default_and_unit(tmp_path):
    import openpyxl

    from orchestra.io.contract import SHEETS, default_text
    from orchestra.report.inputs import write_input_workbook

    out = write_input_workbook(tmp_path / "t.xlsx")
    rows = list(openpyxl.load_workbook(out)["README"].iter_rows(values_only=True))
    header = rows[4]
    assert header[:7] == ("sheet", "column", "meaning", "range", "unit",
                          "default (when blank)", "example")
    by_column: dict[str, list] = {}
    sheet = None
    for row in rows[5:]:
        if row and row[0]:
            sheet = row[0]
        if row and len(row) > 1 and row[1]:
            by_column[f"{sheet}.{row[1]}"] = row
    for s in SHEETS:
        for c in s.columns:
            row = by_column[f"{s.name}.{c.name}"]
            assert row[5] == default_text(c) and "blank" not in str(row[5])
            assert row[6] not in (None, "", "None")
    assert by_column["roles.min_level"][5] == "1" and by_column["roles.slots"][5] == "1"
    assert by_column["partners.capacity"][4] == "units of work per period"


SOFFICE = shutil.which("libreoffice") or shutil.which("soffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice writes the .ods and .xls files this "
                                            "test reads (apt install libreoffice-calc)")
@pytest.mark.parametrize("suffix", ["ods", "xls"])
def test_a_workbook_saved_by_another_office_suite_reads_like_the_xlsx(tmp_path, suffix):
    import subprocess

    source = ROOT / "inputs" / "bank.xlsx"
    done = subprocess.run([SOFFICE, "--headless", "--convert-to", suffix, "--outdir",
                           str(tmp_path), str(source)], capture_output=True, timeout=180,
                          check=False, env={**os.environ, "HOME": str(tmp_path)})
    converted = tmp_path / f"bank.{suffix}"
    assert done.returncode == 0 and converted.exists(), done.stderr.decode(errors="replace")
    ours, theirs = load_network(source), load_network(converted)
    for part in ("partners", "capabilities", "touchpoints", "roles", "relationships",
                 "standards", "expectations", "rules", "locks", "current", "sets", "policy"):
        assert getattr(theirs, part) == getattr(ours, part), part


def test_a_damaged_ods_is_refused_by_name(tmp_path):
    bad = tmp_path / "bids.ods"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(UnsafeInputError, match="bids.ods"):
        load_network(bad)
