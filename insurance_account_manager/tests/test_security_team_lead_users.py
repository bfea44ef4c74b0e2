"""Team leads record the absence, capacity, backup and licences of their
teams' managers (issue #9), and nothing else on users."""

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import GROUP_LEAD, InsuranceRpcCase

ACCESS = ("odoo.exceptions.AccessError",)


@tagged("post_install", "-at_install", "insurance")
class TestTeamLeadManagers(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_account_managers(
            cls.user_am | cls.user_am_2 | cls.user_am_other, insurance_capacity=50
        )
        # Wang South leads David Okafor's team
        cls.user_lead_2 = new_test_user(
            cls.env, login="iam_lead_2", name="Wang South", groups=GROUP_LEAD
        )
        cls.team_south = cls.env["crm.team"].create(
            {
                "name": "South",
                "user_id": cls.user_lead_2.id,
                "crm_team_member_ids": [Command.create({"user_id": cls.user_am_other.id})],
            }
        )
        cls.absence = {
            "insurance_absence_from": "2026-07-01",
            "insurance_absence_to": "2026-07-14",
            "insurance_backup_user_id": cls.user_am_2.id,
        }

    def test_team_lead_records_an_absence_of_their_manager(self):
        self.rpc(self.user_lead, "res.users", "write", [self.user_am.id], self.absence)
        self.rpc(
            self.user_lead, "res.users", "write", [self.user_am.id], {"insurance_capacity": 80}
        )
        self.user_am.invalidate_recordset()
        self.assertEqual(str(self.user_am.insurance_absence_from), "2026-07-01")
        self.assertEqual(self.user_am.insurance_backup_user_id, self.user_am_2)
        self.assertEqual(self.user_am.insurance_capacity, 80)
        # the form the Managers menu opens is editable for them
        view = self.env.ref("insurance_account_manager.res_users_view_form_insurance_manager")
        arch = (
            self.env["res.users"]
            .with_user(self.user_lead)
            .get_views([(view.id, "form")])["views"]["form"]["arch"]
        )
        self.assertNotIn('edit="false"', arch)
        self.assertIn("insurance_absence_from", arch)
        # licences: through the user and directly
        self.rpc(
            self.user_lead,
            "res.users",
            "write",
            [self.user_am.id],
            {
                "insurance_qualification_ids": [
                    Command.create(
                        {
                            "licence_number": "HLJ-L-1",
                            "line_ids": [Command.set(self.line_motor.ids)],
                        }
                    )
                ]
            },
        )
        self.rpc(
            self.user_lead,
            "insurance.qualification",
            "create",
            {
                "user_id": self.user_am_2.id,
                "licence_number": "HLJ-L-2",
                "line_ids": [Command.set(self.line_property.ids)],
            },
        )
        self.assertEqual(
            self.env["insurance.qualification"]
            .search([("licence_number", "like", "HLJ-L-")])
            .user_id,
            self.user_am | self.user_am_2,
        )

    def test_team_lead_of_another_team_and_other_fields_refused(self):
        # Wang South does not lead Li Wei; Zhang Lead does not lead David Okafor
        for lead, manager in (
            (self.user_lead_2, self.user_am),
            (self.user_lead, self.user_am_other),
        ):
            self.assertRpcRefused(
                lead, "res.users", "write", [manager.id], {"insurance_capacity": 1}, errors=ACCESS
            )
            self.assertRpcRefused(
                lead,
                "insurance.qualification",
                "create",
                {
                    "user_id": manager.id,
                    "licence_number": "X-1",
                    "line_ids": [Command.set(self.line_motor.ids)],
                },
                errors=ACCESS,
            )
        # a lead's own capacity, nor anything but the insurance fields of a member
        self.assertRpcRefused(
            self.user_lead,
            "res.users",
            "write",
            [self.user_lead.id],
            {"insurance_capacity": 999},
            errors=ACCESS,
        )
        admin_group = self.env.ref("insurance_account_manager.insurance_group_admin")
        for values in (
            {"name": "Renamed"},
            {"login": "hijack"},
            {"groups_id": [Command.link(admin_group.id)]},
            {"is_account_manager": False},
            {"insurance_country_ids": [Command.set([])]},
            {"active": False},
            {"insurance_capacity": 10, "email": "x@example.com"},
        ):
            with self.subTest(values=values):
                self.assertRpcRefused(
                    self.user_lead, "res.users", "write", [self.user_am.id], values, errors=ACCESS
                )
        # a backup from another team
        self.assertRpcRefused(
            self.user_lead,
            "res.users",
            "write",
            [self.user_am.id],
            {"insurance_backup_user_id": self.user_am_other.id},
            errors=ACCESS,
        )
        self.user_am.invalidate_recordset()
        self.assertEqual(self.user_am.name, "Li Wei")
        self.assertEqual(self.user_am.insurance_capacity, 50)
        self.assertNotIn(admin_group, self.user_am.groups_id)
        self.assertFalse(self.user_am.insurance_backup_user_id)
        # the lead's own preferences stay theirs
        self.rpc(self.user_lead, "res.users", "write", [self.user_lead.id], {"tz": "Asia/Shanghai"})

    def test_account_managers_and_outsiders_refused(self):
        for user in (self.user_am, self.user_handler, self.user_internal, self.user_portal):
            for target in (self.user_am_2, user):
                self.assertRpcRefused(
                    user, "res.users", "write", [target.id], self.absence, errors=ACCESS
                )
            self.assertRpcRefused(
                user,
                "insurance.qualification",
                "create",
                {
                    "user_id": self.user_am_2.id,
                    "licence_number": "X-2",
                    "line_ids": [Command.set(self.line_motor.ids)],
                },
                errors=ACCESS,
            )
        self.user_am_2.invalidate_recordset()
        self.assertFalse(self.user_am_2.insurance_absence_from)

    def test_insurance_admin_edits_any_manager(self):
        self.rpc(self.user_admin, "res.users", "write", [self.user_am_other.id], self.absence)
        self.assertEqual(self.user_am_other.insurance_backup_user_id, self.user_am_2)
        self.assertRpcRefused(
            self.user_admin,
            "res.users",
            "write",
            [self.user_am_other.id],
            {"groups_id": [Command.link(self.env.ref("base.group_system").id)]},
            errors=ACCESS,
        )
