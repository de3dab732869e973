"""Sites at the edge: a role needed at several sites becomes one role per site.

The roles sheet's ``R05`` with ``sites`` ``all`` on a network of sites H1 and H2 is planned as
the roles ``R05@H1`` and ``R05@H2`` (each with the row's slots and load, ``base_id`` R05 and
its ``site_id``). Everything else that names roles is written in those roles here, once, each
cell checked: locks and today's network by their ``site_id``, standards kept at each site,
rules across the network or at each site, lots. The model never needs to know about sites
beyond ``Network.serves``, which keeps a partner off the sites it does not serve.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

from orchestra.domain import (
    ALL_SITES,
    SITE_MARK,
    Lock,
    Lot,
    PlanRule,
    Role,
    Site,
    Standard,
)
from orchestra.errors import Problem
from orchestra.io.reader import id_list


@dataclass(frozen=True)
class Places:
    """The sites sheet, read: ids and regions (case-insensitive)."""

    sites: tuple[Site, ...]

    @cached_property
    def _ids(self) -> dict[str, str]:
        return {s.site_id.lower(): s.site_id for s in self.sites}

    @cached_property
    def _regions(self) -> dict[str, str]:
        return {s.region.lower(): s.region for s in self.sites if s.region}

    def site_ids(self, reader, cell: str, text: object, what: str,
                 regions: bool = False) -> tuple[str, ...] | None:
        """The places a cell names: None when blank, every site for ``all``, else the site
        ids (and with ``regions``, region names) it lists, each checked."""
        parts = id_list(text)
        if not parts:
            return None
        expected = ("site_ids or regions of the sites sheet, separated by ;" if regions
                    else "all, or site_ids of the sites sheet, separated by ;")
        unknown = "unknown site or region" if regions else "unknown site"
        if not self.sites:
            reader.problems.append(Problem(cell, f"{what} names sites but the input has no "
                                           "sites sheet", "a sites sheet, or a blank cell"))
            return ()
        if any(p.lower() == ALL_SITES for p in parts) and not regions:
            return tuple(s.site_id for s in self.sites)
        found = []
        for part in parts:
            known = self._ids.get(part.lower()) or (self._regions.get(part.lower())
                                                    if regions else None)
            if known is None:
                reader.problems.append(Problem(cell, f'{unknown} "{part}"', expected))
            else:
                found.append(known)
        return tuple(found)


@dataclass(frozen=True)
class Sited:
    """The input's records written in the roles of each site."""

    sites: tuple[Site, ...]
    roles: tuple[Role, ...]
    standards: tuple[Standard, ...]
    rules: tuple[PlanRule, ...]
    lots: tuple[Lot, ...]
    serves: dict[str, tuple[str, ...]]  # partner id -> the places it serves

    @cached_property
    def by_base(self) -> dict[str, list[Role]]:
        """Each roles-sheet role and the roles it is planned as (one per site)."""
        return _by_base(self.roles)


def _by_base(roles) -> dict[str, list[Role]]:
    out: dict[str, list[Role]] = {}
    for role in roles:
        out.setdefault(role.base_id, []).append(role)
    return out


def offer_sites(reader, sheets: dict) -> None:
    """Each offer's ``site_id`` written as the sites sheet spells it, each checked at its
    cell (an unknown site, a site without a sites sheet)."""
    known = {str(r.values["site_id"]).lower(): str(r.values["site_id"])
             for r in sheets["sites"]}
    for row in sheets["capabilities"]:
        site = str(row.values.get("site_id") or "").strip()
        if not site:
            continue
        if site.lower() not in known:
            reader.problems.append(Problem(
                row.cells["site_id"], f'unknown site "{site}"' if known else
                "site_id names a site but the input has no sites sheet",
                "a site_id of the sites sheet, or a blank cell"))
        row.values["site_id"] = known.get(site.lower(), site)


def sited_id(role_id: str, site_id: str) -> str:
    """The id of a role's slots at one site: ``R05@H1``."""
    return f"{role_id}{SITE_MARK}{site_id}"


def expand(reader, sheets: dict, roles: tuple[Role, ...], standards: tuple[Standard, ...],
           rules: tuple[PlanRule, ...], lots: tuple[Lot, ...]) -> Sited:
    """Read the sites sheet and write every record in the roles of each site; each problem
    (an unknown site, sites without a sites sheet, ...) goes to ``reader`` at its cell."""
    for row in sheets["sites"]:
        if any(mark in str(row.values["site_id"]) for mark in (";", ",", SITE_MARK)):
            shown = row.values["site_id"]
            reader.problems.append(Problem(row.cells["site_id"], f'site_id "{shown}" holds one '
                                           f"of ; , {SITE_MARK}", f"an id without ; , or "
                                           f"{SITE_MARK}"))
    places = Places(tuple(Site(str(r.values["site_id"]), str(r.values["name"] or
                                                             r.values["site_id"]),
                               str(r.values["region"] or "")) for r in sheets["sites"]))
    serves = {}
    for row in sheets["partners"]:
        # A returned bid's new partner row has no serves: the buyer's word, not the bidder's.
        found = places.site_ids(reader, row.cells.get("serves", ""), row.values.get("serves"),
                                "serves", regions=True)
        serves[str(row.values["partner_id"])] = found or ()
    where = {str(r.values["role_id"]): r for r in sheets["roles"]}
    out_roles: list[Role] = []
    taken = {r.role_id.lower() for r in roles}
    for role in roles:
        row = where.get(role.role_id)
        at = places.site_ids(reader, row.cells["sites"], row.values["sites"], "sites") \
            if row is not None else None
        if not at:
            out_roles.append(role)
            continue
        for site_id in at:
            rid = sited_id(role.role_id, site_id)
            if rid.lower() in taken:
                reader.problems.append(Problem(row.cells["sites"], f'role "{role.role_id}" at '
                                               f'{site_id} would be "{rid}", a role_id the '
                                               "roles sheet already uses",
                                               "role_ids that do not read as another at a site"))
            out_roles.append(replace(role, role_id=rid, base=role.role_id, site_id=site_id))
    by_base = _by_base(out_roles)
    _check_offers_at_sites(reader, sheets["capabilities"], by_base, serves, places)
    return Sited(
        places.sites, tuple(out_roles),
        _standards(reader, sheets["standards"], standards, places),
        _rules(reader, sheets["rules"], rules, by_base, places.sites),
        _lots(reader, sheets["lots"], lots, by_base, places), serves)


def _check_offers_at_sites(reader, rows: list, by_base: dict[str, list[Role]],
                           serves: dict[str, tuple[str, ...]], places: Places) -> None:
    """An offer for one site is for a site its partner serves, and (made for a role) one its
    role is needed at."""
    region = {s.site_id: s.region for s in places.sites}
    for row in rows:
        site, pid = row.values.get("site_id"), str(row.values["partner_id"])
        if not site or site not in region:
            continue
        where = serves.get(pid, ())
        if where and site not in where and region[site] not in where:
            reader.problems.append(Problem(row.cells["site_id"], f"{pid} offers at {site}, "
                                           f"which it does not serve (serves: "
                                           f"{';'.join(where)})", "a site the partner serves"))
        rid = row.values["role_id"]
        if rid and rid in by_base and site not in {r.site_id for r in by_base[rid]}:
            reader.problems.append(Problem(row.cells["site_id"], f'role "{rid}" is not needed '
                                           f"at site {site}",
                                           "a site the role is needed at, or a blank cell"))


def _lots(reader, rows: list, lots: tuple[Lot, ...], by_base: dict[str, list[Role]],
          places: Places) -> tuple[Lot, ...]:
    """Each lot's roles at its sites (every site they are needed at, without ``sites``), each
    role at a site in one lot only."""
    row_of = {str(r.values["lot_id"]): r for r in rows}
    lot_of: dict[str, str] = {}
    out = []
    for lot in lots:
        row = row_of.get(lot.lot_id)
        at = (places.site_ids(reader, row.cells["sites"], ";".join(lot.sites), "sites")
              if row is not None and lot.sites else None)
        roles = tuple(r.role_id for b in lot.roles for r in by_base.get(b, ())
                      if not at or r.site_id in at)
        for rid in roles:
            if rid in lot_of and row is not None:
                shown = rid.replace(SITE_MARK, " at ")
                reader.problems.append(Problem(row.cells["roles"], f"{shown} is already in lot "
                                               f"{lot_of[rid]}", "each role in one lot"))
            lot_of.setdefault(rid, lot.lot_id)
        if at is not None and lot.roles and not roles and row is not None:
            reader.problems.append(Problem(row.cells["sites"], "none of the lot's roles is "
                                           f"needed at {', '.join(at)}",
                                           "sites where the lot's roles are needed"))
        out.append(replace(lot, roles=roles, sites=at or ()))
    return tuple(out)


def _standards(reader, rows: list, standards: tuple[Standard, ...], places: Places
               ) -> tuple[Standard, ...]:
    """A standard with sites is one standard per site, kept there separately."""
    cell = {(str(r.values["touchpoint_id"]), str(r.values["metric"])): r for r in rows}
    out = []
    for standard in standards:
        row = cell.get((standard.touchpoint_id, standard.metric))
        at = places.site_ids(reader, row.cells["sites"], row.values["sites"], "sites") \
            if row is not None else None
        out += [replace(standard, site_id=s) for s in at] if at else [standard]
    return tuple(out)


def _rules(reader, rows: list, rules: tuple[PlanRule, ...], by_base: dict[str, list[Role]],
           sites: tuple[Site, ...]) -> tuple[PlanRule, ...]:
    """Each rule across the network (its roles at every site) or at each site (its roles
    there, with the network-wide ones)."""
    row_of = {r.cells["rule"]: r for r in rows}
    out = []
    for rule in rules:
        every = tuple(r.role_id for b in rule.roles for r in by_base.get(b, ()))
        row = row_of.get(rule.where)
        if row is None or row.values["scope"] != "site":
            sited = every != rule.roles
            out.append(replace(rule, roles=every, written=rule.roles if sited else ()))
            continue
        if rule.rule == "requires":
            reader.problems.append(Problem(row.cells["scope"], "requires: scope "
                                           "site has no meaning (a partner joins the network, "
                                           "not a site)", "scope network, or blank"))
            continue
        groups: dict[tuple[str, ...], str] = {}
        for site in sites:
            if rule.rule == "max_share":
                here = [r for rs in by_base.values() for r in rs if r.site_id == site.site_id]
            else:
                here = [r for b in rule.roles for r in by_base.get(b, ())
                        if r.site_id in ("", site.site_id)]
            if here and not (rule.rule == "same_partner" and len(here) < 2):
                sited = any(r.site_id for r in here)  # network-wide roles alone: one rule
                groups.setdefault(tuple(r.role_id for r in here), site.site_id if sited else "")
        out += [replace(rule, roles=here, site_id=site_id, written=rule.roles)
                for here, site_id in groups.items()]
        if not sites:
            out.append(rule)
    return tuple(out)


def pairs(reader, rows: list, by_base: dict[str, list[Role]]) -> list[Lock]:
    """Locks or today's network, each row's role at its ``site_id``: a sited role's row names
    one of its sites; a network-wide role's leaves it blank."""
    out = []
    for row in rows:
        rid, site = str(row.values["role_id"]), str(row.values.get("site_id") or "").strip()
        roles = by_base.get(rid, [])
        sited = [r for r in roles if r.site_id]
        if not sited:
            if site:
                reader.problems.append(Problem(row.cells["site_id"], f'role "{rid}" is '
                                               f'network-wide; site_id "{site}" names a site',
                                               "a blank site_id"))
                continue
            out.append(Lock(rid, str(row.values["partner_id"]), row.cells["partner_id"],
                            **_terms(row)))
            continue
        ids = ", ".join(r.site_id for r in sited)
        match = next((r for r in sited if r.site_id.lower() == site.lower()), None)
        if match is None:
            what = (f'role "{rid}" is needed at {ids}: name the site' if not site else
                    f'role "{rid}" is not needed at site "{site}"')
            reader.problems.append(Problem(row.cells["site_id"], what, f"one of {ids}"))
            continue
        out.append(Lock(match.role_id, str(row.values["partner_id"]), row.cells["partner_id"],
                        **_terms(row)))
    return out


def _terms(row) -> dict[str, object]:
    """A today's contract's end, termination fee and exit cost (none on a lock's row)."""
    return {"ends": row.values.get("contract_end"),
            "termination_fee": row.values.get("termination_fee"),
            "exit_cost": row.values.get("exit_cost") or 0.0}
