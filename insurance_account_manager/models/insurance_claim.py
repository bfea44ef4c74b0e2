from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

from ..tools import validation
from .res_partner import with_rule_fields
from .res_partner_manager_change import init_manager_copy_column

# A claim is filed on a policy in force or whose cover has ended, never on a
# draft or a cancelled one.
CLAIMABLE_POLICY_STATES = ("active", "expired")


class InsuranceClaim(models.Model):
    _name = "insurance.claim"
    _description = "Insurance Claim"
    _inherit = ["mail.thread", "mail.activity.mixin", "insurance.input.mixin"]
    _order = "date_reported desc, id desc"
    _check_company_auto = True
    _insurance_input_limits = {"name": validation.CODE}

    def _default_stage_id(self):
        return self.env["insurance.claim.stage"].search([], limit=1)

    # Identification
    name = fields.Char(
        string="Claim Number",
        required=True,
        readonly=True,
        copy=False,
        index="trigram",
        default=lambda self: _("New"),
    )
    active = fields.Boolean(default=True, tracking=True)
    policy_id = fields.Many2one(
        "insurance.policy",
        string="Policy",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        ondelete="restrict",
        domain=[("state", "in", CLAIMABLE_POLICY_STATES)],
    )
    partner_id = fields.Many2one(
        related="policy_id.partner_id", store=True, index=True, string="Client"
    )
    account_manager_id = fields.Many2one(
        related="policy_id.partner_id.account_manager_id",
        store=True,
        index=True,
        string="Account Manager",
        tracking=False,  # the client's chatter keeps the change (see insurance.policy)
    )
    # for the record rule, as on the policy
    backup_manager_id = fields.Many2one(
        related="partner_id.backup_manager_id",
        store=True,
        index="btree_not_null",
        string="Backup Manager",
        tracking=False,
    )
    line_id = fields.Many2one(related="policy_id.line_id", store=True)
    company_id = fields.Many2one(related="policy_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="policy_id.currency_id")
    # Handling
    stage_id = fields.Many2one(
        "insurance.claim.stage",
        string="Stage",
        index=True,
        tracking=True,
        copy=False,
        ondelete="restrict",
        default=_default_stage_id,
        group_expand="_read_group_stage_ids",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Claim Handler",
        tracking=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
    )
    description = fields.Html()
    color = fields.Integer()
    # Dates
    date_loss = fields.Date(string="Date of Loss", required=True, tracking=True)
    date_reported = fields.Date(
        string="Reported On", required=True, tracking=True, default=fields.Date.context_today
    )
    date_closed = fields.Date(
        string="Closed On",
        compute="_compute_date_closed",
        store=True,
        readonly=False,
        copy=False,
    )
    turnaround_days = fields.Integer(
        string="Turnaround (days)",
        compute="_compute_turnaround_days",
        store=True,
        help="Calendar days from the report to the closing of the claim.",
    )
    service_request_ids = fields.One2many(
        "insurance.service.request", "claim_id", string="Service Requests"
    )
    # Money
    amount_claimed = fields.Monetary(tracking=True)
    amount_reserved = fields.Monetary(tracking=True)
    amount_paid = fields.Monetary(tracking=True)

    def _auto_init(self):
        init_manager_copy_column(self.env.cr, self._table, "backup_manager_id", "partner_id")
        return super()._auto_init()

    @api.depends("stage_id.is_closed")
    def _compute_date_closed(self):
        today = fields.Date.context_today(self)
        for claim in self:
            if not claim.stage_id.is_closed:
                claim.date_closed = False
            elif not claim.date_closed:
                claim.date_closed = today

    @api.depends("date_reported", "date_closed")
    def _compute_turnaround_days(self):
        for claim in self:
            if claim.date_reported and claim.date_closed:
                claim.turnaround_days = (claim.date_closed - claim.date_reported).days
            else:
                claim.turnaround_days = 0

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        return stages.search([], order=stages._order)

    @api.constrains("amount_claimed", "amount_reserved", "amount_paid")
    def _check_amounts(self):
        for claim in self:
            if min(claim.amount_claimed, claim.amount_reserved, claim.amount_paid) < 0:
                raise ValidationError(
                    _("Claim %(claim)s: amounts cannot be negative.", claim=claim.name)
                )

    @api.constrains("policy_id")
    def _check_policy_state(self):
        for claim in self:
            policy = claim.sudo().policy_id
            if policy.state not in CLAIMABLE_POLICY_STATES:
                raise ValidationError(
                    _(
                        "Claim %(claim)s: claims are filed on active or expired policies "
                        "only, and policy %(policy)s is %(state)s.",
                        claim=claim.name,
                        policy=policy.name,
                        state=dict(policy._fields["state"]._description_selection(self.env))[
                            policy.state
                        ],
                    )
                )

    @api.constrains("amount_paid", "policy_id")
    def _check_amount_paid(self):
        for claim in self:
            policy = claim.sudo().policy_id
            if policy.currency_id.compare_amounts(claim.amount_paid, policy.sum_insured) <= 0:
                continue
            if not claim.policy_id.has_access("read"):
                # a claim handler who cannot read the policy is not told its figures
                raise ValidationError(
                    _(
                        "Claim %(claim)s: the amount paid (%(paid)s) cannot exceed the sum "
                        "insured of its policy: ask the client's account manager.",
                        claim=claim.name,
                        paid=policy.currency_id.format(claim.amount_paid),
                    )
                )
            raise ValidationError(
                _(
                    "Claim %(claim)s: the amount paid (%(paid)s) cannot exceed the sum "
                    "insured of policy %(policy)s (%(sum)s).",
                    claim=claim.name,
                    paid=policy.currency_id.format(claim.amount_paid),
                    policy=policy.name,
                    sum=policy.currency_id.format(policy.sum_insured),
                )
            )

    @api.onchange("amount_paid", "amount_claimed")
    def _onchange_amount_paid_above_claimed(self):
        if self._is_paid_above_claimed():
            return {
                "warning": {
                    "title": _("Paid above the claimed amount"),
                    "message": _(
                        "The amount paid (%(paid)s) is above the amount claimed "
                        "(%(claimed)s): check the settlement. Saved as it is, the claim "
                        "gets a note and the account manager a to-do to review it.",
                        paid=self.currency_id.format(self.amount_paid),
                        claimed=self.currency_id.format(self.amount_claimed),
                    ),
                }
            }

    def _is_paid_above_claimed(self):
        self.ensure_one()
        currency = self.currency_id or self.env.company.currency_id
        return bool(self.amount_claimed) and (
            currency.compare_amounts(self.amount_paid, self.amount_claimed) > 0
        )

    def _flag_paid_above_claimed(self):
        """A note on each claim paid above what was claimed, and a to-do for
        the client's account manager to review it: accepted, not silent."""
        for claim in self.sudo():
            currency = claim.currency_id
            claim.message_post(
                body=_(
                    "Paid above the claimed amount: %(paid)s paid, %(claimed)s claimed.",
                    paid=currency.format(claim.amount_paid),
                    claimed=currency.format(claim.amount_claimed),
                ),
                subtype_xmlid="mail.mt_note",
            )
            if claim.account_manager_id:
                claim.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=_("Review a payment above the claimed amount"),
                    user_id=claim.account_manager_id.id,
                )

    @api.constrains("date_loss", "policy_id")
    def _check_date_loss(self):
        for claim in self:
            policy = claim.sudo().policy_id
            if policy.date_start <= claim.date_loss <= policy.date_end:
                continue
            if not claim.policy_id.has_access("read"):
                raise ValidationError(
                    _(
                        "Claim %(claim)s: the date of loss must fall within the cover of "
                        "its policy: ask the client's account manager.",
                        claim=claim.name,
                    )
                )
            raise ValidationError(
                _(
                    "Claim %(claim)s: the date of loss must fall within the cover of "
                    "policy %(policy)s (%(start)s to %(end)s).",
                    claim=claim.name,
                    policy=policy.name,
                    start=policy.date_start,
                    end=policy.date_end,
                )
            )

    @api.constrains("date_loss", "date_reported")
    def _check_date_reported(self):
        for claim in self:
            if claim.date_reported < claim.date_loss:
                raise ValidationError(
                    _(
                        "Claim %(claim)s: a loss cannot be reported before it happened.",
                        claim=claim.name,
                    )
                )

    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        # with the fields the read rules test
        field_names = with_rule_fields(self, field_names)
        return super().search_fetch(domain, field_names, offset, limit, order)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            self._check_policy_access(
                self.env["insurance.policy"].browse(
                    [vals["policy_id"] for vals in vals_list if vals.get("policy_id")]
                )
            )
        new = self.env._("New")
        to_number = [vals.get("name", new) == new for vals in vals_list]
        claims = super().create(vals_list)
        # Numbered once the claims passed their constraints and the access
        # checks: the claim sequence is a PostgreSQL sequence, whose numbers a
        # rollback does not give back, so a refused save uses up no number.
        for claim, needs_number in zip(claims, to_number, strict=True):
            if needs_number:
                claim.name = (
                    self.env["ir.sequence"]
                    .with_company(claim.company_id)
                    .next_by_code("insurance.claim")
                    or new
                )
        self.env["insurance.service.request"]._create_claim_requests(claims)
        claims.filtered(lambda claim: claim._is_paid_above_claimed())._flag_paid_above_claimed()
        return claims

    def write(self, vals):
        if not self.env.su and vals.get("policy_id"):
            # a claim moves only between policies the user may edit: its handler
            # does not take it into another book
            self.check_access("write")
            self._check_policy_access(
                self.policy_id | self.env["insurance.policy"].browse(vals["policy_id"])
            )
        amounts = {"amount_paid", "amount_claimed"} & set(vals)
        above_before = self.filtered(lambda c: c._is_paid_above_claimed()) if amounts else self
        result = super().write(vals)
        if amounts:
            (
                self.filtered(lambda c: c._is_paid_above_claimed()) - above_before
            )._flag_paid_above_claimed()
        if "stage_id" in vals:
            requests = (
                self.env["insurance.service.request"]
                .sudo()
                .search([("claim_id", "in", self.ids), ("type_code", "=", "claim")])
            )
            requests._sync_claim_stage()
        return result

    @api.model
    def _check_policy_access(self, policies):
        """A claim is filed on, or moved between, policies the user may edit:
        the policies of the clients they manage or back up (or their team's)."""
        if not policies.has_access("write"):
            raise AccessError(
                _(
                    "You can only file a claim on a policy of a client you manage: ask "
                    "the client's account manager."
                )
            )
