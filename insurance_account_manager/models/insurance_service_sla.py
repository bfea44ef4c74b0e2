from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import validation

# Fields that decide which requests an SLA rule applies to.
SLA_MATCH_FIELDS = ("type_id", "tier_id", "sequence", "active")


class InsuranceServiceSla(models.Model):
    """Time allowed to close a request of a pipeline, in working hours of the
    company's working calendar, per client tier."""

    _name = "insurance.service.sla"
    _description = "Service Level Agreement"
    _inherit = ["insurance.input.mixin"]
    _order = "type_id, sequence, id"
    _insurance_input_limits = {"name": validation.LINE, "hours": validation.SLA_HOURS}

    name = fields.Char(compute="_compute_name", store=True, readonly=False)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    type_id = fields.Many2one(
        "insurance.service.type", string="Service Type", required=True, ondelete="cascade"
    )
    tier_id = fields.Many2one(
        "insurance.client.tier",
        string="Client Tier",
        help="Leave empty for clients of every tier (a rule naming the tier wins).",
    )
    hours = fields.Float(
        string="Working Hours",
        required=True,
        help="Working hours (company calendar, public holidays excluded) allowed "
        "from the request's opening to its closing.",
    )

    @api.depends("type_id", "tier_id", "hours")
    def _compute_name(self):
        for sla in self:
            sla.name = _(
                "%(type)s, %(tier)s: %(hours)s h",
                type=sla.type_id.name or "",
                tier=sla.tier_id.name or _("all tiers"),
                hours=sla.hours,
            )

    @api.constrains("hours")
    def _check_hours(self):
        if any(sla.hours <= 0 for sla in self):
            raise ValidationError(_("An SLA must allow a positive number of working hours."))

    @api.model_create_multi
    def create(self, vals_list):
        slas = super().create(vals_list)
        self.env["insurance.service.request"]._sla_rematch(slas.type_id)
        return slas

    def write(self, vals):
        types = self.type_id
        result = super().write(vals)
        if any(name in vals for name in SLA_MATCH_FIELDS):
            self.env["insurance.service.request"]._sla_rematch(types | self.type_id)
        return result

    def unlink(self):
        types = self.type_id
        result = super().unlink()
        self.env["insurance.service.request"]._sla_rematch(types)
        return result
