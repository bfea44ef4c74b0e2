from odoo import _, api, models
from odoo.exceptions import ValidationError

REQUIRE_QUALIFICATION_PARAM = "insurance_account_manager.require_qualification"


class ResUsers(models.Model):
    """Eligibility (DESIGN S10, S12): who may take clients."""

    _inherit = "res.users"

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

    def _check_insurance_qualified(self):
        """When Settings require it, a user takes clients only with a valid
        qualification (an active licence that has not expired)."""
        if not self or not self.env["ir.config_parameter"].sudo().get_param(
            REQUIRE_QUALIFICATION_PARAM
        ):
            return
        qualified = (
            self.env["insurance.qualification"]
            .sudo()
            ._read_group(
                [("user_id", "in", self.ids), ("is_valid", "=", True)], ["user_id"], ["__count"]
            )
        )
        qualified_users = {user for user, _count in qualified}
        missing = self.filtered(lambda user: user not in qualified_users)
        if missing:
            raise ValidationError(
                _(
                    "%(users)s: only a user with a valid qualification (a licence that has "
                    "not expired) can take insurance clients.",
                    users=", ".join(missing.mapped("name")),
                )
            )
