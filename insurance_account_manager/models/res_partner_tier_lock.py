from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .res_partner import GROUP_INSURANCE_ADMIN, GROUP_INSURANCE_AM
from .res_partner_manager_check import GROUP_INSURANCE_TEAM_LEAD

# A client's tier and its lock are set by team leads (their teams' clients)
# and administrators only; an account manager requests a lock, which the team
# lead approves or refuses.
TIER_LOCK_FIELDS = (
    "insurance_tier_id",
    "insurance_tier_locked",
    "insurance_tier_lock_reason",
    "insurance_tier_lock_until",
)
# Fields of the lock request set by the server only (request, approve, refuse).
TIER_REQUEST_SERVER_FIELDS = ("insurance_tier_request_state", "insurance_tier_request_user_id")
TIER_LOCK_REQUEST_ACTIVITY = "insurance_account_manager.mail_activity_type_tier_lock_request"
# Marks the inner write of _insurance_write_tier: an object, which no RPC
# context (JSON) can carry, so a client cannot skip the tier-lock check.
_TIER_WRITE_TOKEN = object()


class ResPartner(models.Model):
    """Tier set by hand: the lock of a client's tier by a team lead or an
    administrator, the account manager's lock request, its approval or
    refusal, and their notifications."""

    _inherit = "res.partner"

    # Lock: set by team leads and administrators, kept by the tier rules
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
    # Lock request: filled by the account manager, decided by the team lead
    insurance_tier_request_state = fields.Selection(
        [("requested", "Lock Requested"), ("refused", "Lock Refused")],
        string="Tier Lock Request",
        readonly=True,
        copy=False,
        tracking=True,
        groups=GROUP_INSURANCE_AM,
    )
    insurance_tier_request_tier_id = fields.Many2one(
        "insurance.client.tier",
        string="Requested Tier",
        copy=False,
        tracking=True,
        ondelete="set null",
        groups=GROUP_INSURANCE_AM,
        help="The tier the account manager asks the team lead to lock this client in.",
    )
    insurance_tier_request_reason = fields.Char(
        string="Reason for the Lock", copy=False, tracking=True, groups=GROUP_INSURANCE_AM
    )
    insurance_tier_request_until = fields.Date(
        string="Lock Requested Until", copy=False, groups=GROUP_INSURANCE_AM
    )
    insurance_tier_request_user_id = fields.Many2one(
        "res.users",
        string="Lock Requested By",
        readonly=True,
        copy=False,
        ondelete="set null",
        groups=GROUP_INSURANCE_AM,
    )
    insurance_can_lock_tier = fields.Boolean(
        compute="_compute_insurance_can_lock_tier", groups=GROUP_INSURANCE_AM
    )

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

    @api.depends_context("uid")
    @api.depends("account_manager_id")
    def _compute_insurance_can_lock_tier(self):
        user = self.env.user
        if user.has_group(GROUP_INSURANCE_ADMIN):
            self.insurance_can_lock_tier = True
            return
        if not user.has_group(GROUP_INSURANCE_TEAM_LEAD):
            self.insurance_can_lock_tier = False
            return
        team = self._insurance_team_managers()
        for partner in self:
            partner.insurance_can_lock_tier = bool(
                partner.account_manager_id and partner.account_manager_id in team
            )

    @api.onchange("insurance_tier_locked")
    def _onchange_insurance_tier_locked(self):
        if not self.insurance_tier_locked:
            self.insurance_tier_lock_reason = False
            self.insurance_tier_lock_until = False

    # ------------------------------------------------------------
    # Tier set by hand, and its lock
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        if not self.env.su:
            # after super(): the values include the context's defaults
            tiered = partners.sudo().filtered(
                lambda p: any(
                    p[fname] for fname in (*TIER_LOCK_FIELDS, *TIER_REQUEST_SERVER_FIELDS)
                )
            )
            if tiered:
                partners.browse(tiered.ids)._insurance_check_tier_lock_rights()
        return partners

    def _insurance_check_tier_lock_rights(self):
        """Refuse unless the current user may set the tier of the clients of
        ``self`` by hand, or lock it: administrators any client, team leads
        their teams' clients. An account manager requests the lock
        (:meth:`action_request_insurance_tier_lock`)."""
        user = self.env.user
        if user.has_group(GROUP_INSURANCE_ADMIN):
            return
        if not user.has_group(GROUP_INSURANCE_TEAM_LEAD):
            raise AccessError(
                _(
                    "A client's tier is locked by a team lead: fill in the tier and the "
                    "reason, then Request Tier Lock; your team lead approves it."
                )
            )
        self.check_access("write")
        outside = self.filtered(lambda partner: not partner.insurance_can_lock_tier)
        if outside:
            raise AccessError(
                _(
                    "You lock the tiers of your teams' clients only; ask an administrator "
                    "for: %(clients)s",
                    clients=", ".join(outside.mapped("display_name")),
                )
            )

    def write(self, vals):
        inner = self.env.context.get("insurance_tier_history_token") is _TIER_WRITE_TOKEN
        if not self.env.su and not inner:
            if any(fname in vals for fname in TIER_REQUEST_SERVER_FIELDS):
                raise AccessError(
                    _("A tier lock is requested, approved or refused with its buttons only.")
                )
            if any(fname in vals for fname in TIER_LOCK_FIELDS):
                self._insurance_check_tier_lock_rights()
        # The context keys below are honoured only from internal callers: the
        # client can put any key in the context of an RPC call, and must not be
        # able to skip the tier-lock check or the history that way.
        # _insurance_write_tier writes again through the whole write chain, so
        # this override must run before the one of res_partner_manager_change.py
        # (this file is loaded after it, see models/__init__.py): the manager
        # history is then kept by the inner write only, once.
        if "insurance_tier_id" in vals and not (
            self.env.context.get("insurance_tier_history_done")
            and self.env.context.get("insurance_tier_history_token") is _TIER_WRITE_TOKEN
        ):
            return self._insurance_write_tier(vals)
        return super().write(vals)

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

    # ------------------------------------------------------------
    # Tier lock requests
    # ------------------------------------------------------------

    def action_request_insurance_tier_lock(self):
        """The account manager asks the team lead to lock the tier of the
        clients of ``self`` in the requested tier, for the reason and until
        the date given on the client; the team leads of the client's manager
        (or, without one, the administrators) get an activity."""
        if not self.env.user.has_group(GROUP_INSURANCE_AM):
            raise AccessError(_("Only account managers request a tier lock."))
        self.check_access("write")
        today = fields.Date.context_today(self)
        for partner in self:
            if not partner.is_insurance_client:
                raise UserError(
                    _("%(partner)s is not an insurance client.", partner=partner.display_name)
                )
            if partner.insurance_tier_request_state == "requested":
                raise UserError(
                    _(
                        "%(client)s: a tier lock is already requested.",
                        client=partner.display_name,
                    )
                )
            if (
                not partner.insurance_tier_request_tier_id
                or not (partner.insurance_tier_request_reason or "").strip()
            ):
                raise UserError(
                    _(
                        "%(client)s: choose the tier to lock and give the reason before "
                        "requesting the lock.",
                        client=partner.display_name,
                    )
                )
            until = partner.insurance_tier_request_until
            if until and until < today:
                raise UserError(
                    _(
                        "%(client)s: the tier lock cannot end in the past.",
                        client=partner.display_name,
                    )
                )
        self.sudo().write(
            {
                "insurance_tier_request_state": "requested",
                "insurance_tier_request_user_id": self.env.uid,
            }
        )
        self._insurance_notify_tier_lock_request()
        return True

    def _insurance_notify_tier_lock_request(self):
        """An activity for the team leads of each client's account manager,
        or the insurance administrators when the manager has no team lead."""
        Team = self.env["crm.team"].sudo()
        activity_type = self.env.ref(TIER_LOCK_REQUEST_ACTIVITY).sudo()
        deadline = fields.Date.context_today(self) + relativedelta(
            **{activity_type.delay_unit: activity_type.delay_count}
        )
        admins = (
            self.env.ref(GROUP_INSURANCE_ADMIN)
            .sudo()
            .users.filtered(lambda user: user.active and not user.share)
        )
        for partner in self.sudo():
            manager = partner.account_manager_id
            leads = (
                Team.search([("crm_team_member_ids.user_id", "=", manager.id)]).user_id
                if manager
                else self.env["res.users"]
            )
            for user in (leads or admins[:1]).filtered("active"):
                partner.activity_schedule(
                    TIER_LOCK_REQUEST_ACTIVITY,
                    date_deadline=deadline,
                    user_id=user.id,
                    note=Markup("<p>%s</p>")
                    % _(
                        "%(requester)s asks to lock the tier of %(client)s in %(tier)s: %(reason)s",
                        requester=self.env.user.name,
                        client=partner.display_name,
                        tier=partner.insurance_tier_request_tier_id.name,
                        reason=partner.insurance_tier_request_reason,
                    ),
                )

    def action_approve_insurance_tier_lock(self):
        """The team lead (of the client's manager) or an administrator locks
        the tier as requested: the lock, its reason and end date are those of
        the request, kept in the tier history; the request is closed."""
        self._insurance_check_tier_lock_rights()
        pending = self.filtered(lambda p: p.insurance_tier_request_state == "requested")
        if pending != self:
            raise UserError(_("Only a requested tier lock can be approved or refused."))
        for partner in self:
            partner.write(
                {
                    "insurance_tier_locked": True,
                    "insurance_tier_id": partner.insurance_tier_request_tier_id.id,
                    "insurance_tier_lock_reason": partner.insurance_tier_request_reason,
                    "insurance_tier_lock_until": partner.insurance_tier_request_until,
                }
            )
        self._insurance_close_tier_lock_request(
            _("Tier lock approved by %(user)s.", user=self.env.user.name)
        )
        return True

    def action_refuse_insurance_tier_lock(self):
        """The team lead (of the client's manager) or an administrator refuses
        the requested lock: the tier stays as the rules set it."""
        self._insurance_check_tier_lock_rights()
        if self.filtered(lambda p: p.insurance_tier_request_state != "requested"):
            raise UserError(_("Only a requested tier lock can be approved or refused."))
        self._insurance_close_tier_lock_request(
            _("Tier lock refused by %(user)s.", user=self.env.user.name), state="refused"
        )
        return True

    def _insurance_close_tier_lock_request(self, feedback, state=False):
        self.sudo().write(
            {
                "insurance_tier_request_state": state,
                "insurance_tier_request_tier_id": False,
                "insurance_tier_request_reason": False,
                "insurance_tier_request_until": False,
            }
            if not state
            else {"insurance_tier_request_state": state}
        )
        self.sudo().activity_feedback([TIER_LOCK_REQUEST_ACTIVITY], feedback=feedback)
