from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import assignment


class InsuranceAssignmentRule(models.Model):
    _name = "insurance.assignment.rule"
    _description = "Account Manager Assignment Rule"
    _inherit = ["insurance.client.rule.mixin"]
    _check_company_auto = True

    # Which clients
    tier_ids = fields.Many2many(
        "insurance.client.tier", string="Tiers", help="Leave empty for every tier."
    )
    line_ids = fields.Many2many(
        "insurance.line",
        string="Lines of Business",
        help="Clients holding a policy in any of these lines. Leave empty for every line.",
    )
    country_ids = fields.Many2many(
        "res.country", string="Countries", help="Leave empty for every country."
    )
    state_ids = fields.Many2many(
        "res.country.state", string="Regions", help="Leave empty for every region."
    )
    # Who takes them
    user_ids = fields.Many2many(
        "res.users",
        string="Candidate Managers",
        domain=[("share", "=", False), ("is_account_manager", "=", True)],
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Sales Team",
        check_company=True,
        help="The account managers of this team are candidates too.",
    )
    strategy = fields.Selection(
        [
            (assignment.LEAST_LOADED, "Least Loaded"),
            (assignment.ROUND_ROBIN, "Round Robin"),
        ],
        required=True,
        default=assignment.LEAST_LOADED,
        help="Least loaded: the candidate with the lowest load / capacity. "
        "Round robin: each candidate in turn.",
    )
    last_user_id = fields.Many2one(
        "res.users", string="Last Assigned To", readonly=True, copy=False
    )
    note = fields.Text()

    @api.constrains("user_ids", "team_id")
    def _check_candidates(self):
        for rule in self:
            if not rule.user_ids and not rule.team_id:
                raise ValidationError(
                    _(
                        "Assignment rule %(rule)s: name candidate managers or a sales team.",
                        rule=rule.name,
                    )
                )

    def _candidate_users(self):
        """The rule's candidates: named managers and the account managers of its
        team, who may manage clients (see res.users._insurance_filter_managers)."""
        self.ensure_one()
        team_users = self.team_id.crm_team_member_ids.user_id
        return (self.user_ids | team_users)._insurance_filter_managers().sorted("id")
