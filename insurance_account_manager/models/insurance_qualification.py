from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import format_date

from ..tools import validation

# A manager's team lead hears of a licence once, this many days before it
# expires (or when it lapsed, if it was not heard of before); a new expiry date,
# holder or archiving makes a new notice due (see lapse_notified).
LICENCE_NOTICE_DAYS = 30
LICENCE_NOTICE_BATCH = 500
# what moves a licence's expiry: a new notice is due after any of them changes
LICENCE_NOTICE_RESET_FIELDS = ("date_expiry", "active", "user_id")


class InsuranceQualification(models.Model):
    _name = "insurance.qualification"
    _description = "Account Manager Qualification"
    _inherit = ["mail.thread", "mail.activity.mixin", "insurance.input.mixin"]
    _order = "date_expiry desc, id desc"
    _rec_name = "licence_number"
    _insurance_input_limits = {"licence_number": validation.CODE}

    user_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("share", "=", False)],
        tracking=True,
    )
    line_ids = fields.Many2many(
        "insurance.line",
        string="Lines of Business",
        required=True,
        help="Lines of business this licence or certificate allows the manager to serve.",
    )
    licence_number = fields.Char(required=True, tracking=True)
    issuer = fields.Char(help="Regulator or body that issued the licence.")
    date_issue = fields.Date(string="Issued On")
    date_expiry = fields.Date(
        string="Expires On", tracking=True, help="Leave empty for a licence that does not expire."
    )
    is_valid = fields.Boolean(compute="_compute_is_valid", search="_search_is_valid")
    active = fields.Boolean(default=True)
    # set by the server only (_cron_notify_licence_lapses), reset when the
    # expiry, the holder or the archive state changes
    lapse_notified = fields.Boolean(
        readonly=True,
        copy=False,
        help="The manager's team lead was told that this licence lapsed or expires soon.",
    )

    @api.depends("date_expiry", "active")
    @api.depends_context("date")
    def _compute_is_valid(self):
        today = fields.Date.context_today(self)
        for qualification in self:
            qualification.is_valid = qualification.active and (
                not qualification.date_expiry or qualification.date_expiry >= today
            )

    def _search_is_valid(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(_("Unsupported search on qualification validity."))
        today = fields.Date.context_today(self)
        valid = ["|", ("date_expiry", "=", False), ("date_expiry", ">=", today)]
        return valid if (operator == "=") == value else ["!", *valid]

    @api.constrains("date_issue", "date_expiry")
    def _check_dates(self):
        for qualification in self:
            if (
                qualification.date_issue
                and qualification.date_expiry
                and qualification.date_expiry < qualification.date_issue
            ):
                raise ValidationError(
                    _(
                        "Licence %(licence)s: it cannot expire before it was issued.",
                        licence=qualification.licence_number,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any("lapse_notified" in vals for vals in vals_list):
            raise AccessError(_("Only the server records that a licence lapse was notified."))
        records = super().create(vals_list)
        # a context default (default_lapse_notified) is not in the values above
        if not self.env.su and records.filtered("lapse_notified"):
            raise AccessError(_("Only the server records that a licence lapse was notified."))
        return records

    def write(self, vals):
        if not self.env.su and "lapse_notified" in vals:
            raise AccessError(_("Only the server records that a licence lapse was notified."))
        if any(fname in vals for fname in LICENCE_NOTICE_RESET_FIELDS):
            vals = {**vals, "lapse_notified": False}
        return super().write(vals)

    @api.model
    def _cron_notify_licence_lapses(self):
        """Tell each account manager's team lead (else the administrator) of
        the manager's licences that lapsed or expire within
        LICENCE_NOTICE_DAYS: one activity per licence, on the licence. The
        clients stay with the manager, and the assignment rules already give
        none to a manager without a valid licence for the client's lines.

        A licence whose lines another licence of the manager covers beyond
        the horizon needs no notice. Batched and idempotent: each licence
        handled is marked ``lapse_notified`` in the same transaction as its
        activity, so a rerun neither repeats nor skips; the cron re-triggers
        itself while licences remain."""
        today = fields.Date.context_today(self)
        horizon = today + timedelta(days=LICENCE_NOTICE_DAYS)
        domain = [
            ("lapse_notified", "=", False),
            ("date_expiry", "!=", False),
            ("date_expiry", "<=", horizon),
            ("user_id.is_account_manager", "=", True),
            ("user_id.active", "=", True),
        ]
        Qualification = self.sudo()
        batch = Qualification.search(domain, limit=LICENCE_NOTICE_BATCH, order="id")
        batch._insurance_notify_lapses(today, horizon)
        batch.write({"lapse_notified": True})
        remaining = Qualification.search_count(domain) if len(batch) == LICENCE_NOTICE_BATCH else 0
        self.env["ir.cron"]._notify_progress(done=len(batch), remaining=remaining)

    def _insurance_notify_lapses(self, today, horizon):
        """One activity per licence of ``self`` (sudo) whose lines no other
        licence of its holder covers beyond ``horizon``: a constant number of
        queries for the batch."""
        activity_type = self.env.ref(
            "insurance_account_manager.mail_activity_type_licence_lapse",
            raise_if_not_found=False,
        )
        if not self or not activity_type:
            return
        users = self.user_id
        covered = {}  # user id -> lines licensed beyond the horizon
        for other in self.search(
            [
                ("user_id", "in", users.ids),
                "|",
                ("date_expiry", "=", False),
                ("date_expiry", ">", horizon),
            ]
        ):
            covered.setdefault(other.user_id.id, set()).update(other.line_ids.ids)
        clients = dict(
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=True)
            ._read_group(
                [("is_insurance_client", "=", True), ("account_manager_id", "in", users.ids)],
                ["account_manager_id"],
                ["__count"],
            )
        )
        fallback = self.env.ref("base.user_admin", raise_if_not_found=False) or self.env.user
        model_id = self.env["ir.model"]._get_id(self._name)
        values = []
        for qualification in self:
            user = qualification.user_id
            if not set(qualification.line_ids.ids) - covered.get(user.id, set()):
                continue
            leader = user.crm_team_member_ids.crm_team_id.user_id.filtered("active")[:1]
            lapsed = qualification.date_expiry < today
            message = (
                _(
                    "The licence %(licence)s (%(lines)s) of %(manager)s lapsed on %(date)s: "
                    "they take no new client of those lines. They manage %(count)s client(s): "
                    "record the renewed licence, or reassign the clients."
                )
                if lapsed
                else _(
                    "The licence %(licence)s (%(lines)s) of %(manager)s expires on %(date)s. "
                    "They manage %(count)s client(s): record the renewed licence before then."
                )
            )
            details = {
                "licence": qualification.licence_number,
                "lines": ", ".join(qualification.line_ids.mapped("name")),
                "manager": user.name,
                "date": format_date(self.env, qualification.date_expiry),
                "count": clients.get(user, 0),
            }
            values.append(
                {
                    "res_model_id": model_id,
                    "res_id": qualification.id,
                    "activity_type_id": activity_type.id,
                    "user_id": (leader or fallback).id,
                    "date_deadline": today if lapsed else qualification.date_expiry,
                    "summary": _("Licence lapsed") if lapsed else _("Licence expires soon"),
                    "note": Markup("<p>%s</p>") % (message % details),
                }
            )
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            values
        )
