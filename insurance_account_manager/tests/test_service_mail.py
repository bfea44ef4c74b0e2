"""Email routing: an alias per pipeline; a known client's email opens a
request owned by that client's manager; unknown senders are not lost."""

from odoo.tests import tagged
from odoo.tools import mute_logger

from .test_service_request import ServiceCommon

RAW_EMAIL = """Return-Path: <{email_from}>
From: {email_from}
To: {to}
Subject: {subject}
Message-ID: <{msg_id}@client.example.com>
Date: Tue, 10 Mar 2026 09:00:00 +0000
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

Please add our new warehouse to the property policy.
"""


@tagged("post_install", "-at_install", "insurance")
class TestServiceMail(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create({"name": "insurer.example.com"})
        cls.company.alias_domain_id = cls.alias_domain
        cls.type_underwriting.write(
            {
                "alias_domain_id": cls.alias_domain.id,
                "alias_name": "underwriting",
                "team_id": cls.team.id,
            }
        )
        cls.client_harbin.email = "insurance@harbin-boiler.example.com"
        cls.harbin_contact = cls.env["res.partner"].create(
            {
                "name": "Zhou Procurement",
                "parent_id": cls.client_harbin.id,
                "email": "zhou@harbin-boiler.example.com",
            }
        )

    def _receive(self, email_from, subject, msg_id):
        raw = RAW_EMAIL.format(
            email_from=email_from,
            to="underwriting@insurer.example.com",
            subject=subject,
            msg_id=msg_id,
        )
        with mute_logger("odoo.addons.mail.models.mail_thread"):
            self.env["mail.thread"].message_process(False, raw)
        return self.Request.search([("name", "=", subject)])

    def test_alias_per_pipeline(self):
        aliases = self.env["insurance.service.type"].search([]).alias_id
        self.assertEqual(len(aliases), 6)
        self.assertEqual(set(aliases.alias_model_id.mapped("model")), {"insurance.service.request"})
        self.assertEqual(
            self.type_underwriting.alias_id.alias_defaults,
            str({"type_id": self.type_underwriting.id}),
        )

    def test_known_client_email_opens_request_for_its_manager(self):
        request = self._receive("insurance@harbin-boiler.example.com", "New warehouse", "m1")
        self.assertEqual(len(request), 1)
        self.assertRecordValues(
            request,
            [
                {
                    "type_id": self.type_underwriting.id,
                    "partner_id": self.client_harbin.id,
                    "user_id": self.user_am.id,
                    "stage_state": "open",
                }
            ],
        )
        self.assertIn("warehouse", request.message_ids[-1].body)
        # a contact of the client company: the client's request too
        from_contact = self._receive("Zhou <zhou@harbin-boiler.example.com>", "Fleet change", "m2")
        self.assertEqual(from_contact.partner_id, self.client_harbin)
        self.assertEqual(from_contact.user_id, self.user_am)

    def test_unknown_sender_request_goes_to_the_team_lead(self):
        request = self._receive("stranger@nowhere.example.com", "Quote please", "m3")
        self.assertEqual(len(request), 1)
        self.assertFalse(request.partner_id)
        self.assertFalse(request.user_id)
        self.assertEqual(request.handler_id, self.user_lead)
        self.assertEqual(request.activity_ids.user_id, self.user_lead)
        self.assertEqual(request.email_from, "stranger@nowhere.example.com")
        self.assertIn(request, self.Request.with_user(self.user_lead).search([]))
        self.assertNotIn(request, self.Request.with_user(self.user_am).search([]))
