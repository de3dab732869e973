"""Independent solves on a real Dask cluster (worker processes): the same results as threads
under --deterministic, a task whose worker dies retried or reported, never lost, and every
command with --cluster against a scheduler started from the command line."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from conftest import ROOT

distributed = pytest.importorskip("distributed", reason="the cluster extra is not installed")

from orchestra.cli import main  # noqa: E402
from orchestra.execution import Job, on_cluster, run_all  # noqa: E402
from orchestra.model import SolveSettings  # noqa: E402

BANK = ROOT / "inputs" / "bank.xlsx"
QUICK = ["--time-limit", "3", "--deterministic", "--json"]


# Beside CPU-heavy work, a worker the tests kill can take longer than Dask's 30 s to come back
# and reconnect: generous timeouts keep the cluster whole on a busy machine.
PATIENT = {"distributed.comm.timeouts.connect": "180s", "distributed.comm.timeouts.tcp": "180s",
           "distributed.deploy.lost-worker-timeout": "180s"}


@pytest.fixture(scope="module")
def cluster():
    """A local cluster of two worker processes, one thread each."""
    import dask

    with dask.config.set(PATIENT), distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None) as local:
        yield local.scheduler_address


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def without_clock(value):
    """A command's JSON without what the clock decides (wall times)."""
    if isinstance(value, dict):
        return {k: without_clock(v) for k, v in value.items() if k != "wall_time_s"}
    if isinstance(value, list):
        return [without_clock(v) for v in value]
    return value


@pytest.mark.parametrize("command", [
    ["compare", BANK],
    ["compare", BANK, "--profiles", "lowest_cost,balanced"],
    ["stress", BANK, "--top", "3", "--drop-time-limit", "2"],
    ["explain", BANK, "--role", "R10"],
    ["frontier", BANK, "--budgets", "450000,700000"],
])
def test_results_on_the_cluster_equal_the_threaded_run(cluster, command):
    threaded = run(*command, *QUICK)
    assert threaded.exit_code == 0, threaded.output
    clustered = run(*command, *QUICK, "--cluster", cluster)
    assert clustered.exit_code == 0, clustered.output
    assert without_clock(json.loads(clustered.stdout)) == without_clock(
        json.loads(threaded.stdout))


def _square(stop, x):
    return x * x


def _dies(stop, marker):
    """Kills its worker process; with a marker file, only the first time it runs."""
    if marker is None or not os.path.exists(marker):
        if marker is not None:
            open(marker, "w").close()
        os._exit(1)
    return "second try"


def test_a_task_whose_worker_dies_is_retried(cluster, tmp_path):
    marker = str(tmp_path / "died-once")
    jobs = [Job(_square, (3,)), Job(_dies, (marker,), "fragile"), Job(_square, (4,))]
    with on_cluster(cluster) as executor:
        results = run_all(jobs, SolveSettings())
    assert results == [9, "second try", 16]
    assert executor.failed == []


def test_a_task_that_keeps_killing_its_worker_is_reported_and_the_rest_complete(cluster):
    # The tasks beside it may be on the workers it kills (the scheduler hands a worker more
    # than one task at a time): they complete all the same.
    jobs = [Job(_square, (3,)), Job(_dies, (None,), "set S3")] + [
        Job(_square, (x,)) for x in range(4, 10)]
    with on_cluster(cluster) as executor:
        results = run_all(jobs, SolveSettings())
    assert results == [9, None] + [x * x for x in range(4, 10)], executor.failed
    assert [f.label for f in executor.failed] == ["set S3"]
    assert "KilledWorker" in executor.failed[0].reason


def test_a_cluster_left_without_workers_reports_its_tasks_instead_of_waiting(monkeypatch):
    import orchestra.execution as execution

    monkeypatch.setattr(execution, "WORKERLESS_S", 3.0)
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=None) as empty:
        with on_cluster(empty.scheduler_address) as executor:
            results = run_all([Job(_square, (3,), "set A"), Job(_square, (4,), "set B")],
                              SolveSettings())
    assert results == [None, None]
    assert [(f.label, f.reason) for f in executor.failed] == [
        ("set A", "no worker left in the cluster for 3 s"),
        ("set B", "no worker left in the cluster for 3 s")]


def test_an_unreachable_scheduler_is_a_usage_error_naming_it():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run("compare", BANK, "--cluster", f"tcp://127.0.0.1:{port}", "--time-limit", "1")
    assert result.exit_code == 2
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port}" in result.output


@pytest.fixture(scope="module")
def command_line_cluster(tmp_path_factory):
    """`dask scheduler` and `dask worker` started as a user would, from the command line."""
    dask = shutil.which("dask", path=os.path.dirname(sys.executable))
    if dask is None:
        pytest.skip("the dask command is not installed beside this Python")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path_factory.mktemp("dask")
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=open(logs / "scheduler.log", "w"))
    worker = subprocess.Popen(
        [dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=open(logs / "worker.log", "w"))
    try:
        with distributed.Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in (worker, scheduler):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        time.sleep(0.1)


@pytest.mark.parametrize("command", [
    ["compare", BANK, "--time-limit", "2"],
    ["stress", BANK, "--top", "2", "--drop-time-limit", "1", "--time-limit", "2"],
    ["explain", BANK, "--role", "R10", "--time-limit", "2"],
    ["frontier", BANK, "--budgets", "450000,700000", "--time-limit", "2"],
    ["plan", BANK, "--explain", "--time-limit", "2"],
])
def test_every_command_runs_against_a_scheduler_started_from_the_command_line(
        command_line_cluster, command):
    result = run(*command, "--cluster", command_line_cluster, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)


def _sleeps(stop, seconds):
    time.sleep(seconds)
    return "slept"


def test_ctrl_c_cancels_the_outstanding_tasks_and_keeps_the_finished(cluster):
    import signal
    import threading

    from orchestra.execution import Interrupted

    jobs = [Job(_square, (3,)), Job(_sleeps, (60,)), Job(_sleeps, (60,)), Job(_sleeps, (60,))]

    def ctrl_c_after_the_first(done: int, total: int) -> None:
        # Once the quick job is in, however long a busy machine took: Ctrl-C from elsewhere.
        if done == 1:
            threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT)).start()

    began = time.perf_counter()
    with on_cluster(cluster):
        with pytest.raises(Interrupted) as info:
            run_all(jobs, SolveSettings(), on_done=ctrl_c_after_the_first)
    assert time.perf_counter() - began < 55  # the 60 s sleepers were not waited for
    assert info.value.partial == [9, None, None, None]
    assert (info.value.finished, info.value.total) == (1, 4)
    with distributed.Client(cluster, timeout="10s") as client:  # nothing left running
        deadline = time.time() + 20
        while time.time() < deadline and any(client.processing().values()):
            time.sleep(0.2)
        assert not any(client.processing().values())


def test_cluster_without_the_extra_names_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    result = run("compare", BANK, "--cluster", "local", "--time-limit", "1")
    assert result.exit_code == 2
    assert "pip install 'orchestra[cluster]'" in result.output
