"""Seeded synthetic networks of any size, for benchmarks and tests.

Realistic in the ways that matter to the planner: skills cluster by partner kind (suppliers offer
supplier things), better and more reliable partners cost more, a few specialists need less effort,
and the relationship graph is sparse (about five ties per partner, a tenth of them friction),
denser inside a region.
"""

from __future__ import annotations

import random

from orchestra.domain import PARTNER_KINDS

REGIONS = ("north", "south", "east", "west", "central")
CHANNELS = ("branch", "phone", "web", "mobile app", "on-site", "")


def generate_tables(partners: int, roles: int, seed: int = 0) -> dict[str, list[dict]]:
    """Input tables (the contract's shape) for a network of ``partners`` and ``roles``."""
    rng = random.Random(seed)
    n_caps = max(6, roles // 2)
    capabilities = [f"skill_{k:03d}" for k in range(n_caps)]
    # Each kind of partner draws its skills mostly from its own cluster.
    clusters = {kind: capabilities[i::len(PARTNER_KINDS)] for i, kind in
                enumerate(PARTNER_KINDS)}
    per_partner = 3 + round(7 * min(1.0, partners / 2000))  # 4 on small networks, 10 on L
    partner_rows, offer_rows = [], []
    for i in range(partners):
        pid = f"P{i + 1:05d}"
        kind = rng.choices(PARTNER_KINDS, weights=(40, 45, 5, 10))[0]
        reliability = round(rng.uniform(0.7, 0.995), 3)
        quality = (reliability - 0.7) / 0.3  # 0..1: better partners cost more
        partner_rows.append({
            "partner_id": pid, "name": f"{kind.replace('_', ' ').title()} {i + 1}", "kind": kind,
            "region": rng.choice(REGIONS),
            "fixed_cost": round(rng.lognormvariate(8.5, 0.5) * (0.7 + 0.6 * quality)),
            "capacity": rng.randint(3, 15), "reliability": reliability,
            "response_hours": rng.choice((0.5, 1, 2, 4, 8, 12, 24, 48)),
        })
        own = clusters[kind]
        count = max(1, min(len(capabilities), rng.randint(per_partner - 2, per_partner + 2)))
        picks: set[str] = set()
        while len(picks) < count:
            pool = own if rng.random() < 0.8 else capabilities
            picks.add(rng.choice(pool))
        for cap in sorted(picks):
            level = rng.choices((1, 2, 3, 4, 5), weights=(10, 25, 35, 20, 10))[0]
            offer_rows.append({
                "partner_id": pid, "capability": cap, "level": level,
                "unit_cost": round(rng.uniform(200, 600) * (0.6 + 0.15 * level)
                                   * (0.8 + 0.4 * quality)),
                "effort": 0.7 if level == 5 and rng.random() < 0.5 else 1.0,
            })
    n_touch = max(2, roles // 4)
    touchpoint_rows = [{
        "touchpoint_id": f"T{t + 1:04d}", "name": f"Touchpoint {t + 1}",
        "kind": "acquisition" if t % 3 == 0 else "utilization",
        "stage": "front" if rng.random() < 0.6 else "back", "channel": rng.choice(CHANNELS),
        "moment_of_truth": "yes" if rng.random() < 0.2 else "no",
        "importance": rng.choice((0.5, 1.0, 1.0, 1.5, 2.0)),
    } for t in range(n_touch)]
    offered = sorted({o["capability"] for o in offer_rows})
    role_rows = [{
        "role_id": f"R{r + 1:04d}", "name": f"Role {r + 1}",
        "touchpoint_id": f"T{rng.randrange(n_touch) + 1:04d}",
        "capability": rng.choice(offered),
        "min_level": rng.choices((1, 2, 3, 4), weights=(20, 35, 35, 10))[0],
        "slots": rng.choices((1, 2, 3), weights=(80, 15, 5))[0],
        "load": rng.choice((1, 1, 2, 3)),
        "critical": "yes" if rng.random() < 0.75 else "no",
    } for r in range(roles)]
    relationship_rows = []
    seen: set[frozenset] = set()
    by_region: dict[str, list[str]] = {}
    for row in partner_rows:
        by_region.setdefault(row["region"], []).append(row["partner_id"])
    ids = [row["partner_id"] for row in partner_rows]
    for _ in range(min(partners * 5, partners * (partners - 1) // 2)):
        a = rng.choice(partner_rows)
        pool = by_region[a["region"]] if rng.random() < 0.7 else ids
        b = rng.choice(pool)
        pair = frozenset((a["partner_id"], b))
        if b == a["partner_id"] or pair in seen:
            continue
        seen.add(pair)
        strength = round(rng.uniform(-0.9, -0.1) if rng.random() < 0.1 else rng.uniform(0.1, 1),
                         2)
        relationship_rows.append({"partner_a": a["partner_id"], "partner_b": b,
                                  "strength": strength})
    return {
        "partners": partner_rows, "capabilities": offer_rows, "touchpoints": touchpoint_rows,
        "roles": role_rows, "relationships": relationship_rows,
        "standards": [], "expectations": [], "policy": [{"key": "profile", "value": "balanced"}],
        "sets": [], "locks": [],
    }


def add_today(tables: dict[str, list[dict]], seed: int = 0, share: float = 0.9
              ) -> dict[str, list[dict]]:
    """``tables`` with a today's network: the cost-only greedy plan (a procurement team's
    cheapest-first choice of some years ago) with a ``share`` of its slots still held, one-off
    costs on every partner (exit: 5,000 and a quarter of the fixed cost; onboarding: 5,000 and
    a tenth) and a three-period horizon."""
    from orchestra.domain import Profile, Rules
    from orchestra.io.loader import network_from_rows
    from orchestra.model.data import ModelData
    from orchestra.model.greedy import greedy_plan

    rng = random.Random(seed)
    network = network_from_rows(tables)
    start = greedy_plan(ModelData(network, Rules.of(network, Profile("today"))))
    held = sorted(pair for pair in start.assigned if rng.random() < share)
    partners = [{**row, "exit_cost": round(5000 + float(row["fixed_cost"]) / 4),
                 "onboarding_cost": round(5000 + float(row["fixed_cost"]) / 10)}
                for row in tables["partners"]]
    return {**tables, "partners": partners,
            "current": [{"role_id": r, "partner_id": p} for r, p in held],
            "policy": [*tables["policy"], {"key": "horizon_periods", "value": 3}]}


def add_bids(tables: dict[str, list[dict]], seed: int = 0, share: float = 0.2
             ) -> dict[str, list[dict]]:
    """``tables`` with a sourcing round's answers: a ``share`` of the partners add an
    alternate bid ``B2`` pricing every offer of theirs 8-15 % lower, another ``share`` a volume
    tier on each offer, 5-10 % lower from 2 or 3 slots of the capability up."""
    rng = random.Random(seed)
    kind = {row["partner_id"]: rng.random() for row in tables["partners"]}
    bid_cut = {pid: rng.uniform(0.85, 0.92) for pid in kind}
    extra = []
    for row in tables["capabilities"]:
        draw = kind[row["partner_id"]]
        if draw < share:
            extra.append({**row, "bid_id": "B2",
                          "unit_cost": round(row["unit_cost"] * bid_cut[row["partner_id"]])})
        elif draw < 2 * share:
            extra.append({**row, "min_slots": rng.choice((2, 3)),
                          "unit_cost": round(row["unit_cost"] * rng.uniform(0.9, 0.95))})
    return {**tables, "capabilities": [*tables["capabilities"], *extra]}


def add_standards(tables: dict[str, list[dict]], seed: int = 0, share: float = 0.3
                  ) -> dict[str, list[dict]]:
    """``tables`` with hard standards on a ``share`` of the touchpoints: a response within
    12 hours, or 90 % delivered on time (about half each), and a rules sheet: one
    single_source over two roles that need the same capability and a 20 % max_share."""
    rng = random.Random(seed)
    standards = []
    for row in tables["touchpoints"]:
        if rng.random() < share:
            if rng.random() < 0.5:
                standards.append({"touchpoint_id": row["touchpoint_id"],
                                  "metric": "response_hours", "direction": "lower",
                                  "target": 12})
            else:
                standards.append({"touchpoint_id": row["touchpoint_id"],
                                  "metric": "on_time_rate", "direction": "higher",
                                  "target": 0.9})
    by_capability: dict[str, list[str]] = {}
    for row in tables["roles"]:
        by_capability.setdefault(row["capability"], []).append(row["role_id"])
    pair = next((roles[:2] for roles in by_capability.values() if len(roles) >= 2), [])
    rules = [{"rule": "max_share", "limit": 0.2}]
    if pair:
        rules.append({"rule": "single_source", "roles": ";".join(pair), "limit": 3})
    return {**tables, "standards": standards, "rules": rules}


def add_sites(tables: dict[str, list[dict]], sites: int, seed: int = 0, national: float = 0.5
              ) -> dict[str, list[dict]]:
    """``tables`` as a network of ``sites`` sites over the regions, every role needed at each
    of them: a ``national`` share of the partners serve everywhere, the others their own
    region (and, one in three, a neighbouring one). A partner's capacity grows with the sites
    it serves, so that each site may be served as the network-wide role was; standards are
    kept at every site."""
    rng = random.Random(seed)
    site_rows = [{"site_id": f"S{k + 1:03d}", "name": f"Site {k + 1}",
                  "region": REGIONS[k % len(REGIONS)]} for k in range(sites)]
    per_region = {r: sum(1 for s in site_rows if s["region"] == r) for r in REGIONS}
    partners = []
    for row in tables["partners"]:
        if rng.random() < national:
            serves, count = "", sites
        else:
            home = row["region"]
            places = [home] + ([rng.choice([r for r in REGIONS if r != home])]
                               if rng.random() < 1 / 3 else [])
            serves, count = ";".join(places), sum(per_region[r] for r in places)
        partners.append({**row, "serves": serves,
                         "capacity": row["capacity"] * max(1, count)})
    return {**tables, "sites": site_rows, "partners": partners,
            "roles": [{**row, "sites": "all"} for row in tables["roles"]],
            "standards": [{**row, "sites": "all"} for row in tables.get("standards", [])]}


def add_calendar(tables: dict[str, list[dict]], seed: int = 0) -> dict[str, list[dict]]:
    """``tables`` (with a today's network, ``add_today``) with a contract calendar: each of
    today's contracts ends within the next year (a fifth of them rolling already), half can be
    ended early for two months of their slot, each with a handover; months from 2027-01-01
    over a twelve-month horizon."""
    from datetime import date, timedelta

    from orchestra.calendar import add_months

    rng = random.Random(seed)
    start = date(2027, 1, 1)
    current = []
    for row in tables.get("current", []):
        months = rng.choice((0, 0, 2, 3, 4, 6, 8, 9, 11, 14))
        current.append({**row, "contract_end": (add_months(start, months)
                                                - timedelta(days=1)).isoformat(),
                        "termination_fee": rng.choice((None, 2000, 5000)),
                        "exit_cost": rng.choice((0, 500, 1000))})
    policy = [p for p in tables["policy"] if p["key"] != "horizon_periods"]
    policy += [{"key": "plan_start", "value": start.isoformat()},
               {"key": "period", "value": "month"}, {"key": "horizon_periods", "value": 12}]
    return {**tables, "current": current, "policy": policy}
