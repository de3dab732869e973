"""The ``orchestra`` command: parse, call one library function, print, map errors to exit codes.

Exit codes: 0 done; 1 the plan has shortfalls on critical roles; 2 bad input or usage.
"""

from __future__ import annotations

import sys
from collections import Counter

import click

from orchestra import __version__
from orchestra.domain import Network
from orchestra.errors import InputError, OrchestraError
from orchestra.io import Loaded, load

EXIT_OK, EXIT_SHORTFALL, EXIT_BAD_INPUT = 0, 1, 2


class OrchestraCommandError(click.ClickException):
    exit_code = EXIT_BAD_INPUT


def _fail(exc: OrchestraError) -> OrchestraCommandError:
    return OrchestraCommandError(str(exc))


def _load(path: str) -> Loaded:
    try:
        loaded = load(path)
    except InputError as exc:
        for warning in exc.warnings:
            click.echo(f"warning: {warning}", err=True)
        raise _fail(exc) from None
    for warning in loaded.warnings:
        click.echo(f"warning: {warning}", err=True)
    return loaded


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="orchestra")
def main() -> None:
    """Plan service orchestration networks: select partners, assign roles, score the team."""


def summarize(network: Network) -> list[str]:
    """What ``validate`` prints about a clean input."""
    counts = {
        "partners": len(network.partners), "capabilities": len(network.capabilities),
        "touchpoints": len(network.touchpoints), "roles": len(network.roles),
        "relationships": len(network.relationships), "standards": len(network.standards),
        "expectations": len(network.expectations), "sets": len(network.sets),
        "locks": len(network.locks),
    }
    lines = ["read: " + ", ".join(f"{n} {name}" for name, n in counts.items())]
    kinds = Counter((t.kind, t.stage) for t in network.touchpoints)
    lines.append("touchpoints: " + (", ".join(
        f"{n} {kind} {stage}-stage" for (kind, stage), n in sorted(kinds.items())) or "none"))
    moments = [t.touchpoint_id for t in network.touchpoints if t.moment_of_truth]
    lines.append(f"moments of truth: {', '.join(moments) if moments else 'none'}")
    for role in network.roles:
        qualified = network.qualified(role)
        if not qualified:
            best = max((c.level for c in network.offers(role.capability)), default=None)
            offered = f"best offered level {best}" if best else "no partner offers it"
            lines.append(f"no partner qualifies for role {role.role_id}: needs {role.capability} "
                         f"at level {role.min_level}, {offered}")
        elif len(qualified) == 1 and role.critical:
            lines.append(f"only {qualified[0].partner_id} qualifies for critical role "
                         f"{role.role_id} ({role.capability} at level {role.min_level}+)")
    return lines


@main.command()
@click.argument("input_path", metavar="INPUT")
def validate(input_path: str) -> None:
    """Check INPUT (.xlsx workbook or folder of .csv) and report every problem."""
    loaded = _load(input_path)
    click.echo(f"{input_path}: valid")
    for line in summarize(loaded.network):
        click.echo(f"  {line}")


@main.command()
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def template(out: str, force: bool) -> None:
    """Write the input contract as an empty workbook OUT, with a README sheet and dropdowns."""
    from orchestra.report.inputs import write_input_workbook

    try:
        write_input_workbook(out, force=force)
    except OrchestraError as exc:
        raise _fail(exc) from None
    click.echo(f"wrote {out}")


@main.command()
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--name", type=click.Choice(["bank", "it-network"]), default="bank",
              show_default=True, help="Which example network.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def example(out: str, name: str, force: bool) -> None:
    """Write a filled example input workbook OUT."""
    from orchestra.examples import EXAMPLES
    from orchestra.report.inputs import write_input_workbook

    try:
        write_input_workbook(out, EXAMPLES[name](), force=force)
    except OrchestraError as exc:
        raise _fail(exc) from None
    click.echo(f"wrote {out} ({name} example)")


def run() -> None:  # pragma: no cover - entry point for python -m
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
