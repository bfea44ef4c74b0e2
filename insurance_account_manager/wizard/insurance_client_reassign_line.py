from odoo import fields, models

from ..models.res_partner_assignment import UNASSIGNED_REASONS


class InsuranceClientReassignLine(models.TransientModel):
    _name = "insurance.client.reassign.line"
    _description = "Reassign Clients: Preview Line"
    # by new manager, then in the order the loads run up (see _plan)
    _order = "new_user_id, id"

    wizard_id = fields.Many2one("insurance.client.reassign", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Client", required=True)
    tier_id = fields.Many2one(related="partner_id.insurance_tier_id")
    old_user_id = fields.Many2one("res.users", string="Current Manager")
    new_user_id = fields.Many2one("res.users", string="New Manager")
    rule_id = fields.Many2one("insurance.assignment.rule", string="Rule")
    weight = fields.Float(string="Units")
    new_load = fields.Float(
        string="Load After",
        help="The new manager's load once this client, and those above it in the list, have moved.",
    )
    new_capacity = fields.Float(string="Capacity")
    reason = fields.Selection(UNASSIGNED_REASONS, string="Why Not Moved")
    licence_warning = fields.Char(string="Licence")
