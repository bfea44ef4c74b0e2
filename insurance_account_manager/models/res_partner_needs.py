from odoo import fields, models

from .res_partner import GROUP_INSURANCE_AM


class ResPartner(models.Model):
    """The client's needs analyses and coverage gaps (S8)."""

    _inherit = "res.partner"

    insurance_needs_analysis_ids = fields.One2many(
        "insurance.needs.analysis",
        "partner_id",
        string="Needs Analyses",
        groups=GROUP_INSURANCE_AM,
    )
    insurance_gap_ids = fields.One2many(
        "insurance.coverage.gap",
        "partner_id",
        string="Coverage Gaps",
        groups=GROUP_INSURANCE_AM,
    )
    insurance_target_ids = fields.One2many(
        "insurance.competitor.target",
        "partner_id",
        string="Held with Competitors",
        groups=GROUP_INSURANCE_AM,
        help="The lines the client holds with competitors, from its current needs analysis.",
    )
    # the smart buttons of the client form, counted with the client's other counts
    insurance_needs_analysis_count = fields.Integer(
        string="Needs Analysis Count",
        compute="_compute_insurance_counts",
        groups=GROUP_INSURANCE_AM,
    )
    insurance_target_count = fields.Integer(
        string="Lines with Competitors",
        compute="_compute_insurance_counts",
        groups=GROUP_INSURANCE_AM,
        help="The lines the client holds with competitors and not with us, from its "
        "current needs analysis.",
    )

    def _insurance_count_parts(self):
        # the needs analyses and the lines to win back (what the smart button
        # opens: the Competitor Targets' "To Win" filter), in the same statement
        return [
            *super()._insurance_count_parts(),
            ("needs", "insurance.needs.analysis", [], "partner_id"),
            ("target", "insurance.competitor.target", [("held_with_us", "=", False)], "partner_id"),
        ]

    def _insurance_set_counts(self, counts):
        for partner in self:
            partner.insurance_needs_analysis_count = counts["needs"].get(partner._origin.id, 0)
            partner.insurance_target_count = counts["target"].get(partner._origin.id, 0)
        return super()._insurance_set_counts(counts)

    def _insurance_refresh_current_analysis(self):
        if self:
            self.env["insurance.needs.analysis"].sudo()._insurance_refresh_current_sql(self.ids)

    def action_new_needs_analysis(self):
        """A new needs analysis of this client, in a form."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "insurance.needs.analysis",
            "view_mode": "form",
            "views": [(False, "form")],
            "context": {"default_partner_id": self.id},
        }
