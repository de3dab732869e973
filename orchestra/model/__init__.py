"""The CP-SAT planning model: data, rules, solving, reading the plan, and an independent check."""

from orchestra.model.check import check_plan
from orchestra.model.greedy import greedy_plan
from orchestra.model.solve import Progress, SolveSettings, plan

__all__ = ["Progress", "SolveSettings", "check_plan", "greedy_plan", "plan"]
