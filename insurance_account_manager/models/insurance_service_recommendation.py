from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html

from ..tools import validation

RECOMMENDATION_STATES = [
    ("proposed", "Proposed"),
    ("in_progress", "Follow-up Open"),
    ("done", "Done"),
    ("dropped", "Dropped"),
]


class InsuranceServiceRecommendation(models.Model):
    """A risk-improvement recommendation from a risk survey (防灾), which can
    open a loss-prevention follow-up (防损) whose completion it tracks."""

    _name = "insurance.service.recommendation"
    _description = "Risk Survey Recommendation"
    _inherit = ["insurance.input.mixin"]
    _order = "request_id, sequence, id"
    _check_company_auto = True

    name = fields.Char(string="Recommendation", required=True)
    sequence = fields.Integer(default=10)
    request_id = fields.Many2one(
        "insurance.service.request",
        string="Risk Survey",
        required=True,
        index=True,
        ondelete="cascade",
    )
    partner_id = fields.Many2one(related="request_id.partner_id", store=True, string="Client")
    company_id = fields.Many2one(related="request_id.company_id", store=True, index=True)
    description = fields.Text()
    date_due = fields.Date(string="To Do By")
    followup_request_id = fields.Many2one(
        "insurance.service.request",
        string="Loss-Prevention Follow-up",
        readonly=True,
        copy=False,
        check_company=True,
    )
    state = fields.Selection(
        RECOMMENDATION_STATES,
        compute="_compute_state",
        store=True,
        index=True,
    )

    @api.depends("followup_request_id.stage_state")
    def _compute_state(self):
        for recommendation in self:
            followup = recommendation.followup_request_id
            if not followup:
                recommendation.state = "proposed"
            elif followup.stage_state == "won":
                recommendation.state = "done"
            elif followup.stage_state == "lost":
                recommendation.state = "dropped"
            else:
                recommendation.state = "in_progress"

    def action_open_followup(self):
        """Open a loss-prevention request for each recommendation without one."""
        self.check_access("write")
        Request = self.env["insurance.service.request"]
        Request.check_access("create")
        todo = self.filtered(lambda rec: not rec.followup_request_id)
        types = self.env["insurance.service.type"]._get_by_code_per_company(
            "loss_prevention", todo.request_id.company_id
        )
        vals_list = []
        for recommendation in todo:
            survey = recommendation.request_id
            followup_type = types[survey.company_id]
            if not followup_type:
                raise UserError(_("No loss-prevention pipeline is configured."))
            vals_list.append(
                {
                    "name": validation.shorten(
                        _("Loss prevention: %(name)s", name=recommendation.name)
                    ),
                    "type_id": followup_type.id,
                    "company_id": survey.company_id.id,
                    "partner_id": survey.partner_id.id,
                    "policy_id": survey.policy_id.id,
                    "parent_id": survey.id,
                    "recommendation_id": recommendation.id,
                    "date_deadline": recommendation.date_due,
                    "description": plaintext2html(recommendation.description or ""),
                }
            )
        for recommendation, followup in zip(todo, Request.create(vals_list), strict=True):
            recommendation.followup_request_id = followup
        if len(self) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": "insurance.service.request",
                "res_id": self.followup_request_id.id,
                "view_mode": "form",
            }
        return True
