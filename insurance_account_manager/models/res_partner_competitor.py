from collections import defaultdict

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
    # a smart button on the competitor's form: no query on any other partner's
    insurance_competitor_price_count = fields.Integer(
        string="Prices Seen Count",
        compute="_compute_insurance_competitor_price_count",
        groups=GROUP_INSURANCE_AM,
    )
    insurance_competitor_target_ids = fields.One2many(
        "insurance.competitor.target",
        string="Clients to Win",
        compute="_compute_insurance_competitor_target_ids",
        groups=GROUP_INSURANCE_AM,
        help="The lines our clients hold with this competitor (from their current "
        "needs analyses) that the user may see.",
    )

    def _auto_init(self):
        for column, kind in (
            ("is_insurance_competitor", "boolean"),
            ("insurance_competitor_note", "text"),
        ):
            if not column_exists(self.env.cr, "res_partner", column):
                create_column(self.env.cr, "res_partner", column, kind)
        return super()._auto_init()

    def _compute_insurance_competitor_price_count(self):
        """The prices seen of the competitors of ``self`` the user may read, in
        one grouped count; none, and no query, for other partners."""
        competitors = self.filtered("is_insurance_competitor")._origin
        counts = {}
        if competitors:
            counts = dict(
                self.env["insurance.competitor.price"]._read_group(
                    [("competitor_id", "in", competitors.ids)], ["competitor_id"], ["__count"]
                )
            )
        for partner in self:
            partner.insurance_competitor_price_count = counts.get(partner._origin, 0)

    def _compute_insurance_competitor_target_ids(self):
        """The targets of the competitors of ``self`` the user may read, in one
        search; none, and no query, for other partners (a client's form)."""
        competitors = self.filtered("is_insurance_competitor")
        by_competitor = defaultdict(list)
        if competitors._origin.ids:
            for target in self.env["insurance.competitor.target"].search(
                [("competitor_id", "in", competitors._origin.ids)]
            ):
                by_competitor[target.competitor_id.id].append(target.id)
        Target = self.env["insurance.competitor.target"]
        for partner in self:
            partner.insurance_competitor_target_ids = Target.browse(
                by_competitor.get(partner._origin.id, [])
            )

    def _insurance_flag_competitors(self):
        """Flag the insurers of ``self`` as competitors (a business was lost
        to them)."""
        todo = self.sudo().filtered(lambda partner: not partner.is_insurance_competitor)
        if todo:
            todo.write({"is_insurance_competitor": True})
