from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import _, api, fields, models

from ..tools import service

SLA_STATES = [
    (service.SLA_ON_TRACK, "On Track"),
    (service.SLA_AT_RISK, "At Risk"),
    (service.SLA_BREACHED, "Breached"),
]
# Requests whose SLA state is refreshed / that are escalated per run of the
# scheduled action (it re-triggers itself while more remain).
SLA_BATCH_SIZE = 1000
ESCALATION_BATCH_SIZE = 200
# Working intervals are read from the calendar in windows of this length when
# SLA deadlines are planned, at most SLA_PLAN_MAX_WINDOWS windows past the
# latest opening (as resource.calendar.plan_hours: 100 windows of 14 days).
SLA_PLAN_WINDOW = timedelta(days=14)
SLA_PLAN_MAX_WINDOWS = 100


class InsuranceServiceRequest(models.Model):
    """Service levels: the SLA rule of each request, its deadline in working hours,
    its state, and the escalation of breaches."""

    _inherit = "insurance.service.request"

    # SLA
    sla_id = fields.Many2one(
        "insurance.service.sla",
        string="SLA Rule",
        compute="_compute_sla_id",
        store=True,
        precompute=True,
    )
    sla_deadline = fields.Datetime(
        string="SLA Deadline",
        compute="_compute_sla_deadline",
        store=True,
        precompute=True,
        index=True,
    )
    sla_at_risk_at = fields.Datetime(
        string="At Risk From", compute="_compute_sla_deadline", store=True, precompute=True
    )
    sla_state = fields.Selection(
        SLA_STATES,
        string="SLA",
        compute="_compute_sla_state",
        store=True,
        precompute=True,
        index=True,
        help="Refreshed by the SLA scheduled action; breaches are escalated to the team lead.",
    )
    sla_escalated = fields.Boolean(string="Escalated", copy=False, readonly=True)

    @api.depends("type_id", "tier_id")
    def _compute_sla_id(self):
        # editing the SLA rules re-matches the open requests: _sla_rematch
        matches = self._sla_match()
        for request in self:
            request.sla_id = matches[request]

    @api.model
    def _sla_rows(self, type_ids):
        """The active SLA rules of the pipelines ``type_ids``, read once, as
        the rows of :func:`tools.service.match_sla`."""
        slas = self.env["insurance.service.sla"].sudo().search([("type_id", "in", list(type_ids))])
        return [(sla.id, sla.type_id.id, sla.tier_id.id or None, sla.sequence) for sla in slas]

    def _sla_match(self):
        """``{request: SLA rule}`` for the requests of ``self``: the active rules
        of their pipelines, read once, matched on the client's tier."""
        rows = self._sla_rows(self.type_id.ids)
        SLA = self.env["insurance.service.sla"]
        return {
            request: SLA.browse(
                service.match_sla(rows, request.type_id.id, request.tier_id.id or None)
            )
            for request in self
        }

    @api.model
    def _sla_rematch(self, types):
        """Re-match the open requests of the pipelines ``types`` after their SLA
        rules changed; the deadline and state of those whose rule changed follow
        (closed requests keep the rule they were closed under)."""
        if not types:
            return
        requests = self.sudo().search([("type_id", "in", types.ids), ("stage_state", "=", "open")])
        matches = requests._sla_match()
        changed = requests.filtered(lambda request: request.sla_id != matches[request])
        for fname in ("sla_id", "sla_deadline", "sla_at_risk_at", "sla_state"):
            self.env.add_to_compute(self._fields[fname], changed)

    @api.depends("sla_id.hours", "date_open", "company_id.resource_calendar_id")
    def _compute_sla_deadline(self):
        to_plan = defaultdict(list)  # calendar: [(request, hours, start)]
        for request in self:
            hours, start = request.sla_id.hours, request.date_open
            calendar = (request.company_id or self.env.company).resource_calendar_id
            if hours and start and calendar:
                to_plan[calendar].append((request, hours, start))
            else:
                request.sla_deadline = request.sla_at_risk_at = False
        for calendar, rows in to_plan.items():
            deadlines = self._sla_plan_deadlines(
                calendar, {(hours, start) for _request, hours, start in rows}
            )
            for request, hours, start in rows:
                deadline = deadlines.get((hours, start))
                request.sla_deadline = deadline or False
                request.sla_at_risk_at = (
                    service.sla_at_risk_at(start, deadline) if deadline else False
                )

    @api.model
    def _sla_plan_deadlines(self, calendar, keys):
        """``{(hours, start): deadline}`` for ``keys``, in working hours of
        ``calendar`` (its leaves excluded): its working intervals are read once
        for all, window after window, instead of once per request."""
        first = min(start for _hours, start in keys)
        last = max(start for _hours, start in keys)
        max_windows = int((last - first) / SLA_PLAN_WINDOW) + 1 + SLA_PLAN_MAX_WINDOWS
        intervals, deadlines, todo = [], {}, set(keys)
        window_start = first
        for _window in range(max_windows):
            window_end = window_start + SLA_PLAN_WINDOW
            fetched = calendar.sudo()._work_intervals_batch(
                pytz.utc.localize(window_start), pytz.utc.localize(window_end)
            )[False]
            intervals.extend(
                (
                    begin.astimezone(pytz.utc).replace(tzinfo=None),
                    end.astimezone(pytz.utc).replace(tzinfo=None),
                )
                for begin, end, _meta in fetched
            )
            for hours, start in [key for key in todo if key[1] < window_end]:
                deadline = service.plan_working_hours(intervals, start, hours)
                if deadline is not None:
                    deadlines[hours, start] = deadline
                    todo.discard((hours, start))
            if not todo:
                break
            window_start = window_end
        return deadlines

    @api.depends("sla_deadline", "sla_at_risk_at", "date_closed")
    def _compute_sla_state(self):
        now = fields.Datetime.now()
        for request in self:
            request.sla_state = service.sla_state(
                now, request.date_open, request.sla_deadline, request.date_closed
            )

    def _sla_escalation_user(self):
        """Team lead who receives the escalation: the department's leader, else
        the leader of the accountable manager's sales team."""
        self.ensure_one()
        return (
            self.team_id.user_id
            or self.user_id.sale_team_id.user_id
            or self.type_id.team_id.user_id
            or self.user_id
        )

    @api.model
    def _cron_check_sla(self):
        """Refresh the SLA state of open requests whose state changed with time,
        then escalate new breaches. Idempotent: escalated requests are marked."""
        now = fields.Datetime.now()
        refresh_domain = [
            ("stage_state", "=", "open"),
            ("sla_deadline", "!=", False),
            "|",
            "&",
            ("sla_state", "=", service.SLA_ON_TRACK),
            ("sla_at_risk_at", "<=", now),
            "&",
            ("sla_state", "!=", service.SLA_BREACHED),
            ("sla_deadline", "<=", now),
        ]
        requests = self.search(refresh_domain, limit=SLA_BATCH_SIZE, order="sla_deadline, id")
        by_state = defaultdict(lambda: self.browse())
        for request in requests:
            by_state[service.sla_state(now, request.date_open, request.sla_deadline)] |= request
        for state, group in by_state.items():
            group.write({"sla_state": state})
        escalate_domain = [
            ("stage_state", "=", "open"),
            ("sla_state", "=", service.SLA_BREACHED),
            ("sla_escalated", "=", False),
        ]
        breached = self.search(escalate_domain, limit=ESCALATION_BATCH_SIZE, order="id")
        breached._sla_escalate()
        remaining = 0
        if len(requests) == SLA_BATCH_SIZE:
            remaining += self.search_count(refresh_domain)
        if len(breached) == ESCALATION_BATCH_SIZE:
            remaining += self.search_count(escalate_domain)
        self.env["ir.cron"]._notify_progress(
            done=len(requests) + len(breached), remaining=remaining
        )

    def _sla_escalate(self):
        activity_type = self.env.ref(
            "insurance_account_manager.mail_activity_type_sla_breach", raise_if_not_found=False
        )
        for request in self:
            lead = request._sla_escalation_user()
            request.message_post(
                body=_(
                    "SLA breached: due %(deadline)s. Escalated to %(lead)s.",
                    deadline=fields.Datetime.to_string(request.sla_deadline),
                    lead=lead.name or _("nobody"),
                ),
                subtype_xmlid="mail.mt_note",
            )
            if lead:
                request.activity_schedule(
                    activity_type_id=activity_type.id if activity_type else None,
                    summary=_("SLA breached: %(request)s", request=request.name),
                    user_id=lead.id,
                )
        self.write({"sla_escalated": True})
