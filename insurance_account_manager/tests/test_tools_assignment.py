"""The assignment decision, on plain data (no database)."""

from odoo.tests import BaseCase, tagged

from odoo.addons.insurance_account_manager.tools import assignment as a

MOTOR, PROPERTY = 1, 2
KEY, RETAIL = 10, 30
CN, VN = 100, 200
HLJ = 1000  # Heilongjiang


def need(**values):
    base = {"partner_id": 1, "tier_id": KEY, "weight": 5.0, "line_ids": frozenset({MOTOR})}
    return a.ClientNeed(**{**base, **values})


def manager(user_id, **values):
    base = {"user_id": user_id, "capacity": 100.0, "line_ids": frozenset({MOTOR, PROPERTY})}
    return a.Manager(**{**base, **values})


def rule(rule_id=1, candidates=(1, 2, 3), **values):
    return a.AssignmentRule(rule_id=rule_id, candidate_ids=tuple(candidates), **values)


@tagged("post_install", "-at_install", "insurance")
class TestToolsAssignment(BaseCase):
    """The assignment decision on plain data."""

    def test_least_loaded_takes_lowest_ratio_not_lowest_load(self):
        managers = {
            1: manager(1, load=40, capacity=100),  # 40 %
            2: manager(2, load=30, capacity=50),  # 60 %
            3: manager(3, load=50, capacity=200),  # 25 %
        }
        assert a.pick_manager(need(), [rule()], managers) == (3, 1, None)

    def test_least_loaded_tie_goes_to_lower_load_then_id(self):
        managers = {1: manager(1, load=10, capacity=100), 2: manager(2, load=5, capacity=50)}
        assert a.pick_manager(need(), [rule(candidates=(1, 2))], managers)[0] == 2
        managers = {1: manager(1, load=10), 2: manager(2, load=10)}
        assert a.pick_manager(need(), [rule(candidates=(2, 1))], managers)[0] == 1

    def test_round_robin_goes_round_and_skips_the_full(self):
        managers = {1: manager(1), 2: manager(2, load=98), 3: manager(3)}
        r = rule(strategy=a.ROUND_ROBIN)
        picked = []
        for _ in range(4):
            user_id, _rule_id, _reason = a.pick_manager(need(), [r], managers)
            a.take(managers[user_id], need(), r)
            picked.append(user_id)
        assert picked == [1, 3, 1, 3]  # 2 has 2 units left, a key client weighs 5

    def test_capacity_is_never_exceeded_and_boundary_is_inclusive(self):
        managers = {1: manager(1, load=95, capacity=100)}
        r = rule(candidates=(1,))
        assert a.pick_manager(need(weight=5), [r], managers)[0] == 1  # 100 of 100: fits
        a.take(managers[1], need(weight=5), r)
        assert a.pick_manager(need(weight=0.5), [r], managers) == (None, None, a.NO_CAPACITY)

    def test_qualification_required_for_every_line(self):
        managers = {1: manager(1, line_ids=frozenset({MOTOR})), 2: manager(2, line_ids=frozenset())}
        both = need(line_ids=frozenset({MOTOR, PROPERTY}))
        assert a.pick_manager(both, [rule(candidates=(1, 2))], managers) == (
            None,
            None,
            a.NOT_QUALIFIED,
        )
        assert a.pick_manager(need(), [rule(candidates=(1, 2))], managers)[0] == 1

    def test_manager_without_valid_licence_takes_no_client(self):
        # every licence lapsed while Settings require one: not even a client
        # without lines of business
        managers = {1: manager(1, qualified=False), 2: manager(2)}
        assert a.refusal(managers[1], need()) == a.NOT_QUALIFIED
        assert a.pick_manager(need(), [rule(candidates=(1,))], managers) == (
            None,
            None,
            a.NOT_QUALIFIED,
        )
        assert a.pick_manager(need(), [rule(candidates=(1, 2))], managers)[0] == 2

    def test_manager_region_and_language_filters(self):
        managers = {
            1: manager(1, country_ids=frozenset({VN})),
            2: manager(2, state_ids=frozenset({HLJ}), langs=frozenset({"zh_CN"})),
        }
        client = need(country_id=CN, state_id=HLJ, lang="zh_CN")
        assert a.pick_manager(client, [rule(candidates=(1, 2))], managers)[0] == 2
        english = need(country_id=CN, state_id=HLJ, lang="en_US")
        assert a.pick_manager(english, [rule(candidates=(1, 2))], managers)[2] == a.OUT_OF_REGION

    def test_rule_filters_tier_lines_region_and_domain(self):
        managers = {1: manager(1), 2: manager(2)}
        rules = [
            rule(1, candidates=(1,), tier_ids=frozenset({RETAIL})),
            rule(2, candidates=(1,), line_ids=frozenset({PROPERTY})),
            rule(3, candidates=(1,), country_ids=frozenset({VN})),
            rule(4, candidates=(1,), has_domain=True),
            rule(5, candidates=(2,)),
        ]
        assert a.pick_manager(need(country_id=CN), rules, managers) == (2, 5, None)
        assert a.pick_manager(need(domain_rule_ids=frozenset({4})), rules, managers) == (1, 4, None)

    def test_first_applicable_rule_with_room_wins_else_next_rule(self):
        managers = {1: manager(1, load=100), 2: manager(2)}
        rules = [rule(1, candidates=(1,)), rule(2, candidates=(2,))]
        assert a.pick_manager(need(), rules, managers) == (2, 2, None)

    def test_absent_manager_backup_takes_new_work(self):
        managers = {1: manager(1, present=False, backup_id=2), 2: manager(2, load=50)}
        assert a.pick_manager(need(), [rule(candidates=(1,))], managers) == (2, 1, None)
        # no backup (or backup unknown to the run): absent
        managers = {1: manager(1, present=False)}
        assert a.pick_manager(need(), [rule(candidates=(1,))], managers)[2] == a.ABSENT
        # an absent backup does not stand in for an absent manager (one hop only)
        managers = {1: manager(1, present=False, backup_id=2), 2: manager(2, present=False)}
        assert a.pick_manager(need(), [rule(candidates=(1,))], managers)[2] == a.ABSENT

    def test_reasons_when_nobody_fits(self):
        assert a.pick_manager(need(), [], {}) == (None, None, a.NO_RULE)
        assert a.pick_manager(need(), [rule(candidates=())], {}) == (None, None, a.NO_CANDIDATE)
        # several reasons: the closest miss (capacity beats qualification)
        managers = {1: manager(1, line_ids=frozenset()), 2: manager(2, load=100)}
        assert a.pick_manager(need(), [rule(candidates=(1, 2))], managers)[2] == a.NO_CAPACITY

    def test_zero_capacity_manager_never_takes_anything(self):
        managers = {1: manager(1, capacity=0)}
        assert (
            a.pick_manager(need(weight=0.1), [rule(candidates=(1,))], managers)[2] == a.NO_CAPACITY
        )
