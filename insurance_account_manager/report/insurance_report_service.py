from odoo import api, fields, models
from odoo.tools import SQL

from ..models.insurance_service_stage import STAGE_STATES
from .sql import held_by, join_company, local_date, with_team


class InsuranceReportService(models.Model):
    """Service requests: one row per request. A closed request counts for the
    manager who held its client on the day it was closed (the day in the
    company's time zone); an open one for the client's manager today."""

    _name = "insurance.report.service"
    _inherit = "insurance.report.mixin"
    _description = "Service Analysis"
    _auto = False
    _rec_name = "request_id"
    _order = "date_open desc, id desc"
    _depends = {
        "insurance.service.request": [
            "type_id",
            "stage_id",
            "stage_state",
            "partner_id",
            "user_id",
            "handler_id",
            "team_id",
            "tier_id",
            "company_id",
            "date_open",
            "date_closed",
            "sla_deadline",
            "rating_last_value",
            "active",
        ],
        "insurance.manager.assignment": ["partner_id", "user_id", "date_from", "date_to", "state"],
        "crm.team.member": ["crm_team_id", "user_id", "active"],
        "res.company": ["partner_id", "resource_calendar_id"],
        "res.partner": ["backup_manager_id", "account_manager_id", "tz"],
        "resource.calendar": ["tz"],
    }

    request_id = fields.Many2one("insurance.service.request", string="Request", readonly=True)
    type_id = fields.Many2one("insurance.service.type", string="Pipeline", readonly=True)
    stage_id = fields.Many2one("insurance.service.stage", string="Stage", readonly=True)
    stage_state = fields.Selection(STAGE_STATES, string="Status", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    user_id = fields.Many2one("res.users", string="Account Manager", readonly=True)
    backup_manager_id = fields.Many2one("res.users", string="Backup Manager", readonly=True)
    handler_id = fields.Many2one("res.users", string="Handler", readonly=True)
    team_id = fields.Many2one("crm.team", string="Manager's Team", readonly=True)
    department_id = fields.Many2one("crm.team", string="Department", readonly=True)
    tier_id = fields.Many2one("insurance.client.tier", string="Tier", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    date_open = fields.Datetime(string="Opened On", readonly=True)
    date_closed = fields.Datetime(string="Closed On", readonly=True)
    closed_on = fields.Date(
        string="Closing Day",
        readonly=True,
        help="The day the request was closed, in the company's time zone (of its address, "
        "else of its working calendar).",
    )
    sla_deadline = fields.Datetime(string="SLA Deadline", readonly=True)
    request_count = fields.Integer(string="Requests", readonly=True)
    closed_count = fields.Integer(string="Closed", readonly=True)
    breach_count = fields.Integer(
        string="SLA Breaches",
        readonly=True,
        help="Requests closed after their SLA deadline, or still open past it.",
    )
    sla_compliance = fields.Float(
        string="SLA Compliance (%)",
        readonly=True,
        aggregator="avg",
        help="Of the requests closed that had an SLA, the share closed by their SLA deadline.",
    )
    rating = fields.Float(
        string="Client Rating",
        readonly=True,
        aggregator="avg",
        help="Last rating (1 to 5) the client gave the request; average here.",
    )
    hours_to_close = fields.Float(
        string="Hours to Close",
        readonly=True,
        aggregator="avg",
        help="Clock hours from opening to closing (closed requests; average here, "
        "median on the scorecard).",
    )

    @api.model
    def _view_query(self):
        closed_on = local_date(SQL("r.date_closed"), "company")
        return with_team(
            SQL(
                """
            SELECT r.id AS id,
                   r.id AS request_id,
                   r.type_id,
                   r.stage_id,
                   r.stage_state,
                   r.partner_id,
                   %(manager)s AS user_id,
                   p.backup_manager_id,
                   r.handler_id,
                   r.team_id AS department_id,
                   r.tier_id,
                   r.company_id,
                   r.date_open,
                   r.date_closed,
                   %(closed_on)s AS closed_on,
                   r.sla_deadline,
                   1 AS request_count,
                   CASE WHEN r.date_closed IS NOT NULL THEN 1 ELSE 0 END AS closed_count,
                   CASE WHEN r.sla_deadline IS NOT NULL
                         AND COALESCE(r.date_closed, now() AT TIME ZONE 'UTC') > r.sla_deadline
                        THEN 1 ELSE 0 END AS breach_count,
                   CASE WHEN r.date_closed IS NULL OR r.sla_deadline IS NULL THEN NULL
                        WHEN r.date_closed <= r.sla_deadline THEN 100.0
                        ELSE 0.0 END AS sla_compliance,
                   CASE WHEN r.date_closed IS NOT NULL
                        THEN EXTRACT(EPOCH FROM r.date_closed - r.date_open) / 3600.0
                   END AS hours_to_close,
                   NULLIF(r.rating_last_value, 0) AS rating
              FROM insurance_service_request r
              LEFT JOIN res_partner p ON p.id = r.partner_id
              %(company)s
             WHERE r.active
            """,
                manager=held_by(SQL("r.partner_id"), closed_on, SQL("r.user_id")),
                closed_on=closed_on,
                company=join_company("company", SQL("r.company_id")),
            )
        )
