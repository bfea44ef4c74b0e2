from odoo import _, api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_date

# The stored fields the view reads: flushed before it is queried.
VIEW_DEPENDS = {
    "insurance.needs.competitor": [
        "analysis_id",
        "line_id",
        "competitor_id",
        "premium",
        "date_expiry",
    ],
    "insurance.needs.analysis": ["is_current", "partner_id", "company_id"],
    "insurance.policy": ["partner_id", "line_id", "state", "active"],
    "crm.lead": ["commercial_partner_id", "insurance_line_id", "active", "stage_id"],
    "crm.stage": ["is_won"],
    "res.partner": ["account_manager_id", "insurance_tier_id"],
    "res.company": ["currency_id"],
}


class InsuranceCompetitorTarget(models.Model):
    """A competitor target (S8, S9): a line a client holds with a competitor,
    from the client's current needs analysis, with the client's manager and
    tier, the client's open opportunity for the line and whether the client
    holds the line with us now. A view, always up to date; the soonest
    expiry first (unknown expiries last)."""

    _name = "insurance.competitor.target"
    _inherit = ["insurance.opportunity.source.mixin"]
    _description = "Competitor Target"
    _auto = False
    _order = "date_expiry asc nulls last, id"

    analysis_id = fields.Many2one(
        "insurance.needs.analysis", string="Needs Analysis", readonly=True
    )
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    line_id = fields.Many2one("insurance.line", string="Line of Business", readonly=True)
    competitor_id = fields.Many2one("res.partner", string="Competitor", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    premium = fields.Monetary(readonly=True, help="The premium the client pays the competitor.")
    date_expiry = fields.Date(
        string="Expires On", readonly=True, help="When the competitor's cover ends."
    )
    user_id = fields.Many2one("res.users", string="Account Manager", readonly=True)
    tier_id = fields.Many2one("insurance.client.tier", string="Tier", readonly=True)
    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        readonly=True,
        help="An open opportunity of the client for this line.",
    )
    held_with_us = fields.Boolean(
        readonly=True, help="The client holds a policy in force with us in this line."
    )

    @property
    def _table_query(self):
        to_flush = self._view_flush_fields(VIEW_DEPENDS)
        return SQL(
            """%(flush_fields)s
            SELECT hc.id, hc.analysis_id, a.partner_id, a.company_id, hc.line_id,
                   hc.competitor_id, co.currency_id, hc.premium, hc.date_expiry,
                   p.account_manager_id AS user_id, p.insurance_tier_id AS tier_id,
                   ld.lead_id,
                   EXISTS (
                       SELECT 1 FROM insurance_policy pol
                        WHERE pol.partner_id = a.partner_id AND pol.line_id = hc.line_id
                          AND pol.state = 'active' AND pol.active
                   ) AS held_with_us
              FROM insurance_needs_competitor hc
              JOIN insurance_needs_analysis a ON a.id = hc.analysis_id AND a.is_current
              JOIN res_partner p ON p.id = a.partner_id
              JOIN res_company co ON co.id = a.company_id
              LEFT JOIN LATERAL (
                    SELECT MIN(l.id) AS lead_id
                      FROM crm_lead l
                      LEFT JOIN crm_stage s ON s.id = l.stage_id
                     WHERE l.active AND l.commercial_partner_id = a.partner_id
                       AND l.insurance_line_id = hc.line_id
                       AND NOT COALESCE(s.is_won, FALSE)
              ) AS ld ON TRUE
            """,
            flush_fields=to_flush,
        )

    @api.depends("partner_id", "line_id", "competitor_id")
    def _compute_display_name(self):
        for target in self:
            target.display_name = _(
                "%(client)s: %(line)s (%(competitor)s)",
                client=target.partner_id.display_name,
                line=target.line_id.display_name,
                competitor=target.competitor_id.display_name,
            )

    def _insurance_opportunity_values(self):
        values = super()._insurance_opportunity_values()
        values["description"] = _(
            "Held with %(competitor)s according to the needs analysis "
            "(premium %(premium)s, expires %(expiry)s).",
            competitor=self.competitor_id.name,
            premium=self.currency_id.format(self.premium) if self.premium else _("unknown"),
            expiry=format_date(self.env, self.date_expiry) if self.date_expiry else _("unknown"),
        )
        # the competitor's premium is what there is to win, before its cover ends
        if self.premium:
            values["expected_revenue"] = self.premium
        if self.date_expiry:
            values["date_deadline"] = self.date_expiry
        return values
