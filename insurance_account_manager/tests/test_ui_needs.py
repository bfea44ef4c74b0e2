"""Browser tour: an account manager records a needs analysis of a client,
sees the coverage gap it shows and turns it into an opportunity
(insurance_needs_analysis_tour).

The tour asks for a screenshot at the gap and at the end (a console message
``insurance_screenshot:<name>``): saved as Odoo saves the screenshots of a
failed tour, ``<screenshots>/<db>/screenshots/needs_<name>_*.png``, to look at
what the manager sees."""

from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from .common import InsuranceCommon

SCREENSHOT_SIGNAL = "insurance_screenshot:"


def _handle_console(original):
    def handle(browser, type, args=None, **kwargs):  # pylint: disable=redefined-builtin
        original(browser, type, args=args, **kwargs)
        if type == "log" and args:
            message = str(browser._from_remoteobject(args[0]))
            if message.startswith(SCREENSHOT_SIGNAL):
                browser.take_screenshot(f"needs_{message[len(SCREENSHOT_SIGNAL) :]}_")

    return handle


@tagged("post_install", "-at_install", "insurance", "insurance_ui")
class TestUiNeeds(InsuranceCommon, HttpCase):
    def test_needs_analysis_gap_to_opportunity(self):
        Lead = self.env["crm.lead"]
        line_liability = self.line_liability
        domain = [
            ("partner_id", "=", self.client_harbin.id),
            ("insurance_line_id", "=", line_liability.id),
        ]
        self.assertFalse(Lead.search(domain))
        with patch.object(
            ChromeBrowser, "_handle_console", _handle_console(ChromeBrowser._handle_console)
        ):
            self.start_tour("/odoo", "insurance_needs_analysis_tour", login="iam_am")
        self.env.invalidate_all()
        analysis = self.env["insurance.needs.analysis"].search(
            [("partner_id", "=", self.client_harbin.id)]
        )
        self.assertEqual(len(analysis), 1, "the tour records one analysis")
        self.assertEqual((analysis.user_id, analysis.is_current), (self.user_am, True))
        gaps = self.env["insurance.coverage.gap"].search(
            [("partner_id", "=", self.client_harbin.id)]
        )
        self.assertEqual(gaps.line_id, line_liability, "motor is held: liability only")
        lead = Lead.search(domain)
        self.assertEqual(len(lead), 1, "one click, one opportunity")
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.user_id, self.user_am, "owned by the client's manager")
        self.assertEqual(lead.create_uid, self.user_am)
        self.assertEqual(gaps.lead_id, lead)
