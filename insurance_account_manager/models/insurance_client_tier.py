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
    # Service
    renewal_lead_days = fields.Integer(
        string="Renewal Lead Time (days)",
        default=60,
        help="A renewal request opens this many days before a policy of a client of "
        "this tier ends.",
    )
    survey_interval_months = fields.Integer(
        string="Risk Survey Every (months)",
        help="A risk survey opens for clients of this tier this many months after "
        "the last one (0: no periodic survey).",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of a client tier must be unique."),
        (
            "renewal_lead_days_positive",
            "CHECK(renewal_lead_days >= 0)",
            "A renewal lead time cannot be negative.",
        ),
        (
            "survey_interval_positive",
            "CHECK(survey_interval_months >= 0)",
            "A survey interval cannot be negative.",
        ),
        ("load_weight_positive", "CHECK(load_weight >= 0)", "A tier's load weight cannot be negative."),
    ]
