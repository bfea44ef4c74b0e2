from odoo import _, fields, models
from odoo.exceptions import ValidationError

from ..tools import scorecard
from .insurance_scorecard import (
    DEFAULT_BANDS,
    INCENTIVE_BANDS_PARAM,
    INCENTIVE_POOL_PARAM,
    INCENTIVE_SCHEME_PARAM,
    WEIGHT_PARAM,
)

W = scorecard.DEFAULT_WEIGHTS


class ResConfigSettings(models.TransientModel):
    """Scorecard weights and the incentive scheme."""

    _inherit = "res.config.settings"

    insurance_weight_retention = fields.Integer(
        string="Retention Weight",
        config_parameter=WEIGHT_PARAM % "retention",
        default=W["retention"],
    )
    insurance_weight_renewal = fields.Integer(
        string="Renewals Won Weight",
        config_parameter=WEIGHT_PARAM % "renewal",
        default=W["renewal"],
    )
    insurance_weight_sla = fields.Integer(
        string="SLA Compliance Weight", config_parameter=WEIGHT_PARAM % "sla", default=W["sla"]
    )
    insurance_weight_satisfaction = fields.Integer(
        string="Satisfaction Weight",
        config_parameter=WEIGHT_PARAM % "satisfaction",
        default=W["satisfaction"],
    )
    insurance_weight_new_clients = fields.Integer(
        string="New Clients Weight",
        config_parameter=WEIGHT_PARAM % "new_clients",
        default=W["new_clients"],
    )
    insurance_weight_premium_growth = fields.Integer(
        string="Premium Growth Weight",
        config_parameter=WEIGHT_PARAM % "premium_growth",
        default=W["premium_growth"],
    )
    insurance_weight_requests = fields.Integer(
        string="Requests Handled Weight",
        config_parameter=WEIGHT_PARAM % "requests",
        default=W["requests"],
    )
    insurance_incentive_scheme = fields.Selection(
        [("band", "Bonus per Score Band"), ("pool", "Pool Shared by Score")],
        string="Incentive Scheme",
        config_parameter=INCENTIVE_SCHEME_PARAM,
        default="band",
    )
    insurance_incentive_bands = fields.Char(
        string="Score Bands",
        config_parameter=INCENTIVE_BANDS_PARAM,
        default=DEFAULT_BANDS,
        help="Lowest score of each band and its bonus, e.g. 0:0, 60:500, 80:1000: a score "
        "of 80 or more earns 1000.",
    )
    insurance_incentive_pool = fields.Float(
        string="Incentive Pool per Period",
        config_parameter=INCENTIVE_POOL_PARAM,
        help="Shared among the validated scorecards of a period in proportion to their score.",
    )

    def set_values(self):
        for setting in self:
            try:
                scorecard.parse_bands(setting.insurance_incentive_bands)
            except ValueError as error:
                raise ValidationError(_("Score bands: %(error)s.", error=str(error))) from error
            weights = [setting[f"insurance_weight_{key}"] for key in scorecard.KPI_KEYS]
            if any(weight < 0 or weight > 1000 for weight in weights):
                raise ValidationError(_("A KPI weight is between 0 and 1000."))
            if not 0 <= setting.insurance_incentive_pool < 1e15:
                raise ValidationError(_("The incentive pool cannot be negative."))
        return super().set_values()
