from odoo import fields, models


class InsuranceServiceLostReason(models.Model):
    _name = "insurance.service.lost.reason"
    _description = "Lost Renewal Reason"
    _inherit = ["insurance.input.mixin"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    is_competitor = fields.Boolean(
        string="Lost to a Competitor",
        help="Losing for this reason requires naming the competing insurer.",
    )
