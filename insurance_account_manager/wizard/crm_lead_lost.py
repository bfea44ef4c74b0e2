from odoo import fields, models


class CrmLeadLost(models.TransientModel):
    """CRM's lost wizard records the competitor and its winning price."""

    _inherit = "crm.lead.lost"

    insurance_competitor_id = fields.Many2one(
        "res.partner", string="Lost To", domain=[("is_company", "=", True)]
    )
    insurance_competitor_price = fields.Float(string="Winning Price")

    def action_lost_reason_apply(self):
        if self.insurance_competitor_id:
            self.lead_ids.write(
                {
                    "insurance_competitor_id": self.insurance_competitor_id.id,
                    "insurance_competitor_price": self.insurance_competitor_price,
                }
            )
            self.insurance_competitor_id._insurance_flag_competitors()
        return super().action_lost_reason_apply()
