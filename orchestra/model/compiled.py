"""The compiled kernels beside CP-SAT: a Lagrangian bound and an improvement search.

Both work on the flat arrays of ``flat.FlatModel`` (pairs, partners, roles, in the objective's
integer units) and nothing else, so that Numba compiles them to machine code: the search makes
hundreds of thousands of moves a second where Python made about a thousand. Compiled once per
machine and cached (``cache=True``: next to this file, or Numba's user cache where that is read
only); ``nogil=True`` so that a search runs in a thread while CP-SAT solves in others.

Pure functions of their arguments and a seed: the same inputs give the same results.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# The knapsack of each partner is solved by dynamic programming over at most this many
# capacity cells; a larger capacity is divided down, each usage rounded down (a relaxation,
# so the bound stays valid: any set that fits the capacity fits the rounded one).
KNAPSACK_CELLS = 2_000


@njit(cache=True, nogil=True)
def _knapsack(profit, weight, count, cells, table, dp, take):
    """Most profit of ``count`` items (profit > 0, integer weights) within ``cells``; marks
    the items of one best choice in ``take``."""
    for c in range(cells + 1):
        dp[c] = 0.0
    for i in range(count):
        w = weight[i]
        row = table[i]
        for c in range(cells + 1):
            row[c] = 0
        if w > cells:
            continue
        for c in range(cells, w - 1, -1):
            v = dp[c - w] + profit[i]
            if v > dp[c]:
                dp[c] = v
                row[c] = 1
    c = cells
    for i in range(count - 1, -1, -1):
        take[i] = table[i][c]
        if take[i]:
            c -= weight[i]
    return dp[cells]


@njit(cache=True, nogil=True)
def _partner_terms(reduced, start, items, fixed, div_use, div_cap, ydom, xdom, busy,
                   x, y, values, extra, profit, weight, index, table, dp, take):
    """Each partner's least contribution at the reduced costs: its fixed cost and a knapsack of
    its pairs whose reduced cost is below zero (pairs held at 1 always in, at 0 never), at
    least one pair where ``busy`` (a partner in takes a role), or nothing when it may stay
    out. Sets ``x``, ``y`` and ``values`` per partner, and ``extra``: the reduced cost of the
    one pair a busy partner takes only to be busy (else 0); their sum."""
    total = 0.0
    for p in range(len(start) - 1):
        forced = 0.0
        held = False  # a pair of it held at 1
        room = div_cap[p]
        count = 0
        for j in range(start[p], start[p + 1]):
            k = items[j]
            x[k] = 0
            if xdom[k] == 1:
                forced += reduced[k]
                room -= div_use[k]
                x[k] = 1
                held = True
            elif xdom[k] == -1 and reduced[k] < 0 and ydom[p] != 0:
                profit[count] = -reduced[k]
                weight[count] = div_use[k]
                index[count] = k
                count += 1
        gain = 0.0
        if room < 0:
            room = 0
        if count > 0:
            free = 0
            for i in range(count):
                free += weight[i]
            if free <= room:
                for i in range(count):
                    gain += profit[i]
                    take[i] = 1
            else:
                gain = _knapsack(profit, weight, count, room, table, dp, take)
        term = fixed[p] + forced - gain
        one = -1  # with no pair taken, a partner in takes one pair at least (no idle partner)
        extra[p] = 0.0
        must = held or ydom[p] == 1
        if busy[p] and not held and gain <= 0:
            least = np.inf
            for j in range(start[p], start[p + 1]):
                k = items[j]
                if xdom[k] == -1 and div_use[k] <= div_cap[p] and reduced[k] < least:
                    least = reduced[k]
                    one = k
            if one >= 0:
                term += least
                extra[p] = least
            elif not must:
                term = np.inf  # it can take no pair: it stays out
        if must or (ydom[p] == -1 and term < 0):
            y[p] = 1
            for i in range(count):
                if take[i]:
                    x[index[i]] = 1
            if one >= 0:
                x[one] = 1
        else:
            y[p] = 0
            term = 0.0
            for j in range(start[p], start[p + 1]):
                x[items[j]] = 0
        values[p] = term
        total += term
    return total


@njit(cache=True, nogil=True)
def lagrangian_start(cost, pair_role, role_lo, role_hi, n_groups):
    """Multipliers to start from: each role's cheapest pairs price it up to its least fill
    at or below zero, and none beyond its most below zero (the steps then refine).
    Returns (alpha: filled <= hi, beta: filled >= lo, gamma: group filled >= need)."""
    n_pairs = len(cost)
    n_roles = len(role_lo)
    alpha = np.zeros(n_roles)
    beta = np.zeros(n_roles)
    gamma = np.zeros(n_groups)
    start_r = np.zeros(n_roles + 1, np.int64)
    for k in range(n_pairs):
        start_r[pair_role[k] + 1] += 1
    for r in range(n_roles):
        start_r[r + 1] += start_r[r]
    fill = start_r[:-1].copy()
    by_role = np.empty(n_pairs)
    for k in range(n_pairs):
        r = pair_role[k]
        by_role[fill[r]] = cost[k]
        fill[r] += 1
    for r in range(n_roles):
        ranked = np.sort(by_role[start_r[r]:start_r[r + 1]])
        lo, hi = int(role_lo[r]), int(role_hi[r])
        if hi < len(ranked):
            alpha[r] = max(0.0, -ranked[hi])
        if 0 < lo <= len(ranked):
            beta[r] = max(0.0, ranked[lo - 1] + alpha[r])
    return alpha, beta, gamma


@njit(cache=True, nogil=True)
def lagrangian(cost, pair_role, start, items, fixed, div_use, div_cap, ydom, xdom, busy,
               role_lo, role_hi, role_group, group_need, offset, upper, iterations,
               max_items, max_cells, alpha, beta, gamma, control, best_reduced, best_values,
               best_extra):
    """Up to ``iterations`` subgradient steps for the Lagrangian bound with every role's fill
    rows relaxed (``role_lo`` <= filled <= ``role_hi``, each group's filled >= ``group_need``):
    one knapsack per partner with its selection and fixed cost. Any multipliers give a valid
    bound; the steps look for a high one (Polyak steps towards ``upper``, the best plan's
    objective). Called again and again (so that a caller can stop between calls): the
    multipliers (``alpha``, ``beta``, ``gamma``) and ``control`` (step size, steps without
    progress, best bound) carry over; at the best bound, each pair's reduced cost, each
    partner's term and what it paid to be busy (``_partner_terms``'s ``extra``) are kept in
    the ``best_`` arrays. Returns whether the steps are over."""
    n_pairs = len(cost)
    n_roles = len(role_lo)
    n_partners = len(start) - 1
    reduced = np.empty(n_pairs)
    x = np.zeros(n_pairs, np.int8)
    y = np.zeros(n_partners, np.int8)
    values = np.zeros(n_partners)
    extra = np.zeros(n_partners)
    profit = np.empty(max_items)
    weight = np.empty(max_items, np.int64)
    index = np.empty(max_items, np.int64)
    table = np.zeros((max_items, max_cells + 1), np.int8)
    dp = np.empty(max_cells + 1)
    take = np.zeros(max_items, np.int8)
    filled = np.zeros(n_roles)
    group_filled = np.zeros(len(group_need))
    theta, idle, best = control[0], control[1], control[2]
    done = False
    for _ in range(iterations):
        for k in range(n_pairs):
            r = pair_role[k]
            g = role_group[r]
            reduced[k] = cost[k] + alpha[r] - beta[r] - (gamma[g] if g >= 0 else 0.0)
        value = offset + _partner_terms(reduced, start, items, fixed, div_use, div_cap, ydom,
                                        xdom, busy, x, y, values, extra, profit, weight,
                                        index, table, dp, take)
        for r in range(n_roles):
            value += beta[r] * role_lo[r] - alpha[r] * role_hi[r]
        for g in range(len(group_need)):
            value += gamma[g] * group_need[g]
        if value > best + 1e-9:
            best = value
            idle = 0
            for k in range(n_pairs):
                best_reduced[k] = reduced[k]
            for p in range(n_partners):
                best_values[p] = values[p]
                best_extra[p] = extra[p]
        else:
            idle += 1
            if idle >= 20:
                theta /= 2.0
                idle = 0
                if theta < 1e-4:
                    done = True
                    break
        if best >= upper - 1e-9:
            done = True
            break
        for r in range(n_roles):
            filled[r] = 0.0
        for g in range(len(group_need)):
            group_filled[g] = 0.0
        for k in range(n_pairs):
            if x[k]:
                filled[pair_role[k]] += 1.0
                g = role_group[pair_role[k]]
                if g >= 0:
                    group_filled[g] += 1.0
        norm = 0.0
        for r in range(n_roles):
            over = filled[r] - role_hi[r]
            if alpha[r] > 0 or over > 0:
                norm += over * over
            under = role_lo[r] - filled[r]
            if beta[r] > 0 or under > 0:
                norm += under * under
        for g in range(len(group_need)):
            under = group_need[g] - group_filled[g]
            if gamma[g] > 0 or under > 0:
                norm += under * under
        if norm == 0.0:
            done = True  # the relaxation's solution keeps every relaxed row: no better
            break
        step = theta * max(upper - value, 1e-6 * max(1.0, abs(value))) / norm
        for r in range(n_roles):
            alpha[r] = max(0.0, alpha[r] + step * (filled[r] - role_hi[r]))
            beta[r] = max(0.0, beta[r] + step * (role_lo[r] - filled[r]))
        for g in range(len(group_need)):
            gamma[g] = max(0.0, gamma[g] + step * (group_need[g] - group_filled[g]))
    control[0], control[1], control[2] = theta, idle, best
    return done


@njit(cache=True, nogil=True)
def _rand(state):
    """xorshift64*: the search's own generator, seeded, the same on every machine."""
    s = state[0]
    s ^= s >> np.uint64(12)
    s ^= s << np.uint64(25)
    s ^= s >> np.uint64(27)
    state[0] = s
    return s * np.uint64(2685821657736338717)


@njit(cache=True, nogil=True)
def _below(state, n):
    return np.int64(_rand(state) >> np.uint64(33)) % n


@njit(cache=True, nogil=True)
def _uniform(state):
    return np.float64(_rand(state) >> np.uint64(11)) / 9007199254740992.0


@njit(cache=True, nogil=True)
def _ties(p, count, ydom, adj_start, adj_partner, adj_weight):
    """Partner ``p``'s ties with the partners in the team."""
    total = 0
    for j in range(adj_start[p], adj_start[p + 1]):
        q = adj_partner[j]
        if q != p and (count[q] > 0 or ydom[q] == 1):
            total += adj_weight[j]
    return total


@njit(cache=True, nogil=True)
def _take(k, sign, x, cost, use, pair_role, pair_partner, fixed, cap, ydom, role_lo,
          role_group, group_need, adj_start, adj_partner, adj_weight, load, count, filled,
          group_filled, change, rows):
    """Assign pair ``k`` (sign 1) or free it (-1), keeping the counts; adds to ``change`` what
    it changes: [0] the objective, [1] capacity overuse, [2] the fill rows' shortage, [3] the
    standards' rows' shortfall."""
    rows_start, rows_row, rows_coef, row_need, row_value = rows
    for j in range(rows_start[k], rows_start[k + 1]):
        s = rows_row[j]
        before = max(0, row_need[s] - row_value[s])
        row_value[s] += sign * rows_coef[j]
        change[3] += max(0, row_need[s] - row_value[s]) - before
    p = pair_partner[k]
    r = pair_role[k]
    g = role_group[r]
    change[0] += sign * cost[k]
    before = max(0, load[p] - cap[p])
    load[p] += sign * use[k]
    change[1] += max(0, load[p] - cap[p]) - before
    if sign > 0:
        if filled[r] < role_lo[r]:
            change[2] -= 1
        if g >= 0 and group_filled[g] < group_need[g]:
            change[2] -= 1
    filled[r] += sign
    if g >= 0:
        group_filled[g] += sign
    if sign < 0:
        if filled[r] < role_lo[r]:
            change[2] += 1
        if g >= 0 and group_filled[g] < group_need[g]:
            change[2] += 1
    if sign > 0:
        if count[p] == 0 and ydom[p] != 1:
            change[0] += fixed[p] + _ties(p, count, ydom, adj_start, adj_partner, adj_weight)
        count[p] += 1
        x[k] = 1
    else:
        count[p] -= 1
        if count[p] == 0 and ydom[p] != 1:
            change[0] -= fixed[p] + _ties(p, count, ydom, adj_start, adj_partner, adj_weight)
        x[k] = 0


@njit(cache=True, nogil=True)
def _taken_in(r, x, xdom, role_start, role_items, state):
    """A random pair of role ``r`` that is taken and may be freed, or -1."""
    n = 0
    for j in range(role_start[r], role_start[r + 1]):
        k = role_items[j]
        if x[k] and xdom[k] != 1:
            n += 1
    if n == 0:
        return -1
    pick = _below(state, n)
    for j in range(role_start[r], role_start[r + 1]):
        k = role_items[j]
        if x[k] and xdom[k] != 1:
            if pick == 0:
                return k
            pick -= 1
    return -1


@njit(cache=True, nogil=True)
def _free_in(r, x, xdom, role_start, role_items, state):
    """A random pair of role ``r`` not taken that may be, or -1."""
    width = role_start[r + 1] - role_start[r]
    if width == 0:
        return -1
    k = role_items[role_start[r] + _below(state, width)]
    if x[k] or xdom[k] == 0:
        return -1
    return k


@njit(cache=True, nogil=True)
def _pair(r, partner, role_start, role_items, pair_partner):
    for j in range(role_start[r], role_start[r + 1]):
        if pair_partner[role_items[j]] == partner:
            return role_items[j]
    return -1


@njit(cache=True, nogil=True)
def search(x, cost, use, pair_role, pair_partner, role_start, role_items, partner_start,
           partner_items, fixed, cap, ydom, xdom, role_lo, role_hi, role_group, group_need,
           adj_start, adj_partner, adj_weight, rows_start, rows_row, rows_coef, row_need,
           moves, seed, temperature, best_x):
    """Simulated annealing over the plan ``x`` (a 0/1 per pair). Moves: shift a slot to
    another candidate; swap two slots' partners; shift and then eject a slot from the partner
    it overloads to one with room (an ejection chain of two); close a partner, its slots
    moved to the cheapest candidates with room; fill an open slot or free one. Each partner's
    fixed cost and ties count as it opens or closes; capacity overuse, the fill rows' shortage
    and the standards' rows' shortfall (sum of ``rows_coef`` over a row's pairs taken at least
    ``row_need``; CSR per pair) are penalised, overuse and shortfall by weights that rise while
    plans break them and fall while they do not (strategic oscillation). ``best_x`` receives
    the best plan that keeps every capacity, fill row and standard's row.

    Returns (its objective less the model's offset, whether there is one)."""
    n_pairs = len(cost)
    n_partners = len(cap)
    n_roles = len(role_lo)
    state = np.empty(1, np.uint64)
    state[0] = np.uint64(seed * 2654435761 + 88172645463325252)
    load = np.zeros(n_partners, np.int64)
    count = np.zeros(n_partners, np.int64)
    filled = np.zeros(n_roles, np.int64)
    group_filled = np.zeros(len(group_need), np.int64)
    change = np.zeros(4, np.int64)
    stack = np.empty(n_pairs + 8, np.int64)
    row_value = np.zeros(len(row_need), np.int64)
    rows = (rows_start, rows_row, rows_coef, row_need, row_value)
    taken = x.copy()
    for k in range(n_pairs):
        x[k] = 0
    for k in range(n_pairs):
        if taken[k]:
            _take(k, 1, x, cost, use, pair_role, pair_partner, fixed, cap, ydom, role_lo,
                  role_group, group_need, adj_start, adj_partner, adj_weight, load, count,
                  filled, group_filled, change, rows)
    # Partners held in never open in ``_take``: their fixed costs and their ties with each
    # other count here (a tie with a partner that opens counts as that one opens).
    objective = change[0]
    for p in range(n_partners):
        if ydom[p] == 1:
            objective += fixed[p]
            for j in range(adj_start[p], adj_start[p + 1]):
                q = adj_partner[j]
                if q > p and ydom[q] == 1:
                    objective += adj_weight[j]
    excess = 0
    for p in range(n_partners):
        excess += max(0, load[p] - cap[p])
    shortage = 0
    for r in range(n_roles):
        shortage += max(0, role_lo[r] - filled[r])
    for g in range(len(group_need)):
        shortage += max(0, group_need[g] - group_filled[g])
    shortfall = 0
    for t in range(len(row_need)):
        shortfall += max(0, row_need[t] - row_value[t])
    penalty = 1.0
    row_weight = 1.0
    short_weight = 1.0
    for k in range(n_pairs):
        penalty = max(penalty, abs(cost[k]) / max(1, use[k]))
        for j in range(rows_start[k], rows_start[k + 1]):
            row_weight = max(row_weight, abs(cost[k]) / max(1, rows_coef[j]))
        short_weight = max(short_weight, 2.0 * abs(cost[k]))
    for p in range(n_partners):
        short_weight += abs(fixed[p])
    for j in range(len(adj_weight)):
        short_weight += abs(adj_weight[j])
    best = objective
    found = excess == 0 and shortage == 0 and shortfall == 0
    if found:
        for k in range(n_pairs):
            best_x[k] = x[k]
    temp = temperature
    cooling = 0.01 ** (1.0 / max(1, moves))
    for step in range(moves):
        kind = _below(state, 8)
        r = _below(state, n_roles)
        change[:] = 0
        top = 0  # the pairs taken (+k + 1) or freed (-(k + 1)) so far, to undo
        whole = True  # False: a move that could not be made whole, undone whatever its score
        if kind <= 2:  # shift, or (kind 2) shift and eject
            j = _taken_in(r, x, xdom, role_start, role_items, state)
            k = _free_in(r, x, xdom, role_start, role_items, state)
            if j < 0 or k < 0:
                continue
            for kk, sign in ((j, -1), (k, 1)):
                _take(kk, sign, x, cost, use, pair_role, pair_partner, fixed, cap, ydom,
                      role_lo, role_group, group_need, adj_start, adj_partner, adj_weight,
                      load, count, filled, group_filled, change, rows)
                stack[top] = sign * (kk + 1)
                top += 1
            q = pair_partner[k]
            if kind == 2 and load[q] > cap[q]:
                out, into, gain = -1, -1, 0.0
                for i in range(partner_start[q], partner_start[q + 1]):
                    o = partner_items[i]
                    if not x[o] or o == k or xdom[o] == 1:
                        continue
                    ro = pair_role[o]
                    for t in range(role_start[ro], role_start[ro + 1]):
                        m = role_items[t]
                        s = pair_partner[m]
                        if (s == q or x[m] or xdom[m] == 0
                                or load[s] + use[m] > cap[s] or count[s] == 0):
                            continue
                        value = cost[m] - cost[o] - penalty * min(use[o], load[q] - cap[q])
                        if out < 0 or value < gain:
                            out, into, gain = o, m, value
                if out >= 0:
                    for kk, sign in ((out, -1), (into, 1)):
                        _take(kk, sign, x, cost, use, pair_role, pair_partner, fixed, cap,
                              ydom, role_lo, role_group, group_need, adj_start, adj_partner,
                              adj_weight, load, count, filled, group_filled, change, rows)
                        stack[top] = sign * (kk + 1)
                        top += 1
        elif kind == 3:  # swap the partners of two slots
            r2 = _below(state, n_roles)
            j = _taken_in(r, x, xdom, role_start, role_items, state)
            j2 = _taken_in(r2, x, xdom, role_start, role_items, state)
            if r2 == r or j < 0 or j2 < 0:
                continue
            p, q = pair_partner[j], pair_partner[j2]
            if p == q:
                continue
            a = _pair(r, q, role_start, role_items, pair_partner)
            b = _pair(r2, p, role_start, role_items, pair_partner)
            if a < 0 or b < 0 or x[a] or x[b] or xdom[a] == 0 or xdom[b] == 0:
                continue
            for kk, sign in ((j, -1), (j2, -1), (a, 1), (b, 1)):
                _take(kk, sign, x, cost, use, pair_role, pair_partner, fixed, cap, ydom,
                      role_lo, role_group, group_need, adj_start, adj_partner, adj_weight,
                      load, count, filled, group_filled, change, rows)
                stack[top] = sign * (kk + 1)
                top += 1
        elif kind == 4:  # close the partner of a slot: its slots to the cheapest with room
            j = _taken_in(r, x, xdom, role_start, role_items, state)
            if j < 0:
                continue
            p = pair_partner[j]
            if ydom[p] == 1:
                continue
            for i in range(partner_start[p], partner_start[p + 1]):
                o = partner_items[i]
                if not x[o]:
                    continue
                if xdom[o] == 1:
                    whole = False
                    break
                ro = pair_role[o]
                into, price = -1, 0.0
                for t in range(role_start[ro], role_start[ro + 1]):
                    m = role_items[t]
                    s = pair_partner[m]
                    if s == p or x[m] or xdom[m] == 0 or load[s] + use[m] > cap[s]:
                        continue
                    value = cost[m] + (fixed[s] if count[s] == 0 and ydom[s] != 1 else 0)
                    if into < 0 or value < price:
                        into, price = m, value
                if into < 0:
                    whole = False
                    break
                for kk, sign in ((o, -1), (into, 1)):
                    _take(kk, sign, x, cost, use, pair_role, pair_partner, fixed, cap, ydom,
                          role_lo, role_group, group_need, adj_start, adj_partner,
                          adj_weight, load, count, filled, group_filled, change, rows)
                    stack[top] = sign * (kk + 1)
                    top += 1
        else:  # fill an open slot, or free one the fill rows can spare
            if filled[r] < role_hi[r] and (kind <= 6 or filled[r] <= role_lo[r]):
                k = _free_in(r, x, xdom, role_start, role_items, state)
                sign = 1
            else:
                k = _taken_in(r, x, xdom, role_start, role_items, state)
                sign = -1
            if k < 0:
                continue
            _take(k, sign, x, cost, use, pair_role, pair_partner, fixed, cap, ydom, role_lo,
                  role_group, group_need, adj_start, adj_partner, adj_weight, load, count,
                  filled, group_filled, change, rows)
            stack[top] = sign * (k + 1)
            top += 1
        if top == 0:
            continue
        score = (change[0] + penalty * change[1] + short_weight * change[2]
                 + row_weight * change[3])
        if whole and (score <= 0 or (temp > 0 and _uniform(state) < np.exp(-score / temp))):
            objective += change[0]
            excess += change[1]
            shortage += change[2]
            shortfall += change[3]
        else:  # undo, last first
            for i in range(top - 1, -1, -1):
                kk = abs(stack[i]) - 1
                sign = -1 if stack[i] > 0 else 1
                _take(kk, sign, x, cost, use, pair_role, pair_partner, fixed, cap, ydom,
                      role_lo, role_group, group_need, adj_start, adj_partner, adj_weight,
                      load, count, filled, group_filled, change, rows)
            continue
        if excess == 0 and shortage == 0 and shortfall == 0 and (not found or objective < best):
            best = objective
            found = True
            for i in range(n_pairs):
                best_x[i] = x[i]
        if step % 100 == 99:
            penalty = penalty * 1.02 if excess > 0 else max(1e-3, penalty / 1.02)
            row_weight = row_weight * 1.02 if shortfall > 0 else max(1e-3, row_weight / 1.02)
        temp *= cooling
    return best, found

