from odoo import fields, models


class InsuranceServiceRequestLost(models.TransientModel):
    """The renewal lost wizard records the competitor's winning price too, and
    flags the competing insurer as a competitor (S9)."""

    _inherit = "insurance.service.request.lost"

    competitor_price = fields.Float(
        string="Winning Price", help="The premium the competitor won with."
    )

    def action_mark_lost(self):
        result = super().action_mark_lost()
        if self.competitor_id:
            self.request_ids.write({"competitor_price": self.competitor_price})
            self.competitor_id._insurance_flag_competitors()
        return result
