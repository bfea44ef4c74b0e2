from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import InsuranceCommon


@tagged("post_install", "-at_install", "insurance")
class TestClaim(InsuranceCommon):
    def test_claim_number_and_client_from_policy(self):
        claim = self._create_claim(self.policy_motor)
        claim_2 = self._create_claim(self.policy_cargo)
        self.assertRegex(claim.name, r"^CLM/\d{4}/\d{5}$")
        self.assertNotEqual(claim.name, claim_2.name)
        self.assertEqual(claim.partner_id, self.client_harbin)
        self.assertEqual(claim.account_manager_id, self.user_am)
        self.assertEqual(claim.company_id, self.company)
        self.assertEqual(claim.stage_id, self.stage_notified)
        self.assertEqual(self.client_harbin.insurance_claim_count, 1)
        self.assertEqual(self.policy_motor.claim_count, 1)

    def test_amounts_not_negative(self):
        for field in ("amount_claimed", "amount_reserved", "amount_paid"):
            with self.subTest(field=field), self.assertRaisesRegex(ValidationError, "negative"):
                self._create_claim(self.policy_motor, **{field: -5})

    def test_paid_above_claimed_warns_and_is_flagged(self):
        form = Form(self.env["insurance.claim"].with_context(tracking_disable=False))
        form.policy_id = self.policy_motor
        form.date_loss = date(2026, 3, 10)
        form.date_reported = date(2026, 3, 12)
        form.amount_claimed = 10000
        with self.assertLogs("odoo.tests.form.onchange", level="WARNING") as logs:
            form.amount_paid = 12000
        self.assertIn("above the amount claimed", "\n".join(logs.output))
        claim = form.save()
        note = claim.message_ids.filtered(lambda m: "Paid above the claimed" in (m.body or ""))
        self.assertEqual(len(note), 1)
        self.assertEqual(claim.activity_ids.user_id, self.user_am)  # Harbin's manager reviews
        # paid within the claim: no warning, no further note
        claim.amount_paid = 9000
        claim.amount_paid = 9500
        self.assertEqual(len(claim.activity_ids), 1)
        claim.amount_claimed = 9000  # now paid above again: flagged again
        self.assertEqual(len(claim.activity_ids), 2)

    def test_amount_paid_within_sum_insured(self):
        with self.assertRaisesRegex(ValidationError, "cannot exceed the sum insured"):
            self._create_claim(self.policy_motor, amount_paid=500000.01)
        claim = self._create_claim(self.policy_motor, amount_paid=500000)
        with self.assertRaisesRegex(ValidationError, "cannot exceed the sum insured"):
            claim.amount_paid = 600000
        # lowering the sum insured below what was paid is refused on the policy side
        with self.assertRaisesRegex(ValidationError, "sum insured cannot be lower"):
            self.policy_motor.sum_insured = 400000
        self.policy_motor.sum_insured = 500000

    def test_loss_date_inside_cover(self):
        for loss in (date(2025, 12, 31), date(2027, 1, 1)):
            with (
                self.subTest(loss=loss),
                self.assertRaisesRegex(ValidationError, "within the cover"),
            ):
                self._create_claim(
                    self.policy_motor, date_loss=loss, date_reported=date(2027, 1, 5)
                )
        # boundaries are inside
        self._create_claim(self.policy_motor, date_loss=date(2026, 1, 1))
        claim = self._create_claim(
            self.policy_motor, date_loss=date(2026, 12, 31), date_reported=date(2027, 1, 2)
        )
        # moving the claim to a policy whose cover does not include the loss is refused
        other = self._create_policy(
            "T-2025",
            self.client_harbin,
            self.line_motor,
            1,
            1000000,
            date_start=date(2025, 1, 1),
            date_end=date(2025, 12, 31),
        )
        with self.assertRaisesRegex(ValidationError, "within the cover"):
            claim.policy_id = other
        # shortening the policy so that an existing claim falls outside is refused
        with self.assertRaisesRegex(ValidationError, "outside the new period of cover"):
            self.policy_motor.date_end = date(2026, 6, 30)

    def test_reported_not_before_loss(self):
        with self.assertRaisesRegex(ValidationError, "reported before it happened"):
            self._create_claim(
                self.policy_motor, date_loss=date(2026, 5, 2), date_reported=date(2026, 5, 1)
            )
        self._create_claim(
            self.policy_motor, date_loss=date(2026, 5, 2), date_reported=date(2026, 5, 2)
        )

    def test_reported_date_missing_from_create_values(self):
        """date_reported defaults to today, and that default is checked too."""
        with freeze_time("2026-04-01"):
            with self.assertRaisesRegex(ValidationError, "reported before it happened"):
                self.env["insurance.claim"].create(
                    {"policy_id": self.policy_motor.id, "date_loss": date(2026, 4, 20)}
                )
            claim = self.env["insurance.claim"].create(
                {"policy_id": self.policy_motor.id, "date_loss": date(2026, 3, 20)}
            )
        self.assertEqual(claim.date_reported, date(2026, 4, 1))
        self.assertEqual((claim.amount_claimed, claim.amount_paid), (0.0, 0.0))

    def test_date_closed_follows_closing_stage(self):
        claim = self._create_claim(self.policy_motor)
        self.assertFalse(claim.date_closed)
        with freeze_time("2026-05-20"):
            claim.stage_id = self.stage_closed
            self.assertEqual(claim.date_closed, date(2026, 5, 20))
        claim.stage_id = self.stage_settlement
        self.assertFalse(claim.date_closed)

    def test_stages_shown_as_kanban_columns(self):
        """Empty stages still show as columns (group_expand)."""
        groups = self.env["insurance.claim"].read_group(
            [("id", "=", 0)], ["stage_id"], ["stage_id"]
        )
        stages = self.env["insurance.claim.stage"].search([])
        self.assertEqual([g["stage_id"][0] for g in groups], stages.ids)

    def test_client_with_claims_cannot_be_deleted(self):
        self._create_claim(self.policy_motor)
        with self.assertRaisesRegex(UserError, "archive them instead|Archive them instead"):
            self.client_harbin.unlink()
        self.client_harbin.action_archive()
        self.assertFalse(self.client_harbin.active)
        self.assertEqual(self.client_harbin.insurance_claim_count, 1)
        # a partner with no insurance record can still be deleted as usual
        stranger = self.env["res.partner"].create({"name": "Walk-in Visitor"})
        stranger.unlink()
        self.assertFalse(stranger.exists())
