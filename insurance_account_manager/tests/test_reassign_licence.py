"""Reassignment and licences (issue #9): the preview warns per client when the
new manager holds no valid licence for its lines, confirming refuses unless a
team lead overrides with a reason, and team leads list the clients whose
manager is unlicensed. Also the preview's running load."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import InsuranceRpcCase
from .test_assignment import AssignmentCommon

ACCESS = ("odoo.exceptions.AccessError",)
UNLICENSED = [("insurance_manager_unlicensed", "=", True)]


@tagged("post_install", "-at_install", "insurance")
class TestReassignLicence(AssignmentCommon, InsuranceRpcCase):
    def _wizard(self, env=None, **values):
        return (env or self.env)["insurance.client.reassign"].create(
            {"reason": "Rebalance", **values}
        )

    def test_preview_warns_and_confirm_needs_a_lead_override(self):
        # Harbin (motor, property) to Sarah Chen (motor, marine cargo)
        values = {
            "partner_ids": [(6, 0, self.client_harbin.ids)],
            "target_user_id": self.user_am_2.id,
        }
        lead_env = self.env(user=self.user_lead)
        wizard = self._wizard(lead_env, **values)
        wizard.action_preview()
        self.assertEqual(wizard.unlicensed_count, 1)
        self.assertIn("Property", wizard.line_ids.licence_warning)
        self.assertNotIn("Motor", wizard.line_ids.licence_warning)
        with self.assertRaisesRegex(UserError, "without a valid licence"):
            wizard.action_confirm()
        wizard.licence_override = True
        with self.assertRaisesRegex(UserError, "Give the reason"):
            wizard.action_confirm()
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am)
        wizard.licence_override_reason = "Licence renewal filed"
        action = wizard.action_confirm()
        batch = self.env["insurance.assignment.batch"].browse(action["res_id"])
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am_2)
        self.assertIn("Licence renewal filed", batch.reason)
        row = self.client_harbin.insurance_assignment_ids.filtered(lambda r: r.state == "current")
        self.assertIn("moved without licence: Licence renewal filed", row.reason)
        # Dalian (marine cargo) to David Okafor (motor, liability): warned too
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_dalian.ids)], target_user_id=self.user_am_other.id
        )
        wizard.action_preview()
        self.assertIn("Marine", wizard.line_ids.licence_warning)

    def test_licensed_move_has_no_warning(self):
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_shenyang.ids)], target_user_id=self.user_am_other.id
        )
        # Shenyang (liability) to Li Wei: unlicensed until he holds a liability licence
        wizard.target_user_id = self.user_am
        wizard.action_preview()
        self.assertTrue(wizard.line_ids.licence_warning)
        self.env["insurance.qualification"].create(
            {
                "user_id": self.user_am.id,
                "licence_number": "HLJ-LIAB",
                "line_ids": [(6, 0, self.line_liability.ids)],
            }
        )
        wizard.action_preview()
        self.assertFalse(wizard.line_ids.licence_warning)
        self.assertEqual(wizard.unlicensed_count, 0)

    def test_account_manager_cannot_override_over_rpc(self):
        wizard_id = self.rpc(
            self.user_am,
            "insurance.client.reassign",
            "create",
            {
                "reason": "Hand over",
                "partner_ids": [(6, 0, self.client_harbin.ids)],
                "target_user_id": self.user_am_2.id,
                "licence_override": True,
                "licence_override_reason": "I say so",
            },
        )
        self.rpc(self.user_am, "insurance.client.reassign", "action_preview", [wizard_id])
        self.assertRpcRefused(
            self.user_am,
            "insurance.client.reassign",
            "action_confirm",
            [wizard_id],
            errors=ACCESS,
            message="Only team leads",
        )
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am)
        for user in (self.user_handler, self.user_internal, self.user_portal):
            self.assertRpcRefused(
                user,
                "insurance.client.reassign",
                "create",
                {"reason": "x", "licence_override": True, "licence_override_reason": "x"},
                errors=ACCESS,
            )

    def test_client_without_lines_to_a_lapsed_manager_is_warned(self):
        """A client with no policy yet checks no line; a manager whose licences
        all lapsed keeps the flag but, Settings requiring a licence, not the
        right to take clients: the preview warns, confirming needs a team
        lead's override with a reason. Without the requirement, no warning."""
        newcomer = self._new_client(
            "Hulan Bakery", self.tier_retail, account_manager_id=self.user_am.id
        )
        self.user_am_2.insurance_qualification_ids.date_expiry = fields.Date.today() - timedelta(
            days=1
        )
        values = {"partner_ids": [(6, 0, newcomer.ids)], "target_user_id": self.user_am_2.id}
        wizard = self._wizard(self.env(user=self.user_lead), **values)
        wizard.action_preview()
        self.assertEqual(wizard.unlicensed_count, 1)
        self.assertIn("No valid licence", wizard.line_ids.licence_warning)
        with self.assertRaisesRegex(UserError, "without a valid licence"):
            wizard.action_confirm()
        self.assertEqual(newcomer.account_manager_id, self.user_am)
        wizard.write({"licence_override": True, "licence_override_reason": "Renewal filed"})
        wizard.action_confirm()
        self.assertEqual(newcomer.account_manager_id, self.user_am_2)
        # a manager with a valid licence (for other lines) takes it without warning
        wizard = self._wizard(**{**values, "target_user_id": self.user_am_other.id})
        wizard.action_preview()
        self.assertFalse(wizard.line_ids.licence_warning)
        # with the requirement off, the lapsed manager takes it without warning
        self.env["ir.config_parameter"].set_param(
            "insurance_account_manager.require_qualification", "False"
        )
        other = self._new_client("Hulan Mill", self.tier_retail, account_manager_id=self.user_am.id)
        wizard = self._wizard(**{**values, "partner_ids": [(6, 0, other.ids)]})
        wizard.action_preview()
        self.assertFalse(wizard.line_ids.licence_warning)

    def test_preview_by_the_rules_shows_the_running_load(self):
        # three more retail motor clients of Li Wei; his book moves by the rules:
        # "Everyone else" gives them to Sarah Chen (Li Wei leaves), who holds
        # Dalian (retail, 1 unit); Harbin (property) finds no licensed manager
        extra = self.env["res.partner"]
        # created in the reverse order of their names: listed by name, the loads
        # would not run up
        for name in ("Wuchang Rice", "Bayan Farm", "Acheng Mill"):
            extra |= self._new_client(name, self.tier_retail, [self.line_motor])
        extra.account_manager_id = self.user_am
        wizard = self._wizard(
            selection_mode="manager", source_user_id=self.user_am.id, target_mode="rules"
        )
        wizard.action_preview()
        moved = wizard.line_ids.filtered("new_user_id").sorted(lambda line: line.partner_id.id)
        self.assertEqual(moved.partner_id, extra)
        self.assertEqual(moved.new_user_id, self.user_am_2)
        self.assertEqual(moved.mapped("new_load"), [2.0, 3.0, 4.0])
        # and the preview lists them in that order (as the loads run up)
        listed = self.env["insurance.client.reassign.line"].search(
            [("wizard_id", "=", wizard.id), ("new_user_id", "!=", False)]
        )
        self.assertEqual(listed.mapped("new_load"), [2.0, 3.0, 4.0])
        self.assertFalse(moved.filtered("licence_warning"))
        stays = wizard.line_ids - moved
        self.assertEqual(stays.partner_id, self.client_harbin)
        self.assertEqual(stays.reason, "not_qualified")

    def test_wizard_offers_no_create(self):
        arch = self.env["insurance.client.reassign"].get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        for fname in ("partner_ids", "source_user_id", "target_user_id"):
            node = arch.split(f'name="{fname}"', 1)[1].split("/>", 1)[0]
            self.assertIn("no_create", node, fname)


@tagged("post_install", "-at_install", "insurance")
class TestManagerUnlicensed(AssignmentCommon, InsuranceRpcCase):
    def test_team_leads_list_clients_of_unlicensed_managers(self):
        # the demo book has some; the test's book none yet
        book = self.client_harbin | self.client_dalian | self.client_shenyang
        demo = self.env["res.partner"].search(UNLICENSED)
        self.assertFalse(demo & book)
        # Sarah Chen's licence (motor, cargo) expired yesterday: Dalian (cargo)
        yesterday = fields.Date.context_today(self.env.user) - timedelta(days=1)
        self.env["insurance.qualification"].search(
            [("user_id", "=", self.user_am_2.id)]
        ).date_expiry = yesterday
        # David Okafor's client gets a property policy he is not licensed for
        self._create_policy("T-PROP-SY", self.client_shenyang, self.line_property, 100, 1000)
        in_book = [*UNLICENSED, ("id", "in", book.ids)]
        self.assertEqual(
            set(self.rpc(self.user_lead, "res.partner", "search", in_book)),
            {self.client_dalian.id},  # Shenyang is of another team
        )
        self.assertEqual(
            set(self.rpc(self.user_admin, "res.partner", "search", in_book)),
            {self.client_dalian.id, self.client_shenyang.id},
        )
        self.assertTrue(self.client_dalian.insurance_manager_unlicensed)
        self.assertFalse(self.client_harbin.insurance_manager_unlicensed)
        for user in (self.user_am, self.user_handler, self.user_internal, self.user_portal):
            self.assertRpcRefused(user, "res.partner", "search", UNLICENSED, errors=ACCESS)
        # the same number of queries for a bigger book
        Partner = self.env["res.partner"]
        Partner.search(UNLICENSED)
        before = self.env.cr.sql_log_count
        Partner.search(UNLICENSED)
        small = self.env.cr.sql_log_count - before
        for index in range(30):
            client = self._new_client(f"Bulk {index}", self.tier_retail, [self.line_cargo])
            client.account_manager_id = self.user_am_2
        Partner.search(UNLICENSED)
        before = self.env.cr.sql_log_count
        found = Partner.search(UNLICENSED)
        self.assertEqual(self.env.cr.sql_log_count - before, small)
        self.assertEqual(len(found - demo), 32)
