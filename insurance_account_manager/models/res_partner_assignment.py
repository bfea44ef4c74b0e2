from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import create_index

from ..tools import assignment
from .res_partner import GROUP_INSURANCE_ADMIN, GROUP_INSURANCE_AM
from .res_partner_manager_change import _ManagerChange, without_tracking_switches
from .res_partner_manager_check import UNTIERED_WEIGHT

# Clients given a manager per run of the scheduled action (then it re-triggers
# itself while more remain).
ASSIGNMENT_BATCH_SIZE = 500
AUTO_ASSIGNMENT_PARAM = "insurance_account_manager.auto_assignment"
UNASSIGNED_REASONS = [
    (assignment.NO_RULE, "No assignment rule applies"),
    (assignment.NO_CANDIDATE, "The rule names no account manager"),
    (assignment.NOT_QUALIFIED, "No candidate is qualified for the client's lines"),
    (assignment.OUT_OF_REGION, "No candidate serves the client's region or language"),
    (assignment.ABSENT, "The candidates are absent and have no available backup"),
    (assignment.NO_CAPACITY, "The candidates have no capacity left"),
]
# Partial index of the scheduled assignment's batches: the clients without a
# manager, a small part of the book (res.partner holds every contact too).
UNASSIGNED_INDEX = "res_partner_insurance_unassigned_index"


class ResPartner(models.Model):
    """Assignment engine: who is the account manager of each client, by the
    assignment rules (the plan, the scheduled action and the button)."""

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

    def _auto_init(self):
        result = super()._auto_init()
        # the scheduled assignment's batch: unassigned clients by id (see
        # _cron_assign_account_managers); the ORM writes the boolean test as
        # "is_insurance_client = TRUE", which PostgreSQL matches with this
        # predicate
        create_index(
            self.env.cr,
            UNASSIGNED_INDEX,
            self._table,
            ["id"],
            where="is_insurance_client = TRUE AND account_manager_id IS NULL",
        )
        return result

    # ------------------------------------------------------------
    # Assignment by rule
    # ------------------------------------------------------------

    @api.model
    def _insurance_auto_assignment_on(self):
        return bool(self.env["ir.config_parameter"].sudo().get_param(AUTO_ASSIGNMENT_PARAM))

    def _insurance_auto_assign(self):
        """Give the clients of ``self`` without a manager one at once, when
        Settings ask for automatic assignment."""
        if not self._insurance_auto_assignment_on():
            return
        unassigned = self.filtered(lambda p: p.is_insurance_client and not p.account_manager_id)
        if unassigned:
            without_tracking_switches(unassigned).sudo()._assign_account_managers()

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
        # a manager whose licences all lapsed takes no client while Settings
        # require one (the parameter is read only then)
        required = any(not valid_lines[user.id] for user in users) and (
            self.env["res.users"]._insurance_require_qualification()
        )
        return {
            user.id: assignment.Manager(
                user_id=user.id,
                capacity=user.insurance_capacity,
                load=loads.get(user.id, 0.0),
                line_ids=frozenset(valid_lines[user.id]),
                qualified=not required or bool(valid_lines[user.id]),
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

    def _assign_account_managers(self, checked_on=None):
        """Give each client of ``self`` without a manager one by the assignment
        rules. Clients no manager can take keep no manager, with the reason set,
        and the team lead gets an activity. ``checked_on``, when given, marks
        every client of ``self`` as tried by the rules that day (the scheduled
        action's marker). Returns the number assigned.

        Set-based: the plan is made in a constant number of queries, then the
        managers, reasons and marker, the history, the chatter and the new
        managers as followers of the clients and their open records are
        written in a constant number of statements
        (:meth:`_insurance_write_managers_batch`), whatever the number of
        clients and managers."""
        clients = self.filtered(lambda p: p.is_insurance_client and not p.account_manager_id)
        if not clients:
            if checked_on:
                self._insurance_write_managers_batch(
                    {}, _ManagerChange("rule"), checked_on=checked_on
                )
            return 0
        plan, rules, candidates_by_rule, _managers = clients._insurance_plan_managers()
        values, rule_ids, assigned = {}, {}, {}
        for partner_id, (user_id, rule_id, reason) in plan.items():
            if user_id:
                values[partner_id] = {
                    "account_manager_id": user_id,
                    "insurance_unassigned_reason": False,
                }
                rule_ids[partner_id] = rule_id
                assigned[partner_id] = user_id
            else:
                values[partner_id] = {"insurance_unassigned_reason": reason}
        targets = self if checked_on else clients
        targets._insurance_write_managers_batch(
            values, _ManagerChange("rule"), rule_ids=rule_ids, checked_on=checked_on
        )
        if assigned:
            moved = self.browse(list(assigned))
            self._insurance_follow(moved._insurance_client_followers(assigned))
        refused = clients.browse([pid for pid in clients.ids if pid not in assigned])
        if refused:
            refused._insurance_notify_unassigned(rules, candidates_by_rule)
        return len(assigned)

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
        clients._assign_account_managers(checked_on=today)
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
