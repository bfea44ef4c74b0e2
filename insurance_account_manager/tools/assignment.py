"""Which account manager a client goes to.

Pure functions over plain data. The ORM reads the rules, the candidate managers
and their current loads once per run, then calls :func:`pick_manager` for each
client; :func:`take` keeps the loads up to date within the run so that no
manager goes above capacity.
"""

from dataclasses import dataclass, field

LEAST_LOADED = "least_loaded"
ROUND_ROBIN = "round_robin"

# Reasons a client stays unassigned (shown on the client, for the team lead).
NO_RULE = "no_rule"
NO_CANDIDATE = "no_candidate"
NOT_QUALIFIED = "not_qualified"
OUT_OF_REGION = "out_of_region"
ABSENT = "absent"
NO_CAPACITY = "no_capacity"

# When several reasons rule candidates out, the one shown is the "closest miss":
# the latest check that any candidate failed.
REASON_ORDER = (NO_RULE, NO_CANDIDATE, NOT_QUALIFIED, OUT_OF_REGION, ABSENT, NO_CAPACITY)


@dataclass(frozen=True)
class ClientNeed:
    """What one client asks of its manager."""

    partner_id: int
    tier_id: int | None
    weight: float
    line_ids: frozenset = field(default_factory=frozenset)
    country_id: int | None = None
    state_id: int | None = None
    lang: str | None = None
    # assignment rules whose partner domain this client matches
    domain_rule_ids: frozenset = field(default_factory=frozenset)
    # None: a client shared by every company
    company_id: int | None = None


@dataclass
class Manager:
    """A candidate manager as the run sees them."""

    user_id: int
    capacity: float
    load: float = 0.0
    # lines of business covered by a valid (unexpired) qualification
    line_ids: frozenset = field(default_factory=frozenset)
    # False when Settings require a valid qualification and the manager holds
    # none (every licence lapsed): no client at all, even one without lines
    qualified: bool = True
    # empty: serves every region / language
    country_ids: frozenset = field(default_factory=frozenset)
    state_ids: frozenset = field(default_factory=frozenset)
    langs: frozenset = field(default_factory=frozenset)
    present: bool = True
    backup_id: int | None = None
    # companies the manager works for; empty: any
    company_ids: frozenset = field(default_factory=frozenset)

    def ratio(self):
        return self.load / self.capacity if self.capacity > 0 else float("inf")


@dataclass
class AssignmentRule:
    rule_id: int
    candidate_ids: tuple
    strategy: str = LEAST_LOADED
    tier_ids: frozenset = field(default_factory=frozenset)
    line_ids: frozenset = field(default_factory=frozenset)
    country_ids: frozenset = field(default_factory=frozenset)
    state_ids: frozenset = field(default_factory=frozenset)
    has_domain: bool = False
    # round robin: the last manager this rule gave a client to
    last_user_id: int | None = None


def rule_applies(rule, need):
    """Whether ``rule`` is meant for this client (tier, lines, region, domain)."""
    if rule.tier_ids and need.tier_id not in rule.tier_ids:
        return False
    if rule.line_ids and not (rule.line_ids & need.line_ids):
        return False
    if rule.country_ids and need.country_id not in rule.country_ids:
        return False
    if rule.state_ids and need.state_id not in rule.state_ids:
        return False
    if rule.has_domain and rule.rule_id not in need.domain_rule_ids:
        return False
    return True


def refusal(manager, need):
    """Why ``manager`` cannot take the client, or ``None`` when they can."""
    if need.company_id and manager.company_ids and need.company_id not in manager.company_ids:
        return NO_CANDIDATE  # the rule names no manager of the client's company
    if not manager.qualified or not need.line_ids <= manager.line_ids:
        return NOT_QUALIFIED
    if manager.country_ids and need.country_id not in manager.country_ids:
        return OUT_OF_REGION
    if manager.state_ids and need.state_id not in manager.state_ids:
        return OUT_OF_REGION
    if manager.langs and need.lang and need.lang not in manager.langs:
        return OUT_OF_REGION
    if not manager.present:
        return ABSENT
    if manager.load + need.weight > manager.capacity:
        return NO_CAPACITY
    return None


def _stand_in(manager, managers):
    """The manager who takes new work for ``manager``: their backup while they
    are absent (one hop only), else themselves."""
    if not manager.present and manager.backup_id in managers:
        return managers[manager.backup_id]
    return manager


def eligible(rule, need, managers):
    """Candidates of ``rule`` able to take ``need``, in the rule's order, and
    the reason when there is none."""
    result, reasons, seen = [], set(), set()
    for user_id in rule.candidate_ids:
        manager = managers.get(user_id)
        if manager is None:
            continue
        manager = _stand_in(manager, managers)
        if manager.user_id in seen:
            continue
        seen.add(manager.user_id)
        reason = refusal(manager, need)
        if reason:
            reasons.add(reason)
        else:
            result.append(manager)
    if result:
        return result, None
    if not reasons:
        return [], NO_CANDIDATE
    return [], max(reasons, key=REASON_ORDER.index)


def choose(rule, candidates):
    """One manager among eligible ``candidates`` according to the rule's strategy."""
    if rule.strategy == ROUND_ROBIN:
        order = [manager.user_id for manager in candidates]
        ring = list(rule.candidate_ids)
        if rule.last_user_id in ring:
            start = ring.index(rule.last_user_id) + 1
            ring = ring[start:] + ring[:start]
        for user_id in ring:
            if user_id in order:
                return candidates[order.index(user_id)]
        return candidates[0]  # a backup standing in for an absent candidate
    return min(candidates, key=lambda manager: (manager.ratio(), manager.load, manager.user_id))


def pick_manager(need, rules, managers):
    """Return ``(user_id, rule_id, reason)`` for one client.

    Rules are tried in order; the first rule that applies to the client and
    has an eligible candidate gives the manager. ``reason`` is ``None`` on
    success, else why no manager could take the client (from the first rule
    that applied, or :data:`NO_RULE`).
    """
    first_reason = None
    for rule in rules:
        if not rule_applies(rule, need):
            continue
        candidates, reason = eligible(rule, need, managers)
        if candidates:
            manager = choose(rule, candidates)
            return manager.user_id, rule.rule_id, None
        first_reason = first_reason or reason
    return None, None, first_reason or NO_RULE


def take(manager, need, rule=None):
    """Book the client on ``manager`` for the rest of the run."""
    manager.load += need.weight
    if rule is not None and rule.strategy == ROUND_ROBIN:
        rule.last_user_id = manager.user_id
