from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import validation


class InsuranceQualification(models.Model):
    _name = "insurance.qualification"
    _description = "Account Manager Qualification"
    _inherit = ["mail.thread", "insurance.input.mixin"]
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
