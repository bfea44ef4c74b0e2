from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..models.res_partner import GROUP_INSURANCE_TEAM_LEAD
from .sql import HISTORY_STATES

# Memory for the refresh's hashes and sorts (about 2 million rows at 100,000
# clients): with PostgreSQL's default (4 MB) they spill to disk.
REFRESH_WORK_MEM = "256MB"

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
    client three times).

    The rows are a PostgreSQL materialised view, refreshed by the daily
    scorecard scheduled action, by *Compute Scorecards* and by
    :meth:`action_refresh` (at 100,000 clients the query takes tens of
    seconds, too long to run at each opening of the report): ``refreshed_at``
    tells when. Indexed on what the rules and the pivot filter and group on."""

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
    refreshed_at = fields.Datetime(
        string="Figures As Of",
        readonly=True,
        help="When the figures were last computed: the report is refreshed every night and "
        "when scorecards are computed; changes made since then are not in it yet.",
    )
    retention = fields.Float(
        string="Retention (%)",
        readonly=True,
        aggregator="avg",
        help="Clients kept out of the clients held at the start of the period.",
    )

    @api.model
    def _view_query(self):
        """One pass over the policies and the manager history, joined on the
        client (hash joins), not subqueries per row:

        * ``company_cover`` / ``client_cover``: the stretches of days each
          client is in force with one company / with any, from the policies
          in force ordered by start (gaps and islands);
        * ``segments``: the manager history of each client cut at every day a
          period of it starts or ends, with who held the client between two
          cuts (the same answer as ``sql.manager_on``, asked once per cut
          instead of twice per row); ``firsts``: the first period of the
          history, whose manager holds the days before it.
        """
        in_force = SQL("pol.active AND pol.state IN ('active', 'expired')")
        return SQL(
            """
            WITH bounds AS (
                SELECT LEAST(
                    (SELECT min(h.date_from) FROM insurance_manager_assignment h
                      WHERE h.state IN %(states)s),
                    (SELECT min(pol.date_start) FROM insurance_policy pol WHERE %(in_force)s)
                ) AS first_day
            ),
            periods AS MATERIALIZED (
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
            policies AS (
                SELECT pol.id, pol.partner_id, pol.company_id, pol.date_start, pol.date_end,
                       pol.date_start > 1 + max(pol.date_end) OVER (
                           PARTITION BY pol.partner_id, pol.company_id
                           ORDER BY pol.date_start, pol.id
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                       ) IS NOT FALSE AS starts_company,
                       pol.date_start > 1 + max(pol.date_end) OVER (
                           PARTITION BY pol.partner_id ORDER BY pol.date_start, pol.id
                           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                       ) IS NOT FALSE AS starts_client
                  FROM insurance_policy pol
                 WHERE %(in_force)s
            ),
            numbered AS (
                SELECT policies.*,
                       count(*) FILTER (WHERE starts_company) OVER (
                           PARTITION BY partner_id, company_id ORDER BY date_start, id
                       ) AS company_stretch,
                       count(*) FILTER (WHERE starts_client) OVER (
                           PARTITION BY partner_id ORDER BY date_start, id
                       ) AS client_stretch
                  FROM policies
            ),
            company_cover AS (
                SELECT partner_id, company_id, min(id) AS policy_id,
                       min(date_start) AS date_start, max(date_end) AS date_end
                  FROM numbered
                 GROUP BY partner_id, company_id, company_stretch
            ),
            client_cover AS (
                SELECT partner_id, min(date_start) AS date_start, max(date_end) AS date_end
                  FROM numbered
                 GROUP BY partner_id, client_stretch
            ),
            held AS (
                SELECT s.day, c.partner_id, c.company_id, c.policy_id
                  FROM (SELECT DISTINCT date_from AS day FROM periods) s
                  JOIN company_cover c ON c.date_start <= s.day AND c.date_end >= s.day
            ),
            cuts AS (
                SELECT h.partner_id, h.date_from AS day FROM insurance_manager_assignment h
                 WHERE h.state IN %(states)s
                 UNION
                SELECT h.partner_id, h.date_to FROM insurance_manager_assignment h
                 WHERE h.state IN %(states)s AND h.date_to IS NOT NULL
            ),
            segments AS (
                SELECT c.partner_id, c.day AS date_from,
                       lead(c.day) OVER (PARTITION BY c.partner_id ORDER BY c.day) AS date_to,
                       (SELECT h.user_id FROM insurance_manager_assignment h
                         WHERE h.partner_id = c.partner_id AND h.state IN %(states)s
                           AND h.date_from <= c.day AND (h.date_to IS NULL OR h.date_to > c.day)
                         ORDER BY h.date_from DESC, h.id DESC LIMIT 1) AS user_id
                  FROM cuts c
            ),
            firsts AS (
                SELECT DISTINCT ON (h.partner_id) h.partner_id, h.date_from, h.user_id
                  FROM insurance_manager_assignment h
                 WHERE h.state IN %(states)s
                 ORDER BY h.partner_id, h.date_from, h.id
            ),
            moves AS (
                SELECT per.kind, per.code, per.date_from, per.date_to,
                       held.partner_id, held.company_id, held.policy_id,
                       p.backup_manager_id, p.insurance_tier_id,
                       CASE WHEN f.partner_id IS NULL THEN p.account_manager_id
                            WHEN per.date_from < f.date_from
                                THEN COALESCE(f.user_id, p.account_manager_id)
                            ELSE s1.user_id END AS holder,
                       CASE WHEN f.partner_id IS NULL THEN p.account_manager_id
                            WHEN per.date_to < f.date_from
                                THEN COALESCE(f.user_id, p.account_manager_id)
                            ELSE s2.user_id END AS end_holder,
                       kept.partner_id IS NOT NULL AS kept
                  FROM held
                  JOIN periods per ON per.date_from = held.day
                  JOIN res_partner p ON p.id = held.partner_id
                  LEFT JOIN firsts f ON f.partner_id = held.partner_id
                  LEFT JOIN segments s1 ON s1.partner_id = held.partner_id
                        AND s1.date_from <= per.date_from
                        AND (s1.date_to IS NULL OR s1.date_to > per.date_from)
                  LEFT JOIN segments s2 ON s2.partner_id = held.partner_id
                        AND s2.date_from <= per.date_to
                        AND (s2.date_to IS NULL OR s2.date_to > per.date_to)
                  LEFT JOIN client_cover kept ON kept.partner_id = held.partner_id
                        AND kept.date_start <= per.date_to AND kept.date_end >= per.date_to
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
                   team.crm_team_id AS team_id,
                   m.company_id,
                   1 AS clients_start,
                   m.kept::int AS clients_kept,
                   (NOT m.kept)::int AS clients_lost,
                   (m.kept AND m.end_holder IS DISTINCT FROM m.holder)::int AS clients_moved,
                   CASE WHEN m.kept THEN 100.0 ELSE 0.0 END AS retention,
                   date_trunc('second', statement_timestamp() AT TIME ZONE 'UTC') AS refreshed_at
              FROM moves m
              LEFT JOIN (
                SELECT DISTINCT ON (member.user_id) member.user_id, member.crm_team_id
                  FROM crm_team_member member
                 WHERE member.active
                 ORDER BY member.user_id, member.crm_team_id
              ) team ON team.user_id = m.holder
             WHERE m.holder IS NOT NULL
            """,
            states=HISTORY_STATES,
            in_force=in_force,
        )

    def init(self):
        """The view, materialised, with the indexes of the rules (manager,
        backup, company) and of the pivot (period, team, client)."""
        cr = self.env.cr
        tools.drop_view_if_exists(cr, self._table)
        self._refresh_settings(
            lambda: cr.execute(
                SQL(
                    "CREATE MATERIALIZED VIEW %s AS (%s)",
                    SQL.identifier(self._table),
                    self._view_query(),
                )
            )
        )
        tools.create_unique_index(cr, f"{self._table}_id_uniq", self._table, ["id"])
        for columns in (
            ["period_type", "date_from"],
            ["user_id"],
            ["backup_manager_id"],
            ["team_id"],
            ["company_id"],
            ["partner_id"],
        ):
            tools.create_index(cr, f"{self._table}_{'_'.join(columns)}_idx", self._table, columns)

    def _refresh_settings(self, run):
        """Call ``run`` with memory for the big hashes and without JIT (its
        compilation costs more than it saves here), then restore both."""
        cr = self.env.cr
        cr.execute("SELECT current_setting('work_mem'), current_setting('jit')")
        work_mem, jit = cr.fetchone()
        cr.execute(
            "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)",
            [REFRESH_WORK_MEM],
        )
        try:
            run()
        finally:
            cr.execute(
                "SELECT set_config('work_mem', %s, true), set_config('jit', %s, true)",
                [work_mem, jit],
            )

    @api.model
    def _refresh(self):
        """Recompute the rows from the policies and the manager history (one
        statement), for everyone: callers check the rights."""
        for model in (
            "insurance.policy",
            "insurance.manager.assignment",
            "res.partner",
            "crm.team.member",
        ):
            self.env[model].flush_model()
        self._refresh_settings(
            lambda: self.env.cr.execute(
                SQL("REFRESH MATERIALIZED VIEW %s", SQL.identifier(self._table))
            )
        )
        self.invalidate_model()

    @api.model
    def _cron_refresh(self):
        """Scheduled action: every night, and triggered by the scorecards'
        computation."""
        self.sudo()._refresh()

    @api.model
    def action_refresh(self):
        """Recompute the report now. Team leads and administrators."""
        if not self.env.user.has_group(GROUP_INSURANCE_TEAM_LEAD):
            raise AccessError(_("Only a team lead or an administrator refreshes the report."))
        self.sudo()._refresh()
        return True
