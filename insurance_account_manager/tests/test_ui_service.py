"""Browser tour: a manager starts on My Pipeline, wins a renewal through the
Won wizard and finds the new policy term on the client."""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import InsuranceCommon


@tagged("post_install", "-at_install", "insurance")
class TestUiService(InsuranceCommon, HttpCase):
    def test_renewal_won_through_the_wizard(self):
        request = self.env["insurance.service.request"]._create_renewal_requests(self.policy_motor)
        self.assertEqual(request.stage_id.name, "Renewal Due")
        # due within 30 days of the tour's day: counted on the overview
        request.date_deadline = fields.Date.context_today(request) + timedelta(days=20)
        self.start_tour(
            "/odoo/action-insurance_account_manager.insurance_service_type_action_dashboard",
            "insurance_service_renewal_won",
            login="iam_am",
        )
        self.assertEqual(request.stage_id.state, "won")
        next_term = self.policy_motor.renewal_policy_id
        self.assertEqual(next_term.name, "HB-MOTOR-2027")
        self.assertEqual(request.new_policy_id, next_term)
        self.assertEqual(next_term.premium, 12600.0)
        self.assertEqual(next_term.date_start, self.policy_motor.date_end + timedelta(days=1))
        self.assertEqual(self.policy_motor.renewal_state, "renewed")
