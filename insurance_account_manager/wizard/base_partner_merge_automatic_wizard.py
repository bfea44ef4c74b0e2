from odoo import _, models
from odoo.exceptions import AccessError

from ..models.res_partner_manager_check import GROUP_INSURANCE_TEAM_LEAD


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """Odoo's contact merge, fenced for the book of clients: merging insurance
    clients is for team leads (their teams' clients) and administrators. Odoo
    moves the policies, claims and requests of the merged clients onto the
    one kept in SQL; their copies of the manager, the client's premium and
    its manager history are brought up to date afterwards."""

    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        partners = self.env["res.partner"].browse(partner_ids).exists()
        clients = partners.sudo().filtered("is_insurance_client")
        if clients and not self.env.su:
            if not self.env.user.has_group(GROUP_INSURANCE_TEAM_LEAD):
                raise AccessError(_("Only team leads and administrators merge insurance clients."))
            # team leads: their teams' clients only (record rules)
            partners.check_access("write")
        result = super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
        kept = partners.exists()
        if clients and kept:
            kept.sudo()._insurance_after_merge()
        return result
