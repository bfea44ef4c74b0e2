from collections import defaultdict
from dataclasses import dataclass

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

from ..tools import assignment
from .res_partner import GROUP_INSURANCE_ADMIN, GROUP_INSURANCE_AM

GROUP_INSURANCE_TEAM_LEAD = "insurance_account_manager.insurance_group_team_lead"

# Clients given a manager per run of the scheduled action (then it re-triggers
# itself while more remain).
ASSIGNMENT_BATCH_SIZE = 500
# Capacity units used by a client that has no tier yet.
UNTIERED_WEIGHT = 1.0
AUTO_ASSIGNMENT_PARAM = "insurance_account_manager.auto_assignment"
UNASSIGNED_REASONS = [
    (assignment.NO_RULE, "No assignment rule applies"),
    (assignment.NO_CANDIDATE, "The rule names no account manager"),
    (assignment.NOT_QUALIFIED, "No candidate is qualified for the client's lines"),
    (assignment.OUT_OF_REGION, "No candidate serves the client's region or language"),
    (assignment.ABSENT, "The candidates are absent and have no available backup"),
    (assignment.NO_CAPACITY, "The candidates have no capacity left"),
]
# The client's managers change only through the assignment rules, the
# reassignment wizard (both through _insurance_write_managers), or a direct
# write by a team lead (their teams' clients, to their teams' managers) or an
# administrator. An account manager creates clients for themselves only.
MANAGER_FIELDS = ("account_manager_id", "backup_manager_id")
# Context keys with which mail.thread skips the tracking, the followers or the
# creation log (mail_thread.py: create, write, _message_auto_subscribe): from a
# caller below the superuser they never hide a manager change from the chatter.
TRACKING_SWITCHES = (
    "tracking_disable",
    "mail_notrack",
    "mail_create_nolog",
    "mail_create_nosubscribe",
    "mail_auto_subscribe_no_notify",
)
# Context key of the server's own manager changes (a _ManagerChange).
MANAGER_CHANGE_KEY = "insurance_manager_change"


@dataclass(frozen=True)
class _ManagerChange:
    """A manager change made by the server, and what the history says of it.

    _insurance_write_managers puts it in the context: an object, which no RPC
    context (JSON) can carry, so a client can neither skip the rights checks
    nor choose the origin, reason, rule or batch of a history row. With
    ``history=False`` the caller (a reassignment batch) keeps the rows itself.
    """

    origin: str = "manual"
    reason: str | None = None
    rule_id: int | None = None
    batch_id: int | None = None
    history: bool = True


_MANUAL_CHANGE = _ManagerChange()


def without_tracking_switches(records):
    """``records`` without the context keys that silence the chatter, unless
    the superuser runs (a public method calls this before it turns to sudo)."""
    context = records.env.context
    if records.env.su or not any(context.get(key) for key in TRACKING_SWITCHES):
        return records
    # a new context without those keys: keyword arguments can only add keys
    return records.with_context(  # pylint: disable=context-overridden
        {key: value for key, value in context.items() if key not in TRACKING_SWITCHES}
    )


class ResPartner(models.Model):
    """Assignment engine: who is the account manager of each client, by the
    assignment rules, and the history of the managers."""

    _inherit = "res.partner"

    # Assignment
    insurance_unassigned_reason = fields.Selection(
        UNASSIGNED_REASONS,
        string="Why Unassigned",
        readonly=True,
        copy=False,
        groups=GROUP_INSURANCE_AM,
        help="Why the assignment rules could not give this client an account manager.",
    )
    insurance_assignment_checked_on = fields.Date(
        string="Assignment Tried On",
        readonly=True,
        copy=False,
        groups=GROUP_INSURANCE_AM,
        help="Last day the assignment rules looked at this client without a manager.",
    )
    insurance_assignment_ids = fields.One2many(
        "insurance.manager.assignment",
        "partner_id",
        string="Manager History",
        groups=GROUP_INSURANCE_AM,
    )

    # ------------------------------------------------------------
    # Manager history
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        Partner = self
        change = self.env.context.get(MANAGER_CHANGE_KEY)
        receiving = self.env["res.users"]
        if not isinstance(change, _ManagerChange):
            change = _MANUAL_CHANGE
            if not self.env.su:
                # a default from the context is a value the client chose too
                defaults = self.default_get(list(MANAGER_FIELDS))
                if defaults:
                    vals_list = [{**defaults, **vals} for vals in vals_list]
                if any(vals.get(fname) for vals in vals_list for fname in MANAGER_FIELDS):
                    Partner = without_tracking_switches(self)
                    receiving = Partner._insurance_check_manager_create(vals_list)
        partners = super(ResPartner, Partner).create(vals_list)
        partners._insurance_check_capacity(receiving)
        managed = partners.filtered("account_manager_id")
        if managed and change.history:
            managed._insurance_open_assignments({p.id: False for p in managed}, change)
        partners._insurance_auto_assign()
        return partners

    def _insurance_auto_assign(self):
        """Give the clients of ``self`` without a manager one at once, when
        Settings ask for automatic assignment."""
        if not self.env["ir.config_parameter"].sudo().get_param(AUTO_ASSIGNMENT_PARAM):
            return
        unassigned = self.filtered(lambda p: p.is_insurance_client and not p.account_manager_id)
        if unassigned:
            without_tracking_switches(unassigned).sudo()._assign_account_managers()

    def write(self, vals):
        if not any(fname in vals for fname in MANAGER_FIELDS):
            return super().write(vals)
        partners = self
        change = self.env.context.get(MANAGER_CHANGE_KEY)
        receiving = self.env["res.users"]
        if not isinstance(change, _ManagerChange):
            # a write from outside the engine and the wizard: a manual change,
            # checked unless the superuser makes it
            change = _MANUAL_CHANGE
            if not self.env.su:
                partners = without_tracking_switches(self)
                receiving = partners._insurance_check_manager_write(vals)
        if not change.history or "account_manager_id" not in vals:
            result = super(ResPartner, partners).write(vals)
        else:
            previous = {partner.id: partner.account_manager_id.id for partner in partners}
            result = super(ResPartner, partners).write(vals)
            changed = partners.filtered(lambda p: p.account_manager_id.id != previous[p.id])
            if changed:
                changed._insurance_open_assignments(previous, change)
        partners._insurance_check_capacity(receiving)
        return result

    def _insurance_write_managers(
        self, vals, origin, reason=None, rule_id=None, batch_id=None, history=True
    ):
        """Write ``vals`` (manager and backup, and other fields) as the server:
        the assignment rules and the reassignment batches, which check rights,
        targets and capacity themselves. ``origin``, ``reason``, ``rule_id``
        and ``batch_id`` go into the history rows opened for the clients whose
        manager changes (none when ``history`` is false: the caller keeps them)."""
        change = _ManagerChange(origin, reason, rule_id, batch_id, history)
        return self.with_context(**{MANAGER_CHANGE_KEY: change}).write(vals)

    def _insurance_open_assignments(self, previous_by_partner, change):
        """Close the current history rows of ``self`` and open new ones for their
        current managers, with the origin, reason, rule and batch of ``change``
        (a :class:`_ManagerChange`)."""
        today = fields.Date.context_today(self)
        History = self.env["insurance.manager.assignment"].sudo()
        History.search([("partner_id", "in", self.ids), ("state", "=", "current")])._close(today)
        History.create(
            [
                {
                    "partner_id": partner.id,
                    "user_id": partner.account_manager_id.id,
                    "previous_user_id": previous_by_partner.get(partner.id) or False,
                    "previous_backup_id": partner.backup_manager_id.id,
                    "date_from": today,
                    "origin": change.origin,
                    "reason": change.reason,
                    "rule_id": change.rule_id,
                    "batch_id": change.batch_id,
                }
                for partner in self
                if partner.account_manager_id
            ]
        )

    # ------------------------------------------------------------
    # Who may change managers
    # ------------------------------------------------------------

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
        outside = self.filtered(lambda partner: partner.account_manager_id not in team)
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
    # Loads and assignment by rule
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

    def _insurance_assignment_needs(self, rules):
        """{partner id: assignment.ClientNeed} for ``self``, in a constant number
        of queries (one grouped query for the lines, one search per rule domain)."""
        lines = defaultdict(set)
        for partner, line in (
            self.env["insurance.policy"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids), ("state", "in", ("draft", "active"))],
                ["partner_id", "line_id"],
            )
        ):
            if line:
                lines[partner.id].add(line.id)
        matches = rules._partner_ids_matching(self.ids)
        needs = {}
        for partner in self:
            tier = partner.insurance_tier_id
            needs[partner.id] = assignment.ClientNeed(
                partner_id=partner.id,
                tier_id=tier.id or None,
                weight=tier.load_weight if tier else UNTIERED_WEIGHT,
                line_ids=frozenset(lines[partner.id]),
                country_id=partner.country_id.id or None,
                state_id=partner.state_id.id or None,
                lang=partner.lang or None,
                domain_rule_ids=frozenset(
                    rule_id for rule_id, ids in matches.items() if partner.id in ids
                ),
                company_id=partner.company_id.id or None,
            )
        return needs

    @api.model
    def _insurance_candidate_managers(self, users, day):
        """{user id: assignment.Manager} for ``users`` and their backups."""
        users |= users.insurance_backup_user_id
        users = users._insurance_filter_managers()
        valid_lines = defaultdict(set)
        for qualification in (
            self.env["insurance.qualification"]
            .sudo()
            .search([("user_id", "in", users.ids), ("is_valid", "=", True)])
        ):
            valid_lines[qualification.user_id.id].update(qualification.line_ids.ids)
        loads = self._insurance_manager_loads(users.ids)
        return {
            user.id: assignment.Manager(
                user_id=user.id,
                capacity=user.insurance_capacity,
                load=loads.get(user.id, 0.0),
                line_ids=frozenset(valid_lines[user.id]),
                country_ids=frozenset(user.insurance_country_ids.ids),
                state_ids=frozenset(user.insurance_state_ids.ids),
                langs=frozenset(user.insurance_lang_ids.mapped("code")),
                present=not user._is_insurance_absent_on(day),
                backup_id=user.insurance_backup_user_id.id or None,
                company_ids=frozenset(user.with_context(active_test=False).company_ids.ids),
            )
            for user in users
        }

    def _insurance_plan_managers(self, exclude_user_ids=(), preview=False):
        """Decide, without writing anything, which manager each client of
        ``self`` goes to under the assignment rules.

        Returns ``(plan, rules, candidates_by_rule, managers)``: ``plan`` maps
        each partner id to ``(user id, rule id, reason)`` (user and rule are
        ``None`` with the reason when no manager can take the client);
        ``managers`` maps user ids to :class:`assignment.Manager` with the
        loads once the plan is applied: they fill up as the plan does, so no
        manager is planned above capacity. The candidates' rows are locked
        until the transaction ends (see :meth:`_insurance_lock_managers`).
        ``exclude_user_ids`` never receive a client (e.g. the manager who is
        leaving). A ``preview`` locks nothing and leaves the round-robin rules'
        last manager as it is.
        """
        Rule = self.env["insurance.assignment.rule"].sudo()
        # a client shared by every company (no company) follows the rules of the
        # company the run works in
        companies = self.company_id
        if any(not partner.company_id for partner in self):
            companies |= self.env.company
        rules = Rule.search([("company_id", "in", [False, *companies.ids])])
        candidates_by_rule = {
            rule.id: rule._candidate_users().filtered(lambda u: u.id not in exclude_user_ids)
            for rule in rules
        }
        all_candidates = self.env["res.users"].union(*candidates_by_rule.values())
        if not preview:
            self._insurance_lock_managers(
                (all_candidates | all_candidates.insurance_backup_user_id).ids
            )
        managers = self._insurance_candidate_managers(
            all_candidates, fields.Date.context_today(self)
        )
        for user_id in exclude_user_ids:
            managers.pop(user_id, None)
        plain_rules = [
            assignment.AssignmentRule(
                rule_id=rule.id,
                candidate_ids=tuple(candidates_by_rule[rule.id].ids),
                strategy=rule.strategy,
                tier_ids=frozenset(rule.tier_ids.ids),
                line_ids=frozenset(rule.line_ids.ids),
                country_ids=frozenset(rule.country_ids.ids),
                state_ids=frozenset(rule.state_ids.ids),
                has_domain=bool(rule._get_partner_domain()),
                last_user_id=rule.last_user_id.id or None,
            )
            for rule in rules
        ]
        rules_by_id = {rule.rule_id: rule for rule in plain_rules}
        rule_company = {rule.id: rule.company_id for rule in rules}
        needs = self._insurance_assignment_needs(rules)
        plan = {}
        for partner in self:
            company = partner.company_id or self.env.company
            partner_rules = [
                rule
                for rule in plain_rules
                if not rule_company[rule.rule_id] or rule_company[rule.rule_id] == company
            ]
            user_id, rule_id, reason = assignment.pick_manager(
                needs[partner.id], partner_rules, managers
            )
            if user_id:
                assignment.take(managers[user_id], needs[partner.id], rules_by_id[rule_id])
            plan[partner.id] = (user_id, rule_id, reason)
        for rule in rules if not preview else ():
            last = rules_by_id[rule.id].last_user_id
            if last and last != rule.last_user_id.id:
                rule.last_user_id = last
        return plan, rules, candidates_by_rule, managers

    def _assign_account_managers(self):
        """Give each client of ``self`` without a manager one by the assignment
        rules. Clients no manager can take keep no manager, with the reason set,
        and the team lead gets an activity. Returns the number assigned."""
        clients = self.filtered(lambda p: p.is_insurance_client and not p.account_manager_id)
        if not clients:
            return 0
        plan, rules, candidates_by_rule, _managers = clients._insurance_plan_managers()
        chosen = defaultdict(list)  # (user id, rule id) -> partner ids
        refused = defaultdict(list)  # reason -> partner ids
        for partner_id, (user_id, rule_id, reason) in plan.items():
            if user_id:
                chosen[user_id, rule_id].append(partner_id)
            else:
                refused[reason].append(partner_id)
        for (user_id, rule_id), partner_ids in chosen.items():
            self.browse(partner_ids)._insurance_write_managers(
                {"account_manager_id": user_id, "insurance_unassigned_reason": False},
                origin="rule",
                rule_id=rule_id,
            )
        for reason, partner_ids in refused.items():
            self.browse(partner_ids).write({"insurance_unassigned_reason": reason})
        if refused:
            unassigned = self.browse([pid for ids in refused.values() for pid in ids])
            unassigned._insurance_notify_unassigned(rules, candidates_by_rule)
        return sum(len(ids) for ids in chosen.values())

    def _insurance_notify_unassigned(self, rules, candidates_by_rule):
        """One "client without manager" activity per client, for the team lead
        (the leader of the first applicable rule's team, else of its candidates'
        team, else the administrator), never twice while one is open."""
        activity_type = self.env.ref(
            "insurance_account_manager.mail_activity_type_unassigned_client",
            raise_if_not_found=False,
        )
        if not activity_type:
            return
        already = set(
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", self.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
            .mapped("res_id")
        )
        fallback = self.env.ref("base.user_admin", raise_if_not_found=False) or self.env.user
        leaders = {}
        for rule in rules:
            candidates = candidates_by_rule.get(rule.id, self.env["res.users"])
            leader = rule.team_id.user_id or candidates.sale_team_id.user_id[:1]
            if leader:
                leaders[rule.id] = leader
        reasons = dict(self._fields["insurance_unassigned_reason"]._description_selection(self.env))
        model_id = self.env["ir.model"]._get_id("res.partner")
        values = []
        for partner in self:
            if partner.id in already:
                continue
            leader = next((leaders[rule.id] for rule in rules if rule.id in leaders), fallback)
            values.append(
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "user_id": leader.id,
                    "summary": _("No account manager"),
                    "note": Markup("<p>%s</p>")
                    % reasons.get(partner.insurance_unassigned_reason, ""),
                }
            )
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            values
        )

    @api.model
    def _cron_assign_account_managers(self):
        """Give clients still without a manager one, a batch per call.

        Resumable and idempotent: a batch selects the unassigned clients not yet
        tried today and marks them tried, so a rerun after a crash continues
        with what is left, and a client no manager can take is tried once a day,
        not in a loop. The cron re-triggers itself while clients remain.
        """
        if not self.env["ir.config_parameter"].sudo().get_param(AUTO_ASSIGNMENT_PARAM):
            return
        today = fields.Date.context_today(self)
        domain = [
            ("is_insurance_client", "=", True),
            ("account_manager_id", "=", False),
            "|",
            ("insurance_assignment_checked_on", "=", False),
            ("insurance_assignment_checked_on", "<", today),
        ]
        clients = self.search(domain, limit=ASSIGNMENT_BATCH_SIZE, order="id")
        clients._assign_account_managers()
        clients.write({"insurance_assignment_checked_on": today})
        remaining = self.search_count(domain) if len(clients) == ASSIGNMENT_BATCH_SIZE else 0
        self.env["ir.cron"]._notify_progress(done=len(clients), remaining=remaining)

    def action_assign_account_managers(self):
        """Assign the clients of ``self`` (all unassigned clients when empty)."""
        if not self.env.user.has_group(GROUP_INSURANCE_ADMIN):
            raise AccessError(_("Only insurance administrators can run the assignment rules."))
        clients = self or self.search(
            [("is_insurance_client", "=", True), ("account_manager_id", "=", False)]
        )
        assigned = without_tracking_switches(clients).sudo()._assign_account_managers()
        left = len(clients.filtered(lambda p: not p.account_manager_id))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success" if not left else "warning",
                "message": _(
                    "%(assigned)s client(s) assigned, %(left)s left without a manager.",
                    assigned=assigned,
                    left=left,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
