"""Browser tour: an account manager opens a client, sees its policies and
records a claim (insurance_account_manager_client_claim_tour)."""

from datetime import date

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import InsuranceCommon


@tagged("post_install", "-at_install", "insurance", "insurance_ui")
class TestUi(InsuranceCommon, HttpCase):
    def test_client_claim_tour(self):
        Claim = self.env["insurance.claim"]
        self.assertFalse(Claim.search([("partner_id", "=", self.client_harbin.id)]))
        self.start_tour(
            "/odoo", "insurance_account_manager_client_claim_tour", login="iam_am"
        )
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
