from odoo import fields, models
from odoo.tools import SQL

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
        "insurance_date_lost",
    ],
    "insurance.policy": ["partner_id", "line_id", "state", "date_start"],
    "res.partner": ["insurance_tier_id"],
}


class InsuranceCompetitorReport(models.Model):
    """Business lost to competitors (S9): renewals and opportunities lost to a
    named competitor, with the premium lost, the price that won, and whether
    the client holds the line again since (won back). One row per lost
    renewal or opportunity, for a pivot per competitor, line, tier and
    manager."""

    _name = "insurance.competitor.report"
    _description = "Business Lost to Competitors"
    _auto = False
    _order = "date desc"

    kind = fields.Selection([("renewal", "Renewal"), ("opportunity", "Opportunity")], readonly=True)
    competitor_id = fields.Many2one("res.partner", string="Competitor", readonly=True)
    line_id = fields.Many2one("insurance.line", string="Line of Business", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    user_id = fields.Many2one("res.users", string="Account Manager", readonly=True)
    tier_id = fields.Many2one("insurance.client.tier", string="Tier", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Date(string="Lost On", readonly=True)
    premium_lost = fields.Float(readonly=True)
    winning_price = fields.Float(readonly=True)
    price_gap = fields.Float(
        readonly=True, help="Winning price minus our premium: negative when undercut."
    )
    won_back = fields.Boolean(
        readonly=True, help="The client holds the line with us again, from a later start date."
    )
    won_back_count = fields.Integer(string="Won Back", readonly=True)

    @property
    def _table_query(self):
        flush = SQL("").join(
            SQL("", to_flush=self.env[model_name]._fields[fname])
            for model_name, fnames in VIEW_DEPENDS.items()
            for fname in fnames
        )
        return SQL(
            """%(flush)s
            WITH lost AS (
                SELECT r.id * 2 AS id, 'renewal' AS kind, r.competitor_id,
                       pol.line_id, r.partner_id, r.user_id, r.company_id,
                       COALESCE(r.date_closed, r.write_date)::date AS date,
                       COALESCE(r.previous_premium, 0) AS premium_lost,
                       COALESCE(r.competitor_price, 0) AS winning_price
                  FROM insurance_service_request r
                  LEFT JOIN insurance_policy pol
                         ON pol.id = COALESCE(r.renewed_policy_id, r.policy_id)
                 WHERE r.type_code = 'renewal' AND r.stage_state = 'lost'
                   AND r.competitor_id IS NOT NULL
             UNION ALL
                SELECT l.id * 2 + 1, 'opportunity', l.insurance_competitor_id,
                       l.insurance_line_id, l.commercial_partner_id, l.user_id, l.company_id,
                       l.insurance_date_lost,
                       COALESCE(l.expected_revenue, 0), COALESCE(l.insurance_competitor_price, 0)
                  FROM crm_lead l
                 WHERE l.insurance_competitor_id IS NOT NULL
                   AND NOT l.active AND COALESCE(l.probability, 0) = 0
            )
            SELECT lost.*, p.insurance_tier_id AS tier_id,
                   lost.winning_price - lost.premium_lost AS price_gap,
                   back.partner_id IS NOT NULL AS won_back,
                   (back.partner_id IS NOT NULL)::int AS won_back_count
              FROM lost
              LEFT JOIN res_partner p ON p.id = lost.partner_id
              LEFT JOIN LATERAL (
                    SELECT np.partner_id FROM insurance_policy np
                     WHERE np.partner_id = lost.partner_id AND np.line_id = lost.line_id
                       AND np.state = 'active' AND np.date_start > lost.date
                     LIMIT 1
              ) AS back ON TRUE
            """,
            flush=flush,
        )
