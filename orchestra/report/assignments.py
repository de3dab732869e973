"""A simple assignments workbook for ``orchestra plan -o`` (the full report comes later)."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from orchestra.domain import Network, Plan
from orchestra.report.xlsx import save_atomic, write_table


def write_assignments(network: Network, plan: Plan, path: str | Path, *, force: bool = False
                      ) -> Path:
    """Assignments (with an editable ``locked`` column, readable back as locks) and shortfalls."""
    wb = Workbook()
    ws = wb.active
    ws.title = "assignments"
    rows = []
    for a in plan.assignments:
        role = network.role[a.role_id]
        rows.append([a.role_id, role.name, role.touchpoint_id, a.slot, a.partner_id,
                     network.partner[a.partner_id].name, a.cost, a.capacity_used,
                     "yes" if a.locked else "no"])
    write_table(ws, ["role_id", "role", "touchpoint_id", "slot", "partner_id", "partner", "cost",
                     "capacity_used", "locked"], rows, name="assignments",
                formats={"cost": "#,##0.00", "capacity_used": "0.00"})
    short = wb.create_sheet("shortfalls")
    write_table(short, ["role_id", "slot", "touchpoint_id", "critical", "reason_code", "reason"],
                [[s.role_id, s.slot or None, s.touchpoint_id, "yes" if s.critical else "no",
                  s.reason_code, s.reason] for s in plan.shortfalls], name="shortfalls")
    sources = [Path(network.source)] if network.source else []
    return save_atomic(wb, path, force=force, inputs=sources)
