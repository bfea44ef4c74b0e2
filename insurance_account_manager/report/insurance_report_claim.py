from odoo import api, fields, models
from odoo.tools import SQL

from .sql import company_amount, held_by, join_company, with_team


class InsuranceReportClaim(models.Model):
    """Claims and their turnaround: one row per claim. A closed claim counts
    for the manager who held its client on the day it was closed."""

    _name = "insurance.report.claim"
    _inherit = "insurance.report.mixin"
    _description = "Claim Turnaround Analysis"
    _auto = False
    _rec_name = "claim_id"
    _order = "date_reported desc, id desc"
    _depends = {
        "insurance.claim": [
            "partner_id",
            "policy_id",
            "account_manager_id",
            "line_id",
            "stage_id",
            "company_id",
            "date_reported",
            "date_closed",
            "amount_claimed",
            "amount_reserved",
            "amount_paid",
            "active",
        ],
        "insurance.policy": ["currency_id"],
        "res.currency.rate": ["name", "rate", "company_id"],
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
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    amount_claimed = fields.Monetary(
        string="Claimed",
        readonly=True,
        help="Amount claimed, converted to the company's currency at the rate of the day the "
        "claim was reported (so are the amounts reserved and paid).",
    )
    amount_reserved = fields.Monetary(string="Reserved", readonly=True)
    amount_paid = fields.Monetary(string="Paid", readonly=True)
    claim_count = fields.Integer(string="Claims", readonly=True)
    closed_count = fields.Integer(string="Closed", readonly=True)
    turnaround_days = fields.Float(
        string="Turnaround (days)",
        readonly=True,
        aggregator="avg",
        help="Calendar days from the report to the closing of a closed claim (average "
        "here, median on the scorecard).",
    )

    @api.model
    def _view_query(self):
        def amount(column):
            return company_amount(
                SQL.identifier("c", column),
                SQL("pol.currency_id"),
                "company",
                SQL("c.date_reported"),
            )

        return with_team(
            SQL(
                """
            SELECT c.id AS id,
                   c.id AS claim_id,
                   c.partner_id,
                   %(manager)s AS user_id,
                   p.backup_manager_id,
                   p.insurance_tier_id AS tier_id,
                   c.line_id,
                   c.stage_id,
                   c.company_id,
                   c.date_reported,
                   c.date_closed,
                   company.currency_id,
                   %(claimed)s AS amount_claimed,
                   %(reserved)s AS amount_reserved,
                   %(paid)s AS amount_paid,
                   1 AS claim_count,
                   CASE WHEN c.date_closed IS NOT NULL THEN 1 ELSE 0 END AS closed_count,
                   CASE WHEN c.date_closed IS NOT NULL
                        THEN (c.date_closed - c.date_reported)::float END AS turnaround_days
              FROM insurance_claim c
              JOIN res_partner p ON p.id = c.partner_id
              LEFT JOIN insurance_policy pol ON pol.id = c.policy_id
              %(company)s
             WHERE c.active
            """,
                manager=held_by(
                    SQL("c.partner_id"), SQL("c.date_closed"), SQL("c.account_manager_id")
                ),
                company=join_company("company", SQL("c.company_id")),
                claimed=amount("amount_claimed"),
                reserved=amount("amount_reserved"),
                paid=amount("amount_paid"),
            )
        )
