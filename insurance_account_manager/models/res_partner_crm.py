from odoo import fields, models

from .res_partner import GROUP_INSURANCE_AM


class ResPartner(models.Model):
    """The client's opportunities (S6): owned by its account manager, they
    follow the client when its manager changes, whichever way it changes
    (a write by a team lead or an administrator, the assignment rules, a
    reassignment batch)."""

    _inherit = "res.partner"

    insurance_lead_ids = fields.One2many(
        "crm.lead",
        "commercial_partner_id",
        string="Client Opportunities",
        domain=[("type", "=", "opportunity")],
        groups=GROUP_INSURANCE_AM,
    )
    insurance_opportunity_count = fields.Integer(
        string="Open Opportunities",
        compute="_compute_insurance_counts",
        groups=GROUP_INSURANCE_AM,
    )

    def _insurance_count_parts(self):
        # the open opportunities, in the statement of the client's other counts
        return [
            *super()._insurance_count_parts(),
            (
                "opportunity",
                "crm.lead",
                [("type", "=", "opportunity"), ("stage_id.is_won", "=", False)],
                "commercial_partner_id",
            ),
        ]

    def _insurance_set_counts(self, counts):
        for partner in self:
            partner.insurance_opportunity_count = counts["opportunity"].get(partner._origin.id, 0)
        return super()._insurance_set_counts(counts)

    def _insurance_sync_leads(self):
        """The open leads of the clients of ``self`` go to the clients' current
        managers: one search, then one write per manager that receives leads
        (see ``crm.lead._insurance_apply_owner``). The extension point of the
        manager changes for CRM."""
        if not self:
            return
        leads = (
            self.env["crm.lead"]
            .sudo()
            .search(
                [
                    ("commercial_partner_id", "in", self.ids),
                    ("stage_id.is_won", "=", False),
                ]
            )
        )
        leads._insurance_apply_owner()

    def write(self, vals):
        result = super().write(vals)
        if "account_manager_id" in vals or "is_insurance_client" in vals:
            self._insurance_sync_leads()
        return result

    def _insurance_write_managers_batch(
        self, values_by_partner, change, rule_ids=None, checked_on=None
    ):
        changes = super()._insurance_write_managers_batch(
            values_by_partner, change, rule_ids=rule_ids, checked_on=checked_on
        )
        if changes:
            self.browse(list(changes))._insurance_sync_leads()
        return changes

    def _insurance_client_records(self):
        """The clients' open opportunities too, those of their contacts
        included: their managers follow them and the open activities on them
        are handed over with the clients."""
        records = super()._insurance_client_records()
        leads = self.env["crm.lead"].search_fetch(
            [("commercial_partner_id", "in", self.ids), ("stage_id.is_won", "=", False)],
            ["commercial_partner_id"],
        )
        return [*records, leads]

    def _insurance_client_field(self, model_name):
        # a lead's client is its commercial entity (the lead of a contact too)
        if model_name == "crm.lead":
            return "commercial_partner_id"
        return super()._insurance_client_field(model_name)

    def action_view_insurance_opportunities(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("crm.crm_lead_opportunities")
        action["domain"] = [("commercial_partner_id", "=", self.id)]
        action["context"] = {
            "default_partner_id": self.id,
            "default_type": "opportunity",
            "search_default_filter_my_pipeline": False,
        }
        return action
