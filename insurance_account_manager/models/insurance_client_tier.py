from odoo import fields, models


class InsuranceClientTier(models.Model):
    _name = "insurance.client.tier"
    _description = "Client Tier"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Technical code, e.g. key, general, retail.")
    sequence = fields.Integer(default=10, help="Lower sequence: more important tier.")
    color = fields.Integer()
    load_weight = fields.Float(
        string="Load Weight",
        default=1.0,
        help="Capacity units one client of this tier uses in its account manager's book.",
    )
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a client tier must be unique."),
        ("load_weight_positive", "CHECK(load_weight >= 0)", "A tier's load weight cannot be negative."),
    ]
