"""Renewals (续保): generation ahead of expiry, exactly one request per term,
winning creates the next term, losing records why."""

from datetime import date, timedelta
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from odoo.addons.insurance_account_manager.models import insurance_policy as policy_module

from .test_service_request import ServiceCommon

TODAY = date(2026, 10, 1)


@tagged("post_install", "-at_install", "insurance")
class TestServiceRenewal(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # only this test's policies are in force
        cls.env["insurance.policy"].search([]).write({"state": "expired"})

    def _policy(self, client, date_end, name=None, premium=1000.0):
        return self._create_policy(
            name or f"R-{client.id}-{date_end}",
            client,
            self.line_motor,
            premium,
            100000,
            date_start=date_end - timedelta(days=364),
            date_end=date_end,
        )

    def _run(self):
        with freeze_time(TODAY):
            return self.env["insurance.policy"]._cron_generate_renewals()

    def _renewals(self, policies):
        return self.Request.with_context(active_test=False).search(
            [("renewed_policy_id", "in", policies.ids)]
        )

    def test_lead_times_per_tier_and_boundaries(self):
        # key 90 days, general 60, retail 30, no tier: 60 (the default)
        client_none = self.env["res.partner"].create(
            {
                "name": "No Tier Co",
                "is_insurance_client": True,
                "account_manager_id": self.user_am.id,
            }
        )
        due = (
            self._policy(self.client_harbin, TODAY + timedelta(days=90))
            | self._policy(self.client_dalian, TODAY + timedelta(days=60))
            | self._policy(self.client_shenyang, TODAY + timedelta(days=30))
            | self._policy(client_none, TODAY + timedelta(days=60))
            | self._policy(self.client_shenyang, TODAY - timedelta(days=1), name="R-LATE")
        )
        not_yet = (
            self._policy(self.client_harbin, TODAY + timedelta(days=91))
            | self._policy(self.client_dalian, TODAY + timedelta(days=61))
            | self._policy(self.client_shenyang, TODAY + timedelta(days=31))
            | self._policy(client_none, TODAY + timedelta(days=61))
        )
        self._run()
        self.assertEqual(self._renewals(due).renewed_policy_id, due)
        self.assertFalse(self._renewals(not_yet))
        request = self._renewals(due[0])
        self.assertRecordValues(
            request,
            [
                {
                    "type_id": self.type_renewal.id,
                    "stage_id": self.stage_renewal_due.id,
                    "partner_id": self.client_harbin.id,
                    "user_id": self.user_am.id,
                    "policy_id": due[0].id,
                    "previous_premium": 1000.0,
                    "new_premium": 1000.0,
                    "date_deadline": due[0].date_end,
                    "priority": "2",
                }
            ],
        )
        self.assertEqual(set(due.mapped("renewal_state")), {"open"})
        # a lead time changed in Settings applies at the next run
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.insurance_renewal_lead_key, 90)
        settings.insurance_renewal_lead_key = 91
        settings.execute()
        self.assertEqual(self.tier_key.renewal_lead_days, 91)
        self._run()
        self.assertEqual(self._renewals(not_yet).renewed_policy_id, not_yet[0])

    def test_rerun_and_resume_give_exactly_one_request_per_term(self):
        policies = self.env["insurance.policy"]
        for index in range(7):
            policies |= self._policy(
                self.client_harbin, TODAY + timedelta(days=10 + index), name=f"R-BATCH-{index}"
            )
        with patch.object(policy_module, "RENEWAL_BATCH_SIZE", 3):
            first = self._run()  # a run cut off after its first batch
            self.assertEqual(len(first), 3)
            self.assertEqual(len(self._renewals(policies)), 3)
            for _run in range(4):  # resumed, then rerun for nothing
                self._run()
        requests = self._renewals(policies)
        self.assertEqual(len(requests), 7)
        self.assertEqual(requests.renewed_policy_id, policies)  # no gap, no double
        self.assertFalse(self._run())
        # an archived request still counts: its term is not renewed twice
        requests[:1].action_archive()
        policies[:1].renewal_state = False
        self.assertFalse(self._run())
        self.assertEqual(len(self._renewals(policies)), 7)

    def test_database_refuses_a_second_request_for_a_term(self):
        policy = self._policy(self.client_harbin, TODAY + timedelta(days=5))
        self.Request._create_renewal_requests(policy)
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation):
            with self.env.cr.savepoint():
                self.Request._create_renewal_requests(policy)
                self.env.flush_all()
        self.assertEqual(len(self._renewals(policy)), 1)

    def test_overlapping_run_skips_terms_locked_by_another(self):
        policies = self._policy(self.client_harbin, TODAY + timedelta(days=5), name="R-A") | (
            self._policy(self.client_harbin, TODAY + timedelta(days=6), name="R-B")
        )
        Policy = self.env["insurance.policy"]
        # another run holds R-A's row: the lock query leaves it out
        with patch.object(type(Policy), "_renewal_lock", lambda self, p: p[1:]):
            self._run()
        self.assertEqual(self._renewals(policies).renewed_policy_id, policies[1])
        self._run()  # the next run takes what the other left
        self.assertEqual(self._renewals(policies).renewed_policy_id, policies)

    def test_win_creates_next_term_with_new_premium(self):
        policy = self._policy(self.client_harbin, TODAY + timedelta(days=30), premium=1000)
        self._run()
        request = self._renewals(policy)
        with Form(request) as form:
            form.new_premium = 1150
        self.assertAlmostEqual(request.premium_rise_percent, 15.0)
        self.assertTrue(request.is_premium_rise_flagged)  # above the default 10 %
        request.stage_id = self.stage_renewal_won
        next_term = request.new_policy_id
        self.assertRecordValues(
            next_term,
            [
                {
                    "name": f"{policy.name}/R1",
                    "partner_id": self.client_harbin.id,
                    "previous_policy_id": policy.id,
                    "premium": 1150.0,
                    "date_start": policy.date_end + timedelta(days=1),
                    "date_end": policy.date_end + timedelta(days=365),
                    "state": "active",
                }
            ],
        )
        self.assertEqual(policy.renewal_policy_id, next_term)
        self.assertEqual(policy.renewal_state, "renewed")
        self.assertIn(next_term, self.client_harbin.insurance_policy_ids)
        # moving it again does not create another term
        request.stage_id = self.env.ref(
            "insurance_account_manager.insurance_service_stage_renewal_negotiation"
        )
        request.action_mark_won()
        self.assertEqual(policy.renewal_policy_ids, next_term)

    def test_rise_threshold_from_settings(self):
        self.env["ir.config_parameter"].set_param(
            "insurance_account_manager.renewal_rise_threshold", "20"
        )
        policy = self._policy(self.client_harbin, TODAY + timedelta(days=30), premium=1000)
        self._run()
        request = self._renewals(policy)
        request.new_premium = 1200
        self.assertFalse(request.is_premium_rise_flagged)  # 20 % is not above 20 %
        request.new_premium = 1201
        self.assertTrue(request.is_premium_rise_flagged)
        request.new_premium = 900
        self.assertFalse(request.is_premium_rise_flagged)

    def test_lost_asks_reason_and_competitor(self):
        policy = self._policy(self.client_harbin, TODAY + timedelta(days=30))
        self._run()
        request = self._renewals(policy)
        with self.assertRaisesRegex(UserError, "lost reason"):
            request.stage_id = self.stage_renewal_lost
        competitor_reason = self.env.ref(
            "insurance_account_manager.insurance_service_lost_reason_competitor"
        )
        rival = self.env["res.partner"].create({"name": "Ping An Harbin", "is_company": True})
        action = request.with_user(self.user_am).action_mark_lost()
        wizard_model = (
            self.env[action["res_model"]].with_user(self.user_am).with_context(**action["context"])
        )
        with self.assertRaises(ValidationError):
            wizard_model.create({"lost_reason_id": competitor_reason.id})
        wizard = wizard_model.create(
            {"lost_reason_id": competitor_reason.id, "competitor_id": rival.id, "note": "Cheaper"}
        )
        wizard.action_mark_lost()
        self.assertEqual(request.stage_id, self.stage_renewal_lost)
        self.assertRecordValues(
            policy,
            [
                {
                    "renewal_state": "not_renewed",
                    "renewal_lost_reason_id": competitor_reason.id,
                    "renewal_competitor_id": rival.id,
                }
            ],
        )
        self.assertFalse(policy.renewal_policy_id)
        # the competitor is required on the request itself, not only in the wizard
        with self.assertRaisesRegex(ValidationError, "name the insurer"):
            request.competitor_id = False

    def test_reopened_renewal_and_lost_after_won(self):
        policy = self._policy(self.client_harbin, TODAY + timedelta(days=30))
        self._run()
        request = self._renewals(policy)
        request.stage_id = self.stage_renewal_won
        next_term = request.new_policy_id
        # once the next term exists, the renewal cannot be marked lost
        wizard = (
            self.env["insurance.service.request.lost"]
            .with_context(active_model=request._name, active_ids=request.ids)
            .create(
                {
                    "lost_reason_id": self.env.ref(
                        "insurance_account_manager.insurance_service_lost_reason_price"
                    ).id
                }
            )
        )
        with self.assertRaisesRegex(UserError, "next term"):
            wizard.action_mark_lost()
        self.assertEqual(policy.renewal_state, "renewed")
        # reopened: under renewal again; won again: the same next term
        request.stage_id = self.stage_renewal_due
        self.assertEqual(policy.renewal_state, "open")
        request.action_mark_won()
        self.assertEqual(policy.renewal_state, "renewed")
        self.assertEqual(policy.renewal_policy_ids, next_term)

    def test_rights_on_renewal_actions(self):
        policy = self._policy(self.client_shenyang, TODAY + timedelta(days=10))
        self._run()
        request = self._renewals(policy)
        # Li Wei does not manage Shenyang: he can neither win nor lose its renewal
        with self.assertRaises(AccessError):
            request.with_user(self.user_am).action_mark_won()
        with self.assertRaises(AccessError):
            request.with_user(self.user_am).action_mark_lost()
        self.assertEqual(request.stage_state, "open")
        self.assertFalse(policy.renewal_policy_id)
        request.with_user(self.user_am_other).action_mark_won()
        self.assertEqual(policy.renewal_policy_id.premium, 1000.0)

    def test_threshold_change_reflags_open_renewals(self):
        policy = self._policy(self.client_harbin, TODAY + timedelta(days=30), premium=1000)
        self._run()
        request = self._renewals(policy)
        request.new_premium = 1150
        self.assertTrue(request.is_premium_rise_flagged)
        self.env["ir.config_parameter"].set_param(
            "insurance_account_manager.renewal_rise_threshold", "20"
        )
        self.Request._refresh_premium_rise_flags()
        self.assertFalse(request.is_premium_rise_flagged)
        self.assertFalse(
            self.Request.search([("id", "=", request.id), ("is_premium_rise_flagged", "=", True)])
        )
        # saving the Settings page with a new threshold refreshes the flags too
        self.env["res.config.settings"].create({"insurance_renewal_rise_threshold": 12}).execute()
        self.assertTrue(
            self.Request.search([("id", "=", request.id), ("is_premium_rise_flagged", "=", True)])
        )
