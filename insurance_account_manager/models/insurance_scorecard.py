from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools import scorecard
from .res_partner import GROUP_INSURANCE_ADMIN, GROUP_INSURANCE_TEAM_LEAD

PARAM_PREFIX = "insurance_account_manager."
WEIGHT_PARAM = PARAM_PREFIX + "score_weight_%s"
INCENTIVE_SCHEME_PARAM = PARAM_PREFIX + "incentive_scheme"
INCENTIVE_BANDS_PARAM = PARAM_PREFIX + "incentive_bands"
INCENTIVE_POOL_PARAM = PARAM_PREFIX + "incentive_pool"
DEFAULT_BANDS = "0:0, 60:500, 80:1000, 90:2000"
SATISFACTION_THRESHOLD_PARAM = PARAM_PREFIX + "satisfaction_threshold"
DEFAULT_SATISFACTION_THRESHOLD = 3.0
# Scorecards are written in bulk by the server: no creation message, no
# follower, no tracking (their review is kept in validated/approved by/on).
QUIET_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
}
PERIOD_TYPES = [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")]
STATES = [("draft", "Draft"), ("validated", "Validated"), ("approved", "Incentive Approved")]
# The only field a user writes on a scorecard; every other value is the server's.
USER_FIELDS = {"note"}
# The figures of a scorecard, frozen once validated (see _kpi_values).
KPI_FIELDS = (
    "clients_start",
    "clients_kept",
    "retention",
    "renewals_due",
    "renewals_won",
    "renewals_lost",
    "renewals_pending",
    "renewal_rate",
    "lost_premium",
    "requests_handled",
    "requests_with_sla",
    "requests_within_sla",
    "sla_compliance",
    "sla_breaches",
    "median_hours_to_close",
    "claims_closed",
    "claim_turnaround",
    "new_clients",
    "premium_start",
    "premium_end",
    "premium_growth",
    "rating_count",
    "satisfaction",
)


class InsuranceScorecard(models.Model):
    """A manager's KPIs over a period, their weighted score, their rank in the
    team and their incentive. Computed as drafts for every manager of a period
    at once (:meth:`_compute_scorecards`, a constant number of grouped
    queries); a team lead validates a draft, which freezes it; an
    administrator approves the incentive."""

    _name = "insurance.scorecard"
    _description = "Account Manager Scorecard"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_from desc, period_type, score desc, id"

    name = fields.Char(compute="_compute_name", store=True)
    user_id = fields.Many2one(
        "res.users", string="Account Manager", required=True, readonly=True, index=True
    )
    team_id = fields.Many2one("crm.team", string="Team", readonly=True, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    period_type = fields.Selection(PERIOD_TYPES, string="Period", required=True, readonly=True)
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", required=True, readonly=True)
    state = fields.Selection(STATES, default="draft", required=True, readonly=True, index=True)
    note = fields.Text()
    # Retention
    clients_start = fields.Integer(
        string="Clients at Start",
        readonly=True,
        help="Clients with a policy in force on the first day of the period that this "
        "manager held on that day.",
    )
    clients_kept = fields.Integer(
        readonly=True,
        help="Of the clients at start, those that still have a policy in force on the "
        "last day of the period (with any manager).",
    )
    retention = fields.Float(
        string="Retention (%)",
        readonly=True,
        help="Clients kept out of the clients held at the start of the period.",
    )
    # Renewals
    renewals_due = fields.Integer(
        readonly=True,
        help="Policy terms ending in the period, counted for the manager who held the "
        "client on the day the term ended.",
    )
    renewals_won = fields.Integer(string="Renewed", readonly=True)
    renewals_lost = fields.Integer(string="Not Renewed", readonly=True)
    renewals_pending = fields.Integer(readonly=True)
    renewal_rate = fields.Float(
        string="Renewals Won (%)",
        readonly=True,
        help="Terms renewed out of the terms due in the period (pending ones count as "
        "not renewed yet).",
    )
    lost_premium = fields.Monetary(
        readonly=True,
        help="Annual premium of the terms due in the period that were not renewed.",
    )
    # Service
    requests_handled = fields.Integer(
        readonly=True,
        help="Service requests of this manager's clients closed in the period (done or cancelled).",
    )
    requests_with_sla = fields.Integer(string="Closed with an SLA", readonly=True)
    requests_within_sla = fields.Integer(string="Closed within SLA", readonly=True)
    sla_compliance = fields.Float(
        string="SLA Compliance (%)",
        readonly=True,
        help="Requests closed by their SLA deadline out of the requests with an SLA "
        "closed in the period.",
    )
    sla_breaches = fields.Integer(
        string="SLA Breaches",
        readonly=True,
        help="Requests closed in the period after their SLA deadline.",
    )
    median_hours_to_close = fields.Float(
        string="Median Hours to Close",
        readonly=True,
        help="Half the requests closed in the period took less clock hours than this "
        "from opening to closing.",
    )
    claims_closed = fields.Integer(readonly=True)
    claim_turnaround = fields.Float(
        string="Median Claim Turnaround (days)",
        readonly=True,
        help="Half the claims closed in the period took fewer calendar days than this "
        "from the report to the closing.",
    )
    # Growth
    new_clients = fields.Integer(
        readonly=True,
        help="Clients whose first policy started in the period, counted for the manager "
        "who held them on that day.",
    )
    premium_start = fields.Monetary(
        string="Premium at Start",
        readonly=True,
        help="Annual premium in force on the first day of the period of the clients this "
        "manager held that day.",
    )
    premium_end = fields.Monetary(
        string="Premium at End",
        readonly=True,
        help="Annual premium in force on the last day of the period of the clients this "
        "manager held that day.",
    )
    premium_growth = fields.Float(
        string="Premium Growth (%)",
        readonly=True,
        help="Change of the premium in force from the first to the last day of the period.",
    )
    # Satisfaction
    rating_count = fields.Integer(string="Ratings Received", readonly=True)
    satisfaction = fields.Float(
        string="Satisfaction (1-5)",
        readonly=True,
        help="Average rating (1 to 5) that clients gave in the period to the closed "
        "requests of this manager's clients.",
    )
    # Score
    score = fields.Float(
        readonly=True,
        help="Weighted average, out of 100, of the points of each KPI that has data in "
        "the period, with the weights set in Settings.",
    )
    has_score = fields.Boolean(
        readonly=True, help="False when no KPI has data in the period: no score, no rank."
    )
    rank = fields.Integer(
        readonly=True, help="Place of the score among the managers of the same team and period."
    )
    team_size = fields.Integer(string="Managers in Team", readonly=True)
    # Incentive
    incentive_amount = fields.Monetary(
        string="Incentive",
        readonly=True,
        help="Bonus of the score band reached, or the share of the pool in proportion "
        "to the score (Settings), set when the scorecard is validated.",
    )
    validated_by_id = fields.Many2one("res.users", string="Validated By", readonly=True)
    validated_on = fields.Datetime(readonly=True)
    approved_by_id = fields.Many2one("res.users", string="Incentive Approved By", readonly=True)
    approved_on = fields.Datetime(string="Incentive Approved On", readonly=True)

    _sql_constraints = [
        (
            "period_uniq",
            "unique(user_id, company_id, period_type, date_from)",
            "A manager has one scorecard per period.",
        ),
    ]

    @api.depends("user_id.name", "period_type", "date_from")
    def _compute_name(self):
        labels = dict(PERIOD_TYPES)
        for card in self:
            card.name = _(
                "%(manager)s, %(period)s from %(date)s",
                manager=card.user_id.name or "",
                period=labels.get(card.period_type, ""),
                date=fields.Date.to_string(card.date_from) if card.date_from else "",
            )

    # ------------------------------------------------------------
    # CRUD: the server alone writes a scorecard
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(_("Scorecards are computed by the system: use Compute Scorecards."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            if set(vals) - USER_FIELDS:
                raise AccessError(
                    _(
                        "The figures of a scorecard are computed by the system; "
                        "only the note is yours."
                    )
                )
            self._check_may_review()
        return super().write(vals)

    def unlink(self):
        if not self.env.su and any(card.state != "draft" for card in self):
            raise UserError(_("A validated scorecard is kept: only drafts can be deleted."))
        return super().unlink()

    # ------------------------------------------------------------
    # Validation and approval
    # ------------------------------------------------------------

    def _check_may_review(self):
        """A scorecard is reviewed (validated, annotated) by the team lead of its
        manager's team, never by the manager themselves, or by an administrator."""
        self.check_access("write")
        user = self.env.user
        if user.has_group(GROUP_INSURANCE_ADMIN):
            return
        if not user.has_group(GROUP_INSURANCE_TEAM_LEAD):
            raise AccessError(_("Only a team lead or an administrator reviews scorecards."))
        for card in self.sudo():
            leads = card.user_id.crm_team_member_ids.crm_team_id.user_id
            if card.user_id == user or user not in leads:
                raise AccessError(
                    _(
                        "%(card)s: only the team lead of the manager's team reviews it.",
                        card=card.name,
                    )
                )

    def action_validate(self):
        self._check_may_review()
        if any(card.state != "draft" for card in self):
            raise UserError(_("Only draft scorecards are validated."))
        self.sudo().write(
            {
                "state": "validated",
                "validated_by_id": self.env.user.id,
                "validated_on": fields.Datetime.now(),
            }
        )
        self.sudo()._set_incentives()
        return True

    def action_reset_draft(self):
        if not self.env.user.has_group(GROUP_INSURANCE_ADMIN):
            raise AccessError(_("Only an administrator sends a validated scorecard back to draft."))
        self.check_access("write")
        if any(card.state != "validated" for card in self):
            raise UserError(
                _("Only validated scorecards whose incentive is not approved go back to draft.")
            )
        self.sudo().write(
            {
                "state": "draft",
                "validated_by_id": False,
                "validated_on": False,
                "incentive_amount": 0.0,
            }
        )
        return True

    def action_approve_incentive(self):
        if not self.env.user.has_group(GROUP_INSURANCE_ADMIN):
            raise AccessError(_("Only an administrator approves incentives."))
        self.check_access("write")
        if any(card.state != "validated" for card in self):
            raise UserError(_("Only the incentive of a validated scorecard is approved."))
        self.sudo().write(
            {
                "state": "approved",
                "approved_by_id": self.env.user.id,
                "approved_on": fields.Datetime.now(),
            }
        )
        return True

    @api.model
    def _incentive_settings(self):
        ICP = self.env["ir.config_parameter"].sudo()
        scheme = ICP.get_param(INCENTIVE_SCHEME_PARAM) or "band"
        try:
            bands = scorecard.parse_bands(ICP.get_param(INCENTIVE_BANDS_PARAM, DEFAULT_BANDS))
        except ValueError:
            bands = []
        try:
            pool = float(ICP.get_param(INCENTIVE_POOL_PARAM) or 0.0)
        except ValueError:
            pool = 0.0
        return scheme, bands, pool

    def _set_incentives(self):
        """Incentives of the validated (not yet approved) scorecards of the
        periods of ``self``: the band bonus of each score, or the pool of the
        period shared by score among its validated scorecards."""
        scheme, bands, pool = self._incentive_settings()
        periods = {(c.company_id.id, c.period_type, c.date_from) for c in self}
        for company_id, period_type, date_from in periods:
            cards = self.search(
                [
                    ("company_id", "=", company_id),
                    ("period_type", "=", period_type),
                    ("date_from", "=", date_from),
                    ("state", "in", ("validated", "approved")),
                ]
            )
            open_cards = cards.filtered(lambda c: c.state == "validated")
            if scheme == "pool":
                shares = scorecard.pool_shares(
                    {c.id: c.score if c.has_score else None for c in cards}, pool
                )
                amounts = {c.id: shares[c.id] for c in open_cards}
            else:
                amounts = {
                    c.id: scorecard.band_amount(c.score if c.has_score else None, bands)
                    for c in open_cards
                }
            by_amount = defaultdict(list)
            for card_id, amount in amounts.items():
                by_amount[amount].append(card_id)
            for amount, ids in by_amount.items():
                self.browse(ids).write({"incentive_amount": amount})

    # ------------------------------------------------------------
    # Computation: every manager of a period at once
    # ------------------------------------------------------------

    @api.model
    def action_compute_scorecards(self, period_type, day):
        """Compute (or refresh) the draft scorecards of every manager of the
        period of ``period_type`` holding ``day``, in the current company.
        Team leads and administrators."""
        if not self.env.user.has_group(GROUP_INSURANCE_TEAM_LEAD):
            raise AccessError(_("Only a team lead or an administrator computes scorecards."))
        if period_type not in scorecard.PERIOD_TYPES:
            raise UserError(_("Choose a month, a quarter or a year."))
        day = fields.Date.to_date(day)
        if not day:
            raise UserError(_("Choose a day of the period."))
        cards = self.sudo()._compute_scorecards(period_type, day, self.env.company)
        # the Retention report gives the same figures per client: refresh it
        # too, in the background (a whole-book statement)
        self.env.ref("insurance_account_manager.ir_cron_refresh_retention_report").sudo()._trigger()
        return cards.ids

    @api.model
    def _cron_compute_scorecards(self):
        """Refresh the drafts of the month just ended and of the current
        quarter and year, in every company."""
        today = fields.Date.context_today(self)
        last_month_day = today.replace(day=1) - timedelta(days=1)
        for company in self.env["res.company"].sudo().search([]):
            self.sudo()._compute_scorecards("month", last_month_day, company)
            self.sudo()._compute_scorecards("quarter", today, company)
            self.sudo()._compute_scorecards("year", today, company)

    @api.model
    def _score_weights(self):
        ICP = self.env["ir.config_parameter"].sudo()
        weights = {}
        for key, default in scorecard.DEFAULT_WEIGHTS.items():
            value = ICP.get_param(WEIGHT_PARAM % key)
            try:
                weights[key] = max(float(value), 0.0) if value not in (None, False, "") else default
            except ValueError:
                weights[key] = default
        return weights

    @api.model
    def _compute_scorecards(self, period_type, day, company):
        """Draft scorecards of every manager of the period, in a constant number
        of queries: the figures of all managers in one grouped query per KPI
        family, the scorecards written in one statement per batch. Validated
        and approved scorecards are frozen: left as they are."""
        date_from, date_to = scorecard.period_bounds(period_type, day)
        values = self._kpi_values(date_from, date_to, company)
        existing = self.search(
            [
                ("company_id", "=", company.id),
                ("period_type", "=", period_type),
                ("date_from", "=", date_from),
            ]
        )
        frozen_users = {c.user_id.id for c in existing if c.state != "draft"}
        drafts = {c.user_id.id: c for c in existing if c.state == "draft"}
        teams = self._user_teams(list(values))
        weights = self._score_weights()
        best = defaultdict(lambda: {"new_clients": 0, "requests": 0})
        for user_id, kpis in values.items():
            team_best = best[teams.get(user_id)]
            team_best["new_clients"] = max(team_best["new_clients"], kpis["new_clients"])
            team_best["requests"] = max(team_best["requests"], kpis["requests_handled"])
        scores = {}
        for user_id, kpis in values.items():
            points = scorecard.kpi_points(self._kpi_inputs(kpis), best[teams.get(user_id)])
            scores[user_id] = scorecard.weighted_score(points, weights)
        by_team = defaultdict(dict)
        for user_id, score in scores.items():
            by_team[teams.get(user_id)][user_id] = score
        ranks, sizes = {}, {}
        for team_scores in by_team.values():
            ranks.update(scorecard.ranks(team_scores))
            sizes.update(dict.fromkeys(team_scores, len(team_scores)))
        vals_list = []
        for user_id, kpis in values.items():
            if user_id in frozen_users:
                continue
            vals_list.append(
                {
                    **{name: kpis[name] for name in KPI_FIELDS},
                    "user_id": user_id,
                    "team_id": teams.get(user_id),
                    "company_id": company.id,
                    "period_type": period_type,
                    "date_from": date_from,
                    "date_to": date_to,
                    "score": scores[user_id] or 0.0,
                    "has_score": scores[user_id] is not None,
                    "rank": ranks.get(user_id) or 0,
                    "team_size": sizes.get(user_id, 0),
                }
            )
        # drafts are refreshed in place (their note and activities stay), the
        # others created; drafts of users without figures any more are dropped
        updates = [vals for vals in vals_list if vals["user_id"] in drafts]
        self._update_drafts({drafts[vals["user_id"]].id: vals for vals in updates})
        refreshed = self.browse([drafts[vals["user_id"]].id for vals in updates])
        (self.browse([c.id for c in drafts.values()]) - refreshed).unlink()
        cards = refreshed | self.with_context(**QUIET_CONTEXT).create(
            [vals for vals in vals_list if vals["user_id"] not in drafts]
        )
        cards._schedule_satisfaction_reviews()
        return cards.with_env(self.env)

    def _update_drafts(self, vals_by_id):
        """Write ``{scorecard id: values}`` (the same fields for all) in one
        UPDATE statement, whatever the number of scorecards."""
        if not vals_by_id:
            return
        names = sorted({name for vals in vals_by_id.values() for name in vals})
        columns = [SQL.identifier(name) for name in names]
        casts = [SQL(self._fields[name].column_type[1]) for name in names]
        rows = [
            SQL(
                "(%s, %s)",
                card_id,
                SQL(", ").join(
                    SQL("%s::%s", vals[name] if vals[name] is not None else None, cast)
                    for name, cast in zip(names, casts, strict=True)
                ),
            )
            for card_id, vals in vals_by_id.items()
        ]
        self.env.cr.execute(
            SQL(
                """UPDATE insurance_scorecard AS card
                      SET %s, write_date = now() AT TIME ZONE 'UTC', write_uid = %s
                     FROM (VALUES %s) AS v(id, %s)
                    WHERE card.id = v.id""",
                SQL(", ").join(SQL("%s = v.%s", column, column) for column in columns),
                self.env.uid,
                SQL(", ").join(rows),
                SQL(", ").join(columns),
            )
        )
        self.browse(list(vals_by_id)).invalidate_recordset()

    def _schedule_satisfaction_reviews(self):
        """A manager whose satisfaction stays under the threshold of Settings
        for this period and the one before (same kind of period) gets a review
        activity for their team lead, on this period's scorecard."""
        try:
            threshold = float(
                self.env["ir.config_parameter"].sudo().get_param(SATISFACTION_THRESHOLD_PARAM)
                or DEFAULT_SATISFACTION_THRESHOLD
            )
        except ValueError:
            threshold = DEFAULT_SATISFACTION_THRESHOLD
        low = self.filtered(
            lambda c: (
                c.rating_count
                and c.satisfaction < threshold
                and c.team_id.user_id
                and not c.activity_ids
            )
        )
        if not low:
            return
        previous = defaultdict(lambda: None)
        for card in low:
            date_from, _date_to = scorecard.previous_period(card.period_type, card.date_from)
            previous[card.user_id.id, card.period_type, date_from, card.company_id.id] = None
        before = self.search(
            [
                ("user_id", "in", low.user_id.ids),
                ("date_from", "in", list({key[2] for key in previous})),
            ]
        )
        for card in before:
            key = (card.user_id.id, card.period_type, card.date_from, card.company_id.id)
            if key in previous:
                previous[key] = card.satisfaction if card.rating_count else None
        for card in low:
            date_from, _date_to = scorecard.previous_period(card.period_type, card.date_from)
            key = (card.user_id.id, card.period_type, date_from, card.company_id.id)
            if scorecard.below_for_periods([previous[key], card.satisfaction], threshold):
                card.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=_("Review the satisfaction of %(manager)s", manager=card.user_id.name),
                    note=_(
                        "Clients rated %(manager)s below %(threshold)s for two periods in a row.",
                        manager=card.user_id.name,
                        threshold=threshold,
                    ),
                    user_id=card.team_id.user_id.id,
                )

    @api.model
    def _period_start(self, period_type, day):
        return scorecard.period_bounds(period_type, day)[0]

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for card in self:
            if card.date_to < card.date_from:
                raise ValidationError(_("A scorecard's period cannot end before it starts."))

    # ------------------------------------------------------------
    # PDF
    # ------------------------------------------------------------

    # The KPIs printed on the scorecard, in order, with the value's format.
    REPORT_KPIS = (
        ("retention", "percent", "clients_start"),
        ("renewal_rate", "percent", "renewals_due"),
        ("lost_premium", "money", None),
        ("sla_compliance", "percent", "requests_with_sla"),
        ("sla_breaches", "count", None),
        ("median_hours_to_close", "number", "requests_handled"),
        ("claim_turnaround", "number", "claims_closed"),
        ("requests_handled", "count", None),
        ("new_clients", "count", None),
        ("premium_growth", "percent", "premium_start"),
        ("satisfaction", "number", "rating_count"),
    )

    def _report_kpis(self):
        """[(label, one-sentence definition, formatted value)] for the PDF: the
        field's string and help; "no data" where the period has none."""
        self.ensure_one()
        rows = []
        for name, kind, base in self.REPORT_KPIS:
            field = self._fields[name]
            value = self[name]
            if base and not self[base]:
                text = _("no data")
            elif kind == "percent":
                text = f"{value:.1f} %"
            elif kind == "money":
                text = self.currency_id.format(value) if self.currency_id else f"{value:.2f}"
            elif kind == "count":
                text = str(value)
            else:
                text = f"{value:.1f}"
            rows.append(
                (field._description_string(self.env), field._description_help(self.env), text)
            )
        return rows
