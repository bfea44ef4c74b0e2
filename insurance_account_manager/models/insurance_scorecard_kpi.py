from collections import defaultdict
from datetime import datetime, time, timedelta

from odoo import api, models
from odoo.tools import SQL

from ..report.sql import (
    company_amount,
    join_company,
    manager_of,
    manager_on,
    managers_on,
    user_team,
)
from ..tools import scorecard
from .insurance_scorecard import KPI_FIELDS


class InsuranceScorecard(models.Model):
    """The figures of the scorecards: every manager's KPIs of a period in one
    grouped query per KPI family (the report views' SQL), and the values the
    score is made of."""

    _inherit = "insurance.scorecard"

    @api.model
    def _kpi_inputs(self, kpis):
        """The KPI values for the score, ``None`` where the period has no data."""
        return scorecard.kpi_inputs(kpis)

    @api.model
    def _user_teams(self, user_ids):
        """{user id: team id}: the first sales team each manager belongs to."""
        if not user_ids:
            return {}
        self.env.cr.execute(
            SQL(
                "SELECT u.id, %s FROM res_users u WHERE u.id = ANY(%s)",
                user_team(SQL("u.id")),
                list(user_ids),
            )
        )
        return {user_id: team_id for user_id, team_id in self.env.cr.fetchall() if team_id}

    @api.model
    def _kpi_values(self, date_from, date_to, company):
        """{manager id: {KPI field: value}} of every manager with figures in the
        period or taking clients in ``company``: one grouped query per KPI
        family, whatever the number of managers and clients."""
        for model in (
            "insurance.policy",
            "insurance.claim",
            "insurance.service.request",
            "insurance.manager.assignment",
            "res.partner",
            "res.users",
            "crm.team.member",
        ):
            self.env[model].flush_model()
        cr = self.env.cr
        start = datetime.combine(date_from, time.min)
        end = datetime.combine(date_to + timedelta(days=1), time.min)
        figures = defaultdict(dict)

        def collect(query, keys, zero_if_null=()):
            """One grouped query (rows: manager id, then a value per key) into figures."""
            cr.execute(query)
            scorecard.merge_figures(figures, cr.fetchall(), keys, zero_if_null)

        def in_force(day):
            return SQL(
                """pol.active AND pol.state IN ('active', 'expired')
                   AND pol.date_start <= %(day)s AND pol.date_end >= %(day)s""",
                day=day,
            )

        # Retention: clients in force at the start, who held them that day,
        # still in force at the end (with any manager). JIT compilation off
        # until the last figures, in the same round trip: the planner costs
        # the manager of the day per row of every table the report views
        # scan, so their grouped queries passed the JIT thresholds, and
        # compiling took 3-5 s each on a 100,000-client book for queries
        # that run in 0.5-2 s without it (README, Performance, rows f)
        collect(
            SQL(
                """
            SET LOCAL jit = off;
            SELECT holder, count(*), count(*) FILTER (WHERE kept)
              FROM (
                SELECT %(holder)s AS holder,
                       EXISTS (SELECT 1 FROM insurance_policy pol
                                WHERE pol.partner_id = s.partner_id AND %(at_end)s) AS kept
                  FROM (SELECT DISTINCT pol.partner_id FROM insurance_policy pol
                         WHERE pol.company_id = %(company)s AND %(at_start)s) s
                  JOIN res_partner p ON p.id = s.partner_id
                  %(history)s
                 WHERE p.is_insurance_client
              ) x
             WHERE holder IS NOT NULL
             GROUP BY holder
            """,
                holder=manager_of("history", SQL("p.account_manager_id")),
                history=managers_on("history", SQL("s.partner_id"), date_from),
                at_end=in_force(date_to),
                at_start=in_force(date_from),
                company=company.id,
            ),
            ("clients_start", "clients_kept"),
        )

        # Premium in force on the first and the last day, for who held the client that day
        def premium_on(key, day):
            return SQL(
                """SELECT %(key)s AS which, %(holder)s AS holder, %(premium)s AS premium
                     FROM insurance_policy pol JOIN res_partner p ON p.id = pol.partner_id
                          %(history)s %(join_company)s
                    WHERE pol.company_id = %(company)s AND %(in_force)s""",
                key=key,
                holder=manager_of("history", SQL("p.account_manager_id")),
                history=managers_on("history", SQL("pol.partner_id"), day),
                join_company=join_company("company", SQL("pol.company_id")),
                premium=company_amount(SQL("pol.premium"), SQL("pol.currency_id"), "company", day),
                company=company.id,
                in_force=in_force(day),
            )

        cr.execute(
            SQL(
                """SELECT holder, which, sum(premium)
                     FROM (%s UNION ALL %s) x
                    WHERE holder IS NOT NULL GROUP BY holder, which""",
                premium_on("start", date_from),
                premium_on("end", date_to),
            )
        )
        for user_id, which, premium in cr.fetchall():
            figures[user_id][f"premium_{which}"] = premium or 0.0

        # New clients: first policy started in the period, held by whom on that day
        collect(
            SQL(
                """
            SELECT holder, count(*) FROM (
                SELECT %(holder)s AS holder
                  FROM (SELECT pol.partner_id, min(pol.date_start) AS first_start
                          FROM insurance_policy pol
                         WHERE pol.active AND pol.state IN ('active', 'expired')
                           AND pol.company_id = %(company)s
                         GROUP BY pol.partner_id) f
                  JOIN res_partner p ON p.id = f.partner_id
                 WHERE f.first_start BETWEEN %(date_from)s AND %(date_to)s
              ) x WHERE holder IS NOT NULL GROUP BY holder
            """,
                holder=manager_on(
                    SQL("f.partner_id"), SQL("f.first_start"), SQL("p.account_manager_id")
                ),
                company=company.id,
                date_from=date_from,
                date_to=date_to,
            ),
            ("new_clients",),
        )

        # Renewals due in the period (the renewal report holds the manager of the due day)
        collect(
            SQL(
                """
            SELECT user_id, sum(due_count), sum(won_count), sum(lost_count),
                   sum(pending_count), sum(lost_premium)
              FROM insurance_report_renewal
             WHERE company_id = %s AND date_due BETWEEN %s AND %s AND user_id IS NOT NULL
             GROUP BY user_id
            """,
                company.id,
                date_from,
                date_to,
            ),
            ("renewals_due", "renewals_won", "renewals_lost", "renewals_pending", "lost_premium"),
            zero_if_null=("lost_premium",),
        )

        # Service: requests closed in the period (days of the company's time
        # zone), manager of the closing day
        collect(
            SQL(
                """
            SELECT user_id, count(*),
                   count(*) FILTER (WHERE sla_compliance IS NOT NULL),
                   count(*) FILTER (WHERE sla_compliance = 100),
                   count(*) FILTER (WHERE sla_compliance = 0),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY hours_to_close)
              FROM insurance_report_service
             WHERE company_id = %s AND closed_on BETWEEN %s AND %s
               AND user_id IS NOT NULL
             GROUP BY user_id
            """,
                company.id,
                date_from,
                date_to,
            ),
            (
                "requests_handled",
                "requests_with_sla",
                "requests_within_sla",
                "sla_breaches",
                "median_hours_to_close",
            ),
            zero_if_null=("median_hours_to_close",),
        )

        # Claims closed in the period, manager of the closing day
        collect(
            SQL(
                """
            SELECT user_id, count(*),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY turnaround_days)
              FROM insurance_report_claim
             WHERE company_id = %s AND date_closed BETWEEN %s AND %s AND user_id IS NOT NULL
             GROUP BY user_id
            """,
                company.id,
                date_from,
                date_to,
            ),
            ("claims_closed", "claim_turnaround"),
            zero_if_null=("claim_turnaround",),
        )
        scorecard.merge_figures(
            figures,
            self._rating_figures(start, end, company),
            ("rating_count", "satisfaction"),
            zero_if_null=("satisfaction",),
        )

        # Managers without figures still get a scorecard (an empty period);
        # JIT back to the session's setting
        cr.execute(
            SQL(
                """
            SET LOCAL jit TO DEFAULT;
            SELECT u.id FROM res_users u
              JOIN res_company_users_rel rel ON rel.user_id = u.id AND rel.cid = %s
             WHERE u.active AND u.is_account_manager AND NOT u.share
            """,
                company.id,
            )
        )
        for (user_id,) in cr.fetchall():
            figures.setdefault(user_id, {})
        return {user_id: self._kpi_complete(kpis) for user_id, kpis in figures.items()}

    @api.model
    def _rating_figures(self, start, end, company):
        """[(manager id, ratings, average rating)] of the ratings clients gave
        in the period (``start`` included, ``end`` excluded) to the requests of
        ``company``, for the manager of the request's closing day."""
        self.env["rating.rating"].flush_model()
        self.env.cr.execute(
            SQL(
                """
            SELECT s.user_id, count(*), avg(rt.rating)
              FROM rating_rating rt
              JOIN insurance_report_service s ON s.request_id = rt.res_id
             WHERE rt.res_model = 'insurance.service.request' AND rt.consumed
               AND rt.rating >= 1 AND rt.write_date >= %s AND rt.write_date < %s
               AND s.company_id = %s AND s.user_id IS NOT NULL
             GROUP BY s.user_id
            """,
                start,
                end,
                company.id,
            )
        )
        return self.env.cr.fetchall()

    @api.model
    def _kpi_complete(self, kpis):
        """Every KPI field of one manager, with the ratios derived from the counts."""
        return scorecard.complete_kpis(kpis, KPI_FIELDS)
