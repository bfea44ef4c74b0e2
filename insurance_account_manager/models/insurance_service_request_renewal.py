from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import drop_index

from ..tools import service, validation
from .res_partner import GROUP_INSURANCE_ADMIN, GROUP_INSURANCE_TEAM_LEAD

RISE_THRESHOLD_PARAM = "insurance_account_manager.renewal_rise_threshold"
DEFAULT_RISE_THRESHOLD = 10.0
# Set by the server only: the renewal generator (the term renewed and its
# premium) and the win (the next term); refused from the client.
RENEWAL_SERVER_FIELDS = ("renewed_policy_id", "previous_premium", "new_policy_id")


class InsuranceServiceRequest(models.Model):
    """Renewal requests: one per policy term, the renewal premium, and the next
    term created when the renewal is won."""

    _inherit = "insurance.service.request"
    # read-only, set from the policy, but written by hand too
    _insurance_input_limits = {"previous_premium": validation.AMOUNT}

    # Renewal (set on renewal requests only)
    renewed_policy_id = fields.Many2one(
        "insurance.policy",
        string="Term Renewed",
        readonly=True,
        copy=False,
        # no index of its own: the unique constraint's (renewed_policy_uniq)
        # serves every look-up, and each new request maintained both
        ondelete="restrict",
        check_company=True,
        help="The policy term this renewal request renews: one request per term.",
    )
    # as superuser: a handler, who reads no policy, reads the request's currency;
    # stored, so that a list or kanban of requests does not read their policies
    # (filled in SQL on a live book: see _auto_init in insurance_service_request.py)
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
        compute_sudo=True,
        store=True,
        precompute=True,
    )
    previous_premium = fields.Monetary(string="Current Premium", readonly=True, copy=False)
    new_premium = fields.Monetary(string="Renewal Premium", tracking=True)
    premium_rise_percent = fields.Float(
        string="Premium Change (%)",
        compute="_compute_premium_rise",
        store=True,
        precompute=True,
    )
    is_premium_rise_flagged = fields.Boolean(
        string="Premium Rise Above Threshold",
        compute="_compute_premium_rise",
        store=True,
        precompute=True,
    )
    new_policy_id = fields.Many2one(
        "insurance.policy", string="Next Term", readonly=True, copy=False, check_company=True
    )
    lost_reason_id = fields.Many2one(
        "insurance.service.lost.reason", string="Lost Reason", tracking=True, copy=False
    )
    competitor_id = fields.Many2one(
        "res.partner", string="Lost To", tracking=True, copy=False, help="The competing insurer."
    )

    _sql_constraints = [
        (
            "renewed_policy_uniq",
            "unique(renewed_policy_id)",
            "A policy term has exactly one renewal request.",
        ),
    ]

    def _auto_init(self):
        result = super()._auto_init()
        # the index of renewed_policy_id, which the unique constraint's duplicated
        drop_index(self.env.cr, "insurance_service_request__renewed_policy_id_index", self._table)
        return result

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("policy_id.currency_id", "company_id")
    def _compute_currency_id(self):
        for request in self:
            request.currency_id = request.policy_id.currency_id or request.company_id.currency_id

    @api.depends("previous_premium", "new_premium", "renewed_policy_id")
    def _compute_premium_rise(self):
        threshold = self._premium_rise_threshold()
        for request in self:
            request.premium_rise_percent = service.premium_rise_percent(
                request.previous_premium, request.new_premium
            )
            request.is_premium_rise_flagged = bool(
                request.renewed_policy_id
            ) and service.is_premium_rise_flagged(
                request.previous_premium, request.new_premium, threshold
            )

    @api.model
    def _refresh_premium_rise_flags(self):
        """Re-flag the open renewals after the rise threshold changed in Settings."""
        renewals = self.sudo().search(
            [("renewed_policy_id", "!=", False), ("stage_state", "=", "open")]
        )
        self.env.add_to_compute(self._fields["is_premium_rise_flagged"], renewals)
        renewals.flush_recordset(["is_premium_rise_flagged"])

    @api.model
    def _premium_rise_threshold(self):
        value = self.env["ir.config_parameter"].sudo().get_param(RISE_THRESHOLD_PARAM)
        try:
            return float(value) if value not in (None, False, "") else DEFAULT_RISE_THRESHOLD
        except ValueError:
            return DEFAULT_RISE_THRESHOLD

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(
            vals.get(name) for vals in vals_list for name in RENEWAL_SERVER_FIELDS
        ):
            self._renewal_refuse_server_fields()
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            if any(name in vals for name in RENEWAL_SERVER_FIELDS):
                self._renewal_refuse_server_fields()
            if "new_premium" in vals or "stage_id" in vals:
                self.check_access("write")
            if "new_premium" in vals:
                self.filtered("renewed_policy_id")._renewal_check_decider()
        if "stage_id" not in vals:
            return super().write(vals)
        stage = self.env["insurance.service.stage"].browse(vals["stage_id"])
        renewals = self.filtered("renewed_policy_id")
        changed = renewals.filtered(lambda r: r.stage_id != stage)
        if not self.env.su:
            # winning, losing and reopening decide the term; moving between open
            # stages is working the renewal
            changed.filtered(
                lambda r: stage.state != "open" or r.stage_state != "open"
            )._renewal_check_decider()
        if stage.state == "lost" and renewals:
            if not vals.get("lost_reason_id"):
                unexplained = renewals.filtered(lambda r: not r.lost_reason_id)
                if unexplained:
                    raise UserError(
                        _(
                            "Give a lost reason for %(requests)s: use the Lost button.",
                            requests=", ".join(unexplained.mapped("name")),
                        )
                    )
            renewed = renewals.filtered("new_policy_id")
            if renewed:
                raise UserError(
                    _(
                        "%(requests)s already created the next term %(policies)s: cancel "
                        "that term before marking the renewal lost.",
                        requests=", ".join(renewed.mapped("name")),
                        policies=", ".join(renewed.new_policy_id.mapped("name")),
                    )
                )
        if stage.state == "won":
            unwon = changed.filtered(
                lambda r: not r.new_policy_id and not r.renewed_policy_id.renewal_policy_id
            )
            if unwon:
                raise UserError(
                    _(
                        "Win %(requests)s with the Won button: it asks for the next "
                        "term's policy number, dates and premium.",
                        requests=", ".join(unwon.mapped("name")),
                    )
                )
        result = super().write(vals)
        if stage.state == "won":
            changed._renewal_win()
        elif stage.state == "lost":
            changed._renewal_lose()
        elif stage.state == "open":
            changed._renewal_reopen()
        return result

    def _renewal_refuse_server_fields(self):
        raise AccessError(
            _(
                "The term a renewal renews, its current premium and its next term are "
                "set by the renewal pipeline only: renewals open ahead of a policy's end, "
                "and winning one creates the next term."
            )
        )

    def _renewal_check_decider(self):
        """Winning, losing, reopening and pricing a renewal is for the renewed
        client's account manager, the lead of a team the manager belongs to, or
        an insurance administrator: not for the backup manager or the handlers
        who work the request."""
        if not self or self.env.su or self.env.user.has_group(GROUP_INSURANCE_ADMIN):
            return
        user = self.env.user
        is_lead = user.has_group(GROUP_INSURANCE_TEAM_LEAD)
        for request in self.sudo():
            manager = request.renewed_policy_id.partner_id.account_manager_id
            if manager == user or (
                is_lead and manager and user in manager.crm_team_member_ids.crm_team_id.user_id
            ):
                continue
            raise AccessError(
                _(
                    "Only the client's account manager, their team lead or an insurance "
                    "administrator can price, win, lose or reopen the renewal %(request)s: "
                    "ask the account manager.",
                    request=request.name,
                )
            )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    @api.constrains("lost_reason_id", "competitor_id")
    def _check_competitor(self):
        for request in self:
            if request.lost_reason_id.is_competitor and not request.competitor_id:
                raise ValidationError(
                    _(
                        "%(request)s: name the insurer the renewal was lost to.",
                        request=request.display_name,
                    )
                )

    def action_view_new_policy(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "insurance.policy",
            "res_id": self.new_policy_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------
    # Renewals
    # ------------------------------------------------------------

    @api.model
    def _create_renewal_requests(self, policies):
        """Open one renewal request per policy term of ``policies`` (callers
        select terms without one; the unique index refuses any second), in one
        create; each renewed term logs one message, all inserted together."""
        if not policies:
            return self.browse()
        types = self.env["insurance.service.type"]._get_by_code_per_company(
            "renewal", policies.company_id
        )
        first_stages = {}
        for company in policies.company_id:
            renewal_type = types[company]
            if not renewal_type:
                raise UserError(_("No renewal pipeline is configured."))
            if renewal_type not in first_stages:
                first_stages[renewal_type] = renewal_type._first_stage()
        # the values of the requests' defaults and stored computed fields,
        # worked out once for the batch (_renewal_computed_values) instead of
        # by the ORM on 500 new records one by one: the create only inserts
        date_open = fields.Datetime.now()
        computed = self._renewal_computed_values(policies, types, first_stages, date_open)
        vals_list = []
        for policy in policies:
            company = policy.company_id
            renewal_type = types[company]
            vals_list.append(
                {
                    "name": self.env._("Renewal of %(policy)s", policy=policy.name),
                    "type_id": renewal_type.id,
                    "stage_id": first_stages[renewal_type].id,
                    "company_id": company.id,
                    "partner_id": policy.partner_id.id,
                    "policy_id": policy.id,
                    "renewed_policy_id": policy.id,
                    "previous_premium": policy.premium,
                    "new_premium": policy.premium,
                    "date_deadline": policy.date_end,
                    "date_open": date_open,
                    **computed[policy],
                }
            )
        # no chatter work per request (creation log, auto-subscription loop,
        # tracking): the accountable managers follow them (one statement), the
        # audit is the renewed terms' messages below
        requests = self.sudo()._renewal_create(vals_list)
        # the terms' renewal state, in one statement (the ORM writes 100 rows
        # per UPDATE; no field depends on it); the message below is its
        # tracking, one per term
        policies.flush_recordset(["renewal_state"])
        self.env.cr.execute(
            SQL(
                "UPDATE insurance_policy SET renewal_state = 'open', write_uid = %s, "
                "write_date = %s WHERE id = ANY(%s)",
                self.env.uid,
                self.env.cr.now(),
                policies.ids,
            )
        )
        policies.invalidate_recordset(["renewal_state", "write_uid", "write_date"])
        policies.modified(["renewal_state"])
        policies._renewal_log_opened(requests)
        return requests

    @api.model
    def _renewal_create(self, vals_list):
        """``create(vals_list)`` with ``tracking_disable`` for the renewal
        generator's requests, whose stored computed fields come computed
        (_renewal_computed_values): ``create`` discards the given values of
        read-only precomputed fields and computes them again on new records,
        most of a 500-request create. So this calls what ``create`` calls
        around them: the defaults (read once for the batch instead of once per
        request), the magic fields, the ORM's ``_create`` (the INSERTs, the
        cache and inverse fields, the fields that depend on the requests marked
        for recomputation, the constraints, the access check), the company
        check and the accountable managers as followers (this model's
        ``create``; its other checks are for callers without superuser rights,
        and mail.thread's ``create`` does nothing more under
        ``tracking_disable``). Superuser only."""
        assert self.env.su, "the renewal generator creates its requests as superuser"
        given = set().union(*vals_list)
        # what _prepare_create_values discards: ids, magic fields, the
        # context's defaults of read-only precomputed fields
        refused = {"id", "parent_path", *models.LOG_ACCESS_COLUMNS}
        refused.update(
            name for name, field in self._fields.items() if field.precompute and field.readonly
        )
        defaults = {
            name: value
            for name, value in self.default_get(
                [name for name in self._fields if name not in given]
            ).items()
            if self._fields[name].store and name not in refused
        }
        now, uid = self.env.cr.now(), self.env.uid
        magic = {"create_uid": uid, "create_date": now, "write_uid": uid, "write_date": now}
        # every request gives the same fields: the same computed ones protected
        protected = set()
        for name in given:
            field = self._fields[name]
            if field.compute:
                protected.update(self.pool.field_computed.get(field, [field]))
        data_list = [
            {
                "stored": {**defaults, **vals, **magic},
                "inversed": {},
                "inherited": {},
                "protected": protected,
            }
            for vals in vals_list
        ]
        # no tracking of the new requests (as create under tracking_disable)
        requests = self.with_context(tracking_disable=True)._create(data_list)
        requests._check_company()
        requests._subscribe_accountable_managers()
        return requests

    @api.model
    def _renewal_computed_values(self, policies, types, first_stages, date_open):
        """``{policy: values}``: the stored computed fields of the renewal
        request of each of ``policies``, opened at ``date_open`` in the first
        stage of its company's renewal pipeline (``types``, ``first_stages``),
        as the fields' computes give them for a new request - the same
        formulas (tools/service.py) and the same working-hours planning, over
        the batch's few distinct pipelines, tiers and SLA rules at once. The
        ORM computes on new records cost most of a 500-request create; given
        in the values, the create takes them as they are (a computed field
        left out here is still computed by the ORM). Kept equal to the computes
        by test_service_renewal's comparison with a recomputation."""
        now = date_open
        threshold = self._premium_rise_threshold()
        sla_rows = self._sla_rows([t.id for t in first_stages])
        SLA = self.env["insurance.service.sla"].sudo()
        rows = []  # (policy, values, calendar, hours)
        to_plan = defaultdict(set)  # calendar: {(hours, start)}
        for policy in policies:
            company = policy.company_id
            renewal_type = types[company]
            stage = first_stages[renewal_type]
            client = policy.partner_id
            tier = client.insurance_tier_id
            # _compute_sla_id
            sla = SLA.browse(service.match_sla(sla_rows, renewal_type.id, tier.id or None))
            # _compute_date_closed
            date_closed = now if stage.state in ("won", "lost") else False
            values = {
                # related fields
                "type_code": renewal_type.code,
                "stage_state": stage.state,
                "user_id": client.account_manager_id.id,
                "backup_manager_id": client.backup_manager_id.id,
                "tier_id": tier.id,
                # _compute_priority, _compute_team_id
                "priority": service.priority_for_tier(tier.code),
                "team_id": renewal_type.team_id.id,
                "date_closed": date_closed,
                "sla_id": sla.id,
                # _compute_currency_id, _compute_premium_rise (the new premium
                # is the current one)
                "currency_id": (policy.currency_id or company.currency_id).id,
                "premium_rise_percent": service.premium_rise_percent(
                    policy.premium, policy.premium
                ),
                "is_premium_rise_flagged": service.is_premium_rise_flagged(
                    policy.premium, policy.premium, threshold
                ),
                # rating.mixin: a new request has no rating
                "rating_last_value": 0,
            }
            # _compute_sla_deadline
            calendar = (company or self.env.company).resource_calendar_id
            if sla.hours and calendar:
                to_plan[calendar].add((sla.hours, date_open))
            rows.append((policy, values, calendar, sla.hours))
        deadlines = {
            calendar: self._sla_plan_deadlines(calendar, keys) for calendar, keys in to_plan.items()
        }
        result = {}
        for policy, values, calendar, hours in rows:
            deadline = (
                deadlines[calendar].get((hours, date_open)) if calendar in deadlines else None
            )
            values["sla_deadline"] = deadline or False
            values["sla_at_risk_at"] = (
                service.sla_at_risk_at(date_open, deadline) if deadline else False
            )
            # _compute_sla_state
            values["sla_state"] = service.sla_state(
                now, date_open, deadline or False, values["date_closed"]
            )
            result[policy] = values
        return result

    def _renewal_check_winnable(self):
        """The renewal may be won by the user through the wizard: a renewal
        request of a term, open, without a next term yet, and the user its
        client's manager, their team lead or an insurance administrator."""
        self.ensure_one()
        self.check_access("write")
        self._renewal_check_decider()
        if not self.renewed_policy_id:
            raise UserError(
                _("%(request)s renews no policy term: mark it done.", request=self.name)
            )
        if self.new_policy_id or self.sudo().renewed_policy_id.renewal_policy_id:
            raise UserError(
                _(
                    "%(request)s already has its next term: move it to Won.",
                    request=self.name,
                )
            )
        if self.stage_state != "open":
            raise UserError(_("%(request)s is closed: reopen it to win it.", request=self.name))

    def _renewal_win_with(self, term_values):
        """Create the next term from ``term_values`` (number, dates, premium)
        with the winner's own rights, then move the renewal to Won (whose write
        checks again who may decide)."""
        self.ensure_one()
        stage = self.type_id._first_stage("won")
        if not stage:
            raise UserError(_("Pipeline %(type)s has no Won stage.", type=self.type_id.name))
        policy = self.sudo().renewed_policy_id
        next_term = self.env["insurance.policy"].create(
            {
                "company_id": policy.company_id.id,
                "partner_id": policy.partner_id.id,
                "insurer_id": policy.insurer_id.id,
                "line_id": policy.line_id.id,
                "currency_id": policy.currency_id.id,
                "sum_insured": policy.sum_insured,
                "previous_policy_id": policy.id,
                "state": "active",
                **term_values,
            }
        )
        self.sudo().new_policy_id = next_term
        self.write({"stage_id": stage.id, "new_premium": term_values["premium"]})
        self.message_post(
            body=_(
                "Renewal won: next term %(policy)s with a premium of %(premium)s.",
                policy=next_term._get_html_link(),
                premium=next_term.currency_id.format(next_term.premium),
            )
        )
        return next_term

    def _renewal_win(self):
        """Mark the renewed terms of won renewals renewed (their next term was
        created by the Won wizard, or a renewal won again after a reopening
        keeps the term it created)."""
        requests = self.sudo()
        for request in requests.filtered(lambda r: not r.new_policy_id):
            request.new_policy_id = request.renewed_policy_id.renewal_policy_id
        requests.renewed_policy_id.write(
            {
                "renewal_state": "renewed",
                "renewal_lost_reason_id": False,
                "renewal_competitor_id": False,
            }
        )

    def _renewal_lose(self):
        """Mark the renewed terms not renewed, one write per reason and competitor."""
        by_outcome = defaultdict(lambda: self.env["insurance.policy"])
        for request in self.sudo():
            by_outcome[request.lost_reason_id, request.competitor_id] |= request.renewed_policy_id
        for (reason, competitor), policies in by_outcome.items():
            policies.write(
                {
                    "renewal_state": "not_renewed",
                    "renewal_lost_reason_id": reason.id,
                    "renewal_competitor_id": competitor.id,
                }
            )

    def _renewal_reopen(self):
        """A renewal moved back to an open stage: its term is under renewal again."""
        self.sudo().renewed_policy_id.write(
            {
                "renewal_state": "open",
                "renewal_lost_reason_id": False,
                "renewal_competitor_id": False,
            }
        )
