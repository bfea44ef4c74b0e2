from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from odoo.addons.rating.models.rating_data import RATING_LIMIT_MIN

from ..tools import retention_risk
from .res_partner import GROUP_INSURANCE_AM

# Clients scored per run of the scheduled action (it re-triggers itself
# while more remain).
RISK_BATCH_SIZE = 500
RISK_WEIGHT_PARAM = "insurance_account_manager.risk_weight_%s"
RISK_THRESHOLD_PARAM = "insurance_account_manager.risk_threshold"
DEFAULT_RISK_THRESHOLD = 60.0
# The window of the signals: claims, breaches, renewals and lost lines of
# the last year.
SIGNAL_DAYS = 365
# Fields only the scheduled action writes.
RISK_FIELDS = (
    "insurance_risk_score",
    "insurance_risk_reasons",
    "insurance_risk_flagged",
    "insurance_risk_checked_on",
)


def _risk_labels(env):
    """{signal: label} in the language of ``env`` (``env._``: a module-level
    ``_()`` finds no language in a scheduled action and logs a warning)."""
    return {
        retention_risk.CLAIMS: env._("Claims experience"),
        retention_risk.SERVICE: env._("SLA breaches"),
        retention_risk.PRICE: env._("Premium rise at renewal"),
        retention_risk.COMPLAINTS: env._("Open complaints"),
        retention_risk.SATISFACTION: env._("Low client ratings"),
        retention_risk.LOST_LINES: env._("Lines lost"),
        retention_risk.CONTACT: env._("No recent contact"),
    }


class ResPartner(models.Model):
    """Clients at risk: a retention-risk score per client from the signals the
    book already has (tools/retention_risk.py), recomputed in batches by a
    scheduled action; a client whose score rises above the threshold of
    Settings gives its manager an activity."""

    _inherit = "res.partner"

    insurance_risk_score = fields.Float(
        string="Retention Risk",
        readonly=True,
        copy=False,
        digits=(5, 1),
        groups=GROUP_INSURANCE_AM,
        help="0 (safe) to 100 (about to leave), from claims, service, open "
        "complaints, price, the client's ratings, lost lines and the manager's last "
        "contact.",
    )
    insurance_risk_reasons = fields.Char(readonly=True, copy=False, groups=GROUP_INSURANCE_AM)
    insurance_risk_reason_text = fields.Char(
        string="Risk Reasons",
        compute="_compute_insurance_risk_reason_text",
        groups=GROUP_INSURANCE_AM,
    )
    insurance_risk_flagged = fields.Boolean(
        string="At Risk", readonly=True, copy=False, groups=GROUP_INSURANCE_AM
    )
    insurance_risk_checked_on = fields.Date(
        string="Risk Scored On", readonly=True, copy=False, groups=GROUP_INSURANCE_AM
    )

    def _auto_init(self):
        # new columns of a large table, left NULL (read as 0 / False)
        for column, kind in (
            ("insurance_risk_score", "numeric"),
            ("insurance_risk_reasons", "varchar"),
            ("insurance_risk_flagged", "boolean"),
            ("insurance_risk_checked_on", "date"),
        ):
            if not column_exists(self.env.cr, "res_partner", column):
                create_column(self.env.cr, "res_partner", column, kind)
        return super()._auto_init()

    @api.depends("insurance_risk_reasons")
    def _compute_insurance_risk_reason_text(self):
        labels = _risk_labels(self.env)
        for partner in self:
            parts = []
            for item in (partner.insurance_risk_reasons or "").split(","):
                key, _sep, points = item.partition(":")
                if key in labels:
                    parts.append(f"{labels[key]} (+{points})")
            partner.insurance_risk_reason_text = ", ".join(parts)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(f in vals for vals in vals_list for f in RISK_FIELDS):
            raise AccessError(_("The retention risk of a client is computed by the server."))
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su and any(fname in vals for fname in RISK_FIELDS):
            raise AccessError(_("The retention risk of a client is computed by the server."))
        return super().write(vals)

    # ------------------------------------------------------------
    # Scoring
    # ------------------------------------------------------------

    @api.model
    def _insurance_risk_settings(self):
        ICP = self.env["ir.config_parameter"].sudo()
        weights = {
            key: float(ICP.get_param(RISK_WEIGHT_PARAM % key, default))
            for key, default in retention_risk.DEFAULT_WEIGHTS.items()
        }
        threshold = float(ICP.get_param(RISK_THRESHOLD_PARAM, DEFAULT_RISK_THRESHOLD))
        return weights, threshold

    def _insurance_risk_signals(self, today):
        """{partner id: retention_risk.ClientSignals} for the clients of
        ``self``, in a constant number of grouped queries."""
        since = today - timedelta(days=SIGNAL_DAYS)
        ids = self.ids
        claims = {
            partner.id: (paid or 0.0) + (reserved or 0.0)
            for partner, paid, reserved in self.env["insurance.claim"]._read_group(
                [("partner_id", "in", ids), ("date_loss", ">=", since)],
                ["partner_id"],
                ["amount_paid:sum", "amount_reserved:sum"],
            )
        }
        service = self._insurance_risk_service_signals(since)
        lost = {
            partner.id: count
            for partner, count in self.env["insurance.policy"]
            .with_context(active_test=False)
            ._read_group(
                [
                    ("partner_id", "in", ids),
                    ("renewal_state", "=", "not_renewed"),
                    ("date_end", ">=", since),
                ],
                ["partner_id"],
                ["line_id:count_distinct"],
            )
        }
        # the manager's last word or done activity on the client
        manager_partner = {partner.id: partner.account_manager_id.partner_id.id for partner in self}
        last_contact = {}
        for res_id, author, date in self.env["mail.message"]._read_group(
            [
                ("model", "=", "res.partner"),
                ("res_id", "in", ids),
                ("author_id", "in", list(set(manager_partner.values()) - {False})),
                "|",
                ("message_type", "in", ("comment", "email")),
                ("mail_activity_type_id", "!=", False),
            ],
            ["res_id", "author_id"],
            ["date:max"],
        ):
            if manager_partner.get(res_id) == author.id:
                last_contact[res_id] = date
        return {
            partner.id: retention_risk.ClientSignals(
                premium=partner.annual_premium or 0.0,
                claims_cost=claims.get(partner.id, 0.0),
                sla_breaches=service[partner.id]["breaches"],
                open_complaints=service[partner.id]["complaints"],
                premium_rise_percent=service[partner.id]["rise"],
                rating=service[partner.id]["rating"],
                lost_lines=lost.get(partner.id, 0),
                days_since_contact=(
                    (today - last_contact[partner.id].date()).days
                    if partner.id in last_contact
                    else None
                ),
            )
            for partner in self
        }

    def _insurance_risk_service_signals(self, since):
        """{partner id: {"breaches", "complaints", "rise", "rating"}} for the
        clients of ``self``, from their service requests in one statement:
        SLAs breached on requests opened since ``since``, open complaints
        (whenever opened), the largest premium rise of the renewals opened
        since ``since``, and the average of the ratings the client gave
        since ``since`` (None without any). Conditional aggregates over one
        scan of the clients' requests, which ``_read_group`` would spread over
        four queries; archived requests count for their ratings only."""
        Request = self.env["insurance.service.request"]
        Request.flush_model(
            [
                "partner_id",
                "active",
                "create_date",
                "sla_state",
                "is_complaint",
                "stage_state",
                "type_code",
                "premium_rise_percent",
            ]
        )
        self.env["rating.rating"].flush_model(["res_model", "res_id", "consumed", "rating"])
        self.env.cr.execute(
            SQL(
                """
                WITH request AS (
                    SELECT r.id, r.partner_id, r.active, r.create_date, r.sla_state,
                           r.is_complaint, r.stage_state, r.type_code, r.premium_rise_percent
                      FROM insurance_service_request AS r
                     WHERE r.partner_id = ANY(%(ids)s)
                ),
                rated AS (
                    SELECT request.partner_id, AVG(rt.rating) AS rating
                      FROM rating_rating AS rt
                      JOIN request ON request.id = rt.res_id
                     WHERE rt.res_model = %(model)s
                       AND rt.consumed
                       AND rt.rating >= %(min_rating)s
                       AND rt.write_date >= %(since)s
                     GROUP BY request.partner_id
                )
                SELECT request.partner_id,
                       COUNT(*) FILTER (
                           WHERE request.active AND request.sla_state = 'breached'
                             AND request.create_date >= %(since)s),
                       COUNT(*) FILTER (
                           WHERE request.active AND request.is_complaint
                             AND request.stage_state = 'open'),
                       MAX(request.premium_rise_percent) FILTER (
                           WHERE request.active AND request.type_code = 'renewal'
                             AND request.create_date >= %(since)s),
                       rated.rating
                  FROM request
                  LEFT JOIN rated ON rated.partner_id = request.partner_id
                 GROUP BY request.partner_id, rated.rating
                """,
                ids=self.ids,
                model=Request._name,
                min_rating=RATING_LIMIT_MIN,
                since=since,
            )
        )
        signals = {
            partner_id: {
                "breaches": breaches,
                "complaints": complaints,
                "rise": rise or 0.0,
                "rating": float(rating) if rating is not None else None,
            }
            for partner_id, breaches, complaints, rise, rating in self.env.cr.fetchall()
        }
        empty = {"breaches": 0, "complaints": 0, "rise": 0.0, "rating": None}
        return {partner_id: signals.get(partner_id, empty) for partner_id in self.ids}

    def _insurance_compute_retention_risk(self, today=None):
        """Score the clients of ``self`` and write the scores in one
        statement; the clients that rise above the threshold give their
        managers an activity (one create). Returns {partner id: score}."""
        today = today or fields.Date.context_today(self)
        clients = self.sudo()
        if not clients:
            return {}
        clients.fetch(["annual_premium", "account_manager_id", "insurance_risk_score"])
        clients.account_manager_id.fetch(["partner_id"])
        clients.mapped("display_name")  # the activities' document names
        weights, threshold = self._insurance_risk_settings()
        signals = clients._insurance_risk_signals(today)
        results = {pid: retention_risk.risk_score(signals[pid], weights) for pid in clients.ids}
        rising = clients.filtered(
            lambda p: (
                p.account_manager_id
                and retention_risk.crossed(p.insurance_risk_score, results[p.id].score, threshold)
            )
        )
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner AS p
                   SET insurance_risk_score = v.score,
                       insurance_risk_reasons = v.reasons,
                       insurance_risk_flagged = v.score >= %(threshold)s,
                       insurance_risk_checked_on = %(today)s
                  FROM unnest(%(ids)s::int[], %(scores)s::numeric[], %(reasons)s::varchar[])
                       AS v(id, score, reasons)
                 WHERE p.id = v.id
                """,
                threshold=threshold,
                today=today,
                ids=clients.ids,
                scores=[results[pid].score for pid in clients.ids],
                reasons=[
                    ",".join(f"{key}:{points}" for key, points in results[pid].reasons)
                    for pid in clients.ids
                ],
            )
        )
        clients.invalidate_recordset(list(RISK_FIELDS))
        if rising:
            rising._insurance_notify_risk(results)
        return {pid: result.score for pid, result in results.items()}

    def _insurance_notify_risk(self, results):
        activity_type = self.env.ref(
            "insurance_account_manager.mail_activity_type_retention_risk", raise_if_not_found=False
        )
        if not activity_type:
            return
        self._insurance_insert_activities(
            activity_type,
            [
                (
                    partner,
                    partner.account_manager_id,
                    self.env._("Client at risk: %(score)s", score=results[partner.id].score),
                    Markup("<p>%s</p>") % partner.insurance_risk_reason_text,
                )
                for partner in self
            ],
        )

    @api.model
    def _insurance_insert_activities(self, activity_type, rows):
        """Schedule activities of ``activity_type`` on clients, as
        ``mail.activity.create`` would (document name, deadline from the
        type's delay, the users following the clients), in two statements
        whatever their number (the ORM inserts 100 rows per statement and
        subscribes per user). ``rows``: [(partner, user, summary, note)].
        The users are not notified (the scheduled actions' activities)."""
        rows = [row for row in rows if row[1]]
        if not rows:
            return
        today = fields.Date.context_today(self)
        deadline = today + relativedelta(**{activity_type.delay_unit: activity_type.delay_count})
        env = self.env
        env["mail.activity"].flush_model()
        env.cr.execute(
            SQL(
                """
                INSERT INTO mail_activity (
                    res_model_id, res_model, res_id, res_name, activity_type_id, user_id,
                    summary, note, date_deadline, automated, active,
                    create_uid, create_date, write_uid, write_date
                )
                SELECT %(model_id)s, 'res.partner', v.res_id, v.res_name, %(type_id)s, v.user_id,
                       v.summary, v.note, %(deadline)s, TRUE, TRUE,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(res_ids)s::int[], %(names)s::varchar[], %(user_ids)s::int[],
                              %(summaries)s::varchar[], %(notes)s::text[])
                       AS v(res_id, res_name, user_id, summary, note)
                """,
                model_id=env["ir.model"]._get_id("res.partner"),
                type_id=activity_type.id,
                deadline=deadline,
                uid=env.uid,
                now=env.cr.now(),
                res_ids=[partner.id for partner, *_rest in rows],
                names=[partner.display_name for partner, *_rest in rows],
                user_ids=[user.id for _partner, user, *_rest in rows],
                summaries=[summary for _p, _u, summary, _n in rows],
                notes=[str(note) for *_rest, note in rows],
            )
        )
        env["mail.activity"].invalidate_model()
        self.invalidate_model(["activity_ids"])
        self._insurance_follow(
            [("res.partner", partner.id, user.partner_id.id) for partner, user, *_rest in rows]
        )

    @api.model
    def _cron_compute_retention_risk(self):
        """Score the clients not scored today, a batch per call (resumable,
        idempotent: a rerun the same day continues with the others)."""
        today = fields.Date.context_today(self)
        domain = [
            ("is_insurance_client", "=", True),
            "|",
            ("insurance_risk_checked_on", "=", False),
            ("insurance_risk_checked_on", "<", today),
        ]
        clients = self.search(domain, limit=RISK_BATCH_SIZE, order="id")
        clients._insurance_compute_retention_risk(today)
        remaining = self.search_count(domain) if len(clients) == RISK_BATCH_SIZE else 0
        self.env["ir.cron"]._notify_progress(done=len(clients), remaining=remaining)
