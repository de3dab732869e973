"""Networks of sites: roles needed at each site, partners that serve some regions, rules at each
site or across them, standards kept at every site. Small networks are planned from their rows
(through the loader) and set against an enumeration written from the rows' meaning alone, with
no use of how orchestra writes a sited role."""

from __future__ import annotations

import itertools
import json
from collections import Counter

import pytest
from click.testing import CliRunner
from conftest import write_xlsx
from hypothesis import given, settings
from hypothesis import strategies as st
from test_model import LOWEST

from orchestra.cli import main
from orchestra.errors import InputError
from orchestra.io.loader import network_from_rows
from orchestra.model import SolveSettings, check_plan, plan

SETTINGS = SolveSettings(time_limit_s=30, workers=2)


def hotels(**changes) -> dict[str, list[dict]]:
    """Three hotels (H1, H2 north; H3 coast). Cleaning (1 slot, load 1) is needed at each;
    the booking system once, network-wide. North Clean serves the north only, at 1; Coast
    Clean the coast, at 2; National serves everywhere, at 3 (2 from 3 slots on, a tier)."""
    tables = {
        "partners": [
            {"partner_id": "N", "name": "North Clean", "kind": "supplier", "capacity": 9,
             "serves": "north", "response_hours": 2},
            {"partner_id": "C", "name": "Coast Clean", "kind": "supplier", "capacity": 9,
             "serves": "H3", "response_hours": 8},
            {"partner_id": "A", "name": "National", "kind": "supplier", "capacity": 9,
             "response_hours": 4},
            {"partner_id": "S", "name": "SoftBook", "kind": "supplier", "capacity": 9},
        ],
        "capabilities": [
            {"partner_id": "N", "capability": "cleaning", "level": 3, "unit_cost": 1},
            {"partner_id": "C", "capability": "cleaning", "level": 3, "unit_cost": 2},
            {"partner_id": "A", "capability": "cleaning", "level": 3, "unit_cost": 3},
            {"partner_id": "A", "capability": "cleaning", "level": 3, "unit_cost": 2,
             "min_slots": 3},
            {"partner_id": "S", "capability": "booking", "level": 3, "unit_cost": 5},
        ],
        "sites": [{"site_id": "H1", "name": "Harbour", "region": "north"},
                  {"site_id": "H2", "name": "Hill", "region": "north"},
                  {"site_id": "H3", "name": "Bay", "region": "coast"}],
        "touchpoints": [{"touchpoint_id": "T1", "name": "Stay", "kind": "utilization",
                         "stage": "front"}],
        "roles": [
            {"role_id": "R1", "name": "Room cleaning", "touchpoint_id": "T1",
             "capability": "cleaning", "sites": "all"},
            {"role_id": "R2", "name": "Booking", "touchpoint_id": "T1", "capability": "booking"},
        ],
    }
    tables.update(changes)
    return tables


def pairs_at(net, result) -> set[tuple[str, str, str]]:
    return {(net.ref(a.role_id)["role_id"], net.ref(a.role_id)["site_id"] or "", a.partner_id)
            for a in result.assignments}


def test_a_role_with_sites_is_filled_at_each_by_a_partner_serving_it():
    net = network_from_rows(hotels())
    assert [r.role_id for r in net.roles] == ["R1@H1", "R1@H2", "R1@H3", "R2"]
    result = plan(net, LOWEST, SETTINGS)
    # North Clean (1) at both northern hotels; it does not serve the coast, where Coast (2)
    # beats National (3); the booking system once: 1 + 1 + 2 + 5.
    assert pairs_at(net, result) == {("R1", "H1", "N"), ("R1", "H2", "N"), ("R1", "H3", "C"),
                                     ("R2", "", "S")}
    assert result.total_cost == 9


def test_a_tier_counts_slots_across_sites():
    # National's 2 holds from 3 slots of cleaning: all three hotels at 2 = 6 beat 1 + 1 + 2 + 0
    # only when North Clean costs more; at 2.5 it does (2.5 + 2.5 + 2 = 7 > 6).
    tables = hotels()
    tables["capabilities"][0]["unit_cost"] = 2.5
    net = network_from_rows(tables)
    result = plan(net, LOWEST, SETTINGS)
    assert {p for r, _, p in pairs_at(net, result) if r == "R1"} == {"A"}
    assert result.total_cost == 6 + 5
    assert {a.min_slots for a in result.assignments if a.partner_id == "A"} == {3}


def test_a_standard_kept_at_every_site_judges_each_site_alone():
    # Within 6 h at each hotel: Coast Clean (8 h) breaks it at H3, so National (4 h) goes there.
    tables = hotels(standards=[{"touchpoint_id": "T1", "metric": "response_hours",
                                "direction": "lower", "target": 6, "roles": "R1",
                                "sites": "all"}])
    net = network_from_rows(tables)
    assert [s.site_id for s in net.standards] == ["H1", "H2", "H3"]
    result = plan(net, LOWEST, SETTINGS)
    assert ("R1", "H3", "A") in pairs_at(net, result)
    from orchestra.score import score
    outcomes = {o.site_id: o.met for o in score(net, result).standards}
    assert outcomes == {"H1": True, "H2": True, "H3": True}


def test_same_partner_at_each_site_or_across_the_network():
    # Front desk R3 at every hotel, which only National and North Clean do, with cleaning:
    # at each site (scope site) the pair may differ between sites; across the network one
    # partner does both everywhere, and only National serves the coast.
    tables = hotels()
    tables["capabilities"] += [{"partner_id": "N", "capability": "desk", "level": 3,
                                "unit_cost": 1},
                               {"partner_id": "A", "capability": "desk", "level": 3,
                                "unit_cost": 3}]
    tables["roles"].append({"role_id": "R3", "name": "Desk", "touchpoint_id": "T1",
                            "capability": "desk", "sites": "all"})
    by_site = dict(tables, rules=[{"rule": "same_partner", "roles": "R1;R3", "scope": "site"}])
    net = network_from_rows(by_site)
    got = pairs_at(net, plan(net, LOWEST, SETTINGS))
    assert {(r, s, p) for r, s, p in got if s == "H1"} == {("R1", "H1", "N"), ("R3", "H1", "N")}
    assert {(r, s, p) for r, s, p in got if s == "H3"} == {("R1", "H3", "A"), ("R3", "H3", "A")}
    everywhere = dict(tables, rules=[{"rule": "same_partner", "roles": "R1;R3"}])
    net = network_from_rows(everywhere)
    assert {p for r, s, p in pairs_at(net, plan(net, LOWEST, SETTINGS)) if s} == {"A"}


def test_locks_and_todays_network_name_the_site():
    tables = hotels(locks=[{"role_id": "R1", "site_id": "H2", "partner_id": "A"}],
                    current=[{"role_id": "R1", "site_id": "h3", "partner_id": "C"},
                             {"role_id": "R2", "partner_id": "S"}])
    net = network_from_rows(tables)
    assert [(lk.role_id, lk.partner_id) for lk in net.locks] == [("R1@H2", "A")]
    assert [(c.role_id, c.partner_id) for c in net.current] == [("R1@H3", "C"), ("R2", "S")]
    assert ("R1", "H2", "A") in pairs_at(net, plan(net, LOWEST, SETTINGS))


@pytest.mark.parametrize("sheet, row, cell, says", [
    ("roles", {"sites": "H9"}, "roles.csv:", 'unknown site "H9"'),
    ("partners", {"serves": "east"}, "partners.csv:", 'unknown site or region "east"'),
    ("locks", {"role_id": "R1", "partner_id": "A"}, "locks.csv:", "name the site"),
    ("locks", {"role_id": "R1", "site_id": "H7", "partner_id": "A"}, "locks.csv:",
     'not needed at site "H7"'),
    ("locks", {"role_id": "R2", "site_id": "H1", "partner_id": "S"}, "locks.csv:",
     "network-wide"),
    ("rules", {"rule": "requires", "partners": "A;S", "scope": "site"}, "rules.csv:",
     "scope site has no meaning"),
    ("standards", {"touchpoint_id": "T1", "metric": "response_hours", "direction": "lower",
                   "target": 5, "sites": "H1;Nowhere"}, "standards.csv:", 'unknown site "Nowhere"'),
])
def test_each_site_cell_is_checked_where_it_stands(sheet, row, cell, says):
    tables = hotels()
    if sheet in ("roles", "partners"):
        tables[sheet][0].update(row)
    else:
        tables[sheet] = [row]
    with pytest.raises(InputError) as caught:
        network_from_rows(tables)
    [problem] = caught.value.problems
    assert problem.where.startswith(cell) and says in problem.what


def test_sites_named_without_a_sites_sheet_are_an_error_at_the_cell():
    tables = hotels()
    del tables["sites"]
    with pytest.raises(InputError) as caught:
        network_from_rows(tables)
    assert any(p.where == "roles.csv:2:sites" and "no sites sheet" in p.what
               for p in caught.value.problems)


def test_a_sites_sheet_no_role_uses_plans_as_without_one():
    tables = hotels()
    tables["roles"][0]["sites"] = ""
    tables["partners"][0]["serves"] = ""
    tables["partners"][1]["serves"] = ""
    without = dict(tables)
    del without["sites"]
    a, b = network_from_rows(tables), network_from_rows(without)
    pa, pb = plan(a, LOWEST, SETTINGS), plan(b, LOWEST, SETTINGS)
    assert (pa.objective, pairs_at(a, pa)) == (pb.objective, pairs_at(b, pb))


def test_plan_json_and_report_carry_the_site(tmp_path):
    source = write_xlsx(tmp_path / "hotels.xlsx", hotels(current=[
        {"role_id": "R1", "site_id": "H1", "partner_id": "A"},
        {"role_id": "R2", "partner_id": "S"}]))
    out = CliRunner().invoke(main, ["plan", str(source), "--profile", "lowest_cost", "--json",
                                    "--output", str(tmp_path / "report.xlsx")])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert {(a["role_id"], a["site_id"], a["partner_id"]) for a in data["assignments"]} == {
        ("R1", "H1", "N"), ("R1", "H2", "N"), ("R1", "H3", "C"), ("R2", None, "S")}
    assert {"role_id": "R1", "site_id": "H1", "from_partner_id": "A", "to_partner_id": "N"} \
        in data["changes"]["replaced"]
    from openpyxl import load_workbook
    book = load_workbook(tmp_path / "report.xlsx", read_only=True)
    rows = list(book["assignments"].values)
    header = rows[rows.index(next(r for r in rows if r and r[0] == "role_id"))]
    at = {name: k for k, name in enumerate(header)}
    body = [r for r in rows[rows.index(header) + 1:] if r and r[at["partner_id"]]]
    assert {(r[at["role_id"]], r[at["site_id"]] or "", r[at["partner_id"]]) for r in body} == {
        ("R1", "H1", "N"), ("R1", "H2", "N"), ("R1", "H3", "C"), ("R2", "", "S")}
    sites = list(book["sites"].values)
    assert any(r and r[0] == "H3" for r in sites)


def test_a_report_assignments_sheet_locks_by_site(tmp_path):
    source = write_xlsx(tmp_path / "hotels.xlsx", hotels())
    report = tmp_path / "report.xlsx"
    assert CliRunner().invoke(main, ["plan", str(source), "--profile", "lowest_cost",
                                     "--output", str(report)]).exit_code == 0
    from openpyxl import load_workbook
    book = load_workbook(report)
    sheet = book["assignments"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):  # a manager locks the coast hotel's cleaner
        if row[header.index("site_id")].value == "H3":
            row[header.index("locked")].value = "yes"
    book.save(report)
    out = CliRunner().invoke(main, ["plan", str(source), "--profile", "lowest_cost",
                                    "--locks", str(report), "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["locks"] == [{"role_id": "R1", "site_id": "H3",
                                                "partner_id": "C"}]


# --- brute force from the rows' meaning ---------------------------------------------------------


@st.composite
def site_networks(draw):
    """2-3 sites in two regions; 2-4 partners serving everywhere, a region or a site; roles
    needed network-wide, at every site or at some; volume tiers; scoped rules; standards kept
    across the network or at each site."""
    n_sites = draw(st.integers(2, 3))
    sites = [{"site_id": f"S{k}", "region": "north" if k < 1 else "south"}
             for k in range(n_sites)]
    places = ["", "", "north", "south", "S0", "S1"]
    partners, capabilities = [], []
    for i in range(draw(st.integers(2, 4))):
        pid = f"P{i}"
        partners.append({"partner_id": pid, "name": pid, "kind": "supplier",
                         "capacity": draw(st.sampled_from([2, 3, 6])),
                         "fixed_cost": draw(st.sampled_from([0, 0, 2])),
                         "serves": draw(st.sampled_from(places)),
                         "reliability": draw(st.sampled_from([0.8, 0.95, 1.0])),
                         "response_hours": draw(st.sampled_from([1, 4]))})
        for cap in draw(st.lists(st.sampled_from(["x", "y"]), min_size=1, max_size=2,
                                 unique=True)):
            cost = draw(st.integers(1, 5))
            capabilities.append({"partner_id": pid, "capability": cap,
                                 "level": draw(st.integers(1, 3)), "unit_cost": cost})
            if draw(st.integers(0, 3)) == 0:
                capabilities.append({"partner_id": pid, "capability": cap,
                                     "level": capabilities[-1]["level"],
                                     "unit_cost": max(0, cost - 1),
                                     "min_slots": draw(st.integers(2, 3))})
    ids = [s["site_id"] for s in sites]
    region = {s["site_id"]: s["region"] for s in sites}
    for row in [c for c in capabilities if c.get("min_slots", 1) == 1]:
        serves = next(p["serves"] for p in partners if p["partner_id"] == row["partner_id"])
        served = [x for x in ids if not serves or serves in (x, region[x])]
        if served and draw(st.integers(0, 3)) == 0:  # an offer for one site: its own terms
            capabilities.append({**row, "site_id": draw(st.sampled_from(served)),
                                 "level": draw(st.integers(1, 3)),
                                 "unit_cost": draw(st.integers(0, 5))})
    roles = []
    for r in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(["", "all", "all", ";".join(ids[:2]), ids[-1]]))
        roles.append({"role_id": f"R{r}", "name": f"R{r}", "touchpoint_id": "T1",
                      "capability": draw(st.sampled_from(["x", "y"])),
                      "min_level": draw(st.integers(1, 2)), "slots": draw(st.integers(1, 2)),
                      "load": draw(st.sampled_from([1, 2])), "critical": draw(st.booleans()),
                      "sites": where})
    rules = []
    single = [r["role_id"] for r in roles if r["slots"] == 1]
    if len(single) >= 2 and draw(st.booleans()):
        rules.append({"rule": "same_partner", "roles": ";".join(single[:2]),
                      "scope": draw(st.sampled_from(["network", "site"]))})
    if draw(st.booleans()):
        rules.append({"rule": "single_source", "roles": ";".join(r["role_id"] for r in roles),
                      "limit": draw(st.sampled_from([1, 2])),
                      "scope": draw(st.sampled_from(["network", "site"]))})
    if draw(st.booleans()):
        rules.append({"rule": "max_share", "limit": draw(st.sampled_from([0.5, 0.67])),
                      "scope": draw(st.sampled_from(["network", "site"]))})
    standards = []
    if draw(st.booleans()):
        metric = draw(st.sampled_from(["response_hours", "on_time_rate"]))
        standards.append({"touchpoint_id": "T1", "metric": metric,
                          "direction": "lower" if metric == "response_hours" else "higher",
                          "target": 2 if metric == "response_hours" else 0.9,
                          "sites": draw(st.sampled_from(["", "all"]))})
    return {"partners": partners, "capabilities": capabilities, "sites": sites,
            "touchpoints": [{"touchpoint_id": "T1", "name": "T1", "kind": "utilization",
                             "stage": "front"}],
            "roles": roles, "rules": rules, "standards": standards}


def _listed(text) -> list[str]:
    return [p for p in str(text or "").split(";") if p]


def enumerate_best(tables) -> tuple | None:
    """(open critical, standards missed, open optional, cost) of the best plan by enumeration,
    read from the rows: a slot is (role, site); a partner qualifies at a site it serves."""
    sites = {s["site_id"]: s["region"] for s in tables["sites"]}
    partner = {p["partner_id"]: p for p in tables["partners"]}
    slots = []  # (role row, site or "")
    for role in tables["roles"]:
        at = list(sites) if role["sites"] == "all" else _listed(role["sites"])
        slots += [(role, s) for s in at] if at else [(role, "")]

    def serves(pid, site):
        places = _listed(partner[pid]["serves"])
        return not site or not places or site in places or sites[site] in places

    def offer(pid, cap, site):
        """The rows pricing ``pid``'s offer of ``cap`` at ``site``: its offer for that site
        where it has one, else its offer for every site."""
        rows = [c for c in tables["capabilities"] if (c["partner_id"], c["capability"])
                == (pid, cap)]
        here = [c for c in rows if site and c.get("site_id") == site]
        return here or [c for c in rows if not c.get("site_id")]

    options = []
    for role, site in slots:
        quals = [pid for pid in partner if serves(pid, site)
                 and any(c.get("min_slots", 1) == 1 and c["level"] >= role["min_level"]
                         for c in offer(pid, role["capability"], site))]
        options.append([combo for k in range(min(role["slots"], len(quals)) + 1)
                        for combo in itertools.combinations(quals, k)])
    best = None
    for combo in itertools.product(*options):
        filled = [(role, site, pid) for (role, site), chosen in zip(slots, combo, strict=True)
                  for pid in chosen]
        team = {pid for _, _, pid in filled}
        taken = Counter((pid, role["capability"]) for role, _, pid in filled)
        used: Counter = Counter()
        cost = sum(partner[p].get("fixed_cost", 0) for p in team)
        for role, site, pid in filled:
            rows = offer(pid, role["capability"], site)
            cost += role["load"] * min(c["unit_cost"] for c in rows
                                       if c.get("min_slots", 1) <= taken[(pid,
                                                                          role["capability"])])
            used[pid] += role["load"]
        if any(used[p] > partner[p]["capacity"] for p in used):
            continue
        if not _keeps_rules(tables, filled, list(sites)):
            continue
        missed = sum(_misses(tables, std, filled, slots, site, partner)
                     for std in tables["standards"]
                     for site in (list(sites) if std["sites"] == "all" else [""]))
        open_critical = sum(role["slots"] - len(chosen) for (role, _), chosen
                            in zip(slots, combo, strict=True) if role["critical"])
        open_optional = sum(role["slots"] - len(chosen) for (role, _), chosen
                            in zip(slots, combo, strict=True) if not role["critical"])
        key = (open_critical, missed, open_optional, round(cost, 6))
        best = key if best is None or key < best else best
    return best


def _group(filled, roles, rule_site, sited_only=False):
    """The filled slots a rule looks at: of ``roles`` (every role when None), at ``rule_site``
    (every site when None) or network-wide ones too unless ``sited_only``."""
    return [(r, s, p) for r, s, p in filled
            if (roles is None or r["role_id"] in roles)
            and (rule_site is None or s == rule_site or (not s and not sited_only))]


def _keeps_rules(tables, filled, sites) -> bool:
    for rule in tables["rules"]:
        scopes = sites if rule["scope"] == "site" else [None]
        roles = _listed(rule.get("roles")) or None
        for site in scopes:
            group = _group(filled, roles, site, sited_only=rule["rule"] == "max_share")
            partners = {p for _, _, p in group}
            if rule["rule"] == "same_partner" and len(partners) > 1:
                return False
            if rule["rule"] == "single_source" and len(partners) > rule["limit"]:
                return False
            if rule["rule"] == "max_share":
                held = Counter(p for _, _, p in group)
                if any(n > rule["limit"] * len(group) + 1e-9 for n in held.values()):
                    return False
    return True


def _misses(tables, std, filled, slots, site, partner) -> int:
    """1 when the plan misses the standard at ``site`` ("" across the network)."""
    covered = [(r, s) for r, s in slots if not site or s in ("", site)]
    mine = [(r, s, p) for r, s, p in filled if not site or s in ("", site)]
    if std["metric"] == "response_hours":
        slow = any(partner[p]["response_hours"] > std["target"] for _, _, p in mine)
        return int(slow or len(mine) < sum(r["slots"] for r, _ in covered))
    need = std["target"] * sum(r["slots"] * r["load"] for r, _ in covered)
    got = sum(r["load"] * partner[p]["reliability"] for r, _, p in mine)
    return int(got < need - 1e-9)


@settings(max_examples=60, deadline=None)
@given(tables=site_networks())
def test_site_networks_plan_as_enumeration_says(tables):
    """Sited roles, serves, tiers across sites, scoped rules and per-site standards: the plan
    is the best by enumeration from the rows, and keeps every rule."""
    net = network_from_rows(tables)
    result = plan(net, LOWEST, SETTINGS)
    best = enumerate_best(tables)
    if best is None:
        assert result.status == "no solution"
        return
    assert result.status == "optimal" and check_plan(net, result) == []
    from orchestra.score import score
    missed = sum(1 for o in score(net, result).standards if o.met is False)
    critical = sum(1 for s in result.shortfalls if s.critical and s.role_id)
    optional = sum(1 for s in result.shortfalls if not s.critical and s.role_id)
    assert (critical, missed, optional, pytest.approx(result.total_cost)) == best


def test_the_blueprint_of_one_site_names_a_known_site(tmp_path):
    source = write_xlsx(tmp_path / "hotels.xlsx", hotels())
    page = tmp_path / "h3.html"
    ok = CliRunner().invoke(main, ["blueprint", str(source), "-o", str(page), "--site", "h3",
                                   "--profile", "lowest_cost"])
    assert ok.exit_code == 0, ok.output
    assert "site H3 Bay" in page.read_text(encoding="utf-8")
    bad = CliRunner().invoke(main, ["blueprint", str(source), "-o", str(tmp_path / "x.html"),
                                    "--site", "H9"])
    assert bad.exit_code == 2 and '--site "H9": not a site' in bad.output
    assert "H1, H2, H3" in bad.output and not (tmp_path / "x.html").exists()


def test_stress_says_which_sites_lose_what(tmp_path):
    tables = hotels()
    source = write_xlsx(tmp_path / "hotels.xlsx", tables)
    out = CliRunner().invoke(main, ["stress", str(source), "--profile", "lowest_cost",
                                    "--json"])
    assert out.exit_code in (0, 1), out.output
    coast = {tuple(d["dropped"]): d for d in json.loads(out.output)["drops"]}[("C",)]
    # Without Coast Clean, National (3) takes the coast hotel's cleaning over.
    assert coast["taken_over_by"] == [{"role_id": "R1", "site_id": "H3", "partner_id": "A"}]
    assert coast["sites_losing"] == []
    # Without National in the network, nobody else serves the coast: H3 loses its cleaning.
    tables["capabilities"] = [c for c in tables["capabilities"] if c["partner_id"] != "A"]
    source = write_xlsx(tmp_path / "no-national.xlsx", tables)
    out = CliRunner().invoke(main, ["stress", str(source), "--profile", "lowest_cost",
                                    "--json"])
    coast = {tuple(d["dropped"]): d for d in json.loads(out.output)["drops"]}[("C",)]
    assert coast["sites_losing"] == [{"site_id": "H3", "roles_unfilled": ["R1"]}]
    assert coast["roles_unfilled"] == [{"role_id": "R1", "site_id": "H3"}]


def test_a_lock_at_a_site_its_partner_does_not_serve_is_refused_at_its_cell():
    tables = hotels(locks=[{"role_id": "R1", "site_id": "H3", "partner_id": "N"}])
    with pytest.raises(InputError) as caught:
        network_from_rows(tables)
    [problem] = caught.value.problems
    assert problem.where == "locks.csv:2:partner_id"
    assert 'is locked to role "R1" at site H3, which it does not serve (serves: north)' \
        in problem.what


def test_a_site_id_may_not_hold_a_list_separator():
    tables = hotels()
    tables["sites"][0]["site_id"] = "H1;H2"
    with pytest.raises(InputError) as caught:
        network_from_rows(tables)
    assert any(p.where == "sites.csv:2:site_id" for p in caught.value.problems)


def test_an_offer_for_one_site_prices_that_site_only():
    tables = hotels()
    tables["capabilities"].append({"partner_id": "A", "capability": "cleaning", "level": 3,
                                   "unit_cost": 1.5, "site_id": "h3"})
    net = network_from_rows(tables)
    result = plan(net, LOWEST, SETTINGS)
    # National at 1.5 at the coast beats Coast Clean (2); at 3 elsewhere it loses to North.
    assert pairs_at(net, result) == {("R1", "H1", "N"), ("R1", "H2", "N"), ("R1", "H3", "A"),
                                     ("R2", "", "S")}
    assert result.total_cost == 1 + 1 + 1.5 + 5


@pytest.mark.parametrize("row, says", [
    ({"partner_id": "N", "site_id": "H3"}, "N offers at H3, which it does not serve"),
    ({"partner_id": "A", "site_id": "H3", "role_id": "R2", "capability": "booking"},
     'role "R2" is not needed at site H3'),
    ({"partner_id": "A", "site_id": "H9"}, 'unknown site "H9"'),
])
def test_an_offer_for_a_site_is_checked_at_its_cell(row, says):
    tables = hotels()
    tables["capabilities"].append({"capability": "cleaning", "level": 3, "unit_cost": 1,
                                   **row})
    with pytest.raises(InputError) as caught:
        network_from_rows(tables)
    assert [p.where for p in caught.value.problems] == ["capabilities.csv:7:site_id"]
    assert says in caught.value.problems[0].what


def lots_per_site(**extra) -> dict:
    return hotels(lots=[{"lot_id": "north", "roles": "R1", "sites": "H1;H2"},
                        {"lot_id": "coast", "roles": "R1", "sites": "H3"},
                        {"lot_id": "booking", "roles": "R2"}], **extra)


def test_lots_per_site_buy_a_role_at_their_sites_once():
    net = network_from_rows(lots_per_site())
    assert {lot.lot_id: lot.roles for lot in net.lots} == {
        "north": ("R1@H1", "R1@H2"), "coast": ("R1@H3",), "booking": ("R2",)}
    tables = lots_per_site()
    tables["lots"].append({"lot_id": "again", "roles": "R1", "sites": "H2"})
    with pytest.raises(InputError) as caught:
        network_from_rows(tables)
    [problem] = caught.value.problems
    assert problem.where == "lots.csv:5:roles" and "R1 at H2 is already in lot north" \
        in problem.what


def test_a_bid_for_a_lot_at_one_site_prices_that_site(tmp_path):
    from openpyxl import load_workbook

    from orchestra.io.loader import load
    from orchestra.report.bids import write_bid_workbooks

    source = write_xlsx(tmp_path / "hotels.xlsx", lots_per_site())
    outbox, inbox = tmp_path / "outbox", tmp_path / "inbox"
    write_bid_workbooks(network_from_rows(lots_per_site()), outbox, ["A"])
    book = load_workbook(outbox / "A.xlsx")
    sheet = book["offers"]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in header}
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    priced = [(r[col["lot"] - 1], r[col["site_id"] - 1], r[col["unit_cost"] - 1]) for r in rows
              if r[col["unit_cost"] - 1] is not None]
    # Its offer for every site (3, and 2 from 3 slots up), restated at each site of the lots.
    assert priced == [("north", "H1", 3), ("north", "H1", 2), ("north", "H2", 3),
                      ("north", "H2", 2), ("coast", "H3", 3), ("coast", "H3", 2)]
    for k, r in enumerate(rows, start=2):  # the coast hotel at 1.2, the rest as it was
        if (r[col["lot"] - 1], r[col["site_id"] - 1], r[col["min_slots"] - 1]) == (
                "coast", "H3", 1):
            sheet.cell(row=k, column=col["unit_cost"], value=1.2)
    partner = book["partner"]
    names = [c.value for c in partner[1]]
    partner.cell(row=2, column=names.index("submitted") + 1, value="yes")
    inbox.mkdir()
    book.save(inbox / "A.xlsx")
    net = load(source, inbox).network
    assert net.offer("A", "R1@H3").unit_cost == 1.2 and net.offer("A", "R1@H1").unit_cost == 3
    result = plan(net, LOWEST, SETTINGS)
    assert ("R1", "H3", "A") in pairs_at(net, result)


def test_the_hotels_example_plans_proven_optimal_keeping_the_brand_at_every_hotel():
    from conftest import ROOT

    from orchestra.io import load_network
    from orchestra.io.profiles import load_profile
    from orchestra.score import score

    net = load_network(ROOT / "inputs" / "hotels.xlsx")
    result = plan(net, load_profile("balanced"),
                  SolveSettings(time_limit_s=60, deterministic=True))
    assert result.stopped_by == "proven optimal" and not result.critical_shortfalls
    outcomes = score(net, result).standards
    assert {o.site_id for o in outcomes if o.metric == "on_time_rate"} == {
        s.site_id for s in net.sites}
    assert all(o.met for o in outcomes)
    # CleanCo (0.86) would miss "room ready by 3 pm" wherever it cleaned.
    assert not [a for a in result.assignments if a.partner_id == "K02"
                and net.role[a.role_id].base_id == "R05"]


def test_a_contract_at_a_site_phases_in_when_it_runs_out(tmp_path):
    # National cleans the coast hotel today, to the end of March (it cannot be ended early):
    # Coast Clean takes over from April; the change names its site and its date.
    tables = hotels(current=[{"role_id": "R1", "site_id": "H3", "partner_id": "A",
                              "contract_end": "2027-03-31"},
                             {"role_id": "R2", "partner_id": "S"}],
                    policy=[{"key": "plan_start", "value": "2027-01-01"},
                            {"key": "period", "value": "month"},
                            {"key": "horizon_periods", "value": 12}])
    source = write_xlsx(tmp_path / "hotels.xlsx", tables)
    out = CliRunner().invoke(main, ["plan", str(source), "--profile", "lowest_cost", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    [change] = data["changes"]["replaced"]
    assert (change["role_id"], change["site_id"], change["from_partner_id"],
            change["to_partner_id"], change["effective"], change["ended_early"]) == (
        "R1", "H3", "A", "C", "2027-04-01", False)
    months = data["timeline"]
    # National at 3 until March, Coast Clean at 2 from April: the coast slot's part of the
    # recurring cost drops by 1 in period 4.
    assert months[3]["recurring_cost"] == months[2]["recurring_cost"] - 1
