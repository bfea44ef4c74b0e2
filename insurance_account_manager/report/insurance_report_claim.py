from odoo import fields, models, tools
from odoo.tools import SQL

from .sql import manager_on, user_team


class InsuranceReportClaim(models.Model):
    """Claims and their turnaround: one row per claim. A closed claim counts
    for the manager who held its client on the day it was closed."""

    _name = "insurance.report.claim"
    _description = "Claim Turnaround Analysis"
    _auto = False
    _rec_name = "claim_id"
    _order = "date_reported desc, id desc"
    _depends = {
        "insurance.claim": [
            "partner_id",
            "account_manager_id",
            "line_id",
            "stage_id",
            "company_id",
            "date_reported",
            "date_closed",
            "active",
        ],
        "res.partner": ["backup_manager_id", "insurance_tier_id", "account_manager_id"],
        "insurance.manager.assignment": ["partner_id", "user_id", "date_from", "date_to", "state"],
        "crm.team.member": ["crm_team_id", "user_id", "active"],
    }

    claim_id = fields.Many2one("insurance.claim", string="Claim", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    user_id = fields.Many2one("res.users", string="Account Manager", readonly=True)
    backup_manager_id = fields.Many2one("res.users", string="Backup Manager", readonly=True)
    team_id = fields.Many2one("crm.team", string="Team", readonly=True)
    tier_id = fields.Many2one("insurance.client.tier", string="Tier", readonly=True)
    line_id = fields.Many2one("insurance.line", string="Line of Business", readonly=True)
    stage_id = fields.Many2one("insurance.claim.stage", string="Stage", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    date_reported = fields.Date(string="Reported On", readonly=True)
    date_closed = fields.Date(string="Closed On", readonly=True)
    claim_count = fields.Integer(string="Claims", readonly=True)
    closed_count = fields.Integer(string="Closed", readonly=True)
    turnaround_days = fields.Float(
        string="Turnaround (days)",
        readonly=True,
        aggregator="avg",
        help="Calendar days from the report to the closing of a closed claim (average "
        "here, median on the scorecard).",
    )

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        manager = manager_on(SQL("c.partner_id"), SQL("c.date_closed"), SQL("c.account_manager_id"))
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE VIEW %(table)s AS (
                SELECT base.*, %(team)s AS team_id
                  FROM (
                    SELECT c.id AS id,
                           c.id AS claim_id,
                           c.partner_id,
                           CASE WHEN c.date_closed IS NULL THEN c.account_manager_id
                                ELSE %(manager)s END AS user_id,
                           p.backup_manager_id,
                           p.insurance_tier_id AS tier_id,
                           c.line_id,
                           c.stage_id,
                           c.company_id,
                           c.date_reported,
                           c.date_closed,
                           1 AS claim_count,
                           CASE WHEN c.date_closed IS NOT NULL THEN 1 ELSE 0 END AS closed_count,
                           CASE WHEN c.date_closed IS NOT NULL
                                THEN (c.date_closed - c.date_reported)::float END
                                AS turnaround_days
                      FROM insurance_claim c
                      JOIN res_partner p ON p.id = c.partner_id
                     WHERE c.active
                  ) base
            )""",
                table=SQL.identifier(self._table),
                manager=manager,
                team=user_team(SQL("base.user_id")),
            )
        )
