from datetime import date

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .common import InsuranceCommon, InsuranceRpcCase

TODAY = date(2026, 6, 15)
# A batch of the expiry cron, warm: the batch's search, the clients' names and
# managers, the open activities, the activities' insert and the followers,
# the analyses' flag. Measured: 18 queries for 5 clients and for 50.
EXPIRY_QUERY_BUDGET = 18


class NeedsCommon(InsuranceCommon):
    """The common book plus the questionnaire of the data file.

    The hand-built answers of Harbin Boiler Works (holds motor 500,000 and
    property 5,000,000): 12 vehicles (motor: held), buildings and stock worth
    8,000,000 (property: held below it), 300 employees (accident & health: not
    held), sells products (liability: not held), ships nothing (cargo: no
    need), builds nothing (engineering: no need). Its gaps: property
    underinsured, accident & health and liability not held.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.q_premises = ref("insurance_account_manager.insurance_needs_question_premises")
        cls.q_assets = ref("insurance_account_manager.insurance_needs_question_asset_value")
        cls.q_build = ref("insurance_account_manager.insurance_needs_question_construction")
        cls.q_staff = ref("insurance_account_manager.insurance_needs_question_staff")
        cls.q_fleet = ref("insurance_account_manager.insurance_needs_question_fleet")
        cls.q_cargo = ref("insurance_account_manager.insurance_needs_question_cargo")
        cls.q_liability = ref("insurance_account_manager.insurance_needs_question_liability")
        cls.line_ah = ref("insurance_account_manager.insurance_line_accident_health")
        cls.tier_general = ref("insurance_account_manager.insurance_client_tier_general")
        cls.tier_general.active = True

    @classmethod
    def _analysis(cls, client, answers, day=TODAY, user=None):
        """A needs analysis of ``client`` with ``answers`` {question: value}."""
        values = []
        for question, value in answers.items():
            field = {"yes_no": "value_bool", "quantity": "quantity", "amount": "amount"}[
                question.answer_type
            ]
            values.append(Command.create({"question_id": question.id, field: value}))
        Analysis = cls.env["insurance.needs.analysis"]
        if user:
            Analysis = Analysis.with_user(user)
        return Analysis.create({"partner_id": client.id, "date": day, "answer_ids": values})

    @classmethod
    def _harbin_answers(cls):
        return {
            cls.q_premises: True,
            cls.q_assets: 8_000_000,
            cls.q_build: False,
            cls.q_staff: 300,
            cls.q_fleet: 12,
            cls.q_cargo: 0,
            cls.q_liability: True,
        }

    def _gaps(self, client):
        gaps = self.env["insurance.coverage.gap"].search([("partner_id", "=", client.id)])
        return {gap.line_id: (gap.gap_type, gap.sum_required, gap.sum_held) for gap in gaps}


@tagged("post_install", "-at_install", "insurance")
class TestNeedsAnalysis(NeedsCommon):
    def test_gaps_of_a_hand_built_book(self):
        self._analysis(self.client_harbin, self._harbin_answers(), user=self.user_am)
        self._analysis(self.client_dalian, {self.q_cargo: 500_000, self.q_fleet: 3})
        self.assertEqual(
            self._gaps(self.client_harbin),
            {
                self.line_property: ("underinsured", 8_000_000, 5_000_000),
                self.line_ah: ("missing", 0, 0),
                self.line_liability: ("missing", 0, 0),
            },
        )
        # Dalian holds cargo 800,000 above the 500,000 needed; no motor
        self.assertEqual(self._gaps(self.client_dalian), {self.line_motor: ("missing", 0, 0)})
        self.assertFalse(self._gaps(self.client_shenyang), "no analysis, no gap")
        self.assertEqual(
            self.client_harbin.insurance_gap_ids.line_id,
            self.line_property | self.line_ah | self.line_liability,
        )

    def test_held_sums_converted_to_the_company_currency(self):
        """A policy in USD counts at today's rate in the currency of the
        analysis's company (here CNY): the company's own latest rate, not a
        newer shared one nor a future one."""
        cny, usd = self.env.ref("base.CNY"), self.env.ref("base.USD")
        cny.active = usd.active = True
        self.company.currency_id = cny
        (self.policy_motor | self.policy_property).currency_id = cny
        Rate = self.env["res.currency.rate"]
        Rate.search([("currency_id", "in", (cny | usd).ids)]).unlink()
        Rate.create(
            [
                # 1 CNY = 0.125 USD: 1 USD = 8 CNY
                {"currency_id": usd.id, "rate": 0.125, "name": "2026-01-01"},
                # a newer shared rate: the company's own rate comes first
                {"currency_id": usd.id, "rate": 0.1, "name": "2026-06-01", "company_id": False},
                # tomorrow's rate is not today's
                {"currency_id": usd.id, "rate": 0.25, "name": "2026-06-16"},
            ]
        )
        self._create_policy(
            "T-PROP-USD", self.client_harbin, self.line_property, 2000, 500_000, currency_id=usd.id
        )
        # needs 10,000,000 CNY; holds 5,000,000 CNY + 500,000 USD = 9,000,000 CNY
        self._analysis(self.client_harbin, {self.q_assets: 10_000_000})
        with freeze_time(TODAY):
            gaps = self._gaps(self.client_harbin)
            expected = 5_000_000 + usd._convert(500_000, cny, self.company, TODAY)
        self.assertEqual(expected, 9_000_000)
        self.assertEqual(gaps, {self.line_property: ("underinsured", 10_000_000, expected)})
        gap = self.env["insurance.coverage.gap"].search(
            [("partner_id", "=", self.client_harbin.id)]
        )
        self.assertEqual(gap.currency_id, cny)
        # 8,500,000 needed: covered by the converted sum (the raw sum of the
        # amounts, 5,500,000, would show a gap)
        self._analysis(self.client_harbin, {self.q_assets: 8_500_000})
        with freeze_time(TODAY):
            self.assertFalse(self._gaps(self.client_harbin))

    def test_latest_analysis_is_current(self):
        old = self._analysis(self.client_harbin, self._harbin_answers(), day=date(2025, 6, 1))
        self.assertTrue(old.is_current)
        self.assertEqual(old.user_id, self.env.user)
        new = self._analysis(self.client_harbin, {self.q_liability: True})
        self.assertFalse(old.is_current)
        self.assertTrue(new.is_current)
        self.assertEqual(self._gaps(self.client_harbin), {self.line_liability: ("missing", 0, 0)})
        # an analysis recorded late (older date) does not replace the current one
        late = self._analysis(self.client_harbin, {self.q_staff: 5}, day=date(2024, 1, 1))
        self.assertFalse(late.is_current)
        self.assertTrue(new.is_current)
        new.unlink()
        self.assertTrue(old.is_current)

    def test_gap_turns_into_opportunity(self):
        self._analysis(self.client_harbin, self._harbin_answers())
        gap = self.env["insurance.coverage.gap"].search(
            [("partner_id", "=", self.client_harbin.id), ("line_id", "=", self.line_liability.id)]
        )
        action = gap.with_user(self.user_am).action_create_opportunity()
        lead = self.env["crm.lead"].browse(action["res_id"])
        self.assertEqual(lead.partner_id, self.client_harbin)
        self.assertEqual(lead.insurance_line_id, self.line_liability)
        self.assertEqual(lead.user_id, self.user_am)
        self.assertEqual(lead.type, "opportunity")
        gap = gap.search([("id", "=", gap.id)])
        self.assertEqual(gap.lead_id, lead)
        # a second click opens the same opportunity
        again = gap.with_user(self.user_am).action_create_opportunity()
        self.assertEqual(again["res_id"], lead.id)
        self.assertEqual(
            self.env["crm.lead"].search_count(
                [
                    ("partner_id", "=", self.client_harbin.id),
                    ("insurance_line_id", "=", self.line_liability.id),
                ]
            ),
            1,
        )
        # a team lead's click gives the opportunity to the client's manager
        other = gap.search(
            [("partner_id", "=", self.client_harbin.id), ("line_id", "=", self.line_ah.id)]
        )
        lead = self.env["crm.lead"].browse(
            other.with_user(self.user_lead).action_create_opportunity()["res_id"]
        )
        self.assertEqual(lead.user_id, self.user_am)

    def test_gaps_across_the_book_per_manager(self):
        self._analysis(self.client_harbin, self._harbin_answers())
        self._analysis(self.client_dalian, {self.q_fleet: 3})
        self._analysis(self.client_shenyang, {self.q_fleet: 1})
        Gap = self.env["insurance.coverage.gap"]
        self.assertEqual(Gap.with_user(self.user_am).search([]).partner_id, self.client_harbin)
        # Sarah Chen manages Dalian and backs up Harbin
        self.assertEqual(
            Gap.with_user(self.user_am_2).search([]).partner_id,
            self.client_harbin | self.client_dalian,
        )
        self.assertEqual(
            Gap.with_user(self.user_lead).search([]).partner_id,
            self.client_harbin | self.client_dalian,
        )
        self.assertEqual(
            Gap.with_user(self.user_am_other).search([]).partner_id, self.client_shenyang
        )
        counts = dict(Gap._read_group([], ["line_id"], ["__count"]))
        self.assertEqual(counts[self.line_motor], 2)

    def test_expiry_per_tier_and_activity(self):
        self.client_harbin.insurance_tier_id = self.tier_general
        self.tier_general.needs_analysis_interval_months = 12
        analysis = self._analysis(self.client_harbin, self._harbin_answers(), day=date(2025, 5, 1))
        self.assertEqual(analysis.date_expiry, date(2026, 5, 1))
        no_tier = self._analysis(self.client_dalian, {self.q_fleet: 3}, day=date(2020, 1, 1))
        self.client_dalian.insurance_tier_id = False
        self.assertFalse(no_tier.date_expiry)
        activity_type = self.env.ref("insurance_account_manager.mail_activity_type_needs_analysis")
        Activity = self.env["mail.activity"]
        # the activity's summary and note are translated without a warning
        with freeze_time(TODAY), self.assertNoLogs("odoo.tools.translate", "WARNING"):
            self.env["insurance.needs.analysis"]._cron_notify_expired()
            self.env["insurance.needs.analysis"]._cron_notify_expired()
        activities = Activity.search([("activity_type_id", "=", activity_type.id)])
        self.assertEqual(len(activities), 1, "once, however often the cron runs")
        self.assertEqual(activities.res_id, self.client_harbin.id)
        self.assertEqual(activities.user_id, self.user_am)
        # the interval from Settings
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.insurance_needs_interval_general, 12)
        settings.insurance_needs_interval_general = 24
        settings.execute()
        self.assertEqual(self.tier_general.needs_analysis_interval_months, 24)
        self.assertEqual(analysis.date_expiry, date(2027, 5, 1))

    def test_expiry_cron_queries_do_not_grow(self):
        """A batch of the expiry cron costs the same queries for 5 and 50 clients."""
        Partner = self.env["res.partner"]
        counts = {}
        for size in (1, 5, 50):  # the first run warms the caches
            clients = Partner.create(
                [
                    {
                        "name": f"Client {size}-{index}",
                        "is_insurance_client": True,
                        "account_manager_id": self.user_am.id,
                        "insurance_tier_id": self.tier_general.id,
                    }
                    for index in range(size)
                ]
            )
            self.env["insurance.needs.analysis"].create(
                [
                    {"partner_id": client.id, "date": TODAY - relativedelta(years=3)}
                    for client in clients
                ]
            )
            self.env.flush_all()
            self.env.invalidate_all()
            with freeze_time(TODAY):
                start = self.cr.sql_log_count
                self.env["insurance.needs.analysis"]._cron_notify_expired()
                self.env.flush_all()
                counts[size] = self.cr.sql_log_count - start
            self.assertEqual(
                self.env["mail.activity"].search_count(
                    [("res_model", "=", "res.partner"), ("res_id", "in", clients.ids)]
                ),
                size,
            )
        self.assertEqual(counts[5], counts[50], counts)
        self.assertLessEqual(counts[50], EXPIRY_QUERY_BUDGET, counts)


@tagged("post_install", "-at_install", "insurance")
class TestNeedsAnalysisRpc(NeedsCommon, InsuranceRpcCase):
    """Needs analyses and gaps over JSON-RPC: own clients only."""

    def test_access_per_group(self):
        analysis = self._analysis(self.client_harbin, self._harbin_answers())
        gap = self.env["insurance.coverage.gap"].search(
            [("partner_id", "=", self.client_harbin.id)], limit=1
        )
        self.assertEqual(
            self.rpc(self.user_am, "insurance.needs.analysis", "search", []), analysis.ids
        )
        self.assertEqual(self.rpc(self.user_am_other, "insurance.needs.analysis", "search", []), [])
        self.assertEqual(self.rpc(self.user_am_other, "insurance.coverage.gap", "search", []), [])
        self.assertRpcRefused(
            self.user_am_other, "insurance.needs.analysis", "read", analysis.ids, ["date"]
        )
        self.assertRpcRefused(
            self.user_am_other, "insurance.needs.analysis", "write", analysis.ids, {"note": "x"}
        )
        self.assertRpcRefused(
            self.user_am_other,
            "insurance.needs.analysis",
            "create",
            {"partner_id": self.client_harbin.id},
        )
        self.assertRpcRefused(
            self.user_am_other, "insurance.coverage.gap", "action_create_opportunity", gap.ids
        )
        self.assertRpcRefused(
            self.user_am_other,
            "insurance.needs.answer",
            "write",
            analysis.answer_ids[:1].ids,
            {"quantity": 1},
        )
        for user in (self.user_handler, self.user_internal, self.user_portal):
            for model in (
                "insurance.needs.analysis",
                "insurance.needs.answer",
                "insurance.coverage.gap",
                "insurance.needs.question",
            ):
                self.assertRpcRefused(user, model, "search_read", [], ["id"])
            self.assertRpcRefused(
                user, "insurance.needs.analysis", "create", {"partner_id": self.client_harbin.id}
            )
            self.assertRpcRefused(
                user, "insurance.coverage.gap", "action_create_opportunity", gap.ids
            )
        # questions are for administrators to change
        self.assertRpcRefused(
            self.user_am, "insurance.needs.question", "write", self.q_fleet.ids, {"name": "x"}
        )

    def test_server_fields_refused(self):
        analysis = self._analysis(self.client_harbin, self._harbin_answers())
        for values in (
            {"user_id": self.user_am_2.id},
            {"is_current": False},
            {"expiry_notified": True},
            {"partner_id": self.client_dalian.id},
        ):
            self.assertRpcRefused(
                self.user_am, "insurance.needs.analysis", "write", analysis.ids, values
            )
        self.assertRpcRefused(
            self.user_am,
            "insurance.needs.analysis",
            "create",
            {"partner_id": self.client_harbin.id, "user_id": self.user_am_2.id},
        )
        new_id = self.rpc(
            self.user_am,
            "insurance.needs.analysis",
            "create",
            {"partner_id": self.client_harbin.id},
        )
        new = self.env["insurance.needs.analysis"].browse(new_id)
        self.assertEqual(new.user_id, self.user_am)
        self.assertTrue(new.is_current)
        self.assertEqual(len(new.answer_ids), self.env["insurance.needs.question"].search_count([]))
