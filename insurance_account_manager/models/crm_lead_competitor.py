from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column


class CrmLead(models.Model):
    """An opportunity lost to a competitor names it and the price that won
    (S9), and keeps the day it was lost (the Business Lost report's date)."""

    _inherit = "crm.lead"

    insurance_competitor_id = fields.Many2one(
        "res.partner",
        string="Lost To",
        index="btree_not_null",
        tracking=True,
        copy=False,
        help="The competing insurer that won the business.",
    )
    insurance_competitor_price = fields.Monetary(
        string="Winning Price",
        currency_field="company_currency",
        copy=False,
        help="The premium the competitor won with.",
    )
    insurance_date_lost = fields.Date(
        string="Lost On",
        readonly=True,
        copy=False,
        help="The day the opportunity was lost (archived), in the user's time zone; "
        "cleared when it is restored.",
    )

    def _auto_init(self):
        self._insurance_init_date_lost()
        return super()._auto_init()

    def _insurance_init_date_lost(self):
        """Create the loss date's column on an existing database (an upgrade,
        or the addon installed where CRM already holds lost leads): the lost
        leads get the day CRM closed them, else the day they were last
        written. Nothing once the column exists."""
        if column_exists(self.env.cr, "crm_lead", "insurance_date_lost"):
            return
        create_column(self.env.cr, "crm_lead", "insurance_date_lost", "date")
        self.env.cr.execute(
            SQL(
                """UPDATE crm_lead
                      SET insurance_date_lost = COALESCE(date_closed, write_date)::date
                    WHERE NOT active"""
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any("insurance_date_lost" in vals for vals in vals_list):
            raise AccessError(_("When an opportunity was lost is set by the server."))
        today = fields.Date.context_today(self)
        vals_list = [
            {**vals, "insurance_date_lost": today}
            if "active" in vals and not vals["active"] and not vals.get("insurance_date_lost")
            else vals
            for vals in vals_list
        ]
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and "insurance_date_lost" in vals:
            raise AccessError(_("When an opportunity was lost is set by the server."))
        if "active" not in vals:
            return super().write(vals)
        if vals["active"]:
            # restored: no longer lost
            return super().write({**vals, "insurance_date_lost": False})
        # lost now: the leads still active (a lead lost before keeps its day)
        lost_now = self.filtered("active")
        result = super().write(vals)
        if lost_now:
            super(CrmLead, lost_now).write({"insurance_date_lost": fields.Date.context_today(self)})
        return result
