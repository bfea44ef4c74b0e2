"""Renewals (续保): generation ahead of expiry, exactly one request per term,
winning creates the next term, losing records why."""

from datetime import date, timedelta
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo import models as odoo_models
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

    def _win(self, request, user=None, **values):
        """Win ``request`` through the Won button's wizard (prefilled, then
        ``values``), as ``user``; return the next term."""
        action = request.with_user(user or self.env.user).action_mark_won()
        self.assertEqual(action["res_model"], "insurance.service.request.won")
        wizard = (
            self.env[action["res_model"]]
            .with_user(user or self.env.user)
            .with_context(**action["context"])
            .create(values)
        )
        wizard.action_confirm()
        return request.new_policy_id

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

    def test_generated_requests_hold_what_the_orm_computes(self):
        """The generator gives its requests their computed fields and defaults
        itself (_renewal_computed_values, _renewal_create): each one equal to
        what the ORM computes for a request of the same values."""
        self.env["insurance.service.sla"].create(
            [
                {"type_id": self.type_renewal.id, "tier_id": self.tier_key.id, "hours": 6},
                {"type_id": self.type_renewal.id, "hours": 30, "sequence": 1},
            ]
        )
        self.client_dalian.backup_manager_id = self.user_am
        client_none = self.env["res.partner"].create(
            {"name": "No Tier Co", "is_insurance_client": True, "account_manager_id": False}
        )
        eur = self.env.ref("base.EUR")
        eur.active = True
        due = (
            self._policy(self.client_harbin, TODAY + timedelta(days=10))
            | self._policy(self.client_dalian, TODAY + timedelta(days=10), premium=0.0)
            | self._policy(self.client_shenyang, TODAY + timedelta(days=10))
            | self._policy(client_none, TODAY + timedelta(days=10))
        )
        due[2].currency_id = eur
        with freeze_time(TODAY):
            self.env["insurance.policy"]._cron_generate_renewals()
            requests = self._renewals(due).sorted(lambda r: due.ids.index(r.policy_id.id))
            self.assertEqual(requests.renewed_policy_id, due)
            Request = self.Request.sudo()
            given = ("name", "type_id", "stage_id", "company_id", "partner_id", "policy_id")
            given += ("renewed_policy_id", "previous_premium", "new_premium", "date_deadline")
            given += ("date_open",)
            checked = [
                name
                for name, field in Request._fields.items()
                if field.store and (field.compute or field.default) and name not in given
            ]
            self.assertIn("sla_deadline", checked)
            for request in requests.sudo():
                # a new record computes its fields as create does (precompute)
                twin = Request.new(
                    {
                        name: request._fields[name].convert_to_write(request[name], request)
                        for name in given
                    }
                )
                for name in checked:
                    self.assertEqual(request[name], twin[name], f"{request.name}: {name}")
        self.assertEqual(
            [request.sla_id.hours for request in requests],
            [6.0, 30.0, 30.0, 30.0],
            "rules matched per tier",
        )
        self.assertTrue(all(requests.mapped("sla_deadline")))
        self.assertEqual(requests[1].sudo().backup_manager_id, self.user_am)
        self.assertEqual(requests[2].currency_id, eur)
        self.assertEqual(requests.mapped("create_uid"), self.env.user)

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
        # dropped on Won, the renewal is refused: the term is asked for first
        with self.assertRaisesRegex(UserError, "Won button"):
            request.stage_id = self.stage_renewal_won
        self.assertEqual(request.stage_state, "open")
        self.assertFalse(policy.renewal_policy_ids)
        # the wizard is prefilled from the renewed term and the renewal premium
        action = request.action_mark_won()
        wizard_form = Form(
            self.env[action["res_model"]].with_context(**action["context"]),
            view="insurance_account_manager.insurance_service_request_won_view_form",
        )
        self.assertEqual(wizard_form.policy_name, f"{policy.name}/R1")
        self.assertEqual(wizard_form.date_start, policy.date_end + timedelta(days=1))
        self.assertEqual(wizard_form.date_end, policy.date_end + timedelta(days=365))
        self.assertEqual(wizard_form.premium, 1150.0)
        # the manager gives the insurer's new number, other dates, the final premium
        wizard_form.policy_name = "HB-2027-MOTOR"
        wizard_form.date_start = policy.date_end + timedelta(days=11)
        self.assertEqual(wizard_form.date_end, policy.date_end + timedelta(days=375))
        wizard_form.premium = 1120
        wizard_form.save().action_confirm()
        next_term = request.new_policy_id
        self.assertRecordValues(
            next_term,
            [
                {
                    "name": "HB-2027-MOTOR",
                    "partner_id": self.client_harbin.id,
                    "previous_policy_id": policy.id,
                    "premium": 1120.0,
                    "sum_insured": policy.sum_insured,
                    "date_start": policy.date_end + timedelta(days=11),
                    "date_end": policy.date_end + timedelta(days=375),
                    "state": "active",
                }
            ],
        )
        self.assertEqual(request.stage_id, self.stage_renewal_won)
        self.assertEqual(request.new_premium, 1120.0)
        self.assertEqual(policy.renewal_policy_id, next_term)
        self.assertEqual(policy.renewal_state, "renewed")
        self.assertIn(next_term, self.client_harbin.insurance_policy_ids)
        self.assertIn("HB-2027-MOTOR", request.message_ids[:1].body)
        # moving it again does not create another term, nor does the wizard
        request.stage_id = self.env.ref(
            "insurance_account_manager.insurance_service_stage_renewal_negotiation"
        )
        self.assertIs(request.action_mark_won(), True)  # straight to Won: it has its term
        self.assertEqual(request.stage_id, self.stage_renewal_won)
        self.assertEqual(policy.renewal_policy_ids, next_term)
        with self.assertRaisesRegex(UserError, "already has its next term"):
            self.env["insurance.service.request.won"].create(
                {
                    "request_id": request.id,
                    "policy_name": "AGAIN",
                    "date_start": TODAY,
                    "date_end": TODAY + timedelta(days=30),
                    "premium": 1,
                }
            ).action_confirm()

    def test_win_wizard_checks_the_term(self):
        policy = self._policy(self.client_harbin, TODAY + timedelta(days=30), premium=1000)
        self._run()
        request = self._renewals(policy)
        with self.assertRaisesRegex(ValidationError, "end date must be after"):
            self._win(request, date_end=policy.date_end)
        with self.assertRaisesRegex(UserError, "cannot be negative"):
            self._win(request, premium=-5)
        self.assertFalse(policy.renewal_policy_ids)
        self.assertEqual(request.stage_state, "open")

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
        next_term = self._win(request)
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
        with self.assertRaises(AccessError):
            self._win(request, user=self.user_am, premium=1)
        self.assertFalse(policy.renewal_policy_id)
        self._win(request, user=self.user_am_other)
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


# Measured (Odoo 18): the queries of one batch of the renewal scheduled action
# with chatter and followers on, commit-time work included - the selection, the
# lock, the INSERT of the requests (their defaults and computed fields, the
# rating figure included, worked out for the batch before it: no UPDATE after
# it; the SLA rules read once), the terms'
# renewal state (one UPDATE), their messages with their tracking values (one
# statement), the managers as followers (one statement) - the same for 50 and
# for 500 renewals once Odoo's own 100-row chunks of INSERT statements are
# lifted (with them, a batch of 500 adds one INSERT of requests per 100 rows).
# 28 before the chatter, followers and renewal state went in single
# statements and the computed fields into the INSERT (#12); still 22 once the
# requests' computed fields were worked out per batch instead of by the ORM on
# new records (the same queries, half the Python).
RENEWAL_BATCH_QUERY_BUDGET = 22
# tables the ORM still writes in 100-row chunks in a batch: the requests
RENEWAL_CHUNKED_TABLES = 1
ODOO_ROW_CHUNK = 100


@tagged("post_install", "-at_install", "insurance")
class TestServiceRenewalPerformance(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["insurance.policy"].search([]).write({"state": "expired"})

    def _due_policies(self, count, tag):
        clients = (self.client_harbin, self.client_dalian, self.client_shenyang)
        return self.env["insurance.policy"].create(
            [
                {
                    "name": f"Q-{tag}-{index}",
                    "partner_id": clients[index % 3].id,
                    "insurer_id": self.insurer.id,
                    "line_id": self.line_motor.id,
                    "premium": 1000 + index,
                    "sum_insured": 100000,
                    "date_start": TODAY - timedelta(days=350),
                    "date_end": TODAY + timedelta(days=14),
                    "state": "active",
                }
                for index in range(count)
            ]
        )

    def _generate(self, size):
        """One batch of ``size`` as the scheduler runs it (chatter on), its
        commit-time work (flush: tracking, followers) included."""
        Policy = self.env["insurance.policy"].with_context(tracking_disable=False)
        self.env.flush_all()
        self.env.invalidate_all()
        with (
            freeze_time(TODAY),
            patch.object(policy_module, "RENEWAL_BATCH_SIZE", size),
        ):
            start = self.env.cr.sql_log_count
            locked = Policy._cron_generate_renewals()
            self.env.flush_all()
            return locked, self.env.cr.sql_log_count - start

    def _generate_unchunked(self, size):
        with (
            patch.object(odoo_models, "INSERT_BATCH_SIZE", 1000),
            patch.object(odoo_models, "UPDATE_BATCH_SIZE", 1000),
        ):
            return self._generate(size)

    def test_batch_query_count_is_flat(self):
        counts, chunked = {}, {}
        for size in (50, 500):
            policies = self._due_policies(3 * size, size)
            self._generate(size)  # a first batch warms the caches (ormcache, rules)
            locked, counts[size] = self._generate_unchunked(size)
            self.assertEqual(len(locked), size)
            locked, chunked[size] = self._generate(size)
            self.assertEqual(len(locked), size)
            self.assertFalse(self._generate(size)[0])
            requests = self.Request.search([("renewed_policy_id", "in", policies.ids)])
            self.assertEqual(len(requests), 3 * size)
        self.assertEqual(counts[50], counts[500], counts)
        self.assertEqual(counts[500], RENEWAL_BATCH_QUERY_BUDGET, counts)
        # Odoo's chunks: one more statement per table for each 100 rows more
        self.assertEqual(chunked[50], counts[50])
        self.assertEqual(
            chunked[500] - chunked[50],
            RENEWAL_CHUNKED_TABLES * (500 // ODOO_ROW_CHUNK - 1),
            chunked,
        )
        # the audit stays: each renewed term logs one message (its renewal
        # state, Renewal Open) and each manager follows their renewals
        policy = policies[1]  # Dalian's: Sarah Chen
        request = policy.renewal_request_ids
        messages = policy.message_ids.filtered("tracking_value_ids")
        self.assertEqual(len(messages), 1)
        self.assertRecordValues(
            messages.tracking_value_ids,
            [{"field_id": self.env["ir.model.fields"]._get(policy._name, "renewal_state").id}],
        )
        self.assertEqual(messages.tracking_value_ids.new_value_char, "Renewal Open")
        self.assertIn(self.user_am_2.partner_id, request.message_partner_ids)
        self.assertEqual(
            self.env["mail.followers"].search_count(
                [("res_model", "=", self.Request._name), ("res_id", "=", request.id)]
            ),
            1,
        )
