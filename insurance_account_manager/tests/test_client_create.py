"""Who manages a new client (issue #9): the assignment rules when automatic
assignment is on, the creating account manager when it is off; never the
creator by a default of the Clients action."""

from odoo import Command
from odoo.tests import tagged

from odoo.addons.insurance_account_manager.models import res_partner_assignment as assignment_module
from odoo.addons.insurance_account_manager.models.res_partner import CREATED_IN_CALL

from .common import InsuranceRpcCase

ACCESS = ("odoo.exceptions.AccessError",)
# what the Clients menu sends, and what it sent before issue #9
ACTION_CONTEXT = {"default_is_insurance_client": True, "default_is_company": True}
# part of what the client form reads back after saving
SAVE_SPECIFICATION = {
    "name": {},
    "display_name": {},
    "is_insurance_client": {},
    "account_manager_id": {"fields": {"display_name": {}}},
    "insurance_policy_count": {},
    "insurance_policy_ids": {"fields": {"name": {}}},
    "child_ids": {"fields": {"name": {}}},
}


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
        # the web client saves and reads back in one request: the creator gets
        # the client the rules gave to someone else back from the save, and
        # then neither reads, finds nor changes it
        saved = self._web_save_client(self.user_am, "Saved From The Form")
        self.assertEqual(saved["account_manager_id"]["id"], self.user_am_2.id)
        self.assertEqual(saved["name"], "Saved From The Form")
        self._assert_creator_locked_out(self.user_am, saved["id"])
        client = self.env["res.partner"].browse(saved["id"])
        self.assertEqual(client.create_uid, self.user_am)
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

    def _web_save_client(self, user, name, **kwargs):
        """Create a client as the form does (web_save), return what it read back."""
        saved = self.rpc(
            user,
            "res.partner",
            "web_save",
            [],
            {"name": name},
            specification=SAVE_SPECIFICATION,
            context=ACTION_CONTEXT,
            **kwargs,
        )
        self.assertEqual(len(saved), 1)
        return saved[0]

    def _form_specification(self, user):
        """The top-level fields of the client form the user gets, in the
        shape of the web client's read specification."""
        views = (
            self.env["res.partner"]
            .with_user(user)
            .with_context(**ACTION_CONTEXT)
            .get_views([(self.env.ref("base.view_partner_form").id, "form")])
        )
        fields = views["models"]["res.partner"]["fields"]
        return {
            name: {"fields": {"display_name": {}}} if field["type"] == "many2one" else {}
            for name, field in fields.items()
        }

    def _assert_creator_locked_out(self, user, client_id):
        """``user`` can no longer read, find, change or re-read ``client_id``."""
        for method, args in (
            ("read", ([client_id], ["name"])),
            ("web_read", ([client_id],)),
            ("write", ([client_id], {"city": "Harbin"})),
            # saving the form again is a write followed by its read-back
            ("web_save", ([client_id], {"city": "Harbin"})),
        ):
            kwargs = {"specification": {"name": {}}} if method in ("web_read", "web_save") else {}
            self.assertRpcRefused(user, "res.partner", method, *args, errors=ACCESS, **kwargs)
        self.assertFalse(
            self.rpc(user, "res.partner", "search", [("id", "=", client_id)]), user.name
        )
        self.assertFalse(
            self.rpc(
                user,
                "res.partner",
                "search_read",
                [("name", "=", self.env["res.partner"].browse(client_id).name)],
                ["name"],
            )
        )
        # the read-back's switch cannot come from the client's context
        self.assertRpcRefused(
            user,
            "res.partner",
            "read",
            [client_id],
            ["name"],
            context={CREATED_IN_CALL: [client_id]},
            errors=ACCESS,
        )

    def test_creator_reads_back_only_in_the_saving_call(self):
        """The creator of a client the rules gave to another manager reads it
        in the save's own read-back, as the form needs, and never after; the
        other groups' access is unchanged."""
        self._set_auto(True)
        saved = self._web_save_client(self.user_am, "Only Once")
        self.assertEqual(saved["account_manager_id"]["id"], self.user_am_2.id)
        self.assertEqual(saved["account_manager_id"]["display_name"], self.user_am_2.name)
        self.assertEqual(saved["insurance_policy_count"], 0)
        self._assert_creator_locked_out(self.user_am, saved["id"])
        # every field of the client form, as the web client asks for them
        full = self.rpc(
            self.user_am,
            "res.partner",
            "web_save",
            [],
            {"name": "Whole Form"},
            specification=self._form_specification(self.user_am),
            context=ACTION_CONTEXT,
        )[0]
        self.assertEqual(full["account_manager_id"]["id"], self.user_am_2.id)
        self._assert_creator_locked_out(self.user_am, full["id"])
        # the form sends company_type, an inverse the ORM writes on the new
        # client before the rules give it a manager: writable while created
        for method in ("web_save", "create"):
            args = ([], {"name": f"Typed {method}", "company_type": "company"})
            if method == "create":
                args = args[1:]
            kwargs = {"specification": {"name": {}}} if method == "web_save" else {}
            result = self.rpc(
                self.user_am, "res.partner", method, *args, context=ACTION_CONTEXT, **kwargs
            )
            client_id = result[0]["id"] if method == "web_save" else result
            client = self.env["res.partner"].browse(client_id)
            self.assertTrue(client.is_company)
            self.assertEqual(client.account_manager_id, self.user_am_2)
            self._assert_creator_locked_out(self.user_am, client_id)
        # moving from the save to another manager's client is refused too
        other = self._web_save_client(self.user_am, "Second One")
        self.assertRpcRefused(
            self.user_am,
            "res.partner",
            "web_save",
            [],
            {"name": "Third One"},
            specification={"name": {}},
            next_id=other["id"],
            context=ACTION_CONTEXT,
            errors=ACCESS,
        )
        # the client's manager, the team lead and an administrator read it
        for user in (self.user_am_2, self.user_lead, self.user_admin):
            rows = self.rpc(user, "res.partner", "read", [saved["id"]], ["name"])
            self.assertEqual(rows[0]["name"], "Only Once", user.name)
        # the other groups cannot create a client to read back at all
        for user in (self.user_handler, self.user_internal, self.user_portal):
            self.assertRpcRefused(
                user,
                "res.partner",
                "web_save",
                [],
                {"name": f"Web Client of {user.name}", "is_insurance_client": True},
                specification={"name": {}},
            )
        # with automatic assignment off, a team lead may create a client
        # without a manager from the form; it stays in the team leads' queue
        # of clients without manager, which they read, and an account manager
        # of the team does not
        self._set_auto(False)
        saved = self.rpc(
            self.user_lead,
            "res.partner",
            "web_save",
            [],
            {"name": "Lead Leaves It Open", "company_type": "company"},
            specification={"name": {}, "account_manager_id": {}},
            context=ACTION_CONTEXT,
        )[0]
        self.assertFalse(saved["account_manager_id"])
        rows = self.rpc(self.user_lead, "res.partner", "read", [saved["id"]], ["name"])
        self.assertEqual(rows[0]["name"], "Lead Leaves It Open")
        self.assertFalse(
            self.rpc(self.user_am, "res.partner", "search", [("id", "=", saved["id"])])
        )
        # with automatic assignment off the new client is the creator's: read on
        self._set_auto(False)
        mine = self._web_save_client(self.user_am, "Mine To Keep")
        self.assertEqual(mine["account_manager_id"]["id"], self.user_am.id)
        rows = self.rpc(self.user_am, "res.partner", "read", [mine["id"]], ["name"])
        self.assertEqual(rows[0]["name"], "Mine To Keep")

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
