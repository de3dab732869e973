"""A notebook-style walk through orchestra from Python: build a network from DataFrames, plan,
explain, compare profiles, and write the report. Run it from the project folder:

    .venv/bin/python docs/walkthrough.py [OUTPUT_FOLDER]

Each step prints what a notebook cell would show. The tests run this file as it stands.
"""

import sys
import tempfile
from pathlib import Path

import pandas as pd

import orchestra
from orchestra.score import score

# 1. The network, from DataFrames (here read from the bundled example; any frames with the
#    contract's columns will do: see docs/contract.md).
sheets = pd.read_excel("inputs/bank.xlsx", sheet_name=None, engine="openpyxl")
frames = {name: frame for name, frame in sheets.items() if name != "README"}
network = orchestra.network_from_frames(**frames)
print(f"{len(network.partners)} partners, {len(network.roles)} roles, "
      f"{len(network.touchpoints)} touchpoints")

# 2. Plan with a profile, a time limit and a seed.
profile = orchestra.load_profile("balanced")
settings = orchestra.SolveSettings(time_limit_s=20, seed=0)
plan = orchestra.plan(network, profile, settings)
print(f"plan: {plan.status}, total cost {plan.total_cost:,.2f}, team {len(plan.selected)}")

# 3. The report's tables as DataFrames, names beside ids.
scores = score(network, plan)
tables = orchestra.tables(network, plan, scores)
# Money columns carry the input's currency and period: "total_cost (per month)" on the bank.
total = next(c for c in tables["team"].columns if c.startswith("total_cost"))
print(tables["team"][["partner_id", "partner", total, "part_in_team"]].head())
print(tables["cost_by_touchpoint"].tail(1))

# 4. Why each partner, and what a candidate would have to bid (one role here, to be quick).
why = orchestra.explain(network, profile, plan, roles=["R07"], settings=settings)
for slot in why.assignments:
    print(f"{slot.role_id}: {slot.partner_id}, next best {slot.next_best_partner_id}, "
          f"replace cost {slot.replace_cost}")
for cand in why.candidates:
    print(f"{cand.partner_id} on {cand.role_id}: {cand.status}, price to win {cand.price_to_win}")

# 5. Profiles side by side.
side = orchestra.compare_profiles(
    network, [orchestra.load_profile(n) for n in ("balanced", "lowest_cost")], settings)
for row in side.rows:
    print(f"{row.set_id}: {row.total_cost:,.2f}, cohesion {row.cohesion:.2f}")

# 6. The report workbook and the blueprint page.
out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp())
out.mkdir(parents=True, exist_ok=True)
orchestra.write_report(network, plan, scores, out / "report.xlsx", force=True)
orchestra.write_blueprint(network, plan, scores, out / "blueprint.html", force=True)
print(f"wrote {out / 'report.xlsx'} and {out / 'blueprint.html'}")
