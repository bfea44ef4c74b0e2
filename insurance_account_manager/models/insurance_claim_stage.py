from odoo import fields, models


class InsuranceClaimStage(models.Model):
    _name = "insurance.claim.stage"
    _description = "Claim Stage"
    _inherit = ["insurance.input.mixin"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(help="Folded in the claims kanban.")
    is_closed = fields.Boolean(
        string="Closing Stage",
        help="Claims reaching this stage are closed: their closing date is set.",
    )
    description = fields.Text(translate=True)
