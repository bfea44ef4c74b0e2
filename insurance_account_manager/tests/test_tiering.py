"""Client tiers: rules, fallback, locks, history, activities, scheduled
recompute, access and query budget.

All tests run on 2026-06-30: the common book's policies (2026-01-01 to
2026-12-31) are in force, and the loss-ratio window is 2025-07-01 to
2026-06-30. The demo tier rules, if any, are archived; the rules are those of
the demo book:

========  =====  ==========================================================
sequence  tier   criteria
========  =====  ==========================================================
1         key    annual premium >= 200,000
2         key    >= 3 active policies and loss ratio <= 70 %
3         general annual premium >= 20,000
(none)    retail fallback tier
========  =====  ==========================================================

So Harbin (42,000 over two policies) is general, Dalian (8,000) and Shenyang
(5,000) retail.
"""

from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged, users
from odoo.tools import mute_logger

from odoo.addons.insurance_account_manager.models import res_partner_tiering as tiering_module
from odoo.addons.insurance_account_manager.tools import service as service_tools
from odoo.addons.insurance_account_manager.tools import tiering as tiering_tools

from .common import InsuranceCommon

TODAY = date(2026, 6, 30)
# Queries of one recompute batch where tiers change, whatever its size.
# Measured: 34 for 50 and for 500 clients of the scheduled action with
# tracking on (nine in ten moving, one in ten moving up to key), 22 for 10 and
# for 500 clients of _recompute_insurance_tiers with tracking off: the batch
# and its users 3, the facts 1 grouped query + the companies 1, rules and
# fallback 5 (one rule with a client filter), the tier UPDATE and its
# dependants (service requests) 3, the chatter 4 (author, field, one INSERT),
# history 1, key tier 3, the managers as followers 2 and their activities 1,
# the run 3, the needs analyses whose renewal date follows the tier 1.
TIER_QUERY_BUDGET = 34
# Queries of creating active policies for new clients, whatever their number.
# Measured: 26 for 1 and for 50 (tracking off): the policies and the clients'
# premium, the Settings switch, then one recompute of their tiers (rows, facts,
# rules, UPDATE, history, the needs analyses) and the automatic-assignment
# check.
TIER_BOOK_CHANGE_BUDGET = 26
# Queries of a batch of the scheduled action where no tier changes, whatever
# its size, caches empty as in a new transaction. Measured: 13 for 50 and for
# 500 clients: the current user 2, the run 2, the batch 1, the companies 1,
# the facts 1, the rules, their lines and client filter 4, the fallback 1,
# the run's position 1.
TIER_NO_CHANGE_BUDGET = 13
# Queries of each further unchanged batch of the same call: the batch, its
# facts and the search of the one rule with a client filter (the run, the
# rules and the fallback are read, and the position written, once per call).
TIER_NO_CHANGE_NEXT_BATCH_QUERIES = 3


class TieringCommon(InsuranceCommon):
    freeze_time = "2026-06-30 09:00:00"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.Rule = cls.env["insurance.tier.rule"]
        cls.tier_key = cls.env.ref("insurance_account_manager.insurance_client_tier_key")
        cls.tier_general = cls.env.ref("insurance_account_manager.insurance_client_tier_general")
        cls.tier_retail = cls.env.ref("insurance_account_manager.insurance_client_tier_retail")
        (cls.tier_key | cls.tier_general | cls.tier_retail).write({"active": True})
        cls.tier_retail.is_fallback = True
        cls.Rule.search([]).active = False  # the rules of the demo data, if any
        cls.rule_key_premium = cls.Rule.create(
            {
                "name": "Key: large premium",
                "sequence": 1,
                "tier_id": cls.tier_key.id,
                "min_premium": 200000,
            }
        )
        cls.rule_key_policies = cls.Rule.create(
            {
                "name": "Key: broad and profitable",
                "sequence": 2,
                "tier_id": cls.tier_key.id,
                "min_policies": 3,
                "loss_ratio_limited": True,
                "max_loss_ratio": 70,
            }
        )
        cls.rule_general = cls.Rule.create(
            {
                "name": "General: mid premium",
                "sequence": 3,
                "tier_id": cls.tier_general.id,
                "min_premium": 20000,
            }
        )
        cls.book = cls.client_harbin | cls.client_dalian | cls.client_shenyang
        # Automatic Client Tiering on (off in the common base): a client gets
        # its tier as soon as its book changes; the book starts without tiers
        cls.env.ref(tiering_module.TIER_CRON_XMLID).active = True

    @classmethod
    def _new_client(
        cls, name, premiums=(), line=None, cover=(date(2026, 1, 1), date(2026, 12, 31)), **values
    ):
        """A client holding one active policy per premium."""
        client = cls.Partner.create({"name": name, "is_insurance_client": True, **values})
        for index, premium in enumerate(premiums):
            cls._create_policy(
                f"{name[:10]}-{index}-{client.id}",
                client,
                line or cls.line_motor,
                premium,
                10 * premium or 1000,
                date_start=cover[0],
                date_end=cover[1],
            )
        return client

    def _history(self, client):
        return self.env["insurance.tier.history"].search(
            [("partner_id", "=", client.id)], order="id"
        )

    def _key_activities(self, clients):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "in", clients.ids),
                ("summary", "ilike", "Key Client"),
            ]
        )


@tagged("post_install", "-at_install", "insurance")
class TestTierRules(TieringCommon):
    def test_rules_give_tiers_and_fallback_catches_the_rest(self):
        changed = self.book._recompute_insurance_tiers()
        self.assertEqual(changed, self.book)
        self.assertEqual(self.client_harbin.insurance_tier_id, self.tier_general)
        self.assertEqual(self.client_dalian.insurance_tier_id, self.tier_retail)
        self.assertEqual(self.client_shenyang.insurance_tier_id, self.tier_retail)
        # nothing changed: a second run writes no history
        self.assertFalse(self.book._recompute_insurance_tiers())
        self.assertEqual(len(self._history(self.client_harbin)), 1)

    def test_first_matching_rule_wins(self):
        self._create_policy("T-LIAB-H", self.client_harbin, self.line_liability, 1000, 10000)
        self.book._recompute_insurance_tiers()
        # three active policies, no claim: key by the second rule, though general fits too
        self.assertEqual(self.client_harbin.insurance_tier_id, self.tier_key)
        self.assertEqual(self._history(self.client_harbin).rule_id, self.rule_key_policies)
        self.rule_general.sequence = 0
        self.book._recompute_insurance_tiers()
        self.assertEqual(self.client_harbin.insurance_tier_id, self.tier_general)
        last = self._history(self.client_harbin)[-1]
        self.assertEqual(last.rule_id, self.rule_general)
        self.assertEqual((last.old_tier_id, last.new_tier_id), (self.tier_key, self.tier_general))

    def test_premium_bounds_are_inclusive(self):
        clients = [
            self._new_client("Key At Limit", [150000, 50000]),
            self._new_client("Key Below", [150000, 49999.99]),
            self._new_client("General At Limit", [20000]),
            self._new_client("General Below", [19999.99]),
        ]
        self.Partner.union(*clients)._recompute_insurance_tiers()
        tiers = [client.insurance_tier_id for client in clients]
        self.assertEqual(
            tiers, [self.tier_key, self.tier_general, self.tier_general, self.tier_retail]
        )

    def test_policy_count_and_loss_ratio_bounds_are_inclusive(self):
        # cover exactly the loss-ratio window: premium earned in full (3 x 5,000)
        window = (date(2025, 7, 1), date(2026, 6, 30))
        at_limit = self._new_client("Ratio At Limit", [5000] * 3, cover=window)
        beyond = self._new_client("Ratio Beyond", [5000] * 3, cover=window)
        two = self._new_client("Two Policies", [5000] * 2, cover=window)
        for client, paid in ((at_limit, 10500), (beyond, 10501)):
            self._create_claim(
                client.insurance_policy_ids[0], amount_claimed=paid, amount_paid=paid
            )
        clients = at_limit | beyond | two
        clients._recompute_insurance_tiers()
        self.assertEqual(at_limit.insurance_tier_id, self.tier_key)  # 10,500 / 15,000 = 70 %
        self.assertEqual(beyond.insurance_tier_id, self.tier_retail)  # 70.007 %
        self.assertEqual(two.insurance_tier_id, self.tier_retail)  # no loss, 2 policies

    def test_loss_ratio_counts_claims_of_the_last_twelve_months_only(self):
        window = (date(2025, 7, 1), date(2026, 6, 30))
        client = self._new_client(
            "Old Loss", [5000] * 3, cover=(date(2025, 6, 1), date(2026, 5, 31))
        )
        self._create_policy(
            "OLD-R-1", client, self.line_motor, 1, 10, date_start=window[0], date_end=window[1]
        )
        old_claim = self._create_claim(
            client.insurance_policy_ids.sorted("id")[0],
            date_loss=date(2025, 6, 20),
            date_reported=date(2025, 6, 21),
            amount_claimed=14000,
            amount_paid=14000,
        )
        client._recompute_insurance_tiers()
        self.assertEqual(client.insurance_tier_id, self.tier_key, "a loss before the window")
        old_claim.write({"date_loss": date(2025, 7, 1), "date_reported": date(2025, 7, 1)})
        client._recompute_insurance_tiers()
        self.assertEqual(client.insurance_tier_id, self.tier_retail)

    def test_claims_without_premium_fail_a_loss_ratio_limit(self):
        # three policies still to start: no premium earned, so any paid claim is too much
        client = self._new_client(
            "No Premium", [1000] * 3, cover=(date(2026, 7, 1), date(2027, 6, 30))
        )
        client._recompute_insurance_tiers()
        self.assertEqual(client.insurance_tier_id, self.tier_key)  # no loss at all: 0 %
        expired = self._create_policy(
            "NP-OLD",
            client,
            self.line_motor,
            0,
            5000,
            date_start=date(2025, 6, 1),
            date_end=date(2026, 5, 31),
            state="expired",
        )
        self._create_claim(expired, amount_claimed=10, amount_paid=10)
        client._recompute_insurance_tiers()
        self.assertEqual(client.insurance_tier_id, self.tier_retail)

    def test_required_lines_and_client_filter(self):
        self.Rule.create(
            {
                "name": "Key: motor and property",
                "sequence": 0,
                "tier_id": self.tier_key.id,
                "line_ids": [Command.set((self.line_motor | self.line_property).ids)],
            }
        )
        self.Rule.create(
            {
                "name": "General: port clients",
                "sequence": 0,
                "tier_id": self.tier_general.id,
                "partner_domain": "[('name', 'ilike', 'Port')]",
            }
        )
        self.book._recompute_insurance_tiers()
        self.assertEqual(self.client_harbin.insurance_tier_id, self.tier_key)  # both lines
        self.assertEqual(self.client_dalian.insurance_tier_id, self.tier_general)  # "Port"
        self.assertEqual(self.client_shenyang.insurance_tier_id, self.tier_retail)

    def test_facts_in_sql_are_those_of_the_pure_functions(self):
        """The batch's grouped query earns each premium as
        tiering.earned_premium does, and the loss ratio is tiering.loss_ratio."""
        client = self._new_client("Facts")
        policies = [
            # (premium, start, end, state)
            (3650, date(2025, 1, 1), date(2025, 12, 31), "expired"),
            (1234.56, date(2025, 8, 15), date(2026, 8, 14), "active"),
            (999.99, date(2026, 6, 1), date(2027, 5, 31), "active"),
            (5000, date(2024, 7, 1), date(2025, 6, 30), "expired"),  # before the window
            (777, date(2026, 7, 1), date(2027, 6, 30), "active"),  # not started yet
        ]
        for n, (premium, start, end, state) in enumerate(policies):
            policy = self._create_policy(
                f"FACTS-{n}",
                client,
                self.line_liability if n == 2 else self.line_motor,
                premium,
                100000,
                date_start=start,
                date_end=end,
                state=state,
            )
            if n == 1:
                self._create_claim(policy, amount_claimed=1500, amount_paid=1500)
        facts = self.Partner._insurance_tier_facts(client._insurance_tier_rows(), TODAY)[client.id]
        window_first = date(2025, 7, 1)
        earned = sum(
            tiering_tools.earned_premium(premium, start, end, window_first, TODAY)
            for premium, start, end, _state in policies
        )
        self.assertAlmostEqual(facts.loss_ratio, tiering_tools.loss_ratio(1500, earned), places=12)
        self.assertEqual(facts.active_policies, 3)
        self.assertEqual(facts.line_ids, frozenset((self.line_motor | self.line_liability).ids))

    def test_rules_show_their_thresholds(self):
        premium = self.rule_key_premium
        self.assertIn("premium ≥", premium.criteria_summary)
        self.assertIn("200,000", premium.criteria_summary)
        premium.min_premium = 250000
        self.assertIn("250,000", premium.criteria_summary)
        self.assertNotIn("200,000", premium.criteria_summary)
        self.assertEqual(
            self.rule_key_policies.criteria_summary, "≥ 3 active policies · loss ratio ≤ 70 %"
        )
        self.rule_key_policies.write(
            {"max_loss_ratio": 65.5, "line_ids": [Command.set(self.line_motor.ids)]}
        )
        self.assertEqual(
            self.rule_key_policies.criteria_summary,
            f"≥ 3 active policies · loss ratio ≤ 65.5 % · lines: {self.line_motor.name}",
        )
        self.rule_general.write({"min_premium": 0, "partner_domain": "[('is_company', '=', True)]"})
        self.assertEqual(self.rule_general.criteria_summary, "client filter")
        self.rule_general.partner_domain = False
        self.assertEqual(self.rule_general.criteria_summary, "every client")

    def test_fallback_tier_from_settings(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.insurance_fallback_tier_id, self.tier_retail)
        settings.insurance_fallback_tier_id = self.tier_general
        settings.execute()
        self.assertTrue(self.tier_general.is_fallback)
        self.assertFalse(self.tier_retail.is_fallback, "only one fallback tier")
        self.book._recompute_insurance_tiers()
        self.assertEqual(self.client_dalian.insurance_tier_id, self.tier_general)
        history = self._history(self.client_dalian)
        self.assertEqual(history.origin, "fallback")
        self.assertFalse(history.rule_id)
        # without fallback tier, clients no rule matches have no tier
        self.tier_general.is_fallback = False
        self.book._recompute_insurance_tiers()
        self.assertFalse(self.client_dalian.insurance_tier_id)
        self.assertEqual(self.client_harbin.insurance_tier_id, self.tier_general)

    def test_client_filter_is_checked_when_saved(self):
        for domain, message in [
            ("[('name', '=', 'x'", "not a valid domain"),
            ("{'name': 'x'}", "must be a list"),
            ("[('no_such_field', '=', 1)]", "cannot be applied"),
            ("[('name', '=', __import__('os').getcwd())]", "not a valid domain"),
        ]:
            with self.assertRaisesRegex(ValidationError, message):
                self.Rule.create(
                    {"name": "Bad", "tier_id": self.tier_key.id, "partner_domain": domain}
                )
        rule = self.Rule.create(
            {
                "name": "Good",
                "tier_id": self.tier_key.id,
                "partner_domain": "[('city', '=', 'Dalian')]",
            }
        )
        with self.assertRaisesRegex(ValidationError, "cannot be applied"):
            rule.partner_domain = "[('city', 'no_such_operator', 'Dalian')]"

    @mute_logger("odoo.sql_db")
    def test_negative_criteria_refused(self):
        # a ValidationError naming the criterion, before the CHECK constraint
        for criterion in ("min_premium", "min_policies", "max_loss_ratio"):
            with (
                self.subTest(criterion=criterion),
                self.assertRaisesRegex(ValidationError, "cannot be negative"),
            ):
                self.Rule.create({"name": "Bad", "tier_id": self.tier_key.id, criterion: -1})
                self.env.flush_all()


@tagged("post_install", "-at_install", "insurance")
class TestTierLockAndHistory(TieringCommon):
    def _lock(self, client, tier, reason="Strategic account", until=False):
        client.write(
            {
                "insurance_tier_locked": True,
                "insurance_tier_id": tier.id,
                "insurance_tier_lock_reason": reason,
                "insurance_tier_lock_until": until,
            }
        )

    def test_history_keeps_old_and_new_tier_reason_rule_and_author(self):
        self.book._recompute_insurance_tiers()
        self._create_policy("T-BIG", self.client_harbin, self.line_property, 180000, 9000000)
        self.client_harbin._recompute_insurance_tiers()
        first, second = self._history(self.client_harbin)
        self.assertEqual(
            (first.old_tier_id, first.new_tier_id),
            (self.env["insurance.client.tier"], self.tier_general),
        )
        self.assertEqual(
            (second.old_tier_id, second.new_tier_id), (self.tier_general, self.tier_key)
        )
        self.assertEqual(second.rule_id, self.rule_key_premium)
        self.assertEqual(second.origin, "rule")
        self.assertEqual(second.reason, "Rule: Key: large premium")
        self.assertEqual(second.date, datetime(2026, 6, 30, 9, 0, 0))
        self.assertEqual(second.user_id, self.env.user)
        self.assertEqual(self.client_harbin.insurance_tier_history_ids, second | first)

    def test_lock_without_end_date_holds_until_unlocked(self):
        self.book._recompute_insurance_tiers()
        self._lock(self.client_dalian, self.tier_key, reason="Board decision")
        history = self._history(self.client_dalian)[-1]
        self.assertEqual(
            (history.old_tier_id, history.new_tier_id), (self.tier_retail, self.tier_key)
        )
        self.assertEqual((history.origin, history.reason), ("lock", "Board decision"))
        for day in ("2026-06-30", "2027-06-30"):
            with freeze_time(day):
                self.assertFalse(self.book._recompute_insurance_tiers())
                self.assertEqual(self.client_dalian.insurance_tier_id, self.tier_key)
        self.client_dalian.insurance_tier_locked = False
        self.book._recompute_insurance_tiers()
        self.assertEqual(self.client_dalian.insurance_tier_id, self.tier_retail)

    def test_lock_with_end_date_ends_the_day_after(self):
        self.book._recompute_insurance_tiers()
        self._lock(self.client_harbin, self.tier_key, until=date(2026, 7, 15))
        with freeze_time("2026-07-15"):
            self.book._recompute_insurance_tiers()
            self.assertEqual(self.client_harbin.insurance_tier_id, self.tier_key)
            self.assertTrue(self.client_harbin.insurance_tier_locked)
        with freeze_time("2026-07-16"):
            changed = self.book._recompute_insurance_tiers()
        self.assertEqual(changed, self.client_harbin)
        self.assertEqual(self.client_harbin.insurance_tier_id, self.tier_general)
        self.assertFalse(self.client_harbin.insurance_tier_locked)
        self.assertFalse(self.client_harbin.insurance_tier_lock_until)
        last = self._history(self.client_harbin)[-1]
        self.assertEqual(last.reason, "Lock ended. Rule: General: mid premium")

    def test_lock_needs_reason_and_future_end(self):
        with self.assertRaisesRegex(ValidationError, "reason"):
            self._lock(self.client_harbin, self.tier_key, reason=" ")
        with self.assertRaisesRegex(ValidationError, "past"):
            self._lock(self.client_harbin, self.tier_key, until=date(2026, 6, 29))

    def test_activity_when_a_client_moves_up_to_key(self):
        big = self._new_client("Born Key", [250000], account_manager_id=self.user_am.id)
        (self.book | big)._recompute_insurance_tiers()
        self.assertEqual(big.insurance_tier_id, self.tier_key)
        self.assertFalse(self._key_activities(self.book | big), "a first tier is no move up")
        self._create_policy("T-BIG", self.client_harbin, self.line_property, 180000, 9000000)
        self.book._recompute_insurance_tiers()
        activity = self._key_activities(self.book)
        self.assertEqual(activity.res_id, self.client_harbin.id)
        self.assertEqual(activity.user_id, self.user_am)  # Harbin's manager
        self.assertEqual(activity.date_deadline, date(2026, 7, 7))
        self.assertIn(self.user_am.partner_id, self.client_harbin.message_partner_ids)
        # staying key is no new move
        self.book._recompute_insurance_tiers()
        self.assertEqual(self._key_activities(self.book), activity)
        # locking a client as key is a move up too: its manager hears of it
        self._lock(self.client_shenyang, self.tier_key)
        self.assertEqual(self._key_activities(self.client_shenyang).user_id, self.user_am_other)


@tagged("post_install", "-at_install", "insurance")
class TestTierCron(TieringCommon):
    def _run(self):
        return self.env["insurance.tier.run"].search([], limit=1)

    def _cron_until_done(self, calls=500):
        for _call in range(calls):
            self.Partner._cron_recompute_insurance_tiers()
            if self._run().state == "done":
                return
        self.fail("the tier run did not end")

    def _untier(self, clients):
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE res_partner SET insurance_tier_id = NULL WHERE id = ANY(%s)", [clients.ids]
        )
        self.env.cr.execute(
            "DELETE FROM insurance_tier_history WHERE partner_id = ANY(%s)", [clients.ids]
        )
        self.env.invalidate_all()

    def _rows_updated(self, table):
        """Rows of ``table`` inserted, updated or deleted by this transaction."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
            " WHERE relname = %s",
            [table],
        )
        return self.env.cr.fetchone()[0]

    def _book(self, size, prefix, premiums=None):
        """``size`` company clients of user_am with one active motor policy
        each; ``premiums`` maps n % 10 to the premium (5,000 otherwise)."""
        premiums = premiums or {}
        clients = self.Partner.create(
            [
                {
                    "name": f"{prefix} {n}",
                    "is_company": True,
                    "is_insurance_client": True,
                    "account_manager_id": self.user_am.id,
                }
                for n in range(size)
            ]
        )
        policies = self.env["insurance.policy"].create(
            [
                {
                    "name": f"{prefix}-{client.id}",
                    "partner_id": client.id,
                    "insurer_id": self.insurer.id,
                    "line_id": self.line_motor.id,
                    "premium": premiums.get(n % 10, 5000),
                    "sum_insured": 1000000,
                    "date_start": date(2026, 1, 1),
                    "date_end": date(2026, 12, 31),
                    "state": "active",
                }
                for n, client in enumerate(clients)
            ]
        )
        self.env["insurance.claim"].create(
            [
                {
                    "policy_id": policy.id,
                    "date_loss": date(2026, 3, 1),
                    "date_reported": date(2026, 3, 2),
                    "amount_paid": 1000,
                }
                for n, policy in enumerate(policies)
                if n % 10 == 2
            ]
        )
        return clients

    def test_cron_resumes_after_a_crash_without_doubles_or_gaps(self):
        clients = self.book | self.Partner.union(
            *(self._new_client(f"Cron {n}", [1000 * (n + 1)]) for n in range(4))
        )
        self._untier(clients)
        book = self.Partner.search([("is_insurance_client", "=", True)], order="id")
        Cron = type(self.env["ir.cron"])
        with (
            patch.object(tiering_module, "TIER_BATCH_SIZE", 3),
            patch.object(tiering_module, "TIER_BATCHES_PER_CALL", 1),
        ):
            self.Partner._cron_recompute_insurance_tiers()
            run = self._run()
            self.assertEqual((run.state, run.date, run.total), ("running", TODAY, len(book)))
            self.assertEqual((run.checked, run.last_partner_id), (3, book[2].id))
            # the second batch dies before its transaction commits
            with (
                self.assertRaisesRegex(RuntimeError, "worker killed"),
                patch.object(Cron, "_notify_progress", side_effect=RuntimeError("worker killed")),
            ):
                self.Partner._cron_recompute_insurance_tiers()
            self.env.invalidate_all()
            self.assertEqual((run.checked, run.last_partner_id), (3, book[2].id))
            self._cron_until_done()
        self.assertEqual(self._run(), run, "the same run carried on")
        self.assertEqual((run.state, run.checked), ("done", len(book)))
        self.assertTrue(all(clients.mapped("insurance_tier_id")))
        history = self.env["insurance.tier.history"].search([("partner_id", "in", clients.ids)])
        self.assertEqual(sorted(history.partner_id.ids), sorted(clients.ids), "one row per client")
        # a call after the end starts a new run, which changes nothing
        updated = self._rows_updated("res_partner")
        self._cron_until_done()
        self.assertNotEqual(self._run(), run)
        self.assertEqual(self._run().changed, 0)
        self.assertEqual(self._rows_updated("res_partner"), updated, "no client row touched")
        # the next day, a new run checks everyone again, and logs nothing new
        with freeze_time("2026-07-01"):
            self._cron_until_done()
            self.assertEqual(self._run().date, date(2026, 7, 1))
        self.assertEqual(
            self.env["insurance.tier.history"].search_count([("partner_id", "in", clients.ids)]), 7
        )

    def test_run_left_from_an_earlier_day_starts_again(self):
        with patch.object(tiering_module, "TIER_BATCH_SIZE", 1):
            self.Partner._cron_recompute_insurance_tiers()
        stale = self._run()
        self.assertEqual(stale.state, "running")
        with freeze_time("2026-07-01"):
            self.Partner._cron_recompute_insurance_tiers()
        self.assertEqual(stale.state, "done")
        self.assertEqual(self._run().date, date(2026, 7, 1))
        self.assertNotEqual(self._run(), stale)

    def test_cron_reports_progress(self):
        self._new_client("Progress", [1000])
        total = self.Partner.search_count([("is_insurance_client", "=", True)])
        progress = self.env["ir.cron.progress"].create(
            {
                "cron_id": self.env.ref(
                    "insurance_account_manager.ir_cron_recompute_insurance_tiers"
                ).id
            }
        )
        Partner = self.Partner.with_context(ir_cron_progress_id=progress.id)
        reported = []
        with (
            patch.object(tiering_module, "TIER_BATCH_SIZE", 2),
            patch.object(tiering_module, "TIER_BATCHES_PER_CALL", 1),
        ):
            Partner._cron_recompute_insurance_tiers()
            self.assertEqual((progress.done, progress.remaining), (2, total - 2))
            while progress.remaining:
                Partner._cron_recompute_insurance_tiers()
                reported.append(progress.done)
        self.assertEqual(2 + sum(reported), total)
        self.assertEqual(self._run().state, "done")

    def test_call_goes_on_through_unchanged_batches_until_a_change(self):
        """A call works through the batches where no tier changes and ends
        with the first batch where one does; a call that dies keeps the
        position of the last call that committed, and the rerun does its
        batches again without a double."""
        clients = self._book(40, "Calls")
        self._cron_until_done()
        self._untier(clients[25])
        Cron = type(self.env["ir.cron"])
        with (
            patch.object(tiering_module, "TIER_BATCH_SIZE", 1),
            patch.object(tiering_module, "TIER_BATCHES_PER_CALL", 1),
        ):
            self.Partner._cron_recompute_insurance_tiers()  # a new run
        run = self._run()
        run.last_partner_id = clients[0].id - 1
        checked = run.checked
        with (
            patch.object(tiering_module, "TIER_BATCH_SIZE", 10),
            patch.object(tiering_module, "TIER_BATCHES_PER_CALL", 3),
        ):
            # clients 0-9 and 10-19 unchanged, 20-29 holds the untiered one
            self.Partner._cron_recompute_insurance_tiers()
            self.assertEqual(run.last_partner_id, clients[29].id)
            self.assertEqual((run.checked - checked, run.changed), (30, 1))
            self.assertTrue(clients[25].insurance_tier_id)
            self._untier(clients[35])
            with (
                self.assertRaisesRegex(RuntimeError, "worker killed"),
                patch.object(Cron, "_notify_progress", side_effect=RuntimeError("worker killed")),
            ):
                self.Partner._cron_recompute_insurance_tiers()
            self.env.invalidate_all()
            self.assertEqual(run.last_partner_id, clients[29].id)
            self.assertFalse(clients[35].insurance_tier_id)
            self.Partner._cron_recompute_insurance_tiers()
        self.assertEqual(run.last_partner_id, clients[39].id)
        self.assertEqual(run.changed, 2)
        self.assertTrue(clients[35].insurance_tier_id)
        self.assertEqual(
            self.env["insurance.tier.history"].search_count([("partner_id", "=", clients[35].id)]),
            1,
        )

    def test_no_change_run_touches_no_row(self):
        """A run where no tier changes writes no client, no history and no
        message: only the run's position moves."""
        self._cron_until_done()
        tables = ("res_partner", "insurance_tier_history", "mail_message", "mail_activity")
        before = {table: self._rows_updated(table) for table in tables}
        self._cron_until_done()
        self.assertEqual(self._run().changed, 0)
        self.assertEqual({table: self._rows_updated(table) for table in tables}, before)

    def test_cron_batch_query_count_does_not_grow_with_clients(self):
        """A batch of the scheduled action costs the same queries for 50 and
        for 500 clients, when nothing changes (no write at all) and when nine
        clients in ten move (tiers, chatter, history, activities)."""
        self.rule_general.partner_domain = "[('is_company', '=', True)]"
        # 1 in 10 key, 4 general, 5 retail
        clients = self._book(600, "Batch", {0: 250000, 1: 30000, 2: 30000, 3: 30000, 4: 30000})
        self._cron_until_done()
        Partner = self.Partner.with_context(tracking_disable=False)

        def batch(size, per_call=1):
            with (
                patch.object(tiering_module, "TIER_BATCH_SIZE", size),
                patch.object(tiering_module, "TIER_BATCHES_PER_CALL", per_call),
            ):
                self.env.flush_all()
                self.env.invalidate_all()
                start = self.cr.sql_log_count
                Partner._cron_recompute_insurance_tiers()
                self.env.flush_all()
                return self.cr.sql_log_count - start

        def new_run():
            # the first call starts the run and counts the book; the batches
            # measured then start at our clients (after the demo's, if any)
            batch(1)
            self._run().last_partner_id = clients[0].id - 1

        new_run()
        counts = [batch(50), batch(500)]
        self.assertEqual(counts[0], counts[1], "same queries for 50 and 500 unchanged clients")
        self.assertEqual(counts[0], TIER_NO_CHANGE_BUDGET)
        # a call goes on through the unchanged batches: each further batch
        # costs its clients and facts only, whatever its size
        self._run().last_partner_id = clients[0].id - 1
        calls = [batch(50, per_call=5), batch(10, per_call=5)]
        self.assertEqual(self._run().last_partner_id, clients[299].id)
        self.assertEqual(calls, [TIER_NO_CHANGE_BUDGET + 4 * TIER_NO_CHANGE_NEXT_BATCH_QUERIES] * 2)
        self.assertEqual(self._run().changed, 0)
        self._cron_until_done()
        # retail to general, general to key (activities), key stays
        self.rule_key_premium.min_premium = 30000
        self.rule_general.min_premium = 5000
        history = self.env["insurance.tier.history"]
        before = history.search_count([("partner_id", "in", clients.ids)])
        new_run()
        counts = [batch(50), batch(500)]
        self.assertEqual(
            counts[0], counts[1], f"same queries for 50 and 500 changed clients {counts}"
        )
        self.assertEqual(counts[0], TIER_QUERY_BUDGET)
        self.assertEqual(
            history.search_count([("partner_id", "in", clients.ids)]) - before, 550 * 9 // 10
        )
        self.assertEqual(len(self._key_activities(clients[:550])), 55 * 4)

    def test_recompute_query_count_does_not_grow_with_clients(self):
        """One batch costs the same queries for 10 and for 500 clients: the facts
        are grouped queries, the writes single statements. The measured run
        moves one client in ten up to key (activities), half from retail to
        general, and leaves the rest."""
        self.rule_general.partner_domain = "[('is_company', '=', True)]"
        # per ten clients: 1 key, 1 general then key, 3 general, 5 retail then general
        premiums = {0: 250000, 1: 90000, 2: 30000, 3: 30000, 4: 30000}

        def book(size, prefix):
            return self._book(size, prefix, premiums)

        warm, small, large = book(10, "Warm"), book(10, "Small"), book(500, "Large")
        (warm | small | large)._recompute_insurance_tiers()  # their first tiers
        self.rule_key_premium.min_premium = 90000
        self.rule_general.min_premium = 5000
        warm._recompute_insurance_tiers()  # fills the ORM caches (xml ids, models, subtypes)
        counts = []
        for clients in (small, large):
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(TIER_QUERY_BUDGET):
                start = self.cr.sql_log_count
                changed = clients._recompute_insurance_tiers()
                self.env.flush_all()
                counts.append(self.cr.sql_log_count - start)
            self.assertEqual(len(changed), len(clients) * 6 // 10)
        self.assertEqual(counts[0], counts[1], "same queries for 10 and 500 clients")
        self.assertEqual(len(large.filtered(lambda c: c.insurance_tier_id == self.tier_key)), 100)
        self.assertEqual(len(self._key_activities(large)), 50)
        self.assertEqual(
            self.env["insurance.tier.history"].search_count([("partner_id", "in", large.ids)]),
            500 + 300,
        )


@tagged("post_install", "-at_install", "insurance")
class TestTierAccess(TieringCommon):
    @users("iam_am")
    def test_account_manager_cannot_configure_or_recompute(self):
        rule = self.rule_general.with_env(self.env)
        self.assertEqual(rule.tier_id, self.tier_general)  # may read the rules
        with self.assertRaises(AccessError):
            rule.write({"min_premium": 1})
        with self.assertRaises(AccessError):
            self.env["insurance.tier.rule"].create({"name": "Mine", "tier_id": self.tier_key.id})
        with self.assertRaises(AccessError):
            self.tier_key.with_env(self.env).load_weight = 1
        with self.assertRaises(AccessError):
            self.env["res.partner"].action_recompute_insurance_tiers()

    @users("iam_am")
    def test_account_manager_requests_and_team_lead_approves_a_lock(self):
        harbin = self.client_harbin.with_env(self.env)
        # the manager cannot lock, nor set the tier by hand
        for values in (
            {
                "insurance_tier_locked": True,
                "insurance_tier_id": self.tier_key.id,
                "insurance_tier_lock_reason": "Any reason",
            },
            {"insurance_tier_id": self.tier_key.id},
            {"insurance_tier_lock_until": date(2026, 12, 31)},
        ):
            with self.subTest(values=values), self.assertRaisesRegex(AccessError, "team lead"):
                harbin.write(values)
        # a request needs a tier and a reason
        with self.assertRaisesRegex(UserError, "reason"):
            harbin.action_request_insurance_tier_lock()
        with Form(harbin) as form:
            form.insurance_tier_request_tier_id = self.tier_key
            form.insurance_tier_request_reason = "Group contract signed"
            form.insurance_tier_request_until = date(2026, 12, 31)
        harbin.action_request_insurance_tier_lock()
        self.assertEqual(harbin.insurance_tier_request_state, "requested")
        self.assertEqual(harbin.insurance_tier_request_user_id, self.user_am)
        self.assertFalse(harbin.insurance_tier_locked)
        activity = (
            self.env["mail.activity"]
            .sudo()
            .search([("res_model", "=", "res.partner"), ("res_id", "=", harbin.id)])
        )
        self.assertEqual(activity.user_id, self.user_lead)
        self.assertEqual(activity.date_deadline, date(2026, 7, 2))  # the type's 2 days
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("insurance_account_manager.mail_activity_type_tier_lock_request"),
        )
        # the manager cannot approve their own request, nor mark it approved
        with self.assertRaises(AccessError):
            harbin.action_approve_insurance_tier_lock()
        with self.assertRaises(AccessError):
            harbin.write({"insurance_tier_request_state": False})
        # the team lead of Harbin's manager approves
        lead_harbin = self.client_harbin.with_user(self.user_lead)
        self.assertTrue(lead_harbin.insurance_can_lock_tier)
        lead_harbin.action_approve_insurance_tier_lock()
        self.assertRecordValues(
            harbin,
            [
                {
                    "insurance_tier_locked": True,
                    "insurance_tier_id": self.tier_key.id,
                    "insurance_tier_lock_reason": "Group contract signed",
                    "insurance_tier_lock_until": date(2026, 12, 31),
                    "insurance_tier_request_state": False,
                }
            ],
        )
        history = harbin.insurance_tier_history_ids
        self.assertEqual(
            (history.origin, history.user_id, history.reason),
            ("lock", self.user_lead, "Group contract signed"),
        )
        self.assertFalse(activity.exists(), "the lead's activity is done")
        # the rules leave the locked tier alone
        harbin.sudo()._recompute_insurance_tiers()
        self.assertEqual(harbin.insurance_tier_id, self.tier_key)

    def test_team_lead_refuses_and_other_leads_cannot_decide(self):
        shenyang = self.client_shenyang.with_user(self.user_am_other)
        shenyang.write(
            {
                "insurance_tier_request_tier_id": self.tier_key.id,
                "insurance_tier_request_reason": "Mine",
            }
        )
        shenyang.action_request_insurance_tier_lock()
        # Shenyang's manager is in no team led by Zhang Lead
        with self.assertRaises(AccessError):
            self.client_shenyang.with_user(self.user_lead).action_approve_insurance_tier_lock()
        with self.assertRaises(AccessError):
            self.client_shenyang.with_user(self.user_lead).write(
                {"insurance_tier_locked": True, "insurance_tier_lock_reason": "x"}
            )
        # without a team lead, an administrator gets the activity and decides
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.client_shenyang.id)]
        )
        self.assertTrue(
            activity.user_id.has_group("insurance_account_manager.insurance_group_admin")
        )
        self.client_shenyang.with_user(self.user_admin).action_refuse_insurance_tier_lock()
        self.assertEqual(self.client_shenyang.insurance_tier_request_state, "refused")
        self.assertFalse(self.client_shenyang.insurance_tier_locked)
        self.assertFalse(activity.exists())
        with self.assertRaisesRegex(UserError, "Only a requested"):
            self.client_shenyang.with_user(self.user_admin).action_approve_insurance_tier_lock()
        # the team lead locks their team's client directly
        self.client_dalian.with_user(self.user_lead).write(
            {
                "insurance_tier_locked": True,
                "insurance_tier_id": self.tier_general.id,
                "insurance_tier_lock_reason": "Board decision",
            }
        )
        self.assertEqual(self.client_dalian.insurance_tier_id, self.tier_general)

    @users("iam_am")
    def test_context_keys_cannot_skip_the_lock_or_the_history(self):
        """An RPC call carries any context the client likes: the internal keys
        must not skip the tier-lock check nor the tier and manager history."""
        harbin = self.client_harbin.with_env(self.env)
        forged = harbin.with_context(
            insurance_tier_history_done=True, insurance_assignment_history_done=True
        )
        with self.assertRaisesRegex(AccessError, "team lead"):
            forged.write({"insurance_tier_id": self.tier_key.id})
        forged = harbin.with_context(insurance_tier_history_token=True)
        with self.assertRaisesRegex(AccessError, "team lead"):
            forged.write({"insurance_tier_locked": True, "insurance_tier_lock_reason": "x"})
        self.assertFalse(harbin.insurance_tier_history_ids)
        # nor a manager change: account managers hand clients over with the wizard
        with self.assertRaises(AccessError):
            forged.write(
                {"account_manager_id": self.user_am_2.id, "backup_manager_id": self.user_am.id}
            )
        current = self.client_harbin.insurance_assignment_ids.filtered(
            lambda row: row.state == "current"
        )
        self.assertEqual(current.user_id, self.user_am)

    @users("iam_am")
    def test_history_is_read_only_and_follows_the_client(self):
        self.book.sudo()._recompute_insurance_tiers()
        History = self.env["insurance.tier.history"]
        self.assertEqual(
            History.search([("partner_id", "in", self.book.ids)]).partner_id, self.client_harbin
        )
        with self.assertRaises(AccessError):
            History.create({"partner_id": self.client_harbin.id, "new_tier_id": self.tier_key.id})
        own = History.search([("partner_id", "=", self.client_harbin.id)])
        with self.assertRaises(AccessError):
            own.reason = "rewritten"
        with self.assertRaises(AccessError):
            own.unlink()

    @users("iam_lead")
    def test_team_lead_sees_the_history_of_the_team(self):
        self.book.sudo()._recompute_insurance_tiers()
        partners = (
            self.env["insurance.tier.history"]
            .search([("partner_id", "in", self.book.ids)])
            .partner_id
        )
        self.assertEqual(partners, self.client_harbin | self.client_dalian)

    @users("iam_admin")
    def test_admin_configures_and_recomputes(self):
        self.env["insurance.tier.rule"].create(
            {
                "name": "General: any motor",
                "sequence": 0,
                "tier_id": self.tier_general.id,
                "line_ids": [Command.set(self.line_motor.ids)],
            }
        )
        action = self.book.with_env(self.env).action_recompute_insurance_tiers()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual(action["params"]["message"], "3 of 3 client(s) changed tier.")
        self.assertEqual(self.client_harbin.insurance_tier_id, self.tier_general)
        self.assertEqual(self.client_dalian.insurance_tier_id, self.tier_retail)
        # an administrator may set a tier by hand without locking it
        self.client_dalian.insurance_tier_id = self.tier_general
        self.assertEqual(self._history(self.client_dalian)[-1].origin, "manual")

    @users("iam_admin")
    def test_large_book_goes_to_the_scheduled_action(self):
        self.book.sudo()._recompute_insurance_tiers()
        cron = self.env.ref("insurance_account_manager.ir_cron_recompute_insurance_tiers")
        triggers = self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", cron.id)])
        with patch.object(tiering_module, "TIER_SYNC_LIMIT", 2):
            action = self.env["res.partner"].action_recompute_insurance_tiers()
        self.assertEqual(action["params"]["type"], "info")
        run = self.env["insurance.tier.run"].sudo().search([], limit=1)
        self.assertEqual((run.state, run.date, run.checked), ("running", TODAY, 0))
        self.assertEqual(
            self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", cron.id)]),
            triggers + 1,
        )


@tagged("post_install", "-at_install", "insurance")
class TestTierOnBookChange(TieringCommon):
    """A client gets its tier as soon as its book changes, in the same
    transaction, and automatic assignment sees that tier."""

    def _policy_values(self, client, premium, name, state="active"):
        return {
            "name": name,
            "partner_id": client.id,
            "insurer_id": self.insurer.id,
            "line_id": self.line_property.id,
            "premium": premium,
            "sum_insured": 100 * premium,
            "date_start": date(2026, 1, 1),
            "date_end": date(2026, 12, 31),
            "state": state,
        }

    @users("iam_am")
    def test_new_client_with_a_big_policy_is_key_at_once(self):
        self._make_account_managers(self.user_am)
        Partner = self.env["res.partner"]
        client = Partner.create(
            {
                "name": "Six Million Shipyard",
                "is_company": True,
                "is_insurance_client": True,
                "account_manager_id": self.user_am.id,
            }
        )
        self.assertFalse(client.insurance_tier_id)
        request = self.env["insurance.service.request"].create(
            {
                "name": "Site visit",
                "type_id": self.env.ref(
                    "insurance_account_manager.insurance_service_type_underwriting"
                ).id,
                "partner_id": client.id,
            }
        )
        self.env["insurance.policy"].create(self._policy_values(client, 6_000_000, "SIX-1"))
        self.assertEqual(client.insurance_tier_id, self.tier_key)
        # its open requests follow the tier (their SLA and priority come from it)
        self.assertEqual(request.tier_id, self.tier_key)
        self.assertEqual(request.priority, service_tools.priority_for_tier(self.tier_key.code))
        history = client.insurance_tier_history_ids
        self.assertEqual(
            (history.origin, history.rule_id, history.user_id),
            ("rule", self.rule_key_premium, self.user_am),
        )

    @users("iam_am")
    def test_confirming_cancelling_and_moving_policies_retier_the_clients(self):
        self.rule_key_policies.sudo().active = False  # key by premium only
        harbin = self.client_harbin.with_env(self.env)
        dalian = self.client_dalian.sudo()
        Policy = self.env["insurance.policy"]
        big = Policy.create(self._policy_values(harbin, 250_000, "BIG-1", state="draft"))
        self.assertEqual(harbin.insurance_tier_id, self.tier_general, "a draft counts for nothing")
        big.action_activate()
        self.assertEqual(harbin.insurance_tier_id, self.tier_key)
        big.premium = 100_000
        self.assertEqual(harbin.insurance_tier_id, self.tier_general)
        big.premium = 250_000
        self.assertEqual(harbin.insurance_tier_id, self.tier_key)
        big.action_cancel()
        self.assertEqual(harbin.insurance_tier_id, self.tier_general)
        # a policy moved between two clients of the manager's team
        big.sudo().write({"state": "active", "premium": 250_000})
        self.assertEqual(harbin.insurance_tier_id, self.tier_key)
        big.sudo().partner_id = dalian
        self.assertEqual(harbin.insurance_tier_id, self.tier_general)
        self.assertEqual(dalian.insurance_tier_id, self.tier_key)
        # a policy deleted
        big.sudo().unlink()
        self.assertEqual(dalian.insurance_tier_id, self.tier_retail)

    def test_a_locked_tier_stays(self):
        self.client_dalian.write(
            {
                "insurance_tier_locked": True,
                "insurance_tier_id": self.tier_general.id,
                "insurance_tier_lock_reason": "Group contract",
            }
        )
        self._create_policy("LOCKED-1", self.client_dalian, self.line_motor, 300_000, 9_000_000)
        self.assertEqual(self.client_dalian.insurance_tier_id, self.tier_general)

    def test_without_automatic_tiering_a_policy_leaves_the_tier(self):
        self.env.ref(tiering_module.TIER_CRON_XMLID).active = False
        self._create_policy("OFF-1", self.client_dalian, self.line_motor, 300_000, 9_000_000)
        self.assertFalse(self.client_dalian.insurance_tier_id)
        self.env.ref(tiering_module.TIER_CRON_XMLID).active = True
        self._create_policy("ON-1", self.client_dalian, self.line_motor, 1_000, 9_000_000)
        self.assertEqual(self.client_dalian.insurance_tier_id, self.tier_key)

    def test_automatic_assignment_follows_the_new_tier(self):
        """A new client without manager whose first policy makes it key goes
        to the key-client rule, not to the rule for everyone else."""
        Rule = self.env["insurance.assignment.rule"]
        Rule.search([]).active = False
        managers = self.user_am_2 | self.user_am_other
        self.env["insurance.qualification"].create(
            [
                {
                    "user_id": user.id,
                    "licence_number": f"HLJ-{user.id}",
                    "line_ids": [Command.set(self.line_property.ids)],
                }
                for user in managers
            ]
        )
        self._make_account_managers(managers, insurance_capacity=100)
        Rule.create(
            {
                "name": "Key clients: senior managers",
                "sequence": 1,
                "tier_ids": [Command.set(self.tier_key.ids)],
                "user_ids": [Command.set(self.user_am_2.ids)],
                "strategy": "least_loaded",
            }
        )
        Rule.create(
            {
                "name": "Other clients",
                "sequence": 2,
                "user_ids": [Command.set(self.user_am_other.ids)],
                "strategy": "round_robin",
            }
        )
        self.env["ir.config_parameter"].set_param(
            "insurance_account_manager.auto_assignment", "True"
        )
        big = self.Partner.create({"name": "Harbin Electric Group", "is_company": True})
        small = self.Partner.create({"name": "Corner Shop", "is_company": True})
        self.env["insurance.policy"].create(
            [
                self._policy_values(big, 6_000_000, "HEG-1"),
                self._policy_values(small, 3_000, "SHOP-1"),
            ]
        )
        self.assertEqual(big.insurance_tier_id, self.tier_key)
        self.assertEqual(big.account_manager_id, self.user_am_2)
        self.assertEqual(small.insurance_tier_id, self.tier_retail)
        self.assertEqual(small.account_manager_id, self.user_am_other)

    def test_query_count_of_policies_is_the_same_for_1_and_50_clients(self):
        """Creating policies for 50 new clients costs the queries of creating
        one: the clients get their tiers in one recompute."""
        clients = self.Partner.create(
            [
                {
                    "name": f"Batch {n}",
                    "is_company": True,
                    "is_insurance_client": True,
                    "account_manager_id": self.user_am.id,
                }
                for n in range(52)
            ]
        )
        Policy = self.env["insurance.policy"]
        Policy.create(self._policy_values(clients[0], 30_000, "WARM-0"))  # warms the caches
        counts = []
        for group, prefix in ((clients[1:2], "ONE"), (clients[2:], "MANY")):
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.cr.sql_log_count
            with self.assertQueryCount(TIER_BOOK_CHANGE_BUDGET):
                Policy.create(
                    [
                        self._policy_values(client, 30_000, f"{prefix}-{client.id}")
                        for client in group
                    ]
                )
                self.env.flush_all()
            counts.append(self.cr.sql_log_count - start)
            self.assertEqual(set(group.mapped("insurance_tier_id")), {self.tier_general})
        self.assertEqual(counts[0], counts[1], f"1 and 50 policies: {counts}")
