"""Claims service (理赔): a new claim opens a request for the client's manager
whose stages follow the claim; turnaround from report to closing is stored."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_service_request import ServiceCommon


@tagged("post_install", "-at_install", "insurance")
class TestServiceClaim(ServiceCommon):
    def test_claim_opens_request_that_follows_its_stages(self):
        claim = self._create_claim(self.policy_cargo, user_id=self.user_handler.id)
        request = claim.service_request_ids
        self.assertEqual(len(request), 1)
        self.assertRecordValues(
            request,
            [
                {
                    "type_id": self.type_claim.id,
                    "partner_id": self.client_dalian.id,
                    "user_id": self.user_am_2.id,  # the client's manager is accountable
                    "handler_id": self.user_handler.id,  # the claim handler does the work
                    "policy_id": self.policy_cargo.id,
                    "stage_state": "open",
                }
            ],
        )
        self.assertEqual(request.stage_id.name, "Notified")
        claim.stage_id = self.stage_settlement
        self.assertEqual(request.stage_id.name, "Settlement")
        with freeze_time("2026-04-01"):
            claim.stage_id = self.stage_closed
            self.env.flush_all()
        self.assertEqual(request.stage_id.name, "Closed")
        self.assertEqual(request.stage_state, "won")
        self.assertTrue(request.date_closed)
        self.assertEqual(claim.date_closed, date(2026, 4, 1))
        self.assertEqual(claim.turnaround_days, 20)  # reported 12 March, closed 1 April
        rejected = self._create_claim(self.policy_motor)
        rejected.stage_id = self.env.ref("insurance_account_manager.insurance_claim_stage_rejected")
        self.assertEqual(rejected.service_request_ids.stage_state, "lost")
        self.assertEqual(rejected.service_request_ids.user_id, self.user_am)
        # a claims-service request is not won by hand: it follows its claim
        open_claim = self._create_claim(self.policy_cargo)
        with self.assertRaisesRegex(UserError, "close the claim instead"):
            open_claim.service_request_ids.action_mark_won()
        self.assertEqual(open_claim.service_request_ids.stage_state, "open")

    def test_claims_created_in_batch_and_by_a_manager(self):
        claims = (
            self.env["insurance.claim"]
            .with_user(self.user_am)
            .create(
                [
                    {
                        "policy_id": policy.id,
                        "date_loss": date(2026, 3, 10),
                        "date_reported": date(2026, 3, 12),
                    }
                    for policy in (self.policy_motor, self.policy_property)
                ]
            )
        )
        self.assertEqual(len(claims.service_request_ids), 2)
        self.assertEqual(claims.service_request_ids.claim_id, claims)
        visible = self.Request.with_user(self.user_am).search([("claim_id", "in", claims.ids)])
        self.assertEqual(visible, claims.service_request_ids)
        self.assertFalse(claims[0].turnaround_days)  # still open

    def test_request_moved_moves_its_claim(self):
        """Both ways in step: moving the claims-service request moves the claim
        to the claim stage its new stage follows, and back, without a loop."""
        claim = self._create_claim(self.policy_cargo, user_id=self.user_am_2.id)
        request = claim.service_request_ids
        settlement = self.env.ref(
            "insurance_account_manager.insurance_service_stage_claim_settlement"
        )
        closed = self.env.ref("insurance_account_manager.insurance_service_stage_claim_closed")
        request.with_user(self.user_am_2).stage_id = settlement
        self.assertEqual(claim.stage_id, self.stage_settlement)
        self.assertEqual(request.stage_id, settlement)
        with freeze_time("2026-04-01"):
            request.with_user(self.user_am_2).stage_id = closed
            self.env.flush_all()
        self.assertEqual(claim.stage_id, self.stage_closed)
        self.assertEqual(claim.date_closed, date(2026, 4, 1))
        self.assertEqual(request.stage_state, "won")
        # the claim moved back: the request follows
        claim.stage_id = self.stage_notified
        self.assertEqual(request.stage_id.name, "Notified")
        self.assertFalse(claim.date_closed)

    def test_request_stage_following_no_claim_stage_is_refused(self):
        claim = self._create_claim(self.policy_cargo)
        request = claim.service_request_ids
        loose = self.env["insurance.service.stage"].create(
            {"name": "Waiting for documents", "type_ids": [(4, self.type_claim.id)]}
        )
        with self.assertRaisesRegex(UserError, "follows no claim stage"):
            request.stage_id = loose
        self.assertEqual(request.stage_id.name, "Notified")
        self.assertEqual(claim.stage_id, self.stage_notified)
