from odoo import models
from odoo.osv import expression


class CrmTeam(models.Model):
    _inherit = "crm.team"

    def _get_lead_to_assign_domain(self):
        """CRM's assignment to team members leaves the insurance clients' leads
        alone: each belongs to the client's account manager (see
        ``crm.lead._handle_salesmen_assignment``), and a client without a
        manager gets one from the insurance assignment rules, not from the
        sales team's round robin."""
        clients = self.env["res.partner"].sudo()._search([("is_insurance_client", "=", True)])
        return expression.AND(
            [
                super()._get_lead_to_assign_domain(),
                [
                    "|",
                    ("commercial_partner_id", "=", False),
                    ("commercial_partner_id", "not in", clients),
                ],
            ]
        )
