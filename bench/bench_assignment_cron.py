"""Benchmark: the scheduled assignment of unassigned clients against Odoo CRM's.

Fills one transaction with a book of N unassigned clients (tiers, countries,
languages, one to three policies each in random lines), 200 account managers
with qualifications, backups and capacity, in 10 sales teams, assignment rules
per tier and per team; and, as the baseline, N new CRM leads (with their email
addresses) for the same 200 users as salespersons of those teams.

Then it runs the two scheduled actions as the scheduler does, each call in what
would be its own transaction: ``res.partner._cron_assign_account_managers``
(500 clients per call, called until no client is left) and
``crm.team._cron_assign_leads`` (Odoo 18's lead assignment: teams, then
salespersons), with tracking, followers and history on, and counts what a
commit runs too (the flush and the precommit hooks, where mail posts the
tracking messages). It prints seconds and queries per 1,000 records and the
ratio of the two; absolute seconds depend on the machine, the ratio and the
query counts are what to compare between versions. Nothing is committed: each
size works in one transaction that is rolled back.

Run it against a database where the addon is installed (e.g. the one
scripts/test.sh builds, or a dedicated one):

    source scripts/_env.sh; iam_check_odoo; iam_python
    "$PY" bench/bench_assignment_cron.py -d iam_bench --addons-path="$ADDONS_PATH" \\
        --db_user=odoo --sizes 2000,20000 [--sample 5000] [--crm-size 5000] [--sql-stats]

``--sample`` stops the assignment after that many clients (the book still
holds N), ``--crm-size`` caps the number of leads of the baseline, for long
runs of a slow version; ``--sql-stats`` prints the most frequent statements.
"""

import argparse
import collections
import cProfile
import pstats
import random
import re
import sys
import threading
import time
from datetime import date, timedelta

from _common import assignment_todo

MANAGERS = 200  # DESIGN.md: a mid-size insurer has about 200 account managers
TEAMS = 10
CREATE_CHUNK = 1000
COUNTRY_CODES = ("CN", "US", "FR", "DE", "GB")
LANGS = ("en_US", "en_US", "en_US", "fr_FR", "zh_CN")
# the scheduled action's own batch (res_partner_assignment.ASSIGNMENT_BATCH_SIZE)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000", help="client counts, comma-separated")
    parser.add_argument("--sample", type=int, default=0, help="assign at most this many clients")
    parser.add_argument("--crm-size", type=int, default=0, help="leads of the baseline (default N)")
    parser.add_argument("--no-crm", action="store_true", help="skip the CRM baseline")
    parser.add_argument("--sql-stats", action="store_true", help="print the top statements")
    parser.add_argument("--profile", action="store_true", help="profile the first call (cProfile)")
    parser.add_argument("--explain", action="store_true", help="plan of the batch's search")
    parser.add_argument("--seed", type=int, default=20261125)
    return parser.parse_known_args()


class SqlStats:
    """Counts statements by shape (numbers and literals blanked) while on."""

    def __init__(self, cr):
        self.cr = cr
        self.counter = collections.Counter()
        self.seconds = collections.Counter()
        self.on = False
        self._execute = type(cr).execute
        stats = self

        def execute(cursor, query, params=None, log_exceptions=True):
            if not stats.on:
                return stats._execute(cursor, query, params, log_exceptions)
            code = query.code if hasattr(query, "code") else str(query)
            shape = re.sub(r"\s+", " ", code).strip()
            shape = re.sub(r"\b\d+\b", "N", shape)[:150]
            stats.counter[shape] += 1
            start = time.perf_counter()
            try:
                return stats._execute(cursor, query, params, log_exceptions)
            finally:
                stats.seconds[shape] += time.perf_counter() - start

        self._patched = execute

    def __enter__(self):
        type(self.cr).execute = self._patched
        return self

    def __exit__(self, *exc):
        type(self.cr).execute = self._execute

    def report(self, title, per):
        print(f"  top statements of {title} (count, per record, seconds):")
        for shape, count in self.counter.most_common(40):
            print(f"    {count:>7} {count / per:>7.3f} {self.seconds[shape]:>7.3f}  {shape}")
        print(f"  slowest statements of {title} (count, seconds):")
        for shape, seconds in self.seconds.most_common(12):
            print(f"    {self.counter[shape]:>7} {seconds:>7.3f}  {shape}")
        print(f"  {sum(self.counter.values())} statements, {sum(self.seconds.values()):.3f} s")
        self.counter.clear()
        self.seconds.clear()


def build_managers(env, size, rng):
    """200 account managers in 10 sales teams, qualified for most lines, with
    capacity for the whole book, a backup each, and the CRM quota to take
    their share of N leads."""
    from odoo import Command

    group = env.ref("insurance_account_manager.insurance_group_account_manager")
    salesman = env.ref("sales_team.group_sale_salesman")
    lines = env["insurance.line"].search([])
    countries = env["res.country"].search([("code", "in", COUNTRY_CODES)])
    users = env["res.users"].create(
        [
            {
                "name": f"Bench Manager {n}",
                "login": f"bench_manager_{n}_{size}",
                # room for everyone (weights up to 5): measure the work
                "insurance_capacity": 5 * size,
                "groups_id": [Command.link(group.id), Command.link(salesman.id)],
            }
            for n in range(MANAGERS)
        ]
    )
    for index, user in enumerate(users):
        user.insurance_backup_user_id = users[(index + 1) % MANAGERS]
        if index % 4 == 0:  # a quarter serve some countries only
            user.insurance_country_ids = [Command.set(rng.sample(countries.ids, 3))]
    env["insurance.qualification"].create(
        [
            {
                "user_id": user.id,
                "licence_number": f"B-{size}-{user.id}",
                "line_ids": [Command.set(rng.sample(lines.ids, len(lines) - 1))],
            }
            for user in users
        ]
    )
    # licensed first: Settings require a valid qualification to take clients
    users.write({"is_account_manager": True})
    per_user = -(-size // MANAGERS)
    teams = env["crm.team"].create(
        [
            {
                "name": f"Bench Team {t}",
                "use_leads": True,
                "use_opportunities": True,
                "crm_team_member_ids": [
                    Command.create({"user_id": user.id, "assignment_max": 30 * (per_user + 1)})
                    for user in users[t::TEAMS]
                ],
            }
            for t in range(TEAMS)
        ]
    )
    return users, teams, lines, countries


def build_rules(env, users, teams):
    """The demo rules off; per tier a rule naming every manager (key clients
    least loaded, the others round robin), and a team rule as the fallback."""
    from odoo import Command

    Rule = env["insurance.assignment.rule"]
    Rule.search([]).active = False
    tiers = env["insurance.client.tier"].search([])
    Rule.create(
        [
            {
                "name": f"Bench {tier.name}",
                "sequence": index,
                "tier_ids": [Command.set(tier.ids)],
                "user_ids": [Command.set(users.ids)],
                "strategy": "least_loaded" if index == 0 else "round_robin",
            }
            for index, tier in enumerate(tiers.sorted("sequence"))
        ]
        + [{"name": "Bench fallback", "sequence": 99, "team_id": teams[0].id}]
    )
    return tiers


def build_clients(env, size, tiers, lines, countries, rng):
    """N unassigned clients, created as the import would (no tracking), and
    their policies inserted in SQL (one to three each, lines at random)."""
    from odoo.tools import SQL

    Partner = env["res.partner"].with_context(tracking_disable=True, mail_create_nolog=True)
    client_ids = []
    for start in range(0, size, CREATE_CHUNK):
        client_ids += Partner.create(
            [
                {
                    "name": f"Bench Client {size}-{n}",
                    "is_company": True,
                    "is_insurance_client": True,
                    "insurance_tier_id": rng.choices(tiers.ids, weights=(1, 3, 6))[0],
                    "country_id": rng.choice(countries.ids),
                    "lang": rng.choice(LANGS),
                    "email": f"client{n}@bench.example.com",
                }
                for n in range(start, min(size, start + CREATE_CHUNK))
            ]
        ).ids
    env.flush_all()
    policy_partner, policy_line = [], []
    for partner_id in client_ids:
        for line_id in rng.sample(lines.ids, rng.choice((1, 1, 2, 3))):
            policy_partner.append(partner_id)
            policy_line.append(line_id)
    company = env.company
    start = date.today() - timedelta(days=100)
    env.cr.execute(
        SQL(
            """
            INSERT INTO insurance_policy (
                name, partner_id, line_id, company_id, currency_id, state, active,
                date_start, date_end, premium, sum_insured,
                create_uid, create_date, write_uid, write_date)
            SELECT 'BENCH-' || %(size)s || '-' || v.n, v.partner_id, v.line_id, %(company)s,
                   %(currency)s, 'active', TRUE, %(start)s, %(end)s, 1000 + mod(v.n, 9000),
                   100000, 1, now(), 1, now()
              FROM unnest(%(partners)s::int[], %(lines)s::int[]) WITH ORDINALITY
                   AS v(partner_id, line_id, n)
            """,
            size=size,
            company=company.id,
            currency=company.currency_id.id,
            start=start,
            end=start + timedelta(days=364),
            partners=policy_partner,
            lines=policy_line,
        )
    )
    return env["res.partner"].browse(client_ids), len(policy_partner)


def build_leads(env, size, rng):
    Lead = env["crm.lead"].with_context(tracking_disable=True, mail_create_nolog=True)
    countries = env["res.country"].search([("code", "in", COUNTRY_CODES)])
    ids = []
    for start in range(0, size, CREATE_CHUNK):
        ids += Lead.create(
            [
                {
                    "name": f"Bench Lead {size}-{n}",
                    "type": "lead",
                    "contact_name": f"Contact {n}",
                    "email_from": f"lead{size}x{n}@bench.example.com",
                    "country_id": rng.choice(countries.ids),
                    "team_id": False,
                    "user_id": False,
                }
                for n in range(start, min(size, start + CREATE_CHUNK))
            ]
        ).ids
    env.flush_all()
    return env["crm.lead"].browse(ids)


def commit_work(env):
    """What a commit does before COMMIT: flush, then the precommit hooks
    (tracking messages), then the cache is dropped (the next call of the
    scheduler starts fresh)."""
    env.flush_all()
    env.cr.flush()
    env.invalidate_all()


def run_cron(env, clients, sample, stats, profile=False):
    from odoo.addons.insurance_account_manager.models import res_partner_assignment

    Partner = env["res.partner"]
    cr = env.cr
    todo = len(clients) if not sample else min(sample, len(clients))
    elapsed, queries, calls = 0.0, 0, 0
    processed = 0
    while processed < todo:
        q0, t0 = cr.sql_log_count, time.perf_counter()
        stats.on = True
        profiler = cProfile.Profile() if profile and not calls else None
        if profiler:
            profiler.enable()
        Partner._cron_assign_account_managers()
        commit_work(env)
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        stats.on = False
        elapsed += time.perf_counter() - t0
        queries += cr.sql_log_count - q0
        calls += 1
        processed += res_partner_assignment.ASSIGNMENT_BATCH_SIZE
        if calls > len(clients) // res_partner_assignment.ASSIGNMENT_BATCH_SIZE + 2:
            break
    cr.execute(
        "SELECT count(*) FILTER (WHERE account_manager_id IS NOT NULL), count(*) "
        "FROM res_partner WHERE id = ANY(%s) AND insurance_assignment_checked_on IS NOT NULL",
        [clients.ids],
    )
    assigned, tried = cr.fetchone()
    return elapsed, queries, calls, assigned, tried


def run_crm(env, stats):
    cr = env.cr
    # no intermediate commits (the same transaction is rolled back): what the
    # commits would run is run once at the end
    threading.current_thread().testing = True
    try:
        q0, t0 = cr.sql_log_count, time.perf_counter()
        stats.on = True
        env["crm.team"]._cron_assign_leads()
        commit_work(env)
        stats.on = False
        elapsed = time.perf_counter() - t0
        queries = cr.sql_log_count - q0
    finally:
        threading.current_thread().testing = False
    return elapsed, queries


def explain_batch_search(env):
    """The plan of the scheduled action's batch selection and count."""
    from odoo import fields
    from odoo.tools import SQL

    from odoo.addons.insurance_account_manager.models import res_partner_assignment

    today = fields.Date.context_today(env["res.partner"])
    domain = assignment_todo(today)
    Partner = env["res.partner"]
    size = res_partner_assignment.ASSIGNMENT_BATCH_SIZE
    for title, query in (
        ("batch", Partner._search(domain, limit=size, order="id").select()),
        ("remaining", Partner._search(domain).select(SQL("count(*)"))),
    ):
        env.cr.execute(SQL("EXPLAIN ANALYZE %s", query))
        print(f"  plan of the {title} search:")
        for (line,) in env.cr.fetchall():
            print(f"    {line}")


def check_audit(env, clients):
    """The audit trail of the run: one tracking message, one history row and
    the manager as follower per assigned client."""
    cr = env.cr
    cr.execute(
        """
        SELECT count(DISTINCT p.id),
               count(DISTINCT m.id),
               count(DISTINCT h.id),
               count(DISTINCT f.id)
          FROM res_partner p
          LEFT JOIN mail_message m ON m.model = 'res.partner' AND m.res_id = p.id
               AND EXISTS (SELECT 1 FROM mail_tracking_value v JOIN ir_model_fields f
                           ON f.id = v.field_id WHERE v.mail_message_id = m.id
                           AND f.name = 'account_manager_id')
          LEFT JOIN insurance_manager_assignment h ON h.partner_id = p.id AND h.origin = 'rule'
          LEFT JOIN res_users u ON u.id = p.account_manager_id
          LEFT JOIN mail_followers f ON f.res_model = 'res.partner' AND f.res_id = p.id
               AND f.partner_id = u.partner_id
         WHERE p.id = ANY(%s) AND p.account_manager_id IS NOT NULL
        """,
        [clients.ids],
    )
    return cr.fetchone()


def main():
    args, odoo_args = parse_args()
    import odoo
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(odoo_args)
    registry = Registry(odoo.tools.config["db_name"])
    from odoo.addons.insurance_account_manager.models import res_partner_assignment

    sizes = [int(size) for size in args.sizes.split(",")]
    print(
        f"{'clients':>8} {'assigned':>8} {'s/1000':>8} {'q/client':>9} {'q/call':>8}"
        f" {'leads':>7} {'crm s/1000':>10} {'crm q/lead':>10} {'ratio':>7}"
    )
    for size in sizes:
        rng = random.Random(args.seed)
        with registry.cursor() as cr:
            stats = SqlStats(cr)
            env = api.Environment(cr, SUPERUSER_ID, {})
            params = env["ir.config_parameter"]
            params.set_param(res_partner_assignment.AUTO_ASSIGNMENT_PARAM, "")
            t0 = time.perf_counter()
            quiet = env(context={"tracking_disable": True, "mail_create_nolog": True})
            users, teams, lines, countries = build_managers(quiet, size, rng)
            tiers = build_rules(quiet, users, teams)
            clients, policies = build_clients(quiet, size, tiers, lines, countries, rng)
            clients = clients.with_env(env)
            crm_size = 0 if args.no_crm else (args.crm_size or size)
            if crm_size:
                build_leads(quiet, crm_size, rng)
            params.set_param(res_partner_assignment.AUTO_ASSIGNMENT_PARAM, "True")
            commit_work(env)
            print(
                f"  [{size}: {policies} policies, {crm_size} leads, set up in "
                f"{time.perf_counter() - t0:.0f} s]",
                file=sys.stderr,
            )
            if args.explain:
                explain_batch_search(env)
            with stats:
                elapsed, queries, calls, assigned, tried = run_cron(
                    env, clients, args.sample, stats, args.profile
                )
                if args.sql_stats:
                    stats.report("the assignment", max(tried, 1))
                audit = check_audit(env, clients)
                crm_elapsed = crm_queries = 0
                if crm_size:
                    crm_elapsed, crm_queries = run_crm(env, stats)
                    if args.sql_stats:
                        stats.report("CRM", crm_size)
            per_client = 1000 * elapsed / max(tried, 1)
            crm_per_lead = 1000 * crm_elapsed / crm_size if crm_size else 0
            ratio = f"{per_client / crm_per_lead:>7.3f}" if crm_per_lead else f"{'-':>7}"
            print(
                f"{size:>8} {assigned:>8} {per_client:>8.2f} {queries / max(tried, 1):>9.2f}"
                f" {queries / calls:>8.1f} {crm_size:>7} {crm_per_lead:>10.2f}"
                f" {crm_queries / max(crm_size, 1):>10.2f} {ratio}"
            )
            print(
                f"  [{tried} clients tried in {calls} calls of the scheduled action; audit of"
                f" the assigned: {audit[1]} tracking messages, {audit[2]} history rows,"
                f" {audit[3]} managers following, for {audit[0]} clients]",
                file=sys.stderr,
            )
            cr.rollback()
    return 0


if __name__ == "__main__":
    sys.exit(main())
