from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, split_every
from odoo.tools.sql import column_exists, create_column

from ..tools import assignment, tiering

# Clients given a manager per run of the scheduled action (then it re-triggers
# itself while more remain).
ASSIGNMENT_BATCH_SIZE = 500
# Capacity units used by a client that has no tier yet.
UNTIERED_WEIGHT = 1.0
AUTO_ASSIGNMENT_PARAM = "insurance_account_manager.auto_assignment"
GROUP_INSURANCE_AM = "insurance_account_manager.insurance_group_account_manager"
GROUP_INSURANCE_ADMIN = "insurance_account_manager.insurance_group_admin"
# Clients whose tier one run of the scheduled action recomputes (then it
# re-triggers itself while more remain): a constant number of queries per batch.
TIER_BATCH_SIZE = 500
# Up to this many clients "Recompute Tiers Now" works while the administrator
# waits; above, it hands the book to the scheduled action. Measured with
# bench/bench_tiering.py at 20,000 clients: 0.26 s per 1,000 clients when
# nothing changes, 0.35 s for first tiers, 0.7 s when one client in six moves
# up to key; so 7 to 15 s at this limit, far below a worker's time limit.
TIER_SYNC_LIMIT = 20000
# The loss ratio looks at claims and earned premium over this many months.
LOSS_RATIO_MONTHS = 12
# Moving up to the tier with this code gives the account manager an activity,
# due this many days later.
KEY_TIER_CODE = "key"
KEY_CLIENT_ACTIVITY_DAYS = 7
# Marks the inner write of _insurance_write_tier: an object, which no RPC
# context (JSON) can carry, so a client cannot skip the tier-lock check.
_TIER_WRITE_TOKEN = object()
UNASSIGNED_REASONS = [
    (assignment.NO_RULE, "No assignment rule applies"),
    (assignment.NO_CANDIDATE, "The rule names no account manager"),
    (assignment.NOT_QUALIFIED, "No candidate is qualified for the client's lines"),
    (assignment.OUT_OF_REGION, "No candidate serves the client's region or language"),
    (assignment.ABSENT, "The candidates are absent and have no available backup"),
    (assignment.NO_CAPACITY, "The candidates have no capacity left"),
]


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Relationship
    is_insurance_client = fields.Boolean(
        string="Insurance Client",
        compute="_compute_is_insurance_client",
        store=True,
        readonly=False,
        index=True,
        help="Clients are served by an account manager. A partner becomes a client "
        "as soon as it holds a policy.",
    )
    account_manager_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        tracking=True,
        index="btree_not_null",
        check_company=True,
        domain=[("share", "=", False)],
        help="The one person accountable for this client, from underwriting to claims.",
    )
    backup_manager_id = fields.Many2one(
        "res.users",
        string="Backup Manager",
        tracking=True,
        index="btree_not_null",
        check_company=True,
        domain=[("share", "=", False)],
        help="Takes over while the account manager is absent.",
    )
    # Tier: set by the tier rules (see the tiering methods below), stored and tracked
    insurance_tier_id = fields.Many2one(
        "insurance.client.tier",
        string="Client Tier",
        tracking=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    insurance_tier_locked = fields.Boolean(
        string="Tier Locked",
        tracking=True,
        copy=False,
        groups=GROUP_INSURANCE_AM,
        help="Locked by hand: the tier rules leave this client's tier as it is until "
        "the lock ends.",
    )
    insurance_tier_lock_reason = fields.Char(
        string="Lock Reason", tracking=True, copy=False, groups=GROUP_INSURANCE_AM
    )
    insurance_tier_lock_until = fields.Date(
        string="Locked Until",
        tracking=True,
        copy=False,
        groups=GROUP_INSURANCE_AM,
        help="Last day of the lock: the next recompute after it gives the client the "
        "tier of the rules again. Leave empty to keep the lock until it is removed.",
    )
    insurance_tier_checked_on = fields.Date(
        string="Tier Checked On",
        readonly=True,
        copy=False,
        help="Last day the tier rules looked at this client.",
    )
    insurance_tier_history_ids = fields.One2many(
        "insurance.tier.history", "partner_id", string="Tier History", groups=GROUP_INSURANCE_AM
    )
    # Assignment
    insurance_unassigned_reason = fields.Selection(
        UNASSIGNED_REASONS,
        string="Why Unassigned",
        readonly=True,
        copy=False,
        help="Why the assignment rules could not give this client an account manager.",
    )
    insurance_assignment_checked_on = fields.Date(
        string="Assignment Tried On",
        readonly=True,
        copy=False,
        help="Last day the assignment rules looked at this client without a manager.",
    )
    insurance_assignment_ids = fields.One2many(
        "insurance.manager.assignment", "partner_id", string="Manager History"
    )
    # Book of business
    insurance_policy_ids = fields.One2many("insurance.policy", "partner_id", string="Policies")
    insurance_claim_ids = fields.One2many("insurance.claim", "partner_id", string="Claims")
    insurance_policy_count = fields.Integer(compute="_compute_insurance_counts")
    insurance_claim_count = fields.Integer(compute="_compute_insurance_counts")
    insurance_request_count = fields.Integer(
        string="Open Requests", compute="_compute_insurance_counts"
    )
    insurance_currency_id = fields.Many2one(
        "res.currency", compute="_compute_insurance_currency_id"
    )
    annual_premium = fields.Monetary(
        compute="_compute_annual_premium",
        store=True,
        currency_field="insurance_currency_id",
        help="Sum of the annual premiums of the client's active policies, in the "
        "currency of the client's company.",
    )

    def _auto_init(self):
        # res.partner is large on a live database: create the new stored computed
        # columns in SQL so that the ORM does not compute them row by row at install.
        # No partner has a policy yet, so the right value is the column default.
        if not column_exists(self.env.cr, "res_partner", "annual_premium"):
            create_column(self.env.cr, "res_partner", "annual_premium", "numeric")
            self.env.cr.execute("UPDATE res_partner SET annual_premium = 0")
        if not column_exists(self.env.cr, "res_partner", "is_insurance_client"):
            create_column(self.env.cr, "res_partner", "is_insurance_client", "boolean")
            self.env.cr.execute("UPDATE res_partner SET is_insurance_client = false")
        return super()._auto_init()

    @api.depends("insurance_policy_ids")
    def _compute_is_insurance_client(self):
        for partner in self:
            partner.is_insurance_client = partner.is_insurance_client or bool(
                partner.insurance_policy_ids
            )

    def _compute_insurance_counts(self):
        policy_counts = dict(
            self.env["insurance.policy"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        claim_counts = dict(
            self.env["insurance.claim"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        request_counts = dict(
            self.env["insurance.service.request"]._read_group(
                [("partner_id", "in", self.ids), ("stage_state", "=", "open")],
                ["partner_id"],
                ["__count"],
            )
        )
        for partner in self:
            partner.insurance_policy_count = policy_counts.get(partner, 0)
            partner.insurance_claim_count = claim_counts.get(partner, 0)
            partner.insurance_request_count = request_counts.get(partner, 0)

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_insurance_currency_id(self):
        for partner in self:
            partner.insurance_currency_id = (
                partner.company_id.currency_id or self.env.company.currency_id
            )

    @api.depends(
        "insurance_policy_ids.premium",
        "insurance_policy_ids.state",
        "insurance_policy_ids.currency_id",
        "insurance_policy_ids.active",
    )
    def _compute_annual_premium(self):
        premiums = (
            self.env["insurance.policy"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "active")],
                ["partner_id", "currency_id"],
                ["premium:sum"],
            )
        )
        totals = dict.fromkeys(self, 0.0)
        today = fields.Date.context_today(self)
        for partner, currency, premium in premiums:
            company = partner.company_id or self.env.company
            totals[partner] += currency._convert(premium, company.currency_id, company, today)
        for partner in self:
            partner.annual_premium = totals.get(partner, 0.0)

    @api.constrains("account_manager_id", "backup_manager_id", "company_id")
    def _check_backup_manager(self):
        for partner in self:
            if (
                partner.backup_manager_id
                and partner.backup_manager_id == partner.account_manager_id
            ):
                raise ValidationError(
                    _(
                        "%(client)s: the backup manager must be someone other than the "
                        "account manager.",
                        client=partner.display_name,
                    )
                )
        self._check_company(["account_manager_id", "backup_manager_id"])

    @api.constrains(
        "insurance_tier_locked", "insurance_tier_lock_reason", "insurance_tier_lock_until"
    )
    def _check_insurance_tier_lock(self):
        today = fields.Date.context_today(self)
        for partner in self.sudo().filtered("insurance_tier_locked"):
            if not (partner.insurance_tier_lock_reason or "").strip():
                raise ValidationError(
                    _(
                        "%(client)s: give the reason why the tier is locked.",
                        client=partner.display_name,
                    )
                )
            if partner.insurance_tier_lock_until and partner.insurance_tier_lock_until < today:
                raise ValidationError(
                    _(
                        "%(client)s: the tier lock cannot end in the past.",
                        client=partner.display_name,
                    )
                )

    @api.onchange("insurance_tier_locked")
    def _onchange_insurance_tier_locked(self):
        if not self.insurance_tier_locked:
            self.insurance_tier_lock_reason = False
            self.insurance_tier_lock_until = False

    @api.ondelete(at_uninstall=False)
    def _unlink_except_insurance_client(self):
        policies = self.env["insurance.policy"].sudo().with_context(active_test=False)
        holders = policies._read_group([("partner_id", "in", self.ids)], ["partner_id"])
        if holders:
            raise UserError(
                _(
                    "Clients with policies or claims cannot be deleted: %(clients)s. "
                    "Archive them instead.",
                    clients=", ".join(partner.display_name for (partner,) in holders),
                )
            )

    def _insurance_action(self, xmlid, context):
        """The window action ``xmlid`` limited to this client."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(f"insurance_account_manager.{xmlid}")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = context
        return action

    def action_view_insurance_policies(self):
        return self._insurance_action("insurance_policy_action", {"default_partner_id": self.id})

    def action_view_insurance_requests(self):
        return self._insurance_action(
            "insurance_service_request_action", {"default_partner_id": self.id}
        )

    def action_view_insurance_claims(self):
        context = {"search_default_partner_id": self.id}
        in_force = self.insurance_policy_ids.filtered(lambda p: p.state == "active")
        if len(in_force) == 1:
            context["default_policy_id"] = in_force.id
        return self._insurance_action("insurance_claim_action", context)

    # ------------------------------------------------------------
    # Manager history
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        managed = partners.filtered("account_manager_id")
        if managed:
            managed._insurance_open_assignments({p.id: False for p in managed})
        partners._insurance_auto_assign()
        return partners

    def _insurance_auto_assign(self):
        """Give the clients of ``self`` without a manager one at once, when
        Settings ask for automatic assignment."""
        if not self.env["ir.config_parameter"].sudo().get_param(AUTO_ASSIGNMENT_PARAM):
            return
        unassigned = self.filtered(lambda p: p.is_insurance_client and not p.account_manager_id)
        if unassigned:
            unassigned.sudo()._assign_account_managers()

    def write(self, vals):
        # The context keys below are honoured only from internal callers: the
        # client can put any key in the context of an RPC call, and must not be
        # able to skip the tier-lock check or the history that way.
        if "insurance_tier_id" in vals and not (
            self.env.context.get("insurance_tier_history_done")
            and self.env.context.get("insurance_tier_history_token") is _TIER_WRITE_TOKEN
        ):
            return self._insurance_write_tier(vals)
        if "account_manager_id" not in vals or (
            self.env.su and self.env.context.get("insurance_assignment_history_done")
        ):
            return super().write(vals)
        previous = {partner.id: partner.account_manager_id.id for partner in self}
        result = super().write(vals)
        changed = self.filtered(lambda p: p.account_manager_id.id != previous[p.id])
        if changed:
            changed._insurance_open_assignments(previous)
        return result

    def _insurance_open_assignments(self, previous_by_partner):
        """Close the current history rows of ``self`` and open new ones for their
        current managers (batch, origin, reason and rule from the context)."""
        context = self.env.context
        today = fields.Date.context_today(self)
        History = self.env["insurance.manager.assignment"].sudo()
        History.search([("partner_id", "in", self.ids), ("state", "=", "current")]).write(
            {"state": "ended", "date_to": today}
        )
        History.create(
            [
                {
                    "partner_id": partner.id,
                    "user_id": partner.account_manager_id.id,
                    "previous_user_id": previous_by_partner.get(partner.id) or False,
                    "previous_backup_id": partner.backup_manager_id.id,
                    "date_from": today,
                    "origin": context.get("insurance_assignment_origin", "manual"),
                    "reason": context.get("insurance_assignment_reason"),
                    "rule_id": context.get("insurance_assignment_rule_id"),
                    "batch_id": context.get("insurance_assignment_batch_id"),
                }
                for partner in self
                if partner.account_manager_id
            ]
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
            )
        return needs

    @api.model
    def _insurance_candidate_managers(self, users, day):
        """{user id: assignment.Manager} for ``users`` and their backups."""
        users |= users.insurance_backup_user_id
        users = users.filtered("is_account_manager")
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
        Partner = self.browse().with_context(insurance_assignment_origin="rule")
        for (user_id, rule_id), partner_ids in chosen.items():
            Partner.browse(partner_ids).with_context(insurance_assignment_rule_id=rule_id).write(
                {"account_manager_id": user_id, "insurance_unassigned_reason": False}
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
                    "note": reasons.get(partner.insurance_unassigned_reason, ""),
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
        if not self.env.user.has_group("insurance_account_manager.insurance_group_admin"):
            raise AccessError(_("Only insurance administrators can run the assignment rules."))
        clients = self or self.search(
            [("is_insurance_client", "=", True), ("account_manager_id", "=", False)]
        )
        assigned = clients.sudo()._assign_account_managers()
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

    # ------------------------------------------------------------
    # Tiering
    # ------------------------------------------------------------

    def _insurance_write_tier(self, vals):
        """``write`` when it sets the tier by hand: keep each change in the tier
        history. Below the administrators, a tier is only set by hand by locking
        it, else the next recompute would silently undo it."""
        previous = {partner.id: partner.insurance_tier_id.id for partner in self}
        result = self.with_context(
            insurance_tier_history_done=True, insurance_tier_history_token=_TIER_WRITE_TOKEN
        ).write(vals)
        changed = self.filtered(lambda p: p.insurance_tier_id.id != previous[p.id])
        if not changed:
            return result
        unlocked = changed.sudo().filtered(lambda p: not p.insurance_tier_locked)
        if unlocked and not self.env.su and not self.env.user.has_group(GROUP_INSURANCE_ADMIN):
            raise UserError(
                _(
                    "Lock the tier of %(clients)s, with a reason, to set it by hand: "
                    "otherwise the tier rules set it.",
                    clients=", ".join(unlocked.mapped("display_name")),
                )
            )
        changed._insurance_log_tier_changes(
            [
                {
                    "partner_id": partner.id,
                    "old_tier_id": previous[partner.id] or None,
                    "new_tier_id": partner.insurance_tier_id.id or None,
                    "origin": "manual" if partner in unlocked else "lock",
                    "reason": partner.sudo().insurance_tier_lock_reason
                    or self.env.context.get("insurance_tier_reason"),
                    "rule_id": None,
                }
                for partner in changed
            ]
        )
        return result

    def _insurance_log_tier_changes(self, changes):
        """Keep ``changes`` in the tier history, and give the account manager of
        each client that moved up to the key tier from a less important one an
        activity (a client's first tier is no move: installing the addon on a
        book does not flood the managers with activities).

        ``changes`` is a list of dicts with partner_id, old_tier_id, new_tier_id,
        origin, reason and rule_id (ids or None). The rows go in with one INSERT:
        the ORM would insert them 100 at a time, and a batch of the recompute
        must cost the same number of queries whatever its size. The history has
        no computed field but company_id, taken here from the client.
        """
        if not changes:
            return
        self.env["res.partner"].flush_model(["company_id"])
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO insurance_tier_history (
                    partner_id, old_tier_id, new_tier_id, origin, reason, rule_id,
                    company_id, date, user_id, create_uid, create_date, write_uid, write_date
                )
                SELECT c.partner_id, c.old_tier_id, c.new_tier_id, c.origin, c.reason,
                       c.rule_id, p.company_id, %(date)s, %(uid)s, %(uid)s, %(now)s,
                       %(uid)s, %(now)s
                  FROM unnest(%(partner_ids)s::int[], %(old_tier_ids)s::int[],
                              %(new_tier_ids)s::int[], %(origins)s::varchar[],
                              %(reasons)s::varchar[], %(rule_ids)s::int[])
                       AS c(partner_id, old_tier_id, new_tier_id, origin, reason, rule_id)
                  JOIN res_partner p ON p.id = c.partner_id
                """,
                date=fields.Datetime.now(),
                uid=self.env.uid,
                now=now,
                partner_ids=[change["partner_id"] for change in changes],
                old_tier_ids=[change["old_tier_id"] for change in changes],
                new_tier_ids=[change["new_tier_id"] for change in changes],
                origins=[change["origin"] for change in changes],
                reasons=[change["reason"] or None for change in changes],
                rule_ids=[change["rule_id"] for change in changes],
            )
        )
        partners = self.browse([change["partner_id"] for change in changes])
        partners.invalidate_recordset(["insurance_tier_history_ids"])
        # moving up: from a less important tier (a first tier is no move)
        Tier = self.env["insurance.client.tier"].sudo().with_context(active_test=False)
        key_tier = Tier.search([("code", "=", KEY_TIER_CODE)], limit=1)
        if not key_tier:
            return
        lower_tier_ids = set(
            Tier.browse({change["old_tier_id"] for change in changes if change["old_tier_id"]})
            .filtered(lambda tier: tier != key_tier and tier.sequence >= key_tier.sequence)
            .ids
        )
        promoted = self.browse(
            [
                change["partner_id"]
                for change in changes
                if change["new_tier_id"] == key_tier.id and change["old_tier_id"] in lower_tier_ids
            ]
        )
        promoted._insurance_notify_key_promotion(key_tier)

    def _insurance_notify_key_promotion(self, key_tier):
        """A to-do for the account manager of each client of ``self`` (which
        just moved up to ``key_tier``): one create for all, without the e-mail
        sent per activity (managers see them in their activities). Odoo makes
        each manager a follower of its clients, one call per manager: the cost
        grows with the managers concerned, not with the clients."""
        clients = self.sudo().filtered("account_manager_id")
        if not clients:
            return
        activity_type = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        model_id = self.env["ir.model"]._get_id("res.partner")
        deadline = fields.Date.context_today(self) + timedelta(days=KEY_CLIENT_ACTIVITY_DAYS)
        self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": client.id,
                    "activity_type_id": activity_type.id if activity_type else False,
                    "user_id": client.account_manager_id.id,
                    "date_deadline": deadline,
                    "summary": self.env._(
                        "New %(tier)s: review the service plan", tier=key_tier.name
                    ),
                    "note": self.env._(
                        "%(client)s moved up to %(tier)s by the tier rules or by hand: "
                        "check its account plan, service levels and contacts.",
                        client=client.display_name,
                        tier=key_tier.name,
                    ),
                }
                for client in clients
            ]
        )

    def _insurance_tier_facts(self, today):
        """{partner id: tiering.ClientFacts} for the clients of ``self``, from
        three grouped queries whatever their number:

        - active policies per client and line of business: how many, which lines;
        - premium of the policies (active or expired, not draft or cancelled) in
          force during the last ``LOSS_RATIO_MONTHS`` months, grouped by cover
          dates so that each premium is earned pro rata of its days in the window;
        - claims paid, by date of loss in the same window.

        The annual premium is the stored one. Amounts are converted to the
        currency of the client's company, at today's rate (one rate lookup per
        pair of currencies, not per client).
        """
        Policy = self.env["insurance.policy"].sudo()
        Claim = self.env["insurance.claim"].sudo()
        window_first = today - relativedelta(months=LOSS_RATIO_MONTHS) + timedelta(days=1)
        company_by_partner = {
            partner.id: partner.company_id or self.env.company for partner in self
        }
        rates = {}

        def convert(amount, currency, partner_id):
            company = company_by_partner[partner_id]
            if not currency or currency == company.currency_id:
                return amount
            key = (currency.id, company.id)
            if key not in rates:
                rates[key] = currency._get_conversion_rate(
                    currency, company.currency_id, company, today
                )
            return amount * rates[key]

        policy_counts = defaultdict(int)
        lines = defaultdict(set)
        for partner, line, count in Policy._read_group(
            [("partner_id", "in", self.ids), ("state", "=", "active")],
            ["partner_id", "line_id"],
            ["__count"],
        ):
            policy_counts[partner.id] += count
            if line:
                lines[partner.id].add(line.id)
        earned = defaultdict(float)
        for partner, currency, date_start, date_end, premium in Policy._read_group(
            [
                ("partner_id", "in", self.ids),
                ("state", "in", ("active", "expired")),
                ("date_start", "<=", today),
                ("date_end", ">=", window_first),
            ],
            ["partner_id", "currency_id", "date_start:day", "date_end:day"],
            ["premium:sum"],
        ):
            amount = tiering.earned_premium(premium, date_start, date_end, window_first, today)
            earned[partner.id] += convert(amount, currency, partner.id)
        paid = defaultdict(float)
        for partner, currency, amount in Claim._read_group(
            [
                ("partner_id", "in", self.ids),
                ("date_loss", ">=", window_first),
                ("date_loss", "<=", today),
            ],
            ["partner_id", "currency_id"],
            ["amount_paid:sum"],
        ):
            paid[partner.id] += convert(amount, currency, partner.id)
        return {
            partner.id: tiering.ClientFacts(
                partner_id=partner.id,
                annual_premium=partner.annual_premium,
                active_policies=policy_counts[partner.id],
                loss_ratio=tiering.loss_ratio(paid[partner.id], earned[partner.id]),
                line_ids=frozenset(lines[partner.id]),
            )
            for partner in self
        }

    def _insurance_decide_tiers(self, today):
        """What the tier rules give each client of ``self``.

        Returns ``(decisions, rules)``: ``decisions`` maps each partner id to
        ``(tier id or None, rule id or None)``, ``rules`` are the rules tried. A
        client follows the rules of its company and those of every company; a
        client shared by all companies follows those of the current company.
        """
        facts = self._insurance_tier_facts(today)
        default_company = self.env.company
        companies = self.company_id
        if any(not partner.company_id for partner in self):
            companies |= default_company
        rules = (
            self.env["insurance.tier.rule"]
            .sudo()
            .search([("company_id", "in", [False, *companies.ids])])
        )
        plain_rules = rules._to_tiering_rules(rules._partner_ids_matching(self.ids))
        rules_by_company = {
            company.id: [
                plain
                for rule, plain in zip(rules, plain_rules, strict=True)
                if not rule.company_id or rule.company_id == company
            ]
            for company in companies
        }
        fallback_id = self.env["insurance.client.tier"].sudo()._get_fallback_tier().id or None
        decisions = {
            partner.id: tiering.decide_tier(
                facts[partner.id],
                rules_by_company[(partner.company_id or default_company).id],
                fallback_id,
            )
            for partner in self
        }
        return decisions, rules

    def _recompute_insurance_tiers(self):
        """Give each client of ``self`` (one batch) the tier of the first tier
        rule it meets, else the fallback tier. A client whose tier is locked
        keeps it; once the last day of its lock has passed, the lock is removed
        and the rules apply again. Every client of ``self`` is marked checked
        today. Returns the clients whose tier changed.

        The cost does not grow with the batch: three grouped queries for the
        facts, one search per rule with a client filter, then one statement
        each for the tiers and check dates, the history, and the activities of
        the clients that became key clients. Reads and writes as the caller's
        environment allows: the scheduled action and
        :meth:`action_recompute_insurance_tiers` call it as superuser.
        """
        clients = self.filtered("is_insurance_client")
        if not clients:
            return self.browse()
        today = fields.Date.context_today(self)
        released = clients.filtered(
            lambda p: (
                p.insurance_tier_locked
                and p.insurance_tier_lock_until
                and p.insurance_tier_lock_until < today
            )
        )
        if released:
            released.write(
                {
                    "insurance_tier_locked": False,
                    "insurance_tier_lock_reason": False,
                    "insurance_tier_lock_until": False,
                }
            )
        free = clients.filtered(lambda p: not p.insurance_tier_locked)
        decisions, rules = free._insurance_decide_tiers(today)
        rule_names = {rule.id: rule.name for rule in rules}
        changes = []
        for partner in free:
            tier_id, rule_id = decisions[partner.id]
            old_tier_id = partner.insurance_tier_id.id or None
            if tier_id == old_tier_id:
                continue
            reason = (
                _("Rule: %(rule)s", rule=rule_names[rule_id])
                if rule_id
                else _("No tier rule matched: fallback tier")
            )
            if partner in released:
                reason = _("Lock ended. %(reason)s", reason=reason)
            changes.append(
                {
                    "partner_id": partner.id,
                    "old_tier_id": old_tier_id,
                    "new_tier_id": tier_id,
                    "origin": "rule" if rule_id else "fallback",
                    "reason": reason,
                    "rule_id": rule_id,
                }
            )
        new_tiers = {change["partner_id"]: change["new_tier_id"] for change in changes}
        changed = self.browse(list(new_tiers))
        # One UPDATE for the batch (the ORM writes 100 rows per statement); the
        # fields computed from the tier (e.g. on service requests) are marked to
        # recompute as a write would.
        self.flush_model(["insurance_tier_id", "insurance_tier_checked_on"])
        changed.modified(["insurance_tier_id"], before=True)
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner AS p
                   SET insurance_tier_checked_on = %(today)s,
                       insurance_tier_id = CASE WHEN v.changed THEN v.tier_id
                                                ELSE p.insurance_tier_id END,
                       write_uid = CASE WHEN v.changed THEN %(uid)s ELSE p.write_uid END,
                       write_date = CASE WHEN v.changed THEN %(now)s ELSE p.write_date END
                  FROM unnest(%(ids)s::int[], %(tier_ids)s::int[], %(changed)s::bool[])
                       AS v(id, tier_id, changed)
                 WHERE p.id = v.id
                """,
                today=today,
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=clients.ids,
                tier_ids=[new_tiers.get(partner_id) for partner_id in clients.ids],
                changed=[partner_id in new_tiers for partner_id in clients.ids],
            )
        )
        clients.invalidate_recordset(
            ["insurance_tier_id", "insurance_tier_checked_on", "write_uid", "write_date"]
        )
        changed.modified(["insurance_tier_id"])
        changed._insurance_log_tier_changes(changes)
        return changed

    def _insurance_tier_todo_domain(self, today):
        return [
            ("is_insurance_client", "=", True),
            "|",
            ("insurance_tier_checked_on", "=", False),
            ("insurance_tier_checked_on", "<", today),
        ]

    @api.model
    def _cron_recompute_insurance_tiers(self):
        """Recompute the tiers of the clients not checked yet today, a batch per
        call; the scheduled action calls again while some remain.

        Resumable and idempotent: a batch writes its tiers, history and check
        date in the same transaction, so after a crash the rerun starts with the
        first client not checked today, never skips one and never logs a change
        twice; a second run on the same day finds nothing to do.
        """
        Partner = self.sudo()
        domain = Partner._insurance_tier_todo_domain(fields.Date.context_today(self))
        clients = Partner.search(domain, limit=TIER_BATCH_SIZE, order="id")
        clients._recompute_insurance_tiers()
        remaining = Partner.search_count(domain) if len(clients) == TIER_BATCH_SIZE else 0
        self.env["ir.cron"]._notify_progress(done=len(clients), remaining=remaining)

    def action_recompute_insurance_tiers(self):
        """Recompute the tiers of ``self`` (of every client when empty) now.

        Up to ``TIER_SYNC_LIMIT`` clients the recompute runs at once, by
        batches, and the notification says how many changed tier. Above, the
        clients are marked unchecked and the scheduled action is triggered to
        work through them in the background.
        """
        if not self.env.user.has_group(GROUP_INSURANCE_ADMIN):
            raise AccessError(_("Only insurance administrators can recompute client tiers."))
        Partner = self.env["res.partner"].sudo()
        domain = [("is_insurance_client", "=", True)]
        if self:
            domain.append(("id", "in", self.ids))
        count = Partner.search_count(domain)
        if count > TIER_SYNC_LIMIT:
            return Partner._insurance_recompute_tiers_later(domain, count)
        changed = 0
        for batch_ids in split_every(TIER_BATCH_SIZE, Partner.search(domain, order="id").ids):
            changed += len(Partner.browse(batch_ids)._recompute_insurance_tiers())
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": _("Client tiers recomputed"),
                "message": _(
                    "%(changed)s of %(count)s client(s) changed tier.",
                    changed=changed,
                    count=count,
                ),
            },
        }

    def _insurance_recompute_tiers_later(self, domain, count):
        """Mark the clients of ``domain`` unchecked, in one statement, and let
        the scheduled action recompute them."""
        cron = self.env.ref(
            "insurance_account_manager.ir_cron_recompute_insurance_tiers", raise_if_not_found=False
        )
        if not cron or not cron.active:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "message": _(
                        "%(count)s clients are too many to recompute at once: turn on "
                        "Automatic Client Tiering so that the scheduled action "
                        "recomputes them in the background.",
                        count=count,
                    ),
                },
            }
        self.flush_model(["insurance_tier_checked_on"])
        query = self._where_calc(domain)
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET insurance_tier_checked_on = NULL WHERE id IN %s",
                query.subselect(),
            )
        )
        self.invalidate_model(["insurance_tier_checked_on"])
        cron._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": _(
                    "The tiers of %(count)s clients are being recomputed in the "
                    "background; the changes appear in each client's tier history.",
                    count=count,
                ),
            },
        }
