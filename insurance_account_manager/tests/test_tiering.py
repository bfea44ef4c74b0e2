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

from .common import InsuranceCommon

TODAY = date(2026, 6, 30)
# Queries of one recompute batch, whatever its size. Measured: 29 for 10 and
# for 500 clients (one in ten moving up to key, half moving to general): the
# batch and its users 3, facts 3 grouped queries + the company 1, rules and
# fallback 5 (one rule with a client filter), dependants of the tier 2 (service
# requests), tiers and check dates 1, history 1, key tier 3, activities and
# the manager's subscription 10. +1 with the needs analyses (issue #11): the
# renewal date of the clients' analyses depends on the tier (one search): 30.
TIER_QUERY_BUDGET = 30


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
        # the demo clients, if any, are checked already: the runs see our book only
        cls.Partner.search(
            [("is_insurance_client", "=", True), ("id", "not in", cls.book.ids)]
        ).insurance_tier_checked_on = TODAY

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
        self.assertEqual(set(self.book.mapped("insurance_tier_checked_on")), {TODAY})
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
    def test_cron_resumes_after_a_crash_without_doubles_or_gaps(self):
        clients = self.book | self.Partner.union(
            *(self._new_client(f"Cron {n}", [1000 * (n + 1)]) for n in range(4))
        )
        Cron = type(self.env["ir.cron"])
        with patch.object(tiering_module, "TIER_BATCH_SIZE", 3):
            self.Partner._cron_recompute_insurance_tiers()
            first = clients.filtered("insurance_tier_checked_on")
            self.assertEqual(first, clients.sorted("id")[:3])
            # the second batch dies before its transaction commits
            with (
                self.assertRaisesRegex(RuntimeError, "worker killed"),
                patch.object(Cron, "_notify_progress", side_effect=RuntimeError("worker killed")),
            ):
                self.Partner._cron_recompute_insurance_tiers()
            self.env.invalidate_all()
            self.assertEqual(clients.filtered("insurance_tier_checked_on"), first)
            for _run in range(3):  # more runs than needed
                self.Partner._cron_recompute_insurance_tiers()
        self.assertEqual(set(clients.mapped("insurance_tier_checked_on")), {TODAY})
        self.assertTrue(all(clients.mapped("insurance_tier_id")))
        history = self.env["insurance.tier.history"].search([("partner_id", "in", clients.ids)])
        self.assertEqual(sorted(history.partner_id.ids), sorted(clients.ids), "one row per client")
        # the next day, a new run checks everyone again, and logs nothing new
        with freeze_time("2026-07-01"):
            self.Partner._cron_recompute_insurance_tiers()
            self.assertEqual(set(clients.mapped("insurance_tier_checked_on")), {date(2026, 7, 1)})
        self.assertEqual(
            self.env["insurance.tier.history"].search_count([("partner_id", "in", clients.ids)]), 7
        )

    def test_cron_reports_progress(self):
        self._new_client("Progress", [1000])
        progress = self.env["ir.cron.progress"].create(
            {
                "cron_id": self.env.ref(
                    "insurance_account_manager.ir_cron_recompute_insurance_tiers"
                ).id
            }
        )
        Partner = self.Partner.with_context(ir_cron_progress_id=progress.id)
        with patch.object(tiering_module, "TIER_BATCH_SIZE", 2):
            Partner._cron_recompute_insurance_tiers()
            self.assertEqual((progress.done, progress.remaining), (2, 2))
            Partner._cron_recompute_insurance_tiers()
            self.assertEqual((progress.done, progress.remaining), (2, 0))

    def test_recompute_query_count_does_not_grow_with_clients(self):
        """One batch costs the same queries for 10 and for 500 clients: the facts
        are grouped queries, the writes single statements. The measured run
        moves one client in ten up to key (activities), half from retail to
        general, and leaves the rest."""
        self.rule_general.partner_domain = "[('is_company', '=', True)]"
        # per ten clients: 1 key, 1 general then key, 3 general, 5 retail then general
        premiums = {0: 250000, 1: 90000, 2: 30000, 3: 30000, 4: 30000}

        def book(size, prefix):
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
    def test_account_manager_locks_own_client_only(self):
        harbin = self.client_harbin.with_env(self.env)
        with Form(harbin) as form:
            form.insurance_tier_locked = True
            form.insurance_tier_id = self.tier_key
            form.insurance_tier_lock_reason = "Group contract signed"
            form.insurance_tier_lock_until = date(2026, 12, 31)
        self.assertEqual(harbin.insurance_tier_id, self.tier_key)
        history = harbin.insurance_tier_history_ids
        self.assertEqual((history.origin, history.user_id), ("lock", self.env.user))
        # not without a lock: the rules would undo it
        with self.assertRaisesRegex(UserError, "Lock the tier"):
            harbin.write(
                {"insurance_tier_locked": False, "insurance_tier_id": self.tier_general.id}
            )
        # another manager's client is out of reach
        with self.assertRaises(AccessError):
            self.client_shenyang.with_env(self.env).write(
                {
                    "insurance_tier_locked": True,
                    "insurance_tier_id": self.tier_key.id,
                    "insurance_tier_lock_reason": "Mine now",
                }
            )

    @users("iam_am")
    def test_context_keys_cannot_skip_the_lock_or_the_history(self):
        """An RPC call carries any context the client likes: the internal keys
        must not skip the tier-lock check nor the tier and manager history."""
        harbin = self.client_harbin.with_env(self.env)
        forged = harbin.with_context(
            insurance_tier_history_done=True, insurance_assignment_history_done=True
        )
        with self.assertRaisesRegex(UserError, "Lock the tier"):
            forged.write({"insurance_tier_id": self.tier_key.id})
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
        self.assertFalse(any(self.book.mapped("insurance_tier_checked_on")))
        self.assertEqual(
            self.env["ir.cron.trigger"].sudo().search_count([("cron_id", "=", cron.id)]),
            triggers + 1,
        )
