"""Complaints: a request flagged as a complaint of its client, who may flag
it and who may clear it, over JSON-RPC."""

from odoo.tests import Form, tagged

from .common import InsuranceRpcCase


@tagged("post_install", "-at_install", "insurance")
class TestServiceComplaint(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.request = cls.env["insurance.service.request"].create(
            {
                "name": "Late certificate",
                "partner_id": cls.client_harbin.id,
                "handler_id": cls.user_handler.id,
            }
        )

    def _flag(self, user, value):
        return self.rpc(
            user, "insurance.service.request", "write", self.request.ids, {"is_complaint": value}
        )

    def test_who_flags_a_complaint(self):
        # the client's manager, the handler working it, the team lead
        for user in (self.user_am, self.user_handler, self.user_lead):
            self.request.sudo().is_complaint = False
            self._flag(user, True)
            self.assertTrue(self.request.is_complaint, user.login)
        # nobody else: another client's manager, a plain employee, a portal user
        self.request.sudo().is_complaint = False
        for user in (self.user_am_other, self.user_internal, self.user_portal):
            self.assertRpcRefused(
                user,
                "insurance.service.request",
                "write",
                self.request.ids,
                {"is_complaint": True},
            )
        self.assertFalse(self.request.is_complaint)
        # a request opened as a complaint
        created = self.rpc(
            self.user_am,
            "insurance.service.request",
            "create",
            {"name": "Rude call", "partner_id": self.client_harbin.id, "is_complaint": True},
        )
        self.assertTrue(self.env["insurance.service.request"].browse(created).is_complaint)
        self.assertRpcRefused(
            self.user_am_other,
            "insurance.service.request",
            "create",
            {"name": "Rude call", "partner_id": self.client_harbin.id, "is_complaint": True},
        )

    def test_only_team_lead_or_admin_clears_a_complaint(self):
        self.request.sudo().is_complaint = True
        for user in (self.user_am, self.user_handler, self.user_am_other):
            self.assertRpcRefused(
                user,
                "insurance.service.request",
                "write",
                self.request.ids,
                {"is_complaint": False},
            )
        self.assertTrue(self.request.is_complaint)
        # a write that leaves it flagged is the manager's to make
        self._flag(self.user_am, True)
        self.rpc(self.user_am, "insurance.service.request", "write", self.request.ids, {"color": 3})
        for user in (self.user_lead, self.user_admin):
            self.request.sudo().is_complaint = True
            self._flag(user, False)
            self.assertFalse(self.request.is_complaint, user.login)
        # the flag and its clearing are in the request's history
        tracked = self.request.message_ids.tracking_value_ids.filtered(
            lambda value: value.field_id.name == "is_complaint"
        )
        self.assertTrue(tracked)

    def test_complaints_filter(self):
        self.request.sudo().is_complaint = True
        other = self.env["insurance.service.request"].create(
            {"name": "Certificate", "partner_id": self.client_harbin.id}
        )
        action = self.env.ref("insurance_account_manager.insurance_service_request_action")
        view = self.env["insurance.service.request"].get_view(action.search_view_id.id, "search")
        self.assertIn('name="complaint"', view["arch"])
        found = self.rpc(
            self.user_am,
            "insurance.service.request",
            "search",
            [("is_complaint", "=", True), ("id", "in", (self.request | other).ids)],
        )
        self.assertEqual(found, self.request.ids)

    def test_form_shows_the_flag_readonly_to_who_cannot_clear_it(self):
        """The form's field is read-only where write() refuses to clear the
        flag (can_edit_complaint); the server check stays the one that counts."""
        spec = {"is_complaint": {}, "can_edit_complaint": {}}

        def can_edit(user):
            rows = self.rpc(user, "insurance.service.request", "web_read", self.request.ids, spec)
            return rows[0]["can_edit_complaint"]

        self.request.sudo().is_complaint = False
        for user in (self.user_am, self.user_handler, self.user_lead, self.user_admin):
            self.assertTrue(can_edit(user), user.login)
        self.request.sudo().is_complaint = True
        for user in (self.user_am, self.user_handler):
            self.assertFalse(can_edit(user), user.login)
        for user in (self.user_lead, self.user_admin):
            self.assertTrue(can_edit(user), user.login)
        # who cannot read the request reads no flag at all
        for user in (self.user_am_other, self.user_internal, self.user_portal):
            self.assertRpcRefused(
                user, "insurance.service.request", "web_read", self.request.ids, spec
            )
        # the computed field cannot be written into a permission
        for user in (self.user_am, self.user_handler):
            self.assertRpcRefused(
                user,
                "insurance.service.request",
                "write",
                self.request.ids,
                {"can_edit_complaint": True, "is_complaint": False},
            )
        self.assertTrue(self.request.is_complaint)
        # the form and the list make the field read-only on it
        Request = self.env["insurance.service.request"]
        for view_type in ("form", "list"):
            arch = Request.get_view(view_type=view_type)["arch"]
            self.assertRegex(
                arch, r'<field name="is_complaint"[^>]*readonly="not can_edit_complaint"'
            )
        with Form(self.request.with_user(self.user_am)) as form:
            with self.assertRaises(AssertionError):
                form.is_complaint = False
        with Form(self.request.with_user(self.user_lead)) as form:
            form.is_complaint = False
        self.assertFalse(self.request.is_complaint)
        # a new request (not yet a complaint) can be ticked and unticked before saving
        with Form(Request.with_user(self.user_am)) as form:
            form.name = "Call back"
            form.partner_id = self.client_harbin
            form.is_complaint = True
            form.is_complaint = False
