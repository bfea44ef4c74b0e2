from odoo import fields, models

from ..models.insurance_scorecard import PERIOD_TYPES


class InsuranceScorecardCompute(models.TransientModel):
    _name = "insurance.scorecard.compute"
    _description = "Compute Scorecards"

    period_type = fields.Selection(PERIOD_TYPES, string="Period", required=True, default="month")
    date = fields.Date(
        string="Any Day of the Period",
        required=True,
        default=fields.Date.context_today,
        help="The month, quarter or year holding this day.",
    )

    def action_compute(self):
        self.ensure_one()
        ids = self.env["insurance.scorecard"].action_compute_scorecards(self.period_type, self.date)
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "insurance_account_manager.insurance_scorecard_action"
        )
        action["domain"] = [("id", "in", ids)]
        return action
