from datetime import date

from odoo.tests import HttpCase, tagged

from .common import InsuranceCommon


@tagged("post_install", "-at_install", "insurance")
class TestUiManagers(InsuranceCommon, HttpCase):
    def test_team_lead_records_an_absence(self):
        self._make_account_managers(self.user_am | self.user_am_2)
        self.start_tour("/odoo", "insurance_team_lead_absence_tour", login="iam_lead")
        self.user_am.invalidate_recordset()
        self.assertEqual(self.user_am.insurance_absence_from, date(2026, 7, 1))
        self.assertEqual(self.user_am.insurance_absence_to, date(2026, 7, 14))
        self.assertEqual(self.user_am.insurance_backup_user_id, self.user_am_2)
