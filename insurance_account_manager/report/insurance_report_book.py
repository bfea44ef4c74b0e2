from odoo import api, fields, models
from odoo.tools import SQL

from .sql import company_amount, join_company, user_team


class InsuranceReportBook(models.Model):
    """The book in force today: one row per active policy, with its client's
    manager, tier and team."""

    _name = "insurance.report.book"
    _inherit = "insurance.report.mixin"
    _description = "Book Analysis"
    _auto = False
    _rec_name = "policy_id"
    _order = "premium desc, id"
    _depends = {
        "insurance.policy": [
            "partner_id",
            "account_manager_id",
            "line_id",
            "company_id",
            "currency_id",
            "date_start",
            "date_end",
            "premium",
            "state",
            "active",
        ],
        "res.partner": ["backup_manager_id", "insurance_tier_id", "is_insurance_client"],
        "crm.team.member": ["crm_team_id", "user_id", "active"],
        "res.currency.rate": ["name", "rate", "company_id"],
    }

    policy_id = fields.Many2one("insurance.policy", string="Policy", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    user_id = fields.Many2one("res.users", string="Account Manager", readonly=True)
    backup_manager_id = fields.Many2one("res.users", string="Backup Manager", readonly=True)
    team_id = fields.Many2one("crm.team", string="Team", readonly=True)
    tier_id = fields.Many2one("insurance.client.tier", string="Tier", readonly=True)
    line_id = fields.Many2one("insurance.line", string="Line of Business", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    date_start = fields.Date(string="Start Date", readonly=True)
    date_end = fields.Date(string="End Date", readonly=True)
    premium = fields.Monetary(
        string="In-Force Premium",
        readonly=True,
        help="Annual premium of the active policies, converted to the company's currency at "
        "today's rate.",
    )
    policy_count = fields.Integer(string="Policies", readonly=True)
    client_count = fields.Integer(
        string="Clients",
        readonly=True,
        aggregator="count_distinct",
        help="Clients holding at least one active policy.",
    )

    @api.model
    def _view_query(self):
        return SQL(
            """
            SELECT pol.id AS id,
                   pol.id AS policy_id,
                   pol.partner_id,
                   pol.account_manager_id AS user_id,
                   p.backup_manager_id,
                   %(team)s AS team_id,
                   p.insurance_tier_id AS tier_id,
                   pol.line_id,
                   pol.company_id,
                   company.currency_id,
                   pol.date_start,
                   pol.date_end,
                   %(premium)s AS premium,
                   1 AS policy_count,
                   pol.partner_id AS client_count
              FROM insurance_policy pol
              JOIN res_partner p ON p.id = pol.partner_id
              %(company)s
             WHERE pol.state = 'active' AND pol.active AND p.is_insurance_client
            """,
            team=user_team(SQL("pol.account_manager_id")),
            company=join_company("company", SQL("pol.company_id")),
            premium=company_amount(
                SQL("pol.premium"), SQL("pol.currency_id"), "company", SQL("current_date")
            ),
        )
