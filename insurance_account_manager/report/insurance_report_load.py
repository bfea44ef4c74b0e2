from odoo import api, fields, models
from odoo.tools import SQL

from ..models.res_partner_manager_check import UNTIERED_WEIGHT
from .sql import user_team


class InsuranceReportLoad(models.Model):
    """Load against capacity: one row per manager and tier with the clients
    and the capacity units they use, and one row per manager (no tier) with
    the manager's capacity, so that sums per manager or team add up."""

    _name = "insurance.report.load"
    _inherit = "insurance.report.mixin"
    _description = "Load vs Capacity Analysis"
    _auto = False
    _rec_name = "user_id"
    _order = "user_id, tier_id"
    _depends = {
        "res.partner": ["account_manager_id", "insurance_tier_id", "is_insurance_client", "active"],
        "res.users": ["insurance_capacity", "is_account_manager", "active", "company_id"],
        "insurance.client.tier": ["load_weight"],
        "crm.team.member": ["crm_team_id", "user_id", "active"],
    }

    user_id = fields.Many2one("res.users", string="Account Manager", readonly=True)
    team_id = fields.Many2one("crm.team", string="Team", readonly=True)
    tier_id = fields.Many2one("insurance.client.tier", string="Tier", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    client_count = fields.Integer(string="Clients", readonly=True)
    load = fields.Float(readonly=True, help="Capacity units used: clients times their tier weight.")
    capacity = fields.Float(readonly=True)
    free_capacity = fields.Float(
        readonly=True,
        help="Capacity minus load: negative where the manager force is short.",
    )

    @api.model
    def _view_query(self):
        return SQL(
            """
            SELECT row_number() OVER (ORDER BY rows.user_id, rows.tier_id NULLS FIRST) AS id,
                   rows.user_id,
                   %(team)s AS team_id,
                   rows.tier_id,
                   u.company_id,
                   rows.client_count,
                   rows.load,
                   rows.capacity,
                   rows.capacity - rows.load AS free_capacity
              FROM (
                SELECT p.account_manager_id AS user_id,
                       p.insurance_tier_id AS tier_id,
                       count(*) AS client_count,
                       sum(COALESCE(t.load_weight, %(untiered)s)) AS load,
                       0.0 AS capacity
                  FROM res_partner p
                  LEFT JOIN insurance_client_tier t ON t.id = p.insurance_tier_id
                 WHERE p.is_insurance_client AND p.active AND p.account_manager_id IS NOT NULL
                 GROUP BY p.account_manager_id, p.insurance_tier_id
                UNION ALL
                SELECT u.id, NULL, 0, 0.0, COALESCE(u.insurance_capacity, 0.0)
                  FROM res_users u
                 WHERE u.active AND u.is_account_manager
              ) rows
              JOIN res_users u ON u.id = rows.user_id
            """,
            team=user_team(SQL("rows.user_id")),
            untiered=UNTIERED_WEIGHT,
        )
