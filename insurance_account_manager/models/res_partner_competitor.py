from odoo import fields, models
from odoo.tools.sql import column_exists, create_column

from .res_partner import GROUP_INSURANCE_AM


class ResPartner(models.Model):
    """Competitors (S9): insurers flagged as competitors, with notes and the
    products and prices seen (insurance.competitor.price)."""

    _inherit = "res.partner"

    is_insurance_competitor = fields.Boolean(
        string="Competitor",
        copy=False,
        groups=GROUP_INSURANCE_AM,
        help="An insurer the account managers compete with.",
    )
    insurance_competitor_note = fields.Text(
        string="Competitor Notes",
        copy=False,
        groups=GROUP_INSURANCE_AM,
        help="Strategy, strengths and weaknesses seen by the managers.",
    )
    insurance_competitor_price_ids = fields.One2many(
        "insurance.competitor.price",
        "competitor_id",
        string="Prices Seen",
        groups=GROUP_INSURANCE_AM,
    )

    def _auto_init(self):
        for column, kind in (
            ("is_insurance_competitor", "boolean"),
            ("insurance_competitor_note", "text"),
        ):
            if not column_exists(self.env.cr, "res_partner", column):
                create_column(self.env.cr, "res_partner", column, kind)
        return super()._auto_init()

    def _insurance_flag_competitors(self):
        """Flag the insurers of ``self`` as competitors (a business was lost
        to them)."""
        todo = self.sudo().filtered(lambda partner: not partner.is_insurance_competitor)
        if todo:
            todo.write({"is_insurance_competitor": True})
