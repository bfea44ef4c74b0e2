from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_amount

from ..tools import tiering, validation


class InsuranceTierRule(models.Model):
    """An ordered rule giving clients a tier.

    Rules are tried in sequence order; the first one whose every criterion
    holds gives the client its tier (see :mod:`..tools.tiering`). A client no
    rule matches gets the fallback tier (the tier flagged "Fallback Tier",
    Retail out of the box). Amounts are compared in the currency of the
    client's company, as the client's annual premium is.
    """

    _name = "insurance.tier.rule"
    _description = "Client Tier Rule"
    _inherit = ["insurance.client.rule.mixin"]
    _check_company_auto = True
    _insurance_input_limits = {
        "min_policies": validation.COUNT,
        "max_loss_ratio": validation.POSITIVE_NUMBER,
    }

    tier_id = fields.Many2one(
        "insurance.client.tier",
        string="Tier",
        required=True,
        index=True,
        ondelete="restrict",
        help="The tier given to the clients this rule matches.",
    )
    tier_color = fields.Integer(related="tier_id.color", string="Tier Color")
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")
    # Criteria: all those set must hold
    min_premium = fields.Monetary(
        string="Minimum Annual Premium",
        help="Sum of the annual premiums of the client's active policies, at least.",
    )
    min_policies = fields.Integer(
        string="Minimum Active Policies", help="Number of active policies, at least."
    )
    loss_ratio_limited = fields.Boolean(
        string="Limit the Loss Ratio",
        help="Only match clients whose loss ratio over the last 12 months is at most "
        "the maximum below.",
    )
    max_loss_ratio = fields.Float(
        string="Maximum Loss Ratio (%)",
        default=70.0,
        help="Claims paid (by date of loss) over the premium of the policies in force, "
        "both over the last 12 months, in percent. A client with claims paid and no "
        "premium has an infinite ratio.",
    )
    line_ids = fields.Many2many(
        "insurance.line",
        string="Required Lines of Business",
        help="The client must hold an active policy in every one of these lines.",
    )
    note = fields.Text()
    criteria_summary = fields.Char(
        string="Criteria",
        compute="_compute_criteria_summary",
        help="What the rule asks of a client, from its thresholds: always up to date, "
        "whatever the rule's name says.",
    )

    _sql_constraints = [
        (
            "criteria_positive",
            "CHECK(min_premium >= 0 AND min_policies >= 0 AND max_loss_ratio >= 0)",
            "The minimum premium, minimum number of policies and maximum loss ratio "
            "of a tier rule cannot be negative.",
        ),
    ]

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for rule in self:
            rule.currency_id = rule.company_id.currency_id or self.env.company.currency_id

    @api.depends(
        "min_premium",
        "min_policies",
        "loss_ratio_limited",
        "max_loss_ratio",
        "line_ids",
        "partner_domain",
        "currency_id",
    )
    def _compute_criteria_summary(self):
        for rule in self:
            parts = []
            if rule.min_premium:
                parts.append(
                    _(
                        "premium ≥ %(amount)s",
                        amount=format_amount(self.env, rule.min_premium, rule.currency_id),
                    )
                )
            if rule.min_policies:
                parts.append(_("≥ %(count)s active policies", count=rule.min_policies))
            if rule.loss_ratio_limited:
                ratio = f"{rule.max_loss_ratio:g}"
                parts.append(_("loss ratio ≤ %(ratio)s %%", ratio=ratio))
            if rule.line_ids:
                parts.append(_("lines: %(lines)s", lines=", ".join(rule.line_ids.mapped("name"))))
            if (rule.partner_domain or "").strip() not in ("", "[]"):
                parts.append(_("client filter"))
            rule.criteria_summary = " · ".join(parts) if parts else _("every client")

    @api.constrains("tier_id", "active")
    def _check_tier_active(self):
        for rule in self:
            if rule.active and not rule.tier_id.active:
                raise ValidationError(
                    _(
                        "Tier rule %(rule)s gives the archived tier %(tier)s.",
                        rule=rule.display_name,
                        tier=rule.tier_id.display_name,
                    )
                )

    def _to_tiering_rules(self, matching_partner_ids):
        """The rules of ``self``, in order, as :class:`tiering.TierRule`.

        ``matching_partner_ids`` maps the id of each rule that has a client
        filter to the set of partner ids (of the batch) that pass it, as
        returned by :meth:`_partner_ids_matching`.
        """
        return [
            tiering.TierRule(
                rule_id=rule.id,
                tier_id=rule.tier_id.id,
                min_premium=rule.min_premium,
                min_policies=rule.min_policies,
                max_loss_ratio=rule.max_loss_ratio / 100.0 if rule.loss_ratio_limited else None,
                line_ids=frozenset(rule.line_ids.ids),
                partner_ids=(
                    frozenset(matching_partner_ids[rule.id])
                    if rule.id in matching_partner_ids
                    else None
                ),
            )
            for rule in self
        ]
