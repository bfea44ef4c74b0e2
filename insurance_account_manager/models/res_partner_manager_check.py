from collections import defaultdict

from odoo import _, api, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from .res_partner import GROUP_INSURANCE_ADMIN, GROUP_INSURANCE_AM, GROUP_INSURANCE_TEAM_LEAD
from .res_partner_manager_change import MANAGER_FIELDS

# Capacity units used by a client that has no tier yet.
UNTIERED_WEIGHT = 1.0


class ResPartner(models.Model):
    """Who may change the managers of clients, to whom, within which capacity,
    and the locks on the managers that receive clients."""

    _inherit = "res.partner"

    # ------------------------------------------------------------
    # Who may change managers
    # ------------------------------------------------------------

    @api.model
    def _insurance_new_client_managers(self, vals_list):
        """Who manages the new clients of ``vals_list`` created by a user (not
        the superuser); returns the model to create with and the values.

        With automatic assignment on, the assignment rules decide at create:
        a manager by default from the context (the action's, or any the client
        sends) is dropped, and an account manager below team lead may not name
        one. With it off, an account manager below team lead who takes clients
        manages the clients they create; a team lead or an administrator
        chooses (no default: the client stays without a manager otherwise).
        Explicit values are checked by :meth:`_insurance_check_manager_create`."""
        user = self.env.user
        is_manager = user.has_group(GROUP_INSURANCE_AM)
        is_lead = user.has_group(GROUP_INSURANCE_TEAM_LEAD)
        client_default = self.default_get(["is_insurance_client"]).get("is_insurance_client")
        Partner = self
        if self._insurance_auto_assignment_on():
            context = self.env.context
            if any(f"default_{fname}" in context for fname in MANAGER_FIELDS):
                # a new context without those keys (keywords only add keys)
                Partner = self.with_context(  # pylint: disable=context-overridden
                    {
                        key: value
                        for key, value in context.items()
                        if key not in {f"default_{fname}" for fname in MANAGER_FIELDS}
                    }
                )
            if is_manager and not is_lead:
                for vals in vals_list:
                    if vals.get("is_insurance_client", client_default) and any(
                        vals.get(fname) for fname in MANAGER_FIELDS
                    ):
                        raise AccessError(
                            _(
                                "Automatic assignment is on: the assignment rules choose "
                                "the account manager of a new client. Create it without "
                                "a manager."
                            )
                        )
            return Partner, vals_list
        # a default from the context is a value the client chose too
        defaults = self.default_get(list(MANAGER_FIELDS))
        if defaults:
            vals_list = [{**defaults, **vals} for vals in vals_list]
        if is_manager and not is_lead and user._insurance_filter_managers():
            vals_list = [
                {**vals, "account_manager_id": user.id}
                if vals.get("is_insurance_client", client_default)
                and not vals.get("account_manager_id")
                else vals
                for vals in vals_list
            ]
        return Partner, vals_list

    @api.model
    def _insurance_team_managers(self):
        """The current user and the members of the sales teams they lead."""
        members = (
            self.env["crm.team.member"]
            .sudo()
            .search([("crm_team_id.user_id", "=", self.env.uid)])
            .user_id
        )
        return self.env.user.with_env(self.env) | members.with_env(self.env)

    def _insurance_check_manager_rights(self, users):
        """Refuse unless the current user may give the clients of ``self`` the
        managers or backups ``users``: administrators any client, team leads
        their teams' clients and only to their teams' managers."""
        user = self.env.user
        if user.has_group(GROUP_INSURANCE_ADMIN):
            return
        if not user.has_group(GROUP_INSURANCE_TEAM_LEAD):
            raise AccessError(
                _(
                    "Only team leads and administrators change the manager or the backup "
                    "of a client. Hand your clients over with Reassign Clients."
                )
            )
        self.check_access("write")
        team = self._insurance_team_managers()
        # a client without manager is the team leads' to dispatch (to their
        # teams' managers: _insurance_check_manager_targets)
        outside = self.filtered(
            lambda partner: (
                partner.account_manager_id not in team
                and (partner.account_manager_id or not partner.is_insurance_client)
            )
        )
        if outside:
            raise AccessError(
                _(
                    "You change the managers of your teams' clients only; ask an "
                    "administrator for: %(clients)s",
                    clients=", ".join(outside.mapped("display_name")),
                )
            )
        strangers = users - team
        if strangers:
            raise AccessError(
                _(
                    "%(users)s: not in the teams you lead. Choose a manager of your teams, "
                    "or ask an administrator.",
                    users=", ".join(strangers.sudo().mapped("name")),
                )
            )

    def _insurance_check_manager_targets(self, users, companies=None):
        """Refuse ``users`` as managers or backups of the clients of ``self``
        (or of new clients of ``companies``) unless each is an active internal
        user of the Account Manager group who takes clients and works for the
        client's company."""
        invalid = users - users._insurance_filter_managers()
        if invalid:
            raise ValidationError(
                _(
                    "%(users)s cannot manage insurance clients: choose an active user of "
                    "the Account Manager group who takes clients.",
                    users=", ".join(invalid.sudo().mapped("name")),
                )
            )
        companies = self.sudo().company_id if companies is None else companies.sudo()
        for user in users.sudo():
            foreign = companies - user.company_ids
            if foreign:
                raise ValidationError(
                    _(
                        "%(user)s does not work for %(company)s: choose a manager of the "
                        "client's company.",
                        user=user.name,
                        company=foreign[0].name,
                    )
                )

    def _insurance_check_manager_write(self, vals):
        """Check a manual change of the managers of ``self`` before it is
        written: rights, then targets. Locks the managers who receive clients
        and returns them, for :meth:`_insurance_check_capacity` once written."""
        Users = self.env["res.users"]
        moving, chosen, receiving = self.browse(), Users, Users
        for fname in MANAGER_FIELDS:
            if fname not in vals:
                continue
            user = Users.browse(vals[fname] or ())
            changed = self.filtered(lambda partner, fname=fname, user=user: partner[fname] != user)
            if changed:
                moving |= changed
                chosen |= user
                if fname == "account_manager_id":
                    receiving |= user
        if not moving:
            return Users
        moving._insurance_check_manager_rights(chosen)
        moving._insurance_check_manager_targets(chosen)
        self._insurance_lock_managers(receiving.ids)
        return receiving

    @api.model
    def _insurance_check_manager_create(self, vals_list):
        """Check the managers of new clients before they are created: an
        account manager names only themselves as manager, and no backup; a team
        lead managers of their teams; an administrator anyone who may manage
        clients. Locks the managers and returns them (see
        :meth:`_insurance_check_manager_write`)."""
        user = self.env.user
        Users = self.env["res.users"]
        is_admin = user.has_group(GROUP_INSURANCE_ADMIN)
        is_lead = user.has_group(GROUP_INSURANCE_TEAM_LEAD)
        team = self._insurance_team_managers() if is_lead and not is_admin else Users
        receiving = Users
        for vals in vals_list:
            manager = Users.browse(vals.get("account_manager_id") or ())
            backup = Users.browse(vals.get("backup_manager_id") or ())
            if not manager and not backup:
                continue
            if not is_admin:
                if is_lead:
                    allowed = team
                elif user.has_group(GROUP_INSURANCE_AM) and not backup:
                    allowed = user
                else:
                    raise AccessError(
                        _(
                            "An account manager creates the clients they manage themselves, "
                            "without a backup; a team lead or an administrator chooses the "
                            "other managers."
                        )
                    )
                if (manager | backup) - allowed:
                    raise AccessError(
                        _(
                            "%(users)s: you cannot make them the manager of a new client. "
                            "Choose yourself or a manager of the teams you lead.",
                            users=", ".join(((manager | backup) - allowed).sudo().mapped("name")),
                        )
                    )
            self._insurance_check_manager_targets(
                manager | backup, self.env["res.company"].browse(vals.get("company_id") or ())
            )
            if vals.get("is_insurance_client"):
                receiving |= manager
        self._insurance_lock_managers(receiving.ids)
        return receiving

    def _insurance_check_capacity(self, users):
        """Refuse when one of ``users`` is above capacity with the clients this
        transaction gave them. The caller locked them (see
        :meth:`_insurance_lock_managers`) before it wrote: the loads read here
        cannot miss a concurrent move."""
        if not users:
            return
        loads = self._insurance_manager_loads(users.ids)
        for user in users.sudo():
            load = loads.get(user.id, 0.0)
            if load > user.insurance_capacity:
                raise UserError(
                    _(
                        "%(user)s would go above capacity (%(load)s of %(capacity)s units). "
                        "Raise their capacity or move fewer clients.",
                        user=user.name,
                        load=load,
                        capacity=user.insurance_capacity,
                    )
                )

    # ------------------------------------------------------------
    # Loads and locks of the managers
    # ------------------------------------------------------------

    @api.model
    def _insurance_manager_loads(self, user_ids):
        """{user id: capacity units used}: one grouped query over the clients."""
        if not user_ids:
            return {}
        groups = self.sudo()._read_group(
            [("account_manager_id", "in", list(user_ids)), ("is_insurance_client", "=", True)],
            ["account_manager_id", "insurance_tier_id"],
            ["__count"],
        )
        loads = defaultdict(float)
        for user, tier, count in groups:
            weight = tier.load_weight if tier else UNTIERED_WEIGHT
            loads[user.id] += weight * count
        return dict(loads)

    def _insurance_lock_managers(self, user_ids):
        """Lock the candidates' rows until commit, and mark them as touched.

        A second assignment run that overlaps this one waits here; once this
        run commits, PostgreSQL refuses the second run's stale snapshot
        (serialization failure) and Odoo retries it on fresh data, so loads
        are never computed from a view that misses this run's clients.
        """
        if not user_ids:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE res_users SET write_date = write_date WHERE id = ANY(%s)",
                sorted(user_ids),
            )
        )
