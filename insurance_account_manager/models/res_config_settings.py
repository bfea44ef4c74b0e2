from odoo import api, fields, models

from ..tools import validation
from .insurance_service_request_renewal import DEFAULT_RISE_THRESHOLD, RISE_THRESHOLD_PARAM
from .res_partner_assignment import AUTO_ASSIGNMENT_PARAM
from .res_users import CAPACITY_PARAM

# The three standard tiers edited on the Settings page, and which field of the
# tier each per-tier setting shows: setting ``<prefix><code>`` <-> tier field.
SETTINGS_TIER_CODES = ("key", "general", "retail")
TIER_SETTING_FIELDS = {
    "insurance_tier_weight_": "load_weight",
    "insurance_renewal_lead_": "renewal_lead_days",
    "insurance_survey_interval_": "survey_interval_months",
}


class ResConfigSettings(models.TransientModel):
    _name = "res.config.settings"
    _inherit = ["res.config.settings", "insurance.input.mixin"]
    _insurance_input_limits = {
        "insurance_tiering_interval_number": validation.INTERVAL_NUMBER,
        **{
            f"insurance_tier_weight_{code}": validation.POSITIVE_NUMBER
            for code in SETTINGS_TIER_CODES
        },
        "insurance_default_capacity": validation.POSITIVE_NUMBER,
        **{f"insurance_renewal_lead_{code}": validation.LEAD_DAYS for code in SETTINGS_TIER_CODES},
        **{
            f"insurance_survey_interval_{code}": validation.SURVEY_MONTHS
            for code in SETTINGS_TIER_CODES
        },
    }

    # Tiering
    insurance_auto_tiering = fields.Boolean(
        string="Automatic Client Tiering",
        compute="_compute_insurance_tiering_cron",
        readonly=False,
    )
    insurance_tiering_interval_number = fields.Integer(
        string="Recompute Tiers Every",
        compute="_compute_insurance_tiering_cron",
        readonly=False,
    )
    insurance_tiering_interval_type = fields.Selection(
        [("days", "Days"), ("weeks", "Weeks"), ("months", "Months")],
        string="Tiering Interval Unit",
        compute="_compute_insurance_tiering_cron",
        readonly=False,
    )
    insurance_tier_weight_key = fields.Float(
        string="Key Client Weight", compute="_compute_insurance_tier_settings", readonly=False
    )
    insurance_tier_weight_general = fields.Float(
        string="General Client Weight", compute="_compute_insurance_tier_settings", readonly=False
    )
    insurance_tier_weight_retail = fields.Float(
        string="Retail Client Weight", compute="_compute_insurance_tier_settings", readonly=False
    )
    insurance_fallback_tier_id = fields.Many2one(
        "insurance.client.tier",
        string="Fallback Tier",
        compute="_compute_insurance_fallback_tier_id",
        readonly=False,
        help="The tier of the clients that no tier rule matches (the tier flagged "
        "as fallback in the list of tiers).",
    )
    # Assignment
    insurance_auto_assignment = fields.Boolean(
        string="Automatic Assignment of New Clients",
        config_parameter=AUTO_ASSIGNMENT_PARAM,
    )
    insurance_default_capacity = fields.Float(
        string="Default Manager Capacity",
        config_parameter=CAPACITY_PARAM,
        default=100.0,
        help="Capacity units given to a new account manager.",
    )

    # Service
    insurance_renewal_lead_key = fields.Integer(
        string="Key Client Renewal Lead Time",
        compute="_compute_insurance_tier_settings",
        readonly=False,
    )
    insurance_renewal_lead_general = fields.Integer(
        string="General Client Renewal Lead Time",
        compute="_compute_insurance_tier_settings",
        readonly=False,
    )
    insurance_renewal_lead_retail = fields.Integer(
        string="Retail Client Renewal Lead Time",
        compute="_compute_insurance_tier_settings",
        readonly=False,
    )
    insurance_survey_interval_key = fields.Integer(
        string="Key Client Survey Interval",
        compute="_compute_insurance_tier_settings",
        readonly=False,
    )
    insurance_survey_interval_general = fields.Integer(
        string="General Client Survey Interval",
        compute="_compute_insurance_tier_settings",
        readonly=False,
    )
    insurance_survey_interval_retail = fields.Integer(
        string="Retail Client Survey Interval",
        compute="_compute_insurance_tier_settings",
        readonly=False,
    )
    insurance_renewal_rise_threshold = fields.Float(
        string="Flag Premium Rises Above (%)",
        config_parameter=RISE_THRESHOLD_PARAM,
        default=DEFAULT_RISE_THRESHOLD,
        help="Renewals whose premium rises by more than this percentage are flagged on the card.",
    )

    def _insurance_tiering_cron(self):
        return self.env.ref(
            "insurance_account_manager.ir_cron_recompute_insurance_tiers", raise_if_not_found=False
        )

    @api.depends("company_id")
    def _compute_insurance_tiering_cron(self):
        cron = self.sudo()._insurance_tiering_cron()
        for setting in self:
            setting.insurance_auto_tiering = bool(cron and cron.active)
            setting.insurance_tiering_interval_number = cron.interval_number if cron else 1
            setting.insurance_tiering_interval_type = (
                cron.interval_type
                if cron and cron.interval_type in ("days", "weeks", "months")
                else "days"
            )

    @api.depends("company_id")
    def _compute_insurance_tier_settings(self):
        tiers = self.sudo()._insurance_settings_tiers()
        for setting in self:
            for code in SETTINGS_TIER_CODES:
                tier = tiers.get(code)
                for prefix, tier_field in TIER_SETTING_FIELDS.items():
                    setting[prefix + code] = tier[tier_field] if tier else 0

    def _insurance_settings_tiers(self):
        """{code: tier} of the standard tiers shown on the Settings page."""
        tiers = self.env["insurance.client.tier"].search([("code", "in", SETTINGS_TIER_CODES)])
        return {tier.code: tier for tier in tiers}

    @api.depends("company_id")
    def _compute_insurance_fallback_tier_id(self):
        fallback = self.env["insurance.client.tier"].sudo()._get_fallback_tier()
        for setting in self:
            setting.insurance_fallback_tier_id = fallback

    def set_values(self):
        ICP = self.env["ir.config_parameter"].sudo()
        threshold_before = ICP.get_param(RISE_THRESHOLD_PARAM)
        super().set_values()
        if ICP.get_param(RISE_THRESHOLD_PARAM) != threshold_before:
            self.env["insurance.service.request"]._refresh_premium_rise_flags()
        if not self.env.user.has_group("insurance_account_manager.insurance_group_admin"):
            return
        cron = self.sudo()._insurance_tiering_cron()
        if cron:
            cron_vals = {
                "active": self.insurance_auto_tiering,
                "interval_number": max(self.insurance_tiering_interval_number, 1),
                "interval_type": self.insurance_tiering_interval_type or "days",
            }
            cron_vals = {name: value for name, value in cron_vals.items() if cron[name] != value}
            if cron_vals:
                cron.write(cron_vals)
        current_fallback = self.env["insurance.client.tier"]._get_fallback_tier()
        if self.insurance_fallback_tier_id != current_fallback:
            # flagging the new one releases the previous one
            (self.insurance_fallback_tier_id or current_fallback).is_fallback = bool(
                self.insurance_fallback_tier_id
            )
        for code, tier in self._insurance_settings_tiers().items():
            values = {
                tier_field: self[prefix + code]
                for prefix, tier_field in TIER_SETTING_FIELDS.items()
                if tier[tier_field] != self[prefix + code]
            }
            if values:
                tier.write(values)

    def action_insurance_recompute_tiers(self):
        self.ensure_one()
        return self.env["res.partner"].action_recompute_insurance_tiers()

    def action_insurance_assign_managers(self):
        self.ensure_one()
        return self.env["res.partner"].action_assign_account_managers()
