"""The three bundled example networks, as plain tables in the input contract's shape.

Each is designed so that a plan is not obvious and the scores have something to say:

* ``bank``: a retail bank across branch, phone, web and mobile app. Only IdentiCheck offers the
  identity check at the level account opening needs; BudgetCall is cheap but unreliable; CoreSys
  and PayFast, both strong on payments, have friction (and the policy forbids the pair);
  phone banking promises an answer "at once, 24/7" that no call centre meets.
* ``it-network``: an IT provider selling and running company networks. Only AirWave offers Wi-Fi
  engineering at level 4; QuickInstall is cheap but unreliable; NetCore and Apex have friction; the
  24/7 support desk is promised within 1 hour, and every helpdesk partner answers next day.
* ``hotels``: a hotel group of 8 properties in three regions. Room cleaning, the front desk,
  maintenance, laundry and breakfast are needed at every hotel, pool care at the three coast
  hotels; the booking engine, property system, call centre and payments once for the group.
  Regional firms serve only their region; CleanCo serves every hotel, cheaper for all eight,
  but at 0.86 misses the brand's "room ready by 3 pm" standard kept at each hotel.

Moments of truth sit both front-stage (branch opening, installation) and back-stage (payment
processing, identity check, configuration).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

Tables = dict[str, list[dict[str, object]]]

PARTNER_COLS = ("partner_id", "name", "kind", "region", "fixed_cost", "capacity", "reliability",
                "response_hours")
TOUCHPOINT_COLS = ("touchpoint_id", "name", "kind", "stage", "channel", "moment_of_truth",
                   "importance")
ROLE_COLS = ("role_id", "name", "touchpoint_id", "capability", "min_level", "slots", "load",
             "critical")
STANDARD_COLS = ("touchpoint_id", "metric", "direction", "customer_expects", "target", "promised",
                 "measured", "roles")
EXPECTATION_COLS = ("touchpoint_id", "dimension", "customer_expected", "management_estimate",
                    "customer_perceived")


def _rows(columns: Sequence[str], data: Sequence[Sequence[object]]) -> list[dict[str, object]]:
    return [dict(zip(columns, row, strict=True)) for row in data]


def _one_off(partners, current: Sequence[tuple[str, str]],
             exits: Mapping[str, float]) -> list[dict[str, object]]:
    """Partner rows with their one-off costs: leaving today's network costs the named exit
    (else a quarter of the fixed cost and 5,000: notice, handover); joining costs 5,000 and a
    tenth of the fixed cost (due diligence, integration)."""
    incumbents = {pid for _, pid in current}
    rows = _rows(PARTNER_COLS, partners)
    for row in rows:
        fixed = float(row["fixed_cost"])
        if row["partner_id"] in incumbents:
            row["exit_cost"] = exits.get(row["partner_id"], round(5000 + fixed / 4))
        else:
            row["onboarding_cost"] = round(5000 + fixed / 10)
    return rows


def _with_soft_standards(standards, expectations) -> list:
    """``standards`` plus a soft standard for each surveyed dimension that has none, so that
    every perception gap can be worked out: the company's target and promise what customers
    expect, and its own measured score (mystery shopping, call audits) a notch above what they
    perceive."""
    have = {(row[0], row[1]) for row in standards}
    extra = [(tid, dim, expected, expected, expected, round(perceived + 0.3, 1))
             for tid, dim, expected, _estimate, perceived in expectations
             if (tid, dim) not in have]
    return [*standards, *[(tid, dim, "higher", exp, target, promise, measured)
                          for tid, dim, exp, target, promise, measured in extra]]


def _tables(partners, offers, touchpoints, roles, relationships, standards, expectations,
            policy: Mapping[str, object], sets: Mapping[str, Sequence[str]],
            locks: Sequence[tuple[str, str]], current: Sequence[tuple[str, str]] = (),
            exits: Mapping[str, float] | None = None,
            rules: Sequence[tuple[str, str, str, float | None]] = (),
            scenarios: Sequence[Mapping[str, object]] = ()) -> Tables:
    capabilities = [
        {"partner_id": pid, "capability": cap, "level": level, "unit_cost": cost, "effort": effort}
        for pid, caps in offers.items() for cap, level, cost, effort in caps
    ]
    return {
        "partners": _one_off(partners, current, exits or {}),
        "capabilities": capabilities,
        "touchpoints": _rows(TOUCHPOINT_COLS, touchpoints),
        "roles": _rows(ROLE_COLS, roles),
        "relationships": _rows(("partner_a", "partner_b", "strength"), relationships),
        # A standard without its eighth figure covers every role of its touchpoint.
        "standards": _rows(STANDARD_COLS, [(*row, "")[:8] for row in
                                           _with_soft_standards(standards, expectations)]),
        "expectations": _rows(EXPECTATION_COLS, expectations),
        "policy": [{"key": k, "value": v} for k, v in policy.items()],
        "sets": [{"set_id": s, "partner_id": p} for s, members in sets.items() for p in members],
        "locks": [{"role_id": r, "partner_id": p, "locked": "yes"} for r, p in locks],
        "current": [{"role_id": r, "partner_id": p} for r, p in current],
        "rules": [{"rule": kind, "roles": roles, "partners": partners, "limit": limit}
                  for kind, roles, partners, limit in rules],
        "scenarios": [dict(row) for row in scenarios],
    }


def bank() -> Tables:
    """A retail bank: 25 candidate partners, 12 touchpoints, 30 roles."""
    partners = [
        ("P01", "Northwind Digital", "service_provider", "national", 40000, 12, 0.95, 4),
        ("P02", "PixelForge Studio", "service_provider", "regional", 15000, 8, 0.90, 8),
        ("P03", "AppNova", "service_provider", "national", 35000, 6, 0.97, 2),
        ("P04", "CloudHarbor", "supplier", "EU", 30000, 15, 0.99, 1),
        ("P05", "BudgetCloud", "supplier", "offshore", 5000, 10, 0.82, 24),
        ("P06", "IdentiCheck", "service_provider", "EU", 25000, 6, 0.96, 2),
        ("P07", "QuickKYC", "service_provider", "offshore", 6000, 8, 0.85, 12),
        ("P08", "ScoreWise Analytics", "service_provider", "national", 20000, 8, 0.95, 6),
        ("P09", "CardWorks", "supplier", "national", 18000, 10, 0.97, 24),
        ("P10", "PlastiCard Budget", "supplier", "offshore", 6000, 10, 0.80, 48),
        ("P11", "SecureMail Logistics", "supplier", "national", 8000, 10, 0.96, 24),
        ("P12", "CityCourier", "supplier", "regional", 3000, 6, 0.85, 12),
        ("P13", "CoreSys Banking", "supplier", "EU", 60000, 10, 0.99, 4),
        ("P14", "PayFast Clearing", "service_provider", "EU", 30000, 10, 0.98, 1),
        ("P15", "SwiftRail Payments", "service_provider", "EU", 35000, 8, 0.95, 2),
        ("P16", "BudgetCall Center", "service_provider", "offshore", 4000, 12, 0.72, 6),
        ("P17", "CareLine Contact", "service_provider", "national", 20000, 10, 0.95, 0.5),
        ("P18", "VoiceGrid Telecom", "supplier", "national", 8000, 10, 0.98, 1),
        ("P19", "Resolve Partners", "service_provider", "regional", 10000, 6, 0.90, 8),
        ("P20", "Insight Research", "service_provider", "national", 9000, 5, 0.93, 24),
        ("P21", "BrightAds Agency", "service_provider", "national", 12000, 6, 0.90, 24),
        ("P22", "Sentinel SecOps", "service_provider", "EU", 28000, 8, 0.98, 0.5),
        ("P23", "Branch Staffing Co", "service_provider", "regional", 15000, 10, 0.92, 24),
        ("P24", "Own branch network", "internal", "national", 0, 6, 0.93, 4),
        ("P25", "Customer Panel", "customer", "national", 500, 3, 0.70, 72),
    ]
    offers = {
        "P01": [("web_platform", 4, 6000, 1.0), ("mobile_app_dev", 4, 7000, 1.0),
                ("cloud_hosting", 3, 4000, 1.0)],
        "P02": [("web_platform", 3, 4000, 1.0), ("mobile_app_dev", 3, 4500, 1.0),
                ("ux_research", 3, 3000, 1.0)],
        "P03": [("mobile_app_dev", 5, 8000, 0.7), ("security_ops", 3, 5000, 1.0)],
        "P04": [("cloud_hosting", 5, 5000, 0.6), ("security_ops", 4, 6000, 1.0)],
        "P05": [("cloud_hosting", 3, 1500, 1.0)],
        "P06": [("kyc_check", 5, 5000, 0.8), ("fraud_analytics", 3, 5000, 1.0)],
        "P07": [("kyc_check", 3, 1500, 1.0), ("credit_scoring", 3, 2500, 1.0)],
        "P08": [("credit_scoring", 4, 4000, 1.0), ("data_analytics", 4, 3500, 1.0),
                ("fraud_analytics", 4, 6000, 1.0)],
        "P09": [("card_production", 4, 3000, 0.8)],
        "P10": [("card_production", 3, 1200, 1.0)],
        "P11": [("logistics", 4, 2000, 1.0)],
        "P12": [("logistics", 3, 1000, 1.0)],
        "P13": [("core_banking", 5, 9000, 0.8), ("payment_processing", 3, 6000, 1.0)],
        "P14": [("payment_processing", 5, 5000, 0.7)],
        "P15": [("payment_processing", 4, 5500, 1.0)],
        "P16": [("call_center", 3, 1200, 1.0), ("telephony", 2, 800, 1.0)],
        "P17": [("call_center", 4, 3000, 1.0), ("complaint_mgmt", 4, 4000, 1.0),
                ("telephony", 3, 1500, 1.0)],
        "P18": [("telephony", 4, 1200, 0.8)],
        "P19": [("complaint_mgmt", 3, 2500, 1.0), ("market_research", 3, 2500, 1.0)],
        "P20": [("market_research", 4, 3000, 1.0), ("data_analytics", 3, 3000, 1.0)],
        "P21": [("marketing", 4, 3500, 1.0)],
        "P22": [("security_ops", 5, 7000, 0.8), ("fraud_analytics", 4, 6500, 1.0)],
        "P23": [("branch_staff", 3, 2500, 1.0)],
        "P24": [("branch_staff", 4, 3500, 1.0), ("complaint_mgmt", 2, 2000, 1.0),
                ("call_center", 2, 2500, 1.0)],
        "P25": [("market_research", 2, 300, 1.0), ("ux_research", 2, 300, 1.0)],
    }
    touchpoints = [
        ("T01", "Compare accounts online", "acquisition", "front", "web", "no", 1.0),
        ("T02", "Branch account opening", "acquisition", "front", "branch", "yes", 1.5),
        ("T03", "Identity and credit check", "acquisition", "back", "", "yes", 1.3),
        ("T04", "Card delivery", "acquisition", "back", "mail", "no", 1.0),
        ("T05", "Balance checks", "utilization", "front", "mobile app", "no", 1.0),
        ("T06", "Bill payment", "utilization", "front", "web", "no", 1.0),
        ("T07", "Mobile transfers", "utilization", "front", "mobile app", "yes", 1.4),
        ("T08", "Payment processing", "utilization", "back", "", "yes", 1.5),
        ("T09", "Card replacement", "utilization", "front", "phone", "no", 1.1),
        ("T10", "Phone banking", "utilization", "front", "phone", "no", 1.2),
        ("T11", "Complaint handling", "utilization", "front", "phone", "yes", 1.6),
        ("T12", "Fraud monitoring", "utilization", "back", "", "no", 1.3),
    ]
    roles = [
        ("R01", "Comparison pages", "T01", "web_platform", 3, 1, 1, "yes"),
        ("R02", "Digital campaigns", "T01", "marketing", 2, 1, 1, "no"),
        ("R03", "Branch advisors", "T02", "branch_staff", 3, 2, 2, "yes"),
        ("R04", "Account set-up", "T02", "core_banking", 3, 1, 1, "yes"),
        ("R05", "Identity check (KYC)", "T03", "kyc_check", 4, 1, 2, "yes"),
        ("R06", "Credit scoring", "T03", "credit_scoring", 3, 1, 1, "yes"),
        ("R07", "Card production", "T04", "card_production", 3, 1, 2, "yes"),
        ("R08", "Secure card delivery", "T04", "logistics", 3, 1, 2, "yes"),
        ("R09", "Mobile app", "T05", "mobile_app_dev", 3, 1, 2, "yes"),
        ("R10", "App hosting", "T05", "cloud_hosting", 3, 1, 2, "yes"),
        ("R11", "Online banking portal", "T06", "web_platform", 3, 1, 2, "yes"),
        ("R12", "Payment gateway", "T06", "payment_processing", 3, 1, 1, "yes"),
        ("R13", "Instant transfer rails", "T07", "payment_processing", 4, 1, 2, "yes"),
        ("R14", "Transfer features in app", "T07", "mobile_app_dev", 4, 1, 1, "yes"),
        ("R15", "Transfer security", "T07", "security_ops", 3, 1, 1, "yes"),
        ("R16", "Clearing and settlement", "T08", "payment_processing", 3, 2, 2, "yes"),
        ("R17", "Core ledger", "T08", "core_banking", 4, 1, 2, "yes"),
        ("R18", "Lost card hotline", "T09", "call_center", 2, 1, 1, "yes"),
        ("R19", "Card reissue", "T09", "card_production", 2, 1, 1, "yes"),
        ("R20", "Express delivery", "T09", "logistics", 3, 1, 1, "no"),
        ("R21", "Phone agents", "T10", "call_center", 3, 2, 3, "yes"),
        ("R22", "Telephony and IVR", "T10", "telephony", 2, 1, 1, "yes"),
        ("R23", "Complaint desk", "T11", "complaint_mgmt", 3, 1, 2, "yes"),
        ("R24", "Root-cause analytics", "T11", "data_analytics", 2, 1, 1, "no"),
        ("R25", "Customer surveys", "T11", "market_research", 2, 1, 1, "no"),
        ("R26", "Fraud detection", "T12", "fraud_analytics", 3, 1, 2, "yes"),
        ("R27", "Security operations", "T12", "security_ops", 3, 1, 1, "yes"),
        ("R28", "Fraud case calls", "T12", "call_center", 2, 1, 1, "no"),
        ("R29", "App store campaigns", "T05", "marketing", 2, 1, 1, "no"),
        ("R30", "Accessibility review", "T06", "ux_research", 2, 1, 1, "no"),
    ]
    relationships = [
        ("P13", "P14", -0.7), ("P13", "P15", 0.6), ("P01", "P04", 0.8), ("P03", "P04", 0.5),
        ("P06", "P08", 0.7), ("P17", "P18", 0.8), ("P16", "P18", 0.3), ("P09", "P11", 0.9),
        ("P10", "P12", 0.4), ("P22", "P04", 0.6), ("P22", "P06", 0.5), ("P24", "P17", 0.4),
        ("P24", "P23", 0.6), ("P19", "P17", -0.3), ("P02", "P03", -0.4), ("P20", "P21", 0.5),
        ("P13", "P24", 0.7), ("P14", "P03", 0.4), ("P08", "P22", 0.5), ("P16", "P24", -0.2),
    ]
    standards = [
        ("T08", "on_time_rate", "higher", 0.99, 0.98, 0.99, 0.95),
        ("T07", "on_time_rate", "higher", 0.99, 0.995, 0.999, 0.97),
        ("T10", "response_hours", "lower", 0.1, 0.05, 0.02, 0.5),
        # The complaint desk answers the customer; analytics and surveys work behind it.
        ("T11", "response_hours", "lower", 24, 48, 24, 72, "R23"),
        ("T04", "delivery_days", "lower", 5, 7, 5, 6),
        ("T05", "app_rating", "higher", 4.5, 4.0, 4.5, 4.1),
        # A soft standard: empathy scored on the survey scale by mystery shoppers.
        ("T11", "empathy", "higher", 6.3, 6.0, 6.5, 5.6),
    ]
    expectations = [
        ("T02", "empathy", 6.2, 5.0, 5.4), ("T02", "assurance", 6.5, 6.4, 6.0),
        ("T07", "reliability", 6.8, 6.0, 6.1), ("T07", "responsiveness", 6.4, 6.5, 6.3),
        ("T10", "responsiveness", 6.6, 5.2, 4.8), ("T11", "empathy", 6.3, 5.5, 4.9),
        ("T11", "reliability", 6.0, None, 5.1), ("T05", "tangibles", 5.5, 5.8, 5.9),
    ]
    policy = {"budget": 700000, "min_partners_per_touchpoint": 1, "forbid_below_strength": -0.5,
              "time_limit_s": 20, "profile": "balanced", "horizon_periods": 3}
    sets = {
        "incumbent": ["P01", "P04", "P06", "P08", "P09", "P11", "P13", "P15", "P17", "P18", "P22",
                      "P24"],
        "cheap_bid": ["P02", "P05", "P06", "P07", "P10", "P12", "P13", "P14", "P16", "P19", "P24"],
        "strong_consortium": ["P03", "P04", "P06", "P08", "P09", "P11", "P13", "P15", "P17",
                              "P18", "P20", "P21", "P22", "P23"],
    }
    locks = [("R03", "P24")]
    # Today: the incumbent suppliers, the bank's own branch network (advisors, the lost-card
    # hotline, fraud calls) and CareLine on the phones; one advisor slot and one phone-agent
    # slot are vacant. Leaving CoreSys means migrating the ledger; closing the in-house teams
    # means redundancies.
    current = [("R01", "P01"), ("R03", "P24"), ("R04", "P13"), ("R05", "P06"), ("R06", "P08"),
               ("R07", "P09"), ("R08", "P11"), ("R09", "P01"), ("R10", "P04"), ("R11", "P01"),
               ("R12", "P15"), ("R13", "P15"), ("R14", "P01"), ("R15", "P22"), ("R16", "P13"),
               ("R16", "P15"), ("R17", "P13"), ("R18", "P24"), ("R19", "P09"), ("R20", "P11"),
               ("R21", "P17"), ("R22", "P18"), ("R23", "P17"), ("R24", "P08"), ("R26", "P06"),
               ("R27", "P04"), ("R28", "P24")]
    exits = {"P13": 150000, "P24": 60000, "P17": 20000}
    # One core banking system for account set-up and the ledger; at most two payment
    # providers across the rails; AppNova's app runs only on CloudHarbor; no partner holds
    # more than a fifth of the filled slots (concentration risk).
    rules = [("same_partner", "R04;R17", "", None), ("single_source", "R12;R13;R16", "", 2),
             ("requires", "", "P03;P04", None), ("max_share", "", "", 0.2)]
    # What-ifs for compare --scenarios: a tighter budget, the resilient profile, a switch that
    # keeps most of today's contracts, and the cheap call centre ruled out.
    scenarios = [
        {"scenario": "tight_budget", "budget": 470000},
        {"scenario": "resilient", "profile": "resilient"},
        {"scenario": "few_changes", "max_changes": 4},
        {"scenario": "no_budgetcall", "exclude": "P16"},
    ]
    tables = _tables(partners, offers, touchpoints, roles, relationships, standards,
                     expectations, policy, sets, locks, current, exits, rules, scenarios)
    # Today's contracts have ends: the plan starts on 2027-01-01 and is costed month by month
    # over a year. CardWorks' printing contract runs to the end of February
    # (ending it early costs 15,000); SecureMail's courier contract is already rolling;
    # ScoreWise's runs to June (12,000 to end it early); VoiceGrid's telephony to January;
    # CloudHarbor's hosting to December and cannot be ended early. (role, partner): end, fee,
    # exit cost.
    terms = {("R07", "P09"): ("2027-02-28", 15000, 2000), ("R19", "P09"): ("2027-02-28", None, 0),
             ("R08", "P11"): ("2026-12-31", None, 1000), ("R20", "P11"): ("2026-12-31", None, 0),
             ("R06", "P08"): ("2027-06-30", 12000, 0), ("R24", "P08"): ("2027-06-30", 12000, 0),
             ("R22", "P18"): ("2027-01-31", 3000, 0), ("R10", "P04"): ("2027-12-31", None, 5000)}
    for row in tables["current"]:
        ends, fee, exit_cost = terms.get((row["role_id"], row["partner_id"]), (None, None, 0))
        row.update(contract_end=ends, termination_fee=fee, exit_cost=exit_cost)
    tables["policy"] = [row for row in tables["policy"] if row["key"] != "horizon_periods"]
    tables["policy"] += [{"key": "plan_start", "value": "2027-01-01"},
                         {"key": "period", "value": "month"},
                         {"key": "horizon_periods", "value": 12}]
    # What the customer does and sees at each touchpoint: the blueprint's top two lanes (back
    # office touchpoints have no customer action).
    seen = {
        "T01": ("Compares accounts and fees online", "Comparison pages, fee table"),
        "T02": ("Opens an account at a branch", "Branch, forms, welcome pack"),
        "T03": ("", "Approval letter"),
        "T04": ("", "Card and PIN letter in the mail"),
        "T05": ("Checks balances in the app", "App screens, notifications"),
        "T06": ("Pays bills online", "Payment confirmations"),
        "T07": ("Sends money from the app", "Transfer receipts"),
        "T08": ("", "Statement entries"),
        "T09": ("Calls to replace a lost card", "Replacement card"),
        "T10": ("Calls the bank", "Phone menu, agent"),
        "T11": ("Complains by phone", "Case number, reply letter"),
        "T12": ("", "Fraud alerts"),
    }
    for row in tables["touchpoints"]:
        row["customer_action"], row["evidence"] = seen[str(row["touchpoint_id"])]
    return tables


def it_network() -> Tables:
    """An IT service provider selling and running company networks: 40 candidate partners."""
    # (id, name, kind, region, fixed, capacity, reliability, response_hours, offers)
    catalogue = [
        ("N01", "NetCore Distribution", "supplier", "national", 20000, 14, 0.97, 24,
         [("hw_distribution", 5, 2500, 0.7), ("network_design", 3, 4000, 1.0)]),
        ("N02", "Apex Installers", "service_provider", "north", 12000, 10, 0.96, 8,
         [("installation", 5, 3000, 0.8), ("cabling", 4, 1800, 1.0)]),
        ("N03", "QuickInstall", "service_provider", "south", 2000, 12, 0.70, 24,
         [("installation", 3, 1200, 1.0), ("cabling", 3, 800, 1.0)]),
        ("N04", "AirWave Specialists", "service_provider", "national", 15000, 5, 0.95, 12,
         [("wifi_engineering", 5, 4500, 0.8), ("site_survey", 4, 2500, 1.0)]),
        ("N05", "LinkSupply", "supplier", "national", 8000, 10, 0.90, 48,
         [("hw_distribution", 3, 2000, 1.0)]),
        ("N06", "BoxMover Logistics", "supplier", "south", 3000, 8, 0.85, 24,
         [("hw_distribution", 2, 1200, 1.0)]),
        ("N07", "DesignNet Consulting", "service_provider", "national", 18000, 6, 0.94, 24,
         [("network_design", 5, 5000, 0.8), ("site_survey", 3, 3000, 1.0),
          ("proposal_writing", 3, 2500, 1.0)]),
        ("N08", "Blueprint Engineers", "service_provider", "north", 9000, 6, 0.92, 24,
         [("network_design", 4, 3500, 1.0), ("wifi_engineering", 3, 3500, 1.0)]),
        ("N09", "SurveyPro", "service_provider", "south", 4000, 8, 0.88, 24,
         [("site_survey", 3, 1500, 1.0)]),
        ("N10", "Own sales team", "internal", "national", 0, 8, 0.93, 4,
         [("web_sales", 3, 2000, 1.0), ("proposal_writing", 4, 2500, 1.0),
          ("sales_engineering", 3, 3000, 1.0)]),
        ("N11", "ClickSell Agency", "service_provider", "national", 6000, 6, 0.90, 24,
         [("web_sales", 4, 2500, 1.0), ("marketing", 4, 2500, 1.0)]),
        ("N12", "PriceCompare Portal", "supplier", "national", 2500, 10, 0.92, 48,
         [("web_sales", 2, 600, 1.0)]),
        ("N13", "LeaseWell Finance", "service_provider", "national", 10000, 10, 0.97, 48,
         [("leasing", 5, 1500, 1.0)]),
        ("N14", "SmallBiz Credit", "service_provider", "regional", 3000, 6, 0.86, 72,
         [("leasing", 3, 900, 1.0)]),
        ("N15", "Lexicon Legal", "service_provider", "national", 7000, 5, 0.98, 48,
         [("legal", 4, 3000, 1.0)]),
        ("N16", "ContractEase", "service_provider", "online", 1500, 8, 0.85, 72,
         [("legal", 3, 800, 1.0)]),
        ("N17", "FireWall Masters", "service_provider", "national", 14000, 8, 0.97, 4,
         [("firewall_config", 5, 4000, 0.8), ("security_audit", 4, 4500, 1.0)]),
        ("N18", "SecureSetup", "service_provider", "south", 5000, 6, 0.87, 24,
         [("firewall_config", 3, 2000, 1.0)]),
        ("N19", "ConfigCloud", "service_provider", "online", 9000, 10, 0.93, 12,
         [("firewall_config", 4, 2800, 1.0), ("noc_monitoring", 4, 2500, 1.0)]),
        ("N20", "WatchTower NOC", "service_provider", "national", 16000, 10, 0.98, 1,
         [("noc_monitoring", 5, 3500, 0.7)]),
        ("N21", "NightOwl Monitoring", "service_provider", "offshore", 4000, 10, 0.80, 6,
         [("noc_monitoring", 3, 1200, 1.0)]),
        ("N22", "HelpHub", "service_provider", "offshore", 5000, 12, 0.88, 14,
         [("helpdesk", 3, 1500, 1.0)]),
        ("N23", "DeskMate Support", "service_provider", "national", 11000, 10, 0.93, 18,
         [("helpdesk", 4, 2800, 1.0), ("training", 3, 2000, 1.0)]),
        ("N24", "NextDay Service", "service_provider", "regional", 3000, 8, 0.84, 24,
         [("helpdesk", 3, 1000, 1.0), ("field_service", 2, 1500, 1.0)]),
        ("N25", "FieldForce North", "service_provider", "north", 8000, 8, 0.94, 8,
         [("field_service", 4, 2500, 1.0), ("installation", 3, 2500, 1.0)]),
        ("N26", "FieldForce South", "service_provider", "south", 8000, 8, 0.93, 8,
         [("field_service", 4, 2500, 1.0), ("cabling", 3, 1500, 1.0)]),
        ("N27", "RapidRepair", "service_provider", "national", 4000, 6, 0.78, 12,
         [("field_service", 3, 1400, 1.0)]),
        ("N28", "BillRight", "service_provider", "online", 4000, 10, 0.97, 24,
         [("billing", 4, 1000, 1.0)]),
        ("N29", "Own finance office", "internal", "national", 0, 4, 0.95, 8,
         [("billing", 3, 1500, 1.0), ("legal", 2, 2000, 1.0)]),
        ("N30", "ProjectPilot", "service_provider", "national", 7000, 8, 0.92, 24,
         [("project_mgmt", 4, 3000, 1.0)]),
        ("N31", "PM Freelancers", "service_provider", "regional", 1000, 4, 0.82, 48,
         [("project_mgmt", 3, 2000, 1.0)]),
        ("N32", "CableCrew", "service_provider", "north", 3000, 10, 0.90, 24,
         [("cabling", 4, 1200, 1.0)]),
        ("N33", "TrainSmart", "service_provider", "online", 2000, 6, 0.91, 48,
         [("training", 4, 1800, 1.0)]),
        ("N34", "Customer IT staff", "customer", "on-site", 0, 2, 0.75, 24,
         [("training", 1, 0, 1.0), ("site_survey", 2, 0, 1.0)]),
        ("N35", "VendorDirect", "supplier", "national", 12000, 12, 0.96, 24,
         [("hw_distribution", 4, 2200, 1.0), ("sales_engineering", 4, 3500, 1.0)]),
        ("N36", "SalesBridge", "service_provider", "national", 5000, 6, 0.90, 24,
         [("sales_engineering", 3, 2500, 1.0), ("proposal_writing", 3, 2000, 1.0)]),
        ("N37", "AuditOne", "service_provider", "national", 6000, 5, 0.96, 48,
         [("security_audit", 4, 3500, 1.0)]),
        ("N38", "MeshWorks", "service_provider", "south", 6000, 6, 0.89, 24,
         [("wifi_engineering", 3, 3000, 1.0), ("installation", 3, 2200, 1.0)]),
        ("N39", "GreenPower Racks", "supplier", "national", 4000, 6, 0.94, 48,
         [("power_cooling", 4, 2000, 1.0)]),
        ("N40", "TeleLink Carrier", "supplier", "national", 20000, 10, 0.99, 2,
         [("connectivity", 5, 3000, 1.0)]),
    ]
    partners = [row[:8] for row in catalogue]
    offers = {row[0]: row[8] for row in catalogue}
    touchpoints = [
        ("C01", "Comparing offers", "acquisition", "front", "web", "no", 1.0),
        ("C02", "Site survey", "acquisition", "front", "on-site", "yes", 1.4),
        ("C03", "Quote and proposal", "acquisition", "front", "email", "yes", 1.5),
        ("C04", "Network design", "acquisition", "back", "", "no", 1.2),
        ("C05", "Contract and financing", "acquisition", "back", "", "no", 1.0),
        ("C06", "Hardware supply", "utilization", "back", "", "no", 1.1),
        ("C07", "Installation", "utilization", "front", "on-site", "yes", 1.6),
        ("C08", "Configuration and security", "utilization", "back", "", "yes", 1.4),
        ("C09", "24/7 monitoring", "utilization", "back", "remote", "no", 1.3),
        ("C10", "24/7 support desk", "utilization", "front", "phone", "yes", 1.7),
        ("C11", "Field repair", "utilization", "front", "on-site", "no", 1.3),
        ("C12", "Billing", "utilization", "back", "web", "no", 0.8),
    ]
    roles = [
        ("S01", "Offer comparison pages", "C01", "web_sales", 2, 1, 1, "yes"),
        ("S02", "Online campaigns", "C01", "marketing", 3, 1, 1, "no"),
        ("S03", "Site survey", "C02", "site_survey", 3, 1, 2, "yes"),
        ("S04", "Wi-Fi heat map", "C02", "wifi_engineering", 4, 1, 1, "yes"),
        ("S05", "Proposal writing", "C03", "proposal_writing", 3, 1, 1, "yes"),
        ("S06", "Sales engineering", "C03", "sales_engineering", 3, 1, 2, "yes"),
        ("S07", "Network architecture", "C04", "network_design", 4, 1, 2, "yes"),
        ("S08", "Wi-Fi design", "C04", "wifi_engineering", 4, 1, 1, "yes"),
        ("S09", "Leasing", "C05", "leasing", 3, 1, 1, "no"),
        ("S10", "Contract review", "C05", "legal", 3, 1, 1, "yes"),
        ("S11", "Hardware distribution", "C06", "hw_distribution", 3, 2, 3, "yes"),
        ("S12", "Power and cooling", "C06", "power_cooling", 3, 1, 1, "no"),
        ("S13", "Cabling", "C07", "cabling", 3, 2, 2, "yes"),
        ("S14", "Installation crew", "C07", "installation", 3, 2, 3, "yes"),
        ("S15", "Project management", "C07", "project_mgmt", 3, 1, 2, "yes"),
        ("S16", "Firewall configuration", "C08", "firewall_config", 4, 1, 2, "yes"),
        ("S17", "Security audit", "C08", "security_audit", 4, 1, 1, "no"),
        ("S18", "Network operations centre", "C09", "noc_monitoring", 4, 1, 3, "yes"),
        ("S19", "Carrier connectivity", "C09", "connectivity", 3, 1, 1, "yes"),
        ("S20", "Support desk agents", "C10", "helpdesk", 3, 2, 3, "yes"),
        ("S21", "User training", "C10", "training", 2, 1, 1, "no"),
        ("S22", "Field engineers", "C11", "field_service", 3, 2, 2, "yes"),
        ("S23", "Spare-part delivery", "C11", "hw_distribution", 2, 1, 1, "no"),
        ("S24", "Invoicing", "C12", "billing", 3, 1, 1, "yes"),
        ("S25", "Installation Wi-Fi tuning", "C07", "wifi_engineering", 3, 1, 1, "no"),
        ("S26", "Handover training", "C07", "training", 3, 1, 1, "no"),
        ("S27", "Remote configuration backup", "C08", "noc_monitoring", 3, 1, 1, "no"),
        ("S28", "Customer success calls", "C10", "sales_engineering", 3, 1, 1, "no"),
    ]
    relationships = [
        ("N01", "N02", -0.8), ("N02", "N32", 0.7), ("N01", "N07", 0.6), ("N07", "N04", 0.7),
        ("N17", "N20", 0.8), ("N19", "N20", 0.4), ("N22", "N24", 0.5), ("N23", "N33", 0.6),
        ("N25", "N26", 0.7), ("N10", "N36", 0.6), ("N10", "N13", 0.5), ("N28", "N29", 0.8),
        ("N03", "N27", 0.4), ("N03", "N21", 0.3), ("N35", "N02", 0.5), ("N35", "N25", 0.4),
        ("N30", "N02", 0.6), ("N30", "N25", 0.5), ("N40", "N20", 0.7), ("N11", "N10", 0.4),
        ("N38", "N03", 0.3), ("N04", "N02", 0.5), ("N21", "N20", -0.4), ("N15", "N10", 0.5),
        ("N17", "N37", 0.5), ("N08", "N32", 0.4), ("N09", "N38", 0.3), ("N22", "N19", 0.3),
    ]
    standards = [
        # The support desk answers; training and success calls are not its response line.
        ("C10", "response_hours", "lower", 2, 1, 1, 16, "S20"),
        ("C07", "on_time_rate", "higher", 0.95, 0.95, 0.98, 0.90),
        ("C09", "on_time_rate", "higher", 0.999, 0.995, 0.999, 0.99),
        ("C03", "quote_days", "lower", 3, 5, 2, 6),
        ("C11", "response_hours", "lower", 8, 8, 4, 20, "S22"),
        ("C12", "invoice_accuracy", "higher", 0.99, 0.98, 0.99, None),
        # A soft standard: responsiveness scored on the survey scale by call audits.
        ("C10", "responsiveness", "higher", 6.8, 6.0, 6.5, 5.2),
    ]
    expectations = [
        ("C02", "assurance", 6.0, 6.0, 5.6), ("C03", "responsiveness", 6.2, 5.0, 4.9),
        ("C07", "reliability", 6.7, 6.5, 5.8), ("C07", "empathy", 5.0, 4.0, 5.2),
        ("C10", "responsiveness", 6.8, 5.5, 3.9), ("C10", "assurance", 6.0, 6.2, 5.5),
        ("C11", "reliability", 6.4, 6.0, 5.7), ("C01", "tangibles", 4.5, 5.5, 5.0),
    ]
    policy = {"budget": 450000, "min_partners_per_touchpoint": 1, "forbid_below_strength": -0.5,
              "time_limit_s": 20, "must_include": "N10", "profile": "balanced",
              "horizon_periods": 3}
    sets = {
        "incumbent": ["N01", "N04", "N07", "N10", "N13", "N15", "N17", "N20", "N23", "N25", "N26",
                      "N28", "N30", "N32", "N39", "N40"],
        "cheap_bid": ["N03", "N05", "N06", "N09", "N10", "N12", "N14", "N16", "N18", "N21", "N22",
                      "N24", "N27", "N29", "N31", "N38"],
        "premium_consortium": ["N02", "N04", "N07", "N10", "N13", "N15", "N17", "N20", "N23",
                               "N25", "N28", "N30", "N32", "N35", "N37", "N39", "N40"],
    }
    locks: list[tuple[str, str]] = []
    # Today: the incumbent partners, the provider's own sales team on the web, proposals and
    # sales engineering, and its own finance office on invoicing; one distribution, one
    # installation and one support-desk slot are vacant.
    current = [("S01", "N10"), ("S03", "N04"), ("S04", "N04"), ("S05", "N10"), ("S06", "N10"),
               ("S07", "N07"), ("S08", "N04"), ("S09", "N13"), ("S10", "N15"), ("S11", "N01"),
               ("S12", "N39"), ("S13", "N32"), ("S13", "N26"), ("S14", "N25"), ("S15", "N30"),
               ("S16", "N17"), ("S17", "N17"), ("S18", "N20"), ("S19", "N40"), ("S20", "N23"),
               ("S21", "N23"), ("S22", "N25"), ("S22", "N26"), ("S23", "N01"), ("S24", "N29")]
    exits = {"N10": 40000, "N29": 15000, "N20": 30000}
    # One carrier for monitoring and the configuration backups; at most three crews on
    # cabling and installation; AirWave's Wi-Fi designs need DesignNet's architecture; no
    # partner above a fifth of the filled slots.
    rules = [("same_partner", "S18;S27", "", None), ("single_source", "S13;S14", "", 3),
             ("requires", "", "N04;N07", None), ("max_share", "", "", 0.2)]
    return _tables(partners, offers, touchpoints, roles, relationships, standards, expectations,
                   policy, sets, locks, current, exits, rules)


def hotels() -> Tables:
    """A hotel group of 8 properties in three regions: 22 candidate partners, 11 roles, 7 of
    them needed at every hotel (or at the three coast hotels with a pool)."""
    sites = [("H1", "Harbour Brighton", "coast"), ("H2", "Harbour Eastbourne", "coast"),
             ("H3", "Harbour Bournemouth", "coast"), ("H4", "Harbour Leeds", "north"),
             ("H5", "Harbour York", "north"), ("H6", "Harbour Manchester", "north"),
             ("H7", "Harbour Oxford", "south"), ("H8", "Harbour Reading", "south")]
    # (id, name, kind, region, fixed, capacity, reliability, response_hours, serves, offers)
    catalogue = [
        ("K01", "Own housekeeping", "internal", "group", 0, 15, 0.97, 1, "",
         [("housekeeping", 4, 3400, 1.0), ("laundry", 3, 1500, 1.0)]),
        ("K02", "CleanCo National", "service_provider", "national", 6000, 40, 0.86, 4, "",
         [("housekeeping", 3, 2600, 1.0), ("laundry", 3, 1100, 1.0)]),
        ("K03", "NorthShine Services", "service_provider", "north", 2000, 12, 0.96, 2, "north",
         [("housekeeping", 4, 2800, 1.0), ("laundry", 4, 1200, 1.0)]),
        ("K04", "CoastCare", "service_provider", "coast", 2000, 12, 0.95, 2, "coast",
         [("housekeeping", 4, 2900, 1.0), ("pool_care", 4, 1500, 1.0)]),
        ("K05", "Southern Hospitality Staff", "service_provider", "south", 1500, 10, 0.94, 1,
         "south", [("housekeeping", 3, 2700, 1.0), ("front_desk", 3, 2400, 1.0)]),
        ("K06", "WashPro Linen", "supplier", "north and south", 1000, 20, 0.97, 8,
         "north;south", [("laundry", 4, 900, 1.0)]),
        ("K07", "Seaside Laundry", "supplier", "coast", 500, 10, 0.93, 8, "coast",
         [("laundry", 3, 800, 1.0)]),
        ("K08", "Own front office", "internal", "group", 0, 16, 0.97, 0.1, "",
         [("front_desk", 4, 3000, 1.0)]),
        ("K09", "DeskForce Agency", "service_provider", "national", 3000, 20, 0.90, 0.5, "",
         [("front_desk", 3, 2200, 1.0)]),
        ("K10", "FixIt North", "service_provider", "north", 1000, 6, 0.95, 4, "north",
         [("maintenance", 4, 1800, 1.0)]),
        ("K11", "FixIt South", "service_provider", "south", 1000, 8, 0.93, 6, "south;coast",
         [("maintenance", 3, 1600, 1.0)]),
        ("K12", "Facility Group", "service_provider", "national", 5000, 12, 0.96, 2, "",
         [("maintenance", 4, 2000, 1.0), ("pool_care", 3, 1700, 1.0)]),
        ("K13", "Morning Table", "service_provider", "national", 2000, 10, 0.95, 2, "",
         [("breakfast", 4, 1500, 1.0)]),
        ("K14", "Own kitchen teams", "internal", "group", 0, 8, 0.93, 1, "",
         [("breakfast", 3, 1900, 1.0)]),
        ("K15", "StayCloud", "supplier", "national", 8000, 5, 0.995, 1, "",
         [("pms", 5, 4000, 1.0), ("booking_engine", 4, 2500, 1.0)]),
        ("K16", "HotelSys", "supplier", "national", 3000, 5, 0.97, 8, "",
         [("pms", 3, 3000, 1.0)]),
        ("K17", "BookDirect", "supplier", "national", 2000, 5, 0.98, 4, "",
         [("booking_engine", 5, 2000, 1.0)]),
        ("K18", "CareLine Hospitality", "service_provider", "national", 6000, 10, 0.96, 0.05,
         "", [("call_center", 4, 6000, 1.0)]),
        ("K19", "BudgetCall", "service_provider", "offshore", 1500, 10, 0.78, 0.5, "",
         [("call_center", 3, 2500, 1.0)]),
        ("K20", "PayFast Hospitality", "service_provider", "EU", 4000, 5, 0.99, 1, "",
         [("payments", 5, 2000, 1.0)]),
        ("K21", "YieldWise", "service_provider", "national", 3000, 3, 0.95, 24, "",
         [("revenue_mgmt", 4, 3000, 1.0)]),
        ("K22", "PoolPro Bournemouth", "service_provider", "coast", 800, 4, 0.90, 12, "H3",
         [("pool_care", 3, 1300, 1.0)]),
    ]
    partners = [row[:8] for row in catalogue]
    serves = {row[0]: row[8] for row in catalogue}
    offers = {row[0]: row[9] for row in catalogue}
    touchpoints = [
        ("T01", "Finding and booking", "acquisition", "front", "web", "no", 1.2),
        ("T02", "Reservation call", "acquisition", "front", "phone", "no", 1.0),
        ("T03", "Arrival and check-in", "utilization", "front", "front desk", "yes", 1.6),
        ("T04", "The room", "utilization", "front", "on-site", "yes", 1.8),
        ("T05", "Breakfast and pool", "utilization", "front", "on-site", "no", 1.0),
        ("T06", "Something broke", "utilization", "front", "on-site", "no", 1.1),
        ("T07", "Linen and laundry", "utilization", "back", "", "no", 0.9),
        ("T08", "Check-out and payment", "utilization", "front", "front desk", "no", 1.0),
        ("T09", "Pricing the rooms", "acquisition", "back", "", "no", 0.8),
    ]
    # (id, name, touchpoint, capability, min level, slots, load, critical, sites)
    role_rows = [
        ("R01", "Booking engine", "T01", "booking_engine", 4, 1, 1, "yes", ""),
        ("R02", "Reservations call centre", "T02", "call_center", 3, 1, 1, "yes", ""),
        ("R03", "Front desk", "T03", "front_desk", 3, 1, 2, "yes", "all"),
        ("R04", "Property management system", "T03", "pms", 3, 1, 1, "yes", ""),
        ("R05", "Room cleaning", "T04", "housekeeping", 3, 1, 3, "yes", "all"),
        ("R06", "Breakfast service", "T05", "breakfast", 3, 1, 1, "no", "all"),
        ("R07", "Maintenance", "T06", "maintenance", 3, 1, 1, "yes", "all"),
        ("R08", "Linen and laundry", "T07", "laundry", 3, 1, 2, "yes", "all"),
        ("R09", "Card payments", "T08", "payments", 4, 1, 1, "yes", ""),
        ("R10", "Revenue management", "T09", "revenue_mgmt", 3, 1, 1, "no", ""),
        ("R11", "Pool care", "T05", "pool_care", 3, 1, 1, "no", "H1;H2;H3"),
    ]
    roles = [row[:8] for row in role_rows]
    relationships = [
        ("K15", "K17", -0.6), ("K01", "K08", 0.8), ("K08", "K14", 0.7), ("K01", "K14", 0.6),
        ("K03", "K06", 0.6), ("K04", "K07", 0.7), ("K10", "K03", 0.5), ("K11", "K04", 0.4),
        ("K02", "K09", 0.5), ("K15", "K20", 0.6), ("K18", "K15", 0.4), ("K12", "K02", -0.3),
    ]
    # (touchpoint, metric, direction, expects, target, promised, measured, roles, sites)
    standard_rows = [
        # The brand's promise at every hotel: the room ready by 3 pm, a queue at check-in
        # answered within 15 minutes, a fault looked at within 6 hours.
        ("T04", "on_time_rate", "higher", 0.98, 0.95, 0.98, 0.91, "R05", "all"),
        ("T03", "response_hours", "lower", 0.25, 0.25, 0.1, 0.3, "R03", "all"),
        ("T06", "response_hours", "lower", 4, 6, 4, 9, "R07", "all"),
        # The call centre, once for the group: calls answered within 6 minutes.
        ("T02", "response_hours", "lower", 0.1, 0.1, 0.05, 0.4, "R02", ""),
    ]
    standards = [row[:8] for row in standard_rows]
    expectations = [
        ("T03", "responsiveness", 6.5, 6.0, 5.4), ("T04", "reliability", 6.8, 6.5, 5.9),
        ("T04", "tangibles", 6.5, 6.2, 6.0), ("T02", "empathy", 6.0, 5.0, 4.6),
        ("T05", "assurance", 5.5, 5.5, 5.6),
    ]
    policy = {"budget": 330000, "forbid_below_strength": -0.5, "time_limit_s": 30,
              "profile": "balanced", "horizon_periods": 12, "currency": "GBP",
              "period": "month"}
    sets = {
        "national_contracts": ["K02", "K08", "K09", "K12", "K13", "K15", "K18", "K20", "K21"],
        "regional_specialists": ["K01", "K03", "K04", "K05", "K06", "K07", "K08", "K10",
                                 "K11", "K14", "K15", "K18", "K20"],
    }
    # Today: own housekeeping at five hotels and CleanCo at three, the hotels' own front
    # offices and kitchens, regional maintenance and laundries, HotelSys, BookDirect and
    # BudgetCall for the group.
    current = [
        *[("R05", "K01", h) for h in ("H1", "H2", "H3", "H4", "H5")],
        *[("R05", "K02", h) for h in ("H6", "H7", "H8")],
        *[("R03", "K08", s[0]) for s in sites], *[("R06", "K14", s[0]) for s in sites],
        *[("R07", "K10", h) for h in ("H4", "H5", "H6")],
        *[("R07", "K11", h) for h in ("H1", "H2", "H3", "H7", "H8")],
        *[("R08", "K06", h) for h in ("H4", "H5", "H6", "H7", "H8")],
        *[("R08", "K07", h) for h in ("H1", "H2", "H3")],
        *[("R11", "K04", h) for h in ("H1", "H2", "H3")],
        ("R01", "K17", ""), ("R02", "K19", ""), ("R04", "K16", ""), ("R09", "K20", ""),
    ]
    exits = {"K01": 60000, "K08": 40000, "K14": 30000}
    tables = _tables(partners, offers, touchpoints, roles, relationships, standards,
                     expectations, policy, sets, [], [(r, p) for r, p, _ in current], exits)
    tables["sites"] = [{"site_id": i, "name": n, "region": r} for i, n, r in sites]
    for row in tables["partners"]:
        row["serves"] = serves[str(row["partner_id"])]
    for row, spec in zip(tables["roles"], role_rows, strict=True):
        row["sites"] = spec[8]
    for row in tables["standards"]:
        spec = next((s for s in standard_rows if s[:2] == (row["touchpoint_id"],
                                                          row["metric"])), None)
        row["sites"] = spec[8] if spec else ""
    tables["current"] = [{"role_id": r, "partner_id": p, "site_id": h} for r, p, h in current]
    # CleanCo's price for all eight hotels: 2,300 a unit from 8 slots of housekeeping.
    tables["capabilities"].append({"partner_id": "K02", "capability": "housekeeping",
                                   "level": 3, "unit_cost": 2300, "effort": 1.0,
                                   "min_slots": 8})
    # At each coast hotel the maintenance firm also looks after the pool; one vendor for the
    # booking engine and the property system; at most two maintenance firms across the group;
    # no partner above two fifths of the filled slots.
    tables["rules"] = [
        {"rule": "same_partner", "roles": "R07;R11", "scope": "site"},
        {"rule": "same_partner", "roles": "R01;R04"},
        {"rule": "single_source", "roles": "R07", "limit": 2},
        {"rule": "max_share", "limit": 0.4},
    ]
    seen = {
        "T01": ("Books a room online", "Booking pages, confirmation email"),
        "T02": ("Calls to book or change a stay", "Phone menu, agent"),
        "T03": ("Arrives and checks in", "Lobby, key card, queue"),
        "T04": ("Stays in the room", "Clean room, made bed, towels"),
        "T05": ("Has breakfast, swims", "Buffet, pool"),
        "T06": ("Reports a fault", "Repair visit"),
        "T07": ("", "Fresh linen"),
        "T08": ("Checks out and pays", "Invoice, card receipt"),
        "T09": ("", "Room rates"),
    }
    for row in tables["touchpoints"]:
        row["customer_action"], row["evidence"] = seen[str(row["touchpoint_id"])]
    return tables


EXAMPLES = {"bank": bank, "it-network": it_network, "hotels": hotels}
