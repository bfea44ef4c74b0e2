"""Who manages a new client (issue #9): the assignment rules when automatic
assignment is on, the creating account manager when it is off; never the
creator by a default of the Clients action."""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.insurance_account_manager.models import res_partner_assignment as assignment_module

from .common import InsuranceRpcCase

ACCESS = ("odoo.exceptions.AccessError",)
# what the Clients menu sends, and what it sent before issue #9
ACTION_CONTEXT = {"default_is_insurance_client": True, "default_is_company": True}


@tagged("post_install", "-at_install", "insurance")
class TestClientCreate(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_account_managers(
            cls.user_am | cls.user_am_2 | cls.user_am_other, insurance_capacity=50
        )
        Rule = cls.env["insurance.assignment.rule"]
        Rule.search([]).active = False
        # the rules give every client to Sarah Chen
        cls.rule = Rule.create(
            {"name": "All to Sarah", "user_ids": [Command.set(cls.user_am_2.ids)]}
        )

    def _set_auto(self, on):
        self.env["ir.config_parameter"].set_param(
            assignment_module.AUTO_ASSIGNMENT_PARAM, "True" if on else ""
        )

    def _create(self, user, name, context=None, **values):
        client_id = self.rpc(
            user,
            "res.partner",
            "create",
            {"name": name, **values},
            context={**ACTION_CONTEXT, **(context or {})},
        )
        return self.env["res.partner"].browse(client_id)

    def test_clients_action_names_no_manager(self):
        action = self.env.ref("insurance_account_manager.res_partner_action_insurance_client")
        self.assertNotIn("account_manager_id", action.context)
        self.assertIn("default_is_insurance_client", action.context)

    def test_auto_off_account_manager_gets_the_client_lead_and_admin_choose(self):
        self._set_auto(False)
        client = self._create(self.user_am, "Mudanjiang Paper")
        self.assertTrue(client.is_insurance_client)
        self.assertEqual(client.account_manager_id, self.user_am)
        self.assertEqual(client.insurance_assignment_ids.user_id, self.user_am)
        # a team lead and an administrator are not made managers by default
        for user in (self.user_lead, self.user_admin):
            client = self._create(user, f"Unassigned of {user.name}")
            self.assertTrue(client.is_insurance_client)
            self.assertFalse(client.account_manager_id, user.name)
        # they choose (the lead among their teams)
        client = self._create(self.user_lead, "Suihua Rice", account_manager_id=self.user_am.id)
        self.assertEqual(client.account_manager_id, self.user_am)
        client = self._create(
            self.user_admin, "Heihe Trade", account_manager_id=self.user_am_other.id
        )
        self.assertEqual(client.account_manager_id, self.user_am_other)
        # an account manager still creates for no one else
        self.assertRpcRefused(
            self.user_am,
            "res.partner",
            "create",
            {"name": "Not Mine", "account_manager_id": self.user_am_2.id},
            context=ACTION_CONTEXT,
            errors=ACCESS,
        )
        # a plain contact (not a client) gets no manager
        contact = self.env["res.partner"].browse(
            self.rpc(self.user_am, "res.partner", "create", {"name": "Plain Contact"})
        )
        self.assertFalse(contact.is_insurance_client)
        self.assertFalse(contact.account_manager_id)

    def test_auto_on_the_rules_decide_whoever_creates(self):
        self._set_auto(True)
        for user in (self.user_am, self.user_lead, self.user_admin):
            # even with the old action's default: the creator is not the manager
            client = self._create(
                user, f"Rules for {user.name}", context={"default_account_manager_id": user.id}
            )
            self.assertEqual(client.account_manager_id, self.user_am_2, user.name)
            self.assertEqual(client.insurance_assignment_ids.origin, "rule")
            self.assertEqual(client.insurance_assignment_ids.rule_id, self.rule)
        # the web client saves and reads back in one request: the creator reads
        # the client the rules gave to someone else, but does not change it
        saved = self.rpc(
            self.user_am,
            "res.partner",
            "web_save",
            [],
            {"name": "Saved From The Form"},
            specification={"name": {}, "account_manager_id": {"fields": {"display_name": {}}}},
            context=ACTION_CONTEXT,
        )
        self.assertEqual(saved[0]["account_manager_id"]["id"], self.user_am_2.id)
        self.assertRpcRefused(
            self.user_am,
            "res.partner",
            "write",
            [saved[0]["id"]],
            {"city": "Harbin"},
            errors=ACCESS,
        )
        client = self.env["res.partner"].browse(saved[0]["id"])
        policy = self._create_policy("T-SAVED-1", client, self.line_motor, 100, 1000)
        self.assertRpcRefused(
            self.user_am, "insurance.policy", "read", [policy.id], ["name"], errors=ACCESS
        )
        # the assignment is not bypassed by an account manager naming themselves
        self.assertRpcRefused(
            self.user_am,
            "res.partner",
            "create",
            {"name": "Mine Anyway", "account_manager_id": self.user_am.id},
            context=ACTION_CONTEXT,
            errors=ACCESS,
            message="Automatic assignment is on",
        )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Mine Anyway")]))
        # a team lead still chooses a manager of their teams explicitly
        client = self._create(self.user_lead, "Lead's Choice", account_manager_id=self.user_am.id)
        self.assertEqual(client.account_manager_id, self.user_am)

    def test_outsiders_still_cannot_create_clients(self):
        for on in (False, True):
            self._set_auto(on)
            for user in (self.user_handler, self.user_internal, self.user_portal):
                self.assertRpcRefused(
                    user,
                    "res.partner",
                    "create",
                    {"name": f"Client of {user.name} {on}", "is_insurance_client": True},
                )
