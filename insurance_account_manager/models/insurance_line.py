from odoo import fields, models


class InsuranceLine(models.Model):
    _name = "insurance.line"
    _description = "Line of Business"
    _order = "sequence, name"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Short, unique code, e.g. MOTOR.")
    sequence = fields.Integer(default=10)
    color = fields.Integer()
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a line of business must be unique."),
    ]
