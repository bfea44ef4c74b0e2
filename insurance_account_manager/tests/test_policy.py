from datetime import date

from dateutil.relativedelta import relativedelta
from freezegun import freeze_time
from lxml import etree
from psycopg2 import IntegrityError

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.safe_eval import safe_eval

from .common import COVER_END, COVER_START, InsuranceCommon


@tagged("post_install", "-at_install", "insurance")
class TestPolicy(InsuranceCommon):
    def test_end_date_must_follow_start_date(self):
        for end in (COVER_START, date(2025, 12, 31)):
            with self.subTest(end=end), self.assertRaisesRegex(ValidationError, "end date"):
                self._create_policy(
                    f"T-BAD-{end}", self.client_harbin, self.line_motor, 100, 1000, date_end=end
                )
        self.policy_motor.date_end = date(2026, 1, 2)  # one day of cover is fine
        with self.assertRaisesRegex(ValidationError, "end date"):
            self.policy_motor.date_start = date(2026, 1, 2)

    def test_end_date_defaults_to_one_year(self):
        policy = self.env["insurance.policy"].create(
            {"name": "T-NOEND", "partner_id": self.client_dalian.id, "date_start": date(2026, 3, 1)}
        )
        self.assertEqual(policy.date_end, date(2027, 2, 28))
        self.assertEqual(policy.state, "draft")
        self.assertEqual(policy.premium, 0.0)

    def test_amounts_not_negative(self):
        for field in ("premium", "sum_insured"):
            with self.subTest(field=field), self.assertRaisesRegex(ValidationError, "negative"):
                self.policy_motor.copy({"name": "T-NEG", field: -1})
        with self.assertRaisesRegex(ValidationError, "negative"):
            self.policy_motor.write({"sum_insured": -0.01})
        # Constrained field missing from the create values: the default (0) is checked.
        policy = self.env["insurance.policy"].create(
            {"name": "T-MIN", "partner_id": self.client_harbin.id, "date_start": COVER_START}
        )
        self.assertEqual((policy.premium, policy.sum_insured), (0.0, 0.0))

    def test_policy_number_unique_per_company(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self._create_policy("T-MOTOR-1", self.client_dalian, self.line_motor, 1, 10)
        other_company = self.env["res.company"].create({"name": "Insurer South"})
        client = self.env["res.partner"].create({"name": "Guangzhou Textiles", "company_id": False})
        twin = self._create_policy(
            "T-MOTOR-1", client, self.line_motor, 1, 10, company_id=other_company.id
        )
        self.assertEqual(twin.name, self.policy_motor.name)

    def test_policy_number_normalised_before_the_uniqueness_check(self):
        """ "t-motor-1 " is T-MOTOR-1: refused as a second one, on create and write."""
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self._create_policy(" t-motor-1 ", self.client_dalian, self.line_motor, 1, 10)
        policy = self._create_policy(" ux-prp-0001 ", self.client_dalian, self.line_motor, 1, 10)
        self.assertEqual(policy.name, "UX-PRP-0001")
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                policy.write({"name": "t-prop-1\t"})
                self.env.flush_all()
        policy.name = " ux-prp-0002"
        self.assertEqual(policy.name, "UX-PRP-0002")

    def test_policy_makes_partner_a_client(self):
        partner = self.env["res.partner"].create({"name": "Qiqihar Steel"})
        self.assertFalse(partner.is_insurance_client)
        self._create_policy("T-QQ-1", partner, self.line_property, 100, 1000)
        self.assertTrue(partner.is_insurance_client)

    def test_annual_premium_counts_active_policies_only(self):
        self.assertEqual(self.client_harbin.annual_premium, 42000)
        self.policy_property.action_cancel()
        self.assertEqual(self.client_harbin.annual_premium, 12000)
        draft = self._create_policy(
            "T-MOTOR-2", self.client_harbin, self.line_motor, 999, 1000, state="draft"
        )
        self.assertEqual(self.client_harbin.annual_premium, 12000)
        draft.action_activate()
        self.assertEqual(self.client_harbin.annual_premium, 12999)
        self.policy_motor.premium = 13000
        self.assertEqual(self.client_harbin.annual_premium, 13999)
        # stored: a fresh read from the database gives the same figure
        self.env.invalidate_all()
        self.assertEqual(self.client_harbin.annual_premium, 13999)

    def test_annual_premium_converts_currencies(self):
        company_currency = self.company.currency_id
        foreign = self.env.ref("base.EUR" if company_currency.name != "EUR" else "base.USD")
        foreign.active = True
        self.env["res.currency.rate"].search(
            [("currency_id", "in", (foreign | company_currency).ids)]
        ).unlink()
        # 1 unit of company currency buys 0.5 foreign units: 100 foreign = 200
        self.env["res.currency.rate"].create(
            {"currency_id": foreign.id, "rate": 0.5, "name": "2020-01-01"}
        )
        self._create_policy(
            "T-FX-1", self.client_dalian, self.line_cargo, 100, 1000, currency_id=foreign.id
        )
        self.assertAlmostEqual(self.client_dalian.annual_premium, 8000 + 200)

    def test_account_manager_follows_client(self):
        self.assertEqual(self.policy_motor.account_manager_id, self.user_am)
        self.client_harbin.write({"account_manager_id": self.user_am_other.id})
        self.assertEqual(
            (self.policy_motor | self.policy_property).account_manager_id, self.user_am_other
        )
        self.assertEqual(
            self.env["insurance.policy"].search_count(
                [("account_manager_id", "=", self.user_am_other.id)]
            ),
            3,
        )

    def test_renewal_chain(self):
        renewal = self._create_policy(
            "T-MOTOR-2027",
            self.client_harbin,
            self.line_motor,
            12500,
            500000,
            date_start=date(2027, 1, 1),
            date_end=date(2027, 12, 31),
            previous_policy_id=self.policy_motor.id,
            state="draft",
        )
        self.assertEqual(self.policy_motor.renewal_policy_id, renewal)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                self._create_policy(
                    "T-MOTOR-2027B",
                    self.client_harbin,
                    self.line_motor,
                    1,
                    1,
                    previous_policy_id=self.policy_motor.id,
                )
        with self.assertRaisesRegex(ValidationError, "same client"):
            self._create_policy(
                "T-OTHER",
                self.client_dalian,
                self.line_motor,
                1,
                1,
                previous_policy_id=self.policy_property.id,
            )
        with self.assertRaisesRegex(ValidationError, "renew itself"):
            self.policy_cargo.previous_policy_id = self.policy_cargo

    def test_unlink_policy_with_claims_is_refused(self):
        self._create_claim(self.policy_motor)
        with self.assertRaisesRegex(UserError, "Archive them instead"):
            self.policy_motor.unlink()
        self.policy_motor.action_archive()
        self.assertFalse(self.policy_motor.active)
        self.assertTrue(self.policy_motor.exists())
        # a policy without claims can go
        self.policy_cargo.unlink()
        self.assertFalse(self.policy_cargo.exists())

    def test_state_actions(self):
        draft = self._create_policy("T-D", self.client_dalian, self.line_cargo, 1, 1, state="draft")
        draft.action_activate()
        self.assertEqual(draft.state, "active")
        with self.assertRaises(UserError):
            draft.action_activate()
        draft.action_cancel()
        self.assertEqual(draft.state, "cancelled")
        draft.action_set_draft()
        self.assertEqual(draft.state, "draft")
        with self.assertRaisesRegex(UserError, "Only cancelled"):
            self.policy_motor.action_set_draft()
        self._create_claim(self.policy_motor)
        self.policy_motor.action_cancel()
        with self.assertRaisesRegex(UserError, "with claims"):
            self.policy_motor.action_set_draft()
        self.assertEqual(self.policy_motor.state, "cancelled")

    def test_cron_expires_ended_policies(self):
        ended = self._create_policy(
            "T-OLD",
            self.client_dalian,
            self.line_cargo,
            1,
            1,
            date_start=date(2024, 1, 1),
            date_end=date(2024, 12, 31),
        )
        draft_old = self._create_policy(
            "T-OLD-D",
            self.client_dalian,
            self.line_cargo,
            1,
            1,
            date_start=date(2024, 1, 1),
            date_end=date(2024, 12, 31),
            state="draft",
        )
        with freeze_time("2026-06-01"):
            self.env["insurance.policy"]._cron_expire_policies()
            self.assertEqual(ended.state, "expired")
            self.assertEqual(draft_old.state, "draft")
            self.assertEqual(self.policy_motor.state, "active")
        with freeze_time(COVER_END.replace(year=2027, month=1, day=1)):
            self.env["insurance.policy"]._cron_expire_policies()
            self.assertEqual(self.policy_motor.state, "expired")
            # idempotent: a second run changes nothing and fails on nothing
            self.env["insurance.policy"]._cron_expire_policies()
            self.assertEqual(self.policy_motor.state, "expired")

    def test_expiring_filter_domain(self):
        """The "Expiring in 90 Days" filter of the search view selects what it says."""
        today = date(2026, 10, 15)
        soon = self._create_policy(
            "T-SOON",
            self.client_dalian,
            self.line_cargo,
            1,
            1,
            date_start=date(2025, 12, 1),
            date_end=date(2026, 11, 30),
        )
        self._create_policy(
            "T-LATER",
            self.client_dalian,
            self.line_cargo,
            1,
            1,
            date_start=date(2026, 1, 14),
            date_end=today + relativedelta(days=91),
        )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "insurance_account_manager.insurance_policy_action_expiring"
        )
        self.assertIn("search_default_expiring_90", action["context"])
        arch = self.env.ref("insurance_account_manager.insurance_policy_view_search").arch
        node = etree.fromstring(arch).xpath("//filter[@name='expiring_90']")[0]
        domain = safe_eval(
            node.get("domain"), {"context_today": lambda: today, "relativedelta": relativedelta}
        )
        found = self.env["insurance.policy"].search(
            domain + [("partner_id", "in", (self.client_dalian | self.client_harbin).ids)]
        )
        # policies ending 2026-12-31 are 77 days away: in; 91 days: out
        self.assertEqual(found, soon | self.policy_cargo | self.policy_motor | self.policy_property)
