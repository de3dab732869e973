"""Shared helpers: tiny networks as tables, written as workbooks or CSV folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestra.domain import Capability, Network, Partner, Policy, Role, Touchpoint
from orchestra.report.inputs import build_input_workbook, write_csv_tables

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
# Run by LibreOffice's own Python (it imports uno), never imported by pytest.
collect_ignore = ["uno_fill_bid.py"]


def tiny_tables() -> dict[str, list[dict]]:
    """Two partners, one touchpoint, two roles: the smallest network that exercises every sheet."""
    return {
        "partners": [
            {"partner_id": "A", "name": "Alpha", "kind": "supplier", "capacity": 4,
             "fixed_cost": 10, "reliability": 0.9, "response_hours": 2},
            {"partner_id": "B", "name": "Beta", "kind": "service_provider", "capacity": 2,
             "fixed_cost": 5, "reliability": 0.8},
        ],
        "capabilities": [
            {"partner_id": "A", "capability": "call", "level": 3, "unit_cost": 2},
            {"partner_id": "B", "capability": "call", "level": 2, "unit_cost": 1},
            {"partner_id": "B", "capability": "web", "level": 4, "unit_cost": 3, "effort": 0.5},
        ],
        "touchpoints": [
            {"touchpoint_id": "T1", "name": "Phone", "kind": "utilization", "stage": "front",
             "moment_of_truth": "yes", "importance": 2},
        ],
        "roles": [
            {"role_id": "R1", "name": "Agents", "touchpoint_id": "T1", "capability": "call",
             "min_level": 2, "slots": 1, "load": 1, "critical": "yes"},
            {"role_id": "R2", "name": "Site", "touchpoint_id": "T1", "capability": "web",
             "min_level": 1, "slots": 1, "load": 2, "critical": "no"},
        ],
        "relationships": [{"partner_a": "A", "partner_b": "B", "strength": 0.5}],
        "standards": [{"touchpoint_id": "T1", "metric": "response_hours", "direction": "lower",
                       "customer_expects": 1, "target": 2, "promised": 1}],
        "expectations": [{"touchpoint_id": "T1", "dimension": "empathy",
                          "customer_expected": 6, "management_estimate": 5,
                          "customer_perceived": 4}],
        "policy": [{"key": "budget", "value": 100}],
        "sets": [{"set_id": "s1", "partner_id": "A"}],
        "locks": [],
    }


def write_xlsx(path: Path, tables: dict[str, list[dict]]) -> Path:
    build_input_workbook(tables).save(path)
    return path


def write_csv_folder(folder: Path, tables: dict[str, list[dict]]) -> Path:
    return write_csv_tables(folder, tables, force=True)


@pytest.fixture
def tiny_xlsx(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "tiny.xlsx", tiny_tables())


NO_POLICY = Policy()


def network(partners, offers, roles, touchpoints=None, policy=NO_POLICY, relationships=(),
            locks=()) -> Network:
    """Partners as (id, fixed, capacity[, reliability]); offers as (partner, capability, level,
    unit_cost[, effort]); roles as (id, capability[, min_level, slots, load, critical, tp])."""
    ps = tuple(Partner(p[0], p[0], "supplier", float(p[2]), fixed_cost=float(p[1]),
                       reliability=p[3] if len(p) > 3 else 1.0) for p in partners)
    cs = tuple(Capability(o[0], o[1], o[2], float(o[3]), float(o[4]) if len(o) > 4 else 1.0)
               for o in offers)
    rs = []
    for r in roles:
        r = (*r, *(None,) * (7 - len(r)))
        rs.append(Role(r[0], r[0], r[6] or "T1", r[1], r[2] or 1, r[3] or 1,
                       float(r[4]) if r[4] is not None else 1.0,
                       r[5] if r[5] is not None else True))
    tps = touchpoints or (Touchpoint("T1", "T1", "utilization", "front"),)
    return Network(ps, cs, tuple(tps), tuple(rs), relationships=tuple(relationships),
                   policy=policy, locks=tuple(locks))
