from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import validation


class InsuranceClientTier(models.Model):
    _name = "insurance.client.tier"
    _description = "Client Tier"
    _inherit = ["insurance.input.mixin"]
    _order = "sequence, id"
    _insurance_input_limits = {
        "code": validation.CODE,
        "load_weight": validation.POSITIVE_NUMBER,
        "renewal_lead_days": validation.LEAD_DAYS,
        "survey_interval_months": validation.SURVEY_MONTHS,
    }

    name = fields.Char(required=True, translate=True)
    code = fields.Char(required=True, help="Technical code, e.g. key, general, retail.")
    sequence = fields.Integer(default=10, help="Lower sequence: more important tier.")
    color = fields.Integer(
        help="The color of this tier's badges on client lists, forms and cards and on "
        "tier rules. Red means urgent in Odoo: leave it out.",
    )
    load_weight = fields.Float(
        default=1.0,
        help="Capacity units one client of this tier uses in its account manager's book.",
    )
    is_fallback = fields.Boolean(
        string="Fallback Tier",
        copy=False,
        help="The tier of the clients that no tier rule matches. One tier at most; "
        "without one, such clients get no tier.",
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
        (
            "load_weight_positive",
            "CHECK(load_weight >= 0)",
            "A tier's load weight cannot be negative.",
        ),
    ]

    @api.constrains("is_fallback")
    def _check_single_fallback(self):
        fallbacks = self.with_context(active_test=False).search_count([("is_fallback", "=", True)])
        if fallbacks > 1:
            raise ValidationError(_("Only one tier can be the fallback tier."))

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("is_fallback") for vals in vals_list):
            self._release_fallback()
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("is_fallback"):
            self._release_fallback()
        return super().write(vals)

    def _release_fallback(self):
        """Choosing a new fallback tier releases the previous one."""
        self.with_context(active_test=False).search(
            [("is_fallback", "=", True), ("id", "not in", self.ids)]
        ).write({"is_fallback": False})

    @api.model
    def _get_fallback_tier(self):
        """The active fallback tier, or an empty recordset."""
        return self.search([("is_fallback", "=", True)], limit=1)
