"""Browser tour: a manager drags a renewal to Won and finds the new policy
term on the client."""

from odoo.tests import HttpCase, tagged

from .common import InsuranceCommon


@tagged("post_install", "-at_install", "insurance")
class TestUiService(InsuranceCommon, HttpCase):
    def test_renewal_won_by_drag_and_drop(self):
        request = self.env["insurance.service.request"]._create_renewal_requests(self.policy_motor)
        self.assertEqual(request.stage_id.name, "Renewal Due")
        self.start_tour(
            "/odoo/action-insurance_account_manager.insurance_service_request_action_renewal",
            "insurance_service_renewal_won",
            login="iam_am",
        )
        self.assertEqual(request.stage_id.state, "won")
        next_term = self.policy_motor.renewal_policy_id
        self.assertEqual(next_term.name, "T-MOTOR-1/R1")
        self.assertEqual(request.new_policy_id, next_term)
        self.assertEqual(next_term.premium, self.policy_motor.premium)
        self.assertEqual(self.policy_motor.renewal_state, "renewed")
