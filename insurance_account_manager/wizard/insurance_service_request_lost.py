from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError


class InsuranceServiceRequestLost(models.TransientModel):
    """Close requests as lost (a renewal: the policy is marked not renewed),
    with a reason; a renewal lost to a competitor names the insurer."""

    _name = "insurance.service.request.lost"
    _description = "Mark Service Requests Lost"

    def _default_request_ids(self):
        if self.env.context.get("active_model") == "insurance.service.request":
            return self.env["insurance.service.request"].browse(
                self.env.context.get("active_ids", [])
            )
        return self.env["insurance.service.request"]

    request_ids = fields.Many2many(
        "insurance.service.request", string="Requests", default=_default_request_ids
    )
    lost_reason_id = fields.Many2one(
        "insurance.service.lost.reason", string="Lost Reason", required=True
    )
    is_competitor = fields.Boolean(related="lost_reason_id.is_competitor")
    competitor_id = fields.Many2one(
        "res.partner", string="Competing Insurer", domain=[("is_company", "=", True)]
    )
    note = fields.Text()

    @api.constrains("lost_reason_id", "competitor_id")
    def _check_competitor(self):
        for wizard in self:
            if wizard.lost_reason_id.is_competitor and not wizard.competitor_id:
                raise ValidationError(_("Name the competitor the renewal was lost to."))

    def action_mark_lost(self):
        self.ensure_one()
        requests = self.request_ids
        requests.check_access("write")
        by_type = {}
        for request in requests:
            stage = by_type.get(request.type_id)
            if stage is None:
                stage = by_type[request.type_id] = request.type_id._first_stage("lost")
            if not stage:
                raise UserError(
                    _("Pipeline %(type)s has no Lost stage.", type=request.type_id.name)
                )
        for request_type, stage in by_type.items():
            requests.filtered(lambda r, t=request_type: r.type_id == t).write(
                {
                    "lost_reason_id": self.lost_reason_id.id,
                    "competitor_id": self.competitor_id.id,
                    "stage_id": stage.id,
                }
            )
        if self.note:
            for request in requests:
                request.message_post(body=self.note)
        return {"type": "ir.actions.act_window_close"}
