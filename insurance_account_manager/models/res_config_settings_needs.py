from odoo import api, fields, models

from ..tools import validation
from .res_config_settings import SETTINGS_TIER_CODES

NEEDS_PREFIX = "insurance_needs_interval_"


class ResConfigSettings(models.TransientModel):
    """The needs-analysis interval of each standard tier, on the Settings page."""

    _inherit = "res.config.settings"
    _insurance_input_limits = {
        f"{NEEDS_PREFIX}{code}": validation.SURVEY_MONTHS for code in SETTINGS_TIER_CODES
    }

    insurance_needs_interval_key = fields.Integer(
        string="Key Client Needs Analysis Interval",
        compute="_compute_insurance_needs_intervals",
        readonly=False,
    )
    insurance_needs_interval_general = fields.Integer(
        string="General Client Needs Analysis Interval",
        compute="_compute_insurance_needs_intervals",
        readonly=False,
    )
    insurance_needs_interval_retail = fields.Integer(
        string="Retail Client Needs Analysis Interval",
        compute="_compute_insurance_needs_intervals",
        readonly=False,
    )

    @api.depends("company_id")
    def _compute_insurance_needs_intervals(self):
        tiers = self.sudo()._insurance_settings_tiers()
        for setting in self:
            for code in SETTINGS_TIER_CODES:
                tier = tiers.get(code)
                setting[NEEDS_PREFIX + code] = tier.needs_analysis_interval_months if tier else 0

    def set_values(self):
        super().set_values()
        if not self.env.user.has_group("insurance_account_manager.insurance_group_admin"):
            return
        for code, tier in self._insurance_settings_tiers().items():
            months = self[NEEDS_PREFIX + code]
            if tier.needs_analysis_interval_months != months:
                tier.needs_analysis_interval_months = months
