"""Lapsed licences: the daily cron tells the manager's team lead (else the
administrator) of each licence that lapsed or expires soon, once; the clients
stay; the assignment rules give no new client to a manager without a valid
licence."""

from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.tests import tagged

from ..models import insurance_qualification as qualification_module
from ..models import res_partner_assignment as assignment_module
from .common import InsuranceRpcCase

ACCESS = ("odoo.exceptions.AccessError",)


@tagged("post_install", "-at_install", "insurance")
class TestLicenceLapse(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_account_managers(cls.user_am | cls.user_am_2 | cls.user_am_other)
        Qualification = cls.env["insurance.qualification"]
        cls.licence = {
            user: Qualification.search([("user_id", "=", user.id)])
            for user in (cls.user_am, cls.user_am_2, cls.user_am_other)
        }
        cls.today = fields.Date.context_today(Qualification)
        cls.activity_type = cls.env.ref(
            "insurance_account_manager.mail_activity_type_licence_lapse"
        )
        cls.admin = cls.env.ref("base.user_admin")

    def _cron(self):
        self.env["insurance.qualification"]._cron_notify_licence_lapses()

    def _notices(self):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "insurance.qualification"),
                ("activity_type_id", "=", self.activity_type.id),
            ]
        )

    def _notice(self, licence):
        return self._notices().filtered(lambda activity: activity.res_id == licence.id)

    def test_team_lead_hears_once_and_the_clients_stay(self):
        soon, lapsed, later = (
            self.licence[self.user_am],
            self.licence[self.user_am_2],
            self.licence[self.user_am_other],
        )
        soon.date_expiry = self.today + timedelta(days=10)
        lapsed.date_expiry = self.today - timedelta(days=1)
        later.date_expiry = self.today + timedelta(
            days=qualification_module.LICENCE_NOTICE_DAYS + 60
        )
        self._cron()
        self.assertEqual(sorted(self._notices().mapped("res_id")), sorted((soon | lapsed).ids))
        notice = self._notice(soon)
        self.assertEqual(notice.user_id, self.user_lead, "the manager's team lead")
        self.assertEqual(notice.date_deadline, soon.date_expiry)
        self.assertEqual(notice.summary, "Licence expires soon")
        self.assertIn(self.user_am.name, notice.note)
        self.assertIn(soon.licence_number, notice.note)
        self.assertIn("1 client(s)", notice.note)  # Harbin Boiler Works
        notice = self._notice(lapsed)
        self.assertEqual(notice.user_id, self.user_lead)
        self.assertEqual(notice.date_deadline, self.today)
        self.assertEqual(notice.summary, "Licence lapsed")
        self.assertTrue((soon | lapsed).mapped("lapse_notified"))
        self.assertFalse(later.lapse_notified)
        # a rerun adds nothing
        self._cron()
        self.assertEqual(len(self._notices()), 2)
        # nothing is taken away: the flag, the clients
        self.assertTrue(self.user_am_2.is_account_manager)
        self.assertEqual(self.client_dalian.account_manager_id, self.user_am_2)
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am)
        # renewed: the notice is reset; a later lapse is notified again
        soon.date_expiry = self.today + timedelta(days=400)
        self.assertFalse(soon.lapse_notified)
        self._cron()
        self.assertEqual(len(self._notices()), 2)
        soon.date_expiry = self.today - timedelta(days=2)
        self._cron()
        self.assertEqual(len(self._notice(soon)), 2)

    def test_covered_licence_is_not_notified_and_no_team_goes_to_admin(self):
        # Li Wei renewed early: a second licence for every line, open-ended
        self.licence[self.user_am].date_expiry = self.today + timedelta(days=5)
        lines = self.licence[self.user_am].line_ids
        self.env["insurance.qualification"].create(
            {
                "user_id": self.user_am.id,
                "licence_number": "RENEWED",
                "line_ids": [Command.set(lines.ids)],
            }
        )
        # the manager outside any team: the administrator hears of it
        self.licence[self.user_am_other].date_expiry = self.today + timedelta(days=5)
        self._cron()
        self.assertFalse(self._notice(self.licence[self.user_am]))
        self.assertTrue(self.licence[self.user_am].lapse_notified, "handled, not repeated")
        self.assertEqual(self._notice(self.licence[self.user_am_other]).user_id, self.admin)

    def test_batches_resume_without_repeating(self):
        for licence in self.licence.values():
            licence.date_expiry = self.today - timedelta(days=3)
        with patch.object(qualification_module, "LICENCE_NOTICE_BATCH", 2):
            self._cron()
            self.assertEqual(len(self._notices()), 2)
            self._cron()
            self.assertEqual(len(self._notices()), 3)
            self._cron()
        self.assertEqual(len(self._notices()), 3)
        self.assertEqual(
            sorted(self._notices().mapped("res_id")),
            sorted(licence.id for licence in self.licence.values()),
        )

    def test_lapsed_manager_gets_no_new_client(self):
        """With a valid licence required (the default), the assignment rules
        give no client to a manager whose licences all lapsed, not even a
        client without policies (no line to check)."""
        self.env["ir.config_parameter"].set_param(assignment_module.AUTO_ASSIGNMENT_PARAM, "True")
        Rule = self.env["insurance.assignment.rule"]
        Rule.search([]).active = False
        Rule.create({"name": "All to Sarah", "user_ids": [Command.set(self.user_am_2.ids)]})
        self.user_am_2.insurance_capacity = 50
        self.licence[self.user_am_2].date_expiry = self.today - timedelta(days=1)
        Partner = self.env["res.partner"].with_user(self.user_admin)
        client = Partner.create({"name": "Qiqihar Steel", "is_insurance_client": True})
        self.assertFalse(client.account_manager_id)
        self.assertEqual(client.insurance_unassigned_reason, "not_qualified")
        # renewed: the rules give the next client to the manager again
        self.licence[self.user_am_2].date_expiry = self.today + timedelta(days=365)
        client = Partner.create({"name": "Jixi Coal", "is_insurance_client": True})
        self.assertEqual(client.account_manager_id, self.user_am_2)

    def test_lapse_notified_is_the_servers(self):
        licence = self.licence[self.user_am]
        licence.date_expiry = self.today - timedelta(days=1)
        self._cron()
        self.assertTrue(licence.lapse_notified)
        for user in (
            self.user_am,
            self.user_lead,
            self.user_admin,
            self.user_handler,
            self.user_internal,
            self.user_portal,
        ):
            self.assertRpcRefused(
                user,
                "insurance.qualification",
                "write",
                licence.ids,
                {"lapse_notified": False},
                errors=ACCESS,
            )
            self.assertRpcRefused(
                user,
                "insurance.qualification",
                "create",
                {
                    "user_id": self.user_am.id,
                    "licence_number": f"QUIET-{user.id}",
                    "line_ids": [Command.set(licence.line_ids.ids)],
                    "date_expiry": str(self.today - timedelta(days=1)),
                    "lapse_notified": True,
                },
                errors=ACCESS,
            )
            # nor through a context default
            self.assertRpcRefused(
                user,
                "insurance.qualification",
                "create",
                {
                    "user_id": self.user_am.id,
                    "licence_number": f"QUIET-CTX-{user.id}",
                    "line_ids": [Command.set(licence.line_ids.ids)],
                    "date_expiry": str(self.today - timedelta(days=1)),
                },
                context={"default_lapse_notified": True},
                errors=ACCESS,
            )
        self.assertTrue(licence.lapse_notified)
        self.assertFalse(
            self.env["insurance.qualification"].search([("licence_number", "=like", "QUIET-%")])
        )
        # the team lead renews the licence of their team's manager: a new notice is due
        self.rpc(
            self.user_lead,
            "insurance.qualification",
            "write",
            licence.ids,
            {"date_expiry": str(self.today + timedelta(days=400))},
        )
        self.assertFalse(licence.lapse_notified)
        # nor can anyone run the cron's worker over RPC
        for user in (self.user_am, self.user_lead, self.user_handler):
            self.assertRpcRefused(user, "insurance.qualification", "_cron_notify_licence_lapses")
