from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import create_index, drop_index

from ..tools import service, validation
from .mail_tracking_sql import insert_tracking_notes
from .res_partner import with_rule_fields
from .res_partner_manager_change import init_manager_copy_column

# Policies switched to "expired" by one run of the scheduled action; the
# cron re-triggers itself while more remain (ir.cron progress API).
EXPIRY_BATCH_SIZE = 1000
# Policies given a renewal request per run of the renewal scheduled action.
RENEWAL_BATCH_SIZE = 500
# The fields of a policy the client's tier depends on (its premium, count of
# active policies, lines and loss ratio): changing one gives the client its
# tier at once (res.partner._insurance_book_changed).
TIER_POLICY_FIELDS = (
    "partner_id",
    "state",
    "active",
    "premium",
    "currency_id",
    "line_id",
    "date_start",
    "date_end",
)


class InsurancePolicy(models.Model):
    _name = "insurance.policy"
    _description = "Insurance Policy"
    _inherit = ["mail.thread", "mail.activity.mixin", "insurance.input.mixin"]
    _order = "date_end desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["name", "partner_id.name"]
    _insurance_input_limits = {"name": validation.CODE}

    # Identification
    name = fields.Char(
        string="Policy Number", required=True, copy=False, tracking=True, index="trigram"
    )
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        ondelete="restrict",
    )
    insurer_id = fields.Many2one(
        "res.partner",
        string="Insurer",
        tracking=True,
        check_company=True,
        ondelete="restrict",
        help="The carrier underwriting the risk.",
    )
    line_id = fields.Many2one(
        "insurance.line", string="Line of Business", index=True, tracking=True
    )
    account_manager_id = fields.Many2one(
        related="partner_id.account_manager_id",
        store=True,
        index=True,
        string="Account Manager",
        # a copy of the client's manager, whose change the client's chatter
        # and manager history keep: not tracked again on each policy (a
        # related field would take the client field's tracking)
        tracking=False,
    )
    # a copy of the client's backup manager, for the record rule: an OR of two
    # indexed columns of the policy that PostgreSQL reads with two index scans,
    # where a test through the client (partner_id.backup_manager_id) made it
    # read every policy (see _auto_init)
    backup_manager_id = fields.Many2one(
        related="partner_id.backup_manager_id",
        store=True,
        index="btree_not_null",
        string="Backup Manager",
        tracking=False,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        default="draft",
        required=True,
        tracking=True,
        index=True,
        copy=False,
    )
    # Money
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    premium = fields.Monetary(string="Annual Premium", tracking=True)
    sum_insured = fields.Monetary(tracking=True)
    # Dates
    date_start = fields.Date(
        string="Start Date", required=True, tracking=True, default=fields.Date.context_today
    )
    date_end = fields.Date(
        string="End Date",
        required=True,
        tracking=True,
        index=True,
        compute="_compute_date_end",
        store=True,
        readonly=False,
        precompute=True,
        help="Last day of cover. Defaults to one year after the start date.",
    )
    # Renewal chain
    previous_policy_id = fields.Many2one(
        "insurance.policy",
        string="Previous Term",
        copy=False,
        check_company=True,
        # no index of its own: the unique constraint's (previous_policy_uniq)
        # serves every look-up, and each write of a term maintained both
        tracking=True,
    )
    renewal_policy_ids = fields.One2many("insurance.policy", "previous_policy_id")
    renewal_policy_id = fields.Many2one(
        "insurance.policy",
        string="Renewed By",
        compute="_compute_renewal_policy_id",
        store=True,
    )
    renewal_state = fields.Selection(
        [
            ("open", "Renewal Open"),
            ("renewed", "Renewed"),
            ("not_renewed", "Not Renewed"),
        ],
        string="Renewal",
        readonly=True,
        copy=False,
        index="btree_not_null",
        tracking=True,
        help="Set by the renewal pipeline: open when the renewal request opens, then "
        "renewed (the next term exists) or not renewed.",
    )
    renewal_request_ids = fields.One2many(
        "insurance.service.request", "renewed_policy_id", string="Renewal Requests"
    )
    renewal_lost_reason_id = fields.Many2one(
        "insurance.service.lost.reason", string="Not Renewed Because", readonly=True, copy=False
    )
    renewal_competitor_id = fields.Many2one(
        "res.partner", string="Lost To", readonly=True, copy=False
    )
    # Claims
    claim_ids = fields.One2many("insurance.claim", "policy_id", string="Claims")
    claim_count = fields.Integer(compute="_compute_claim_count")
    notes = fields.Html()

    _sql_constraints = [
        (
            "name_company_uniq",
            "unique(name, company_id)",
            "A policy number must be unique within a company.",
        ),
        (
            "previous_policy_uniq",
            "unique(previous_policy_id)",
            "A policy term can only be renewed once.",
        ),
    ]

    def _auto_init(self):
        # the copy of the backup manager is created and filled in SQL on a
        # live book, not computed by the ORM policy by policy
        init_manager_copy_column(self.env.cr, self._table, "backup_manager_id", "partner_id")
        result = super()._auto_init()
        # the index of previous_policy_id, which the unique constraint's duplicated
        drop_index(self.env.cr, "insurance_policy__previous_policy_id_index", self._table)
        # The renewal generator's selection: terms in force without a renewal
        # yet, taken by end date (_renewal_due_query); partial, so it holds
        # only the terms still to renew, whatever the size of the book.
        create_index(
            self.env.cr,
            "insurance_policy_renewal_due_idx",
            self._table,
            ["date_end", "id"],
            where="renewal_state IS NULL AND state = 'active' AND active",
        )
        return result

    @api.depends("date_start")
    def _compute_date_end(self):
        for policy in self:
            if policy.date_start and not policy.date_end:
                policy.date_end = policy.date_start + relativedelta(years=1, days=-1)

    @api.depends("renewal_policy_ids")
    def _compute_renewal_policy_id(self):
        for policy in self:
            policy.renewal_policy_id = policy.renewal_policy_ids[:1]

    def _compute_claim_count(self):
        counts = dict(
            self.env["insurance.claim"]._read_group(
                [("policy_id", "in", self.ids)], ["policy_id"], ["__count"]
            )
        )
        for policy in self:
            policy.claim_count = counts.get(policy, 0)

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for policy in self:
            if policy.date_start and policy.date_end and policy.date_end <= policy.date_start:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: the end date must be after the start date.",
                        policy=policy.name,
                    )
                )

    @api.constrains("premium", "sum_insured")
    def _check_amounts(self):
        for policy in self:
            if policy.premium < 0 or policy.sum_insured < 0:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: the premium and the sum insured cannot be negative.",
                        policy=policy.name,
                    )
                )

    @api.constrains("sum_insured")
    def _check_sum_insured_covers_claims(self):
        paid = (
            self.env["insurance.claim"]
            .sudo()
            ._read_group([("policy_id", "in", self.ids)], ["policy_id"], ["amount_paid:max"])
        )
        for policy, max_paid in paid:
            if policy.currency_id.compare_amounts(max_paid, policy.sum_insured) > 0:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: the sum insured cannot be lower than the "
                        "%(paid)s already paid on one of its claims.",
                        policy=policy.name,
                        paid=policy.currency_id.format(max_paid),
                    )
                )

    @api.constrains("date_start", "date_end")
    def _check_claims_within_cover(self):
        claims = self.env["insurance.claim"].sudo().search([("policy_id", "in", self.ids)])
        for claim in claims:
            policy = claim.policy_id
            if not policy.date_start <= claim.date_loss <= policy.date_end:
                raise ValidationError(
                    _(
                        "Policy %(policy)s: claim %(claim)s has a loss date outside the "
                        "new period of cover.",
                        policy=policy.name,
                        claim=claim.name,
                    )
                )

    @api.constrains("previous_policy_id", "partner_id")
    def _check_previous_policy(self):
        for policy in self.filtered("previous_policy_id"):
            previous = policy.previous_policy_id
            if previous == policy:
                raise ValidationError(_("A policy cannot renew itself."))
            if previous.partner_id != policy.partner_id:
                raise ValidationError(
                    _(
                        "Policy %(policy)s can only renew a policy of the same client.",
                        policy=policy.name,
                    )
                )

    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        # with the fields the read rules test
        field_names = with_rule_fields(self, field_names)
        return super().search_fetch(domain, field_names, offset, limit, order)

    @api.model
    def _read_group_format_result(self, rows_dict, lazy_groupby):
        # the managers' names of the groups (a pivot's rows) in one query
        # instead of two (users, then partners): CRM's stages take one
        managers = self.env["res.users"].browse(
            {
                row[groupby].id
                for row in rows_dict
                for groupby in lazy_groupby
                if groupby in ("account_manager_id", "backup_manager_id") and row[groupby]
            }
        )
        managers.sudo()._insurance_prefetch_names()
        return super()._read_group_format_result(rows_dict, lazy_groupby)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if "name" in vals:
                vals["name"] = validation.normalize_policy_number(vals["name"])
        policies = super().create(vals_list)
        # a partner becomes a client with its first policy: it gets its tier,
        # then a manager when Settings ask for automatic assignment, now
        policies.partner_id._insurance_book_changed()
        return policies

    def write(self, vals):
        if "name" in vals:
            # one number, however typed: compared by the unique constraint
            vals = dict(vals, name=validation.normalize_policy_number(vals["name"]))
        # the clients whose book changes: before the write (a policy moved away
        # changes its former client's book too) and after it
        clients = self.partner_id if any(f in vals for f in TIER_POLICY_FIELDS) else None
        moved = self.browse()
        if vals.get("partner_id"):
            if not self.env.su:
                self.check_access("write")
            moved = self.filtered(lambda policy: policy.partner_id.id != vals["partner_id"])
            if moved and not self.env.su:
                clients = moved.partner_id | self.env["res.partner"].browse(vals["partner_id"])
                if not clients.has_access("write"):
                    self._refuse_move()
        result = super().write(vals)
        if moved:
            # the policy stays in a book the user may edit (as a new policy must)
            if not self.env.su and not moved.has_access("write"):
                self._refuse_move()
            moved._move_requests_to_client()
        if clients is not None:
            (clients | self.partner_id)._insurance_book_changed()
        return result

    def _refuse_move(self):
        raise AccessError(
            _(
                "A policy moves only between clients you manage: ask the account manager "
                "of the other client, or your team lead."
            )
        )

    def _move_requests_to_client(self):
        """The claims of a moved policy follow it (their client is the policy's);
        so do the service requests about the policy or its claims."""
        requests = (
            self.env["insurance.service.request"]
            .sudo()
            .with_context(active_test=False)
            .search(["|", ("policy_id", "in", self.ids), ("claim_id.policy_id", "in", self.ids)])
        )
        by_client = defaultdict(lambda: requests.browse())
        for request in requests:
            client = (request.claim_id.policy_id or request.policy_id).partner_id
            if request.partner_id != client:
                by_client[client] |= request
        for client, client_requests in by_client.items():
            client_requests.write({"partner_id": client.id})

    def unlink(self):
        clients = self.partner_id
        result = super().unlink()
        clients._insurance_book_changed()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_claims(self):
        with_claims = self.sudo().filtered("claim_ids")
        if with_claims:
            raise UserError(
                _(
                    "Policies with claims cannot be deleted: %(policies)s. Archive them instead.",
                    policies=", ".join(with_claims.mapped("name")),
                )
            )

    def action_activate(self):
        if any(policy.state != "draft" for policy in self):
            raise UserError(_("Only draft policies can be activated."))
        self.write({"state": "active"})

    def action_cancel(self):
        if any(policy.state == "cancelled" for policy in self):
            raise UserError(_("This policy is already cancelled."))
        self.write({"state": "cancelled"})

    def action_set_draft(self):
        """Reopen a cancelled policy; one with claims stays as it is."""
        if any(policy.state != "cancelled" for policy in self):
            raise UserError(_("Only cancelled policies can be reset to draft."))
        with_claims = self.sudo().filtered("claim_ids")
        if with_claims:
            raise UserError(
                _(
                    "Policies with claims cannot be reset to draft: %(policies)s.",
                    policies=", ".join(with_claims.mapped("name")),
                )
            )
        self.write({"state": "draft"})

    def action_view_claims(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "insurance_account_manager.insurance_claim_action"
        )
        action["domain"] = [("policy_id", "=", self.id)]
        action["context"] = {"default_policy_id": self.id}
        return action

    @api.model
    def _cron_expire_policies(self):
        """Mark active policies whose cover has ended as expired.

        Idempotent: only active policies past their end date are selected, so
        a rerun after a crash picks up exactly what is left.
        """
        domain = [("state", "=", "active"), ("date_end", "<", fields.Date.context_today(self))]
        policies = self.search(domain, limit=EXPIRY_BATCH_SIZE, order="id")
        policies.write({"state": "expired"})
        remaining = self.search_count(domain) if len(policies) == EXPIRY_BATCH_SIZE else 0
        self.env["ir.cron"]._notify_progress(done=len(policies), remaining=remaining)

    # ------------------------------------------------------------
    # Renewals
    # ------------------------------------------------------------

    @api.model
    def _renewal_horizons(self, today):
        """``[(tier ids or None, last end date due)]``: see service.renewal_horizons."""
        tiers = self.env["insurance.client.tier"].sudo().with_context(active_test=False).search([])
        return service.renewal_horizons({tier.id: tier.renewal_lead_days for tier in tiers}, today)

    @api.model
    def _renewal_due_domain(self, today):
        """Active terms due for renewal on ``today`` whose renewal has not
        started: the end date within the lead time of the client's tier (the
        scheduled action selects with _renewal_due_query, which leaves out the
        terms that have a request or a next term too)."""
        by_tier = []
        for tier_ids, last_end in self._renewal_horizons(today):
            by_tier.append(
                [
                    "&",
                    ("partner_id.insurance_tier_id", "in", list(tier_ids))
                    if tier_ids is not None
                    else ("partner_id.insurance_tier_id", "=", False),
                    ("date_end", "<=", last_end),
                ]
            )
        return [
            ("active", "=", True),
            ("state", "=", "active"),
            ("renewal_state", "=", False),
            *(["|"] * (len(by_tier) - 1)),
            *(term for condition in by_tier for term in condition),
        ]

    @api.model
    def _renewal_due_query(self, today, limit=None, order=None):
        """The terms due for renewal on ``today`` (those of _renewal_due_domain)
        that have neither a renewal request (an archived one counts) nor a next
        term, as one query the planner runs along the partial index
        insurance_policy_renewal_due_idx in end-date order: the client's lead
        time as a CASE on its tier over a join (the domain's
        ``partner_id.insurance_tier_id in ...`` hashes every client of a tier
        first), and NOT EXISTS conditions, anti-joins on the unique indexes
        (the ORM's ``renewal_request_ids = False`` is ``id NOT IN
        (subquery)``, which needs the statistics to be planned well)."""
        horizons = self._renewal_horizons(today)
        query = self.with_context(active_test=False)._search(
            [
                ("active", "=", True),
                ("state", "=", "active"),
                ("renewal_state", "=", False),
                ("date_end", "<=", max(last_end for _tiers, last_end in horizons)),
            ],
            limit=limit,
            order=order,
        )
        policy = query.table
        client = query.join(policy, "partner_id", "res_partner", "id", "partner_id")
        tier = SQL.identifier(client, "insurance_tier_id")
        cases = [
            SQL("WHEN %s = ANY(%s) THEN %s::date", tier, list(tier_ids), last_end)
            for tier_ids, last_end in horizons
            if tier_ids is not None
        ]
        tierless_end = next((last_end for tier_ids, last_end in horizons if tier_ids is None), None)
        query.add_where(
            SQL(
                "%s <= CASE %s WHEN %s IS NULL THEN %s::date ELSE NULL END",
                SQL.identifier(policy, "date_end"),
                SQL(" ").join(cases),
                tier,
                tierless_end,
            )
        )
        policy_id = SQL.identifier(policy, "id")
        query.add_where(
            SQL(
                "NOT EXISTS (SELECT 1 FROM insurance_service_request r "
                "WHERE r.renewed_policy_id = %s)",
                policy_id,
            )
        )
        query.add_where(
            SQL(
                "NOT EXISTS (SELECT 1 FROM insurance_policy n WHERE n.previous_policy_id = %s)",
                policy_id,
            )
        )
        return query

    @api.model
    def _cron_generate_renewals(self):
        """Open a renewal request for each active policy term ending within its
        tier's lead time.

        Exactly one request per term, whatever reruns, crashes or overlaps:
        only terms without a request are selected, rows another run holds are
        skipped (``FOR UPDATE SKIP LOCKED``), and a unique index on the
        request's renewed term refuses any second request. Set-based: a batch
        costs the same number of queries whatever its size. The progress
        reports whether more terms remain (the same ordered scan, one term
        past the batch), which is what the scheduler needs to run again; a
        count of the due terms would cost more than the batch itself, and
        looking a whole batch ahead (as before) doubled the selection's rows.
        """
        Policy = self.sudo().with_context(active_test=False)
        today = fields.Date.context_today(self)
        query = Policy._renewal_due_query(today, limit=RENEWAL_BATCH_SIZE + 1, order="date_end, id")
        due_ids = query.get_result_ids()
        policies = Policy.browse(due_ids[:RENEWAL_BATCH_SIZE])
        locked = Policy._renewal_lock(policies)
        self.env["insurance.service.request"]._create_renewal_requests(locked)
        remaining = len(due_ids) - len(policies)
        self.env["ir.cron"]._notify_progress(done=len(locked), remaining=remaining)
        return locked

    def _renewal_log_opened(self, requests):
        """Log on each renewed term of ``requests`` the message its renewal
        state's tracking would post (Renewal: Renewal Open): a note by the
        current user holding that tracking value, all inserted by one
        statement (insert_tracking_notes, as the tier and manager changes)
        instead of a round of queries per policy."""
        if not requests:
            return
        Policy = self.sudo()
        fname = "renewal_state"
        col_info = Policy.fields_get([fname], attributes=("string", "type", "selection"))[fname]
        renewed = requests.sudo().renewed_policy_id
        # one tracking value for all: the same field, from nothing to open
        tracking = self.env["mail.tracking.value"]._create_tracking_values(
            False, "open", fname, col_info, renewed[:1]
        )
        insert_tracking_notes(
            self.env, [(self._name, policy_id, [tracking]) for policy_id in renewed.ids]
        )

    @api.model
    def _renewal_lock(self, policies):
        """``policies`` whose rows this transaction could lock (others are being
        renewed by an overlapping run)."""
        if not policies:
            return policies
        self.env.cr.execute(
            SQL(
                "SELECT id FROM insurance_policy WHERE id = ANY(%s) AND renewal_state IS NULL "
                "ORDER BY id FOR UPDATE SKIP LOCKED",
                policies.ids,
            )
        )
        ids = {row[0] for row in self.env.cr.fetchall()}
        return policies.filtered(lambda policy: policy.id in ids)

    def action_view_renewal_requests(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "insurance_account_manager.insurance_service_request_action"
        )
        action["domain"] = [("renewed_policy_id", "=", self.id)]
        action["context"] = {"active_test": False}
        return action
