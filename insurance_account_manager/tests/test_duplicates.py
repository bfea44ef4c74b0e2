"""Duplicate clients (撞单, issue #9): an account manager cannot create the same
company twice, nor learn whose it is; team leads see possible duplicates and
merge them with Odoo's contact merge."""

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import InsuranceRpcCase

USER_ERROR = ("odoo.exceptions.UserError",)
ACCESS = ("odoo.exceptions.AccessError",)
ACTION_CONTEXT = {"default_is_insurance_client": True, "default_is_company": True}
OTHER_MESSAGE = "already served by another account manager.*ask your team lead"
KEY_FIELDS = ("name", "vat", "company_registry", "email", "phone", "company_id")


@tagged("post_install", "-at_install", "insurance")
class TestDuplicateClients(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._make_account_managers(
            cls.user_am | cls.user_am_2 | cls.user_am_other, insurance_capacity=50
        )
        # David Okafor's client, of another team than Zhang Lead's
        cls.client_shenyang.write(
            {
                "vat": "CN 91210100-MA0001",
                "email": "Office@Shenyang-Brewery.cn",
                "phone": "+86 24 8888 1234",
            }
        )
        cls.outsiders = (cls.user_handler, cls.user_internal, cls.user_portal)

    def _assert_no_leak(self, error):
        for secret in ("Shenyang", "Brewery", "David", "Okafor", str(self.client_shenyang.id)):
            self.assertNotIn(secret, error.message)

    def test_keys_are_stored_for_clients_only(self):
        self.assertEqual(self.client_shenyang.insurance_name_key, "shenyangbrewery")
        self.assertEqual(self.client_shenyang.insurance_vat_key, "CN91210100MA0001")
        self.assertEqual(self.client_shenyang.insurance_email_key, "office@shenyang-brewery.cn")
        self.assertEqual(self.client_shenyang.insurance_phone_key, "488881234")
        self.assertFalse(self.insurer.insurance_name_key)

    def test_account_manager_refused_without_learning_whose_client(self):
        spellings = [
            {"name": "SHENYANG BREWERY Co., Ltd."},
            {"name": "Liaoning Beer", "vat": "cn91210100ma0001"},
            {"name": "Liaoning Beer", "company_registry": "CN-91210100-MA0001"},
            {"name": "Liaoning Beer", "email": " office@shenyang-brewery.CN"},
            {"name": "Liaoning Beer", "phone": "024-88881234"},
        ]
        for values in spellings:
            with self.subTest(values=values):
                error = self.assertRpcRefused(
                    self.user_am,
                    "res.partner",
                    "create",
                    values,
                    context=ACTION_CONTEXT,
                    errors=USER_ERROR,
                    message=OTHER_MESSAGE,
                )
                self._assert_no_leak(error)
        self.assertFalse(self.env["res.partner"].search([("name", "ilike", "Liaoning Beer")]))
        # another company is no duplicate
        client_id = self.rpc(
            self.user_am, "res.partner", "create", {"name": "Liaoning Beer"}, context=ACTION_CONTEXT
        )
        self.assertEqual(self.env["res.partner"].browse(client_id).account_manager_id, self.user_am)
        # a client with its contact person on the same line is no duplicate of itself
        self.rpc(
            self.user_am,
            "res.partner",
            "create",
            {
                "name": "Jixi Coal",
                "phone": "0467-2345678",
                "child_ids": [(0, 0, {"name": "Wang Jixi", "phone": "0467 2345678"})],
            },
            context=ACTION_CONTEXT,
        )
        # a plain contact (no client) is not checked: contacts are not the book
        self.rpc(self.user_am, "res.partner", "create", {"name": "Shenyang Brewery"})

    def test_own_client_is_named(self):
        error = self.assertRpcRefused(
            self.user_am,
            "res.partner",
            "create",
            {"name": "Harbin Boiler Works Co., Ltd."},
            context=ACTION_CONTEXT,
            errors=USER_ERROR,
            message="already in your book",
        )
        self.assertIn("Harbin Boiler Works", error.message)

    def test_account_manager_saving_identifying_fields_is_checked(self):
        error = self.assertRpcRefused(
            self.user_am,
            "res.partner",
            "write",
            [self.client_harbin.id],
            {"phone": "(024) 8888-1234"},
            errors=USER_ERROR,
            message=OTHER_MESSAGE,
        )
        self._assert_no_leak(error)
        self.client_harbin.invalidate_recordset()
        self.assertFalse(self.client_harbin.phone)
        # other fields, and other values, are saved
        self.rpc(
            self.user_am,
            "res.partner",
            "write",
            [self.client_harbin.id],
            {"phone": "0451-86001234", "city": "Harbin"},
        )
        self.client_harbin.invalidate_recordset()
        self.assertEqual(self.client_harbin.insurance_phone_key, "186001234")

    def test_onchange_warns_without_a_leak(self):
        spec = {fname: {} for fname in (*KEY_FIELDS, "is_insurance_client")}
        values = dict.fromkeys(KEY_FIELDS, False)
        values.update(name="Shenyang Brewery Limited", is_insurance_client=True)
        result = self.rpc(self.user_am, "res.partner", "onchange", [], values, ["name"], spec)
        warning = result.get("warning")
        self.assertTrue(warning)
        self.assertRegex(warning["message"], OTHER_MESSAGE)
        for secret in ("David", "Okafor", str(self.client_shenyang.id)):
            self.assertNotIn(secret, str(result))
        values["name"] = "Qitaihe Coal"
        result = self.rpc(self.user_am, "res.partner", "onchange", [], values, ["name"], spec)
        self.assertFalse(result.get("warning"))
        # a team lead is warned, and may go on
        values["name"] = "Shenyang Brewery"
        result = self.rpc(self.user_lead, "res.partner", "onchange", [], values, ["name"], spec)
        self.assertRegex(result["warning"]["message"], "already in the book")

    def test_team_lead_creates_sees_and_merges_duplicates(self):
        # the lead may create a possible duplicate (of another team's client)
        dup_id = self.rpc(
            self.user_lead,
            "res.partner",
            "create",
            {"name": "Shenyang Brewery Ltd", "account_manager_id": self.user_am.id},
            context=ACTION_CONTEXT,
        )
        twin_id = self.rpc(
            self.user_lead,
            "res.partner",
            "create",
            {"name": "Harbin Boiler Works Ltd.", "account_manager_id": self.user_am_2.id},
            context=ACTION_CONTEXT,
        )
        domain = [("insurance_possible_duplicate", "=", True)]
        # the lead lists the duplicates of their teams only: not David's client
        found = self.rpc(self.user_lead, "res.partner", "search", domain)
        self.assertEqual(set(found), {dup_id, twin_id, self.client_harbin.id})
        found = self.rpc(self.user_admin, "res.partner", "search", domain)
        self.assertEqual(
            set(found), {dup_id, twin_id, self.client_harbin.id, self.client_shenyang.id}
        )
        # account managers and below cannot search or read the flag
        for user in (self.user_am, *self.outsiders):
            self.assertRpcRefused(user, "res.partner", "search", domain, errors=ACCESS)
        # merge: account managers and below refused, the lead not on another team's client
        for user in (self.user_am, *self.outsiders):
            self.assertRpcRefused(
                user,
                "res.partner",
                "action_insurance_merge_duplicates",
                [self.client_harbin.id, twin_id],
            )
        self.assertRpcRefused(
            self.user_lead,
            "res.partner",
            "action_insurance_merge_duplicates",
            [self.client_shenyang.id, dup_id],
            errors=ACCESS,
        )
        action = self.rpc(
            self.user_lead,
            "res.partner",
            "action_insurance_merge_duplicates",
            [self.client_harbin.id, twin_id],
        )
        self.assertEqual(action["res_model"], "base.partner.merge.automatic.wizard")
        # Odoo's merge itself: an account manager cannot merge clients (they hold
        # the contact-creation right that gives them the wizard)
        wizard_id = self.rpc(
            self.user_am,
            "base.partner.merge.automatic.wizard",
            "create",
            {
                "partner_ids": [(6, 0, [self.client_harbin.id, self.insurer.id])],
                "dst_partner_id": self.client_harbin.id,
            },
        )
        self.assertRpcRefused(
            self.user_am,
            "base.partner.merge.automatic.wizard",
            "action_merge",
            [wizard_id],
            errors=ACCESS,
        )
        # nor the lead on another team's client: the wizard does not even list
        # it for them (Odoo's merge then has one contact: nothing to do)
        wizard_id = self.rpc(
            self.user_lead,
            "base.partner.merge.automatic.wizard",
            "create",
            {
                "partner_ids": [(6, 0, [self.client_shenyang.id, dup_id])],
                "dst_partner_id": dup_id,
            },
        )
        self.rpc(self.user_lead, "base.partner.merge.automatic.wizard", "action_merge", [wizard_id])
        self.assertTrue(self.client_shenyang.exists())
        self.assertTrue(self.env["res.partner"].browse(dup_id).exists())
        # and the merge itself checks the lead's rights on every contact
        Wizard = self.env["base.partner.merge.automatic.wizard"].with_user(self.user_lead)
        with self.assertRaises(AccessError):
            Wizard._merge([self.client_shenyang.id, dup_id], self.env["res.partner"].browse(dup_id))
        self.assertTrue(self.client_shenyang.exists())
        # the lead merges the twin (with a policy) into Harbin Boiler Works
        twin = self.env["res.partner"].browse(twin_id)
        policy = self._create_policy("T-TWIN-1", twin, self.line_motor, 1000, 10000)
        self.assertEqual(policy.account_manager_id, self.user_am_2)
        premium = self.client_harbin.annual_premium
        wizard_id = self.rpc(
            self.user_lead,
            "base.partner.merge.automatic.wizard",
            "create",
            {
                "partner_ids": [(6, 0, [self.client_harbin.id, twin_id])],
                "dst_partner_id": self.client_harbin.id,
            },
        )
        self.rpc(self.user_lead, "base.partner.merge.automatic.wizard", "action_merge", [wizard_id])
        self.assertFalse(twin.exists())
        self.env.invalidate_all()
        self.assertEqual(policy.partner_id, self.client_harbin)
        self.assertEqual(policy.account_manager_id, self.user_am)
        self.assertEqual(self.client_harbin.annual_premium, premium + 1000)
        current = self.client_harbin.insurance_assignment_ids.filtered(
            lambda row: row.state == "current"
        )
        self.assertEqual(len(current), 1)
        self.assertEqual(current.user_id, self.user_am)

    def test_possible_duplicates_cost_the_same_queries_for_a_bigger_book(self):
        Partner = self.env["res.partner"]
        domain = [("insurance_possible_duplicate", "=", True)]
        Partner.search(domain)
        before = self.env.cr.sql_log_count
        small = Partner.search(domain)
        small_count = self.env.cr.sql_log_count - before
        Partner.create(
            [
                {"name": f"Twin {index} Co., Ltd.", "is_insurance_client": True}
                for index in range(30)
            ]
            + [{"name": f"TWIN {index}", "is_insurance_client": True} for index in range(30)]
        )
        Partner.search(domain)
        before = self.env.cr.sql_log_count
        big = Partner.search(domain)
        self.assertEqual(self.env.cr.sql_log_count - before, small_count)
        self.assertEqual(len(big - small), 60)
