from odoo import fields, models

from ..tools import validation


class InsuranceClientTier(models.Model):
    """How often the clients of a tier get their needs analysed (S8)."""

    _inherit = "insurance.client.tier"
    _insurance_input_limits = {"needs_analysis_interval_months": validation.SURVEY_MONTHS}

    needs_analysis_interval_months = fields.Integer(
        string="Needs Analysis Every (months)",
        default=12,
        help="A client's needs analysis expires this many months after its date, and "
        "the manager is asked to renew it (0: it does not expire).",
    )
