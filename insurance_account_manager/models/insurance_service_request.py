from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, email_normalize
from odoo.tools.sql import create_index

from ..tools import service

PRIORITIES = [
    (service.PRIORITY_NORMAL, "Normal"),
    (service.PRIORITY_MEDIUM, "Medium"),
    (service.PRIORITY_HIGH, "High"),
    (service.PRIORITY_URGENT, "Urgent"),
]
SLA_STATES = [
    (service.SLA_ON_TRACK, "On Track"),
    (service.SLA_AT_RISK, "At Risk"),
    (service.SLA_BREACHED, "Breached"),
]
# Requests whose SLA state is refreshed / that are escalated per run of the
# scheduled action (it re-triggers itself while more remain).
SLA_BATCH_SIZE = 1000
ESCALATION_BATCH_SIZE = 200
# Risk surveys opened per run of the survey scheduled action.
SURVEY_BATCH_SIZE = 500
# Working intervals are read from the calendar in windows of this length when
# SLA deadlines are planned, at most SLA_PLAN_MAX_WINDOWS windows past the
# latest opening (as resource.calendar.plan_hours: 100 windows of 14 days).
SLA_PLAN_WINDOW = timedelta(days=14)
SLA_PLAN_MAX_WINDOWS = 100
RISE_THRESHOLD_PARAM = "insurance_account_manager.renewal_rise_threshold"
DEFAULT_RISE_THRESHOLD = 10.0


class InsuranceServiceRequest(models.Model):
    """A piece of service work for a client, owned by the client's account
    manager from opening to closing, done by a department."""

    _name = "insurance.service.request"
    _description = "Service Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "priority desc, sla_deadline, id desc"
    _check_company_auto = True
    _primary_email = "email_from"

    def _default_type_id(self):
        type_id = self.env.context.get("default_type_id")
        if type_id:
            return self.env["insurance.service.type"].browse(type_id)
        return self.env["insurance.service.type"]._get_by_code("general")

    # Identification
    name = fields.Char(string="Subject", required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    type_id = fields.Many2one(
        "insurance.service.type",
        string="Service Type",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        default=_default_type_id,
        check_company=True,
    )
    type_code = fields.Selection(related="type_id.code", store=True, index=True, string="Kind")
    stage_id = fields.Many2one(
        "insurance.service.stage",
        string="Stage",
        compute="_compute_stage_id",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
        copy=False,
        ondelete="restrict",
        group_expand="_read_group_stage_ids",
        domain="[('type_ids', 'in', type_id)]",
    )
    stage_state = fields.Selection(
        related="stage_id.state", store=True, index=True, string="Status"
    )
    color = fields.Integer()
    description = fields.Html()
    email_from = fields.Char(string="Email From", help="Sender of the email that opened it.")
    # Client and accountability
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        index=True,
        tracking=True,
        check_company=True,
        domain=[("is_insurance_client", "=", True)],
    )
    user_id = fields.Many2one(
        "res.users",
        string="Accountable Manager",
        related="partner_id.account_manager_id",
        store=True,
        index=True,
        tracking=True,
        help="Always the client's account manager: it follows every reassignment.",
    )
    tier_id = fields.Many2one(
        "insurance.client.tier", related="partner_id.insurance_tier_id", store=True, string="Tier"
    )
    tier_color = fields.Integer(related="tier_id.color", string="Tier Colour")
    priority = fields.Selection(
        PRIORITIES,
        compute="_compute_priority",
        store=True,
        readonly=False,
        index=True,
        tracking=True,
        help="Set from the client's tier (key clients: high); can be changed.",
    )
    policy_id = fields.Many2one(
        "insurance.policy",
        string="Policy",
        index="btree_not_null",
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
    )
    claim_id = fields.Many2one(
        "insurance.claim",
        string="Claim",
        index="btree_not_null",
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
    )
    # Department doing the internal work
    team_id = fields.Many2one(
        "crm.team",
        string="Department",
        compute="_compute_team_id",
        store=True,
        readonly=False,
        check_company=True,
        index="btree_not_null",
    )
    handler_id = fields.Many2one(
        "res.users",
        string="Handler",
        tracking=True,
        index="btree_not_null",
        domain=[("share", "=", False)],
        help="Who does the internal work; the accountable manager stays the account manager.",
    )
    # Dates
    date_open = fields.Datetime(
        string="Opened On", required=True, default=fields.Datetime.now, copy=False
    )
    date_deadline = fields.Date(string="Deadline", tracking=True)
    date_closed = fields.Datetime(
        string="Closed On", compute="_compute_date_closed", store=True, copy=False
    )
    # SLA
    sla_id = fields.Many2one(
        "insurance.service.sla", string="SLA Rule", compute="_compute_sla_id", store=True
    )
    sla_deadline = fields.Datetime(
        string="SLA Deadline", compute="_compute_sla_deadline", store=True, index=True
    )
    sla_at_risk_at = fields.Datetime(
        string="At Risk From", compute="_compute_sla_deadline", store=True
    )
    sla_state = fields.Selection(
        SLA_STATES,
        string="SLA",
        compute="_compute_sla_state",
        store=True,
        index=True,
        help="Refreshed by the SLA scheduled action; breaches are escalated to the team lead.",
    )
    sla_escalated = fields.Boolean(string="Escalated", copy=False, readonly=True)
    # Renewal (set on renewal requests only)
    renewed_policy_id = fields.Many2one(
        "insurance.policy",
        string="Term Renewed",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        check_company=True,
        help="The policy term this renewal request renews: one request per term.",
    )
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    previous_premium = fields.Monetary(string="Current Premium", readonly=True)
    new_premium = fields.Monetary(string="Renewal Premium", tracking=True)
    premium_rise_percent = fields.Float(
        string="Premium Change (%)", compute="_compute_premium_rise", store=True
    )
    is_premium_rise_flagged = fields.Boolean(
        string="Premium Rise Above Threshold", compute="_compute_premium_rise", store=True
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
    # Risk survey and loss prevention
    findings = fields.Html(help="What the risk survey found on site.")
    recommendation_ids = fields.One2many(
        "insurance.service.recommendation", "request_id", string="Recommendations"
    )
    recommendation_count = fields.Integer(compute="_compute_recommendation_count")
    parent_id = fields.Many2one(
        "insurance.service.request",
        string="Opened From",
        index="btree_not_null",
        copy=False,
        check_company=True,
    )
    recommendation_id = fields.Many2one(
        "insurance.service.recommendation",
        string="Recommendation Followed",
        copy=False,
        check_company=True,
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
        # At most one open risk survey per client: a rerun or an overlapping run
        # of the survey scheduled action cannot open a second one.
        self._create_open_survey_index()
        # The kanban's home: open requests of one manager, by stage.
        create_index(
            self.env.cr,
            "insurance_service_request_user_stage_idx",
            self._table,
            ["user_id", "stage_id"],
        )
        return result

    def _create_open_survey_index(self):
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS insurance_service_request_open_survey_uniq "
                "ON insurance_service_request (partner_id) "
                "WHERE type_code = 'risk_survey' AND stage_state = 'open' AND active"
            )
        )

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("type_id")
    def _compute_stage_id(self):
        for request in self:
            if request.type_id and request.stage_id not in request.type_id.stage_ids:
                request.stage_id = request.type_id._first_stage()
            elif not request.type_id:
                request.stage_id = False

    @api.depends("tier_id.code")
    def _compute_priority(self):
        for request in self:
            if not request.priority or request.tier_id:
                request.priority = service.priority_for_tier(request.tier_id.code)

    @api.depends("type_id")
    def _compute_team_id(self):
        """The pipeline's department; moving a request to another pipeline hands
        it to that pipeline's department (a department chosen by hand stays as
        long as the pipeline does not change)."""
        for request in self:
            request.team_id = request.type_id.team_id or request.team_id

    @api.depends("stage_state")
    def _compute_date_closed(self):
        now = fields.Datetime.now()
        for request in self:
            if request.stage_state in ("won", "lost"):
                request.date_closed = request.date_closed or now
            else:
                request.date_closed = False

    @api.depends("policy_id.currency_id", "company_id")
    def _compute_currency_id(self):
        for request in self:
            request.currency_id = request.policy_id.currency_id or request.company_id.currency_id

    @api.depends("type_id", "tier_id")
    def _compute_sla_id(self):
        slas = (
            self.env["insurance.service.sla"].sudo().search([("type_id", "in", self.type_id.ids)])
        )
        rows = [(sla.id, sla.type_id.id, sla.tier_id.id or None, sla.sequence) for sla in slas]
        SLA = self.env["insurance.service.sla"]
        for request in self:
            request.sla_id = SLA.browse(
                service.match_sla(rows, request.type_id.id, request.tier_id.id or None)
            )

    @api.depends("sla_id.hours", "date_open", "company_id.resource_calendar_id")
    def _compute_sla_deadline(self):
        to_plan = defaultdict(list)  # calendar: [(request, hours, start)]
        for request in self:
            hours, start = request.sla_id.hours, request.date_open
            calendar = (request.company_id or self.env.company).resource_calendar_id
            if hours and start and calendar:
                to_plan[calendar].append((request, hours, start))
            else:
                request.sla_deadline = request.sla_at_risk_at = False
        for calendar, rows in to_plan.items():
            deadlines = self._sla_plan_deadlines(
                calendar, {(hours, start) for _request, hours, start in rows}
            )
            for request, hours, start in rows:
                deadline = deadlines.get((hours, start))
                request.sla_deadline = deadline or False
                request.sla_at_risk_at = (
                    service.sla_at_risk_at(start, deadline) if deadline else False
                )

    @api.model
    def _sla_plan_deadlines(self, calendar, keys):
        """``{(hours, start): deadline}`` for ``keys``, in working hours of
        ``calendar`` (its leaves excluded): its working intervals are read once
        for all, window after window, instead of once per request."""
        first = min(start for _hours, start in keys)
        last = max(start for _hours, start in keys)
        max_windows = int((last - first) / SLA_PLAN_WINDOW) + 1 + SLA_PLAN_MAX_WINDOWS
        intervals, deadlines, todo = [], {}, set(keys)
        window_start = first
        for _window in range(max_windows):
            window_end = window_start + SLA_PLAN_WINDOW
            fetched = calendar.sudo()._work_intervals_batch(
                pytz.utc.localize(window_start), pytz.utc.localize(window_end)
            )[False]
            intervals.extend(
                (
                    begin.astimezone(pytz.utc).replace(tzinfo=None),
                    end.astimezone(pytz.utc).replace(tzinfo=None),
                )
                for begin, end, _meta in fetched
            )
            for hours, start in [key for key in todo if key[1] < window_end]:
                deadline = service.plan_working_hours(intervals, start, hours)
                if deadline is not None:
                    deadlines[hours, start] = deadline
                    todo.discard((hours, start))
            if not todo:
                break
            window_start = window_end
        return deadlines

    @api.depends("sla_deadline", "sla_at_risk_at", "date_closed")
    def _compute_sla_state(self):
        now = fields.Datetime.now()
        for request in self:
            request.sla_state = service.sla_state(
                now, request.date_open, request.sla_deadline, request.date_closed
            )

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

    def _compute_recommendation_count(self):
        counts = dict(
            self.env["insurance.service.recommendation"]._read_group(
                [("request_id", "in", self.ids)], ["request_id"], ["__count"]
            )
        )
        for request in self:
            request.recommendation_count = counts.get(request, 0)

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

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """Columns: every stage of the pipeline in the context, else the stages in use."""
        type_id = self.env.context.get("default_type_id")
        if type_id:
            return stages.search(
                ["|", ("id", "in", stages.ids), ("type_ids", "in", [type_id])], order=stages._order
            )
        return stages

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        requests = super().create(vals_list)
        by_user = defaultdict(lambda: self.browse())
        for request in requests:
            by_user[request.user_id] |= request
        for user, user_requests in by_user.items():
            if user:
                user_requests.message_subscribe(partner_ids=user.partner_id.ids)
        return requests

    def write(self, vals):
        if "stage_id" not in vals:
            return super().write(vals)
        stage = self.env["insurance.service.stage"].browse(vals["stage_id"])
        renewals = self.filtered("renewed_policy_id")
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
        changed = renewals.filtered(lambda r: r.stage_id != stage)
        result = super().write(vals)
        if stage.state == "won":
            changed._renewal_win()
        elif stage.state == "lost":
            changed._renewal_lose()
        elif stage.state == "open":
            changed._renewal_reopen()
        return result

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

    def action_mark_won(self):
        self.check_access("write")
        claims_service = self.filtered(lambda r: r.type_code == "claim")
        if claims_service:
            raise UserError(
                _("A claims-service request follows its claim: close the claim instead.")
            )
        by_stage = defaultdict(lambda: self.browse())
        for request in self:
            stage = request.type_id._first_stage("won")
            if not stage:
                raise UserError(_("Pipeline %(type)s has no Won stage.", type=request.type_id.name))
            by_stage[stage] |= request
        for stage, requests in by_stage.items():
            requests.write({"stage_id": stage.id})
        return True

    def action_mark_lost(self):
        self.check_access("write")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "insurance_account_manager.insurance_service_request_lost_action"
        )
        action["context"] = {"active_ids": self.ids, "active_model": self._name}
        return action

    def action_view_new_policy(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "insurance.policy",
            "res_id": self.new_policy_id.id,
            "view_mode": "form",
        }

    def action_view_recommendations(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Recommendations"),
            "res_model": "insurance.service.recommendation",
            "view_mode": "list,form",
            "domain": [("request_id", "=", self.id)],
            "context": {"default_request_id": self.id},
        }

    # ------------------------------------------------------------
    # Renewals
    # ------------------------------------------------------------

    @api.model
    def _create_renewal_requests(self, policies):
        """Open one renewal request per policy term of ``policies`` (callers
        select terms without one; the unique index refuses any second)."""
        if not policies:
            return self.browse()
        vals_list = []
        types = self.env["insurance.service.type"]._get_by_code_per_company(
            "renewal", policies.company_id
        )
        for policy in policies:
            company = policy.company_id
            if not types[company]:
                raise UserError(_("No renewal pipeline is configured."))
            vals_list.append(
                {
                    "name": _("Renewal of %(policy)s", policy=policy.name),
                    "type_id": types[company].id,
                    "company_id": company.id,
                    "partner_id": policy.partner_id.id,
                    "policy_id": policy.id,
                    "renewed_policy_id": policy.id,
                    "previous_premium": policy.premium,
                    "new_premium": policy.premium,
                    "date_deadline": policy.date_end,
                }
            )
        requests = self.sudo().with_context(mail_create_nolog=True).create(vals_list)
        policies.sudo().write({"renewal_state": "open"})
        return requests

    def _renewal_win(self):
        """Create the next policy term of each won renewal, with the new premium
        (a renewal won again after a reopening keeps the term it created)."""
        requests = self.sudo()
        to_create = requests.filtered(
            lambda r: not r.new_policy_id and not r.renewed_policy_id.renewal_policy_id
        )
        date_pairs = [service.next_term_dates(r.renewed_policy_id.date_end) for r in to_create]
        self.env["insurance.policy"].sudo().create(
            [
                {
                    "name": service.next_term_name(policy.name),
                    "company_id": policy.company_id.id,
                    "partner_id": policy.partner_id.id,
                    "insurer_id": policy.insurer_id.id,
                    "line_id": policy.line_id.id,
                    "currency_id": policy.currency_id.id,
                    "premium": request.new_premium,
                    "sum_insured": policy.sum_insured,
                    "date_start": date_start,
                    "date_end": date_end,
                    "previous_policy_id": policy.id,
                    "state": "active",
                }
                for request, (date_start, date_end) in zip(to_create, date_pairs, strict=True)
                for policy in [request.renewed_policy_id]
            ]
        )
        requests.renewed_policy_id.write(
            {
                "renewal_state": "renewed",
                "renewal_lost_reason_id": False,
                "renewal_competitor_id": False,
            }
        )
        for request in requests.filtered(lambda r: not r.new_policy_id):
            next_term = request.renewed_policy_id.renewal_policy_id
            request.new_policy_id = next_term
            request.message_post(
                body=_(
                    "Renewal won: next term %(policy)s with a premium of %(premium)s.",
                    policy=next_term._get_html_link(),
                    premium=next_term.currency_id.format(next_term.premium),
                )
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

    # ------------------------------------------------------------
    # SLA
    # ------------------------------------------------------------

    def _sla_escalation_user(self):
        """Team lead who receives the escalation: the department's leader, else
        the leader of the accountable manager's sales team."""
        self.ensure_one()
        return (
            self.team_id.user_id
            or self.user_id.sale_team_id.user_id
            or self.type_id.team_id.user_id
            or self.user_id
        )

    @api.model
    def _cron_check_sla(self):
        """Refresh the SLA state of open requests whose state changed with time,
        then escalate new breaches. Idempotent: escalated requests are marked."""
        now = fields.Datetime.now()
        refresh_domain = [
            ("stage_state", "=", "open"),
            ("sla_deadline", "!=", False),
            "|",
            "&",
            ("sla_state", "=", service.SLA_ON_TRACK),
            ("sla_at_risk_at", "<=", now),
            "&",
            ("sla_state", "!=", service.SLA_BREACHED),
            ("sla_deadline", "<=", now),
        ]
        requests = self.search(refresh_domain, limit=SLA_BATCH_SIZE, order="sla_deadline, id")
        by_state = defaultdict(lambda: self.browse())
        for request in requests:
            by_state[service.sla_state(now, request.date_open, request.sla_deadline)] |= request
        for state, group in by_state.items():
            group.write({"sla_state": state})
        escalate_domain = [
            ("stage_state", "=", "open"),
            ("sla_state", "=", service.SLA_BREACHED),
            ("sla_escalated", "=", False),
        ]
        breached = self.search(escalate_domain, limit=ESCALATION_BATCH_SIZE, order="id")
        breached._sla_escalate()
        remaining = 0
        if len(requests) == SLA_BATCH_SIZE:
            remaining += self.search_count(refresh_domain)
        if len(breached) == ESCALATION_BATCH_SIZE:
            remaining += self.search_count(escalate_domain)
        self.env["ir.cron"]._notify_progress(
            done=len(requests) + len(breached), remaining=remaining
        )

    def _sla_escalate(self):
        activity_type = self.env.ref(
            "insurance_account_manager.mail_activity_type_sla_breach", raise_if_not_found=False
        )
        for request in self:
            lead = request._sla_escalation_user()
            request.message_post(
                body=_(
                    "SLA breached: due %(deadline)s. Escalated to %(lead)s.",
                    deadline=fields.Datetime.to_string(request.sla_deadline),
                    lead=lead.name or _("nobody"),
                ),
                subtype_xmlid="mail.mt_note",
            )
            if lead:
                request.activity_schedule(
                    activity_type_id=activity_type.id if activity_type else None,
                    summary=_("SLA breached: %(request)s", request=request.name),
                    user_id=lead.id,
                )
        self.write({"sla_escalated": True})

    # ------------------------------------------------------------
    # Claims service
    # ------------------------------------------------------------

    @api.model
    def _create_claim_requests(self, claims):
        """Open a claims-service request for each new claim, for the client's manager."""
        vals_list = []
        types = self.env["insurance.service.type"]._get_by_code_per_company(
            "claim", claims.company_id
        )
        for claim in claims:
            claim_type = types[claim.company_id]
            if not claim_type:
                continue
            vals_list.append(
                {
                    "name": _("Claim %(claim)s", claim=claim.name),
                    "type_id": claim_type.id,
                    "company_id": claim.company_id.id,
                    "partner_id": claim.partner_id.id,
                    "policy_id": claim.policy_id.id,
                    "claim_id": claim.id,
                    "handler_id": claim.user_id.id,
                    "stage_id": claim_type._claim_stage_for(claim.stage_id).id,
                }
            )
        return self.sudo().with_context(mail_create_nolog=True).create(vals_list)

    def _sync_claim_stage(self):
        """Move claims-service requests to the stage that follows their claim's stage."""
        by_stage = defaultdict(lambda: self.browse())
        for request in self:
            stage = request.type_id._claim_stage_for(request.claim_id.stage_id)
            if stage and stage != request.stage_id:
                by_stage[stage] |= request
        for stage, requests in by_stage.items():
            requests.write({"stage_id": stage.id})

    # ------------------------------------------------------------
    # Email gateway
    # ------------------------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A request from an email: the sender's client (a client's own address
        or one of its contacts') owns it; an unknown sender's request has no
        client and goes to the pipeline's team lead."""
        values = dict(custom_values or {})
        email = email_normalize(msg_dict.get("email_from") or msg_dict.get("from") or "")
        client = self._client_from_email(email)
        request_type = (
            self.env["insurance.service.type"].browse(values.get("type_id"))
            or self._default_type_id()
        )
        values.setdefault("name", msg_dict.get("subject") or _("No Subject"))
        values.setdefault("email_from", msg_dict.get("email_from") or msg_dict.get("from"))
        values["type_id"] = request_type.id
        company = client.company_id or request_type.company_id or self.env.company
        values["company_id"] = company.id
        if client:
            values["partner_id"] = client.id
        else:
            values["partner_id"] = False
            lead = request_type.team_id.user_id
            if lead:
                values["handler_id"] = lead.id
        request = super(
            InsuranceServiceRequest, self.with_context(mail_create_nolog=True)
        ).message_new(msg_dict, custom_values=values)
        if not client and request.handler_id:
            request.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Email from an unknown sender: find the client"),
                user_id=request.handler_id.id,
            )
        return request

    @api.model
    def _client_from_email(self, email):
        if not email:
            return self.env["res.partner"]
        partners = (
            self.env["res.partner"]
            .sudo()
            .search([("email_normalized", "=", email)], order="is_insurance_client desc, id")
        )
        clients = partners.commercial_partner_id.filtered("is_insurance_client")
        return clients[:1]

    # ------------------------------------------------------------
    # Risk surveys
    # ------------------------------------------------------------

    @api.model
    def _cron_generate_risk_surveys(self):
        """Open a risk survey for each client of a tier with a survey interval
        whose last survey is older than that interval and who has no open one.

        The due clients are selected in the database (one query, whatever the
        size of the book), a batch at a time with progress; a rerun finds only
        the clients still due, and open surveys are unique per client.
        """
        domain = self._risk_survey_due_domain(fields.Date.context_today(self))
        if domain is None:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return self.browse()
        Partner = self.env["res.partner"].sudo()
        clients = Partner.search(domain, limit=SURVEY_BATCH_SIZE, order="id")
        surveys = self._create_risk_surveys(clients)
        remaining = Partner.search_count(domain) if len(clients) == SURVEY_BATCH_SIZE else 0
        self.env["ir.cron"]._notify_progress(done=len(clients), remaining=remaining)
        return surveys

    @api.model
    def _risk_survey_due_domain(self, today):
        """Partner domain of the clients due for a risk survey on ``today``, or
        None when no tier has a survey interval."""
        tiers = (
            self.env["insurance.client.tier"].sudo().search([("survey_interval_months", ">", 0)])
        )
        if not tiers:
            return None
        Survey = self.sudo().with_context(active_test=False)
        by_interval = defaultdict(list)
        for tier in tiers:
            by_interval[tier.survey_interval_months].append(tier.id)
        per_interval = []
        for months, tier_ids in by_interval.items():
            cutoff = service.survey_cutoff(today, months)
            # clients with an open survey, or one opened after the cutoff
            not_due = Survey._search(
                [
                    ("type_code", "=", "risk_survey"),
                    ("partner_id", "!=", False),
                    "|",
                    "&",
                    ("stage_state", "=", "open"),
                    ("active", "=", True),
                    ("date_open", ">=", cutoff + timedelta(days=1)),
                ]
            )
            not_due_clients = not_due.subselect(SQL.identifier(not_due.table, "partner_id"))
            per_interval.append(
                [("insurance_tier_id", "in", tier_ids), ("id", "not in", not_due_clients)]
            )
        return [
            ("is_insurance_client", "=", True),
            *(["|"] * (len(per_interval) - 1)),
            *(term for condition in per_interval for term in ["&", *condition]),
        ]

    @api.model
    def _create_risk_surveys(self, clients):
        companies = clients.company_id | self.env.company
        types = self.env["insurance.service.type"]._get_by_code_per_company(
            "risk_survey", companies
        )
        vals_list = []
        for client in clients:
            company = client.company_id or self.env.company
            if types[company]:
                vals_list.append(
                    {
                        "name": _("Risk survey: %(client)s", client=client.name),
                        "type_id": types[company].id,
                        "company_id": company.id,
                        "partner_id": client.id,
                    }
                )
        return self.sudo().with_context(mail_create_nolog=True).create(vals_list)
