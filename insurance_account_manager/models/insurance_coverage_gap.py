from odoo import _, api, fields, models
from odoo.tools import SQL

from .currency_sql import currency_rate as rate_of_root

# A gap's id: its analysis and line in one number (analysis id << LINE_BITS |
# line id), stable while the analysis is current, below 2^53 (JavaScript's
# exact integers) for analysis ids below 2^33.
LINE_BITS = 20
# The stored fields the view reads: flushed before it is queried.
VIEW_DEPENDS = {
    "insurance.needs.analysis": ["is_current", "partner_id", "company_id"],
    "insurance.needs.answer": ["analysis_id", "question_id", "value_bool", "quantity", "amount"],
    "insurance.needs.question": ["answer_type", "line_ids"],
    "insurance.policy": [
        "partner_id",
        "line_id",
        "sum_insured",
        "currency_id",
        "company_id",
        "state",
        "active",
    ],
    "crm.lead": ["commercial_partner_id", "insurance_line_id", "active", "stage_id"],
    "crm.stage": ["is_won"],
    "res.partner": ["account_manager_id", "insurance_tier_id"],
    "res.company": ["currency_id", "parent_path"],
    "res.currency": ["rounding"],
    "res.currency.rate": ["rate", "name", "company_id", "currency_id"],
}


def currency_rate(currency, company, day):
    """SQL expression: the rate of the currency ``currency`` (an SQL column)
    for the company ``company`` (an SQL column) on ``day``, as res.currency's
    ``_get_rates``: the latest rate on or before the day, of the company's
    root company or shared (the company's own first), else the earliest one,
    else 1. A sum in currency A is ``sum * rate(B) / rate(A)`` in currency B."""
    root = SQL(
        "(SELECT COALESCE(NULLIF(split_part(rc.parent_path, '/', 1), '')::int, rc.id)"
        " FROM res_company rc WHERE rc.id = %s)",
        company,
    )
    return rate_of_root(currency, root, day)


class InsuranceCoverageGap(models.Model):
    """A coverage gap (S8): a line of business the client's current needs
    analysis calls for, which the client does not hold in force, or holds
    with a sum insured below the sum the analysis names. A view over the
    analyses, answers and policies: always up to date, computed by
    PostgreSQL for the whole book at once.

    The sums an analysis names are in the currency of its company; each
    policy's sum insured is converted to the currency of the policy's company
    (the client's, whose analyses share it) at today's rates, as res.currency's
    ``_convert`` (the company's own rates, else the shared ones, else the
    earliest), rounded to that currency. A rate per company and currency is
    computed once (a few hundred rows), then joined to the policies on both
    keys, which PostgreSQL hashes whatever its estimates (joined through the
    analyses' companies instead, it multiplied clients by currencies: 50 s
    instead of 5 at 100,000 clients)."""

    _name = "insurance.coverage.gap"
    _inherit = ["insurance.opportunity.source.mixin"]
    _description = "Coverage Gap"
    _auto = False
    _order = "partner_id, line_id"

    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    analysis_id = fields.Many2one(
        "insurance.needs.analysis", string="Needs Analysis", readonly=True
    )
    company_id = fields.Many2one("res.company", readonly=True)
    line_id = fields.Many2one("insurance.line", string="Line of Business", readonly=True)
    user_id = fields.Many2one("res.users", string="Account Manager", readonly=True)
    tier_id = fields.Many2one("insurance.client.tier", string="Tier", readonly=True)
    gap_type = fields.Selection(
        [("missing", "Not Held"), ("underinsured", "Underinsured")],
        string="Gap",
        readonly=True,
    )
    currency_id = fields.Many2one(
        "res.currency", readonly=True, help="The currency of the analysis's company."
    )
    sum_required = fields.Monetary(string="Sum Needed", readonly=True)
    sum_held = fields.Monetary(
        readonly=True,
        help="The sums insured of the client's policies in force in this line, "
        "in the currency of the analysis's company at today's rates.",
    )
    lead_id = fields.Many2one(
        "crm.lead",
        string="Opportunity",
        readonly=True,
        help="An open opportunity of the client for this line.",
    )

    @property
    def _table_query(self):
        to_flush = self._view_flush_fields(VIEW_DEPENDS)
        today = fields.Date.context_today(self)
        return SQL(
            """%(flush_fields)s
            WITH needs AS (
                SELECT a.id AS analysis_id, a.partner_id, a.company_id, rel.line_id AS line_id,
                       MAX(CASE WHEN q.answer_type = 'amount' THEN ans.amount ELSE 0 END)
                           AS sum_required
                  FROM insurance_needs_analysis a
                  JOIN insurance_needs_answer ans ON ans.analysis_id = a.id
                  JOIN insurance_needs_question q ON q.id = ans.question_id
                  JOIN insurance_needs_question_line_rel rel ON rel.question_id = q.id
                 WHERE a.is_current
                   AND ((q.answer_type = 'yes_no' AND ans.value_bool)
                        OR (q.answer_type = 'quantity' AND ans.quantity > 0)
                        OR (q.answer_type = 'amount' AND ans.amount > 0))
              GROUP BY a.id, a.partner_id, a.company_id, rel.line_id
            ),
            rates AS MATERIALIZED (
                SELECT co.id AS company_id, cur.id AS currency_id, ccur.rounding,
                       CASE WHEN cur.id = co.currency_id THEN 1.0
                            ELSE %(rate_to)s / %(rate_from)s END AS factor
                  FROM res_company co
                  JOIN res_currency ccur ON ccur.id = co.currency_id
                 CROSS JOIN res_currency cur
            ),
            held AS (
                SELECT pol.partner_id, pol.line_id,
                       SUM(ROUND(COALESCE(pol.sum_insured, 0) * fx.factor / fx.rounding)
                           * fx.rounding) AS sum_held
                  FROM insurance_policy pol
                  JOIN rates fx ON fx.company_id = pol.company_id
                               AND fx.currency_id = pol.currency_id
                 WHERE pol.state = 'active' AND pol.active
                   AND pol.partner_id IN (SELECT partner_id FROM needs)
              GROUP BY pol.partner_id, pol.line_id
            ),
            leads AS (
                SELECT l.commercial_partner_id AS partner_id, l.insurance_line_id AS line_id,
                       MIN(l.id) AS lead_id
                  FROM crm_lead l
                  LEFT JOIN crm_stage s ON s.id = l.stage_id
                 WHERE l.active AND l.insurance_line_id IS NOT NULL
                   AND l.commercial_partner_id IN (SELECT partner_id FROM needs)
                   AND NOT COALESCE(s.is_won, FALSE)
              GROUP BY l.commercial_partner_id, l.insurance_line_id
            )
            SELECT (n.analysis_id::bigint << %(bits)s) | n.line_id AS id,
                   n.analysis_id, n.partner_id, n.company_id, n.line_id,
                   p.account_manager_id AS user_id, p.insurance_tier_id AS tier_id,
                   CASE WHEN h.partner_id IS NULL THEN 'missing' ELSE 'underinsured' END
                       AS gap_type,
                   co.currency_id, n.sum_required, COALESCE(h.sum_held, 0) AS sum_held,
                   ld.lead_id
              FROM needs n
              JOIN res_partner p ON p.id = n.partner_id
              JOIN res_company co ON co.id = n.company_id
              LEFT JOIN held h ON h.partner_id = n.partner_id AND h.line_id = n.line_id
              LEFT JOIN leads ld ON ld.partner_id = n.partner_id AND ld.line_id = n.line_id
             WHERE h.partner_id IS NULL OR h.sum_held < n.sum_required
            """,
            bits=LINE_BITS,
            flush_fields=to_flush,
            rate_to=currency_rate(SQL("co.currency_id"), SQL("co.id"), today),
            rate_from=currency_rate(SQL("cur.id"), SQL("co.id"), today),
        )

    @api.depends("partner_id", "line_id")
    def _compute_display_name(self):
        for gap in self:
            gap.display_name = f"{gap.partner_id.display_name}: {gap.line_id.display_name}"

    def _insurance_opportunity_values(self):
        values = super()._insurance_opportunity_values()
        kind = dict(self._fields["gap_type"]._description_selection(self.env))[self.gap_type]
        if self.sum_required:
            values["description"] = _(
                "Coverage gap from the needs analysis: %(kind)s "
                "(sum needed %(needed)s, held %(held)s).",
                kind=kind,
                needed=self.currency_id.format(self.sum_required),
                held=self.currency_id.format(self.sum_held),
            )
        else:
            values["description"] = _("Coverage gap from the needs analysis: %(kind)s.", kind=kind)
        return values
