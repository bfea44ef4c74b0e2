from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, split_every

from ..tools import tiering
from .res_partner import GROUP_INSURANCE_ADMIN, GROUP_INSURANCE_AM

# Clients whose tier one run of the scheduled action recomputes (then it
# re-triggers itself while more remain): a constant number of queries per batch.
TIER_BATCH_SIZE = 500
# Up to this many clients "Recompute Tiers Now" works while the administrator
# waits; above, it hands the book to the scheduled action. Measured with
# bench/bench_tiering.py at 20,000 clients: 0.26 s per 1,000 clients when
# nothing changes, 0.35 s for first tiers, 0.7 s when one client in six moves
# up to key; so 7 to 15 s at this limit, far below a worker's time limit.
TIER_SYNC_LIMIT = 20000
# The loss ratio looks at claims and earned premium over this many months.
LOSS_RATIO_MONTHS = 12
# Moving up to the tier with this code gives the account manager an activity,
# due this many days later.
KEY_TIER_CODE = "key"
KEY_CLIENT_ACTIVITY_DAYS = 7
# Marks the inner write of _insurance_write_tier: an object, which no RPC
# context (JSON) can carry, so a client cannot skip the tier-lock check.
_TIER_WRITE_TOKEN = object()


class ResPartner(models.Model):
    """Tiering engine: the client tier set by the tier rules, locked by hand,
    recomputed by the scheduled action, and its history."""

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
    insurance_tier_locked = fields.Boolean(
        string="Tier Locked",
        tracking=True,
        copy=False,
        groups=GROUP_INSURANCE_AM,
        help="Locked by hand: the tier rules leave this client's tier as it is until "
        "the lock ends.",
    )
    insurance_tier_lock_reason = fields.Char(
        string="Lock Reason", tracking=True, copy=False, groups=GROUP_INSURANCE_AM
    )
    insurance_tier_lock_until = fields.Date(
        string="Locked Until",
        tracking=True,
        copy=False,
        groups=GROUP_INSURANCE_AM,
        help="Last day of the lock: the next recompute after it gives the client the "
        "tier of the rules again. Leave empty to keep the lock until it is removed.",
    )
    insurance_tier_checked_on = fields.Date(
        string="Tier Checked On",
        readonly=True,
        copy=False,
        groups=GROUP_INSURANCE_AM,
        help="Last day the tier rules looked at this client.",
    )
    insurance_tier_history_ids = fields.One2many(
        "insurance.tier.history", "partner_id", string="Tier History", groups=GROUP_INSURANCE_AM
    )

    @api.constrains(
        "insurance_tier_locked", "insurance_tier_lock_reason", "insurance_tier_lock_until"
    )
    def _check_insurance_tier_lock(self):
        today = fields.Date.context_today(self)
        for partner in self.sudo().filtered("insurance_tier_locked"):
            if not (partner.insurance_tier_lock_reason or "").strip():
                raise ValidationError(
                    _(
                        "%(client)s: give the reason why the tier is locked.",
                        client=partner.display_name,
                    )
                )
            if partner.insurance_tier_lock_until and partner.insurance_tier_lock_until < today:
                raise ValidationError(
                    _(
                        "%(client)s: the tier lock cannot end in the past.",
                        client=partner.display_name,
                    )
                )

    @api.onchange("insurance_tier_locked")
    def _onchange_insurance_tier_locked(self):
        if not self.insurance_tier_locked:
            self.insurance_tier_lock_reason = False
            self.insurance_tier_lock_until = False

    # ------------------------------------------------------------
    # Tiering
    # ------------------------------------------------------------

    def write(self, vals):
        # The context keys below are honoured only from internal callers: the
        # client can put any key in the context of an RPC call, and must not be
        # able to skip the tier-lock check or the history that way.
        # _insurance_write_tier writes again through the whole write chain, so
        # this override must run before the one of res_partner_assignment.py
        # (this file is loaded after it, see models/__init__.py): the manager
        # history is then kept by the inner write only, once.
        if "insurance_tier_id" in vals and not (
            self.env.context.get("insurance_tier_history_done")
            and self.env.context.get("insurance_tier_history_token") is _TIER_WRITE_TOKEN
        ):
            return self._insurance_write_tier(vals)
        return super().write(vals)

    def _insurance_write_tier(self, vals):
        """``write`` when it sets the tier by hand: keep each change in the tier
        history. Below the administrators, a tier is only set by hand by locking
        it, else the next recompute would silently undo it."""
        previous = {partner.id: partner.insurance_tier_id.id for partner in self}
        result = self.with_context(
            insurance_tier_history_done=True, insurance_tier_history_token=_TIER_WRITE_TOKEN
        ).write(vals)
        changed = self.filtered(lambda p: p.insurance_tier_id.id != previous[p.id])
        if not changed:
            return result
        unlocked = changed.sudo().filtered(lambda p: not p.insurance_tier_locked)
        if unlocked and not self.env.su and not self.env.user.has_group(GROUP_INSURANCE_ADMIN):
            raise UserError(
                _(
                    "Lock the tier of %(clients)s, with a reason, to set it by hand: "
                    "otherwise the tier rules set it.",
                    clients=", ".join(unlocked.mapped("display_name")),
                )
            )
        changed._insurance_log_tier_changes(
            [
                {
                    "partner_id": partner.id,
                    "old_tier_id": previous[partner.id] or None,
                    "new_tier_id": partner.insurance_tier_id.id or None,
                    "origin": "manual" if partner in unlocked else "lock",
                    "reason": partner.sudo().insurance_tier_lock_reason
                    or self.env.context.get("insurance_tier_reason"),
                    "rule_id": None,
                }
                for partner in changed
            ]
        )
        return result

    def _insurance_log_tier_changes(self, changes):
        """Keep ``changes`` in the tier history, and give the account manager of
        each client that moved up to the key tier from a less important one an
        activity (a client's first tier is no move: installing the addon on a
        book does not flood the managers with activities).

        ``changes`` is a list of dicts with partner_id, old_tier_id, new_tier_id,
        origin, reason and rule_id (ids or None). The rows go in with one INSERT:
        the ORM would insert them 100 at a time, and a batch of the recompute
        must cost the same number of queries whatever its size. The history has
        no computed field but company_id, taken here from the client.
        """
        if not changes:
            return
        self.env["res.partner"].flush_model(["company_id"])
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO insurance_tier_history (
                    partner_id, old_tier_id, new_tier_id, origin, reason, rule_id,
                    company_id, date, user_id, create_uid, create_date, write_uid, write_date
                )
                SELECT c.partner_id, c.old_tier_id, c.new_tier_id, c.origin, c.reason,
                       c.rule_id, p.company_id, %(date)s, %(uid)s, %(uid)s, %(now)s,
                       %(uid)s, %(now)s
                  FROM unnest(%(partner_ids)s::int[], %(old_tier_ids)s::int[],
                              %(new_tier_ids)s::int[], %(origins)s::varchar[],
                              %(reasons)s::varchar[], %(rule_ids)s::int[])
                       AS c(partner_id, old_tier_id, new_tier_id, origin, reason, rule_id)
                  JOIN res_partner p ON p.id = c.partner_id
                """,
                date=fields.Datetime.now(),
                uid=self.env.uid,
                now=now,
                partner_ids=[change["partner_id"] for change in changes],
                old_tier_ids=[change["old_tier_id"] for change in changes],
                new_tier_ids=[change["new_tier_id"] for change in changes],
                origins=[change["origin"] for change in changes],
                reasons=[change["reason"] or None for change in changes],
                rule_ids=[change["rule_id"] for change in changes],
            )
        )
        partners = self.browse([change["partner_id"] for change in changes])
        partners.invalidate_recordset(["insurance_tier_history_ids"])
        # moving up: from a less important tier (a first tier is no move)
        Tier = self.env["insurance.client.tier"].sudo().with_context(active_test=False)
        key_tier = Tier.search([("code", "=", KEY_TIER_CODE)], limit=1)
        if not key_tier:
            return
        lower_tier_ids = set(
            Tier.browse({change["old_tier_id"] for change in changes if change["old_tier_id"]})
            .filtered(lambda tier: tier != key_tier and tier.sequence >= key_tier.sequence)
            .ids
        )
        promoted = self.browse(
            [
                change["partner_id"]
                for change in changes
                if change["new_tier_id"] == key_tier.id and change["old_tier_id"] in lower_tier_ids
            ]
        )
        promoted._insurance_notify_key_promotion(key_tier)

    def _insurance_notify_key_promotion(self, key_tier):
        """A to-do for the account manager of each client of ``self`` (which
        just moved up to ``key_tier``): one create for all, without the e-mail
        sent per activity (managers see them in their activities). Odoo makes
        each manager a follower of its clients, one call per manager: the cost
        grows with the managers concerned, not with the clients."""
        clients = self.sudo().filtered("account_manager_id")
        if not clients:
            return
        activity_type = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        model_id = self.env["ir.model"]._get_id("res.partner")
        deadline = fields.Date.context_today(self) + timedelta(days=KEY_CLIENT_ACTIVITY_DAYS)
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": client.id,
                    "activity_type_id": activity_type.id if activity_type else False,
                    "user_id": client.account_manager_id.id,
                    "date_deadline": deadline,
                    "summary": self.env._(
                        "New %(tier)s: review the service plan", tier=key_tier.name
                    ),
                    # an HTML field: the client's name is text, escaped by Markup's %
                    "note": Markup("<p>%s</p>")
                    % self.env._(
                        "%(client)s moved up to %(tier)s by the tier rules or by hand: "
                        "check its account plan, service levels and contacts.",
                        client=client.display_name,
                        tier=key_tier.name,
                    ),
                }
                for client in clients
            ]
        )

    def _insurance_tier_facts(self, today):
        """{partner id: tiering.ClientFacts} for the clients of ``self``, from
        three grouped queries whatever their number:

        - active policies per client and line of business: how many, which lines;
        - premium of the policies (active or expired, not draft or cancelled) in
          force during the last ``LOSS_RATIO_MONTHS`` months, grouped by cover
          dates so that each premium is earned pro rata of its days in the window;
        - claims paid, by date of loss in the same window.

        The annual premium is the stored one. Amounts are converted to the
        currency of the client's company, at today's rate (one rate lookup per
        pair of currencies, not per client).
        """
        Policy = self.env["insurance.policy"].sudo()
        Claim = self.env["insurance.claim"].sudo()
        window_first = today - relativedelta(months=LOSS_RATIO_MONTHS) + timedelta(days=1)
        company_by_partner = {
            partner.id: partner.company_id or self.env.company for partner in self
        }
        rates = {}

        def convert(amount, currency, partner_id):
            company = company_by_partner[partner_id]
            if not currency or currency == company.currency_id:
                return amount
            key = (currency.id, company.id)
            if key not in rates:
                rates[key] = currency._get_conversion_rate(
                    currency, company.currency_id, company, today
                )
            return amount * rates[key]

        policy_counts = defaultdict(int)
        lines = defaultdict(set)
        for partner, line, count in Policy._read_group(
            [("partner_id", "in", self.ids), ("state", "=", "active")],
            ["partner_id", "line_id"],
            ["__count"],
        ):
            policy_counts[partner.id] += count
            if line:
                lines[partner.id].add(line.id)
        earned = defaultdict(float)
        for partner, currency, date_start, date_end, premium in Policy._read_group(
            [
                ("partner_id", "in", self.ids),
                ("state", "in", ("active", "expired")),
                ("date_start", "<=", today),
                ("date_end", ">=", window_first),
            ],
            ["partner_id", "currency_id", "date_start:day", "date_end:day"],
            ["premium:sum"],
        ):
            amount = tiering.earned_premium(premium, date_start, date_end, window_first, today)
            earned[partner.id] += convert(amount, currency, partner.id)
        paid = defaultdict(float)
        for partner, currency, amount in Claim._read_group(
            [
                ("partner_id", "in", self.ids),
                ("date_loss", ">=", window_first),
                ("date_loss", "<=", today),
            ],
            ["partner_id", "currency_id"],
            ["amount_paid:sum"],
        ):
            paid[partner.id] += convert(amount, currency, partner.id)
        return {
            partner.id: tiering.ClientFacts(
                partner_id=partner.id,
                annual_premium=partner.annual_premium,
                active_policies=policy_counts[partner.id],
                loss_ratio=tiering.loss_ratio(paid[partner.id], earned[partner.id]),
                line_ids=frozenset(lines[partner.id]),
            )
            for partner in self
        }

    def _insurance_decide_tiers(self, today):
        """What the tier rules give each client of ``self``.

        Returns ``(decisions, rules)``: ``decisions`` maps each partner id to
        ``(tier id or None, rule id or None)``, ``rules`` are the rules tried. A
        client follows the rules of its company and those of every company; a
        client shared by all companies follows those of the current company.
        """
        facts = self._insurance_tier_facts(today)
        default_company = self.env.company
        companies = self.company_id
        if any(not partner.company_id for partner in self):
            companies |= default_company
        rules = (
            self.env["insurance.tier.rule"]
            .sudo()
            .search([("company_id", "in", [False, *companies.ids])])
        )
        plain_rules = rules._to_tiering_rules(rules._partner_ids_matching(self.ids))
        rules_by_company = {
            company.id: [
                plain
                for rule, plain in zip(rules, plain_rules, strict=True)
                if not rule.company_id or rule.company_id == company
            ]
            for company in companies
        }
        fallback_id = self.env["insurance.client.tier"].sudo()._get_fallback_tier().id or None
        decisions = {
            partner.id: tiering.decide_tier(
                facts[partner.id],
                rules_by_company[(partner.company_id or default_company).id],
                fallback_id,
            )
            for partner in self
        }
        return decisions, rules

    def _recompute_insurance_tiers(self):
        """Give each client of ``self`` (one batch) the tier of the first tier
        rule it meets, else the fallback tier. A client whose tier is locked
        keeps it; once the last day of its lock has passed, the lock is removed
        and the rules apply again. Every client of ``self`` is marked checked
        today. Returns the clients whose tier changed.

        The cost does not grow with the batch: three grouped queries for the
        facts, one search per rule with a client filter, then one statement
        each for the tiers and check dates, the history, and the activities of
        the clients that became key clients. Reads and writes as the caller's
        environment allows: the scheduled action and
        :meth:`action_recompute_insurance_tiers` call it as superuser.
        """
        clients = self.filtered("is_insurance_client")
        if not clients:
            return self.browse()
        today = fields.Date.context_today(self)
        released = clients.filtered(
            lambda p: (
                p.insurance_tier_locked
                and p.insurance_tier_lock_until
                and p.insurance_tier_lock_until < today
            )
        )
        if released:
            released.write(
                {
                    "insurance_tier_locked": False,
                    "insurance_tier_lock_reason": False,
                    "insurance_tier_lock_until": False,
                }
            )
        free = clients.filtered(lambda p: not p.insurance_tier_locked)
        decisions, rules = free._insurance_decide_tiers(today)
        rule_names = {rule.id: rule.name for rule in rules}
        changes = []
        for partner in free:
            tier_id, rule_id = decisions[partner.id]
            old_tier_id = partner.insurance_tier_id.id or None
            if tier_id == old_tier_id:
                continue
            reason = (
                _("Rule: %(rule)s", rule=rule_names[rule_id])
                if rule_id
                else _("No tier rule matched: fallback tier")
            )
            if partner in released:
                reason = _("Lock ended. %(reason)s", reason=reason)
            changes.append(
                {
                    "partner_id": partner.id,
                    "old_tier_id": old_tier_id,
                    "new_tier_id": tier_id,
                    "origin": "rule" if rule_id else "fallback",
                    "reason": reason,
                    "rule_id": rule_id,
                }
            )
        new_tiers = {change["partner_id"]: change["new_tier_id"] for change in changes}
        changed = self.browse(list(new_tiers))
        # One UPDATE for the batch (the ORM writes 100 rows per statement); the
        # fields computed from the tier (e.g. on service requests) are marked to
        # recompute as a write would.
        self.flush_model(["insurance_tier_id", "insurance_tier_checked_on"])
        changed.modified(["insurance_tier_id"], before=True)
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner AS p
                   SET insurance_tier_checked_on = %(today)s,
                       insurance_tier_id = CASE WHEN v.changed THEN v.tier_id
                                                ELSE p.insurance_tier_id END,
                       write_uid = CASE WHEN v.changed THEN %(uid)s ELSE p.write_uid END,
                       write_date = CASE WHEN v.changed THEN %(now)s ELSE p.write_date END
                  FROM unnest(%(ids)s::int[], %(tier_ids)s::int[], %(changed)s::bool[])
                       AS v(id, tier_id, changed)
                 WHERE p.id = v.id
                """,
                today=today,
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=clients.ids,
                tier_ids=[new_tiers.get(partner_id) for partner_id in clients.ids],
                changed=[partner_id in new_tiers for partner_id in clients.ids],
            )
        )
        clients.invalidate_recordset(
            ["insurance_tier_id", "insurance_tier_checked_on", "write_uid", "write_date"]
        )
        changed.modified(["insurance_tier_id"])
        changed._insurance_log_tier_changes(changes)
        return changed

    def _insurance_tier_todo_domain(self, today):
        return [
            ("is_insurance_client", "=", True),
            "|",
            ("insurance_tier_checked_on", "=", False),
            ("insurance_tier_checked_on", "<", today),
        ]

    @api.model
    def _cron_recompute_insurance_tiers(self):
        """Recompute the tiers of the clients not checked yet today, a batch per
        call; the scheduled action calls again while some remain.

        Resumable and idempotent: a batch writes its tiers, history and check
        date in the same transaction, so after a crash the rerun starts with the
        first client not checked today, never skips one and never logs a change
        twice; a second run on the same day finds nothing to do.
        """
        Partner = self.sudo()
        domain = Partner._insurance_tier_todo_domain(fields.Date.context_today(self))
        clients = Partner.search(domain, limit=TIER_BATCH_SIZE, order="id")
        clients._recompute_insurance_tiers()
        remaining = Partner.search_count(domain) if len(clients) == TIER_BATCH_SIZE else 0
        self.env["ir.cron"]._notify_progress(done=len(clients), remaining=remaining)

    def action_recompute_insurance_tiers(self):
        """Recompute the tiers of ``self`` (of every client when empty) now.

        Up to ``TIER_SYNC_LIMIT`` clients the recompute runs at once, by
        batches, and the notification says how many changed tier. Above, the
        clients are marked unchecked and the scheduled action is triggered to
        work through them in the background.
        """
        if not self.env.user.has_group(GROUP_INSURANCE_ADMIN):
            raise AccessError(_("Only insurance administrators can recompute client tiers."))
        Partner = self.env["res.partner"].sudo()
        domain = [("is_insurance_client", "=", True)]
        if self:
            domain.append(("id", "in", self.ids))
        count = Partner.search_count(domain)
        if count > TIER_SYNC_LIMIT:
            return Partner._insurance_recompute_tiers_later(domain, count)
        changed = 0
        for batch_ids in split_every(TIER_BATCH_SIZE, Partner.search(domain, order="id").ids):
            changed += len(Partner.browse(batch_ids)._recompute_insurance_tiers())
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

    def _insurance_recompute_tiers_later(self, domain, count):
        """Mark the clients of ``domain`` unchecked, in one statement, and let
        the scheduled action recompute them."""
        cron = self.env.ref(
            "insurance_account_manager.ir_cron_recompute_insurance_tiers", raise_if_not_found=False
        )
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
        self.flush_model(["insurance_tier_checked_on"])
        query = self._where_calc(domain)
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET insurance_tier_checked_on = NULL WHERE id IN %s",
                query.subselect(),
            )
        )
        self.invalidate_model(["insurance_tier_checked_on"])
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
