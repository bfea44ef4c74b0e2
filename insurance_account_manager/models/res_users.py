from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL

from ..tools import validation
from .res_partner import GROUP_INSURANCE_ADMIN, GROUP_INSURANCE_AM, GROUP_INSURANCE_TEAM_LEAD

CAPACITY_PARAM = "insurance_account_manager.default_capacity"
# What a team lead changes on the managers of the teams they lead (they hold
# write access on res.users for this alone: see
# ResUsers._insurance_check_lead_write): capacity, absence, backup, licences.
LEAD_WRITABLE_FIELDS = frozenset(
    {
        "insurance_capacity",
        "insurance_absence_from",
        "insurance_absence_to",
        "insurance_backup_user_id",
        "insurance_qualification_ids",
    }
)
DEFAULT_CAPACITY = 100.0


class ResUsers(models.Model):
    _name = "res.users"
    _inherit = ["res.users", "insurance.input.mixin"]
    _insurance_input_limits = {"insurance_capacity": validation.POSITIVE_NUMBER}

    def _default_insurance_capacity(self):
        value = self.env["ir.config_parameter"].sudo().get_param(CAPACITY_PARAM)
        try:
            return float(value) if value else DEFAULT_CAPACITY
        except ValueError:
            return DEFAULT_CAPACITY

    # Role
    is_account_manager = fields.Boolean(
        string="Takes Insurance Clients",
        help="Takes insurance clients: the assignment rules only consider account managers.",
    )
    insurance_client_ids = fields.One2many(
        "res.partner", "account_manager_id", string="Managed Clients", groups=GROUP_INSURANCE_AM
    )
    # Capacity
    insurance_capacity = fields.Float(
        string="Capacity",
        default=_default_insurance_capacity,
        help="Capacity in units: each client uses the load weight of its tier.",
    )
    insurance_load = fields.Float(
        string="Load",
        compute="_compute_insurance_load",
        groups=GROUP_INSURANCE_AM,
        help="Units used by the clients this user manages (tier weights from Settings).",
    )
    insurance_load_ratio = fields.Float(
        string="Load (%)", compute="_compute_insurance_load", groups=GROUP_INSURANCE_AM
    )
    insurance_client_count = fields.Integer(
        string="Clients", compute="_compute_insurance_load", groups=GROUP_INSURANCE_AM
    )
    # Competence and reach
    insurance_qualification_ids = fields.One2many(
        "insurance.qualification", "user_id", string="Qualifications"
    )
    insurance_country_ids = fields.Many2many(
        "res.country",
        "res_users_insurance_country_rel",
        string="Countries Served",
        help="Leave empty to serve clients of every country.",
    )
    insurance_state_ids = fields.Many2many(
        "res.country.state",
        "res_users_insurance_state_rel",
        string="Regions Served",
        help="Leave empty to serve every region of the countries served.",
    )
    insurance_lang_ids = fields.Many2many(
        "res.lang",
        "res_users_insurance_lang_rel",
        string="Languages Spoken",
        help="Leave empty when language does not restrict the clients this user can serve.",
    )
    # Absence
    insurance_absence_from = fields.Date(string="Absent From")
    insurance_absence_to = fields.Date(string="Absent Until")
    insurance_backup_user_id = fields.Many2one(
        "res.users",
        string="Backup During Absence",
        domain=[("share", "=", False)],
        help="Takes the new clients that would have gone to this user while they are absent.",
    )
    is_insurance_absent = fields.Boolean(
        string="Absent Today", compute="_compute_is_insurance_absent"
    )

    @api.depends("insurance_client_ids.insurance_tier_id.load_weight")
    def _compute_insurance_load(self):
        loads = self.env["res.partner"]._insurance_manager_loads(self.ids)
        counts = dict(
            self.env["res.partner"]
            .sudo()
            ._read_group(
                [("account_manager_id", "in", self.ids), ("is_insurance_client", "=", True)],
                ["account_manager_id"],
                ["__count"],
            )
        )
        for user in self:
            user.insurance_load = loads.get(user.id, 0.0)
            user.insurance_client_count = counts.get(user, 0)
            user.insurance_load_ratio = (
                100.0 * user.insurance_load / user.insurance_capacity
                if user.insurance_capacity
                else 0.0
            )

    @api.depends("insurance_absence_from", "insurance_absence_to")
    @api.depends_context("date")
    def _compute_is_insurance_absent(self):
        today = fields.Date.context_today(self)
        for user in self:
            user.is_insurance_absent = user._is_insurance_absent_on(today)

    def _insurance_filter_managers(self):
        """Those of ``self`` who may manage or back up insurance clients: active
        internal users of the Account Manager group who take clients (a portal
        user, a plain employee or a former colleague never does, however
        flagged)."""
        group_id = self.env["ir.model.data"]._xmlid_to_res_id(GROUP_INSURANCE_AM)
        return (
            self.sudo()
            .filtered(
                lambda user: (
                    user.active
                    and not user.share
                    and user.is_account_manager
                    and group_id in user.groups_id.ids
                )
            )
            .with_env(self.env)
        )

    def _is_insurance_absent_on(self, day):
        self.ensure_one()
        start, end = self.insurance_absence_from, self.insurance_absence_to
        if not start and not end:
            return False
        return (not start or start <= day) and (not end or day <= end)

    def _insurance_prefetch_names(self):
        """The names of the users of ``self`` (their partners' names) into the
        cache in one query, where the ORM takes two (the users, then their
        partners): the managers' names of a pivot's or a list's groups."""
        missing = [
            id_ for id_ in self.env.cache.get_missing_ids(self, self._fields["partner_id"]) if id_
        ]
        if not missing:
            return
        self.env["res.users"].flush_model(["partner_id"])
        self.env["res.partner"].flush_model(["name"])
        rows = self.env.execute_query(
            SQL(
                "SELECT u.id, u.partner_id, p.name FROM res_users u"
                " JOIN res_partner p ON p.id = u.partner_id WHERE u.id IN %s",
                tuple(missing),
            )
        )
        Users, Partners = self.env["res.users"], self.env["res.partner"]
        self.env.cache.insert_missing(
            Users.browse([row[0] for row in rows]),
            Users._fields["partner_id"],
            [row[1] for row in rows],
        )
        self.env.cache.insert_missing(
            Partners.browse([row[1] for row in rows]),
            Partners._fields["name"],
            [row[2] for row in rows],
        )

    def write(self, vals):
        if not self.env.su:
            self._insurance_check_lead_write(vals)
        return super().write(vals)

    def _insurance_check_lead_write(self, vals):
        """Team leads have write access on users for one purpose: the
        capacity, absence, backup and licences of the managers of the teams
        they lead (insurance administrators: of any other user; res.users has
        no record rule that could say so). Any other field, or another user,
        is refused here; a user administrator (Odoo's Access Rights) is not
        concerned, and a user's own preferences stay theirs as in standard
        Odoo."""
        user = self.env.user
        if not user.has_group(GROUP_INSURANCE_TEAM_LEAD) or user.has_group(
            "base.group_erp_manager"
        ):
            return
        if self == user and all(
            fname in self.SELF_WRITEABLE_FIELDS or fname.startswith("context_") for fname in vals
        ):
            return
        if set(vals) - LEAD_WRITABLE_FIELDS:
            raise AccessError(
                _(
                    "Team leads change only the capacity, absence, backup and licences of "
                    "the managers of their teams. Ask a user administrator for the rest."
                )
            )
        is_admin = user.has_group(GROUP_INSURANCE_ADMIN)
        # insurance administrators: any manager's but their own
        team = self.env["res.partner"]._insurance_team_managers()
        outside = (self & user) if is_admin else self - (team - user)
        if outside:
            raise AccessError(
                _(
                    "%(users)s: not a manager of the teams you lead.",
                    users=", ".join(outside.sudo().mapped("name")),
                )
            )
        backup = self.browse(vals.get("insurance_backup_user_id") or ())
        if backup:
            if backup not in team and not is_admin:
                raise AccessError(
                    _(
                        "%(user)s is not in the teams you lead: choose a backup of your teams.",
                        user=backup.sudo().name,
                    )
                )
            if not backup._insurance_filter_managers():
                raise ValidationError(
                    _(
                        "%(user)s cannot back up an account manager: choose an active user "
                        "of the Account Manager group who takes clients.",
                        user=backup.sudo().name,
                    )
                )

    @api.constrains("insurance_capacity")
    def _check_insurance_capacity(self):
        if any(user.insurance_capacity < 0 for user in self):
            raise ValidationError(_("A manager's capacity cannot be negative."))

    @api.constrains("insurance_absence_from", "insurance_absence_to", "insurance_backup_user_id")
    def _check_insurance_absence(self):
        for user in self:
            if (
                user.insurance_absence_from
                and user.insurance_absence_to
                and user.insurance_absence_to < user.insurance_absence_from
            ):
                raise ValidationError(
                    _("%(user)s: an absence cannot end before it starts.", user=user.name)
                )
            if user.insurance_backup_user_id == user:
                raise ValidationError(_("%(user)s cannot be their own backup.", user=user.name))
