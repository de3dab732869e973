"""orchestra: plan service orchestration networks.

Read partner capability workbooks, select the team and assign its roles with an exact CP-SAT
model, and score its cohesion, coverage and value gaps.
"""

from importlib.metadata import PackageNotFoundError, version

from orchestra.domain import Network
from orchestra.errors import InputError, OrchestraError
from orchestra.io import load_network

try:
    __version__ = version("orchestra")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

load_workbook = load_network  # the name the spec uses

__all__ = ["InputError", "Network", "OrchestraError", "__version__", "load_network",
           "load_workbook"]
