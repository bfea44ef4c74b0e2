"""Which tier a client falls in.

Pure functions over plain data: the ORM gathers the facts of a batch of clients
in a few grouped queries, calls :func:`decide_tier` for each, and writes the
results back in batches.
"""

import math
from dataclasses import dataclass, field

# Loss ratios are quotients of two money amounts: a ratio that equals the limit
# on paper (7,000 / 10,000 against 70 %) must not fail on a float rounding.
LOSS_RATIO_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ClientFacts:
    """What the tier rules look at for one client."""

    partner_id: int
    annual_premium: float = 0.0
    active_policies: int = 0
    # claims paid / premium earned over the last 12 months (see :func:`loss_ratio`
    # and :func:`earned_premium`)
    loss_ratio: float = 0.0
    line_ids: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class TierRule:
    """One ordered tiering rule; every criterion set must hold for a match.

    ``max_loss_ratio`` is a fraction (0.7 for 70 %), ``None`` for no limit.

    ``partner_ids`` is the set of clients (of the batch) that match the rule's
    partner domain, or ``None`` when the rule has no domain.
    """

    rule_id: int
    tier_id: int
    min_premium: float = 0.0
    min_policies: int = 0
    max_loss_ratio: float | None = None
    line_ids: frozenset = field(default_factory=frozenset)
    partner_ids: frozenset | None = None


def loss_ratio(claims_paid, premium):
    """Claims paid over premium; a loss without premium is an infinite ratio."""
    if premium > 0:
        return claims_paid / premium
    return math.inf if claims_paid > 0 else 0.0


def earned_premium(premium, date_start, date_end, window_first, window_last):
    """The part of an annual ``premium`` (cover ``date_start`` to ``date_end``,
    both included) earned within ``window_first`` to ``window_last`` (both
    included): pro rata of the days of cover in the window."""
    cover_days = (date_end - date_start).days + 1
    if cover_days <= 0:
        return 0.0
    overlap_days = (min(date_end, window_last) - max(date_start, window_first)).days + 1
    if overlap_days <= 0:
        return 0.0
    return premium * overlap_days / cover_days


def rule_matches(rule, facts):
    """Whether ``facts`` meet every criterion of ``rule`` (bounds inclusive)."""
    if facts.annual_premium < rule.min_premium:
        return False
    if facts.active_policies < rule.min_policies:
        return False
    if (
        rule.max_loss_ratio is not None
        and facts.loss_ratio > rule.max_loss_ratio + LOSS_RATIO_TOLERANCE
    ):
        return False
    if rule.line_ids and not rule.line_ids <= facts.line_ids:
        return False
    if rule.partner_ids is not None and facts.partner_id not in rule.partner_ids:
        return False
    return True


def decide_tier(facts, rules, fallback_tier_id):
    """Return ``(tier_id, rule_id)``: the first matching rule wins, in the
    order given; when none matches, ``(fallback_tier_id, None)``."""
    for rule in rules:
        if rule_matches(rule, facts):
            return rule.tier_id, rule.rule_id
    return fallback_tier_id, None
