"""The planning model as flat arrays, for the compiled kernels (``compiled``).

Read off the CP-SAT model itself (its objective, its variables' domains) and the model data,
so that the arrays say what the model says, term for term, after every rule has been written:

- one row per pair (role, partner): its objective coefficient, its capacity use, its domain;
- one row per partner: its selection's coefficient (fixed cost, onboarding or exit, ...), its
  capacity, its domain, and its ties (the ``together`` variables' coefficients);
- one row per role: how many of its slots may and must be filled, and its rank group (critical
  slots, or optional ones under ``fill_all_first``), each group with the fill the first solve
  settled;
- where the first solve settled that every hard standard is met: each on-time standard's row
  (``_standards``).

Every other variable of the objective counts at its least over its domain (``offset``), so
``lagrangian_bound`` is a bound of the model whatever terms it holds. ``complete`` says whether
the arrays are the whole model: then a plan the search finds keeps every rule and its
objective is exact; otherwise the search is not used.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from orchestra.model.rules import PlanningModel

# Subgradient steps for the bound; the kernel stops earlier once its step size has shrunk.
BOUND_ITERATIONS = 400
BOUND_CHUNK = 20  # steps per call of the kernel, between which a stop is seen
# The search's moves per call of the kernel (a fraction of a second on L), and its starting
# temperature as a share of a typical pair's coefficient.
SEARCH_MOVES = 200_000
SEARCH_TEMPERATURE = 0.05
# Pauses between rounds of the search that find no better plan: doubling from the least to the
# most (on 2 cores, a search running flat out beside CP-SAT's two workers slowed its proofs:
# OR-Library b10200 proven in 16-20 s instead of 10 s).
PAUSE_MIN = 0.05
PAUSE_MAX = 1.0
# The bound is computed again once the best plan has improved by this share of its objective.
REBOUND_SHARE = 1e-3


@dataclass
class FlatModel:
    cost: np.ndarray  # per pair, int: objective units (priced pairs at their cheapest price)
    use: np.ndarray  # per pair, int: capacity units
    pair_role: np.ndarray
    pair_partner: np.ndarray
    xdom: np.ndarray  # per pair: -1 free, 0 or 1 fixed
    selection: np.ndarray  # per partner, int: its selection's objective coefficient
    cap: np.ndarray  # per partner, int
    ydom: np.ndarray  # per partner: -1 free, 0 or 1 fixed
    role_lo: np.ndarray
    role_hi: np.ndarray
    busy: np.ndarray  # per partner: selected only with a pair (no idle partners), 0 or 1
    role_group: np.ndarray  # -1: no group
    group_need: np.ndarray  # int
    offset: float  # the objective's constant and the least of every other term
    complete: bool  # the arrays are the whole model (see the module's docstring)
    pair_vars: list[int]  # per pair, the model's variable index
    ties: list[tuple[int, int, int]]  # (a, b, coefficient of their ``together`` variable)
    # Rows every plan keeps, sum of coefficient x pair >= need (the on-time standards a plan
    # must meet): per pair, its rows (CSR: start, row, coefficient); per row, its need.
    rows_of: tuple[np.ndarray, np.ndarray, np.ndarray]
    row_need: np.ndarray

    @property
    def pairs(self) -> int:
        return len(self.cost)

    @cached_property
    def relaxed_selection(self) -> np.ndarray:
        """Per partner, float: its selection's coefficient with half of each tie's reward (a
        reward is set only when both are in: at least half of it falls on each)."""
        out = self.selection.astype(float)
        for a, b, w in self.ties:
            if w < 0:
                out[a] += w / 2
                out[b] += w / 2
        return out

    @cached_property
    def by_partner(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR of pairs per partner: (start, items)."""
        return _grouped(self.pair_partner, len(self.cap))

    @cached_property
    def by_role(self) -> tuple[np.ndarray, np.ndarray]:
        """CSR of pairs per role: (start, items)."""
        return _grouped(self.pair_role, len(self.role_lo))

    @cached_property
    def adjacency(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """CSR of ties per partner: (start, partner, coefficient), each tie both ways."""
        rows: list[list[tuple[int, int]]] = [[] for _ in range(len(self.cap))]
        for a, b, w in self.ties:
            rows[a].append((b, w))
            rows[b].append((a, w))
        return _csr(rows)


def _grouped(owner: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """The indices of ``owner`` grouped by its value, as CSR: (start, items)."""
    order = np.argsort(owner, kind="stable")
    start = np.searchsorted(owner[order], np.arange(groups + 1))
    return start.astype(np.int64), order.astype(np.int64)


def _csr(rows: list[list[tuple[int, int]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lists of (index, value) per row as compressed sparse rows: (start, index, value)."""
    start = np.zeros(len(rows) + 1, np.int64)
    for i, row in enumerate(rows):
        start[i + 1] = start[i] + len(row)
    index = np.array([j for row in rows for j, _ in row], np.int64)
    value = np.array([v for row in rows for _, v in row], np.int64)
    return start, index, value


def _domain(proto, index: int) -> int:
    domain = list(proto.variables[index].domain)  # the proto's lists take no negative index
    lo, hi = domain[0], domain[-1]
    return lo if lo == hi else -1


def flatten(pm: PlanningModel, critical: int, optional: int) -> FlatModel:
    """``pm`` with its weighted objective set and the first solve's open slots held
    (``critical`` and, under ``fill_all_first``, ``optional``), as arrays."""
    data, proto = pm.data, pm.model.proto
    network = data.network
    partners = list(pm.select)
    partner_index = {pid: i for i, pid in enumerate(partners)}
    roles = [r for r in network.roles if data.candidates[r.role_id]]
    role_index = {r.role_id: i for i, r in enumerate(roles)}
    pairs = data.pairs
    coefficient = dict(zip(proto.objective.vars, proto.objective.coeffs, strict=True))
    seen: set[int] = set()

    def take(var) -> int:
        seen.add(var.Index())
        return coefficient.get(var.Index(), 0)

    cost = np.zeros(len(pairs), np.int64)
    for k, c in enumerate(pairs):
        cost[k] = take(pm.assign[c.key])
        if c.key in pm.price:  # exactly one price is set with the pair: the cheapest counts
            cost[k] += min(take(var) for _, var in pm.price[c.key])
    selection = np.array([take(pm.select[pid]) for pid in partners], np.int64)
    ties = [(partner_index[a], partner_index[b], take(var))
            for (a, b), var in pm.together.items()]
    offset = float(proto.objective.offset)
    others = False
    for var, coef in coefficient.items():
        if var in seen or coef == 0:
            continue
        others = True
        domain = list(proto.variables[var].domain)
        offset += min(coef * domain[0], coef * domain[-1])
    # A variable's domain, or 1 where a rule holds it there by a row (``add_locks``,
    # ``add_must_include``): the search must not move it, and the bound may use it.
    locked = {(lock.role_id, lock.partner_id) for lock in network.locks}
    xdom = np.array([1 if c.key in locked else _domain(proto, pm.assign[c.key].Index())
                     for c in pairs], np.int8)
    held_in = set(data.rules.must_include)
    ydom = np.array([1 if pid in held_in else _domain(proto, pm.select[pid].Index())
                     for pid in partners], np.int8)
    cap = np.array([data.capacity(network.partner[pid].capacity) for pid in partners],
                   np.int64)
    use = np.array([data.usage(c.usage) for c in pairs], np.int64)
    role_group = np.full(len(roles), -1, np.int64)
    profile = data.rules.profile
    need = {0: sum(r.slots for r in roles if r.critical) - critical}
    if profile.fill_all_first:
        need[1] = sum(r.slots for r in roles if not r.critical) - optional
    for i, role in enumerate(roles):
        g = 0 if role.critical else 1
        if g in need:
            role_group[i] = g
    groups = [need[g] for g in sorted(need)]
    role_hi = np.array([r.slots for r in roles], np.int64)
    role_lo = np.zeros(len(roles), np.int64)
    known, rows = _standards(pm, xdom, role_lo, roles, role_index, pairs)
    available = np.zeros(len(roles), np.int64)
    pair_role = np.array([role_index[c.role.role_id] for c in pairs], np.int64)
    for k in range(len(pairs)):
        if xdom[k] != 0:
            available[pair_role[k]] += 1
    most = np.minimum(role_hi, available)
    for g, wanted in enumerate(groups):
        members = role_group == g
        if wanted >= most[members].sum():  # every role of the group filled as far as it can be
            role_lo[members] = np.maximum(role_lo[members], most[members])
    rows_of, row_need = _by_pair(rows, len(pairs))
    return FlatModel(
        cost=cost, use=use, pair_role=pair_role,
        pair_partner=np.array([partner_index[c.offer.partner_id] for c in pairs], np.int64),
        xdom=xdom, selection=selection, cap=cap, ydom=ydom,
        busy=np.array([not pm.standby and pid not in data.rules.must_include
                       for pid in partners], np.int8),
        role_lo=role_lo, role_hi=role_hi,
        role_group=role_group, group_need=np.array(groups, np.int64), offset=offset,
        complete=not others and known and _rules_known(pm),
        pair_vars=[pm.assign[c.key].Index() for c in pairs], ties=ties, rows_of=rows_of,
        row_need=row_need)


def _standards(pm: PlanningModel, xdom: np.ndarray, role_lo: np.ndarray, roles, role_index,
               pairs) -> tuple[bool, list[tuple[dict[int, int], int]]]:
    """The hard standards as the search keeps them, where the first solve settled that every
    one is met (its ``missed`` held at 0): an on-time standard's row; its pairs beyond repair
    and a response standard's too slow pairs held at 0 in ``xdom``, the roles a response
    standard covers filled in ``role_lo`` (each implied by the model, so the bound may use
    them too). Returns (whether the search knows every standard, the rows as ({pair:
    coefficient}, need))."""
    from orchestra.model.rules import beyond_repair, on_time_units

    data, proto = pm.data, pm.model.proto
    network = data.network
    if not pm.missed:
        return True, []
    if any(_domain(proto, var.Index()) != 0 for var in pm.missed.values()):
        return False, []  # a standard may be missed: which one is the search's to choose
    index = {c.key: k for k, c in enumerate(pairs)}
    rows = []
    for standard in network.standards:
        if standard.key not in pm.missed:
            continue
        covered = network.covered(standard)
        cands = [c for role in covered for c in data.candidates[role.role_id]]
        if standard.metric == "response_hours":
            for c in cands:
                if standard.too_slow(network.response_of(c.offer.partner_id, c.role)):
                    xdom[index[c.key]] = 0
            for role in covered:
                if role.role_id in role_index:
                    role_lo[role_index[role.role_id]] = role.slots
        else:
            units, need = on_time_units(network, standard, cands)
            for key in beyond_repair(covered, data, units, need):
                xdom[index[key]] = 0
            rows.append(({index[key]: u for key, u in units.items()}, need))
    return True, rows


def _by_pair(rows: list[tuple[dict[int, int], int]], n_pairs: int
             ) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], np.ndarray]:
    """Rows as CSR per pair (start, row, coefficient), and each row's need."""
    per_pair: list[list[tuple[int, int]]] = [[] for _ in range(n_pairs)]
    for s, (coefficients, _) in enumerate(rows):
        for k, u in coefficients.items():
            per_pair[k].append((s, u))
    return _csr(per_pair), np.array([need for _, need in rows], np.int64)


def _rules_known(pm: PlanningModel) -> bool:
    """Whether the model holds no rule beyond those the search keeps: slots, capacity, the
    fill of each rank group, locks and must_include (held at 1 in ``xdom`` and ``ydom``), and
    the hard standards where every one is met (``_standards``)."""
    data, rules = pm.data, pm.data.rules
    return not (pm.price or pm.unprotected or pm.redundancy_short or pm.standby
                or data.network.rules or data.calendar is not None
                or rules.budget is not None or rules.max_partners is not None
                or rules.max_changes is not None or rules.forbid_below_strength is not None
                or rules.other_than)


@dataclass(frozen=True)
class LagrangianBound:
    value: float  # in objective units: every plan of the model is at least this
    reduced: np.ndarray  # per pair, at the best multipliers found
    terms: np.ndarray  # per partner, its least contribution there
    busy: np.ndarray  # per partner, the reduced cost of the pair it took only to be busy, or 0


def lagrangian_bound(flat: FlatModel, upper: float, iterations: int = BOUND_ITERATIONS,
                     stop: threading.Event | None = None) -> LagrangianBound:
    """The Lagrangian bound of ``flat`` (``compiled.lagrangian``), its knapsacks over at most
    ``compiled.KNAPSACK_CELLS`` cells (capacity divided down, usage rounded down: a
    relaxation). ``upper``: the best plan's objective, which steers the steps. Computed
    BOUND_CHUNK steps at a time, so that ``stop`` ends it within one chunk (the bound so far
    is as valid as any)."""
    from orchestra.model import compiled

    start, items = flat.by_partner
    divisor = np.maximum(1, np.ceil(flat.cap / compiled.KNAPSACK_CELLS)).astype(np.int64)
    div_cap = np.maximum(0, flat.cap) // divisor
    div_use = flat.use // divisor[flat.pair_partner]
    counts = np.diff(start)
    lo, hi = flat.role_lo.astype(float), flat.role_hi.astype(float)
    cost, need = flat.cost.astype(float), flat.group_need.astype(float)
    alpha, beta, gamma = compiled.lagrangian_start(cost, flat.pair_role, lo, hi, len(need))
    control = np.array([2.0, 0.0, -np.inf])
    reduced = cost.copy()
    terms, busy = np.zeros(len(flat.cap)), np.zeros(len(flat.cap))
    done = 0
    while done < iterations and not (stop is not None and stop.is_set()):
        chunk = min(BOUND_CHUNK, iterations - done)
        over = compiled.lagrangian(
            cost, flat.pair_role, start, items, flat.relaxed_selection, div_use, div_cap,
            flat.ydom, flat.xdom, flat.busy, lo, hi, flat.role_group, need, flat.offset,
            float(upper), chunk, int(counts.max()) if len(counts) else 1,
            int(div_cap.max()) if len(div_cap) else 1, alpha, beta, gamma, control, reduced,
            terms, busy)
        done += chunk
        if over:
            break
    return LagrangianBound(float(control[2]), reduced, terms, busy)


def fixable(flat: FlatModel, bound: LagrangianBound, upper: float) -> dict[int, int]:
    """Pairs the bound proves out of every plan better than ``upper`` (objective units, whole
    numbers): held at 1, a pair lifts the bound by at least its reduced cost (less what its
    partner paid to be busy); where that lifts it above ``upper`` - 1 the pair is 0 in every
    better plan. As {variable index: 0}."""
    out: dict[int, int] = {}
    limit = upper - 1 + 1e-6 * max(1.0, abs(upper))
    for k in range(flat.pairs):
        # Held at 1, its partner is in: the partner's term is then at least its fixed cost, its
        # knapsack (with less room, no smaller) and reduced[k], and the term the bound
        # counted was at most the first two and the pair it took only to be busy.
        rise = bound.reduced[k] - bound.busy[flat.pair_partner[k]]
        if flat.xdom[k] == -1 and rise > 0 and bound.value + rise > limit:
            out[flat.pair_vars[k]] = 0
    return out


class Companion:
    """The compiled kernels beside CP-SAT, on a thread of their own (``start``, ``stop``) or
    called in turn (``run``, for --deterministic). ``offer`` hands them a plan of the model
    (every variable's value by index, and its objective: CP-SAT's latest). From the first
    plan the Lagrangian bound is computed (again when the plans have improved by
    ``REBOUND_SHARE``); where the arrays are the whole model (``complete``) the search then
    improves the best plan known, round after round, each round from the best plan so far.
    ``bound``: the best bound found; ``best``: the best plan, (objective, 0/1 per pair), one
    value so that a reader on another thread sees the two together."""

    def __init__(self, flat: FlatModel, seed: int = 0, search: bool = True):
        self.flat = flat
        self.seed = seed
        self.searching = search and flat.complete
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._offered: tuple[float, np.ndarray] | None = None
        self.best: tuple[float, np.ndarray] | None = None
        self.bound: LagrangianBound | None = None
        self._bounded_at: float | None = None  # the plan's objective the bound was steered by
        self.rounds = 0
        self.improved = 0  # rounds whose plan was better than every plan offered before
        self.error: str | None = None  # what stopped the kernels, if anything did
        self._thread: threading.Thread | None = None
        nonzero = np.abs(flat.cost[flat.cost != 0])
        typical = float(np.median(nonzero)) if len(nonzero) else 1.0
        self.temperature = SEARCH_TEMPERATURE * typical

    def offer(self, values, objective: float) -> None:
        """A plan of the model: every variable's value by index, and its objective."""
        x = np.array([values[i] for i in self.flat.pair_vars], np.int8)
        with self._lock:
            if self._offered is None or objective < self._offered[0]:
                self._offered = (objective, x)

    def run(self, rounds: int) -> None:
        """The bound and ``rounds`` rounds of the search, on this thread."""
        try:
            for _ in range(max(1, rounds)):
                self._step()
        except Exception as exc:  # the plan goes on without the kernels; the settings say why
            self.error = repr(exc)

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        pause = 0.0
        try:
            while not self._stop.is_set():
                improved = self.improved
                if not self._step():
                    self._stop.wait(0.05)
                    continue
                # A search that betters CP-SAT's plans runs on; one that does not gives the
                # cores back to CP-SAT, pausing longer after each round without a better plan.
                pause = 0.0 if self.improved > improved else min(
                    PAUSE_MAX, max(PAUSE_MIN, 2 * pause))
                if pause:
                    self._stop.wait(pause)
        except Exception as exc:  # as in ``run``
            self.error = repr(exc)

    def _step(self) -> bool:
        """Take up an offered plan, bound, search one round; whether there was work."""
        with self._lock:
            offered, self._offered = self._offered, None
        if offered is not None and (self.best is None or offered[0] < self.best[0]):
            self.best = offered
        if self.best is None:
            return False
        objective = self.best[0]
        if self._bounded_at is None or (objective < self._bounded_at - REBOUND_SHARE
                                        * max(1.0, abs(self._bounded_at))):
            self._bounded_at = objective
            found = lagrangian_bound(self.flat, objective, stop=self._stop)
            if found.value > -np.inf and (self.bound is None
                                          or found.value > self.bound.value):
                self.bound = found
            return True
        if not self.searching:
            return False
        self._search_round()
        return True

    def _search_round(self) -> None:
        from orchestra.model import compiled

        f = self.flat
        start = self.best
        out = np.zeros_like(start[1])
        value, found = compiled.search(
            start[1].copy(), f.cost, f.use, f.pair_role, f.pair_partner, *f.by_role,
            *f.by_partner, f.selection, f.cap, f.ydom, f.xdom, f.role_lo, f.role_hi,
            f.role_group, f.group_need, *f.adjacency, *f.rows_of, f.row_need, SEARCH_MOVES,
            self.seed + self.rounds, self.temperature, out)
        self.rounds += 1
        if found and f.offset + value < start[0]:
            self.best = (f.offset + value, out)
            self.improved += 1
