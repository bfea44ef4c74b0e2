from odoo import api, fields, models
from odoo.tools import SQL

from .sql import HISTORY_STATES, manager_on, with_team

PERIOD_TYPES = [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")]


class InsuranceReportRetention(models.Model):
    """Retention: one row per period (month, quarter and year) and client held
    at its start, as the scorecards' retention KPI counts it. A client is held
    at the start of a period when it has a policy in force on its first day
    (for each company it holds policies of), by the manager who held it that
    day (manager history); it is kept when it still has a policy in force on
    the last day (with any manager), lost otherwise, and moved when it is
    kept by another manager on the last day. The periods run from the first
    month of the book (manager history or policies) to the current one.

    The rows of one period type add up to that period's figures: group the
    quarters by quarter, not the months (the months of a quarter count each
    client three times)."""

    _name = "insurance.report.retention"
    _inherit = "insurance.report.mixin"
    _description = "Retention Analysis"
    _auto = False
    _rec_name = "partner_id"
    _order = "date_from desc, id"
    _depends = {
        "insurance.policy": [
            "partner_id",
            "company_id",
            "date_start",
            "date_end",
            "state",
            "active",
        ],
        "res.partner": [
            "account_manager_id",
            "backup_manager_id",
            "insurance_tier_id",
            "is_insurance_client",
        ],
        "insurance.manager.assignment": ["partner_id", "user_id", "date_from", "date_to", "state"],
        "crm.team.member": ["crm_team_id", "user_id", "active"],
    }

    period_type = fields.Selection(PERIOD_TYPES, string="Period", readonly=True)
    date_from = fields.Date(string="Period Start", readonly=True)
    date_to = fields.Date(string="Period End", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    user_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        readonly=True,
        help="Who managed the client on the first day of the period.",
    )
    end_user_id = fields.Many2one(
        "res.users",
        string="Manager at End",
        readonly=True,
        help="Who managed the client on the last day of the period.",
    )
    backup_manager_id = fields.Many2one("res.users", string="Backup Manager", readonly=True)
    team_id = fields.Many2one("crm.team", string="Team", readonly=True)
    tier_id = fields.Many2one("insurance.client.tier", string="Tier", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    clients_start = fields.Integer(
        string="Clients at Start",
        readonly=True,
        help="Clients with a policy in force on the first day of the period, held by the "
        "manager that day.",
    )
    clients_kept = fields.Integer(
        readonly=True,
        help="Of the clients at start, those with a policy in force on the last day of the "
        "period (with any manager).",
    )
    clients_lost = fields.Integer(
        readonly=True,
        help="Of the clients at start, those without a policy in force on the last day.",
    )
    clients_moved = fields.Integer(
        string="Moved to Another Manager",
        readonly=True,
        help="Of the clients kept, those another manager held on the last day of the period.",
    )
    retention = fields.Float(
        string="Retention (%)",
        readonly=True,
        aggregator="avg",
        help="Clients kept out of the clients held at the start of the period.",
    )

    @api.model
    def _view_query(self):
        def in_force(day):
            return SQL(
                """pol.active AND pol.state IN ('active', 'expired')
                   AND pol.date_start <= %(day)s AND pol.date_end >= %(day)s""",
                day=day,
            )

        return with_team(
            SQL(
                """
            WITH bounds AS (
                SELECT LEAST(
                    (SELECT min(h.date_from) FROM insurance_manager_assignment h
                      WHERE h.state IN %(states)s),
                    (SELECT min(pol.date_start) FROM insurance_policy pol
                      WHERE pol.active AND pol.state IN ('active', 'expired'))
                ) AS first_day
            ),
            periods AS (
                SELECT k.kind, k.code, d::date AS date_from,
                       (d + k.length - interval '1 day')::date AS date_to
                  FROM bounds,
                       (VALUES ('month', 0, interval '1 month'),
                               ('quarter', 1, interval '3 months'),
                               ('year', 2, interval '1 year')) AS k(kind, code, length),
                       generate_series(date_trunc(k.kind, bounds.first_day::timestamp),
                                       date_trunc(k.kind, current_date::timestamp),
                                       k.length) AS d
            ),
            held AS (
                SELECT per.kind, per.code, per.date_from, per.date_to,
                       pol.partner_id, pol.company_id, min(pol.id) AS policy_id
                  FROM periods per
                  JOIN insurance_policy pol ON %(at_start)s
                 GROUP BY per.kind, per.code, per.date_from, per.date_to,
                          pol.partner_id, pol.company_id
            ),
            moves AS (
                SELECT held.*, p.backup_manager_id, p.insurance_tier_id,
                       %(holder)s AS holder,
                       %(end_holder)s AS end_holder,
                       EXISTS (SELECT 1 FROM insurance_policy pol
                                WHERE pol.partner_id = held.partner_id AND %(at_end)s) AS kept
                  FROM held
                  JOIN res_partner p ON p.id = held.partner_id
                 WHERE p.is_insurance_client
            )
            SELECT m.policy_id::bigint * 100000 + m.code * 30000
                       + EXTRACT(YEAR FROM m.date_from)::int * 12
                       + EXTRACT(MONTH FROM m.date_from)::int - 1 AS id,
                   m.kind AS period_type,
                   m.date_from,
                   m.date_to,
                   m.partner_id,
                   m.holder AS user_id,
                   m.end_holder AS end_user_id,
                   m.backup_manager_id,
                   m.insurance_tier_id AS tier_id,
                   m.company_id,
                   1 AS clients_start,
                   m.kept::int AS clients_kept,
                   (NOT m.kept)::int AS clients_lost,
                   (m.kept AND m.end_holder IS DISTINCT FROM m.holder)::int AS clients_moved,
                   CASE WHEN m.kept THEN 100.0 ELSE 0.0 END AS retention
              FROM moves m
             WHERE m.holder IS NOT NULL
            """,
                states=HISTORY_STATES,
                at_start=in_force(SQL("per.date_from")),
                at_end=in_force(SQL("held.date_to")),
                holder=manager_on(
                    SQL("held.partner_id"), SQL("held.date_from"), SQL("p.account_manager_id")
                ),
                end_holder=manager_on(
                    SQL("held.partner_id"), SQL("held.date_to"), SQL("p.account_manager_id")
                ),
            )
        )
