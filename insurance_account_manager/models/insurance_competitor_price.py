from odoo import _, api, fields, models
from odoo.exceptions import AccessError


class InsuranceCompetitorPrice(models.Model):
    """A competitor's product and the price seen for it (S9)."""

    _name = "insurance.competitor.price"
    _description = "Competitor Price Seen"
    _inherit = ["insurance.input.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    competitor_id = fields.Many2one(
        "res.partner",
        string="Competitor",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("is_insurance_competitor", "=", True)],
    )
    line_id = fields.Many2one("insurance.line", string="Line of Business", index=True)
    product = fields.Char(required=True)
    date = fields.Date(string="Seen On", required=True, default=fields.Date.context_today)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    premium = fields.Monetary()
    sum_insured = fields.Monetary()
    user_id = fields.Many2one(
        "res.users", string="Seen By", readonly=True, default=lambda self: self.env.user
    )
    note = fields.Text()

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any("user_id" in vals for vals in vals_list):
            raise AccessError(_("Who saw a price is set by the server."))
        prices = super().create(vals_list)
        prices.competitor_id._insurance_flag_competitors()
        return prices

    def write(self, vals):
        if not self.env.su and "user_id" in vals:
            raise AccessError(_("Who saw a price is set by the server."))
        result = super().write(vals)
        if "competitor_id" in vals:
            self.competitor_id._insurance_flag_competitors()
        return result
