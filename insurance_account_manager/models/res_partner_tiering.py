from collections import defaultdict, namedtuple
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, create_index, split_every

from ..tools import tiering
from .res_partner import GROUP_INSURANCE_ADMIN, GROUP_INSURANCE_AM

# Clients whose tier one batch of the scheduled action recomputes (it
# re-triggers itself while more remain): a constant number of queries per batch
# (13 for a call of one batch when nothing changes; the grouped facts statement
# takes 50-60 ms per 2,000 clients at 100,000 clients, the other queries about
# 8 ms whatever the batch), so a big batch spreads the fixed part; a batch
# where every client changes takes a few seconds.
TIER_BATCH_SIZE = 2000
# Batches one call of the scheduled action works through while no tier
# changes (a batch where tiers change ends the call, so that its transaction
# stays one batch long): the run, its rules and fallback tier are read, and its
# position written, once per call; each further batch costs its clients and
# their facts (and one search per rule with a client filter): 32 queries for
# 20,000 unchanged clients instead of 10 x 13 (bench/run.py, row b, README).
TIER_BATCHES_PER_CALL = 10
# The columns of a client the recompute reads (see _insurance_tier_rows).
TIER_ROW_FIELDS = [
    "is_insurance_client",
    "active",
    "insurance_tier_id",
    "insurance_tier_locked",
    "insurance_tier_lock_until",
    "company_id",
    "annual_premium",
]
TierRow = namedtuple(
    "TierRow", ["id", "tier_id", "locked", "lock_until", "company_id", "annual_premium"]
)
TIER_CRON_XMLID = "insurance_account_manager.ir_cron_recompute_insurance_tiers"
# Partial index of the scheduled action's keyset batches (clients by id).
CLIENT_ID_INDEX = "res_partner_insurance_client_id_index"
# Up to this many clients "Recompute Tiers Now" works while the administrator
# waits; above, it hands the book to the scheduled action. Measured with
# bench/run.py (row b) at 20,000 clients on a loaded 2-core machine: 0.15 s
# per 1,000 clients when nothing changes, 2.0 s when every client gets its
# first tier (most of it the SLA recompute of their open service requests);
# so 3 to 40 s at this limit, below a worker's time limit.
TIER_SYNC_LIMIT = 20000
# The loss ratio looks at claims and earned premium over this many months.
LOSS_RATIO_MONTHS = 12


class ResPartner(models.Model):
    """Tiering engine: the client tier set by the tier rules, recomputed by
    the scheduled action and the button (the lock by hand is in
    res_partner_tier_lock.py, the history of the changes in
    res_partner_tier_history.py)."""

    _inherit = "res.partner"

    # Tier: set by the tier rules (see the methods below), stored and tracked
    insurance_tier_id = fields.Many2one(
        "insurance.client.tier",
        string="Client Tier",
        tracking=True,
        index="btree_not_null",
        ondelete="restrict",
        copy=False,
        groups=GROUP_INSURANCE_AM,
    )
    insurance_tier_color = fields.Integer(
        related="insurance_tier_id.color",
        string="Client Tier Color",
        groups=GROUP_INSURANCE_AM,
    )

    def _auto_init(self):
        result = super()._auto_init()
        create_index(
            self.env.cr,
            CLIENT_ID_INDEX,
            self._table,
            ["id"],
            where="is_insurance_client = TRUE",
        )
        return result

    # ------------------------------------------------------------
    # Recompute: the batch, its facts, the decision and the writes
    # ------------------------------------------------------------

    def _insurance_tier_rows(self, after_id=None, limit=None):
        """The clients to recompute as plain tuples ``(id, tier id, locked,
        lock end, company id, annual premium)``, in id order, in one query:
        the clients of ``self`` or, when ``after_id`` is given (the scheduled
        action's keyset batches), the ``limit`` first active clients after it.
        The batch is read without the ORM: a run where no tier changes needs
        none of the clients' other columns."""
        self.flush_model(TIER_ROW_FIELDS)
        if after_id is None:
            where = SQL("p.id = ANY(%s)", self.ids)
        else:
            # the partial index on id of the clients: a batch costs the same at
            # the end of the book as at its start
            where = SQL("p.active AND p.id > %s", after_id)
        self.env.cr.execute(
            SQL(
                """
                SELECT p.id, p.insurance_tier_id, COALESCE(p.insurance_tier_locked, FALSE),
                       p.insurance_tier_lock_until, p.company_id,
                       COALESCE(p.annual_premium, 0)
                  FROM res_partner p
                 WHERE p.is_insurance_client AND %s
              ORDER BY p.id
                 %s
                """,
                where,
                SQL("LIMIT %s", limit) if limit else SQL(),
            )
        )
        return [
            TierRow(pid, tier_id, locked, until, company_id, float(premium))
            for pid, tier_id, locked, until, company_id, premium in self.env.cr.fetchall()
        ]

    def _insurance_tier_facts(self, rows, today, after_id=None):
        """{partner id: tiering.ClientFacts} for the clients of ``rows`` (see
        :meth:`_insurance_tier_rows`), from grouped queries whatever their
        number, in one statement:

        - the policies (active or expired, not draft or cancelled) per client
          and currency: how many active, which lines, and the premium of those
          in force during the last ``LOSS_RATIO_MONTHS`` months, each earned
          pro rata of its days in the window (:func:`tiering.earned_premium`);
        - claims paid, by date of loss in the same window.

        The annual premium is the stored one. Amounts are converted to the
        currency of the client's company, at today's rate (one rate lookup per
        pair of currencies, not per client).

        With ``after_id`` (a keyset batch: ``rows`` are the clients after it up
        to the last of them), the policies and claims are selected by that
        range of client ids, an index range scan, rather than by the list of
        ids (a lookup per client, and a plan worth 20 ms for 2,000 ids); the
        facts of the other partners in the range are not returned.
        """
        window_first = today - relativedelta(months=LOSS_RATIO_MONTHS) + timedelta(days=1)
        partner_ids = [row.id for row in rows]
        if after_id is None:
            policy_where = SQL("partner_id = ANY(%s)", partner_ids)
            claim_where = SQL("c.partner_id = ANY(%s)", partner_ids)
        else:
            last_id = max(partner_ids)
            policy_where = SQL("partner_id > %s AND partner_id <= %s", after_id, last_id)
            claim_where = SQL("c.partner_id > %s AND c.partner_id <= %s", after_id, last_id)
        Company = self.env["res.company"].sudo()
        default_company_id = self.env.company.id
        company_by_partner = {row.id: row.company_id or default_company_id for row in rows}
        companies = Company.browse(set(company_by_partner.values()))
        currency_by_company = {company.id: company.currency_id.id for company in companies}
        rates = {}

        def convert(amount, currency_id, partner_id):
            company_id = company_by_partner[partner_id]
            if not currency_id or currency_id == currency_by_company[company_id]:
                return amount
            key = (currency_id, company_id)
            if key not in rates:
                company = Company.browse(company_id)
                rates[key] = self.env["res.currency"]._get_conversion_rate(
                    self.env["res.currency"].browse(currency_id),
                    company.currency_id,
                    company,
                    today,
                )
            return amount * rates[key]

        self.env["insurance.policy"].flush_model(
            ["partner_id", "currency_id", "line_id", "state", "active", "premium"]
            + ["date_start", "date_end"]
        )
        self.env["insurance.claim"].flush_model(
            ["partner_id", "policy_id", "active", "date_loss", "amount_paid"]
        )
        # One row per client and currency. The earned premium is the sum of
        # tiering.earned_premium over the policies, computed in the database
        # with the same float arithmetic (premium x days in the window / days
        # of cover): a batch then sends one row per client, not per policy.
        # The currency of a claim's policy (required, never deleted under it)
        # is looked up by the policy's id: with a join, the planner hashed
        # every policy of the book, 240 ms per batch of 2,000 clients at
        # 100,000 (EXPLAIN ANALYZE), against 60 ms for the whole statement.
        self.env.cr.execute(
            SQL(
                """
                WITH policy AS (
                    SELECT partner_id, COALESCE(currency_id, 0) AS currency_id,
                           count(*) FILTER (WHERE state = 'active') AS active_count,
                           array_agg(DISTINCT line_id)
                               FILTER (WHERE state = 'active' AND line_id IS NOT NULL)
                               AS line_ids,
                           sum(premium::float8
                               * (LEAST(date_end, %(last)s) - GREATEST(date_start, %(first)s) + 1)
                               / (date_end - date_start + 1))
                               FILTER (WHERE date_start <= %(last)s AND date_end >= %(first)s
                                       AND date_end >= date_start) AS earned
                      FROM insurance_policy
                     WHERE %(policy_where)s AND active
                       AND state IN ('active', 'expired')
                  GROUP BY 1, 2
                ), claim AS (
                    SELECT c.partner_id,
                           COALESCE((SELECT p.currency_id FROM insurance_policy p
                                      WHERE p.id = c.policy_id), 0) AS currency_id,
                           sum(c.amount_paid)::float8 AS paid
                      FROM insurance_claim c
                     WHERE %(claim_where)s AND c.active
                       AND c.date_loss BETWEEN %(first)s AND %(last)s
                  GROUP BY 1, 2
                )
                SELECT COALESCE(policy.partner_id, claim.partner_id),
                       COALESCE(policy.currency_id, claim.currency_id),
                       COALESCE(policy.active_count, 0), policy.line_ids,
                       COALESCE(policy.earned, 0), COALESCE(claim.paid, 0)
                  FROM policy
             FULL JOIN claim ON claim.partner_id = policy.partner_id
                            AND claim.currency_id = policy.currency_id
                """,
                policy_where=policy_where,
                claim_where=claim_where,
                first=window_first,
                last=today,
            )
        )
        policy_counts = defaultdict(int)
        lines = defaultdict(set)
        earned = defaultdict(float)
        paid = defaultdict(float)
        for pid, currency_id, count, line_ids, earned_amount, paid_amount in self.env.cr.fetchall():
            if pid not in company_by_partner:
                continue  # another partner of the batch's range of ids
            policy_counts[pid] += count
            if line_ids:
                lines[pid].update(line_ids)
            if earned_amount:
                earned[pid] += convert(earned_amount, currency_id, pid)
            if paid_amount:
                paid[pid] += convert(paid_amount, currency_id, pid)
        return {
            row.id: tiering.ClientFacts(
                partner_id=row.id,
                annual_premium=row.annual_premium,
                active_policies=policy_counts[row.id],
                loss_ratio=tiering.loss_ratio(paid[row.id], earned[row.id]),
                line_ids=frozenset(lines[row.id]),
            )
            for row in rows
        }

    def _insurance_decide_tiers(self, rows, today, after_id=None, rule_cache=None):
        """What the tier rules give each client of ``rows`` (``after_id``: see
        :meth:`_insurance_tier_facts`).

        Returns ``(decisions, rules)``: ``decisions`` maps each partner id to
        ``(tier id or None, rule id or None)``, ``rules`` are the rules tried. A
        client follows the rules of its company and those of every company; a
        client shared by all companies follows those of the current company.
        Three queries for the rules and the fallback tier, plus one search per
        rule with a client filter. ``rule_cache``, a dict kept by the caller
        across the batches of one transaction (the scheduled action's), holds
        the rules and the fallback tier read by the first batch: the next ones
        only search the clients of the rules' client filters.
        """
        facts = self._insurance_tier_facts(rows, today, after_id=after_id)
        default_company_id = self.env.company.id
        company_ids = {row.company_id or default_company_id for row in rows}
        if rule_cache is None or "rules" not in rule_cache:
            Tier = self.env["insurance.client.tier"].sudo()
            cached = {
                "rules": self.env["insurance.tier.rule"].sudo().search([]),
                "fallback_id": Tier._get_fallback_tier().id or None,
            }
            if rule_cache is not None:
                rule_cache.update(cached)
        else:
            cached = rule_cache
        rules = cached["rules"].filtered(
            lambda rule: not rule.company_id or rule.company_id.id in company_ids
        )
        plain_rules = rules._to_tiering_rules(rules._partner_ids_matching(list(facts)))
        rules_by_company = {
            company_id: [
                plain
                for rule, plain in zip(rules, plain_rules, strict=True)
                if not rule.company_id or rule.company_id.id == company_id
            ]
            for company_id in company_ids
        }
        fallback_id = cached["fallback_id"]
        decisions = {
            row.id: tiering.decide_tier(
                facts[row.id],
                rules_by_company[row.company_id or default_company_id],
                fallback_id,
            )
            for row in rows
        }
        return decisions, rules

    def _recompute_insurance_tiers(self):
        """Give each client of ``self`` the tier of the first tier rule it
        meets, else the fallback tier (see :meth:`_insurance_recompute_tier_rows`).
        Returns the clients whose tier changed."""
        rows = self._insurance_tier_rows()
        if not rows:
            return self.browse()
        today = fields.Date.context_today(self)
        return self.browse(self._insurance_recompute_tier_rows(rows, today))

    def _insurance_recompute_tier_rows(self, rows, today, after_id=None, rule_cache=None):
        """Recompute the tiers of the clients of ``rows`` (one batch, see
        :meth:`_insurance_tier_rows`; ``after_id`` and ``rule_cache``: see
        :meth:`_insurance_decide_tiers`). A client whose tier is locked keeps it;
        once the last day of its lock has passed, the lock is removed and the
        rules apply again. Returns the ids of the clients whose tier changed.

        The decision is set-based: the facts in two grouped queries, the rules
        in a few, then the new tier of each client compared in Python with the
        one it has. Only the clients that change are written: one UPDATE, one
        tracking message per client inserted in one statement, one history
        insert, the activities of the new key clients in one create. When
        nothing changes, nothing is written. Reads and writes as the caller's
        environment allows: the scheduled action,
        :meth:`action_recompute_insurance_tiers` and the policies' hooks call
        it as superuser.
        """
        released = {
            row.id for row in rows if row.locked and row.lock_until and row.lock_until < today
        }
        if released:
            self.browse(sorted(released)).write(
                {
                    "insurance_tier_locked": False,
                    "insurance_tier_lock_reason": False,
                    "insurance_tier_lock_until": False,
                }
            )
        free = [row for row in rows if not row.locked or row.id in released]
        if not free:
            return []
        decisions, rules = self._insurance_decide_tiers(
            free, today, after_id=after_id, rule_cache=rule_cache
        )
        changes = []
        for row in free:
            tier_id, rule_id = decisions[row.id]
            if tier_id == row.tier_id:
                continue
            changes.append(
                {
                    "partner_id": row.id,
                    "old_tier_id": row.tier_id,
                    "new_tier_id": tier_id,
                    "origin": "rule" if rule_id else "fallback",
                    "rule_id": rule_id,
                    "released": row.id in released,
                }
            )
        if not changes:
            return []
        # one translation per rule, not per client
        reasons = {rule.id: self.env._("Rule: %(rule)s", rule=rule.name) for rule in rules}
        reasons[None] = self.env._("No tier rule matched: fallback tier")
        for change in changes:
            reason = reasons[change["rule_id"]]
            if change.pop("released"):
                reason = self.env._("Lock ended. %(reason)s", reason=reason)
            change["reason"] = reason
        self._insurance_apply_tier_changes(changes)
        return [change["partner_id"] for change in changes]

    def _insurance_apply_tier_changes(self, changes):
        """Write the tier changes of a batch: one UPDATE of the changed clients
        (the ORM writes 100 rows per statement), the fields computed from the
        tier (e.g. on service requests) marked to recompute as a write would,
        then the chatter, the history and the activities, each in bulk."""
        changed = self.browse([change["partner_id"] for change in changes])
        self.flush_model(["insurance_tier_id"])
        changed.modified(["insurance_tier_id"], before=True)
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner AS p
                   SET insurance_tier_id = v.tier_id, write_uid = %(uid)s, write_date = %(now)s
                  FROM unnest(%(ids)s::int[], %(tier_ids)s::int[]) AS v(id, tier_id)
                 WHERE p.id = v.id
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=changed.ids,
                tier_ids=[change["new_tier_id"] for change in changes],
            )
        )
        changed.invalidate_recordset(["insurance_tier_id", "write_uid", "write_date"])
        changed.modified(["insurance_tier_id"])
        changed._insurance_log_tier_tracking(changes)
        changed._insurance_log_tier_changes(changes)

    def _insurance_book_changed(self):
        """The book of the clients of ``self`` changed (a policy created,
        confirmed, cancelled, moved, its premium or dates changed): give them
        their tier now, in this transaction, then a manager to those without
        one when Settings ask for automatic assignment, so that the assignment
        rules, SLAs and renewal lead times see the new tier. Set-based: one
        recompute for all the clients of the write, whatever their number.
        Only when Settings turn Automatic Client Tiering on.
        Called by the server with the caller's environment: the tiers are
        written as superuser (the rules decide, not the caller), the history
        and chatter name the caller."""
        clients = self.exists()
        if not clients:
            return
        # "Automatic Client Tiering" in Settings (the scheduled action active):
        # off, the tiers change only by hand and by "Recompute Tiers Now"
        cron = self.env.ref(TIER_CRON_XMLID, raise_if_not_found=False)
        if cron and cron.sudo().active:
            clients.sudo()._recompute_insurance_tiers()
        clients._insurance_auto_assign()

    # ------------------------------------------------------------
    # Recompute over the whole book: the scheduled action and the button
    # ------------------------------------------------------------

    def _insurance_tier_run(self, today):
        """The run of the scheduled action to carry on: the one running since
        today, else a new one (a run left running from an earlier day starts
        again from the first client)."""
        Run = self.env["insurance.tier.run"].sudo()
        run = Run.search([("state", "=", "running")], limit=1)
        if run and run.date == today:
            return run
        Run.search([("state", "=", "running")]).state = "done"
        total = self.sudo().search_count([("is_insurance_client", "=", True)])
        return Run.create({"date": today, "total": total})

    @api.model
    def _cron_recompute_insurance_tiers(self):
        """Recompute the tiers of the book by batches of clients, by id after
        the last client of the previous batch (keyset: a batch at the end of
        the book costs what one at its start does); the scheduler calls again
        while some remain. A call works through up to
        ``TIER_BATCHES_PER_CALL`` batches while no tier changes, and ends
        with the first batch where tiers change.

        Resumable and idempotent: a call writes its tiers, history and the
        run's position in the same transaction, so after a crash the rerun
        starts with the first client not looked at, never skips one and never
        logs a change twice. A batch where no tier changes writes no client
        row: only the run's position moves on, once per call.
        """
        Partner = self.sudo()
        today = fields.Date.context_today(self)
        run = Partner._insurance_tier_run(today)
        last_id, checked, changed, more = run.last_partner_id, 0, 0, False
        rule_cache = {}
        for _batch in range(TIER_BATCHES_PER_CALL):
            rows = Partner._insurance_tier_rows(after_id=last_id, limit=TIER_BATCH_SIZE + 1)
            batch, more = rows[:TIER_BATCH_SIZE], len(rows) > TIER_BATCH_SIZE
            if not batch:
                break
            batch_changed = Partner._insurance_recompute_tier_rows(
                batch, today, after_id=last_id, rule_cache=rule_cache
            )
            last_id = batch[-1].id
            checked += len(batch)
            changed += len(batch_changed)
            if batch_changed or not more:
                break
        run.write(
            {
                "last_partner_id": last_id,
                "checked": run.checked + checked,
                "changed": run.changed + changed,
                "state": "running" if more else "done",
            }
        )
        remaining = max(run.total - run.checked, 1) if more else 0
        self.env["ir.cron"]._notify_progress(done=checked, remaining=remaining)

    def action_recompute_insurance_tiers(self):
        """Recompute the tiers of ``self`` (of every client when empty) now.

        Up to ``TIER_SYNC_LIMIT`` clients the recompute runs at once, by
        batches, and the notification says how many changed tier. Above, a new
        run of the scheduled action is started to work through the book in the
        background.
        """
        if not self.env.user.has_group(GROUP_INSURANCE_ADMIN):
            raise AccessError(_("Only insurance administrators can recompute client tiers."))
        Partner = self.env["res.partner"].sudo()
        domain = [("is_insurance_client", "=", True)]
        if self:
            domain.append(("id", "in", self.ids))
        count = Partner.search_count(domain)
        if count > TIER_SYNC_LIMIT:
            return Partner._insurance_recompute_tiers_later(count)
        today = fields.Date.context_today(self)
        changed = 0
        if self:
            for batch_ids in split_every(TIER_BATCH_SIZE, sorted(self.ids)):
                rows = Partner.browse(batch_ids)._insurance_tier_rows()
                changed += len(Partner._insurance_recompute_tier_rows(rows, today))
        else:
            last_id, rule_cache = 0, {}
            while rows := Partner._insurance_tier_rows(after_id=last_id, limit=TIER_BATCH_SIZE):
                changed += len(
                    Partner._insurance_recompute_tier_rows(
                        rows, today, after_id=last_id, rule_cache=rule_cache
                    )
                )
                last_id = rows[-1].id
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": _("Client tiers recomputed"),
                "message": _(
                    "%(changed)s of %(count)s client(s) changed tier.",
                    changed=changed,
                    count=count,
                ),
            },
        }

    def _insurance_recompute_tiers_later(self, count):
        """Start a new run of the scheduled action over the book, which
        recomputes the tiers in the background."""
        cron = self.env.ref(TIER_CRON_XMLID, raise_if_not_found=False)
        if not cron or not cron.active:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "message": _(
                        "%(count)s clients are too many to recompute at once: turn on "
                        "Automatic Client Tiering so that the scheduled action "
                        "recomputes them in the background.",
                        count=count,
                    ),
                },
            }
        Run = self.env["insurance.tier.run"].sudo()
        Run.search([("state", "=", "running")]).state = "done"
        Run.create(
            {
                "date": fields.Date.context_today(self),
                "total": self.search_count([("is_insurance_client", "=", True)]),
            }
        )
        cron._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": _(
                    "The tiers of %(count)s clients are being recomputed in the "
                    "background; the changes appear in each client's tier history.",
                    count=count,
                ),
            },
        }
