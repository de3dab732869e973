"""The ``orchestra`` command: parse, call one library function, print, map errors to exit codes.

Exit codes, one meaning each: 0 done; 1 a critical shortfall (the plan leaves critical slots
open, or a plan scored by hand breaks a rule); 2 bad input or usage, with a located message;
3 an internal error (one line naming it; ``--debug`` shows the traceback). Ctrl-C before any
result exists ends with 130, the shell's convention.
"""

from __future__ import annotations

import functools
import math
import os
import signal
import sys
from collections import Counter
from dataclasses import replace

import click

from orchestra import __version__
from orchestra.domain import Network
from orchestra.errors import InputError, OrchestraError
from orchestra.io import Loaded, load
from orchestra.io.contract import MAX_SECONDS, MAX_SEED

EXIT_OK, EXIT_SHORTFALL, EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class OrchestraCommandError(click.ClickException):
    exit_code = EXIT_BAD_INPUT


def _fail(exc: OrchestraError) -> OrchestraCommandError:
    return OrchestraCommandError(str(exc))


def _write(write, *args, **kwargs) -> None:
    """Call a report writer, turning its refusal (file exists, is the input) into exit 2."""
    try:
        write(*args, **kwargs)
    except OrchestraError as exc:
        raise _fail(exc) from None


def _outputs(network: Network, force: bool, *targets: tuple[str | None, str]) -> None:
    """Check every output of a command (path, suffix) before any work: exit 2 with nothing
    written when one cannot be."""
    from orchestra.report.xlsx import check_outputs, inputs_of

    _write(check_outputs, targets, force=force, inputs=inputs_of(network))


def _rules_agree(network: Network, result=None) -> None:
    """Exit 2 naming the rules in conflict when no plan keeps them all: up front, or once a
    plan (``result``) came back infeasible."""
    from orchestra.model.conflicts import check_rules_agree

    if result is None or result.stopped_by == INFEASIBLE:
        check_rules_agree(network)


INFEASIBLE = "no solution (INFEASIBLE)"


def _load(path: str, locks: str | None = None, every_row: bool = False,
          bids: str | None = None, every_warning: bool = False) -> Loaded:
    from orchestra.io.loader import load_with_locks
    from orchestra.report.text import warning_lines

    try:
        loaded = (load(path, bids) if locks is None
                  else load_with_locks(path, locks, every_row, bids))
    except InputError as exc:
        for line in warning_lines(exc.warnings, every_warning):
            click.echo(line, err=True)
        raise _fail(exc) from None
    for line in warning_lines(loaded.warnings, every_warning):
        click.echo(line, err=True)
    return loaded


class _Stop:
    """Where a command stands for SIGTERM: ``stopping`` once one arrived (an exception that
    follows is its echo, not a bug: a C extension being imported turns the interrupt into an
    ImportError); ``finished`` once the command's output is complete, after which SIGTERM is
    ignored and the command ends with its own exit code."""

    stopping = False
    finished = False
    leave_ignored = False  # the ``orchestra`` program itself (``run``), not a test's runner


def _terminated(signum, frame) -> None:
    """SIGTERM stops orchestra the way Ctrl-C does: the solver keeps its best plan, and files
    being written are removed rather than left half-done."""
    if _Stop.finished:
        return
    _Stop.stopping = True
    raise KeyboardInterrupt


def _finished() -> None:
    """The command's output is complete: a SIGTERM from now on changes nothing."""
    _Stop.finished = True


class _Orchestra(click.Group):
    """The command group, enforcing the exit codes: no exception reaches the user as a bare
    traceback unless ``--debug`` asks for one."""

    def invoke(self, ctx: click.Context):
        _Stop.stopping = _Stop.finished = False
        previous = signal.signal(signal.SIGTERM, _terminated) if _in_main_thread() else None
        try:
            result = super().invoke(ctx)
            _finished()
            return result
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort,
                SystemExit):
            _finished()
            raise
        except OrchestraError as exc:
            _finished()
            raise _fail(exc) from None
        except KeyboardInterrupt:
            _finished()
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:  # `orchestra ... | head`: the reader has what it wanted
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 (stays open until exit)
            ctx.exit(EXIT_OK)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise OrchestraCommandError(f"{where}{exc.strerror or exc}") from None
        except Exception as exc:
            _finished()
            if _Stop.stopping:  # the interrupt, surfacing as another exception
                click.echo("interrupted", err=True)
                ctx.exit(EXIT_INTERRUPTED)
            if ctx.meta.get("orchestra.debug"):
                raise
            click.echo(f"orchestra: internal error: {type(exc).__name__}: {exc}. This is a bug; "
                       "please report it with the command and, if you can, the input "
                       "(--debug shows the traceback).", err=True)
            ctx.exit(EXIT_INTERNAL)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, signal.SIG_IGN if _Stop.leave_ignored else previous)


BIDS_OPTION = click.option(
    "--bids", "bids_path", type=click.Path(exists=True, file_okay=False), default=None,
    help="A folder of returned bid workbooks (see orchestra bids): each replaces its partner's "
         "row and offers.")


DETERMINISTIC_OPTION = click.option(
    "--deterministic", is_flag=True,
    help="Reproducible solves: the same results on every run and machine, in threads or on a "
         "cluster (fixed solver workers, deterministic time limit).")


def cluster_option(command):
    """``--cluster ADDRESS``: the command's independent solves run on a Dask cluster; the
    failures it reports (a task whose worker kept dying) are printed after the output."""

    @click.option("--cluster", default=None, metavar="ADDRESS",
                  help="Run the independent solves on a Dask cluster: 'local' starts one here "
                       "(a worker process per core), tcp://HOST:PORT joins a running scheduler "
                       "(needs pip install 'orchestra[cluster]').")
    @functools.wraps(command)
    def run(*args, cluster: str | None = None, **kwargs):
        from orchestra.execution import ClusterError, on_cluster

        try:
            with on_cluster(cluster) as executor:
                try:
                    return command(*args, **kwargs)
                finally:
                    for failure in executor.failed:
                        click.echo(f"failed: {failure.label}: {failure.reason}", err=True)
        except ClusterError as exc:
            raise _fail(exc) from None

    return run


def _in_main_thread() -> bool:
    """Signal handlers can only be set from the main thread (not so in some test runners)."""
    import threading

    return threading.current_thread() is threading.main_thread()


@click.group(cls=_Orchestra, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="orchestra")
@click.option("--debug", is_flag=True, envvar="ORCHESTRA_DEBUG",
              help="Show the full traceback of an internal error.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Plan service orchestration networks: select partners, assign roles, score the team."""
    ctx.meta["orchestra.debug"] = debug


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
    if network.sites:
        sited = [roles for roles in network.by_base.values() if roles[0].site_id]
        lines.append(f"sites: {len(network.sites)} ({', '.join(s.site_id for s in network.sites)}"
                     f"); {len(sited)} of the roles sheet's {len(network.by_base)} roles are "
                     f"needed at sites: {len(network.roles)} roles, one per site")
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
            lines.append(f"no partner qualifies for role {network.where(role.role_id)}: needs "
                         f"{role.capability} "
                         f"at level {role.min_level}, {offered}")
        elif len(qualified) == 1 and role.critical:
            lines.append(f"only {qualified[0].partner_id} qualifies for critical role "
                         f"{network.where(role.role_id)} ({role.capability} at level "
                         f"{role.min_level}+)")
    if network.bids_sources:
        lines.append(f"bids returned: {len(network.bidders)} "
                     f"({', '.join(network.bidders) or 'none'}); "
                     f"not returned: {len(network.not_returned)}")
        lines += [f"  not returned: {why}" for why in network.not_returned]
    if network.claims:
        how = ("planned with the claims (accept_claims)" if network.policy.accept_claims
               else "planned with the assessment; accept_claims: yes plans with the claims")
        lines.append(f"claims of returned bids, beside the buyer's assessment ({how}):")
        lines += [f"  {claim}" for claim in network.claims]
    return lines


@main.command()
@click.argument("input_path", metavar="INPUT")
@BIDS_OPTION
def validate(input_path: str, bids_path: str | None = None) -> None:
    """Check INPUT (a workbook: .xlsx, .ods, .xls, .xlsb; or a folder of .csv) and report every
    problem."""
    from orchestra.domain import Rules
    from orchestra.model.data import ModelData

    loaded = _load(input_path, bids=bids_path, every_warning=True)
    # The sums of the figures must fit the model's exact arithmetic: found here, not by a solve.
    data = ModelData(loaded.network, Rules.of(loaded.network, _profile(loaded.network, None)))
    data.money_scale, data.capacity_scale  # noqa: B018 (computed for their checks)
    _rules_agree(loaded.network)
    click.echo(f"{input_path}: valid")
    for line in summarize(loaded.network):
        click.echo(f"  {line}")


@main.command()
@click.argument("out", type=click.Path(dir_okay=False), required=False)
@click.option("--markdown", is_flag=True,
              help="Print the contract as Markdown (every sheet, column and policy key) "
                   "instead of writing a workbook.")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def template(out: str | None, markdown: bool, force: bool) -> None:
    """Write the input contract as an empty workbook OUT, with a README sheet and dropdowns;
    or, with --markdown, print it."""
    if markdown:
        from orchestra.io.contract import contract_markdown

        click.echo(contract_markdown(), nl=False)
        return
    if out is None:
        raise click.UsageError("give OUT, the workbook to write, or --markdown")
    from orchestra.report.inputs import write_input_workbook

    _write(write_input_workbook, out, force=force)
    click.echo(f"wrote {out}")


@main.command(name="profiles")
def profiles_command() -> None:
    """List the planning profiles --profile NAME finds: each one's purpose and where it was
    found (./models first, then those bundled with orchestra)."""
    from orchestra.io.profiles import list_profiles
    from orchestra.report.text import profiles_lines

    _echo(profiles_lines(list_profiles()))


@main.command()
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--name", type=click.Choice(["bank", "it-network", "hotels"]), default="bank",
              show_default=True, help="Which example network (hotels: 8 hotels, roles at "
              "each site).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def example(out: str, name: str, force: bool) -> None:
    """Write a filled example input workbook OUT."""
    from orchestra.examples import EXAMPLES
    from orchestra.report.inputs import write_input_workbook

    _write(write_input_workbook, out, EXAMPLES[name](), force=force)
    click.echo(f"wrote {out} ({name} example)")


def _progress_printer(enabled: bool):
    if not enabled:
        return None

    def show(p) -> None:
        bound = "-" if p.bound is None else f"{p.bound:,.2f}"
        gap = "-" if p.gap is None else f"{p.gap:.2%}"
        click.echo(f"\r  solving: best {p.objective:,.2f}  bound {bound}  gap {gap:>7}"
                   f"  {p.elapsed_s:6.1f}s ", nl=False, err=True)

    return show


def _echo_json(network: Network, data: dict) -> None:
    """``data`` as the command's JSON, with the money's currency and period at the top level
    (null where the input names none)."""
    import json

    _finished()  # the output is complete: SIGTERM no longer changes it
    click.echo(json.dumps({"currency": network.policy.currency, "period": network.policy.period,
                           **data}, indent=2))


def _echo(lines, *written: str | None) -> None:
    """Print ``lines``, then one "wrote FILE" line for each file written (None: not asked)."""
    _finished()  # the files are written: SIGTERM no longer changes the outcome
    for line in lines:
        click.echo(line)
    for path in written:
        if path:
            click.echo(f"\nwrote {path}")


def _money(value: float | None) -> str:
    return "-" if value is None else f"{value:,.2f}"


def _gap_text(gap: float) -> str:
    """The gap to the proven bound; beyond 100 % the number says only that the bound is weak."""
    if gap > 1:
        return f"{gap:.0%}: the bound is still weak, a longer --time-limit may tighten it"
    return f"{gap:.2%}"


def _summary(network: Network, plan) -> list[str]:
    from orchestra.memo import money_words
    from orchestra.report.text import bid_lines

    filled = len(plan.assignments)
    lines = [
        f"status     {plan.status} ({plan.stopped_by}), gap {_gap_text(plan.gap)}"
        if plan.gap is not None else f"status     {plan.status} ({plan.stopped_by})",
        f"profile    {plan.profile.name}",
        *([f"objective  {_money(plan.objective)}   bound {_money(plan.bound)}"
           + (" (Lagrangian)" if plan.bound_source == "lagrangian" else "")]
          if plan.objective is not None else []),
        f"total cost {plan.total_cost:,.2f}" + (f" of budget {plan.rules.budget:,.2f}"
                                                if plan.rules.budget is not None else "")
        + f" ({money_words(network)})",
        f"team       {len(plan.selected)} partners: {', '.join(plan.selected)}",
        f"roles      {filled} of {network.slot_count} slots filled, "
        f"{len(plan.critical_shortfalls)} critical shortfalls",
        *[f"{'bids' if k == 0 else '':<10} {line}"
          for k, line in enumerate(bid_lines(network, plan))],
        "",
        f"{'partner':<8} {'name':<28} {'roles':>5} {'cost':>14}",
    ]
    for pid in plan.selected:
        mine = [a for a in plan.assignments if a.partner_id == pid]
        cost = network.partner[pid].fixed_cost + sum(a.cost for a in mine)
        lines.append(f"{pid:<8} {network.partner[pid].name[:28]:<28} {len(mine):>5} {cost:>14,.2f}")
    if plan.shortfalls:
        lines += ["", "shortfalls:"]
        for s in plan.shortfalls:
            what = (f"{network.where(s.role_id)} slot {s.slot}" if s.role_id
                    else f"touchpoint {s.touchpoint_id}")
            tag = "critical" if s.critical else "optional"
            lines.append(f"  {what} ({tag}, {s.reason_code}): {s.reason}")
    return lines


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _score_lines(network: Network, scores, plan) -> list[str]:
    """The scores after a plan: cohesion, coverage, single points of failure, largest gaps."""
    from orchestra.report.text import site_lines
    from orchestra.score.gaps import describe

    def names(pids) -> str:
        return ", ".join(network.who(p) for p in pids)

    c = scores.cohesion
    if c.split:
        distances = f"infinite: the team is split into {c.components} groups"
    else:
        distances = f"diameter {c.diameter:.2f}, spanning tree {c.spanning_tree:.2f}"
    lines = [
        "",
        f"cohesion   index {c.index:.2f}: {c.team_size} members, {c.ties} positive ties, "
        f"density {c.density:.3f}, largest group {c.largest_share:.0%}",
        f"           communication cost: {distances}",
    ]
    if c.isolated:
        lines.append(f"           no tie to the rest of the team: {names(c.isolated)}")
    if c.friction_pairs:
        lines.append("           friction inside the team: " + ", ".join(
            f"{network.who(a)} - {network.who(b)} ({s:g})" for a, b, s in c.friction_pairs))
    if c.brokers:
        lines.append(f"           brokers (the team splits without them): {names(c.brokers)}")
    lines += site_lines(network, plan, scores)
    groups = scores.by_group
    lines.append("coverage   slots filled / expected delivered, weighted by importance:")
    lines.append("           " + "   ".join(
        f"{name.replace('_', ' ')} {_share(g['filled_share'])} / {_share(g['expected_share'])}"
        for name, g in groups.items() if g["filled_share"] is not None))
    worst = scores.worst_covered(3)
    if worst:
        lines.append("worst covered: " + "; ".join(
            f"{r.touchpoint_id} {r.name}{' (moment of truth)' if r.moment_of_truth else ''} "
            f"{_share(r.filled_share)} filled, {_share(r.expected_share)} expected"
            for r in worst))
    spofs = [r for r in scores.coverage if r.single_points_of_failure]
    if spofs:
        lines.append("single points of failure (no selected partner could take over):")
        for r in sorted(spofs, key=lambda r: not r.moment_of_truth):
            tag = " (moment of truth)" if r.moment_of_truth else ""
            lines.append(f"  {r.touchpoint_id} {r.name}{tag}: "
                         f"{names(r.single_points_of_failure)}")
    else:
        lines.append("single points of failure: none")
    if scores.standards:
        kept = sum(1 for o in scores.standards if o.met)
        how = "kept by the plan" if scores.standards[0].enforced else "scored only"
        lines.append(f"standards  {kept} of {len(scores.standards)} met ({how}):")
        lines += [f"  {o}" for o in scores.standards]
    largest = scores.largest_gaps(3)
    if largest:
        lines.append("largest value gaps:")
        lines += [f"  {describe(g)}" for g in largest]
    return lines


@main.command(name="plan")
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the report workbook here (.xlsx).")
@click.option("--profile", "profile_name", default=None,
              help="Planning profile from models/ (default: the policy's, else balanced).")
@click.option("--time-limit", type=click.FloatRange(min=0, max=MAX_SECONDS), default=None,
              help="Solver time limit in seconds (default: the policy's, else 60).")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=None,
              help="Solver random seed.")
@click.option("--workers", type=click.IntRange(min=0, max=1024), default=0, show_default=True,
              help="Solver workers (0: one per core, at least 2).")
@click.option("--deterministic", is_flag=True,
              help="Same input and seed give the identical plan (fixed workers, "
                   "deterministic time limit).")
@click.option("--locks", "locks_path", type=click.Path(exists=True),
              help="Take the locks from this workbook or folder instead: its locks sheet, or "
                   "the assignments sheet of an orchestra report (rows with locked = yes).")
@click.option("--blueprint", "blueprint_path", type=click.Path(dir_okay=False),
              help="Also draw the plan's service blueprint into this .html file.")
@click.option("--alternatives", "alternative_count", type=click.IntRange(min=0, max=50),
              default=0, help="Also find up to K other teams, each the best that differs from "
                              "the plan and every earlier one in --min-difference partners.")
@click.option("--min-difference", type=click.IntRange(min=1), default=2, show_default=True,
              help="Partners in which each alternative's team differs (added plus removed).")
@click.option("--within", "within", default=None, metavar="PCT",
              help="Stop at the first alternative more than PCT %% above the plan's objective.")
@click.option("--explain", "with_why", is_flag=True,
              help="Explain the plan too (see `orchestra explain`): a why sheet in the report, "
                   "explanations in the JSON, the sentences after the scores.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as one JSON object.")
@click.option("--brief", is_flag=True,
              help="Print the memo alone: the recommendation, the headline figures with their "
                   "traffic lights, the largest risks and the decisions the plan needs.")
@click.option("--force", is_flag=True, help="Replace the -o file if it exists.")
@BIDS_OPTION
@cluster_option
def plan_command(input_path: str, output: str | None, profile_name: str | None,
                 time_limit: float | None, seed: int | None, workers: int, deterministic: bool,
                 locks_path: str | None, blueprint_path: str | None, alternative_count: int,
                 min_difference: int, within: str | None, with_why: bool, as_json: bool,
                 brief: bool, force: bool, bids_path: str | None = None) -> None:
    """Select the team and assign every role for INPUT; print the plan and its scores."""

    from orchestra.memo import memo
    from orchestra.model import plan
    from orchestra.report.plan_json import memo_to_dict, plan_to_dict
    from orchestra.score import score
    from orchestra.score.baseline import baseline

    network = _load(input_path, locks_path, bids=bids_path).network
    _outputs(network, force, (output, ".xlsx"), (blueprint_path, ".html"))
    share = _percent(within, "--within")
    profile = _profile(network, profile_name)
    settings = _settings(network, time_limit, seed, workers, deterministic)
    show = _progress_printer(not as_json and sys.stderr.isatty())
    result = plan(network, profile, settings, on_progress=show)
    if show:
        click.echo("", err=True)
    _rules_agree(network, result)
    scores = score(network, result)
    today = baseline(network, profile, result)
    summary = memo(network, result, scores, today)
    why, stopped = None, None
    if with_why and result.objective is not None:
        why, stopped = _explain(network, profile, result, settings, as_json)
    found, side = [], None
    if alternative_count and result.objective is not None:
        from orchestra.tradeoffs import alternatives, side_by_side

        found = alternatives(network, profile, result, alternative_count, min_difference,
                             share, settings)
        side = side_by_side(network, profile, result, found)
    if output:
        from orchestra.report.workbook import write_report

        _write(write_report, network, result, scores, output, force=force, today=today, why=why,
               alternatives=side, summary=summary)
    if blueprint_path:
        from orchestra.report.blueprint import write_blueprint

        _write(write_blueprint, network, result, scores, blueprint_path, force=force,
               summary=summary)
    if as_json:
        data = {"currency": network.policy.currency, "period": network.policy.period,
                "memo": memo_to_dict(summary), **plan_to_dict(network, result, scores, today)}
        if network.bids_sources:
            from orchestra.report.plan_json import award_to_dict
            from orchestra.sourcing import award

            data["award"] = award_to_dict(network, award(network, result))
        if why is not None:
            from orchestra.report.explain import explanations_to_dict

            data["explanations"] = explanations_to_dict(network, why)
        if side is not None:
            from orchestra.report.plan_json import alternatives_to_dict

            data["alternatives"] = alternatives_to_dict(
                network, list(zip(found, side.rows[1:], strict=True)))
            data["dominated_by"] = list(side.rows[0].dominated_by)
        _echo_json(network, data)
    else:
        lines = summary.lines()
        if not brief:
            lines += ["", "the plan in detail", ""]
            lines += _plan_details(network, result, scores, today, why, side, found)
        _echo(lines, output, blueprint_path)
    _end_interrupted(stopped)
    if result.status == "no solution" or result.critical_shortfalls:
        sys.exit(EXIT_SHORTFALL)


def _plan_details(network: Network, result, scores, today, why, side, found) -> list[str]:
    """What ``plan`` prints under the memo: the plan, its scores, today's network, the award,
    the explanations and the alternatives, as far as there are any."""
    from orchestra.report.text import baseline_lines

    lines = _summary(network, result) + _score_lines(network, scores, result)
    if today is not None:
        lines += baseline_lines(network, result, scores, today)
    if network.bids_sources:
        from orchestra.report.sourcing import award_lines
        from orchestra.sourcing import award

        lines += [""] + award_lines(network, award(network, result))
    if why is not None:
        from orchestra.report.explain import explanation_lines

        lines += [""] + explanation_lines(network, why)
    if side is not None:
        from orchestra.report.text import alternatives_lines

        lines += ["", "the plan and its alternatives:"]
        lines += alternatives_lines(network, side, found)
    return lines


def _percent(text: str | None, option: str) -> float | None:
    """A percentage option ("5" or "5%") as a share (0.05); None when not given."""
    if text is None:
        return None
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise click.BadParameter(f'"{text}": expected a percentage such as 5 or 5%',
                                 param_hint=option)
    if value < 0:
        raise click.BadParameter(f'"{text}": must not be negative', param_hint=option)
    return value / 100


def _explain(network: Network, profile, result, settings, quiet: bool, roles=(), partners=(),
             every: bool = False):
    """Explanations of ``result`` with a progress bar; after Ctrl-C, what finished and the
    interruption (ended by ``_end_interrupted`` once it is shown and written)."""
    from orchestra.execution import Interrupted
    from orchestra.explanations import explain

    bar = _progress_bar("explaining", not quiet and sys.stderr.isatty())
    try:
        return explain(network, profile, result, roles, partners, every,
                       with_rules=not (roles or partners), settings=settings,
                       on_done=bar), None
    except Interrupted as exc:
        return exc.partial, exc


def _profile(network: Network, name: str | None):
    try:
        return _profile_or_error(network, name)
    except OrchestraError as exc:
        raise _fail(exc) from None


@main.command(name="score")
@click.argument("input_path", metavar="INPUT")
@click.option("--locks", "locks_path", required=True, type=click.Path(exists=True),
              help="The plan to score: a workbook or folder whose locks sheet (or an orchestra "
                   "report's assignments sheet) lists role_id and partner_id; every row counts.")
@click.option("--profile", "profile_name", default=None,
              help="Profile whose rules the plan is checked against (default: the policy's).")
@click.option("--against-plan", is_flag=True,
              help="Also plan INPUT with orchestra and show both plans side by side.")
@click.option("--time-limit", type=click.FloatRange(min=0, max=MAX_SECONDS), default=None,
              help="Time limit of orchestra's plan with --against-plan (default: the policy's, "
                   "else 60).")
@click.option("--json", "as_json", is_flag=True, help="Print the plan and scores as JSON.")
@BIDS_OPTION
def score_command(input_path: str, locks_path: str, profile_name: str | None,
                  against_plan: bool, time_limit: float | None, as_json: bool,
                  bids_path: str | None = None) -> None:
    """Score a plan made by hand for INPUT, without optimising: every rule it breaks is listed
    with its cell (exit 1), and --against-plan sets it beside orchestra's own plan."""

    from orchestra.model import check_plan, plan
    from orchestra.model.given import given_plan
    from orchestra.procurement import set_result
    from orchestra.report.plan_json import plan_to_dict
    from orchestra.score import score
    from orchestra.score.baseline import baseline

    network = _load(input_path, locks_path, every_row=True, bids=bids_path).network
    profile = _profile(network, profile_name)
    result = given_plan(network, profile, network.locks)
    scores = score(network, result)
    broken = check_plan(network, result)
    ours = None
    if against_plan:
        own = _load(input_path, bids=bids_path).network  # the input's own locks, if any
        planned = plan(own, profile, _settings(own, time_limit, None))
        ours = set_result(own, YOURS_VS_OURS[1], (), planned, score(own, planned))
    if as_json:
        data = plan_to_dict(network, result, scores, baseline(network, profile, result))
        data["rules_broken"] = broken
        if ours is not None:
            data["against_plan"] = plan_to_dict(own, ours.plan, ours.scores)
        _echo_json(network, data)
    else:
        for line in _summary(network, result) + _score_lines(network, scores, result):
            click.echo(line)
        for sentence in broken:
            click.echo(f"rule broken: {sentence}")
        if ours is not None:
            from orchestra.procurement import Comparison
            from orchestra.report.text import comparison_lines

            yours = set_result(network, YOURS_VS_OURS[0], (), result, scores)
            click.echo("")
            for line in comparison_lines(Comparison(profile, (yours, ours))):
                click.echo(line)
    if result.critical_shortfalls or broken:
        sys.exit(EXIT_SHORTFALL)


YOURS_VS_OURS = ("your plan", "orchestra's plan")


def _settings(network: Network, time_limit: float | None, seed: int | None, workers: int = 0,
              deterministic: bool = False):
    from orchestra.model import SolveSettings

    policy = network.policy
    return SolveSettings(
        time_limit_s=time_limit if time_limit is not None else (policy.time_limit_s or 60.0),
        seed=seed if seed is not None else (policy.seed or 0),
        workers=workers, deterministic=deterministic)


def _progress_bar(label: str, enabled: bool):
    """A callback (done, total) that draws a bar on stderr, or None."""
    if not enabled:
        return None

    def show(done: int, total: int) -> None:
        filled = round(30 * done / total)
        click.echo(f"\r  {label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} ",
                   nl=False, err=True)
        if done == total:
            click.echo("", err=True)

    return show


def _set_option(values: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    sets = []
    for value in values:
        name, sep, members = value.partition("=")
        ids = [p.strip() for p in members.replace(";", ",").split(",") if p.strip()]
        if not sep or not name.strip() or not ids:
            raise click.BadParameter(f'"{value}": expected NAME=P1,P2,...', param_hint="--set")
        sets.append((name.strip(), ids))
    return sets


@main.command(name="compare")
@click.argument("input_path", metavar="INPUT")
@click.option("--set", "set_values", multiple=True, metavar="NAME=P1,P2,...",
              help="A candidate set (repeatable), added to the input's sets sheet.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the comparison workbook here (.xlsx).")
@click.option("--profile", "profile_name", default=None, help="Planning profile from models/.")
@click.option("--time-limit", type=click.FloatRange(min=0, max=MAX_SECONDS), default=None,
              help="Time limit of each set's solve in seconds (default: the policy's, else 60).")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=None,
              help="Solver random seed.")
@click.option("--sets-from-bids", is_flag=True,
              help="With --bids: one candidate set per returned bid, its partner beside "
                   "today's (or, without a current sheet, every partner that did not bid).")
@click.option("--profiles", "profile_names", default=None, metavar="A,B,...",
              help="Instead of sets: plan the whole network once per profile and set the "
                   "plans side by side.")
@click.option("--scenarios", "all_scenarios", is_flag=True,
              help="Instead of sets: plan every row of the scenarios sheet and set the plans "
                   "side by side, beside today's network.")
@click.option("--scenario", "scenario_names", multiple=True, metavar="NAME",
              help="Only this scenario of the scenarios sheet (repeatable).")
@DETERMINISTIC_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@click.option("--force", is_flag=True, help="Replace the -o file if it exists.")
@BIDS_OPTION
@cluster_option
def compare_command(input_path: str, set_values: tuple[str, ...], output: str | None,
                    profile_name: str | None, time_limit: float | None, seed: int | None,
                    sets_from_bids: bool, profile_names: str | None, all_scenarios: bool,
                    scenario_names: tuple[str, ...], deterministic: bool, as_json: bool,
                    force: bool, bids_path: str | None = None) -> None:
    """Compare candidate partner sets side by side, with orchestra's own choice as yardstick;
    or, with --profiles, the plans of several profiles."""

    from orchestra.execution import Interrupted
    from orchestra.procurement import YARDSTICK, candidate_sets, compare
    from orchestra.report.plan_json import comparison_to_dict
    from orchestra.report.text import comparison_lines, comparison_story

    network = _load(input_path, bids=bids_path).network
    _outputs(network, force, (output, ".xlsx"))
    _rules_agree(network)
    if all_scenarios or scenario_names:
        _compare_scenarios(network, scenario_names, profile_name, set_values, output,
                           _settings(network, time_limit, seed, deterministic=deterministic),
                           as_json, force)
        return
    if profile_names is not None:
        _compare_profiles(network, profile_names, set_values, output,
                          _settings(network, time_limit, seed, deterministic=deterministic),
                          as_json, force)
        return
    profile = _profile(network, profile_name)
    try:
        sets = candidate_sets(network, _set_option(set_values))
    except OrchestraError as exc:
        raise _fail(exc) from None
    if sets_from_bids:
        from orchestra.procurement import sets_from_bids as bid_sets

        if not network.bids_sources:
            raise OrchestraCommandError("--sets-from-bids needs --bids FOLDER")
        sets = bid_sets(network)
    if not sets:
        raise OrchestraCommandError("no candidate sets: add a sets sheet or --set NAME=P1,P2")
    bar = _progress_bar("planning sets", not as_json and sys.stderr.isatty())
    stopped = None
    try:
        comparison = compare(network, sets, profile,
                             _settings(network, time_limit, seed, deterministic=deterministic),
                             on_done=bar)
    except Interrupted as exc:  # keep and write what finished
        comparison, stopped = exc.partial, exc
    if output:
        from orchestra.report.comparison import write_comparison

        _write(write_comparison, network, comparison, output, force=force)
    if as_json:
        _echo_json(network, comparison_to_dict(comparison))
    else:
        lines = comparison_lines(comparison)
        if any(r.set_id == YARDSTICK for r in comparison.rows):
            lines += [""] + comparison_story(comparison, network)
        _echo(lines, output)
    _end_interrupted(stopped)


def _compare_scenarios(network: Network, names: tuple[str, ...], profile_name: str | None,
                       set_values: tuple[str, ...], output: str | None, settings,
                       as_json: bool, force: bool) -> None:
    """``compare --scenarios``: each scenario of the sheet planned, side by side."""

    from orchestra.errors import InputError, Problem
    from orchestra.execution import Interrupted
    from orchestra.report.plan_json import comparison_to_dict
    from orchestra.report.text import comparison_lines
    from orchestra.tradeoffs import compare_scenarios, scenario_network

    if set_values:
        raise OrchestraCommandError("--scenarios compares the scenarios sheet; leave out --set")
    by_name = {s.name.lower(): s for s in network.scenarios}
    if not by_name:
        raise OrchestraCommandError("--scenarios: the input has no scenarios sheet (or it is "
                                    "empty): add one, a row per scenario")
    unknown = [n for n in names if n.lower() not in by_name]
    if unknown:
        names_known = ", ".join(s.name for s in network.scenarios)
        raise OrchestraCommandError(f"--scenario: unknown scenario(s) {', '.join(unknown)} "
                                    f"(expected one of {names_known})")
    chosen = ([by_name[n.lower()] for n in dict.fromkeys(names)] if names
              else list(network.scenarios))
    planned = []
    for scenario in chosen:
        try:
            profile = _profile_or_error(network, scenario.profile or profile_name)
        except OrchestraError as exc:
            raise InputError([Problem(scenario.where, f"scenario {scenario.name}: {exc}")]
                             ) from None
        planned.append((scenario.name, scenario_network(network, scenario), profile))
    bar = _progress_bar("planning scenarios", not as_json and sys.stderr.isatty())
    stopped = None
    try:
        comparison = compare_scenarios(network, planned, settings, on_done=bar)
    except Interrupted as exc:
        comparison, stopped = exc.partial, exc
    if output:
        from orchestra.report.comparison import write_comparison

        _write(write_comparison, network, comparison, output, force=force)
    if as_json:
        data = comparison_to_dict(comparison)
        data["scenarios"] = [s.name for s in chosen]
        _echo_json(network, data)
    else:
        _echo(comparison_lines(comparison), output)
    _end_interrupted(stopped)


def _profile_or_error(network: Network, name: str | None):
    from orchestra.io.profiles import DEFAULT_PROFILE, load_profile

    return load_profile(name or network.policy.profile or DEFAULT_PROFILE)


def _compare_profiles(network: Network, profile_names: str, set_values: tuple[str, ...],
                      output: str | None, settings, as_json: bool, force: bool) -> None:

    from orchestra.execution import Interrupted
    from orchestra.report.plan_json import comparison_to_dict
    from orchestra.report.text import profile_lines
    from orchestra.tradeoffs import compare_profiles, differing_partners

    if set_values:
        raise OrchestraCommandError("--profiles compares profiles on the whole network; "
                                    "leave out --set")
    names = [n.strip() for n in profile_names.split(",") if n.strip()]
    if len(names) < 2 or len(set(names)) != len(names):
        raise click.BadParameter(f'"{profile_names}": two or more different profile names',
                                 param_hint="--profiles")
    profiles = [_profile(network, name) for name in names]
    bar = _progress_bar("planning profiles", not as_json and sys.stderr.isatty())
    stopped = None
    try:
        comparison = compare_profiles(network, profiles, settings,
                                      on_done=bar)
    except Interrupted as exc:
        comparison, stopped = exc.partial, exc
    if output:
        from orchestra.report.comparison import write_comparison

        _write(write_comparison, network, comparison, output, force=force)
    differing = differing_partners(comparison)
    if as_json:
        data = comparison_to_dict(comparison)
        data["profiles"] = names
        for row in data["sets"]:
            row["differing_partners"] = list(differing[row["set_id"]])
        _echo_json(network, data)
    else:
        _echo(profile_lines(network, comparison, differing), output)
    _end_interrupted(stopped)


@main.command(name="frontier")
@click.argument("input_path", metavar="INPUT")
@click.option("--budgets", default=None, metavar="FROM:TO:POINTS|A,B,...",
              help="The budgets to plan at: evenly spaced from FROM to TO, or a list.")
@click.option("--vary", type=click.Choice(["budget", "max_partners",
                                           "min_partners_per_touchpoint"]),
              default="budget", show_default=True, help="The limit that moves.")
@click.option("--values", "value_spec", default=None, metavar="FROM:TO:POINTS|A,B,...",
              help="The values of --vary (as --budgets).")
@click.option("--profile", "profile_name", default=None, help="Planning profile from models/.")
@click.option("--time-limit", type=click.FloatRange(min=0, max=MAX_SECONDS), default=None,
              help="Time limit of each point's solve in seconds (default: the policy's, "
                   "else 60).")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=None,
              help="Solver random seed.")
@DETERMINISTIC_OPTION
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the frontier workbook (table and chart) here (.xlsx).")
@click.option("--json", "as_json", is_flag=True, help="Print the points as JSON.")
@click.option("--force", is_flag=True, help="Replace the -o file if it exists.")
@BIDS_OPTION
@cluster_option
def frontier_command(input_path: str, budgets: str | None, vary: str, value_spec: str | None,
                     profile_name: str | None, time_limit: float | None, seed: int | None,
                     deterministic: bool, output: str | None, as_json: bool, force: bool,
                     bids_path: str | None = None) -> None:
    """Plan INPUT at each budget (or each value of another limit) and show how cost, coverage
    and cohesion move, and who comes in and goes out from one point to the next."""

    from orchestra.execution import Interrupted
    from orchestra.report.plan_json import frontier_to_dict
    from orchestra.report.text import frontier_lines
    from orchestra.tradeoffs import frontier, parse_values

    spec = budgets if vary == "budget" and value_spec is None else value_spec
    if spec is None or (budgets is not None and vary != "budget"):
        raise click.UsageError("give --budgets FROM:TO:POINTS, or --vary NAME with --values")
    try:
        values = parse_values(spec)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--budgets/--values") from None
    if vary == "budget" and any(v < 0 for v in values):
        raise click.BadParameter(f"{spec}: a budget is not negative", param_hint="--budgets")
    if vary != "budget" and any(v != int(v) or v < 1 for v in values):
        raise click.BadParameter(f"{spec}: {vary} takes whole numbers from 1",
                                 param_hint="--values")
    network = _load(input_path, bids=bids_path).network
    _outputs(network, force, (output, ".xlsx"))
    # The limit varied is the frontier's to set: only the other rules must agree.
    _rules_agree(replace(network, policy=replace(network.policy, **{vary: None})))
    profile = _profile(network, profile_name)
    bar = _progress_bar("planning points", not as_json and sys.stderr.isatty())
    stopped = None
    try:
        points = frontier(network, profile, values, vary,
                          _settings(network, time_limit, seed, deterministic=deterministic),
                          on_done=bar)
    except Interrupted as exc:
        points, stopped = exc.partial, exc
    if output:
        from orchestra.report.comparison import write_frontier

        _write(write_frontier, network, vary, points, output, force=force)
    if as_json:
        _echo_json(network, frontier_to_dict(vary, points))
    else:
        _echo(frontier_lines(network, vary, points), output)
    _end_interrupted(stopped)


@main.command(name="stress")
@click.argument("input_path", metavar="INPUT")
@click.option("--profile", "profile_name", default=None, help="Planning profile from models/.")
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="Drop only the K partners the plan leans on most (default: every one).")
@click.option("--partner", "partners", multiple=True,
              help="Drop this partner (repeatable) instead of the selected ones.")
@click.option("--pairs", is_flag=True,
              help="Also drop each pair of the five partners whose loss hurts most.")
@click.option("--time-limit", type=click.FloatRange(min=0, max=MAX_SECONDS), default=None,
              help="Time limit of the plan itself in seconds (default: the policy's, else 60).")
@click.option("--drop-time-limit", type=click.FloatRange(min=0, max=MAX_SECONDS), default=5.0,
              show_default=True, help="Time limit of each re-plan after a drop-out, in seconds.")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=None,
              help="Solver random seed.")
@click.option("--replan", type=click.Choice(["backfill", "all"]), default="backfill",
              show_default=True,
              help="backfill: hold the rest of the plan and re-fill only the dropped partner's "
                   "slots; all: re-plan everything.")
@DETERMINISTIC_OPTION
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the stress workbook here (.xlsx).")
@click.option("--json", "as_json", is_flag=True, help="Print the impacts as JSON.")
@click.option("--force", is_flag=True, help="Replace the -o file if it exists.")
@BIDS_OPTION
@cluster_option
def stress_command(input_path: str, profile_name: str | None, top: int | None,
                   partners: tuple[str, ...], pairs: bool, time_limit: float | None,
                   drop_time_limit: float, seed: int | None, replan: str, deterministic: bool,
                   output: str | None, as_json: bool, force: bool,
                   bids_path: str | None = None) -> None:
    """Plan INPUT, then re-plan without each partner in turn: what each drop-out would cost."""

    from orchestra.execution import Interrupted
    from orchestra.model import plan
    from orchestra.procurement import stress
    from orchestra.report.plan_json import stress_to_dict
    from orchestra.report.text import stress_lines
    from orchestra.score import score

    network = _load(input_path, bids=bids_path).network
    _outputs(network, force, (output, ".xlsx"))
    profile = _profile(network, profile_name)
    partners = _partner_ids(network, partners)
    settings = _settings(network, time_limit, seed, deterministic=deterministic)
    base = plan(network, profile, settings)
    _rules_agree(network, base)
    scores = score(network, base)
    bar = _progress_bar("dropping partners", not as_json and sys.stderr.isatty())
    stopped = None
    try:
        impacts = stress(network, profile, base, scores, list(partners) or None, top, pairs,
                         replace(settings, time_limit_s=drop_time_limit), on_done=bar,
                         replan=replan)
    except Interrupted as exc:  # keep and write what finished
        impacts, stopped = exc.partial, exc
    if output:
        from orchestra.report.comparison import write_stress

        _write(write_stress, network, impacts, output, force=force)
    if as_json:
        _echo_json(network, stress_to_dict(network, base, impacts))
    else:
        _echo(stress_lines(network, base, impacts, replan), output)
    _end_interrupted(stopped)


@main.command(name="blueprint")
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="The page to write (.html).")
@click.option("--locks", "locks_path", type=click.Path(exists=True),
              help="Take the locks from this workbook or folder (as plan --locks): with a "
                   "report whose rows are all locked, the blueprint of that plan.")
@click.option("--profile", "profile_name", default=None, help="Planning profile from models/.")
@click.option("--time-limit", type=click.FloatRange(min=0, max=MAX_SECONDS), default=None,
              help="Solver time limit in seconds (default: the policy's, else 60).")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=None,
              help="Solver random seed.")
@click.option("--force", is_flag=True, help="Replace the -o file if it exists.")
@click.option("--site", "site", default=None, help="Draw one site of a network of sites: "
              "the roles there and the network-wide ones (default: every site, each role "
              "box with the sites it is filled at).")
@BIDS_OPTION
def blueprint_command(input_path: str, output: str, locks_path: str | None,
                      profile_name: str | None, time_limit: float | None, seed: int | None,
                      force: bool, site: str | None = None, bids_path: str | None = None
                      ) -> None:
    """Plan INPUT and draw the plan as a service blueprint: one self-contained HTML page
    (touchpoints in journey order, front and back stage, lines of interaction, visibility
    and internal interaction) that opens offline and prints on one A3 landscape page."""
    from orchestra.model import plan
    from orchestra.report.blueprint import write_blueprint
    from orchestra.score import score

    network = _load(input_path, locks_path, bids=bids_path).network
    _outputs(network, force, (output, ".html"))
    if site is not None:
        known = {s.site_id.lower(): s.site_id for s in network.sites}
        if site.lower() not in known:
            raise click.UsageError(f'--site "{site}": not a site of {input_path} (sites: '
                                   f"{', '.join(known.values()) or 'none, no sites sheet'})")
        site = known[site.lower()]
    profile = _profile(network, profile_name)
    result = plan(network, profile, _settings(network, time_limit, seed))
    _rules_agree(network, result)
    _write(write_blueprint, network, result, score(network, result), output, force=force,
           site=site)
    click.echo(f"wrote {output} ({len(network.touchpoints)} touchpoints, "
               f"{len(result.selected)} partners, plan {result.status})")
    if result.status == "no solution" or result.critical_shortfalls:  # as plan
        sys.exit(EXIT_SHORTFALL)


@main.command(name="bids")
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", "folder", required=True, type=click.Path(file_okay=False),
              help="The folder to write the bid workbooks into (made if absent).")
@click.option("--partner", "partners", multiple=True,
              help="Only this partner's bid sheet (repeatable; default: every partner that is "
                   "not in-house).")
@click.option("--blank", is_flag=True, help="Also a blank bid sheet for a new bidder, new.xlsx.")
@click.option("--invite-all", "everyone", is_flag=True,
              help="Invite every partner that is not in-house to every lot (default: the lots "
                   "sheet's invitations, else the lots of the capabilities each offers today).")
@click.option("--force", is_flag=True, help="Replace bid sheets already in the folder.")
def bids_command(input_path: str, folder: str, partners: tuple[str, ...], blank: bool,
                 everyone: bool, force: bool) -> None:
    """Write one bid workbook per invited bidder of INPUT into an outbox folder, to fill
    offline and return: per lot, the bidder's offers pre-filled or an invitation row, blank
    rows for alternate bids and tiers, what is sourced beside each; and manifest.json, what
    was sent. Read the returned files from an inbox folder with --bids INBOX."""
    from orchestra.report.bids import write_bid_workbooks

    network = _load(input_path).network
    partners = _partner_ids(network, partners)
    written: list = []
    _write(lambda: written.extend(write_bid_workbooks(network, folder, partners, blank, force,
                                                      everyone)))
    click.echo(f"wrote {len(written)} bid workbook(s) and manifest.json to {folder}: "
               + ", ".join(p.name for p in written[:8]) + (" ..." if len(written) > 8 else ""))


@main.command(name="explain")
@click.argument("input_path", metavar="INPUT")
@click.option("--profile", "profile_name", default=None, help="Planning profile from models/.")
@click.option("--locks", "locks_path", type=click.Path(exists=True),
              help="Take the locks from this workbook or folder instead (as plan --locks).")
@click.option("--role", "roles", multiple=True,
              help="Explain only this role's slots and candidates (repeatable); rules are "
                   "then left out.")
@click.option("--partner", "partners", multiple=True,
              help="Explain only this partner's slots and candidacies (repeatable); rules are "
                   "then left out.")
@click.option("--all", "every", is_flag=True,
              help="Every qualified candidate of each role, not only the 3 cheapest.")
@click.option("--time-limit", type=click.FloatRange(min=0, max=MAX_SECONDS), default=None,
              help="Time limit of the plan and of each re-solve, in seconds (default: the "
                   "policy's, else 60).")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=None,
              help="Solver random seed.")
@DETERMINISTIC_OPTION
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the explanations workbook here (.xlsx).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the plan and its explanations as JSON.")
@click.option("--force", is_flag=True, help="Replace the -o file if it exists.")
@BIDS_OPTION
@cluster_option
def explain_command(input_path: str, profile_name: str | None, locks_path: str | None,
                    roles: tuple[str, ...], partners: tuple[str, ...], every: bool,
                    time_limit: float | None, seed: int | None, deterministic: bool,
                    output: str | None, as_json: bool, force: bool,
                    bids_path: str | None = None) -> None:
    """Plan INPUT, then explain the plan: why each partner serves its role and who is next,
    what each candidate would have to bid to win, what each rule costs, and the objective's
    terms. Every figure is a re-solve of the same model."""

    from orchestra.model import plan
    from orchestra.report.explain import (
        explanation_lines,
        explanations_to_dict,
        write_explanation,
    )
    from orchestra.report.plan_json import plan_to_dict

    network = _load(input_path, locks_path, bids=bids_path).network
    _outputs(network, force, (output, ".xlsx"))
    unknown = ([f"--role {r}" for r in roles if r not in network.role]
               + [f"--partner {p}" for p in partners if p not in network.partner])
    if unknown:
        raise OrchestraCommandError(f"unknown: {', '.join(unknown)}")
    profile = _profile(network, profile_name)
    settings = _settings(network, time_limit, seed, deterministic=deterministic)
    result = plan(network, profile, settings)
    _rules_agree(network, result)
    if result.objective is None:
        click.echo(f"no plan to explain: {result.stopped_by}", err=True)
        sys.exit(EXIT_SHORTFALL)
    why, stopped = _explain(network, profile, result, settings, as_json, roles, partners,
                            every)
    if output:
        _write(write_explanation, network, why, output, force=force)
    if as_json:
        data = plan_to_dict(network, result)
        data["explanations"] = explanations_to_dict(network, why)
        _echo_json(network, data)
    else:
        _echo(_summary(network, result) + [""] + explanation_lines(network, why), output)
    _end_interrupted(stopped)
    if result.critical_shortfalls:  # as plan: the plan explained leaves critical slots open
        sys.exit(EXIT_SHORTFALL)


@main.command(name="feedback")
@click.argument("input_path", metavar="INPUT")
@click.option("--bids", "bids_path", required=True,
              type=click.Path(exists=True, file_okay=False),
              help="The inbox: the folder of returned bid workbooks.")
@click.option("-o", "--output", "folder", required=True, type=click.Path(file_okay=False),
              help="The folder to write one feedback workbook per returned bid into.")
@click.option("--profile", "profile_name", default=None, help="Planning profile from models/.")
@click.option("--time-limit", type=click.FloatRange(min=0, max=MAX_SECONDS), default=None,
              help="Time limit of the plan and of each re-solve, in seconds (default: the "
                   "policy's, else 60).")
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=None,
              help="Solver random seed.")
@DETERMINISTIC_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the feedback as JSON.")
@click.option("--force", is_flag=True, help="Replace feedback workbooks already there.")
@cluster_option
def feedback_command(input_path: str, bids_path: str, folder: str, profile_name: str | None,
                     time_limit: float | None, seed: int | None, deterministic: bool,
                     as_json: bool, force: bool) -> None:
    """Plan INPUT with the returned bids, then write each bidder its feedback: per lot it bid
    for, its rank and whether it won; per role it lost, the unit price at which it would win
    against the other bids, or the reason it cannot. Nothing of other bidders is shown."""
    import json

    from orchestra.model import plan
    from orchestra.report.plan_json import feedback_to_dict
    from orchestra.report.sourcing import write_feedback_workbooks
    from orchestra.sourcing import feedback

    network = _load(input_path, bids=bids_path).network
    if not network.bidders:
        raise OrchestraCommandError(f"--bids {bids_path}: no returned bid to give feedback on "
                                    f"({len(network.not_returned)} file(s) not returned)")
    profile = _profile(network, profile_name)
    settings = _settings(network, time_limit, seed, deterministic=deterministic)
    base = plan(network, profile, settings)
    _rules_agree(network, base)
    if base.objective is None:
        click.echo(f"no plan to give feedback on: {base.stopped_by}", err=True)
        sys.exit(EXIT_SHORTFALL)
    results = feedback(network, profile, base, settings)
    written: list = []
    _write(lambda: written.extend(write_feedback_workbooks(network, results, folder, force)))
    if as_json:
        _finished()
        click.echo(json.dumps([feedback_to_dict(network, r) for r in results], indent=2))
        return
    lines = []
    for result in results:
        won = [lot.lot_id for lot in result.lots if lot.won]
        lines.append(f"{result.partner_id}: {len(result.lots)} lot(s) bid, won "
                     f"{', '.join(won) or 'none'}")
    lines.append(f"wrote {len(written)} feedback workbook(s) to {folder}")
    _echo(lines)


def _partner_ids(network: Network, given: tuple[str, ...]) -> tuple[str, ...]:
    """``--partner`` values as the input spells its ids (ids are case-insensitive), each once;
    an unknown one is a usage error."""
    unknown = [p for p in given if network.partner_id(p) is None]
    if unknown:
        raise OrchestraCommandError(f"--partner: unknown partner(s) {', '.join(unknown)}")
    return tuple(dict.fromkeys(network.partner_id(p) for p in given))


def _end_interrupted(stopped) -> None:
    """After Ctrl-C during many solves, once what finished is shown and written: say so, and
    end with the interrupted exit code."""
    if stopped is not None:
        click.echo(f"interrupted: {stopped.finished} of {stopped.total} solves finished; "
                   "the results above are those", err=True)
        sys.exit(EXIT_INTERRUPTED)


@main.command()
@click.argument("out", type=click.Path(dir_okay=False))
@click.option("--partners", type=click.IntRange(min=2, max=100_000), default=50,
              show_default=True)
@click.option("--roles", type=click.IntRange(min=1, max=20_000), default=20, show_default=True)
@click.option("--seed", type=click.IntRange(min=0, max=MAX_SEED), default=0, show_default=True)
@click.option("--sites", type=click.IntRange(min=0, max=1000), default=0, show_default=True,
              help="A network of this many sites, every role needed at each; half the "
                   "partners serve everywhere, the rest their region (0: no sites).")
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def generate(out: str, partners: int, roles: int, seed: int, sites: int, force: bool) -> None:
    """Write a seeded synthetic network OUT (.xlsx, or a folder for .csv) for benchmarks."""
    from orchestra.generate import add_sites, generate_tables
    from orchestra.report.inputs import write_csv_tables, write_input_workbook

    tables = generate_tables(partners, roles, seed)
    if sites:
        tables = add_sites(tables, sites, seed)
    try:
        if out.lower().endswith(".xlsx"):
            write_input_workbook(out, tables, force=force)
        else:
            write_csv_tables(out, tables, force=force)
    except OrchestraError as exc:
        raise _fail(exc) from None
    click.echo(f"wrote {out}: {partners} partners, {roles} roles"
               + (f" at each of {sites} sites" if sites else "") + ", "
               f"{len(tables['capabilities'])} capabilities, "
               f"{len(tables['relationships'])} relationships")


def run() -> None:
    """The ``orchestra`` program: the command group, with SIGTERM ignored once a command's
    output is complete (a late signal must not turn a finished run into a killed one)."""
    _Stop.leave_ignored = True
    main()


if __name__ == "__main__":  # pragma: no cover
    run()
