"""Run every benchmark on a generated book, each against a baseline measured
in the same run, and print a table and write a JSON file.

    scripts/bench.sh run.py -d iam_bench_small [--only a,b,c,d,e,f,g,h,i,j] [--json out.json]

The database is one bench/generate.py filled (its preset is read from it).

a  assignment: the scheduled action res.partner._cron_assign_account_managers
   (automatic assignment on; tracking, followers and manager history on), batch
   after batch, on the unassigned clients; vs Odoo CRM's
   crm.team._action_assign_leads on as many unassigned leads, to the same
   managers as salespersons of the same sales teams.
b  tier recompute: the scheduled action _cron_recompute_insurance_tiers over
   the whole book (and the first clients of it for --tier-sizes): a first run
   (no client has a tier) and a run where nothing changed; vs one SQL GROUP BY
   of the active premium per client.
c  renewals: insurance.policy._cron_generate_renewals batch after batch; vs
   creating as many crm.lead (opportunities of the same clients and managers).
d  views as an account manager with the book closest to 500 clients: the web
   client's calls for the Clients list (web_search_read), a client's form
   (web_read), the My Pipeline overview (web_search_read of the pipelines'
   cards and their counts), a pipeline's board, Renewals (web_read_group,
   progress bar, web_search_read per open column with cards) and the policy
   pivot (read_group); vs the same views of crm.lead for the same user as
   salesperson (My Pipeline), and CRM's sales teams overview for the overview.
e  install: insurance_account_manager on a database of ``install_partners``
   partners with crm, vs installing crm alone on the same database (own
   databases, <db>_install, dropped afterwards).
f  scorecards: the Compute Scorecards wizard (insurance.scorecard.compute,
   action_compute) as a team lead, for every manager of last month and of
   this quarter; vs one SQL statement of the same kinds of figures per
   manager (clients and premium in force at the start and the end, requests
   closed, SLA breaches, median hours to close).
g  retention risk: the scheduled action _cron_compute_retention_risk, batch
   after batch, over the whole book; vs one SQL statement grouping its inputs
   per client (claims cost, SLA breaches, premium rise, lines lost, last
   contact).
h  needs analyses and reports: the expiry scheduled action
   insurance.needs.analysis._cron_notify_expired batch after batch (vs one SQL
   GROUP BY of the expired analyses per manager); the Book report's pivot
   (read_group x 4) as an account manager and as a team lead (vs one SQL
   GROUP BY GROUPING SETS of the same rows under the same rule).
i  bulk import of policies: ``import_policies`` active policies for clients
   of a team lead's team, loaded as the web client's import does
   (insurance.policy.load, 2,000 rows a request, each committed) as that
   team lead, a tenth of them large risks, Automatic Client Tiering on, so
   each batch gives its clients their tier (res.partner._insurance_book_changed);
   vs importing as many crm.lead (opportunities of the same clients) the same
   way as the same user.
j  competitor views, as an account manager and as a team lead: the
   Competitor Targets list as its menu opens it (To Win: web_search_read of
   80 rows with the count, then grouped by competitor, web_read_group) and
   the Business Lost pivot (read_group x 4, competitor x line); vs one SQL
   GROUP BY of the same rows under the same rule. A book generated without
   them gets, for the run, lines held with competitors in half the current
   needs analyses and a fifth of the opportunities and open renewals lost
   to a competitor.

How commits are measured: every benchmark works in one transaction that is
rolled back at the end, so the book stays as generated and every run and
rerun works on the same data. Where the real code commits (the scheduler
after each batch of a scheduled action, CRM's assignment after every 100
leads), ``cr.commit`` is replaced for the run by what ``Cursor.commit`` does
before and after the SQL COMMIT: ``Cursor.flush()`` (the ORM flush and the
precommit hooks, which write the tracking values and the followers) and
``Cursor.clear()`` (a new transaction starts with empty caches). So the
commit-time work is inside every measurement; the SQL COMMIT itself (a WAL
flush, milliseconds) is not. Query counts are the cursor's ``sql_log_count``.
"""

# cr.commit() is the measured commit-time work (see transaction()), or the
# set-up of the install benchmark's own database.
# pylint: disable=invalid-commit
import json
import os
import platform
import random
import sys
import time
from contextlib import contextmanager, suppress
from datetime import datetime, timedelta
from functools import partial
from xml.etree import ElementTree

from _common import (
    PARAM_BOOK,
    PARAM_PRESET,
    PRESETS,
    assignment_todo,
    clone_rows,
    dropdb,
    odoo_install,
    parse_args,
    registry,
    reserve_ids,
    table_row,
)

ADDON = "insurance_account_manager"
ALL = "abcdefghij"
VIEW_CONTEXT = {"lang": "en_US", "tz": "Asia/Shanghai", "bin_size": True}
TARGETS = {
    "a": "<= 0.1x CRM per record; queries per batch constant",
    "b.first": "cost per 1,000 flat from 20k to 100k",
    "b.same": "touches no row; <= 20x the SQL",
    "c": "<= 2 s per 1,000",
    "d": "<= 1.2x CRM, no more queries",
    "e": "< 60 s",
    "f": "constant queries per period; reported against one SQL statement",
    "g": "queries per batch constant; reported against one SQL statement",
    "h.expiry": "queries per batch constant; reported against one SQL GROUP BY",
    "h.book_am": "<= 1.2x the SQL GROUP BY under the same rule",
    "h.book_tl": "<= 1.2x the SQL GROUP BY under the same rule",
    "i": "<= 20x the crm.lead import per record; no query per policy but the import's own",
    "j": "<= 20x one SQL GROUP BY of the same rows under the same rule",
}


def add_arguments(parser):
    parser.add_argument(
        "--only", default=ALL, help="benchmarks to run, e.g. a,b (default: all of abcdefghij)"
    )
    parser.add_argument("--json", default=None, help="write the results to this file")
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default=None,
        help="limits to use (default: the preset the database was generated with)",
    )


# ------------------------------------------------------------
# Measuring
# ------------------------------------------------------------


def _commit_work(cr):
    """What Cursor.commit runs around the SQL COMMIT, without it."""
    cr.flush()  # ORM flush + precommit hooks (tracking values, followers)
    cr.clear()  # new transaction: empty caches, no pending precommit
    cr.prerollback.clear()
    cr.postrollback.clear()
    cr.postcommit.clear()


@contextmanager
def transaction(reg):
    """A cursor whose ``commit`` does the commit-time work without
    committing, rolled back at the end (see the module docstring)."""
    with reg.cursor() as cr:
        cr.commit = lambda: _commit_work(cr)
        try:
            yield cr
        finally:
            del cr.commit
            cr.rollback()


def timed(cr, function):
    """(seconds, queries, result) of ``function()`` followed by a commit."""
    queries = cr.sql_log_count
    start = time.perf_counter()
    result = function()
    cr.commit()
    return time.perf_counter() - start, cr.sql_log_count - queries, result


def _run_batches(cr, function, wanted=None, remaining=None, count=None, until=None):
    """Run a scheduled action as the scheduler does, batch after batch: each
    call of ``function`` (one batch) followed by the commit, timed and its
    queries counted. How many records a call did is what ``remaining()``
    (the records left to do) lost over the call, or ``count(result)``. Stops
    when ``wanted`` records are done, after a call that did none (not
    listed), or when ``until()`` says so. Returns one
    ``(records, seconds, queries, result)`` per batch."""
    batches, done = [], 0
    left = remaining() if remaining else None
    while wanted is None or done < wanted:
        cr.commit()
        seconds, queries, result = timed(cr, function)
        if remaining:
            before, left = left, remaining()
            processed = before - left
        else:
            processed = count(result)
        if not processed:
            break
        done += processed
        batches.append((processed, seconds, queries, result))
        if until and until():
            break
    return batches


def _totals(batches):
    """(records, seconds, queries) of the batches of ``_run_batches``."""
    return tuple(sum(b[i] for b in batches) for i in range(3))


def row(
    key,
    what,
    records,
    seconds,
    queries,
    base_what,
    base_records,
    base_seconds,
    base_queries,
    per_record=True,
    **details,
):
    """One result: measured, baseline, their ratio (per record when
    ``per_record``) and the figures per 1,000 records."""
    per = (lambda value, count: 1000 * value / count if count else None) if per_record else None
    ratio = None
    if seconds and base_seconds:
        ratio = (
            (seconds / records) / (base_seconds / base_records)
            if per_record
            else seconds / base_seconds
        )
    return {
        "id": key,
        "what": what,
        "records": records,
        "seconds": seconds,
        "queries": queries,
        "baseline": {
            "what": base_what,
            "records": base_records,
            "seconds": base_seconds,
            "queries": base_queries,
        },
        "ratio": ratio,
        "per_1000": {
            "seconds": per(seconds, records),
            "queries": per(queries, records) if queries is not None else None,
            "baseline_seconds": per(base_seconds, base_records),
            "baseline_queries": per(base_queries, base_records)
            if base_queries is not None
            else None,
        }
        if per
        else None,
        "target": TARGETS.get(key) or TARGETS.get(key.split(".")[0]),
        "details": details,
    }


def superuser_env(cr, context=None):
    from odoo import SUPERUSER_ID, api

    return api.Environment(cr, SUPERUSER_ID, dict(context or {}))


def user_env(cr, user):
    """An environment as the web client's requests of ``user`` have."""
    from odoo import api

    return api.Environment(
        cr,
        user.id,
        {**VIEW_CONTEXT, "uid": user.id, "allowed_company_ids": user.company_id.ids},
    )


def typical_manager(env):
    """(the account manager whose book is closest to 500 clients, its size)."""
    counts = env["res.partner"]._read_group(
        [("is_insurance_client", "=", True), ("account_manager_id", "!=", False)],
        ["account_manager_id"],
        ["__count"],
    )
    return min(counts, key=lambda pair: abs(pair[1] - 500))


def first_team_lead(env):
    """The leader of the first sales team that has one."""
    return env["crm.team"].search([("user_id", "!=", False)], order="id", limit=1).user_id


# ------------------------------------------------------------
# a. Assignment
# ------------------------------------------------------------


def bench_assignment(reg, limits):
    from odoo import fields

    from odoo.addons.insurance_account_manager.models.res_partner_assignment import (
        AUTO_ASSIGNMENT_PARAM,
    )

    with transaction(reg) as cr:
        env = superuser_env(cr)
        env["ir.config_parameter"].set_param(AUTO_ASSIGNMENT_PARAM, "True")
        Partner = env["res.partner"]
        today = fields.Date.context_today(Partner)
        todo = assignment_todo(today)
        unassigned = [("is_insurance_client", "=", True), ("account_manager_id", "=", False)]
        total = Partner.search_count(todo)
        wanted = min(total, limits["assign_limit"] or total)
        before_unassigned = Partner.search_count(unassigned)
        batches = _run_batches(
            cr,
            Partner._cron_assign_account_managers,
            wanted=wanted,
            remaining=lambda: Partner.search_count(todo),
        )
        assigned = before_unassigned - Partner.search_count(unassigned)
        done, seconds, queries = _totals(batches)
    with transaction(reg) as cr:
        env = superuser_env(cr)
        Lead = env["crm.lead"]
        waiting = Lead.search([("team_id", "=", False), ("user_id", "=", False)], order="id")
        if len(waiting) > done:  # as many leads as clients
            cr.execute(
                "UPDATE crm_lead SET active = FALSE WHERE id = ANY(%s)", [waiting[done:].ids]
            )
        teams = env["crm.team"].search([("crm_team_member_ids", "!=", False)])
        random.seed(20261125)  # CRM picks a team for each lead at random
        cr.commit()
        base_seconds, base_queries, (_teams_data, members_data) = timed(
            cr, lambda: teams._action_assign_leads(force_quota=True, creation_delta_days=0)
        )
        leads_assigned = sum(len(data["assigned"]) for data in members_data.values())
    return [
        row(
            "a",
            "assignment cron, unassigned clients to managers",
            done,
            seconds,
            queries,
            "crm.team._action_assign_leads",
            min(done, len(waiting)),
            base_seconds,
            base_queries,
            assigned=assigned,
            batches=len(batches),
            queries_per_batch=[b[2] for b in batches],
            seconds_per_batch=[round(b[1], 3) for b in batches],
            queries_per_client=queries / done if done else None,
            baseline_leads_assigned=leads_assigned,
            baseline_queries_per_lead=base_queries / max(1, min(done, len(waiting))),
        )
    ]


# ------------------------------------------------------------
# b. Tier recompute
# ------------------------------------------------------------


def _tier_run(cr, Partner, last_id):
    """A new run of the tier cron, called until it has looked at the clients
    up to ``last_id``; per-batch (clients, s, q)."""
    Run = Partner.env["insurance.tier.run"]
    cr.execute("DELETE FROM insurance_tier_run")
    Partner.env.invalidate_all()
    checked = [0]  # clients looked at by the batches before

    def count(_result):
        before, checked[0] = checked[0], Run.search([], limit=1).checked
        return checked[0] - before

    def finished():
        run = Run.search([], limit=1)
        return run.state == "done" or run.last_partner_id >= last_id

    return _run_batches(cr, Partner._cron_recompute_insurance_tiers, count=count, until=finished)


def _rows_written(cr):
    """{table: rows inserted, updated or deleted so far by this transaction}."""
    cr.execute(
        "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        " WHERE n_tup_ins + n_tup_upd + n_tup_del > 0"
    )
    return dict(cr.fetchall())


def bench_tiers(reg, limits):
    rows = []
    for size in limits["tier_sizes"] or (None,):
        with transaction(reg) as cr:
            env = superuser_env(cr)
            Partner = env["res.partner"]
            ids = Partner.search([("is_insurance_client", "=", True)], order="id", limit=size).ids
            # first run: the clients of the size have no tier yet (the run stops
            # after the last of them)
            env.flush_all()
            cr.execute("UPDATE res_partner SET insurance_tier_id = NULL WHERE id = ANY(%s)", [ids])
            env.invalidate_all()
            first = _tier_run(cr, Partner, max(ids))
            written = _rows_written(cr)
            same = _tier_run(cr, Partner, max(ids))
            written = {
                table: count - written.get(table, 0)
                for table, count in _rows_written(cr).items()
                if count != written.get(table, 0)
            }
            # baseline: one GROUP BY of the active premium per client
            query = (
                "SELECT partner_id, sum(premium) FROM insurance_policy"
                " WHERE state = 'active' AND active AND partner_id <= %s GROUP BY partner_id"
            )
            base = []
            for _attempt in range(3):
                start = time.perf_counter()
                cr.execute(query, [max(ids)])
                cr.fetchall()
                base.append(time.perf_counter() - start)
            base_seconds = min(base)
        label = f"{len(ids) // 1000}k" if len(ids) >= 1000 else str(len(ids))
        for key, what, batches, extra in (
            ("b.first", f"tier cron, first tiers, {label} clients", first, {}),
            (
                "b.same",
                f"tier cron, nothing changed, {label} clients",
                same,
                {"rows_written": sum(written.values()), "rows_written_by_table": written},
            ),
        ):
            clients, seconds, queries = _totals(batches)
            tenth = max(1, len(batches) // 10)
            head, tail = batches[:tenth], batches[-tenth:]
            rows.append(
                row(
                    key,
                    what,
                    clients,
                    seconds,
                    queries,
                    "SQL GROUP BY premium per client",
                    len(ids),
                    base_seconds,
                    1,
                    book=len(ids),
                    batches=len(batches),
                    queries_per_batch=sorted({b[2] for b in batches}),
                    first_tenth_s_per_1000=1000
                    * sum(b[1] for b in head)
                    / max(1, sum(b[0] for b in head)),
                    last_tenth_s_per_1000=1000
                    * sum(b[1] for b in tail)
                    / max(1, sum(b[0] for b in tail)),
                    **extra,
                )
            )
    return rows


# ------------------------------------------------------------
# c. Renewals
# ------------------------------------------------------------


def bench_renewals(reg, limits):
    from odoo import fields

    with transaction(reg) as cr:
        env = superuser_env(cr)
        Policy = env["insurance.policy"].with_context(active_test=False)
        domain = Policy._renewal_due_domain(fields.Date.context_today(Policy))  # pylint: disable=protected-access
        due = Policy.search_count(domain)
        wanted = min(due, limits["renewal_limit"] or due)
        batches = _run_batches(
            cr, env["insurance.policy"]._cron_generate_renewals, wanted=wanted, count=len
        )
        renewed = Policy.union(*(b[3] for b in batches))
        done = sum(b[0] for b in batches)
        pairs = [
            (policy.partner_id.id, policy.partner_id.account_manager_id.id) for policy in renewed
        ]
    with transaction(reg) as cr:
        env = superuser_env(cr)
        teams = {
            member.user_id.id: member.crm_team_id.id for member in env["crm.team.member"].search([])
        }
        Lead = env["crm.lead"]
        cr.commit()
        base_seconds = base_queries = 0
        for start in range(0, len(pairs), 500):
            vals = [
                {
                    "name": f"Renewal opportunity {start + n}",
                    "type": "opportunity",
                    "partner_id": partner_id,
                    "user_id": user_id or False,
                    "team_id": teams.get(user_id, False),
                    "expected_revenue": 10000,
                }
                for n, (partner_id, user_id) in enumerate(pairs[start : start + 500])
            ]
            seconds, queries, _leads = timed(cr, lambda vals=vals: Lead.create(vals))
            base_seconds += seconds
            base_queries += queries
    return [
        row(
            "c",
            "renewal cron, renewal requests",
            done,
            sum(b[1] for b in batches),
            sum(b[2] for b in batches),
            "crm.lead create, same clients and managers",
            len(pairs),
            base_seconds,
            base_queries,
            due=due,
            batches=len(batches),
            queries_per_batch=[b[2] for b in batches],
        )
    ]


# ------------------------------------------------------------
# d. Views
# ------------------------------------------------------------


def spec_from_arch(arch, fields):
    """The specification the web client sends for a view: every field of the
    arch, many2one with its display name (none for a field always invisible,
    as the web client's getFieldsSpec: the fields a modifier uses, which
    get_views adds with invisible="True"), x2many with the fields of their
    sub-view (or their display name)."""

    def spec_of(node, fields_info):
        spec = {"display_name": {}} if "display_name" in fields_info else {}
        for child in node.iter("field"):
            if child is node:
                continue
            name = child.get("name")
            info = fields_info.get(name)
            if not info:
                continue
            if info["type"] == "many2one":
                # a display name if any occurrence of the field is visible
                if child.get("invisible") not in ("True", "1"):
                    spec[name] = {"fields": {"display_name": {}}}
                else:
                    spec.setdefault(name, {"fields": {}})
                continue
            if name in spec and spec[name]:
                continue
            if info["type"] in ("reference", "many2one_reference"):
                spec[name] = {}
            elif info["type"] in ("one2many", "many2many"):
                sub = [n for n in child.iter("field") if n is not child]
                if sub:
                    subfields = {n.get("name"): {} for n in sub}
                    spec[name] = {"fields": subfields, "limit": 40}
                else:
                    spec[name] = {"fields": {"display_name": {}}}
            else:
                spec[name] = {}
        return spec

    root = ElementTree.fromstring(arch)
    # fields of x2many sub-views belong to their parent field
    for parent in list(root.iter("field")):
        for child in list(parent):
            if child.tag not in ("field",):
                for sub in child.iter("field"):
                    sub.set("__sub", "1")
    top = ElementTree.Element("view")
    for node in root.iter("field"):
        if not node.get("__sub"):
            top.append(node)
    return spec_of(top, fields)


def _view(env, model, xmlid, view_type):
    view = env.ref(xmlid)
    result = env[model].get_views([(view.id, view_type), (False, "search")], {"toolbar": True})
    fields = result["models"][model]["fields"]
    return spec_from_arch(result["views"][view_type]["arch"], fields)


def _best_of(env, cr, function, repeat=3):
    """Warm once (registry caches, as in a running server), then the fastest
    of ``repeat`` calls, each on empty record caches as a new request."""
    function()
    best = None
    for _attempt in range(repeat):
        env.invalidate_all()
        queries = cr.sql_log_count
        start = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - start
        queries = cr.sql_log_count - queries
        if best is None or seconds < best[0]:
            best = (seconds, queries, result)
    return best


def _kanban(Model, domain, spec, progress_field, colors):
    """A grouped kanban as the web client loads it: the columns
    (web_read_group), the progress bars, then the cards of each column that
    is open and not empty (at most 10 open columns; the column without a
    stage folded)."""
    groups = Model.web_read_group(domain, ["stage_id"], ["stage_id"], lazy=True)
    Model.read_progress_bar(domain, "stage_id", {"field": progress_field, "colors": colors})
    opened = [
        group
        for group in groups["groups"]
        if not group.get("__fold") and group.get("stage_id") and group["stage_id_count"]
    ][:10]
    for group in opened:
        Model.web_search_read(group["__domain"], spec, limit=40, count_limit=10001)
    return groups


def _pivot(Model, domain, measures, row_groupby, col_groupby):
    """A pivot as the web client loads it: the total, the rows, the columns
    and the cells (read_group x 4)."""
    return [
        Model.read_group(domain, [*measures, "__count"], groupby, lazy=False)
        for groupby in ([], [row_groupby], [col_groupby], [row_groupby, col_groupby])
    ]


def _customers_for_opportunities(cr, user_id):
    """Books generated before the opportunities had customers: give the
    user's opportunities their clients as customers for this run (rolled
    back), as the generator does now; returns how many were given one."""
    cr.execute(
        "SELECT 1 FROM crm_lead WHERE type = 'opportunity' AND partner_id IS NOT NULL LIMIT 1"
    )
    if cr.fetchone():  # generated with customers
        return 0
    cr.execute(
        """
        WITH opp AS (
            SELECT id, row_number() OVER (ORDER BY id) AS n FROM crm_lead
             WHERE user_id = %(user)s AND type = 'opportunity' AND partner_id IS NULL),
             client AS (
            SELECT id, row_number() OVER (ORDER BY id) AS n FROM res_partner
             WHERE account_manager_id = %(user)s AND is_insurance_client)
        UPDATE crm_lead l SET partner_id = c.id, commercial_partner_id = c.id
          FROM opp JOIN client c ON c.n = opp.n
         WHERE l.id = opp.id
        """,
        {"user": user_id},
    )
    return cr.rowcount


def bench_views(reg, limits):

    with transaction(reg) as cr:
        env = superuser_env(cr)
        user, clients = typical_manager(env)
        customers_given = _customers_for_opportunities(cr, user.id)
        env.invalidate_all()
        cr.commit()
        uenv = user_env(cr, user)
        Partner, Policy, Lead = uenv["res.partner"], uenv["insurance.policy"], uenv["crm.lead"]
        Type, Team = uenv["insurance.service.type"], uenv["crm.team"]
        renewal = env.ref(f"{ADDON}.insurance_service_type_renewal")
        # a pipeline's board, as action_open_pipeline opens it: its stages
        # (default_type_id), the user's open requests
        board_action = Type.browse(renewal.id).action_open_pipeline()
        Board = uenv["insurance.service.request"].with_context(default_type_id=renewal.id)
        board = [*board_action["domain"], ("user_id", "=", user.id), ("stage_state", "=", "open")]
        opportunities = [("type", "=", "opportunity"), ("user_id", "=", user.id)]
        leads = Lead.search_count(opportunities)
        with_customer = Lead.search_count([*opportunities, ("partner_id", "!=", False)])
        list_spec = _view(
            uenv, "res.partner", f"{ADDON}.res_partner_view_list_insurance_client", "list"
        )
        form_spec = _view(uenv, "res.partner", "base.view_partner_form", "form")
        kanban_spec = _view(
            uenv,
            "insurance.service.request",
            f"{ADDON}.insurance_service_request_view_kanban",
            "kanban",
        )
        overview_spec = _view(
            uenv,
            "insurance.service.type",
            f"{ADDON}.insurance_service_type_view_kanban_dashboard",
            "kanban",
        )
        lead_list_spec = _view(uenv, "crm.lead", "crm.crm_case_tree_view_oppor", "list")
        lead_form_spec = _view(uenv, "crm.lead", "crm.crm_lead_view_form", "form")
        lead_kanban_spec = _view(uenv, "crm.lead", "crm.crm_case_kanban_view_leads", "kanban")
        team_spec = _view(uenv, "crm.team", "sales_team.crm_team_view_kanban_dashboard", "kanban")
        client_domain = [("is_insurance_client", "=", True)]
        first_client = Partner.search(client_domain, limit=1)
        first_lead = Lead.search(opportunities, limit=1)
        in_force = [("state", "=", "active")]
        board_columns = Board.web_read_group(board, ["stage_id"], ["stage_id"])["groups"]
        cards = Board.search_count(board)

        cases = [
            (
                "d.list",
                "Clients list (web_search_read, 80 rows)",
                lambda: Partner.web_search_read(
                    client_domain, list_spec, limit=80, count_limit=10001
                ),
                "crm.lead My Pipeline list",
                lambda: Lead.web_search_read(
                    opportunities, lead_list_spec, limit=80, count_limit=10001
                ),
            ),
            (
                "d.form",
                "client form (web_read)",
                lambda: Partner.browse(first_client.ids).web_read(form_spec),
                "crm.lead form",
                lambda: Lead.browse(first_lead.ids).web_read(lead_form_spec),
            ),
            (
                "d.overview",
                "My Pipeline overview (pipeline cards and counts)",
                lambda: Type.web_search_read([], overview_spec, limit=40, count_limit=10001),
                "crm.team overview (sales team cards)",
                lambda: Team.web_search_read([], team_spec, limit=40, count_limit=10001),
            ),
            (
                "d.kanban",
                "Renewals board (web_read_group + columns)",
                lambda: _kanban(
                    Board,
                    board,
                    kanban_spec,
                    "sla_state",
                    {"on_track": "success", "at_risk": "warning", "breached": "danger"},
                ),
                "crm.lead My Pipeline kanban",
                lambda: _kanban(
                    Lead,
                    opportunities,
                    lead_kanban_spec,
                    "activity_state",
                    {"planned": "success", "today": "warning", "overdue": "danger"},
                ),
            ),
            (
                "d.pivot",
                "policy pivot, in force (read_group)",
                lambda: _pivot(Policy, in_force, ["premium:sum"], "account_manager_id", "line_id"),
                "crm.lead pivot",
                lambda: _pivot(
                    Lead,
                    opportunities,
                    ["expected_revenue:sum"],
                    "create_date:month",
                    "stage_id",
                ),
            ),
        ]
        rows = []
        for key, what, call, base_what, base_call in cases:
            seconds, queries, _result = _best_of(uenv, cr, call)
            base_seconds, base_queries, _result = _best_of(uenv, cr, base_call)
            details = {"user": user.login}
            if key == "d.kanban":
                details.update(
                    columns=len(board_columns),
                    columns_with_cards=sum(1 for g in board_columns if g["stage_id_count"]),
                    cards=cards,
                )
            if key in ("d.form", "d.kanban", "d.list"):
                details.update(
                    opportunities_with_customer=with_customer,
                    customers_given_for_the_run=customers_given,
                )
            rows.append(
                row(
                    key,
                    what,
                    clients,
                    seconds,
                    queries,
                    base_what,
                    leads,
                    base_seconds,
                    base_queries,
                    per_record=False,
                    **details,
                )
            )
    return rows


# ------------------------------------------------------------
# e. Install
# ------------------------------------------------------------


def bench_install(reg, limits, dbname):
    from odoo import SUPERUSER_ID, api

    target = f"{dbname}_install"
    count = limits["install_partners"]
    dropdb(target)
    odoo_install(target, "base")
    install_reg = registry(target)
    with install_reg.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        proto = env["res.partner"].create(
            {"name": "Prototype", "email": "p@example.com", "is_company": True}
        )
        env.flush_all()
        prototype = table_row(cr, "res_partner", proto.id)
        proto.unlink()
        clone_rows(
            cr,
            "res_partner",
            prototype,
            [
                {
                    "id": new_id,
                    "commercial_partner_id": new_id,
                    "name": f"Partner {n}",
                    "complete_name": f"Partner {n}",
                    "commercial_company_name": f"Partner {n}",
                    "email": f"partner{n}@example.com",
                    "email_normalized": f"partner{n}@example.com",
                }
                for n, new_id in enumerate(reserve_ids(cr, "res_partner", count))
            ],
        )
        cr.commit()
    from odoo.modules.registry import Registry
    from odoo.sql_db import close_db

    Registry.delete(target)
    close_db(target)
    crm_seconds = odoo_install(target, "crm")
    addon_seconds = odoo_install(target, ADDON)
    dropdb(target)
    return [
        row(
            "e",
            f"install {ADDON} ({count} partners)",
            count,
            addon_seconds,
            None,
            "install crm alone, same database",
            count,
            crm_seconds,
            None,
            per_record=False,
        )
    ]


# ------------------------------------------------------------
# f. Scorecards
# ------------------------------------------------------------

SCORECARD_SQL = """
WITH pol AS (
    SELECT p.account_manager_id AS user_id,
           count(DISTINCT pol.partner_id)
               FILTER (WHERE pol.date_start <= %(start)s AND pol.date_end >= %(start)s),
           count(DISTINCT pol.partner_id)
               FILTER (WHERE pol.date_start <= %(end)s AND pol.date_end >= %(end)s),
           sum(pol.premium)
               FILTER (WHERE pol.date_start <= %(start)s AND pol.date_end >= %(start)s)
               AS premium_start,
           sum(pol.premium)
               FILTER (WHERE pol.date_start <= %(end)s AND pol.date_end >= %(end)s)
               AS premium_end
      FROM insurance_policy pol JOIN res_partner p ON p.id = pol.partner_id
     WHERE pol.active AND pol.state IN ('active', 'expired')
       AND p.account_manager_id IS NOT NULL
     GROUP BY p.account_manager_id),
req AS (
    SELECT user_id, count(*) AS closed,
           count(*) FILTER (WHERE sla_state = 'breached') AS breaches,
           percentile_cont(0.5) WITHIN GROUP
               (ORDER BY extract(epoch FROM date_closed - date_open) / 3600) AS hours
      FROM insurance_service_request
     WHERE date_closed >= %(start)s AND date_closed < %(end)s + 1 AND user_id IS NOT NULL
     GROUP BY user_id)
SELECT * FROM pol FULL JOIN req USING (user_id)
"""


def _sql_best_of(cr, query, params, repeat=3):
    """The fastest of ``repeat`` runs of one SQL statement, and its rows."""
    best, rows = None, None
    for _attempt in range(repeat):
        start = time.perf_counter()
        cr.execute(query, params)
        rows = cr.fetchall()
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
    return best, rows


def bench_scorecards(reg, limits):
    from odoo import fields

    from odoo.addons.insurance_account_manager.tools import scorecard

    rows = []
    with transaction(reg) as cr:
        env = superuser_env(cr)
        lead = first_team_lead(env)
        uenv = user_env(cr, lead)
        today = fields.Date.context_today(env["insurance.scorecard"])
        last_month = today.replace(day=1) - timedelta(days=1)
        for period_type, day in (("month", last_month), ("quarter", today)):
            Wizard = uenv["insurance.scorecard.compute"]
            seconds, queries, action = timed(
                cr,
                lambda period_type=period_type, day=day, Wizard=Wizard: Wizard.create(
                    {"period_type": period_type, "date": day}
                ).action_compute(),
            )
            cards = env["insurance.scorecard"].browse(action["domain"][0][2])
            date_from, date_to = scorecard.period_bounds(period_type, day)
            base_seconds, base_rows = _sql_best_of(
                cr, SCORECARD_SQL, {"start": date_from, "end": date_to}
            )
            rows.append(
                row(
                    f"f.{period_type}",
                    f"Compute Scorecards, a {period_type}, as a team lead",
                    len(cards),
                    seconds,
                    queries,
                    "one SQL statement, figures per manager",
                    len(base_rows),
                    base_seconds,
                    1,
                    user=lead.login,
                    period=f"{date_from} to {date_to}",
                    scored=sum(1 for card in cards if card.has_score),
                )
            )
    return rows


# ------------------------------------------------------------
# g. Retention risk
# ------------------------------------------------------------

RISK_SQL = """
SELECT p.id, p.annual_premium, c.cost, r.breaches, r.rise, l.lost, m.last_contact
  FROM res_partner p
  LEFT JOIN (SELECT partner_id, sum(coalesce(amount_paid, 0) + coalesce(amount_reserved, 0))
                    AS cost
               FROM insurance_claim WHERE date_loss >= %(since)s GROUP BY partner_id) c
         ON c.partner_id = p.id
  LEFT JOIN (SELECT partner_id, count(*) FILTER (WHERE sla_state = 'breached') AS breaches,
                    max(premium_rise_percent) FILTER (WHERE type_code = 'renewal') AS rise
               FROM insurance_service_request WHERE create_date >= %(since)s
              GROUP BY partner_id) r
         ON r.partner_id = p.id
  LEFT JOIN (SELECT partner_id, count(DISTINCT line_id) AS lost
               FROM insurance_policy
              WHERE renewal_state = 'not_renewed' AND date_end >= %(since)s
              GROUP BY partner_id) l
         ON l.partner_id = p.id
  LEFT JOIN (SELECT res_id, author_id, max(date) AS last_contact
               FROM mail_message
              WHERE model = 'res.partner'
                AND (message_type IN ('comment', 'email') OR mail_activity_type_id IS NOT NULL)
              GROUP BY res_id, author_id) m
         ON m.res_id = p.id AND m.author_id = (SELECT partner_id FROM res_users
                                                 WHERE id = p.account_manager_id)
 WHERE p.is_insurance_client AND p.active
"""


def bench_retention(reg, limits):
    from odoo import fields

    with transaction(reg) as cr:
        env = superuser_env(cr)
        Partner = env["res.partner"]
        today = fields.Date.context_today(Partner)
        todo = [
            ("is_insurance_client", "=", True),
            "|",
            ("insurance_risk_checked_on", "=", False),
            ("insurance_risk_checked_on", "<", today),
        ]
        # the whole book is to score (none scored today)
        env.flush_all()
        cr.execute("UPDATE res_partner SET insurance_risk_checked_on = NULL")
        env.invalidate_all()
        wanted = Partner.search_count(todo)
        if limits.get("risk_limit"):
            wanted = min(wanted, limits["risk_limit"])
        cr.execute("SELECT count(*) FROM mail_activity")
        activities_before = cr.fetchone()[0]
        batches = _run_batches(
            cr,
            Partner._cron_compute_retention_risk,
            wanted=wanted,
            remaining=lambda: Partner.search_count(todo),
        )
        done, seconds, queries = _totals(batches)
        cr.execute("SELECT count(*) FROM mail_activity")
        activities = cr.fetchone()[0] - activities_before
        cr.execute("SELECT count(*) FROM res_partner WHERE insurance_risk_flagged")
        flagged = cr.fetchone()[0]
        base_seconds, base_rows = _sql_best_of(cr, RISK_SQL, {"since": today - timedelta(days=365)})
    return [
        row(
            "g",
            "retention-risk cron, whole book",
            done,
            seconds,
            queries,
            "one SQL statement, its inputs per client",
            len(base_rows),
            base_seconds,
            1,
            batches=len(batches),
            queries_per_batch=sorted({b[2] for b in batches}),
            flagged=flagged,
            activities=activities,
        )
    ]


# ------------------------------------------------------------
# h. Needs analyses and reports
# ------------------------------------------------------------

EXPIRED_SQL = """
SELECT p.account_manager_id, count(*)
  FROM insurance_needs_analysis a JOIN res_partner p ON p.id = a.partner_id
 WHERE a.is_current AND a.date_expiry <= %(today)s AND NOT a.expiry_notified
 GROUP BY p.account_manager_id
"""
BOOK_SQL = """
SELECT user_id, tier_id, sum(premium), count(DISTINCT client_count), count(*)
  FROM insurance_report_book
 WHERE company_id = %(company)s AND ({rule})
 GROUP BY GROUPING SETS ((), (user_id), (tier_id), (user_id, tier_id))
"""
BOOK_RULES = {
    "am": "user_id = %(user)s OR backup_manager_id = %(user)s",
    "tl": """user_id = %(user)s OR user_id IN (
                SELECT m.user_id FROM crm_team_member m JOIN crm_team t ON t.id = m.crm_team_id
                 WHERE t.user_id = %(user)s AND m.active)""",
}


def bench_needs_reports(reg, limits):
    from generate import insert_needs_analyses

    from odoo import fields

    rows = []
    with transaction(reg) as cr:
        env = superuser_env(cr)
        Analysis = env["insurance.needs.analysis"]
        created = 0
        if not Analysis.search_count([]):  # a book generated before they were
            created = insert_needs_analyses(env, random.Random(20261126))
            env.invalidate_all()
        today = fields.Date.context_today(Analysis)
        due = [
            ("is_current", "=", True),
            ("date_expiry", "<=", today),
            ("expiry_notified", "=", False),
        ]
        wanted = Analysis.search_count(due)
        base_seconds, base_rows = _sql_best_of(cr, EXPIRED_SQL, {"today": today})
        batches = _run_batches(
            cr,
            Analysis._cron_notify_expired,
            wanted=wanted,
            remaining=lambda: Analysis.search_count(due),
        )
        done, seconds, queries = _totals(batches)
        rows.append(
            row(
                "h.expiry",
                "needs-analysis expiry cron",
                done,
                seconds,
                queries,
                "one SQL GROUP BY of the expired analyses per manager",
                sum(count for _user, count in base_rows),
                base_seconds,
                1,
                batches=len(batches),
                queries_per_batch=sorted({b[2] for b in batches}),
                analyses_created_for_the_run=created,
            )
        )
    with transaction(reg) as cr:
        env = superuser_env(cr)
        manager, _clients = typical_manager(env)
        lead = first_team_lead(env)
        measures = ["premium:sum", "client_count:count_distinct"]
        for key, user, who in (
            ("am", manager, "an account manager"),
            ("tl", lead, "a team lead"),
        ):
            uenv = user_env(cr, user)
            Book = uenv["insurance.report.book"]
            seconds, queries, result = _best_of(
                uenv, cr, lambda Book=Book: _pivot(Book, [], measures, "user_id", "tier_id")
            )
            query = BOOK_SQL.format(rule=BOOK_RULES[key])
            params = {"user": user.id, "company": user.company_id.id}
            base_seconds, base_rows = _sql_best_of(cr, query, params)
            total = result[0][0]
            sql_total = next(r for r in base_rows if r[0] is None and r[1] is None)
            rows.append(
                row(
                    f"h.book_{key}",
                    f"Book report pivot as {who}",
                    total["__count"],
                    seconds,
                    queries,
                    "one SQL GROUP BY GROUPING SETS, same rule",
                    sql_total[4],
                    base_seconds,
                    1,
                    per_record=False,
                    user=user.login,
                    clients=total["client_count"],
                    same_total=abs((total["premium"] or 0) - float(sql_total[2] or 0)) < 0.01,
                )
            )
    return rows


# ------------------------------------------------------------
# i. Bulk import of policies
# ------------------------------------------------------------

# The web client's import sends the file by 2,000 rows, one request (and one
# commit) each (base_import: the import dialog's default "limit").
IMPORT_BATCH_SIZE = 2000
POLICY_IMPORT_FIELDS = [
    "name",
    "partner_id/.id",
    "insurer_id/.id",
    "line_id/.id",
    "state",
    "premium",
    "date_start",
    "date_end",
]
LEAD_IMPORT_FIELDS = [
    "name",
    "partner_id/.id",
    "type",
    "expected_revenue",
    "date_deadline",
]


def _import(cr, Model, fields, rows):
    """``load`` of ``rows`` by batches as the web client's import
    (``base_import.import.execute_import``), each batch followed by the
    commit; per-batch (records, s, q). Fails on the import's first error."""
    Model = Model.with_context(import_file=True, _import_limit=IMPORT_BATCH_SIZE)
    batches = []
    for start in range(0, len(rows), IMPORT_BATCH_SIZE):
        chunk = rows[start : start + IMPORT_BATCH_SIZE]
        seconds, queries, result = timed(cr, lambda chunk=chunk: Model.load(fields, chunk))
        if not result["ids"] or any(m["type"] == "error" for m in result["messages"]):
            raise RuntimeError(f"{Model._name} import failed: {result['messages'][:3]}")
        batches.append((len(result["ids"]), seconds, queries))
    return batches


def bench_import(reg, limits):
    from odoo import fields

    from odoo.addons.insurance_account_manager.models.res_partner_tiering import (
        TIER_CRON_XMLID,
    )

    rng = random.Random(20261126)
    with transaction(reg) as cr:
        env = superuser_env(cr)
        lead = first_team_lead(env)
        login = lead.login
        # Automatic Client Tiering on (as generated): a policy gives its
        # client its tier at once (res.partner._insurance_book_changed)
        cron = env.ref(TIER_CRON_XMLID)
        tiering_was_on = cron.active
        cron.active = True
        team = env["crm.team"].search([("user_id", "=", lead.id)]).member_ids
        clients = env["res.partner"].search(
            [("is_insurance_client", "=", True), ("account_manager_id", "in", team.ids)],
            order="id",
        )
        cr.execute("SELECT DISTINCT insurer_id FROM insurance_policy WHERE insurer_id IS NOT NULL")
        insurers = sorted(r[0] for r in cr.fetchall())
        lines = env["insurance.line"].search([], order="id").ids
        today = fields.Date.context_today(env["insurance.policy"])
        count = limits.get("import_policies") or 5000
        planned = []
        for n in range(count):
            start = today - timedelta(days=rng.randint(0, 300))
            planned.append(
                (
                    f"IMP-{n + 1:06d}",
                    rng.choice(clients.ids),
                    rng.choice(insurers),
                    rng.choice(lines),
                    # a tenth large risks: their clients move up a tier
                    250_000.0 if n % 10 == 0 else round(rng.uniform(500, 20000), 2),
                    start,
                    start + timedelta(days=365),
                )
            )
        cr.execute("SELECT count(*) FROM insurance_tier_history")
        history_before = cr.fetchone()[0]
        cr.commit()
        uenv = user_env(cr, lead)
        policy_rows = [
            [name, str(client), str(insurer), str(line), "active", str(premium), str(d1), str(d2)]
            for name, client, insurer, line, premium, d1, d2 in planned
        ]
        batches = _import(cr, uenv["insurance.policy"], POLICY_IMPORT_FIELDS, policy_rows)
        cr.execute("SELECT count(*) FROM insurance_tier_history")
        tier_changes = cr.fetchone()[0] - history_before
    with transaction(reg) as cr:
        uenv = user_env(cr, superuser_env(cr)["res.users"].browse(lead.id))
        lead_rows = [
            [f"Imported opportunity {name}", str(client), "opportunity", str(premium), str(d2)]
            for name, client, _insurer, _line, premium, _d1, d2 in planned
        ]
        base = _import(cr, uenv["crm.lead"], LEAD_IMPORT_FIELDS, lead_rows)
    done, seconds, queries = _totals(batches)
    base_done, base_seconds, base_queries = _totals(base)
    return [
        row(
            "i",
            "import of policies (load, 2,000 a batch), team lead",
            done,
            seconds,
            queries,
            "import of as many crm.lead, same clients and user",
            base_done,
            base_seconds,
            base_queries,
            user=login,
            clients=len({p[1] for p in planned}),
            batches=len(batches),
            queries_per_batch=[b[2] for b in batches],
            seconds_per_batch=[round(b[1], 3) for b in batches],
            baseline_seconds_per_batch=[round(b[1], 3) for b in base],
            queries_per_policy=queries / done if done else None,
            baseline_queries_per_lead=base_queries / base_done if base_done else None,
            tier_changes=tier_changes,
            tiering_was_on=tiering_was_on,
        )
    ]


# ------------------------------------------------------------
# j. Competitor views
# ------------------------------------------------------------

# Holdings with competitors for a book generated without them: a share of
# the current needs analyses lists one to three lines held elsewhere; a
# share of the opportunities and renewal requests is lost to a competitor.
COMPETITOR_SHARE = 0.5
LOST_SHARE = 0.2
TARGETS_SQL = """
SELECT t.competitor_id, count(*), sum(t.premium)
  FROM (%(view)s) t JOIN res_partner p ON p.id = t.partner_id
 WHERE NOT t.held_with_us AND t.company_id = %(company)s AND ({rule})
 GROUP BY t.competitor_id
"""
LOST_SQL = """
SELECT t.competitor_id, t.line_id, sum(t.premium_lost), sum(t.winning_price),
       sum(t.won_back_count), count(*)
  FROM insurance_competitor_report t LEFT JOIN res_partner p ON p.id = t.partner_id
 WHERE (t.company_id IS NULL OR t.company_id = %(company)s) AND ({rule})
 GROUP BY GROUPING SETS ((), (t.competitor_id), (t.line_id), (t.competitor_id, t.line_id))
"""
COMPETITOR_RULES = {
    "am": "t.user_id = %(user)s OR p.backup_manager_id = %(user)s",
    "tl": """t.user_id = %(user)s OR p.backup_manager_id = %(user)s OR t.user_id IN (
                SELECT m.user_id FROM crm_team_member m JOIN crm_team c ON c.id = m.crm_team_id
                 WHERE c.user_id = %(user)s AND m.active)""",
}


def _insert_competitor_data(env, rng):
    """Holdings with competitors and business lost to them (see
    COMPETITOR_SHARE), for this run; returns (holdings, leads, renewals)."""
    from generate import insert_needs_analyses

    cr = env.cr
    if not env["insurance.needs.analysis"].search_count([]):
        insert_needs_analyses(env, rng)
    cr.execute("SELECT DISTINCT insurer_id FROM insurance_policy WHERE insurer_id IS NOT NULL")
    insurers = sorted(r[0] for r in cr.fetchall())
    env["res.partner"].browse(insurers).write({"is_insurance_competitor": True})
    lines = env["insurance.line"].search([], order="id").ids
    holdings = 0
    if not env["insurance.needs.competitor"].search_count([]):
        cr.execute("SELECT id FROM insurance_needs_analysis WHERE is_current ORDER BY id")
        analyses = [r[0] for r in cr.fetchall()]
        chosen = rng.sample(analyses, int(len(analyses) * COMPETITOR_SHARE))
        proto = env["insurance.needs.competitor"].create(
            {"analysis_id": chosen[0], "line_id": lines[0], "competitor_id": insurers[0]}
        )
        env.flush_all()
        prototype = table_row(cr, "insurance_needs_competitor", proto.id)
        proto.unlink()
        env.flush_all()
        today = datetime.now().date()
        rows = [
            {
                "analysis_id": analysis_id,
                "line_id": line_id,
                "competitor_id": rng.choice(insurers),
                "premium": round(rng.uniform(500, 20000), 2) if rng.random() < 0.8 else None,
                "date_expiry": today + timedelta(days=rng.randint(-30, 400))
                if rng.random() < 0.8
                else None,
            }
            for analysis_id in sorted(chosen)
            for line_id in rng.sample(lines, rng.randint(1, 3))
        ]
        clone_rows(cr, "insurance_needs_competitor", prototype, rows)
        holdings = len(rows)
    # lost opportunities and renewals (none in a generated book)
    cr.execute(
        """UPDATE crm_lead SET active = FALSE, probability = 0, automated_probability = 0,
                  insurance_competitor_id = (%(insurers)s)[1 + (id %% cardinality(%(insurers)s))],
                  insurance_competitor_price = expected_revenue * 0.9,
                  insurance_line_id = (%(lines)s)[1 + (id %% cardinality(%(lines)s))],
                  insurance_date_lost = CURRENT_DATE - (id %% 300)::int
            WHERE type = 'opportunity' AND active AND partner_id IS NOT NULL
              AND random() < %(share)s""",
        {"insurers": insurers, "lines": lines, "share": LOST_SHARE},
    )
    leads = cr.rowcount
    renewal = env.ref(f"{ADDON}.insurance_service_type_renewal")
    lost = renewal.stage_ids.filtered(lambda stage: stage.state == "lost")[:1]
    cr.execute(
        """UPDATE insurance_service_request r
              SET stage_id = %(stage)s, stage_state = 'lost',
                  competitor_id = (%(insurers)s)[1 + (r.id %% cardinality(%(insurers)s))],
                  competitor_price = r.previous_premium * 0.9,
                  date_closed = now() - make_interval(days => (r.id %% 300)::int)
            WHERE r.type_code = 'renewal' AND r.stage_state = 'open' AND random() < %(share)s""",
        {"insurers": insurers, "share": LOST_SHARE, "stage": lost.id},
    )
    renewals = cr.rowcount
    # planner statistics of the rows written, as after the generator's bulk
    # load (rolled back with the run)
    cr.execute(
        "ANALYZE insurance_needs_competitor, insurance_needs_analysis, crm_lead,"
        " insurance_service_request, res_partner"
    )
    env.invalidate_all()
    return holdings, leads, renewals


def _competitor_targets(Target, spec):
    """Competitor Targets as its menu opens it (the To Win filter): the list,
    then grouped by competitor with its sum of premiums."""
    to_win = [("held_with_us", "=", False)]
    listed = Target.web_search_read(to_win, spec, limit=80, count_limit=10001)
    grouped = Target.web_read_group(to_win, ["premium:sum"], ["competitor_id"], limit=80, lazy=True)
    return listed["length"], grouped["groups"]


def bench_competitors(reg, limits):
    from odoo.tools import SQL

    rows = []
    with transaction(reg) as cr:
        env = superuser_env(cr)
        cr.execute("SELECT setseed(0.20261126)")
        holdings, lost_leads, lost_renewals = _insert_competitor_data(env, random.Random(20261126))
        cr.commit()
        manager, _clients = typical_manager(env)
        lead = first_team_lead(env)
        target_view = env["insurance.competitor.target"]._table_query
        measures = ["premium_lost:sum", "winning_price:sum", "won_back_count:sum"]
        for key, user, who in (
            ("am", manager, "an account manager"),
            ("tl", lead, "a team lead"),
        ):
            uenv = user_env(cr, user)
            Target = uenv["insurance.competitor.target"]
            Lost = uenv["insurance.competitor.report"]
            list_spec = _view(
                uenv, Target._name, f"{ADDON}.insurance_competitor_target_view_list", "list"
            )
            params = {"user": user.id, "company": user.company_id.id, "view": target_view}
            for sub, what, call, query in (
                (
                    "targets",
                    f"Competitor Targets list + by competitor, {who}",
                    partial(_competitor_targets, Target, list_spec),
                    TARGETS_SQL,
                ),
                (
                    "lost",
                    f"Business Lost pivot, {who}",
                    lambda Lost=Lost: _pivot(Lost, [], measures, "competitor_id", "line_id"),
                    LOST_SQL,
                ),
            ):
                seconds, queries, result = _best_of(uenv, cr, call)
                query = SQL(query.replace("{rule}", COMPETITOR_RULES[key]), **params)
                base_seconds, base_rows = _sql_best_of(cr, query, None)
                if sub == "targets":
                    records = result[0]
                    base_records = sum(r[1] for r in base_rows)
                    same = records == base_records
                else:
                    records = result[0][0]["__count"]
                    total = next(r for r in base_rows if r[0] is None and r[1] is None)
                    base_records = total[5]
                    same = abs((result[0][0]["premium_lost"] or 0) - float(total[2] or 0)) < 0.01
                rows.append(
                    row(
                        f"j.{sub}_{key}",
                        what,
                        records,
                        seconds,
                        queries,
                        "one SQL GROUP BY, same rows and rule",
                        base_records,
                        base_seconds,
                        1,
                        per_record=False,
                        user=user.login,
                        same_total=same and records == base_records,
                        holdings_created_for_the_run=holdings,
                        lost_leads_for_the_run=lost_leads,
                        lost_renewals_for_the_run=lost_renewals,
                    )
                )
    return rows


# ------------------------------------------------------------
# Report
# ------------------------------------------------------------


def machine_info(reg):
    import odoo

    with reg.cursor() as cr:
        cr.execute("SHOW server_version")
        pg_version = cr.fetchone()[0]
    memory, cpu = None, platform.processor()
    with suppress(OSError):  # no /proc: not Linux
        with open("/proc/meminfo", encoding="utf-8") as meminfo:
            memory = round(int(meminfo.readline().split()[1]) / 1024 / 1024, 1)
    with suppress(OSError, StopIteration):
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            cpu = next(
                line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
            )
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "ram_gib": memory,
        "postgresql": pg_version,
        "odoo": odoo.release.version,
        "python": platform.python_version(),
        "load_average": os.getloadavg(),
    }


def _fmt(value, digits=3):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def print_table(rows):
    head = (
        f"{'':8} {'what':52} {'n':>7} {'s':>9} {'q':>7} {'base s':>9} {'base q':>7}"
        f" {'ratio':>7} {'s/1000':>8} {'base s/1000':>11}  target"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        per = r["per_1000"] or {}
        print(
            f"{r['id']:8} {r['what'][:52]:52} {r['records']:>7} {_fmt(r['seconds']):>9}"
            f" {_fmt(r['queries']):>7} {_fmt(r['baseline']['seconds']):>9}"
            f" {_fmt(r['baseline']['queries']):>7} {_fmt(r['ratio'], 2):>7}"
            f" {_fmt(per.get('seconds')):>8} {_fmt(per.get('baseline_seconds')):>11}  {r['target']}"
        )


def main():
    args, _odoo_args = parse_args(__doc__, add_arguments)
    import odoo

    dbname = odoo.tools.config["db_name"]
    reg = registry(dbname)
    with reg.cursor() as cr:
        env = superuser_env(cr)
        preset = args.preset or env["ir.config_parameter"].get_param(PARAM_PRESET)
        book = env["ir.config_parameter"].get_param(PARAM_BOOK)
    if preset not in PRESETS:
        sys.exit(f"{dbname} was not filled by bench/generate.py: give --preset")
    limits = PRESETS[preset]
    only = [key for key in args.only.replace(",", "") if key in ALL]
    started = datetime.now()
    machine = machine_info(reg)
    print(f"{dbname}, preset {preset}, book {book}")
    print(f"machine: {machine}")
    runners = {
        "a": lambda: bench_assignment(reg, limits),
        "b": lambda: bench_tiers(reg, limits),
        "c": lambda: bench_renewals(reg, limits),
        "d": lambda: bench_views(reg, limits),
        "e": lambda: bench_install(reg, limits, dbname),
        "f": lambda: bench_scorecards(reg, limits),
        "g": lambda: bench_retention(reg, limits),
        "h": lambda: bench_needs_reports(reg, limits),
        "i": lambda: bench_import(reg, limits),
        "j": lambda: bench_competitors(reg, limits),
    }
    rows = []
    for key in only:
        start = time.perf_counter()
        new_rows = runners[key]()
        rows.extend(new_rows)
        print(f"-- {key} done in {time.perf_counter() - start:.0f} s", flush=True)
        print_table(new_rows)
    print()
    print_table(rows)
    result = {
        "database": dbname,
        "preset": preset,
        "book": book,
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now().isoformat(timespec="seconds"),
        "machine": {**machine, "load_average_end": os.getloadavg()},
        "commit": "commit-time work measured (Cursor.flush + clear), SQL COMMIT not; rolled back",
        "rows": rows,
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(result, out, indent=2, default=str)
        print(f"written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
