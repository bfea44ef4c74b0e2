from odoo import fields, models


class CrmLead(models.Model):
    """An opportunity lost to a competitor names it and the price that won (S9)."""

    _inherit = "crm.lead"

    insurance_competitor_id = fields.Many2one(
        "res.partner",
        string="Lost To",
        index="btree_not_null",
        tracking=True,
        copy=False,
        help="The competing insurer that won the business.",
    )
    insurance_competitor_price = fields.Monetary(
        string="Winning Price",
        currency_field="company_currency",
        copy=False,
        help="The premium the competitor won with.",
    )
