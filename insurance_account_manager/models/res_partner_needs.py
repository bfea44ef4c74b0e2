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
