"""The tier decision, on plain data (no database)."""

import math
from datetime import date

from odoo.tests import BaseCase, tagged

from odoo.addons.insurance_account_manager.tools import tiering as t

KEY, GENERAL, RETAIL = 10, 20, 30
MOTOR, PROPERTY, CARGO = 1, 2, 3


def facts(**values):
    base = {"partner_id": 1, "annual_premium": 0.0, "active_policies": 0, "loss_ratio": 0.0}
    return t.ClientFacts(**{**base, **values})


def rule(rule_id, tier_id, **values):
    return t.TierRule(rule_id=rule_id, tier_id=tier_id, **values)


# The demo book's rules: key by premium, key by policies with a good loss
# ratio, general by premium; retail is the fallback.
RULES = [
    rule(1, KEY, min_premium=200_000),
    rule(2, KEY, min_policies=3, max_loss_ratio=0.70),
    rule(3, GENERAL, min_premium=20_000),
]


@tagged("post_install", "-at_install", "insurance")
class TestToolsTiering(BaseCase):
    """The tier decision on plain data."""

    def test_first_matching_rule_wins_in_the_order_given(self):
        client = facts(annual_premium=250_000, active_policies=4)
        assert t.decide_tier(client, RULES, RETAIL) == (KEY, 1)
        # the same client against the same rules in another order
        reordered = [RULES[2], RULES[0], RULES[1]]
        assert t.decide_tier(client, reordered, RETAIL) == (GENERAL, 3)

    def test_second_rule_catches_what_the_first_misses(self):
        client = facts(annual_premium=50_000, active_policies=3, loss_ratio=0.5)
        assert t.decide_tier(client, RULES, RETAIL) == (KEY, 2)

    def test_fallback_when_no_rule_matches(self):
        assert t.decide_tier(facts(annual_premium=19_999.99), RULES, RETAIL) == (RETAIL, None)
        assert t.decide_tier(facts(), [], RETAIL) == (RETAIL, None)
        assert t.decide_tier(facts(), RULES, None) == (None, None)

    def test_premium_bound_is_inclusive(self):
        for premium, expected in [
            (200_000, (KEY, 1)),
            (199_999.99, (GENERAL, 3)),
            (20_000, (GENERAL, 3)),
            (19_999.99, (RETAIL, None)),
        ]:
            with self.subTest(premium=premium):
                got = t.decide_tier(facts(annual_premium=premium), RULES, RETAIL)
                self.assertEqual(got, expected)

    def test_policy_count_bound_is_inclusive(self):
        for policies, expected in [(3, (KEY, 2)), (2, (RETAIL, None))]:
            with self.subTest(policies=policies):
                client = facts(active_policies=policies, loss_ratio=0.1)
                self.assertEqual(t.decide_tier(client, RULES, RETAIL), expected)

    def test_loss_ratio_bound_is_inclusive(self):
        for paid, premium, expected in [
            (7_000, 10_000, (KEY, 2)),  # exactly 70 %
            (14_000, 20_000, (KEY, 2)),  # 70 % again, other float
            (7_000.01, 10_000, (RETAIL, None)),  # one cent beyond
            (7_001, 10_000, (RETAIL, None)),  # one unit beyond
        ]:
            with self.subTest(paid=paid, premium=premium):
                client = facts(active_policies=3, loss_ratio=t.loss_ratio(paid, premium))
                self.assertEqual(t.decide_tier(client, RULES, RETAIL), expected)

    def test_loss_ratio_without_premium(self):
        assert t.loss_ratio(0, 0) == 0.0
        assert t.loss_ratio(100, 0) == math.inf
        assert t.loss_ratio(50, 200) == 0.25
        # a loss without premium never passes a loss-ratio limit, whatever its size
        client = facts(active_policies=5, loss_ratio=t.loss_ratio(1, 0))
        assert t.decide_tier(client, RULES, RETAIL) == (RETAIL, None)
        # ... but a rule without limit ignores it
        assert t.decide_tier(client, [rule(9, GENERAL, min_policies=5)], RETAIL) == (GENERAL, 9)

    def test_required_lines_must_all_be_held(self):
        marine_key = [rule(1, KEY, line_ids=frozenset({PROPERTY, CARGO}))]
        both = facts(line_ids=frozenset({MOTOR, PROPERTY, CARGO}))
        one = facts(line_ids=frozenset({PROPERTY}))
        assert t.decide_tier(both, marine_key, RETAIL) == (KEY, 1)
        assert t.decide_tier(one, marine_key, RETAIL) == (RETAIL, None)
        assert t.decide_tier(facts(), marine_key, RETAIL) == (RETAIL, None)

    def test_partner_domain_set(self):
        only_7 = [rule(1, KEY, partner_ids=frozenset({7}))]
        nobody = [rule(1, KEY, partner_ids=frozenset())]
        assert t.decide_tier(facts(partner_id=7), only_7, RETAIL) == (KEY, 1)
        assert t.decide_tier(facts(partner_id=8), only_7, RETAIL) == (RETAIL, None)
        # an empty match set (domain that matches none of the batch) is not "no domain"
        assert t.decide_tier(facts(partner_id=7), nobody, RETAIL) == (RETAIL, None)

    def test_every_criterion_of_a_rule_must_hold(self):
        strict = [
            rule(
                1,
                KEY,
                min_premium=100,
                min_policies=2,
                max_loss_ratio=0.5,
                line_ids=frozenset({MOTOR}),
                partner_ids=frozenset({1}),
            )
        ]
        good = {
            "annual_premium": 100,
            "active_policies": 2,
            "loss_ratio": 0.5,
            "line_ids": frozenset({MOTOR}),
        }
        assert t.decide_tier(facts(**good), strict, RETAIL) == (KEY, 1)
        for name, bad in [
            ("annual_premium", 99),
            ("active_policies", 1),
            ("loss_ratio", 0.51),
            ("line_ids", frozenset({PROPERTY})),
            ("partner_id", 2),
        ]:
            assert t.decide_tier(facts(**{**good, name: bad}), strict, RETAIL) == (RETAIL, None), (
                name
            )

    def test_earned_premium_pro_rata_of_days_in_window(self):
        first, last = date(2025, 7, 2), date(2026, 7, 1)  # 365 days
        # a term fully inside the window: all of it
        assert t.earned_premium(1000, date(2025, 8, 1), date(2026, 5, 31), first, last) == 1000
        # a term that started before the window: its days inside only (2025-07-02 .. 2025-12-31)
        assert t.earned_premium(365, date(2025, 1, 1), date(2025, 12, 31), first, last) == 183
        # a term that started ten days ago: ten days earned (today included)
        assert t.earned_premium(365, date(2026, 6, 22), date(2027, 6, 21), first, last) == 10
        # ended the day before the window, or starts after it: nothing
        assert t.earned_premium(365, date(2024, 7, 2), date(2025, 7, 1), first, last) == 0.0
        assert t.earned_premium(365, date(2026, 7, 2), date(2027, 7, 1), first, last) == 0.0
        # a renewed client: expired term and current term add up to a year of premium
        expired = t.earned_premium(365, date(2025, 3, 1), date(2026, 2, 28), first, last)
        current = t.earned_premium(365, date(2026, 3, 1), date(2027, 2, 28), first, last)
        assert expired + current == 365
