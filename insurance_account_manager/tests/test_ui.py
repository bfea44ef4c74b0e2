"""Browser tour: an account manager opens a client, sees its policies and
records a claim (insurance_account_manager_client_claim_tour)."""

from datetime import date

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from ..models.res_partner_assignment import AUTO_ASSIGNMENT_PARAM
from .common import InsuranceCommon


@tagged("post_install", "-at_install", "insurance", "insurance_ui")
class TestUi(InsuranceCommon, HttpCase):
    def test_client_claim_tour(self):
        Claim = self.env["insurance.claim"]
        self.assertFalse(Claim.search([("partner_id", "=", self.client_harbin.id)]))
        self.start_tour("/odoo", "insurance_account_manager_client_claim_tour", login="iam_am")
        self.env.invalidate_all()
        claim = Claim.search([("partner_id", "=", self.client_harbin.id)])
        self.assertEqual(len(claim), 1, "the tour records one claim for the client")
        self.assertRegex(claim.name, r"^CLM/\d{4}/\d{5}$")
        self.assertEqual(claim.policy_id, self.policy_motor)
        self.assertEqual(claim.partner_id, self.client_harbin)
        self.assertEqual(claim.account_manager_id, self.user_am)
        self.assertEqual(claim.account_manager_id.name, "Li Wei")
        self.assertEqual(claim.user_id, self.user_am, "the handler defaults to its creator")
        self.assertEqual(claim.create_uid, self.user_am)
        self.assertEqual(claim.stage_id, self.stage_notified)
        self.assertEqual(claim.date_loss, date(2026, 6, 15))
        self.assertEqual(
            claim.date_reported, fields.Date.context_today(claim.with_user(self.user_am))
        )
        self.assertEqual(claim.amount_claimed, 45000)
        self.assertFalse(claim.amount_paid)


@tagged("post_install", "-at_install", "insurance", "insurance_ui")
class TestTierUi(InsuranceCommon, HttpCase):
    """An administrator edits a tier rule in Settings and recomputes; the
    account manager then sees the new tier on the client."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tier_key = cls.env.ref("insurance_account_manager.insurance_client_tier_key")
        cls.env["insurance.tier.rule"].search([]).active = False  # the demo rules, if any
        cls.rule = cls.env["insurance.tier.rule"].create(
            {
                "name": "Tour key rule",
                "sequence": 1,
                "tier_id": cls.tier_key.id,
                "min_premium": 100000,
            }
        )
        clients = cls.client_harbin | cls.client_dalian | cls.client_shenyang
        clients._recompute_insurance_tiers()

    def test_admin_edits_rule_and_manager_sees_new_tier(self):
        self.assertEqual(self.client_harbin.annual_premium, 42000)
        self.assertNotEqual(self.client_harbin.insurance_tier_id, self.tier_key)
        self.start_tour("/odoo", "insurance_tier_rule_settings", login="admin")
        self.env.invalidate_all()
        self.assertEqual(self.rule.min_premium, 40000)
        self.assertEqual(self.client_harbin.insurance_tier_id, self.tier_key)
        self.assertNotEqual(self.client_dalian.insurance_tier_id, self.tier_key)  # 8,000
        history = self.env["insurance.tier.history"].search(
            [("partner_id", "=", self.client_harbin.id), ("new_tier_id", "=", self.tier_key.id)]
        )
        self.assertEqual(len(history), 1)
        self.start_tour("/odoo", "insurance_tier_seen_by_manager", login="iam_am")


@tagged("post_install", "-at_install", "insurance", "insurance_ui")
class TestUiChinese(InsuranceCommon, HttpCase):
    """An account manager who works in Chinese sees the addon in the article's
    vocabulary (客户经理, 重点客户, 保单, 年保费)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["web", "insurance_account_manager"], ["zh_CN"], overwrite=True
        )
        cls.user_am.lang = "zh_CN"
        cls.client_harbin.insurance_tier_id = cls.env.ref(
            "insurance_account_manager.insurance_client_tier_key"
        )

    def test_manager_works_in_chinese(self):
        labels = self.env["res.partner"].with_context(lang="zh_CN")._fields
        self.assertEqual(
            labels["account_manager_id"]._description_string(self.env(context={"lang": "zh_CN"})),
            "客户经理",
        )
        self.start_tour("/odoo", "insurance_zh_cn_tour", login="iam_am")


@tagged("post_install", "-at_install", "insurance", "insurance_ui")
class TestClientCreateUi(InsuranceCommon, HttpCase):
    """An account manager creates a client that the assignment rules give to
    another manager: the form shows it once saved, the list no more."""

    def test_client_create_tour(self):
        self._make_account_managers(self.user_am | self.user_am_2, insurance_capacity=50)
        Rule = self.env["insurance.assignment.rule"]
        Rule.search([]).active = False
        Rule.create({"name": "All to Sarah", "user_ids": [Command.set(self.user_am_2.ids)]})
        self.env["ir.config_parameter"].set_param(AUTO_ASSIGNMENT_PARAM, "True")
        self.start_tour("/odoo", "insurance_client_create_tour", login="iam_am")
        client = self.env["res.partner"].search([("name", "=", "Mudanjiang Tour Paper")])
        self.assertEqual(len(client), 1)
        self.assertEqual(client.account_manager_id, self.user_am_2)
        self.assertEqual(client.create_uid, self.user_am)
        self.assertFalse(client.with_user(self.user_am).has_access("read"))
