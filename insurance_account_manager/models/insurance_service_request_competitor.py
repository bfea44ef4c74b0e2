from odoo import fields, models


class InsuranceServiceRequest(models.Model):
    """A renewal lost to a competitor: the price that won (S9)."""

    _inherit = "insurance.service.request"

    competitor_price = fields.Monetary(
        string="Winning Price",
        currency_field="currency_id",
        tracking=True,
        copy=False,
        help="The premium the competitor won with.",
    )
