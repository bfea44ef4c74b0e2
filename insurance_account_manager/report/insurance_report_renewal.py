from odoo import api, fields, models
from odoo.tools import SQL

from .sql import company_amount, join_company, manager_on, with_team

OUTCOMES = [("won", "Renewed"), ("lost", "Not Renewed"), ("pending", "Pending")]


class InsuranceReportRenewal(models.Model):
    """Renewals due: one row per policy term (active or expired), due on its
    end date, counted for the manager who held the client on that day."""

    _name = "insurance.report.renewal"
    _inherit = "insurance.report.mixin"
    _description = "Renewal Analysis"
    _auto = False
    _rec_name = "policy_id"
    _order = "date_due desc, id desc"
    _depends = {
        "insurance.policy": [
            "partner_id",
            "account_manager_id",
            "line_id",
            "company_id",
            "currency_id",
            "date_end",
            "premium",
            "state",
            "active",
            "renewal_state",
            "renewal_lost_reason_id",
            "renewal_competitor_id",
        ],
        "res.partner": ["backup_manager_id", "insurance_tier_id", "account_manager_id"],
        "insurance.manager.assignment": ["partner_id", "user_id", "date_from", "date_to", "state"],
        "crm.team.member": ["crm_team_id", "user_id", "active"],
        "res.currency.rate": ["name", "rate", "company_id"],
    }

    policy_id = fields.Many2one("insurance.policy", string="Policy Term", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        readonly=True,
        help="Who managed the client on the day the term was due.",
    )
    backup_manager_id = fields.Many2one("res.users", string="Backup Manager", readonly=True)
    team_id = fields.Many2one("crm.team", string="Team", readonly=True)
    tier_id = fields.Many2one("insurance.client.tier", string="Tier", readonly=True)
    line_id = fields.Many2one("insurance.line", string="Line of Business", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    date_due = fields.Date(string="Due On", readonly=True)
    outcome = fields.Selection(OUTCOMES, readonly=True)
    lost_reason_id = fields.Many2one(
        "insurance.service.lost.reason", string="Lost Reason", readonly=True
    )
    competitor_id = fields.Many2one("res.partner", string="Lost To", readonly=True)
    due_count = fields.Integer(string="Due", readonly=True)
    won_count = fields.Integer(string="Renewed", readonly=True)
    lost_count = fields.Integer(string="Not Renewed", readonly=True)
    pending_count = fields.Integer(string="Pending", readonly=True)
    premium = fields.Monetary(
        string="Premium Due",
        readonly=True,
        help="Premium of the term, converted to the company's currency at the rate of its "
        "due date.",
    )
    lost_premium = fields.Monetary(
        readonly=True,
        help="Premium of the terms not renewed, converted to the company's currency at the "
        "rate of their due date.",
    )
    renewal_rate = fields.Float(
        string="Renewed (%)",
        readonly=True,
        aggregator="avg",
        help="Of the terms due, the share renewed (pending and lost ones count as not renewed).",
    )

    @api.model
    def _view_query(self):
        premium = company_amount(
            SQL("pol.premium"), SQL("pol.currency_id"), "company", SQL("pol.date_end")
        )
        return with_team(
            SQL(
                """
            SELECT pol.id AS id,
                   pol.id AS policy_id,
                   pol.partner_id,
                   %(manager)s AS user_id,
                   p.backup_manager_id,
                   p.insurance_tier_id AS tier_id,
                   pol.line_id,
                   pol.company_id,
                   company.currency_id,
                   pol.date_end AS date_due,
                   CASE pol.renewal_state WHEN 'renewed' THEN 'won'
                        WHEN 'not_renewed' THEN 'lost' ELSE 'pending' END AS outcome,
                   pol.renewal_lost_reason_id AS lost_reason_id,
                   pol.renewal_competitor_id AS competitor_id,
                   1 AS due_count,
                   CASE WHEN pol.renewal_state = 'renewed' THEN 1 ELSE 0 END AS won_count,
                   CASE WHEN pol.renewal_state = 'not_renewed' THEN 1 ELSE 0 END AS lost_count,
                   CASE WHEN pol.renewal_state IN ('renewed', 'not_renewed') THEN 0
                        ELSE 1 END AS pending_count,
                   %(premium)s AS premium,
                   CASE WHEN pol.renewal_state = 'not_renewed' THEN %(premium)s
                        ELSE 0 END AS lost_premium,
                   CASE WHEN pol.renewal_state = 'renewed' THEN 100.0 ELSE 0.0 END
                        AS renewal_rate
              FROM insurance_policy pol
              JOIN res_partner p ON p.id = pol.partner_id
              %(company)s
             WHERE pol.state IN ('active', 'expired') AND pol.active
            """,
                manager=manager_on(
                    SQL("pol.partner_id"), SQL("pol.date_end"), SQL("pol.account_manager_id")
                ),
                company=join_company("company", SQL("pol.company_id")),
                premium=premium,
            )
        )
