from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools.sql import column_exists, create_column, table_exists

from .res_partner import GROUP_INSURANCE_TEAM_LEAD


class InsuranceServiceRequest(models.Model):
    """Complaints (投诉): any request, in whichever pipeline the work is done,
    may be flagged as a complaint of its client. A client's open complaints
    weigh in its retention risk (res_partner_retention.py).

    Whoever may edit the request flags it (its client's manager or backup,
    their team lead, the handler working it, an administrator); only a team
    lead or an administrator clears the flag: the accountable manager, whose
    client's risk it raises, cannot take a complaint back. A complaint ends by
    closing its request."""

    _inherit = "insurance.service.request"

    is_complaint = fields.Boolean(
        string="Complaint",
        copy=False,
        tracking=True,
        help="The client complains: an open complaint raises the client's retention risk. "
        "Only a team lead or an administrator clears the flag.",
    )

    can_edit_complaint = fields.Boolean(
        compute="_compute_can_edit_complaint",
        help="Whether the current user may change the complaint flag as saved: anyone who "
        "may edit the request flags it, only a team lead or an administrator clears it.",
    )

    def _auto_init(self):
        # a new column of a large table, left NULL (read as False) rather than
        # filled row by row
        cr = self.env.cr
        if table_exists(cr, self._table) and not column_exists(cr, self._table, "is_complaint"):
            create_column(cr, self._table, "is_complaint", "boolean")
        return super()._auto_init()

    @api.depends("is_complaint")
    @api.depends_context("uid")
    def _compute_can_edit_complaint(self):
        # the form's modifier only; write() decides, from the same rule
        clears = self.env.su or self.env.user.has_group(GROUP_INSURANCE_TEAM_LEAD)
        for request in self:
            request.can_edit_complaint = clears or not request._origin.is_complaint

    def write(self, vals):
        if (
            "is_complaint" in vals
            and not vals["is_complaint"]
            and not self.env.su
            and any(request.is_complaint for request in self)
            and not self.env.user.has_group(GROUP_INSURANCE_TEAM_LEAD)
        ):
            raise AccessError(
                _(
                    "Only a team lead or an administrator clears a complaint: close the "
                    "request once the complaint is answered."
                )
            )
        return super().write(vals)
