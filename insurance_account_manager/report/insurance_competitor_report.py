from odoo import api, fields, models
from odoo.tools import SQL

from .sql import company_amount, join_company, local_date

VIEW_DEPENDS = {
    "insurance.service.request": [
        "type_code",
        "stage_state",
        "competitor_id",
        "competitor_price",
        "previous_premium",
        "renewed_policy_id",
        "policy_id",
        "partner_id",
        "user_id",
        "company_id",
        "date_closed",
        "currency_id",
    ],
    "crm.lead": [
        "insurance_competitor_id",
        "insurance_competitor_price",
        "insurance_line_id",
        "commercial_partner_id",
        "user_id",
        "company_id",
        "active",
        "probability",
        "expected_revenue",
        "date_closed",
        "insurance_date_lost",
    ],
    "insurance.policy": ["partner_id", "line_id", "state", "date_start"],
    "res.partner": ["insurance_tier_id", "tz"],
    "res.company": ["partner_id", "resource_calendar_id"],
    "resource.calendar": ["tz"],
    "res.currency.rate": ["name", "rate", "company_id"],
}


class InsuranceCompetitorReport(models.Model):
    """Business lost to competitors (S9): renewals and opportunities lost to a
    named competitor, with the premium lost, the price that won, and whether
    the client holds the line again since (won back). One row per lost
    renewal or opportunity, for a pivot per competitor, line, tier and
    manager."""

    _name = "insurance.competitor.report"
    _inherit = "insurance.report.mixin"
    _description = "Business Lost to Competitors"
    _auto = False
    _order = "date desc"
    _depends = VIEW_DEPENDS

    kind = fields.Selection([("renewal", "Renewal"), ("opportunity", "Opportunity")], readonly=True)
    competitor_id = fields.Many2one("res.partner", string="Competitor", readonly=True)
    line_id = fields.Many2one("insurance.line", string="Line of Business", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    user_id = fields.Many2one("res.users", string="Account Manager", readonly=True)
    tier_id = fields.Many2one("insurance.client.tier", string="Tier", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Date(
        string="Lost On", readonly=True, help="The day it was lost, in the company's time zone."
    )
    currency_id = fields.Many2one("res.currency", string="Currency", readonly=True)
    premium_lost = fields.Monetary(
        readonly=True,
        help="In the company's currency: a renewal's premium converted at the rate of the day "
        "it was lost.",
    )
    winning_price = fields.Monetary(readonly=True)
    price_gap = fields.Monetary(
        readonly=True, help="Winning price minus our premium: negative when undercut."
    )
    won_back = fields.Boolean(
        readonly=True, help="The client holds the line with us again, from a later start date."
    )
    won_back_count = fields.Integer(string="Won Back", readonly=True)

    @api.model
    def _view_query(self):
        def amount(column, day):
            return company_amount(column, SQL("r.currency_id"), "company", day)

        renewal_day = local_date(SQL("COALESCE(r.date_closed, r.write_date)"), "company")
        return SQL(
            """
            WITH lost AS (
                SELECT r.id * 2 AS id, 'renewal' AS kind, r.competitor_id,
                       pol.line_id, r.partner_id, r.user_id, r.company_id,
                       %(renewal_day)s AS date,
                       %(premium)s AS premium_lost,
                       %(price)s AS winning_price
                  FROM insurance_service_request r
                  LEFT JOIN insurance_policy pol
                         ON pol.id = COALESCE(r.renewed_policy_id, r.policy_id)
                  %(renewal_company)s
                 WHERE r.type_code = 'renewal' AND r.stage_state = 'lost'
                   AND r.competitor_id IS NOT NULL
             UNION ALL
                SELECT l.id * 2 + 1, 'opportunity', l.insurance_competitor_id,
                       l.insurance_line_id, l.commercial_partner_id, l.user_id, l.company_id,
                       COALESCE(l.insurance_date_lost, %(lead_day)s),
                       COALESCE(l.expected_revenue, 0), COALESCE(l.insurance_competitor_price, 0)
                  FROM crm_lead l
                  %(lead_company)s
                 WHERE l.insurance_competitor_id IS NOT NULL
                   AND NOT l.active AND COALESCE(l.probability, 0) = 0
            )
            SELECT lost.*, p.insurance_tier_id AS tier_id,
                   company.currency_id,
                   lost.winning_price - lost.premium_lost AS price_gap,
                   back.partner_id IS NOT NULL AS won_back,
                   (back.partner_id IS NOT NULL)::int AS won_back_count
              FROM lost
              LEFT JOIN res_partner p ON p.id = lost.partner_id
              %(company)s
              LEFT JOIN LATERAL (
                    SELECT np.partner_id FROM insurance_policy np
                     WHERE np.partner_id = lost.partner_id AND np.line_id = lost.line_id
                       AND np.state = 'active' AND np.date_start > lost.date
                     LIMIT 1
              ) AS back ON TRUE
            """,
            renewal_day=renewal_day,
            premium=amount(SQL("r.previous_premium"), renewal_day),
            price=amount(SQL("r.competitor_price"), renewal_day),
            lead_day=local_date(SQL("COALESCE(l.date_closed, l.write_date)"), "company"),
            renewal_company=join_company("company", SQL("r.company_id")),
            lead_company=join_company("company", SQL("l.company_id")),
            company=join_company("company", SQL("lost.company_id")),
        )
