from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError


class InsuranceNeedsCompetitor(models.Model):
    """A line of business the client holds with a competitor, as found in a
    needs analysis (S8, S9): which insurer, the premium paid and when the
    cover expires, if known. The lines of the current analyses are the
    competitor targets (insurance.competitor.target)."""

    _name = "insurance.needs.competitor"
    _description = "Cover Held with a Competitor"
    _inherit = ["insurance.input.mixin"]
    _order = "date_expiry, id"

    analysis_id = fields.Many2one(
        "insurance.needs.analysis", required=True, index=True, ondelete="cascade"
    )
    line_id = fields.Many2one(
        "insurance.line", string="Line of Business", required=True, ondelete="restrict"
    )
    competitor_id = fields.Many2one(
        "res.partner",
        string="Insurer",
        required=True,
        index=True,
        ondelete="restrict",
        domain=[("is_company", "=", True)],
        help="The competitor that insures the client for this line (flagged a "
        "competitor when saved).",
    )
    currency_id = fields.Many2one(related="analysis_id.company_id.currency_id")
    premium = fields.Monetary(help="The yearly premium the client pays the competitor, if known.")
    date_expiry = fields.Date(
        string="Expires On", help="When the competitor's cover ends, if known."
    )
    note = fields.Char()

    _sql_constraints = [
        (
            "line_uniq",
            "unique(analysis_id, line_id)",
            "A line is held with one competitor per analysis.",
        ),
    ]

    @api.constrains("competitor_id", "analysis_id")
    def _check_competitor(self):
        for holding in self:
            client = holding.analysis_id.partner_id
            if holding.competitor_id.commercial_partner_id == client.commercial_partner_id:
                raise ValidationError(
                    _("%(client)s is the client, not its insurer.", client=client.display_name)
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # lines go into analyses the user may change, naming insurers the
            # user may see
            self.env["insurance.needs.analysis"].browse(
                {vals["analysis_id"] for vals in vals_list if vals.get("analysis_id")}
            ).check_access("write")
            self.env["res.partner"].browse(
                {vals["competitor_id"] for vals in vals_list if vals.get("competitor_id")}
            ).check_access("read")
        holdings = super().create(vals_list)
        holdings.competitor_id._insurance_flag_competitors()
        return holdings

    def write(self, vals):
        if not self.env.su:
            if "analysis_id" in vals and any(
                holding.analysis_id.id != vals["analysis_id"] for holding in self
            ):
                raise AccessError(_("A line held with a competitor stays in its analysis."))
            if vals.get("competitor_id"):
                self.env["res.partner"].browse(vals["competitor_id"]).check_access("read")
        result = super().write(vals)
        if vals.get("competitor_id"):
            self.competitor_id._insurance_flag_competitors()
        return result
