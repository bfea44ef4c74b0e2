"""Generate an insurer's book in a dedicated database, from a fixed seed.

    scripts/bench.sh generate.py --preset small -d iam_bench_small [--seed N] [--check 200]

Drops the database, creates it and installs crm and insurance_account_manager
without demo data with Odoo's own installer, then fills it:

- account managers (``managers``: a tenth of them senior, for the key
  clients) in sales teams with a team lead each, with licences for most lines
  of business (some expiring soon), a few absent with a backup; claims
  handlers; a dozen insurers;
- the demo's tier rules (key from 5,000,000 of annual premium or 12 active
  policies with a loss ratio under 70 %, general from 200,000) and assignment
  rules like the demo's (key clients to the senior managers, least loaded;
  the others to the team of their region, round robin; the rest to every
  manager, least loaded);
- ``clients``: 3 % large accounts, 20 % mid-size companies, the rest shops and
  individuals, 92 % in China spread over its provinces; ``unassigned`` of them
  without a manager, the others with one (and a backup for large accounts),
  a current row in the manager history, and the managers as followers;
- ``policies`` in the lines of business of the addon's data: each client's
  active terms start on a day of the last year (so a quarter end within 90
  days), a third renew an expired term (renewal chains), 1 % draft or
  cancelled; premiums by client size (a few key, many retail);
- ``claims`` reported over the last year on those policies, each with its
  claims-service request; renewal requests for the terms due earliest (the
  others wait for the renewal benchmark), underwriting, service and survey
  requests for the rest of ``requests``;
- the tiers, by the addon's own scheduled action, batch after batch;
- as many CRM leads as clients: ``unassigned`` unassigned leads (for
  ``crm.team._action_assign_leads``), the others opportunities of the same
  managers, who are the salespersons of the sales teams; an opportunity of an
  assigned client has it as customer and its manager as salesperson;
- a current needs analysis (no answers) for a tenth of the assigned clients,
  dated over the last 18 months (about a third expired).

Bulk rows go in with COPY, as copies of a row the ORM created (so that every
column the ORM fills, defaults, company, currency, create/write uid and date,
is filled the same way), with the stored computed columns set as the ORM sets
them. ``--check N`` recomputes N random records of each model with the ORM
and compares every stored computed column.

Not generated: chatter messages of the bulk records (a book loaded in bulk has
no creation message), activities, ratings.
"""

# A command-line program that fills a database of its own: it commits.
# pylint: disable=invalid-commit
import random
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from datetime import time as dtime
from numbers import Number

from _common import (
    PARAM_BOOK,
    PARAM_PRESET,
    PRESETS,
    clone_rows,
    copy_rows,
    dropdb,
    odoo_install,
    parse_args,
    registry,
    reserve_ids,
    table_row,
)
from dateutil.relativedelta import relativedelta

SEED = 20261125
ADDON = "insurance_account_manager"
GROUP_AM = f"{ADDON}.insurance_group_account_manager"
GROUP_LEAD = f"{ADDON}.insurance_group_team_lead"
GROUP_HANDLER = f"{ADDON}.insurance_group_service_handler"
# client sizes: share of the book, active policies, premium per policy, load
SEGMENTS = {
    "key": {"share": 0.03, "policies": (8, 16), "premium": (400_000, 1_200_000)},
    "general": {"share": 0.20, "policies": (3, 7), "premium": (40_000, 150_000)},
    "retail": {"share": 0.77, "policies": (1, 3), "premium": (300, 4_000)},
}
LINES_BY_SEGMENT = {
    "key": ["PROP", "LIAB", "CARGO", "ENG", "MOTOR", "AH", "LIFE"],
    "general": ["PROP", "LIAB", "MOTOR", "ENG", "CARGO", "AH"],
    "retail": ["MOTOR", "AH", "LIFE", "PROP"],
}
INSURERS = [
    "PICC Property and Casualty",
    "Ping An Property & Casualty",
    "China Pacific Property Insurance",
    "China Life Property & Casualty",
    "Sunshine Property and Casualty",
    "China Taiping Insurance",
    "Tian An Property Insurance",
    "China Dadi Property Insurance",
    "Huatai Property & Casualty",
    "AXA Tianping",
    "Allianz China General",
    "Chubb Insurance China",
]
FIRST = "Wei Fang Min Jing Li Na Jun Tao Yan Hui Lei Xin Ping Yong Hong Bo Chen Yu".split()
LAST = "Wang Li Zhang Liu Chen Yang Zhao Huang Zhou Wu Xu Sun Hu Zhu Gao Lin He Guo Ma".split()
WORDS = (
    "Northern Harbin Songhua Dragon Jade Golden Pacific Eastern Great Wall Bright Star "
    "Summit Lotus Phoenix Silk Road Coastal Union Heng Xing Tian Hua Long Sheng"
).split()
TRADES = (
    "Grain Storage|Logistics|Machinery|Textiles|Chemicals|Foods|Electronics|Construction|"
    "Shipping|Pharmaceuticals|Steel|Retail|Agriculture|Energy|Auto Parts|Paper"
).split("|")
FOREIGN = ["HK", "SG", "DE", "US", "GB"]
# share of the assigned clients with a needs analysis
NEEDS_SHARE = 0.1


def add_arguments(parser):
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--check",
        type=int,
        default=200,
        metavar="N",
        help="recompute N random records of each model with the ORM and compare (0: no check)",
    )
    parser.add_argument(
        "--no-install",
        action="store_true",
        help="fill an existing database where the addon is installed without demo data",
    )


STARTED = time.perf_counter()


def log(message):
    print(f"[{time.perf_counter() - STARTED:7.1f}s] {message}", flush=True)


# ------------------------------------------------------------
# Set-up through the ORM: people, teams, rules
# ------------------------------------------------------------


def create_people(env, size, rng):
    """Managers, team leads, claims handlers, sales teams, qualifications,
    absences; returns a dict of recordsets and plain data."""
    from odoo import Command

    company = env.company
    group_user = env.ref("base.group_user")
    salesman = env.ref("sales_team.group_sale_salesman")
    am, lead_group, handler_group = env.ref(GROUP_AM), env.ref(GROUP_LEAD), env.ref(GROUP_HANDLER)
    Users = env["res.users"].with_context(no_reset_password=True, tracking_disable=True)

    def users(prefix, count, groups, **extra):
        return Users.create(
            [
                {
                    "name": f"{rng.choice(FIRST)} {rng.choice(LAST)} ({prefix} {n + 1})",
                    "login": f"bench_{prefix.lower().replace(' ', '_')}_{n + 1}",
                    "email": f"{prefix.lower().replace(' ', '.')}.{n + 1}@insurer.example.com",
                    "company_id": company.id,
                    "company_ids": [Command.set(company.ids)],
                    "groups_id": [Command.set([group_user.id, salesman.id, *groups.ids])],
                    **extra,
                }
                for n in range(count)
            ]
        )

    n_managers = size["managers"]
    n_teams = max(2, n_managers // 20)
    # capacity units for three times a manager's share of the book (weights 5, 2, 1)
    capacity = 3 * 1.5 * size["clients"] / n_managers + 50
    # managers take clients once their licences are on file (Settings require
    # a valid qualification to become an account manager)
    managers = users("Manager", n_managers, am, insurance_capacity=capacity)
    leads = users("Team Lead", n_teams, lead_group)
    handlers = users("Claims Handler", max(2, n_managers // 20), handler_group)
    seniors = managers[: max(2, n_managers // 10)]
    team_of = {}
    members = defaultdict(list)
    for index, user in enumerate(managers):
        members[index % n_teams].append(user)
    # a crm.team.member's daily quota is assignment_max / 30: room for twice
    # each member's share of the unassigned leads
    per_member = -(-2 * size["unassigned"] // n_managers)
    teams = env["crm.team"].with_context(tracking_disable=True)
    for k in range(n_teams):
        team = teams.create(
            {
                "name": f"Region Team {k + 1}",
                "user_id": leads[k].id,
                "company_id": company.id,
                "use_leads": True,
                "use_opportunities": True,
                "crm_team_member_ids": [
                    Command.create({"user_id": user.id, "assignment_max": 30 * (per_member + 1)})
                    for user in members[k]
                ],
            }
        )
        teams |= team
        for user in members[k]:
            team_of[user.id] = team
    lines = env["insurance.line"].search([])
    today = date.today()
    qualifications = []
    lapsed = {}  # licences that expired after their manager took clients
    for user in managers:
        chosen = (
            lines if user in seniors else lines.browse(rng.sample(lines.ids, rng.randint(4, 6)))
        )
        roll = rng.random()
        expiry = (
            today + timedelta(days=rng.randint(1, 45))
            if roll < 0.1
            else today - timedelta(days=rng.randint(1, 60))
            if roll < 0.12
            else today + timedelta(days=rng.randint(200, 1500))
        )
        if expiry < today:
            lapsed[user.id], expiry = expiry, today
        qualifications.append(
            {
                "user_id": user.id,
                "licence_number": f"NFRA-{rng.randint(2015, 2024)}-{user.id:05d}",
                "issuer": "NFRA",
                "date_issue": today - timedelta(days=rng.randint(400, 3000)),
                "date_expiry": expiry,
                "line_ids": [Command.set(chosen.ids)],
            }
        )
    Qualification = env["insurance.qualification"].with_context(tracking_disable=True)
    created = Qualification.create(qualifications)
    managers.write({"is_account_manager": True})
    for qualification in created.filtered(lambda q: q.user_id.id in lapsed):
        qualification.date_expiry = lapsed[qualification.user_id.id]
    for index, user in enumerate(managers):
        if rng.random() < 0.03:
            backup = members[index % n_teams][0]
            if backup == user:
                backup = members[index % n_teams][-1]
            if backup != user:
                user.write(
                    {
                        "insurance_absence_from": today - timedelta(days=2),
                        "insurance_absence_to": today + timedelta(days=10),
                        "insurance_backup_user_id": backup.id,
                    }
                )
    return {
        "managers": managers,
        "seniors": seniors,
        "leads": leads,
        "handlers": handlers,
        "teams": teams,
        "team_of": team_of,
        "members": members,
    }


def create_rules(env, people, states):
    """The demo's tier rules and assignment rules like the demo's; returns
    {team index: state ids} (each team serves a share of the provinces)."""
    from odoo import Command

    tiers = {tier.code: tier for tier in env["insurance.client.tier"].search([])}
    env["insurance.tier.rule"].create(
        [
            {
                "name": "Key clients: annual premium of 5,000,000 or more",
                "sequence": 10,
                "tier_id": tiers["key"].id,
                "min_premium": 5_000_000,
            },
            {
                "name": "Key clients: twelve active policies or more, profitable",
                "sequence": 20,
                "tier_id": tiers["key"].id,
                "min_policies": 12,
                "loss_ratio_limited": True,
                "max_loss_ratio": 70,
            },
            {
                "name": "General clients: annual premium of 200,000 or more",
                "sequence": 30,
                "tier_id": tiers["general"].id,
                "min_premium": 200_000,
            },
        ]
    )
    teams = people["teams"]
    states_of = {k: states[k :: len(teams)] for k in range(len(teams))}
    others = people["managers"] - people["seniors"]
    env["insurance.assignment.rule"].create(
        [
            {
                "name": "Key clients: senior managers",
                "sequence": 10,
                "tier_ids": [Command.set(tiers["key"].ids)],
                "user_ids": [Command.set(people["seniors"].ids)],
                "strategy": "least_loaded",
            },
            *(
                {
                    "name": f"Region {k + 1}: {team.name}",
                    "sequence": 20 + k,
                    "state_ids": [Command.set(states_of[k])],
                    "team_id": team.id,
                    "strategy": "round_robin",
                }
                for k, team in enumerate(teams)
            ),
            {
                "name": "Other clients: every account manager",
                "sequence": 90,
                "user_ids": [Command.set(others.ids)],
                "strategy": "least_loaded",
            },
        ]
    )
    return states_of


# ------------------------------------------------------------
# The book, planned in Python
# ------------------------------------------------------------


def plan_clients(size, rng, people, states_of, countries):
    """A list of client dicts (values and plan)."""
    managers = people["managers"]
    seniors = people["seniors"].ids
    others = (managers - people["seniors"]).ids
    team_of_state = {state: k for k, ids in states_of.items() for state in ids}
    members = {
        k: [u.id for u in users if u.id not in seniors] for k, users in people["members"].items()
    }
    turn = defaultdict(int)
    unassigned = set(rng.sample(range(size["clients"]), size["unassigned"]))
    clients = []
    for n in range(size["clients"]):
        roll, segment = rng.random(), "retail"
        if roll < SEGMENTS["key"]["share"]:
            segment = "key"
        elif roll < SEGMENTS["key"]["share"] + SEGMENTS["general"]["share"]:
            segment = "general"
        is_company = segment != "retail" or rng.random() < 0.4
        if is_company:
            name = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(TRADES)} Co., Ltd. {n + 1}"
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)} {n + 1}"
        if rng.random() < 0.92:
            country, state = countries["CN"], rng.choice(list(team_of_state))
        else:
            country, state = countries[rng.choice(FOREIGN)], None
        manager = backup = None
        if n not in unassigned:
            if segment == "key":
                manager = rng.choice(seniors)
                backup = rng.choice([s for s in seniors if s != manager])
            elif state and members[team_of_state[state]]:
                team = members[team_of_state[state]]
                manager = team[turn[team_of_state[state]] % len(team)]
                turn[team_of_state[state]] += 1
            else:
                manager = rng.choice(others)
        clients.append(
            {
                "n": n,
                "segment": segment,
                "name": name,
                "is_company": is_company,
                "email": f"contact{n + 1}@client{n + 1}.example.com",
                "country_id": country,
                "state_id": state,
                "city": "Harbin" if state else None,
                "account_manager_id": manager,
                "backup_manager_id": backup,
            }
        )
    return clients


def plan_policies(size, rng, clients, lines, insurers, today):
    """Policies per client (dicts), renewal chains included; sets each
    client's ``annual_premium``."""
    counts = [rng.randint(*SEGMENTS[c["segment"]]["policies"]) for c in clients]
    # the share of active terms that renew an expired one, to reach the size
    chain = min(0.9, max(0.0, size["policies"] / (sum(counts) * 1.02) - 1))
    policies = []
    number = 0
    for client, count in zip(clients, counts, strict=True):
        segment = SEGMENTS[client["segment"]]
        client["annual_premium"] = 0.0
        for _index in range(count):
            number += 1
            premium = round(rng.uniform(*segment["premium"]), 2)
            line = lines[rng.choice(LINES_BY_SEGMENT[client["segment"]])]
            insurer = rng.choice(insurers)
            start = today - timedelta(days=rng.randint(0, 364))
            base = {
                "partner_id": client["id"],
                "insurer_id": insurer,
                "line_id": line,
                "account_manager_id": client["account_manager_id"],
                "backup_manager_id": client["backup_manager_id"],
                "sum_insured": round(premium * rng.randint(50, 300), 2),
            }
            roll = rng.random()
            if roll < 0.01:  # a quote not bound yet, or a cancelled term
                draft = roll < 0.005
                start = today + timedelta(days=rng.randint(1, 60)) if draft else start
                policies.append(
                    {
                        **base,
                        "name": f"POL-{number:07d}",
                        "premium": premium,
                        "date_start": start,
                        "date_end": start + relativedelta(years=1, days=-1),
                        "state": "draft" if draft else "cancelled",
                    }
                )
                continue
            name = f"POL-{number:07d}"
            previous = None
            if rng.random() < chain:
                previous = {
                    **base,
                    "id": None,
                    "name": name,
                    "premium": round(premium / rng.uniform(1.0, 1.1), 2),
                    "date_start": start - relativedelta(years=1),
                    "date_end": start - timedelta(days=1),
                    "state": "expired",
                    "renewal_state": "renewed",
                }
                policies.append(previous)
                name = f"{name}/R1"
            policies.append(
                {
                    **base,
                    "name": name,
                    "premium": premium,
                    "date_start": start,
                    "date_end": start + relativedelta(years=1, days=-1),
                    "state": "active",
                    "previous": previous,
                }
            )
            client["annual_premium"] += premium
    return policies


def plan_claims(size, rng, policies, handlers, stages, today):
    """A year of claims on the active and expired policies."""
    first = today - timedelta(days=364)
    claimable = [
        p
        for p in policies
        if p["state"] in ("active", "expired")
        and p["date_end"] >= first
        and p["date_start"] <= today
    ]
    claims = []
    for policy in rng.sample(claimable, min(size["claims"], len(claimable))):
        low, high = max(policy["date_start"], first), min(policy["date_end"], today)
        date_loss = low + timedelta(days=rng.randint(0, (high - low).days))
        reported = min(today, date_loss + timedelta(days=rng.randint(0, 14)))
        claimed = round(min(policy["sum_insured"], policy["premium"] * rng.uniform(0.05, 2.0)), 2)
        age = (today - reported).days
        roll = rng.random()
        if age > 30 and roll < 0.7:
            stage, paid, reserved = stages["closed"], round(claimed * rng.uniform(0.6, 1.0), 2), 0
        elif age > 30 and roll < 0.8:
            stage, paid, reserved = stages["rejected"], 0, 0
        else:
            stage = rng.choice([stages["notified"], stages["assessment"], stages["settlement"]])
            paid, reserved = 0, round(claimed * rng.uniform(0.5, 1.0), 2)
        closed = None
        if stage.is_closed:
            closed = min(today, reported + timedelta(days=rng.randint(5, 60)))
        claims.append(
            {
                "policy": policy,
                "policy_id": policy["id"],
                "partner_id": policy["partner_id"],
                "account_manager_id": policy["account_manager_id"],
                "backup_manager_id": policy["backup_manager_id"],
                "line_id": policy["line_id"],
                "stage_id": stage.id,
                "stage": stage,
                "user_id": rng.choice(handlers),
                "date_loss": date_loss,
                "date_reported": reported,
                "date_closed": closed,
                "turnaround_days": (closed - reported).days if closed else 0,
                "amount_claimed": claimed,
                "amount_reserved": reserved,
                "amount_paid": paid,
            }
        )
    claims.sort(key=lambda claim: (claim["date_reported"], claim["policy_id"]))
    return claims


# ------------------------------------------------------------
# Prototype rows: one record of each kind through the ORM
# ------------------------------------------------------------


def prototypes(env, people, lines, insurers):
    """One record of each model created through the ORM as the application
    creates them; returns {table: row}. The records are deleted afterwards."""
    Partner = env["res.partner"]
    manager = people["managers"][0]
    client = Partner.create(
        {
            "name": "Prototype Client",
            "is_company": True,
            "email": "prototype@client.example.com",
            "country_id": env.ref("base.cn").id,
            "city": "Harbin",
            "lang": "en_US",
            "is_insurance_client": True,
            "account_manager_id": manager.id,
        }
    )
    policy = env["insurance.policy"].create(
        {
            "name": "PROTOTYPE-1",
            "partner_id": client.id,
            "insurer_id": insurers[0],
            "line_id": lines["PROP"],
            "premium": 1000,
            "sum_insured": 100000,
            "date_start": date.today() - timedelta(days=30),
            "state": "active",
        }
    )
    claim = env["insurance.claim"].create(
        {
            "policy_id": policy.id,
            "user_id": people["handlers"][0].id,
            "date_loss": date.today() - timedelta(days=3),
            "date_reported": date.today() - timedelta(days=2),
            "amount_claimed": 500,
        }
    )
    request = env["insurance.service.request"].search([("claim_id", "=", claim.id)])
    history = env["insurance.manager.assignment"].search([("partner_id", "=", client.id)])
    team = people["team_of"][manager.id]
    Lead = env["crm.lead"]
    lead = Lead.create(
        {
            "name": "Prototype lead",
            "type": "lead",
            "contact_name": "Prototype Contact",
            "partner_name": "Prototype Co.",
            "email_from": "prototype@prospect.example.com",
            "country_id": env.ref("base.cn").id,
            "user_id": False,
            "team_id": False,
        }
    )
    opportunity = Lead.create(
        {
            "name": "Prototype opportunity",
            "type": "opportunity",
            "contact_name": "Prototype Contact",
            "partner_name": "Prototype Co.",
            "email_from": "prototype2@prospect.example.com",
            "country_id": env.ref("base.cn").id,
            "user_id": manager.id,
            "team_id": team.id,
            "expected_revenue": 10000,
        }
    )
    env.flush_all()
    cr = env.cr
    rows = {
        "res_partner": table_row(cr, "res_partner", client.id),
        "insurance_policy": table_row(cr, "insurance_policy", policy.id),
        "insurance_claim": table_row(cr, "insurance_claim", claim.id),
        "insurance_service_request": table_row(cr, "insurance_service_request", request.id),
        "insurance_manager_assignment": table_row(cr, "insurance_manager_assignment", history.id),
        "crm_lead": table_row(cr, "crm_lead", lead.id),
        "crm_lead_opportunity": table_row(cr, "crm_lead", opportunity.id),
    }
    assert request and history and lead.stage_id, "prototype records incomplete"
    (lead | opportunity).unlink()
    request.unlink()
    claim.unlink()
    policy.unlink()
    client.unlink()
    return rows


# ------------------------------------------------------------
# Bulk inserts
# ------------------------------------------------------------


def insert_followers(env, model, pairs):
    """Followers ``(res_id, partner_id)`` of ``model`` with the default
    subtypes, as mail.followers._insert_followers adds them."""
    pairs = sorted(set(pairs))
    if not pairs:
        return
    subtypes = env["mail.message.subtype"].default_subtypes(model)[0].ids
    cr = env.cr
    ids = reserve_ids(cr, "mail_followers", len(pairs))
    copy_rows(
        cr,
        "mail_followers",
        ["id", "res_model", "res_id", "partner_id"],
        [(fid, model, res_id, partner) for fid, (res_id, partner) in zip(ids, pairs, strict=True)],
    )
    copy_rows(
        cr,
        "mail_followers_mail_message_subtype_rel",
        ["mail_followers_id", "mail_message_subtype_id"],
        [(fid, subtype) for fid in ids for subtype in subtypes],
    )


def client_rows(cr, clients):
    """res_partner rows of ``clients`` (ids reserved here)."""
    from odoo.addons.insurance_account_manager.tools import duplicates

    for client, new_id in zip(clients, reserve_ids(cr, "res_partner", len(clients)), strict=True):
        client["id"] = new_id
    rows = [
        {
            "id": c["id"],
            "name": c["name"],
            "complete_name": c["name"],
            "is_company": c["is_company"],
            "commercial_partner_id": c["id"],
            "commercial_company_name": c["name"] if c["is_company"] else None,
            "email": c["email"],
            "email_normalized": c["email"],
            "country_id": c["country_id"],
            "state_id": c["state_id"],
            "city": c["city"],
            "account_manager_id": c["account_manager_id"],
            "backup_manager_id": c["backup_manager_id"],
            "insurance_tier_id": None,
            "annual_premium": None,  # set once the policies are planned
            "company_registry": None,
            # the duplicate keys (res_partner_duplicate), as the ORM computes them
            **{
                f"insurance_{criterion}_key": key
                for criterion, key in duplicates.client_keys(c["name"], email=c["email"]).items()
            },
        }
        for c in clients
    ]
    return rows


def insert_policies(env, proto, policies):
    cr = env.cr
    ids = reserve_ids(cr, "insurance_policy", len(policies))
    for policy, new_id in zip(policies, ids, strict=True):
        policy["id"] = new_id
    for policy in policies:
        if policy.get("previous"):
            policy["previous"]["renewal_policy_id"] = policy["id"]
    rows = [
        {
            "id": p["id"],
            "name": p["name"],
            "partner_id": p["partner_id"],
            "insurer_id": p["insurer_id"],
            "line_id": p["line_id"],
            "account_manager_id": p["account_manager_id"],
            "backup_manager_id": p["backup_manager_id"],
            "state": p["state"],
            "premium": p["premium"],
            "sum_insured": p["sum_insured"],
            "date_start": p["date_start"],
            "date_end": p["date_end"],
            "previous_policy_id": p["previous"]["id"] if p.get("previous") else None,
            "renewal_policy_id": p.get("renewal_policy_id"),
            "renewal_state": p.get("renewal_state"),
        }
        for p in policies
    ]
    clone_rows(cr, "insurance_policy", proto, rows)


def insert_claims(env, proto, claims):
    cr = env.cr
    counters = defaultdict(int)
    for claim in claims:
        year = claim["date_reported"].year
        counters[year] += 1
        claim["name"] = f"CLM/{year}/{counters[year]:05d}"
    ids = clone_rows(
        cr,
        "insurance_claim",
        proto,
        [
            {
                key: claim[key]
                for key in (
                    "name",
                    "policy_id",
                    "partner_id",
                    "account_manager_id",
                    "backup_manager_id",
                    "line_id",
                    "stage_id",
                    "user_id",
                    "date_loss",
                    "date_reported",
                    "date_closed",
                    "turnaround_days",
                    "amount_claimed",
                    "amount_reserved",
                    "amount_paid",
                )
            }
            for claim in claims
        ],
    )
    for claim, new_id in zip(claims, ids, strict=True):
        claim["id"] = new_id
    # the claim sequence goes on after the numbers used (one range per year)
    sequence = env.ref(f"{ADDON}.seq_insurance_claim")
    for year, count in counters.items():
        day = date(year, 6, 1)
        ranges = sequence.date_range_ids.filtered(lambda r, d=day: r.date_from <= d <= r.date_to)
        if not ranges:
            ranges = sequence._create_date_range_seq(day)  # pylint: disable=protected-access
        ranges.number_next_actual = count + 1


def run_tier_cron(env, cr):
    """The addon's scheduled action, batch after batch, committed each, until
    its run over the book is done."""
    Partner = env["res.partner"]
    Run = env["insurance.tier.run"]
    batches = 0
    while True:
        Partner._cron_recompute_insurance_tiers()  # pylint: disable=protected-access
        cr.commit()
        batches += 1
        if batches % 20 == 0:
            log(f"  tiers: {batches} batches")
        if Run.search([], limit=1).state == "done":
            return batches


def plan_requests(env, size, rng, clients, claims, policies, people, today):
    """Claims-service requests for every claim, renewal requests for the
    terms due earliest, and underwriting / service / survey requests."""
    Type = env["insurance.service.type"]
    types = {
        code: Type._get_by_code(code)
        for code in (  # pylint: disable=protected-access
            "claim",
            "renewal",
            "underwriting",
            "general",
            "loss_prevention",
            "risk_survey",
        )
    }
    client_by_id = {c["id"]: c for c in clients}
    handlers = people["handlers"].ids
    now = datetime.now().replace(microsecond=0)
    requests = []
    for claim in claims:
        stage = types["claim"]._claim_stage_for(claim["stage"])  # pylint: disable=protected-access
        opened = datetime.combine(claim["date_reported"], dtime(9, 30))
        closed = (
            datetime.combine(claim["date_closed"], dtime(17, 0)) if claim["date_closed"] else None
        )
        requests.append(
            {
                "name": f"Claim {claim['name']}",
                "type": types["claim"],
                "stage": stage,
                "partner_id": claim["partner_id"],
                "policy_id": claim["policy_id"],
                "claim_id": claim["id"],
                "handler_id": claim["user_id"],
                "date_open": opened,
                "date_closed": closed if stage.state != "open" else None,
            }
        )
    budget = size["requests"] - len(claims)
    # the terms due for renewal today, as the scheduled action selects them
    Policy = env["insurance.policy"].with_context(active_test=False)
    due = Policy.search(Policy._renewal_due_domain(today), order="date_end, id")  # pylint: disable=protected-access
    keep = size["renewal_limit"] or 0  # left due for the renewal benchmark
    renew = due[: max(0, min(int(budget * 0.6), len(due) - keep))]
    policy_by_id = {p["id"]: p for p in policies}
    renewal_stages = types["renewal"].stage_ids.filtered(lambda s: s.state == "open").sorted()
    for policy in renew:
        planned = policy_by_id[policy.id]
        lead_days = client_by_id[planned["partner_id"]].get("renewal_lead_days", 60)
        opened = datetime.combine(
            max(today - timedelta(days=30), planned["date_end"] - timedelta(days=lead_days)),
            dtime(2, 0),
        )
        new_premium = round(planned["premium"] * rng.uniform(0.95, 1.2), 2)
        requests.append(
            {
                "name": f"Renewal of {planned['name']}",
                "type": types["renewal"],
                "stage": rng.choice(renewal_stages),
                "partner_id": planned["partner_id"],
                "policy_id": policy.id,
                "renewed_policy_id": policy.id,
                "previous_premium": planned["premium"],
                "new_premium": new_premium,
                "date_deadline": planned["date_end"],
                "date_open": opened,
            }
        )
    renewed_ids = renew.ids
    others = budget - len(renew)
    surveyed = set()
    assigned = [c for c in clients if c["account_manager_id"]]
    for n in range(max(0, others)):
        client = rng.choice(assigned)
        code = rng.choices(
            ["underwriting", "general", "loss_prevention", "risk_survey"], [4, 4, 1, 1]
        )[0]
        service_type = types[code]
        stages = service_type.stage_ids.sorted()
        roll = rng.random()
        open_stages = stages.filtered(lambda s: s.state == "open")
        if roll < 0.85:
            stage = open_stages[0] if roll < 0.7 else open_stages[-1]
        else:
            closing = "won" if roll < 0.95 else "lost"
            stage = stages.filtered(lambda s, closing=closing: s.state == closing)[:1]
        if code == "risk_survey" and stage.state == "open":
            if client["id"] in surveyed:
                stage = stages.filtered(lambda s: s.state == "won")[:1]
            surveyed.add(client["id"])
        opened = now - timedelta(days=rng.randint(0, 90), hours=rng.randint(0, 23))
        closed = None
        if stage.state != "open":
            closed = min(now, opened + timedelta(days=rng.randint(1, 20)))
        requests.append(
            {
                "name": f"{service_type.name} #{n + 1}",
                "type": service_type,
                "stage": stage,
                "partner_id": client["id"],
                "handler_id": rng.choice(handlers) if rng.random() < 0.3 else None,
                "date_open": opened,
                "date_closed": closed,
                "date_deadline": (opened + timedelta(days=rng.randint(5, 30))).date(),
            }
        )
    return requests, renewed_ids


def insert_requests(env, proto, requests, clients):
    """Stored computed columns as the ORM computes them: type_code,
    stage_state, user_id, backup_manager_id, currency_id, tier_id, priority,
    team_id, date_closed, sla_*, premium rise."""
    from odoo.addons.insurance_account_manager.tools import service

    cr = env.cr
    Request = env["insurance.service.request"]
    client_by_id = {c["id"]: c for c in clients}
    tiers = {tier.id: tier for tier in env["insurance.client.tier"].search([])}
    slas = env["insurance.service.sla"].search([])
    sla_rows = [(s.id, s.type_id.id, s.tier_id.id or None, s.sequence) for s in slas]
    sla_hours = {s.id: s.hours for s in slas}
    calendar = env.company.resource_calendar_id
    threshold = Request._premium_rise_threshold()  # pylint: disable=protected-access
    keys = set()
    for request in requests:
        client = client_by_id[request["partner_id"]]
        tier_id = client["insurance_tier_id"]
        sla_id = service.match_sla(sla_rows, request["type"].id, tier_id)
        request["tier_id"], request["sla_id"] = tier_id, sla_id
        if sla_id:
            keys.add((sla_hours[sla_id], request["date_open"]))
    deadlines = Request._sla_plan_deadlines(calendar, keys) if keys else {}  # pylint: disable=protected-access
    now = datetime.now()
    rows = []
    for request in requests:
        client = client_by_id[request["partner_id"]]
        tier = tiers.get(request["tier_id"])
        sla_id = request["sla_id"]
        deadline = deadlines.get((sla_hours[sla_id], request["date_open"])) if sla_id else None
        previous, new = request.get("previous_premium", 0.0), request.get("new_premium", 0.0)
        renewed = request.get("renewed_policy_id")
        rows.append(
            {
                "name": request["name"],
                "company_id": env.company.id,
                "type_id": request["type"].id,
                "type_code": request["type"].code,
                "stage_id": request["stage"].id,
                "stage_state": request["stage"].state,
                "partner_id": request["partner_id"],
                "user_id": client["account_manager_id"],
                "backup_manager_id": client["backup_manager_id"],
                "tier_id": request["tier_id"],
                "priority": service.priority_for_tier(tier.code if tier else None),
                "policy_id": request.get("policy_id"),
                # the policies' currency (copied from the prototype's: the company's)
                "currency_id": env.company.currency_id.id,
                "claim_id": request.get("claim_id"),
                "team_id": request["type"].team_id.id or None,
                "handler_id": request.get("handler_id"),
                "date_open": request["date_open"],
                "date_deadline": request.get("date_deadline"),
                "date_closed": request.get("date_closed"),
                "sla_id": sla_id,
                "sla_deadline": deadline,
                "sla_at_risk_at": service.sla_at_risk_at(request["date_open"], deadline)
                if deadline
                else None,
                "sla_state": service.sla_state(
                    now, request["date_open"], deadline, request.get("date_closed")
                ),
                "sla_escalated": False,
                "renewed_policy_id": renewed,
                "previous_premium": previous or None,
                "new_premium": new or None,
                "premium_rise_percent": service.premium_rise_percent(previous, new),
                "is_premium_rise_flagged": bool(renewed)
                and service.is_premium_rise_flagged(previous, new, threshold),
            }
        )
    ids = clone_rows(cr, "insurance_service_request", proto, rows)
    for request, new_id in zip(requests, ids, strict=True):
        request["id"] = new_id
    return rows


def insert_leads(env, protos, size, rng, clients, people):
    """As many CRM leads as clients: unassigned leads, and opportunities of the
    managers in their sales teams, each of an assigned client (its customer,
    owned by its manager) or of a prospect."""
    from odoo.addons.iap.tools import iap_tools

    stages = env["crm.stage"].search([("is_won", "=", False)], order="sequence, id")
    probability = {stage.id: p for stage, p in zip(stages, (10.0, 30.0, 60.0, 80.0), strict=False)}
    managers = people["managers"]
    team_of = people["team_of"]
    # the clients' language (the prototype client's, en_US), as the lead's
    lang_id = env["res.lang"]._get_data(code=protos["res_partner"]["lang"]).id
    rows_lead, rows_opp = [], []
    for n, client in enumerate(clients):
        email = f"lead{n + 1}@prospect{n + 1}.example.com"
        values = {
            "name": f"Insurance programme: {client['name']}",
            "contact_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "partner_name": client["name"] if client["is_company"] else None,
            "email_from": email,
            "email_normalized": email,
            "email_domain_criterion": iap_tools.mail_prepare_for_domain_search(email),
            "country_id": client["country_id"],
            "state_id": client["state_id"],
            "city": client["city"],
        }
        if n < size["unassigned"]:
            rows_lead.append(values)
            continue
        user = managers[n % len(managers)]
        if client["account_manager_id"]:
            # the client is the customer, as in the addon's book: its manager
            # owns the opportunity; the partner's values as CRM computes them
            user = managers.browse(client["account_manager_id"])
            values.update(
                {
                    "partner_id": client["id"],
                    "commercial_partner_id": client["id"],
                    "contact_name": values["contact_name"]
                    if client["is_company"]
                    else client["name"],
                    "email_from": client["email"],
                    "email_normalized": client["email"],
                    "email_domain_criterion": iap_tools.mail_prepare_for_domain_search(
                        client["email"]
                    ),
                    "lang_id": lang_id,
                }
            )
        stage = rng.choice(stages)
        revenue = round(rng.uniform(2_000, 400_000), 2)
        values.update(
            {
                "user_id": user.id,
                "team_id": team_of[user.id].id,
                "stage_id": stage.id,
                "probability": probability[stage.id],
                "automated_probability": probability[stage.id],
                "expected_revenue": revenue,
                "prorated_revenue": round(revenue * probability[stage.id] / 100.0, 2),
                "priority": rng.choice(["0", "0", "1", "2"]),
            }
        )
        rows_opp.append(values)
    cr = env.cr
    clone_rows(cr, "crm_lead", protos["crm_lead"], rows_lead)
    opp_ids = clone_rows(cr, "crm_lead", protos["crm_lead_opportunity"], rows_opp)
    partner_of = {user.id: user.partner_id.id for user in managers}
    insert_followers(
        env,
        "crm.lead",
        [
            (lead_id, partner_of[row["user_id"]])
            for lead_id, row in zip(opp_ids, rows_opp, strict=True)
        ],
    )
    return len(rows_lead), len(rows_opp)


def insert_needs_analyses(env, rng, share=NEEDS_SHARE):
    """A current needs analysis (without answers) for ``share`` of the clients
    with a manager, dated over the last 18 months (so about a third of them
    expired after the tiers' 12 months), by their manager. Returns how many;
    run.py calls it too on a book generated before."""
    Analysis = env["insurance.needs.analysis"]
    cr = env.cr
    cr.execute(
        """SELECT p.id, p.account_manager_id, t.needs_analysis_interval_months
             FROM res_partner p
             LEFT JOIN insurance_client_tier t ON t.id = p.insurance_tier_id
            WHERE p.is_insurance_client AND p.active AND p.account_manager_id IS NOT NULL
            ORDER BY p.id"""
    )
    clients = cr.fetchall()
    if not clients:
        return 0
    chosen = sorted(rng.sample(clients, max(1, int(len(clients) * share))))
    proto = Analysis.create({"partner_id": chosen[0][0]})
    env.flush_all()
    prototype = table_row(cr, "insurance_needs_analysis", proto.id)
    proto.unlink()
    env.flush_all()
    today = date.today()
    rows = []
    for partner_id, user_id, months in chosen:
        day = today - timedelta(days=rng.randint(0, 540))
        rows.append(
            {
                "partner_id": partner_id,
                "user_id": user_id,
                "date": day,
                "date_expiry": day + relativedelta(months=months) if months else None,
                "is_current": True,
                "expiry_notified": False,
            }
        )
    clone_rows(cr, "insurance_needs_analysis", prototype, rows)
    return len(rows)


# ------------------------------------------------------------
# Check
# ------------------------------------------------------------

# Stored computed fields that depend on the moment they are computed (now),
# or, for a lead's probabilities, on the statistics of the whole pipeline.
CHECK_SKIP = {
    "insurance.service.request": {"sla_state"},
    "crm.lead": {
        "date_open",
        "date_last_stage_update",
        "day_open",
        "day_close",
        "probability",
        "automated_probability",
        "prorated_revenue",
        "recurring_revenue_monthly_prorated",
        "recurring_revenue_prorated",
    },
}


def check(env, sample_size, rng):
    """Recompute ``sample_size`` random records of each model with the ORM and
    compare every stored computed column; returns the differences."""
    cr = env.cr
    problems = []
    for model, domain in (
        ("res.partner", [("is_insurance_client", "=", True)]),
        ("insurance.policy", []),
        ("insurance.claim", []),
        ("insurance.service.request", []),
        ("crm.lead", []),
        ("insurance.manager.assignment", []),
        ("insurance.needs.analysis", []),
    ):
        Model = env[model].with_context(active_test=False)
        ids = Model.search(domain).ids
        records = Model.browse(sorted(rng.sample(ids, min(sample_size, len(ids)))))
        fields = [
            field
            for field in Model._fields.values()
            if field.store
            and field.compute
            and field.column_type
            and field.name not in CHECK_SKIP.get(model, ())
        ]
        names = [field.name for field in fields]
        query = f"SELECT id, {', '.join(names)} FROM {Model._table} WHERE id = ANY(%s)"  # noqa: S608
        cr.execute(query, [records.ids])
        before = {row[0]: row[1:] for row in cr.fetchall()}
        env.invalidate_all()
        for field in fields:
            env.add_to_compute(field, records)
        env.flush_all()
        cr.execute(query, [records.ids])
        after = {row[0]: row[1:] for row in cr.fetchall()}
        for record_id, values in before.items():
            for name, old, new in zip(names, values, after[record_id], strict=True):
                if _differ(old, new):
                    problems.append(f"{model} {record_id} {name}: generated {old!r}, ORM {new!r}")
        print(f"  {model}: {len(records)} records, {len(names)} stored computed fields compared")
    cr.rollback()
    return problems


def _differ(old, new):
    if isinstance(old, Number) or isinstance(new, Number):
        return abs(float(old or 0) - float(new or 0)) > 0.005
    return (old or None) != (new or None)


# ------------------------------------------------------------
# Main
# ------------------------------------------------------------


def main():
    args, _odoo_args = parse_args(__doc__, add_arguments)
    import odoo
    from odoo import SUPERUSER_ID, api

    dbname = odoo.tools.config["db_name"]
    size = PRESETS[args.preset]
    rng = random.Random(args.seed)
    today = date.today()
    log(f"preset {args.preset} into {dbname}: {size}")
    if not args.no_install:
        dropdb(dbname)
        seconds = odoo_install(dbname, f"crm,{ADDON}")
        log(f"installed crm and {ADDON} without demo data ({seconds:.0f} s)")
    reg = registry(dbname)
    with reg.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
        people = create_people(env, size, rng)
        states = env["res.country.state"].search([("country_id.code", "=", "CN")]).ids
        countries = {
            code: env["res.country"].search([("code", "=", code)]).id for code in ["CN", *FOREIGN]
        }
        states_of = create_rules(env, people, states)
        insurers = (
            env["res.partner"]
            .with_context(tracking_disable=True)
            .create([{"name": name, "is_company": True} for name in INSURERS])
            .ids
        )
        lines = {line.code: line.id for line in env["insurance.line"].search([])}
        protos = prototypes(env, people, lines, insurers)
        cr.commit()
        log(
            f"{len(people['managers'])} managers in {len(people['teams'])} teams, rules, prototypes"
        )

        clients = plan_clients(size, rng, people, states_of, countries)
        rows = client_rows(cr, clients)
        partner_of = {user.id: user.partner_id.id for user in people["managers"]}
        policies = plan_policies(size, rng, clients, lines, insurers, today)
        for row, client in zip(rows, clients, strict=True):
            row["annual_premium"] = round(client["annual_premium"], 2)
        clone_rows(cr, "res_partner", protos["res_partner"], rows)
        insert_policies(env, protos["insurance_policy"], policies)
        stages = {
            key: env.ref(f"{ADDON}.insurance_claim_stage_{key}")
            for key in ("notified", "assessment", "settlement", "closed", "rejected")
        }
        claims = plan_claims(size, rng, policies, people["handlers"].ids, stages, today)
        insert_claims(env, protos["insurance_claim"], claims)
        # manager history and followers of the clients
        history = protos["insurance_manager_assignment"]
        clone_rows(
            cr,
            "insurance_manager_assignment",
            history,
            [
                {
                    "partner_id": c["id"],
                    "user_id": c["account_manager_id"],
                    "date_from": today - timedelta(days=rng.randint(30, 1000)),
                    "origin": rng.choice(["rule", "rule", "manual"]),
                }
                for c in clients
                if c["account_manager_id"]
            ],
        )
        insert_followers(
            env,
            "res.partner",
            [
                (c["id"], partner_of[c["account_manager_id"]])
                for c in clients
                if c["account_manager_id"]
            ]
            + [
                (c["id"], partner_of[c["backup_manager_id"]])
                for c in clients
                if c["backup_manager_id"]
            ],
        )
        handler_partner = {u.id: u.partner_id.id for u in people["handlers"]}
        insert_followers(
            env, "insurance.claim", [(c["id"], handler_partner[c["user_id"]]) for c in claims]
        )
        env.invalidate_all()
        cr.commit()
        log(f"{len(clients)} clients, {len(policies)} policies, {len(claims)} claims")

        batches = run_tier_cron(env, cr)
        cr.execute(
            "SELECT p.id, p.insurance_tier_id, t.renewal_lead_days FROM res_partner p"
            " LEFT JOIN insurance_client_tier t ON t.id = p.insurance_tier_id"
            " WHERE p.id = ANY(%s)",
            [[c["id"] for c in clients]],
        )
        for (partner_id, tier_id, lead_days), client in zip(
            sorted(cr.fetchall()), sorted(clients, key=lambda c: c["id"]), strict=True
        ):
            assert partner_id == client["id"]
            client["insurance_tier_id"] = tier_id
            client["renewal_lead_days"] = lead_days or 60
        log(f"tiers by the scheduled action ({batches} batches)")

        requests, renewed_ids = plan_requests(
            env, size, rng, clients, claims, policies, people, today
        )
        insert_requests(env, protos["insurance_service_request"], requests, clients)
        manager_of = {c["id"]: c["account_manager_id"] for c in clients}
        cr.execute(
            "UPDATE insurance_policy SET renewal_state = 'open' WHERE id = ANY(%s)", [renewed_ids]
        )
        insert_followers(
            env,
            "insurance.service.request",
            [
                (r["id"], partner_of[manager_of[r["partner_id"]]])
                for r in requests
                if manager_of[r["partner_id"]]
            ]
            + [
                (r["id"], handler_partner.get(r["handler_id"]))
                for r in requests
                if r.get("handler_id") in handler_partner
            ],
        )
        unassigned_leads, opportunities = insert_leads(env, protos, size, rng, clients, people)
        analyses = insert_needs_analyses(env, rng)
        env.invalidate_all()
        cr.commit()
        log(
            f"{len(requests)} requests ({len(renewed_ids)} renewals), "
            f"{unassigned_leads} unassigned leads, {opportunities} opportunities, "
            f"{analyses} needs analyses"
        )
        Param = env["ir.config_parameter"]
        Param.set_param("insurance_account_manager.auto_assignment", "True")
        Param.set_param(PARAM_PRESET, args.preset)
        Param.set_param(
            PARAM_BOOK,
            repr(
                {
                    "seed": args.seed,
                    "generated_on": today.isoformat(),
                    "clients": len(clients),
                    "policies": len(policies),
                    "claims": len(claims),
                    "requests": len(requests),
                    "managers": len(people["managers"]),
                    "unassigned": size["unassigned"],
                    "leads": unassigned_leads + opportunities,
                    "needs_analyses": analyses,
                }
            ),
        )
        cr.commit()
        cr.execute("ANALYZE")  # planner statistics of the filled tables
        cr.commit()
        if args.check:
            problems = check(env, args.check, random.Random(args.seed + 1))
            if problems:
                print("\n".join(problems[:50]))
                sys.exit(f"--check: {len(problems)} stored computed values differ from the ORM's")
            log(f"--check: {args.check} random records of each model match the ORM")
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
