from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

REQUIRE_QUALIFICATION_PARAM = "insurance_account_manager.require_qualification"
# The parameter holds "True" or "False"; a database without it requires a
# qualification (the default of a new database). The upgrade to 18.0.1.2.0
# writes "False" where an older database had left the option off, so an
# administrator's choice is never flipped.
REQUIRE_QUALIFICATION_OFF = ("", "0", "false")


class ResUsers(models.Model):
    """Eligibility (DESIGN S10, S12): who may take clients."""

    _inherit = "res.users"

    # the requests this user handled: the team leads' rule on the candidate
    # managers goes through them (record rules search as superuser)
    insurance_handled_request_ids = fields.One2many(
        "insurance.service.request",
        "handler_id",
        string="Handled Requests",
        groups="insurance_account_manager.insurance_group_admin",
    )

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users.filtered("is_account_manager")._check_insurance_qualified()
        return users

    def write(self, vals):
        result = super().write(vals)
        if vals.get("is_account_manager"):
            self._check_insurance_qualified()
        return result

    @api.model
    def _insurance_require_qualification(self):
        """Whether Settings require a valid qualification to take clients (on
        unless an administrator turned it off)."""
        value = self.env["ir.config_parameter"].sudo().get_param(REQUIRE_QUALIFICATION_PARAM)
        return value is False or value.strip().lower() not in REQUIRE_QUALIFICATION_OFF

    def _insurance_unqualified(self):
        """The users of ``self`` without a valid qualification (an active
        licence that has not expired), when Settings require one; else none.
        One query whatever the number of users."""
        if not self or not self._insurance_require_qualification():
            return self.browse()
        qualified = (
            self.env["insurance.qualification"]
            .sudo()
            ._read_group(
                [("user_id", "in", self.ids), ("is_valid", "=", True)], ["user_id"], ["__count"]
            )
        )
        qualified_users = {user for user, _count in qualified}
        return self.filtered(lambda user: user not in qualified_users)

    def _check_insurance_qualified(self):
        """When Settings require it, a user takes clients only with a valid
        qualification (an active licence that has not expired)."""
        missing = self._insurance_unqualified()
        if missing:
            raise ValidationError(
                _(
                    "%(users)s: only a user with a valid qualification (a licence that has "
                    "not expired) can take insurance clients.",
                    users=", ".join(missing.mapped("name")),
                )
            )
