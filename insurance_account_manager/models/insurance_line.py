from odoo import fields, models

from ..tools import validation


class InsuranceLine(models.Model):
    _name = "insurance.line"
    _description = "Line of Business"
    _inherit = ["insurance.input.mixin"]
    _order = "sequence, name"
    _insurance_input_limits = {"code": validation.CODE}

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Short, unique code, e.g. MOTOR.")
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a line of business must be unique."),
    ]
