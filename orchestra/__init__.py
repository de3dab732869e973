"""orchestra: plan service orchestration networks.

Read partner capability workbooks, select the team and assign its roles with an exact CP-SAT
model, and score its cohesion, coverage and value gaps.
"""

from importlib.metadata import PackageNotFoundError, version

from orchestra.domain import Network
from orchestra.errors import InputError, OrchestraError
from orchestra.io import load_network, network_from_frames

try:
    __version__ = version("orchestra")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

load_workbook = load_network  # the name the spec uses

# The planner, the scores and the report load OR-Tools, networkx and openpyxl: imported on
# first use, so that ``orchestra validate`` stays quick.
_LAZY = {
    "plan": "orchestra.model",
    "SolveSettings": "orchestra.model",
    "load_profile": "orchestra.io.profiles",
    "write_report": "orchestra.report.workbook",
    "compare": "orchestra.procurement",
    "stress": "orchestra.procurement",
    "explain": "orchestra.explanations",
    "tables": "orchestra.report.tables",
    "alternatives": "orchestra.tradeoffs",
    "frontier": "orchestra.tradeoffs",
    "compare_profiles": "orchestra.tradeoffs",
    "write_blueprint": "orchestra.report.blueprint",
}


def __dir__() -> list[str]:
    """The public names, the lazy ones included (``dir(orchestra)`` shows the entry points)."""
    return sorted(set(globals()) | set(_LAZY))


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'orchestra' has no attribute {name!r}")


# ``score`` lives in ``orchestra.score`` (a package of its own, so it cannot also be a name here).
__all__ = ["InputError", "Network", "OrchestraError", "SolveSettings", "__version__",
           "alternatives", "compare", "compare_profiles", "explain", "frontier", "load_network",
           "load_profile", "load_workbook", "network_from_frames", "plan", "stress", "tables",
           "write_blueprint", "write_report"]
