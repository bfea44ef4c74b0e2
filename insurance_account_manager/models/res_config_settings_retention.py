from odoo import fields, models

from ..tools import retention_risk, validation
from .res_partner_retention import RISK_THRESHOLD_PARAM, RISK_WEIGHT_PARAM

# setting field -> system parameter (a weight of 0 is kept as "0.0": Odoo's
# config_parameter fields would delete the parameter, and the default would
# come back)
RISK_SETTINGS = {
    **{f"insurance_risk_weight_{key}": RISK_WEIGHT_PARAM % key for key in retention_risk.SIGNALS},
    "insurance_risk_threshold": RISK_THRESHOLD_PARAM,
}


class ResConfigSettings(models.TransientModel):
    """Weights of the retention-risk signals and the threshold from which a
    client's manager is told."""

    _inherit = "res.config.settings"
    _insurance_input_limits = dict.fromkeys(RISK_SETTINGS, validation.AMOUNT)

    insurance_risk_weight_claims = fields.Float(
        string="Risk Weight: Claims", default=lambda self: self._default_insurance_risk("claims")
    )
    insurance_risk_weight_service = fields.Float(
        string="Risk Weight: SLA Breaches",
        default=lambda self: self._default_insurance_risk("service"),
    )
    insurance_risk_weight_complaints = fields.Float(
        string="Risk Weight: Open Complaints",
        default=lambda self: self._default_insurance_risk("complaints"),
    )
    insurance_risk_weight_price = fields.Float(
        string="Risk Weight: Premium Rise",
        default=lambda self: self._default_insurance_risk("price"),
    )
    insurance_risk_weight_satisfaction = fields.Float(
        string="Risk Weight: Satisfaction",
        default=lambda self: self._default_insurance_risk("satisfaction"),
    )
    insurance_risk_weight_lost_lines = fields.Float(
        string="Risk Weight: Lost Lines",
        default=lambda self: self._default_insurance_risk("lost_lines"),
    )
    insurance_risk_weight_contact = fields.Float(
        string="Risk Weight: Last Contact",
        default=lambda self: self._default_insurance_risk("contact"),
    )
    insurance_risk_threshold = fields.Float(
        string="Clients at Risk From",
        default=lambda self: self._default_insurance_risk("threshold"),
        help="A client whose retention risk rises to this score (0-100) gives its "
        "manager an activity.",
    )

    def _default_insurance_risk(self, key):
        """The current weight of signal ``key`` (or the threshold)."""
        weights, threshold = self.env["res.partner"]._insurance_risk_settings()
        return threshold if key == "threshold" else weights[key]

    def set_values(self):
        super().set_values()
        if not self.env.user.has_group("insurance_account_manager.insurance_group_admin"):
            return
        ICP = self.env["ir.config_parameter"].sudo()
        for fname, param in RISK_SETTINGS.items():
            value = repr(max(0.0, float(self[fname])))
            if ICP.get_param(param) != value:
                ICP.set_param(param, value)
