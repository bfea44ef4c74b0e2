"""Attacks with absurd input (issue #7, items 11, 12, 13 and the year-9999
report date of 14), over JSON-RPC as the browser sends it.

``self.rpc`` encodes its payload with Python's ``json.dumps``, which writes
``NaN`` and ``Infinity`` as bare literals; the server's ``json.loads`` reads
them back as floats: the refusals below quote the ``nan`` and ``inf`` the
server received. Every probe is refused with a ValidationError naming the
field (and leaves the record as it was); a sane value is still accepted.
"""

from datetime import date
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from ..tools import validation
from .common import InsuranceRpcCase
from .test_service_mail import RAW_EMAIL
from .test_service_request import ServiceCommon

NAN = float("nan")
INF = float("inf")
ABSURD = (NAN, INF, 1e308, 1e300)
VALIDATION = ("odoo.exceptions.ValidationError",)
# 8 KB of CJK text (24 KB in UTF-8): above a btree index row, and not
# compressible as a repeated character would be
BIG_TEXT = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(8192))
YEAR_1 = "0001-01-01"
YEAR_9999 = "9999-12-31"


@tagged("post_install", "-at_install", "insurance")
class TestSecurityInput(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.system_admin = cls.env.ref("base.user_admin")  # login and password "admin"
        cls.claim = cls._create_claim(cls.policy_motor)
        cls.request = cls.env["insurance.service.request"].create(
            {"name": "Fleet change", "partner_id": cls.client_harbin.id}
        )
        cls.request.handler_id = cls.user_handler
        cls.tier_key = cls.env.ref("insurance_account_manager.insurance_client_tier_key")
        cls.tier_rule = cls.env["insurance.tier.rule"].create(
            {"name": "Key: large premium", "tier_id": cls.tier_key.id, "min_premium": 200000}
        )
        cls.sla = cls.env["insurance.service.sla"].create(
            {"type_id": cls.request.type_id.id, "hours": 16}
        )

    def assertRefused(self, user, model, method, *args, field, **kwargs):
        """A ValidationError naming ``field`` (its label)."""
        return self.assertRpcRefused(
            user, model, method, *args, errors=VALIDATION, message=field, **kwargs
        )

    def _probe_numbers(self, user, record, field, label, values=ABSURD):
        """Write each of ``values`` in ``field`` of ``record``: each refused,
        the stored value unchanged."""
        before = record[field]
        for value in values:
            with self.subTest(model=record._name, field=field, value=value):
                error = self.assertRefused(
                    user, record._name, "write", record.ids, {field: value}, field=label
                )
                if value != value or value == INF:  # the server received a float
                    self.assertRegex(error.message, "not (nan|inf)")
        record.invalidate_recordset()
        self.assertEqual(record[field], before)

    # ------------------------------------------------------------
    # 11. Non-finite and absurd numbers
    # ------------------------------------------------------------

    def test_11_amounts_of_policy_claim_and_request_refused(self):
        """NaN, Infinity, 1e308 and 1e300 on every amount an account manager
        writes: a ValidationError naming the field, not a raw ValueError or
        OverflowError, and 1e300 no longer makes the client Key."""
        am = self.user_am
        self._probe_numbers(am, self.policy_motor, "premium", "Annual Premium")
        self._probe_numbers(am, self.policy_motor, "sum_insured", "Sum Insured")
        for field, label in (
            ("amount_claimed", "Amount Claimed"),
            ("amount_reserved", "Amount Reserved"),
            ("amount_paid", "Amount Paid"),
        ):
            self._probe_numbers(am, self.claim, field, label)
        self._probe_numbers(am, self.request, "new_premium", "Renewal Premium")
        # (the current premium is set by the server only: see test_security_book)
        # on create too (the ORM converts the values before any constraint)
        for value in ABSURD:
            with self.subTest(value=value):
                self.assertRefused(
                    am,
                    "insurance.policy",
                    "create",
                    [
                        {
                            "name": "T-ABSURD-1",
                            "partner_id": self.client_harbin.id,
                            "date_start": "2026-01-01",
                            "premium": value,
                        }
                    ],
                    field="Annual Premium",
                )
        self.assertFalse(self.env["insurance.policy"].search([("name", "=", "T-ABSURD-1")]))
        # a sane amount, up to a quadrillion, is accepted
        self.rpc(am, "insurance.policy", "write", self.policy_motor.ids, {"premium": 12500.5})
        self.rpc(am, "insurance.policy", "write", self.policy_motor.ids, {"sum_insured": 1e15})
        self.rpc(am, "insurance.claim", "write", self.claim.ids, {"amount_claimed": 4000})
        self.policy_motor.invalidate_recordset()
        self.assertEqual(self.policy_motor.premium, 12500.5)

    def test_11_configuration_numbers_refused(self):
        """Tier rule (NaN loss ratio included), tier weight, SLA hours, as the
        insurance administrator; capacity and Settings as the system administrator."""
        admin = self.user_admin
        self._probe_numbers(admin, self.tier_rule, "min_premium", "Minimum Annual Premium")
        self._probe_numbers(admin, self.tier_rule, "max_loss_ratio", "Maximum Loss Ratio")
        self._probe_numbers(
            admin, self.tier_rule, "min_policies", "Minimum Active Policies", (*ABSURD, 2**31)
        )
        self._probe_numbers(admin, self.tier_key, "load_weight", "Load Weight")
        self._probe_numbers(
            admin, self.tier_key, "renewal_lead_days", "Renewal Lead Time", (2**31 - 1, 2**40)
        )
        self._probe_numbers(admin, self.sla, "hours", "Working Hours")
        self._probe_numbers(self.system_admin, self.user_am, "insurance_capacity", "Capacity")
        for field, value, label in (
            ("insurance_tier_weight_key", NAN, "Key Client Weight"),
            ("insurance_default_capacity", INF, "Default Manager Capacity"),
            ("insurance_tiering_interval_number", 2**31 - 1, "Recompute Tiers Every"),
            ("insurance_renewal_lead_general", 2**31, "General Client Renewal Lead Time"),
        ):
            with self.subTest(field=field):
                self.assertRefused(
                    self.system_admin,
                    "res.config.settings",
                    "create",
                    [{field: value}],
                    field=label,
                )
        # sane values are accepted
        self.rpc(admin, "insurance.tier.rule", "write", self.tier_rule.ids, {"max_loss_ratio": 80})
        self.rpc(admin, "insurance.service.sla", "write", self.sla.ids, {"hours": 40})
        self.rpc(
            self.system_admin, "res.users", "write", self.user_am.ids, {"insurance_capacity": 50}
        )
        self.assertEqual(self.user_am.insurance_capacity, 50)

    def test_11_handover_days_refused(self):
        """A handover of 2^31-1 days: refused on the wizard (0 to 365 days)."""
        for days in (2**31 - 1, 2**31, 366, -1):
            with self.subTest(days=days):
                self.assertRefused(
                    self.user_admin,
                    "insurance.client.reassign",
                    "create",
                    [
                        {
                            "partner_ids": [(6, 0, self.client_harbin.ids)],
                            "target_user_id": self.user_am_2.id,
                            "reason": "Li Wei leaves",
                            "handover_days": days,
                        }
                    ],
                    field="Handover",
                )
        wizard_id = self.rpc(
            self.user_admin,
            "insurance.client.reassign",
            "create",
            [{"target_user_id": self.user_am_2.id, "reason": "Li Wei leaves", "handover_days": 30}],
        )
        self.assertRefused(
            self.user_admin,
            "insurance.client.reassign",
            "write",
            wizard_id,
            {"handover_days": 2**31 - 1},
            field="Handover",
        )

    # ------------------------------------------------------------
    # 11. Oversized text
    # ------------------------------------------------------------

    def test_11_oversized_names_refused(self):
        """8 KB names: refused with the field named (policy numbers 64
        characters, names and subjects 256), not ProgramLimitExceeded."""
        am = self.user_am
        self.assertRefused(
            am,
            "insurance.policy",
            "write",
            self.policy_motor.ids,
            {"name": BIG_TEXT},
            field="Policy Number",
        )
        self.assertRefused(
            am,
            "insurance.policy",
            "create",
            [{"name": BIG_TEXT, "partner_id": self.client_harbin.id, "date_start": "2026-01-01"}],
            field="Policy Number",
        )
        self.assertRefused(
            am,
            "insurance.service.request",
            "create",
            [{"name": BIG_TEXT, "partner_id": self.client_harbin.id}],
            field="Subject",
        )
        self.assertRefused(
            am, "res.partner", "write", self.client_harbin.ids, {"name": BIG_TEXT}, field="Name"
        )
        self.assertRefused(
            am,
            "res.partner",
            "create",
            [{"name": BIG_TEXT, "is_insurance_client": True}],
            field="Name",
        )
        self.assertRefused(
            self.user_admin,
            "insurance.tier.rule",
            "create",
            [{"name": BIG_TEXT, "tier_id": self.tier_key.id}],
            field="Name",
        )
        self.assertRefused(
            self.user_admin,
            "insurance.client.reassign",
            "create",
            [{"target_user_id": self.user_am_2.id, "reason": BIG_TEXT}],
            field="Reason",
        )
        # at the maximum: accepted
        number = "P" * validation.MAX_CODE_LENGTH
        self.rpc(am, "insurance.policy", "write", self.policy_motor.ids, {"name": number})
        subject = "S" * validation.MAX_NAME_LENGTH
        self.rpc(am, "insurance.service.request", "write", self.request.ids, {"name": subject})
        self.assertEqual(self.policy_motor.name, number)
        self.assertEqual(self.request.name, subject)

    # ------------------------------------------------------------
    # 11 and 14. Dates out of range
    # ------------------------------------------------------------

    def test_11_dates_out_of_range_refused(self):
        """Year 1 and year 9999 in every date a user enters: refused with the
        field named (dates from 1900-01-01 to 2199-12-31)."""
        probes = [
            (self.user_am, self.policy_motor, "date_start", "Start Date"),
            (self.user_am, self.policy_motor, "date_end", "End Date"),
            (self.user_am, self.claim, "date_loss", "Date of Loss"),
            (self.user_am, self.claim, "date_reported", "Reported On"),
            (self.user_am, self.claim, "date_closed", "Closed On"),
            (self.user_am, self.request, "date_deadline", "Deadline"),
            (self.user_am, self.request, "date_open", "Opened On"),
            (self.user_admin, self.client_harbin, "insurance_tier_lock_until", "Locked Until"),
            (self.system_admin, self.user_am, "insurance_absence_from", "Absent From"),
            (self.system_admin, self.user_am, "insurance_absence_to", "Absent Until"),
        ]
        for user, record, field, label in probes:
            for value in (YEAR_1, YEAR_9999):
                with self.subTest(field=field, value=value):
                    self.assertRefused(
                        user,
                        record._name,
                        "write",
                        record.ids,
                        {field: value} if field != "date_open" else {field: f"{value} 10:00:00"},
                        field=label,
                    )
        for value in (YEAR_1, YEAR_9999):
            with self.subTest(model="insurance.policy", value=value):
                self.assertRefused(
                    self.user_am,
                    "insurance.policy",
                    "create",
                    [{"name": "T-Y-1", "partner_id": self.client_harbin.id, "date_start": value}],
                    field="Start Date",
                )
            with self.subTest(model="insurance.client.reassign", value=value):
                self.assertRefused(
                    self.user_admin,
                    "insurance.client.reassign",
                    "create",
                    [
                        {
                            "partner_ids": [(6, 0, self.client_harbin.ids)],
                            "target_user_id": self.user_am_2.id,
                            "reason": "Li Wei leaves",
                            "date_effective": value,
                        }
                    ],
                    field="Effective Date",
                )
        # a default from the context is checked too
        self.assertRefused(
            self.user_am,
            "insurance.service.request",
            "create",
            [{"name": "Deadline from the context", "partner_id": self.client_harbin.id}],
            context={"default_date_deadline": YEAR_9999},
            field="Deadline",
        )
        # within the window: accepted
        self.rpc(
            self.user_am, "insurance.claim", "write", self.claim.ids, {"date_loss": "2026-03-11"}
        )
        self.rpc(
            self.user_am,
            "insurance.service.request",
            "write",
            self.request.ids,
            {"date_deadline": "2199-12-31"},
        )
        self.assertEqual(self.claim.date_loss, date(2026, 3, 11))

    def test_14_report_date_in_year_9999_refused(self):
        """A claim reported in year 9999: refused, on create and on write."""
        values = {"policy_id": self.policy_motor.id, "date_loss": "2026-03-10"}
        self.assertRefused(
            self.user_am,
            "insurance.claim",
            "create",
            [{**values, "date_reported": YEAR_9999}],
            field="Reported On",
        )
        self.assertRefused(
            self.user_am,
            "insurance.claim",
            "write",
            self.claim.ids,
            {"date_reported": YEAR_9999},
            field="Reported On",
        )
        claim_ids = self.rpc(
            self.user_am, "insurance.claim", "create", [{**values, "date_reported": "2026-03-12"}]
        )
        self.assertEqual(len(claim_ids), 1)

    # ------------------------------------------------------------
    # The same probes below the account managers
    # ------------------------------------------------------------

    def test_11_probes_as_handler_internal_and_portal_user(self):
        """A handler writing their own request gets the same ValidationError;
        a plain internal or portal user is refused whatever the value, and
        nothing changes."""
        self._probe_numbers(self.user_handler, self.request, "new_premium", "Renewal Premium")
        self.assertRefused(
            self.user_handler,
            "insurance.service.request",
            "write",
            self.request.ids,
            {"name": BIG_TEXT},
            field="Subject",
        )
        for user in (self.user_handler, self.user_internal, self.user_portal):
            for model, record, vals in (
                ("insurance.policy", self.policy_motor, {"premium": NAN}),
                ("insurance.policy", self.policy_motor, {"date_start": YEAR_1}),
                ("insurance.claim", self.claim, {"amount_paid": 1e308}),
                ("res.partner", self.client_harbin, {"name": BIG_TEXT}),
            ):
                with self.subTest(user=user.login, model=model, vals=list(vals)):
                    self.assertRpcRefused(user, model, "write", record.ids, vals)
        self.policy_motor.invalidate_recordset()
        self.assertEqual(self.policy_motor.premium, 12000)
        self.assertEqual(self.client_harbin.name, "Harbin Boiler Works")


@tagged("post_install", "-at_install", "insurance")
class TestSecurityInputHtml(InsuranceRpcCase):
    """12. A client's name goes into the key-promotion activity as text."""

    def test_12_key_promotion_note_escapes_the_client_name(self):
        tier_general = self.env.ref("insurance_account_manager.insurance_client_tier_general")
        tier_key = self.env.ref("insurance_account_manager.insurance_client_tier_key")
        (tier_general | tier_key).active = True
        self.client_harbin.insurance_tier_id = tier_general
        name = '<img src=x onerror=alert(1)> <a href="https://evil.example.com">Pay here</a>'
        # the client's manager renames it, the administrator locks it as key
        self.rpc(self.user_am, "res.partner", "write", self.client_harbin.ids, {"name": name})
        self.rpc(
            self.user_admin,
            "res.partner",
            "write",
            self.client_harbin.ids,
            {
                "insurance_tier_locked": True,
                "insurance_tier_id": tier_key.id,
                "insurance_tier_lock_reason": "Strategic account",
            },
        )
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.client_harbin.id)]
        )
        self.assertEqual(len(activity), 1)
        note = str(activity.note)
        self.assertNotIn("<img", note)
        self.assertNotIn("<a ", note)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", note)
        self.assertIn("&lt;a href=", note)
        self.assertIn("moved up to", note)


@tagged("post_install", "-at_install", "insurance")
class TestSecurityInputMail(ServiceCommon):
    """13. The mail gateway never raises on what a sender writes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alias_domain = cls.env["mail.alias.domain"].create({"name": "insurer.example.com"})
        cls.company.alias_domain_id = cls.alias_domain
        # the underwriting pipeline of the main company (A)
        cls.type_underwriting.write(
            {
                "alias_domain_id": cls.alias_domain.id,
                "alias_name": "underwriting",
                "team_id": cls.team.id,
                "company_id": cls.company.id,
            }
        )
        cls.company_b = cls.env["res.company"].create({"name": "Insurer B"})
        cls.client_b = cls.env["res.partner"].create(
            {
                "name": "Guangzhou Textiles",
                "is_company": True,
                "is_insurance_client": True,
                "company_id": cls.company_b.id,
                "email": "risk@guangzhou-textiles.example.com",
            }
        )

    def _receive(self, email_from, subject, msg_id):
        """Process the e-mail through the gateway; a request it failed to
        create would bounce the e-mail and mark the pipeline's alias invalid
        (in a second cursor, which in a test waits for this one: it is mocked
        here, and must not be called)."""
        raw = RAW_EMAIL.format(
            email_from=email_from,
            to="underwriting@insurer.example.com",
            subject=subject,
            msg_id=msg_id,
        )
        Alias = type(self.env["mail.alias"])
        with (
            mute_logger("odoo.addons.mail.models.mail_thread"),
            patch.object(Alias, "_alias_bounce_incoming_email", autospec=True) as bounce,
        ):
            self.env["mail.thread"].message_process(False, raw)
        bounce.assert_not_called()
        self.assertEqual(self.type_underwriting.alias_id.alias_status, "valid")
        return self.Request.search([("email_from", "=", email_from)])

    def test_13_client_of_another_company_gets_a_request_in_the_alias_company(self):
        request = self._receive("risk@guangzhou-textiles.example.com", "New warehouse", "b1")
        self.assertEqual(len(request), 1)
        self.assertRecordValues(
            request,
            [
                {
                    "company_id": self.company.id,
                    "type_id": self.type_underwriting.id,
                    "partner_id": False,
                    "user_id": False,
                    "handler_id": self.user_lead.id,
                    "email_from": "risk@guangzhou-textiles.example.com",
                }
            ],
        )
        self.assertEqual(request.activity_ids.user_id, self.user_lead)
        self.assertIn("another company", request.activity_ids.summary)
        self.assertIn("warehouse", request.message_ids[-1].body)

    def test_13_long_subject_cut(self):
        subject = "Quote " * 40000  # 240 KB
        request = self._receive("stranger@nowhere.example.com", subject.strip(), "b2")
        self.assertEqual(len(request), 1)
        self.assertLessEqual(len(request.name), validation.MAX_NAME_LENGTH)
        self.assertTrue(request.name.startswith("Quote Quote"))
        self.assertTrue(request.name.endswith(validation.ELLIPSIS))
        # a sender with a 2,000-character name: the address is kept
        sender = f'"{"Very " * 400}Long" <long@nowhere.example.com>'
        raw = RAW_EMAIL.format(
            email_from=sender, to="underwriting@insurer.example.com", subject="Hi", msg_id="b3"
        )
        with mute_logger("odoo.addons.mail.models.mail_thread"):
            self.env["mail.thread"].message_process(False, raw)
        request = self.Request.search([("email_from", "=", "long@nowhere.example.com")])
        self.assertEqual(len(request), 1)
