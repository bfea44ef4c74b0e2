from odoo import _, fields, models
from odoo.exceptions import ValidationError

from ..report.insurance_report_candidate import (
    CANDIDATE_MIN_RATINGS_PARAM,
    CANDIDATE_THRESHOLD_PARAM,
    DEFAULT_CANDIDATE_MIN_RATINGS,
    DEFAULT_CANDIDATE_THRESHOLD,
)
from ..tools import scorecard
from .insurance_scorecard import (
    DEFAULT_BANDS,
    DEFAULT_SATISFACTION_THRESHOLD,
    INCENTIVE_BANDS_PARAM,
    INCENTIVE_POOL_PARAM,
    INCENTIVE_SCHEME_PARAM,
    SATISFACTION_THRESHOLD_PARAM,
    WEIGHT_PARAM,
)
from .res_users_eligibility import REQUIRE_QUALIFICATION_PARAM

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

    # Eligibility
    insurance_satisfaction_threshold = fields.Float(
        string="Review Managers Rated Below",
        config_parameter=SATISFACTION_THRESHOLD_PARAM,
        default=DEFAULT_SATISFACTION_THRESHOLD,
        help="Average rating (1 to 5): a manager under it for two periods in a row gets a "
        "review activity for their team lead.",
    )
    insurance_candidate_threshold = fields.Float(
        string="Candidate Managers Rated From",
        config_parameter=CANDIDATE_THRESHOLD_PARAM,
        default=DEFAULT_CANDIDATE_THRESHOLD,
        help="Average rating (1 to 5) from which a user outside the manager force, whose "
        "handled requests clients rated, is listed as a candidate manager.",
    )
    insurance_candidate_min_ratings = fields.Integer(
        string="Candidate Minimum Ratings",
        config_parameter=CANDIDATE_MIN_RATINGS_PARAM,
        default=DEFAULT_CANDIDATE_MIN_RATINGS,
    )
    # stored as "True" / "False" by get_values / set_values, not config_parameter:
    # Odoo deletes the parameter of a Boolean turned off, and a missing parameter
    # means on (the default)
    insurance_require_qualification = fields.Boolean(
        string="Managers Need a Valid Qualification",
        default=True,
        help="Only a user with a valid qualification (licence not expired) can take clients.",
    )

    def get_values(self):
        res = super().get_values()
        res["insurance_require_qualification"] = self.env[
            "res.users"
        ]._insurance_require_qualification()
        return res

    def set_values(self):
        for setting in self:
            try:
                scorecard.parse_bands(setting.insurance_incentive_bands)
            except ValueError as error:
                raise ValidationError(_("Score bands: %(error)s.", error=str(error))) from error
            weights = [setting[f"insurance_weight_{key}"] for key in scorecard.KPI_KEYS]
            if any(weight < 0 or weight > 1000 for weight in weights):
                raise ValidationError(_("A KPI weight is between 0 and 1000."))
            for threshold in (
                setting.insurance_satisfaction_threshold,
                setting.insurance_candidate_threshold,
            ):
                if not 0 <= threshold <= 5:
                    raise ValidationError(_("A rating threshold is between 0 and 5."))
            if not 0 <= setting.insurance_candidate_min_ratings <= 1_000_000:
                raise ValidationError(_("The minimum number of ratings cannot be negative."))
            if not 0 <= setting.insurance_incentive_pool < 1e15:
                raise ValidationError(_("The incentive pool cannot be negative."))
        result = super().set_values()
        self.env["ir.config_parameter"].sudo().set_param(
            REQUIRE_QUALIFICATION_PARAM, str(bool(self[:1].insurance_require_qualification))
        )
        return result
