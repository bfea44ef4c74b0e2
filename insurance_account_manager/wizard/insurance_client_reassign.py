from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.res_partner_manager_change import without_tracking_switches
from ..models.res_partner_manager_check import UNTIERED_WEIGHT
from ..tools import validation

DEFAULT_HANDOVER_DAYS = 30


class InsuranceClientReassign(models.TransientModel):
    """Move a set of clients, or a manager's whole book, to other managers:
    preview, effective date, handover, reason; undoable as a batch."""

    _name = "insurance.client.reassign"
    _description = "Reassign Clients"
    _inherit = ["insurance.input.mixin"]
    _insurance_input_limits = {
        "handover_days": validation.HANDOVER_DAYS,
        "reason": validation.LINE,
        "licence_override_reason": validation.LINE,
    }

    def _default_partner_ids(self):
        if self.env.context.get("active_model") == "res.partner":
            return self.env["res.partner"].browse(self.env.context.get("active_ids", []))
        return self.env["res.partner"]

    selection_mode = fields.Selection(
        [("clients", "Selected Clients"), ("manager", "All Clients of a Manager")],
        string="Clients",
        required=True,
        default="clients",
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Clients to Move",
        default=_default_partner_ids,
        domain=[("is_insurance_client", "=", True)],
    )
    source_user_id = fields.Many2one(
        "res.users", string="Current Manager", domain=[("share", "=", False)]
    )
    target_mode = fields.Selection(
        [("user", "To a Manager"), ("rules", "By the Assignment Rules")],
        string="Move",
        required=True,
        default="user",
    )
    target_user_id = fields.Many2one(
        "res.users",
        string="New Manager",
        domain=[("share", "=", False), ("is_account_manager", "=", True)],
    )
    date_effective = fields.Date(
        string="Effective Date", required=True, default=fields.Date.context_today
    )
    handover_days = fields.Integer(
        string="Handover (days)",
        default=DEFAULT_HANDOVER_DAYS,
        help="During the handover the previous manager stays the client's backup and "
        "keeps following its records.",
    )
    reason = fields.Char(required=True)
    licence_override = fields.Boolean(
        string="Move Without Licence",
        help="Team leads and administrators only: move clients to a manager who holds no "
        "valid licence for some of their lines of business, for the reason given.",
    )
    licence_override_reason = fields.Char(string="Why Without Licence")
    line_ids = fields.One2many("insurance.client.reassign.line", "wizard_id", string="Preview")
    unlicensed_count = fields.Integer(compute="_compute_counts")
    moved_count = fields.Integer(compute="_compute_counts")
    stay_count = fields.Integer(compute="_compute_counts")

    @api.depends("line_ids.new_user_id", "line_ids.licence_warning")
    def _compute_counts(self):
        for wizard in self:
            wizard.moved_count = len(wizard.line_ids.filtered("new_user_id"))
            wizard.stay_count = len(wizard.line_ids) - wizard.moved_count
            wizard.unlicensed_count = len(wizard.line_ids.filtered("licence_warning"))

    @api.onchange(
        "selection_mode", "partner_ids", "source_user_id", "target_mode", "target_user_id"
    )
    def _onchange_clear_preview(self):
        self.line_ids = [Command.clear()]

    def _get_clients(self):
        self.ensure_one()
        if self.selection_mode == "manager":
            if not self.source_user_id:
                raise UserError(_("Choose the manager whose clients move."))
            return self.env["res.partner"].search(
                [
                    ("account_manager_id", "=", self.source_user_id.id),
                    ("is_insurance_client", "=", True),
                ]
            )
        # clients the user cannot see are kept, so that the rights check refuses them
        return self.sudo().partner_ids.with_env(self.env)

    def _check_rights(self, clients):
        """Administrators move any client; team leads the clients they can see
        (their team's); account managers only the clients they manage."""
        user = self.env.user
        if user.has_group("insurance_account_manager.insurance_group_admin"):
            return
        if not user.has_group("insurance_account_manager.insurance_group_account_manager"):
            raise AccessError(
                _("Only account managers, team leads and administrators reassign clients.")
            )
        clients.check_access("write")
        if not user.has_group("insurance_account_manager.insurance_group_team_lead"):
            others = clients.filtered(lambda p: p.account_manager_id != user)
            if others:
                raise AccessError(
                    _(
                        "You can only hand over your own clients; ask your team lead for: "
                        "%(clients)s",
                        clients=", ".join(others.mapped("display_name")),
                    )
                )

    def _check_target(self, clients, target):
        """The new manager must be able to manage ``clients`` (an active internal
        account manager of their company); a team lead moves clients to the
        managers of their teams only."""
        clients._insurance_check_manager_targets(target)
        user = self.env.user
        if user.has_group("insurance_account_manager.insurance_group_admin"):
            return
        if user.has_group("insurance_account_manager.insurance_group_team_lead") and (
            target not in self.env["res.partner"]._insurance_team_managers()
        ):
            raise AccessError(
                _(
                    "%(user)s is not in the teams you lead. Choose a manager of your teams, "
                    "or ask an administrator.",
                    user=target.sudo().name,
                )
            )

    def _plan(self, clients, preview=False):
        """[line values] for ``clients``: who goes where, with the new loads.
        A ``preview`` leaves the round-robin rules' last manager as it is and
        locks nothing; otherwise the new managers' rows are locked before their
        loads are read (as the assignment rules do), until the transaction ends."""
        if self.target_mode == "user":
            if not self.target_user_id:
                raise UserError(_("Choose the new manager."))
            target = self.target_user_id
            self._check_target(clients, target)
            Partner = self.env["res.partner"]
            if not preview:
                Partner._insurance_lock_managers(target.ids)
            load = Partner._insurance_manager_loads(target.ids).get(target.id, 0.0)
            gaps = clients._insurance_licence_gaps({partner.id: target.id for partner in clients})
            unqualified = set(target._insurance_unqualified().ids)
            values = []
            for partner in clients.sorted("id"):
                weight = partner.insurance_tier_id.load_weight or UNTIERED_WEIGHT
                if partner.account_manager_id != target:
                    load += weight
                values.append(
                    {
                        "partner_id": partner.id,
                        "old_user_id": partner.account_manager_id.id,
                        "new_user_id": target.id,
                        "weight": weight,
                        "new_load": load,
                        "new_capacity": target.insurance_capacity,
                        "licence_warning": self._licence_warning(
                            gaps.get(partner.id), target.id in unqualified
                        ),
                    }
                )
            return values
        plan, _rules, _candidates, managers = clients.sudo()._insurance_plan_managers(
            exclude_user_ids=set(clients.account_manager_id.ids), preview=preview
        )
        ordered = clients.sorted("id")
        weights = {
            partner.id: partner.insurance_tier_id.load_weight or UNTIERED_WEIGHT
            for partner in ordered
        }
        # the managers' loads once the whole plan is applied, less what the
        # plan gives them: then each line shows the load after its own client
        running = {user_id: manager.load for user_id, manager in managers.items()}
        for partner_id, (user_id, _rule_id, _reason) in plan.items():
            if user_id:
                running[user_id] -= weights[partner_id]
        targets = {partner_id: user_id for partner_id, (user_id, *_rest) in plan.items() if user_id}
        gaps = clients._insurance_licence_gaps(targets)
        unqualified = set(
            self.env["res.users"].browse(set(targets.values()))._insurance_unqualified().ids
        )
        values = []
        for partner in ordered:
            user_id, rule_id, reason = plan[partner.id]
            manager = managers.get(user_id) if user_id else None
            if manager:
                running[user_id] += weights[partner.id]
            values.append(
                {
                    "partner_id": partner.id,
                    "old_user_id": partner.account_manager_id.id,
                    "new_user_id": user_id or False,
                    "rule_id": rule_id or False,
                    "weight": weights[partner.id],
                    "new_load": running[user_id] if manager else 0.0,
                    "new_capacity": manager.capacity if manager else 0.0,
                    "reason": reason or False,
                    "licence_warning": self._licence_warning(
                        gaps.get(partner.id), user_id in unqualified
                    ),
                }
            )
        return values

    @api.model
    def _licence_warning(self, lines, unqualified=False):
        """The preview's licence column: the client's lines the new manager
        holds no valid licence for; or, for a client without lines, that the
        new manager holds no valid licence at all while Settings require one
        (a lapsed licence: the manager keeps the flag, not the right)."""
        if not lines:
            if unqualified:
                return _("No valid licence (Settings require one to take clients)")
            return False
        return _(
            "No valid licence for: %(lines)s", lines=", ".join(lines.sorted("name").mapped("name"))
        )

    def _check_licence_override(self, moves):
        """Moves to a manager without a valid licence for the client's lines
        are refused, unless a team lead or an administrator overrides with a
        reason (kept in the batch and the manager history)."""
        unlicensed = moves.filtered("licence_warning")
        if not unlicensed:
            return unlicensed
        if not self.licence_override:
            raise UserError(
                _(
                    "%(count)s client(s) would go to a manager without a valid licence for "
                    "their lines (first: %(client)s, %(warning)s). Choose a licensed manager, "
                    "or, as a team lead, move them anyway with a reason.",
                    count=len(unlicensed),
                    client=unlicensed[0].partner_id.display_name,
                    warning=unlicensed[0].licence_warning,
                )
            )
        if not self.env.user.has_group("insurance_account_manager.insurance_group_team_lead"):
            raise AccessError(
                _("Only team leads and administrators move clients to an unlicensed manager.")
            )
        if not (self.licence_override_reason or "").strip():
            raise UserError(_("Give the reason for moving clients to an unlicensed manager."))
        return unlicensed

    def action_preview(self):
        self.ensure_one()
        clients = self._get_clients()
        if not clients:
            raise UserError(_("There is no client to move."))
        self._check_rights(clients)
        self.line_ids = [Command.clear()] + [
            Command.create(values) for values in self._plan(clients, preview=True)
        ]
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Reassign Clients"),
            "context": {"dialog_size": "extra-large"},
        }

    def action_confirm(self):
        self.ensure_one()
        clients = self.line_ids.partner_id or self._get_clients()
        if not clients:
            raise UserError(_("There is no client to move."))
        self._check_rights(clients)
        if self.handover_days < 0:
            raise UserError(_("The handover cannot last a negative number of days."))
        # The preview lines are the user's to write (over RPC too): plan again
        # here, so that the new managers, loads and capacities checked below are
        # the server's, and current, not what the client sent or saw earlier.
        self.line_ids = [Command.clear()] + [
            Command.create(values) for values in self._plan(clients)
        ]
        moves = self.line_ids.filtered(
            lambda line: line.new_user_id and line.new_user_id != line.partner_id.account_manager_id
        )
        if not moves:
            raise UserError(_("No client would change manager."))
        unlicensed = self._check_licence_override(moves)
        over = moves.filtered(lambda line: line.new_load > line.new_capacity)
        if over:
            raise UserError(
                _(
                    "%(user)s would go above capacity (%(load)s of %(capacity)s units). "
                    "Raise their capacity or move fewer clients.",
                    user=over[0].new_user_id.name,
                    load=max(over.mapped("new_load")),
                    capacity=over[0].new_capacity,
                )
            )
        reason = self.reason
        override_reason = reason
        if unlicensed:
            override_reason = _(
                "%(reason)s (moved without licence: %(why)s)",
                reason=reason,
                why=self.licence_override_reason.strip(),
            )
            reason = override_reason
        batch = (
            self.env["insurance.assignment.batch"]
            .sudo()
            .create(
                {
                    "reason": reason,
                    "date_effective": self.date_effective,
                    "handover_days": self.handover_days,
                    "assignment_ids": [
                        Command.create(
                            {
                                "partner_id": line.partner_id.id,
                                "user_id": line.new_user_id.id,
                                "previous_user_id": line.partner_id.account_manager_id.id,
                                "rule_id": line.rule_id.id,
                                "date_from": self.date_effective,
                                "origin": "reassign",
                                "reason": override_reason if line in unlicensed else self.reason,
                                "state": "planned",
                            }
                        )
                        for line in moves
                    ],
                }
            )
        )
        if self.date_effective <= fields.Date.context_today(self):
            # applied as the server, but the chatter keeps the trace whatever
            # the caller's context says
            without_tracking_switches(batch.with_env(self.env)).sudo()._apply()
        return {
            "type": "ir.actions.act_window",
            "res_model": batch._name,
            "res_id": batch.id,
            "view_mode": "form",
            "target": "current",
        }
