"""Browser tour: a team lead opens the reporting, validates a scorecard and
prints it."""

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import InsuranceCommon


@tagged("post_install", "-at_install", "insurance")
class TestUiScorecard(InsuranceCommon, HttpCase):
    def test_team_lead_validates_and_prints(self):
        self._make_account_managers(self.user_am)
        today = fields.Date.context_today(self.env["res.users"])
        cards = self.env["insurance.scorecard"]._compute_scorecards("month", today, self.company)
        card = cards.filtered(lambda c: c.user_id == self.user_am)
        self.assertEqual(card.state, "draft")
        self.start_tour(
            "/odoo/action-insurance_account_manager.insurance_report_book_action",
            "insurance_scorecard_validate",
            login="iam_lead",
        )
        self.assertEqual((card.state, card.validated_by_id), ("validated", self.user_lead))
        # the PDF the Print button asks for, as the team lead
        self.authenticate("iam_lead", "iam_lead")
        response = self.url_open(
            f"/report/pdf/insurance_account_manager.report_insurance_scorecard/{card.id}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
