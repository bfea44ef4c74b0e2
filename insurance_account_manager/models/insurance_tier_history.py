from odoo import fields, models

TIER_CHANGE_ORIGINS = [
    ("rule", "Tier Rule"),
    ("fallback", "Fallback Tier"),
    ("lock", "Locked by Hand"),
    ("manual", "Set by Hand"),
]


class InsuranceTierHistory(models.Model):
    """One change of a client's tier, with when, why and by whom.

    Read-only for every user: rows are written by the tier recompute and by
    the partner's ``write`` when a tier is set or locked by hand (see
    ``res.partner._insurance_log_tier_changes``), never through the UI.
    """

    _name = "insurance.tier.history"
    _description = "Client Tier Change"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Client", required=True, index=True, ondelete="cascade"
    )
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    old_tier_id = fields.Many2one("insurance.client.tier", string="Old Tier", ondelete="restrict")
    new_tier_id = fields.Many2one("insurance.client.tier", string="New Tier", ondelete="restrict")
    origin = fields.Selection(TIER_CHANGE_ORIGINS, required=True, default="manual")
    reason = fields.Char()
    rule_id = fields.Many2one("insurance.tier.rule", string="Rule", ondelete="set null")
    user_id = fields.Many2one(
        "res.users", string="Changed By", default=lambda self: self.env.user, ondelete="set null"
    )
    company_id = fields.Many2one(
        "res.company", related="partner_id.company_id", store=True, index=True
    )
