import ast
from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.sql import index_exists

SERVICE_TYPE_CODES = [
    ("underwriting", "Underwriting"),
    ("renewal", "Renewal"),
    ("risk_survey", "Risk Survey"),
    ("loss_prevention", "Loss Prevention"),
    ("claim", "Claims Service"),
    ("general", "General Service"),
]
# The unique index behind the code_company_uniq constraint.
CODE_COMPANY_INDEX = "insurance_service_type_code_company_uniq"
# The overview's renewals horizon: renewals whose term ends within these days.
RENEWAL_HORIZON_DAYS = 30
# Filters of the request search view a count of the overview opens.
DASHBOARD_FILTERS = (
    "open",
    "overdue",
    "due_today",
    "due_this_week",
    "sla_breached",
    "sla_at_risk",
    "renewal_30_days",
)


class InsuranceServiceType(models.Model):
    """A service pipeline (承保、续保、防灾、防损、理赔...): its stages, SLAs,
    department and incoming email alias."""

    _name = "insurance.service.type"
    _description = "Service Type"
    _inherit = ["mail.alias.mixin", "insurance.input.mixin"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(SERVICE_TYPE_CODES, required=True, default="general")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company", help="Leave empty to use this pipeline in every company."
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Department",
        check_company=True,
        help="The team that does the internal work; its leader handles requests "
        "from unknown senders and receives SLA escalations.",
    )
    stage_ids = fields.Many2many(
        "insurance.service.stage",
        "insurance_service_stage_type_rel",
        "type_id",
        "stage_id",
        string="Stages",
    )
    sla_ids = fields.One2many("insurance.service.sla", "type_id", string="SLAs")
    description = fields.Text(translate=True)
    # The overview of the current user's pipeline (My Pipeline): open
    # requests they are accountable for, computed by two grouped queries
    dashboard_open_count = fields.Integer(string="Open", compute="_compute_dashboard_counts")
    dashboard_overdue_count = fields.Integer(string="Overdue", compute="_compute_dashboard_counts")
    dashboard_due_today_count = fields.Integer(
        string="Due Today", compute="_compute_dashboard_counts"
    )
    dashboard_due_week_count = fields.Integer(
        string="Due This Week", compute="_compute_dashboard_counts"
    )
    dashboard_sla_breached_count = fields.Integer(
        string="SLA Breached", compute="_compute_dashboard_counts"
    )
    dashboard_sla_at_risk_count = fields.Integer(
        string="SLA At Risk", compute="_compute_dashboard_counts"
    )
    dashboard_renewal_count = fields.Integer(
        string="Renewals in 30 Days", compute="_compute_dashboard_counts"
    )
    dashboard_clients_at_risk_count = fields.Integer(
        string="Clients at Risk",
        compute="_compute_dashboard_counts",
        help="The user's clients whose retention-risk score is above the threshold (on the "
        "Renewals card).",
    )

    _sql_constraints = [
        # implemented by the unique index of _auto_init, which names the message
        (
            "code_company_uniq",
            "",
            "A company has one pipeline per kind of work, and so has the shared set.",
        ),
    ]

    def _auto_init(self):
        result = super()._auto_init()
        cr = self.env.cr
        # One pipeline per kind and company, and per kind among the shared ones
        # (no company): COALESCE makes their NULL companies equal, on PostgreSQL
        # 12+ (UNIQUE NULLS NOT DISTINCT needs 15). A database installed before
        # holds a constraint of this name: super() drops it, its definition having
        # changed; drop it here too in case that failed (it only logs a warning).
        cr.execute(
            SQL(
                "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s",
                SQL.identifier(self._table),
                SQL.identifier(CODE_COMPANY_INDEX),
            )
        )
        if not index_exists(cr, CODE_COMPANY_INDEX):
            cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX %s ON %s (code, COALESCE(company_id, 0))",
                    SQL.identifier(CODE_COMPANY_INDEX),
                    SQL.identifier(self._table),
                )
            )
        return result

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("insurance.service.request")
        if self.id:
            values["alias_defaults"] = defaults = ast.literal_eval(self.alias_defaults or "{}")
            defaults["type_id"] = self.id
        return values

    @api.model
    def _get_by_code(self, code, company=None):
        """The pipeline of kind ``code`` for ``company`` (its own first, else a shared one)."""
        company = company or self.env.company
        return self._get_by_code_per_company(code, company)[company]

    @api.model
    def _get_by_code_per_company(self, code, companies):
        """``{company: pipeline of kind code}`` for each of ``companies``, in one
        query: the company's own pipeline first, else a shared one (may be empty)."""
        types = self.sudo().search(
            [("code", "=", code), ("company_id", "in", [*companies.ids, False])],
            order="sequence, id",
        )
        shared = types.filtered(lambda service_type: not service_type.company_id)[:1]
        return {
            company: types.filtered(lambda service_type, c=company: service_type.company_id == c)[
                :1
            ]
            or shared
            for company in companies
        }

    def _first_stage(self, state="open"):
        """First stage of this pipeline with the given meaning."""
        self.ensure_one()
        return self.stage_ids.filtered(lambda stage: stage.state == state).sorted()[:1]

    def _claim_stage_for(self, claim_stage):
        """Stage of this (claims-service) pipeline that follows ``claim_stage``:
        the stage naming it, else for a closed claim the first Won stage, else
        the first open stage."""
        self.ensure_one()
        stages = self.stage_ids.sorted()
        mapped = stages.filtered(lambda stage: claim_stage in stage.claim_stage_ids)
        if mapped:
            return mapped[:1]
        if claim_stage.is_closed:
            return self._first_stage("won")
        return self._first_stage()

    # ------------------------------------------------------------
    # Overview (My Pipeline)
    # ------------------------------------------------------------

    def _compute_dashboard_counts(self):
        """What the current user starts the day with, per pipeline: their open
        requests, those due (overdue, today, this week, Monday to Sunday),
        SLAs breached and at risk, and renewals whose term ends within 30
        days. Two grouped queries for all the pipelines, with the user's own
        record rules."""
        names = (
            "open",
            "overdue",
            "due_today",
            "due_week",
            "sla_breached",
            "sla_at_risk",
            "renewal",
        )
        counts = {name: defaultdict(int) for name in names}
        Request = self.env["insurance.service.request"]
        mine = [
            ("type_id", "in", self.ids),
            ("user_id", "=", self.env.uid),
            ("stage_state", "=", "open"),
        ]
        if self.ids and Request.has_access("read"):
            for request_type, sla_state, count in Request._read_group(
                mine, ["type_id", "sla_state"], ["__count"]
            ):
                counts["open"][request_type] += count
                if sla_state == "breached":
                    counts["sla_breached"][request_type] += count
                elif sla_state == "at_risk":
                    counts["sla_at_risk"][request_type] += count
            today = fields.Date.context_today(self)
            week_end = today + timedelta(days=6 - today.weekday())
            horizon = today + timedelta(days=RENEWAL_HORIZON_DAYS)
            for request_type, deadline, count in Request._read_group(
                [*mine, ("date_deadline", "<=", max(week_end, horizon))],
                ["type_id", "date_deadline:day"],
                ["__count"],
            ):
                if deadline < today:
                    counts["overdue"][request_type] += count
                if deadline == today:
                    counts["due_today"][request_type] += count
                if today <= deadline <= week_end:
                    counts["due_week"][request_type] += count
                if request_type.code == "renewal" and today <= deadline <= horizon:
                    counts["renewal"][request_type] += count
        for request_type in self:
            for name in names:
                request_type[f"dashboard_{name}_count"] = counts[name][request_type]
        # the clients at risk are the renewals' business: counted on that card
        renewal_types = self.filtered(lambda request_type: request_type.code == "renewal")
        at_risk = 0
        if renewal_types and self.env.user.has_group(
            "insurance_account_manager.insurance_group_account_manager"
        ):
            at_risk = self.env["res.partner"].search_count(self._clients_at_risk_domain())
        self.dashboard_clients_at_risk_count = 0
        renewal_types.dashboard_clients_at_risk_count = at_risk

    def _clients_at_risk_domain(self):
        return [
            ("is_insurance_client", "=", True),
            ("insurance_risk_flagged", "=", True),
            ("account_manager_id", "=", self.env.uid),
        ]

    def action_open_clients_at_risk(self):
        """The current user's clients at risk (Book > Clients at Risk, theirs).
        Account managers (their team leads and administrators included)."""
        if not self.env.user.has_group("insurance_account_manager.insurance_group_account_manager"):
            raise AccessError(_("Only account managers have clients at risk."))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "insurance_account_manager.res_partner_action_insurance_at_risk"
        )
        action["domain"] = self._clients_at_risk_domain()
        return action

    def action_open_pipeline(self):
        """The pipeline's own board: its stages only, the current user's open
        requests, narrowed to what the overview's count clicked shows."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "insurance_account_manager.insurance_service_request_action_pipeline"
        )
        context = {
            "default_type_id": self.id,
            "search_default_open": 1,
            "search_default_my_pipeline": 1,
        }
        chosen = self.env.context.get("insurance_dashboard_filter")
        if chosen in DASHBOARD_FILTERS:
            context[f"search_default_{chosen}"] = 1
        action.update(
            {
                "display_name": self.name,
                "domain": [("type_id", "=", self.id)],
                "context": context,
            }
        )
        return action
