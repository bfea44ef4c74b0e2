from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

# Expired analyses turned into activities per run of the scheduled action
# (it re-triggers itself while more remain).
EXPIRY_BATCH_SIZE = 500
# Fields only the server writes.
SERVER_FIELDS = ("user_id", "is_current", "expiry_notified")


class InsuranceNeedsAnalysis(models.Model):
    """A needs analysis of a client (S8): the questionnaire's answers, when and
    by whom. The latest analysis of a client is its current one: its answers
    give the client's coverage gaps (insurance.coverage.gap); it expires after
    the interval of the client's tier, when the manager gets an activity to
    renew it."""

    _name = "insurance.needs.analysis"
    _description = "Needs Analysis"
    _inherit = ["mail.thread", "insurance.input.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    def _default_answer_ids(self):
        questions = self.env["insurance.needs.question"].search([])
        return [Command.create({"question_id": question.id}) for question in questions]

    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        domain=[("is_insurance_client", "=", True)],
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Analysed By",
        readonly=True,
        default=lambda self: self.env.user,
        help="Who did the analysis: the user who recorded it.",
    )
    answer_ids = fields.One2many(
        "insurance.needs.answer", "analysis_id", string="Answers", default=_default_answer_ids
    )
    competitor_line_ids = fields.One2many(
        "insurance.needs.competitor",
        "analysis_id",
        string="Held with Competitors",
        help="The lines the client holds with a competitor: the competitor targets.",
    )
    note = fields.Text()
    # Validity
    is_current = fields.Boolean(
        string="Current",
        readonly=True,
        copy=False,
        index=True,
        help="The latest analysis of the client: its answers give the coverage gaps.",
    )
    date_expiry = fields.Date(
        string="Renew By",
        compute="_compute_date_expiry",
        store=True,
        help="The date plus the needs-analysis interval of the client's tier "
        "(no date when the tier sets none).",
    )
    expiry_notified = fields.Boolean(readonly=True, copy=False)

    @api.depends("date", "partner_id.insurance_tier_id.needs_analysis_interval_months")
    def _compute_date_expiry(self):
        for analysis in self:
            months = analysis.partner_id.insurance_tier_id.needs_analysis_interval_months
            analysis.date_expiry = (
                analysis.date + relativedelta(months=months) if analysis.date and months else False
            )

    @api.depends("partner_id", "date")
    def _compute_display_name(self):
        for analysis in self:
            analysis.display_name = _(
                "%(client)s, %(date)s",
                client=analysis.partner_id.display_name or "",
                date=analysis.date or "",
            )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            if any(fname in vals for vals in vals_list for fname in SERVER_FIELDS):
                raise AccessError(
                    _("Who did an analysis and whether it is current is set by the server.")
                )
            Partner = self.env["res.partner"]
            for vals in vals_list:
                # a client the user may see (the record rules check the rest)
                Partner.browse(vals.get("partner_id") or ()).check_access("read")
        for vals in vals_list:
            if "company_id" not in vals and vals.get("partner_id"):
                partner = self.env["res.partner"].sudo().browse(vals["partner_id"])
                if partner.company_id:
                    vals["company_id"] = partner.company_id.id
        analyses = super().create(vals_list)
        analyses.partner_id._insurance_refresh_current_analysis()
        return analyses

    def write(self, vals):
        if not self.env.su:
            if any(fname in vals for fname in SERVER_FIELDS):
                raise AccessError(
                    _("Who did an analysis and whether it is current is set by the server.")
                )
            if "partner_id" in vals and any(
                analysis.partner_id.id != vals["partner_id"] for analysis in self
            ):
                raise AccessError(_("An analysis stays with its client: record a new one instead."))
        if "date" in vals:
            vals = {**vals, "expiry_notified": False}
        result = super().write(vals)
        if "date" in vals:
            self.partner_id._insurance_refresh_current_analysis()
        return result

    def unlink(self):
        partners = self.partner_id
        result = super().unlink()
        partners._insurance_refresh_current_analysis()
        return result

    # ------------------------------------------------------------
    # Expiry
    # ------------------------------------------------------------

    @api.model
    def _cron_notify_expired(self):
        """Give the manager of each client whose current analysis has expired
        an activity to renew it, a batch per call, in a constant number of
        queries: the batch's search, one read of the clients' managers, one
        search of the open activities, one create and one write. Idempotent:
        an analysis is notified once (a new date or a new analysis starts
        again)."""
        today = fields.Date.context_today(self)
        domain = [
            ("is_current", "=", True),
            ("date_expiry", "<=", today),
            ("expiry_notified", "=", False),
        ]
        analyses = self.search(domain, limit=EXPIRY_BATCH_SIZE, order="id")
        analyses._insurance_notify_expired()
        remaining = self.search_count(domain) if len(analyses) == EXPIRY_BATCH_SIZE else 0
        self.env["ir.cron"]._notify_progress(done=len(analyses), remaining=remaining)

    def _insurance_notify_expired(self):
        if not self:
            return
        activity_type = self.env.ref(
            "insurance_account_manager.mail_activity_type_needs_analysis",
            raise_if_not_found=False,
        )
        partners = self.partner_id
        # the activities' document names, in one read (mail computes them per record)
        partners.mapped("display_name")
        if activity_type:
            already = set(
                self.env["mail.activity"]
                .search(
                    [
                        ("res_model", "=", "res.partner"),
                        ("res_id", "in", partners.ids),
                        ("activity_type_id", "=", activity_type.id),
                    ]
                )
                .mapped("res_id")
            )
            self.env["res.partner"]._insurance_insert_activities(
                activity_type,
                [
                    (
                        analysis.partner_id,
                        analysis.partner_id.account_manager_id,
                        self.env._("Renew the needs analysis"),
                        Markup("<p>%s</p>")
                        % self.env._(
                            "The needs analysis of %(date)s has expired.", date=analysis.date
                        ),
                    )
                    for analysis in self
                    if analysis.partner_id.id not in already
                ],
            )
        self.write({"expiry_notified": True})

    @api.model
    def _insurance_refresh_current_sql(self, partner_ids):
        """Mark the latest analysis of each of ``partner_ids`` current and the
        others not, in one statement."""
        self.flush_model(["partner_id", "date", "is_current"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE insurance_needs_analysis AS a
                   SET is_current = (a.id = latest.id)
                  FROM (SELECT DISTINCT ON (partner_id) id, partner_id
                          FROM insurance_needs_analysis
                         WHERE partner_id = ANY(%(ids)s)
                      ORDER BY partner_id, date DESC, id DESC) AS latest
                 WHERE a.partner_id = latest.partner_id
                   AND a.is_current IS DISTINCT FROM (a.id = latest.id)
             RETURNING a.id
                """,
                ids=list(partner_ids),
            )
        )
        changed = self.browse([row[0] for row in self.env.cr.fetchall()])
        changed.invalidate_recordset(["is_current"])
        changed.modified(["is_current"])
