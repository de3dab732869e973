"""Where independent solves run: threads of this process (the default), or a Dask cluster.

``compare``, ``stress``, ``explain``, profile comparisons and frontiers hand their solves to
``run_all`` as ``Job`` records and never know where they run. A job is a function of a module
(shipped by reference: the workers import orchestra) and its arguments, plain records. On a
cluster each network among the arguments goes to the workers once (scattered), each task builds
its model there and solves with one CP-SAT worker per task CPU, and the results come back as the
same records. ``on_cluster`` chooses the executor for the solves inside it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import Protocol

from orchestra.domain import Network
from orchestra.errors import OrchestraError
from orchestra.model import SolveSettings
from orchestra.signals import ctrl_c_sets

OnDone = Callable[[int, int], None]
# A task whose worker dies is run again by the scheduler; one that raises is retried this often.
RETRIES = 2
# A cluster with no worker for this long runs nothing more: its tasks left are reported failed
# rather than waited for without end (a nanny that could not restart its worker, say).
WORKERLESS_S = 60.0


class _NoWorkers(Exception):
    """The cluster has had no worker for ``WORKERLESS_S``."""


@dataclass(frozen=True)
class Job:
    """One solve: ``fn(stop, *args)``, ``stop`` an event that ends the search at its best plan.
    ``label`` names it when it fails ("set S3", "without P04")."""

    fn: Callable[..., object]
    args: tuple = ()
    label: str = ""


@dataclass(frozen=True)
class Failure:
    """A job that did not finish: its label and why (a worker lost three times, an error)."""

    label: str
    reason: str


class Interrupted(OrchestraError):
    """Ctrl-C (or SIGTERM) during many solves: ``partial`` holds what had finished, the solves
    that were running stopped at their best plan so far (in threads) or were cancelled (on a
    cluster); the rest never started."""

    def __init__(self, partial: object, finished: int, total: int):
        self.partial, self.finished, self.total = partial, finished, total
        super().__init__(f"interrupted: {finished} of {total} solves finished")


class ClusterError(OrchestraError):
    """``--cluster`` cannot be used: the extra is not installed, or the scheduler is out of
    reach."""


class Executor(Protocol):
    failed: list[Failure]

    def parallel_settings(self, settings: SolveSettings, jobs: int
                          ) -> tuple[int, SolveSettings]: ...

    def run(self, jobs: Sequence[Job], settings: SolveSettings,
            on_done: OnDone | None) -> list[object]: ...


@dataclass
class Threads:
    """Solves in threads of this process: CP-SAT releases the GIL while it searches, so the
    threads share the network without copying it."""

    failed: list[Failure] = field(default_factory=list)

    def parallel_settings(self, settings: SolveSettings, jobs: int
                          ) -> tuple[int, SolveSettings]:
        """How many solves run at once, and the settings of each: the cores are shared out,
        one solver worker per core unless the user fixed the count (or asked for
        deterministic solves, whose worker count is fixed so results do not depend on the
        machine).

        Measured on M, 2 cores, two solves at a time: one worker each (the LP-guided search,
        LNS interleaved) against two or four: ``compare`` of 20 sets (8 s each) 46-48 s against
        52-56 s and 72 s, objectives summed over the sets within 0.2 %; ``stress`` re-plans (2 s
        each) cost +52,885 in all against +224,297-268,109 and +2,139,201 (four workers leave
        some re-plans with slots open)."""
        cores = os.cpu_count() or 1
        at_once = max(1, min(jobs, cores))
        if settings.workers or settings.deterministic:
            return at_once, settings
        return at_once, replace(settings, workers=max(1, cores // at_once))

    def run(self, jobs: Sequence[Job], settings: SolveSettings,
            on_done: OnDone | None = None) -> list[object]:
        at_once, _ = self.parallel_settings(settings, len(jobs))
        results: list[object] = [None] * len(jobs)
        stop = threading.Event()
        pool = ThreadPoolExecutor(max_workers=at_once)
        futures: dict = {}

        def take(future, k: int) -> None:
            results[k] = future.result()

        try:
            with ctrl_c_sets(threading.Event()) as pressed:
                for k, job in enumerate(jobs):
                    futures[pool.submit(job.fn, stop, *job.args)] = k
                _collect(futures, lambda pending: wait(pending, timeout=0.1,
                                                       return_when=FIRST_COMPLETED),
                         take, on_done, pressed)
        except KeyboardInterrupt:
            stop.set()
            for future in futures:
                future.cancel()
            for future, k in futures.items():
                if not future.cancelled():
                    results[k] = future.result()  # stopped at its best plan: quick
            pool.shutdown()
            raise Interrupted(results, sum(r is not None for r in results), len(jobs)) from None
        pool.shutdown()
        return results


def _collect(futures: dict, wait_some: Callable[[set], tuple[set, set]],
             take: Callable[[object, int], None], on_done: OnDone | None,
             pressed: threading.Event) -> None:
    """Wait for ``futures`` (future -> job index) as they complete, ``take(future, k)`` each
    and count it for ``on_done``; Ctrl-C (``pressed``) raises KeyboardInterrupt between
    waits."""
    finished = 0
    pending = set(futures)
    while pending:
        done, pending = wait_some(pending)
        for future in done:
            take(future, futures[future])
            finished += 1
            if on_done:
                on_done(finished, len(futures))
        if pressed.is_set():
            raise KeyboardInterrupt


def _on_worker(fn: Callable[..., object], *args: object) -> object:
    """A job run on a cluster worker: nothing there stops it but its own time limit."""
    return fn(threading.Event(), *args)


CONNECT_TIMEOUT_S = 5.0
ADDRESS_FORMS = "local, tcp://HOST:PORT, HOST:PORT or tls://HOST:PORT"


def probe_scheduler(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Check that ``address`` is a Dask scheduler before Dask's client connects to it: a
    scheduler greets every connection at once with a short handshake frame, whereas a web
    server waits for a request (the client would wait for ever) and other servers answer with
    bytes that Dask would read as a frame of exabytes. TLS addresses are left to the client."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme == "tls":
        return
    host, colon, port = rest.rpartition(":")
    if scheme != "tcp" or not colon or not host or not port.isdigit() or "/" in rest:
        raise ClusterError(f"--cluster {address}: not a scheduler address (expected "
                           f"{ADDRESS_FORMS})")
    import socket

    where = f"the Dask scheduler at {address}"
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as sock:
            sock.settimeout(timeout)
            greeting = sock.recv(256)
    except TimeoutError:
        raise ClusterError(f"cannot reach {where}: no answer within {timeout:g} s (is it a "
                           "Dask scheduler? start one with: dask scheduler)") from None
    except OSError as exc:
        raise ClusterError(f"cannot reach {where}: {exc.strerror or exc} (start one with: "
                           "dask scheduler; then dask worker tcp://HOST:8786 on each machine)"
                           ) from None
    if len(greeting) < 8 or not 0 < int.from_bytes(greeting[:8], "little") < 1 << 20 \
            or b"compression" not in greeting:
        raise ClusterError(f"cannot use {address}: it answers, but not as a Dask scheduler "
                           "(expected the address dask scheduler prints, tcp://HOST:8786)")


@dataclass
class DaskCluster:
    """Solves as tasks of a Dask cluster: ``local`` starts one on this machine (processes, one
    thread each, a worker per core); ``tcp://HOST:PORT`` connects to a running scheduler."""

    address: str
    failed: list[Failure] = field(default_factory=list)

    def __post_init__(self) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ClusterError("--cluster needs Dask's distributed package: "
                               "pip install 'orchestra[cluster]'") from None
        self._cluster = None
        try:
            if self.address == "local":
                self._cluster = LocalCluster(n_workers=os.cpu_count() or 1,
                                             threads_per_worker=1, processes=True,
                                             dashboard_address=None,
                                             silence_logs=logging.ERROR)
                self.client = Client(self._cluster)
            else:
                probe_scheduler(self.address)
                self.client = Client(self.address, timeout="10s")
        except ClusterError:
            raise
        except Exception as exc:  # whatever the far end made Dask raise: not an internal error
            if self._cluster is not None:
                self._cluster.close()
            raise ClusterError(f"cannot reach the Dask scheduler at {self.address}: {exc} "
                               "(start one with: dask scheduler; then dask worker "
                               "tcp://HOST:8786 on each machine)") from None

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()

    def slots(self) -> int:
        """Task slots in the cluster: one per worker thread."""
        return max(1, sum(self.client.nthreads().values()))

    def parallel_settings(self, settings: SolveSettings, jobs: int
                          ) -> tuple[int, SolveSettings]:
        """Every task slot runs one solve with one CP-SAT worker (unless the count is fixed,
        as ``--workers`` and ``--deterministic`` fix it)."""
        at_once = max(1, min(jobs, self.slots()))
        if settings.workers or settings.deterministic:
            return at_once, settings
        return at_once, replace(settings, workers=1)

    def run(self, jobs: Sequence[Job], settings: SolveSettings,
            on_done: OnDone | None = None) -> list[object]:
        from distributed import wait as dask_wait

        shipped: dict[int, object] = {}  # each network once, whatever number of jobs use it

        def ship(arg: object) -> object:
            if not isinstance(arg, Network):
                return arg
            if id(arg) not in shipped:
                shipped[id(arg)] = self.client.scatter(arg, hash=False)
            return shipped[id(arg)]

        results: list[object] = [None] * len(jobs)
        futures: dict = {}

        seen = {"worker": time.monotonic(), "asked": 0.0}

        def wait_some(pending: set) -> tuple[set, set]:
            try:
                done, left = dask_wait(list(pending), timeout=0.1, return_when="FIRST_COMPLETED")
            except TimeoutError:  # nothing finished within the timeout: is anyone working?
                now = time.monotonic()
                if now - seen["asked"] >= 2.0:
                    seen["asked"] = now
                    if self.client.nthreads():
                        seen["worker"] = now
                    elif now - seen["worker"] > WORKERLESS_S:
                        raise _NoWorkers from None
                return set(), pending
            return set(done), set(left)

        # Lost with workers that died: the culprit, a task beside it, or a result a dying
        # worker held before it was gathered.
        suspects: list[int] = []

        def take(future, k: int, alone: bool = False) -> None:
            if future.status == "finished":
                results[k] = future.result()
            elif not alone and (future.status != "error" or _killed(future)):
                suspects.append(k)
            else:
                self.failed.append(Failure(jobs[k].label or f"job {k + 1}", _reason(future)))

        def submit(k: int):
            future = self.client.submit(_on_worker, jobs[k].fn, *map(ship, jobs[k].args),
                                        pure=False, retries=RETRIES)
            futures[future] = k
            return future

        try:
            with ctrl_c_sets(threading.Event()) as pressed:
                for k in range(len(jobs)):
                    submit(k)
                _collect(futures, wait_some, take, on_done, pressed)
                # A task that shared dying workers with one that kills them may be killed
                # with it: each runs again alone, and only one that kills its worker even
                # then is reported.
                for k in sorted(suspects):
                    _collect({submit(k): k}, wait_some,
                             lambda future, k: take(future, k, alone=True), None, pressed)
        except KeyboardInterrupt:
            self.client.cancel([f for f in futures if f.status == "pending"])
            raise Interrupted(results, sum(r is not None for r in results), len(jobs)) from None
        except _NoWorkers:
            left = [f for f, k in futures.items() if results[k] is None]
            self.client.cancel(left)
            for future in left:
                k = futures[future]
                if not any(f.label == (jobs[k].label or f"job {k + 1}") for f in self.failed):
                    self.failed.append(Failure(jobs[k].label or f"job {k + 1}",
                                               f"no worker left in the cluster for "
                                               f"{WORKERLESS_S:g} s"))
        finally:
            self.client.cancel(list(shipped.values()))
        return results


def _killed(future) -> bool:
    """Whether a task failed because the workers running it kept dying."""
    return (future.status == "error"
            and type(future.exception()).__name__ == "KilledWorker")


def _reason(future) -> str:
    if future.status == "cancelled":
        return "cancelled by the scheduler"
    exc = future.exception()
    return f"{type(exc).__name__}: {exc}"


_current: ContextVar[Executor | None] = ContextVar("executor", default=None)


def _executor() -> Executor:
    return _current.get() or Threads()


@contextmanager
def on_cluster(address: str | None) -> Iterator[Executor]:
    """Run the solves inside on the Dask cluster at ``address`` (``local``: one started here
    for the duration); None: threads of this process, as always."""
    if address is None:
        executor: Executor = Threads()
    else:
        executor = DaskCluster(address)
    token = _current.set(executor)
    try:
        yield executor
    finally:
        _current.reset(token)
        if isinstance(executor, DaskCluster):
            executor.close()


def parallel_settings(settings: SolveSettings, jobs: int) -> tuple[int, SolveSettings]:
    """How many of ``jobs`` solves run at once where they run, and the settings of each."""
    return _executor().parallel_settings(settings, jobs)


def run_all(jobs: Sequence[Job], settings: SolveSettings,
            on_done: OnDone | None = None) -> list[object]:
    """Run ``jobs`` where the solves run (threads, or the cluster of ``on_cluster``); results in
    the jobs' order, None for a job that failed on a cluster (listed in the executor's
    ``failed``). On Ctrl-C: ``Interrupted`` with the results so far."""
    return _executor().run(jobs, settings, on_done)
