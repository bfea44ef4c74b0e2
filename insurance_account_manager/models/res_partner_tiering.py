from collections import defaultdict, namedtuple
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, create_index, split_every

from ..tools import tiering
from .mail_tracking_sql import insert_tracking_notes
from .res_partner import GROUP_INSURANCE_ADMIN, GROUP_INSURANCE_AM

GROUP_INSURANCE_TEAM_LEAD = "insurance_account_manager.insurance_group_team_lead"

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
# Moving up to the tier with this code gives the account manager an activity,
# due this many days later.
KEY_TIER_CODE = "key"
KEY_CLIENT_ACTIVITY_DAYS = 7
# A client's tier and its lock are set by team leads (their teams' clients)
# and administrators only; an account manager requests a lock, which the team
# lead approves or refuses.
TIER_LOCK_FIELDS = (
    "insurance_tier_id",
    "insurance_tier_locked",
    "insurance_tier_lock_reason",
    "insurance_tier_lock_until",
)
# Fields of the lock request set by the server only (request, approve, refuse).
TIER_REQUEST_SERVER_FIELDS = ("insurance_tier_request_state", "insurance_tier_request_user_id")
TIER_LOCK_REQUEST_ACTIVITY = "insurance_account_manager.mail_activity_type_tier_lock_request"
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
    insurance_tier_color = fields.Integer(
        related="insurance_tier_id.color",
        string="Client Tier Color",
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
    insurance_tier_history_ids = fields.One2many(
        "insurance.tier.history", "partner_id", string="Tier History", groups=GROUP_INSURANCE_AM
    )
    # Lock request: filled by the account manager, decided by the team lead
    insurance_tier_request_state = fields.Selection(
        [("requested", "Lock Requested"), ("refused", "Lock Refused")],
        string="Tier Lock Request",
        readonly=True,
        copy=False,
        tracking=True,
        groups=GROUP_INSURANCE_AM,
    )
    insurance_tier_request_tier_id = fields.Many2one(
        "insurance.client.tier",
        string="Requested Tier",
        copy=False,
        tracking=True,
        ondelete="set null",
        groups=GROUP_INSURANCE_AM,
        help="The tier the account manager asks the team lead to lock this client in.",
    )
    insurance_tier_request_reason = fields.Char(
        string="Reason for the Lock", copy=False, tracking=True, groups=GROUP_INSURANCE_AM
    )
    insurance_tier_request_until = fields.Date(
        string="Lock Requested Until", copy=False, groups=GROUP_INSURANCE_AM
    )
    insurance_tier_request_user_id = fields.Many2one(
        "res.users",
        string="Lock Requested By",
        readonly=True,
        copy=False,
        ondelete="set null",
        groups=GROUP_INSURANCE_AM,
    )
    insurance_can_lock_tier = fields.Boolean(
        compute="_compute_insurance_can_lock_tier", groups=GROUP_INSURANCE_AM
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

    @api.depends_context("uid")
    @api.depends("account_manager_id")
    def _compute_insurance_can_lock_tier(self):
        user = self.env.user
        if user.has_group(GROUP_INSURANCE_ADMIN):
            self.insurance_can_lock_tier = True
            return
        if not user.has_group(GROUP_INSURANCE_TEAM_LEAD):
            self.insurance_can_lock_tier = False
            return
        team = self._insurance_team_managers()
        for partner in self:
            partner.insurance_can_lock_tier = bool(
                partner.account_manager_id and partner.account_manager_id in team
            )

    @api.onchange("insurance_tier_locked")
    def _onchange_insurance_tier_locked(self):
        if not self.insurance_tier_locked:
            self.insurance_tier_lock_reason = False
            self.insurance_tier_lock_until = False

    # ------------------------------------------------------------
    # Tiering
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        if not self.env.su:
            # after super(): the values include the context's defaults
            tiered = partners.sudo().filtered(
                lambda p: any(
                    p[fname] for fname in (*TIER_LOCK_FIELDS, *TIER_REQUEST_SERVER_FIELDS)
                )
            )
            if tiered:
                partners.browse(tiered.ids)._insurance_check_tier_lock_rights()
        return partners

    def _insurance_check_tier_lock_rights(self):
        """Refuse unless the current user may set the tier of the clients of
        ``self`` by hand, or lock it: administrators any client, team leads
        their teams' clients. An account manager requests the lock
        (:meth:`action_request_insurance_tier_lock`)."""
        user = self.env.user
        if user.has_group(GROUP_INSURANCE_ADMIN):
            return
        if not user.has_group(GROUP_INSURANCE_TEAM_LEAD):
            raise AccessError(
                _(
                    "A client's tier is locked by a team lead: fill in the tier and the "
                    "reason, then Request Tier Lock; your team lead approves it."
                )
            )
        self.check_access("write")
        outside = self.filtered(lambda partner: not partner.insurance_can_lock_tier)
        if outside:
            raise AccessError(
                _(
                    "You lock the tiers of your teams' clients only; ask an administrator "
                    "for: %(clients)s",
                    clients=", ".join(outside.mapped("display_name")),
                )
            )

    def write(self, vals):
        inner = self.env.context.get("insurance_tier_history_token") is _TIER_WRITE_TOKEN
        if not self.env.su and not inner:
            if any(fname in vals for fname in TIER_REQUEST_SERVER_FIELDS):
                raise AccessError(
                    _("A tier lock is requested, approved or refused with its buttons only.")
                )
            if any(fname in vals for fname in TIER_LOCK_FIELDS):
                self._insurance_check_tier_lock_rights()
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

    # ------------------------------------------------------------
    # Tier lock requests
    # ------------------------------------------------------------

    def action_request_insurance_tier_lock(self):
        """The account manager asks the team lead to lock the tier of the
        clients of ``self`` in the requested tier, for the reason and until
        the date given on the client; the team leads of the client's manager
        (or, without one, the administrators) get an activity."""
        if not self.env.user.has_group(GROUP_INSURANCE_AM):
            raise AccessError(_("Only account managers request a tier lock."))
        self.check_access("write")
        today = fields.Date.context_today(self)
        for partner in self:
            if not partner.is_insurance_client:
                raise UserError(
                    _("%(partner)s is not an insurance client.", partner=partner.display_name)
                )
            if partner.insurance_tier_request_state == "requested":
                raise UserError(
                    _(
                        "%(client)s: a tier lock is already requested.",
                        client=partner.display_name,
                    )
                )
            if (
                not partner.insurance_tier_request_tier_id
                or not (partner.insurance_tier_request_reason or "").strip()
            ):
                raise UserError(
                    _(
                        "%(client)s: choose the tier to lock and give the reason before "
                        "requesting the lock.",
                        client=partner.display_name,
                    )
                )
            until = partner.insurance_tier_request_until
            if until and until < today:
                raise UserError(
                    _(
                        "%(client)s: the tier lock cannot end in the past.",
                        client=partner.display_name,
                    )
                )
        self.sudo().write(
            {
                "insurance_tier_request_state": "requested",
                "insurance_tier_request_user_id": self.env.uid,
            }
        )
        self._insurance_notify_tier_lock_request()
        return True

    def _insurance_notify_tier_lock_request(self):
        """An activity for the team leads of each client's account manager,
        or the insurance administrators when the manager has no team lead."""
        Team = self.env["crm.team"].sudo()
        activity_type = self.env.ref(TIER_LOCK_REQUEST_ACTIVITY).sudo()
        deadline = fields.Date.context_today(self) + relativedelta(
            **{activity_type.delay_unit: activity_type.delay_count}
        )
        admins = (
            self.env.ref(GROUP_INSURANCE_ADMIN)
            .sudo()
            .users.filtered(lambda user: user.active and not user.share)
        )
        for partner in self.sudo():
            manager = partner.account_manager_id
            leads = (
                Team.search([("crm_team_member_ids.user_id", "=", manager.id)]).user_id
                if manager
                else self.env["res.users"]
            )
            for user in (leads or admins[:1]).filtered("active"):
                partner.activity_schedule(
                    TIER_LOCK_REQUEST_ACTIVITY,
                    date_deadline=deadline,
                    user_id=user.id,
                    note=Markup("<p>%s</p>")
                    % _(
                        "%(requester)s asks to lock the tier of %(client)s in %(tier)s: %(reason)s",
                        requester=self.env.user.name,
                        client=partner.display_name,
                        tier=partner.insurance_tier_request_tier_id.name,
                        reason=partner.insurance_tier_request_reason,
                    ),
                )

    def action_approve_insurance_tier_lock(self):
        """The team lead (of the client's manager) or an administrator locks
        the tier as requested: the lock, its reason and end date are those of
        the request, kept in the tier history; the request is closed."""
        self._insurance_check_tier_lock_rights()
        pending = self.filtered(lambda p: p.insurance_tier_request_state == "requested")
        if pending != self:
            raise UserError(_("Only a requested tier lock can be approved or refused."))
        for partner in self:
            partner.write(
                {
                    "insurance_tier_locked": True,
                    "insurance_tier_id": partner.insurance_tier_request_tier_id.id,
                    "insurance_tier_lock_reason": partner.insurance_tier_request_reason,
                    "insurance_tier_lock_until": partner.insurance_tier_request_until,
                }
            )
        self._insurance_close_tier_lock_request(
            _("Tier lock approved by %(user)s.", user=self.env.user.name)
        )
        return True

    def action_refuse_insurance_tier_lock(self):
        """The team lead (of the client's manager) or an administrator refuses
        the requested lock: the tier stays as the rules set it."""
        self._insurance_check_tier_lock_rights()
        if self.filtered(lambda p: p.insurance_tier_request_state != "requested"):
            raise UserError(_("Only a requested tier lock can be approved or refused."))
        self._insurance_close_tier_lock_request(
            _("Tier lock refused by %(user)s.", user=self.env.user.name), state="refused"
        )
        return True

    def _insurance_close_tier_lock_request(self, feedback, state=False):
        self.sudo().write(
            {
                "insurance_tier_request_state": state,
                "insurance_tier_request_tier_id": False,
                "insurance_tier_request_reason": False,
                "insurance_tier_request_until": False,
            }
            if not state
            else {"insurance_tier_request_state": state}
        )
        self.sudo().activity_feedback([TIER_LOCK_REQUEST_ACTIVITY], feedback=feedback)

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
        just moved up to ``key_tier``), who follows the client, as
        ``mail.activity.create`` does, without the e-mail sent per activity
        (managers see them in their activities). Two statements whatever the
        number of clients and managers: the followers, then the activities
        (the ORM would insert 100 activities per statement and subscribe each
        manager in a round of queries of its own)."""
        clients = self.sudo().filtered("account_manager_id")
        if not clients:
            return
        activity_type = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        deadline = fields.Date.context_today(self) + timedelta(days=KEY_CLIENT_ACTIVITY_DAYS)
        self._insurance_follow(
            [(self._name, client.id, client.account_manager_id.partner_id.id) for client in clients]
        )
        summary = self.env._("New %(tier)s: review the service plan", tier=key_tier.name)
        now = self.env.cr.now()
        self.env["mail.activity"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_activity (
                    res_model_id, res_model, res_id, res_name, activity_type_id, user_id,
                    user_tz, date_deadline, summary, note, automated, active,
                    create_uid, create_date, write_uid, write_date
                )
                SELECT %(model_id)s, %(model)s, v.res_id, v.res_name, %(type_id)s, v.user_id,
                       up.tz, %(deadline)s, %(summary)s, v.note, FALSE, TRUE,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(res_ids)s::int[], %(res_names)s::varchar[],
                              %(user_ids)s::int[], %(notes)s::text[])
                       AS v(res_id, res_name, user_id, note)
                  JOIN res_users u ON u.id = v.user_id
                  JOIN res_partner up ON up.id = u.partner_id
                """,
                model_id=self.env["ir.model"]._get_id(self._name),
                model=self._name,
                type_id=activity_type.id if activity_type else None,
                deadline=deadline,
                summary=summary,
                uid=self.env.uid,
                now=now,
                res_ids=clients.ids,
                res_names=[client.display_name for client in clients],
                user_ids=[client.account_manager_id.id for client in clients],
                # an HTML field: the client's name is text, escaped by Markup's %
                notes=[
                    str(
                        Markup("<p>%s</p>")
                        % self.env._(
                            "%(client)s moved up to %(tier)s by the tier rules or by hand: "
                            "check its account plan, service levels and contacts.",
                            client=client.display_name,
                            tier=key_tier.name,
                        )
                    )
                    for client in clients
                ],
            )
        )
        clients.invalidate_recordset(["activity_ids"])
        self.env["mail.activity"].invalidate_model()

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

    def _insurance_log_tier_tracking(self, changes):
        """Post the tracking of tier changes made in SQL, as mail's tracking
        would at commit: one log note per client by the current user, with the
        old and the new tier, all in one statement. A client that mail already
        tracks in this transaction (a write before this one) gets the change
        added to that tracking instead, so that it keeps one message; a client
        created in this transaction gets none, as with a write."""
        context = self.env.context
        if context.get("tracking_disable") or context.get("mail_notrack"):
            return
        fname = "insurance_tier_id"
        if fname not in self._track_get_fields():
            return
        Tier = self.env["insurance.client.tier"].sudo().with_context(active_test=False)
        pending = self.env.cr.precommit.data.get(f"mail.tracking.{self._name}", {})
        logged = []
        for change in changes:
            if change["partner_id"] in pending:
                values = pending[change["partner_id"]]
                if values is not None:
                    values.setdefault(fname, Tier.browse(change["old_tier_id"]))
                continue
            logged.append(change)
        if not logged:
            return
        Tier.browse(
            {tid for c in logged for tid in (c["old_tier_id"], c["new_tier_id"]) if tid}
        ).mapped("display_name")
        description = self.fields_get([fname], attributes=("string", "type"))[fname]
        TrackingValue = self.env["mail.tracking.value"]
        values = {}
        for change in logged:
            key = (change["old_tier_id"], change["new_tier_id"])
            if key not in values:
                values[key] = TrackingValue._create_tracking_values(
                    Tier.browse(key[0]), Tier.browse(key[1]), fname, description, self
                )
        insert_tracking_notes(
            self.env,
            [
                (self._name, c["partner_id"], [values[c["old_tier_id"], c["new_tier_id"]]])
                for c in logged
            ],
        )

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
