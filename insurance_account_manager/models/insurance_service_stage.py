from odoo import api, fields, models

STAGE_STATES = [
    ("open", "In Progress"),
    ("won", "Won / Done"),
    ("lost", "Lost / Cancelled"),
]


class InsuranceServiceStage(models.Model):
    _name = "insurance.service.stage"
    _description = "Service Stage"
    _inherit = ["insurance.input.mixin"]
    _order = "sequence, id"

    @api.model
    def _default_type_ids(self):
        """A column added on a pipeline's board belongs to that pipeline."""
        type_id = self.env.context.get("default_type_id")
        if isinstance(type_id, int):
            return [(4, type_id)]
        return []

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    fold = fields.Boolean(help="Folded in the service kanban.")
    state = fields.Selection(
        STAGE_STATES,
        string="Meaning",
        required=True,
        default="open",
        help="Won / Done and Lost / Cancelled stages close the request: its SLA "
        "stops, and a renewal won creates the next policy term.",
    )
    type_ids = fields.Many2many(
        "insurance.service.type",
        "insurance_service_stage_type_rel",
        "stage_id",
        "type_id",
        string="Service Types",
        default=_default_type_ids,
        help="The pipelines that show this stage.",
    )
    claim_stage_ids = fields.Many2many(
        "insurance.claim.stage",
        string="Follows Claim Stages",
        help="Claims-service requests move to this stage when their claim reaches "
        "one of these claim stages.",
    )
    description = fields.Text(translate=True)
