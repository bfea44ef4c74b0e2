from odoo.exceptions import AccessError
from odoo.tests import Form, tagged, users

from .common import InsuranceCommon


@tagged("post_install", "-at_install", "insurance")
class TestAccessRights(InsuranceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.claim_harbin = cls._create_claim(cls.policy_motor)
        cls.claim_shenyang = cls._create_claim(cls.policy_liability)
        cls.clients = cls.client_harbin | cls.client_dalian | cls.client_shenyang

    def _visible_clients(self):
        return self.env["res.partner"].search([("id", "in", self.clients.ids)])

    @users("iam_am")
    def test_account_manager_sees_own_book(self):
        self.assertEqual(self._visible_clients(), self.client_harbin)
        policies = self.env["insurance.policy"].search([])
        self.assertEqual(policies.partner_id, self.client_harbin)
        self.assertEqual(self.env["insurance.claim"].search([]).partner_id, self.client_harbin)
        # non-client partners (carriers, contacts) stay visible
        self.assertTrue(self.insurer.with_env(self.env).name)

    @users("iam_am")
    def test_account_manager_cannot_read_other_client(self):
        with self.assertRaises(AccessError):
            self.client_shenyang.with_env(self.env).check_access("read")
        with self.assertRaises(AccessError):
            self.client_shenyang.with_env(self.env).read(["name"])
        with self.assertRaises(AccessError):
            self.policy_liability.with_env(self.env).read(["premium"])
        with self.assertRaises(AccessError):
            self.claim_shenyang.with_env(self.env).read(["amount_claimed"])

    @users("iam_am")
    def test_account_manager_edits_own_book(self):
        policy = self.policy_motor.with_env(self.env)
        policy.premium = 12500
        claim = self.env["insurance.claim"].create(
            {"policy_id": policy.id, "date_loss": "2026-02-01", "date_reported": "2026-02-02"}
        )
        self.assertEqual(claim.partner_id.name, "Harbin Boiler Works")
        new_policy = self.env["insurance.policy"].create(
            {"name": "T-AM-NEW", "partner_id": self.client_harbin.id, "date_start": "2026-01-01"}
        )
        self.assertEqual(new_policy.account_manager_id, self.user_am)

    @users("iam_am")
    def test_account_manager_cannot_touch_other_book(self):
        with self.assertRaises(AccessError):
            self.env["insurance.policy"].create(
                {
                    "name": "T-STEAL",
                    "partner_id": self.client_shenyang.id,
                    "date_start": "2026-01-01",
                }
            )
        with self.assertRaises(AccessError):
            self.policy_liability.with_env(self.env).write({"premium": 1})
        with self.assertRaises(AccessError):
            self.client_shenyang.with_env(self.env).write({"account_manager_id": self.env.uid})

    @users("iam_am")
    def test_account_manager_cannot_delete_or_configure(self):
        with self.assertRaises(AccessError):
            self.policy_motor.with_env(self.env).unlink()
        with self.assertRaises(AccessError):
            self.line_motor.with_env(self.env).write({"name": "Cars"})
        with self.assertRaises(AccessError):
            self.env["insurance.claim.stage"].create({"name": "Appeal"})
        # but can read the configuration they work with
        self.assertEqual(self.line_motor.with_env(self.env).code, "MOTOR")

    @users("iam_am_2")
    def test_backup_manager_sees_backed_up_client(self):
        self.assertEqual(self._visible_clients(), self.client_harbin | self.client_dalian)
        self.assertEqual(self.policy_motor.with_env(self.env).premium, 12000)
        self.assertEqual(self.env["insurance.claim"].search([]).partner_id, self.client_harbin)

    @users("iam_lead")
    def test_team_lead_sees_team_book(self):
        self.assertEqual(self._visible_clients(), self.client_harbin | self.client_dalian)
        self.assertEqual(
            self.env["insurance.policy"].search([]).partner_id,
            self.client_harbin | self.client_dalian,
        )
        with self.assertRaises(AccessError):
            self.client_shenyang.with_env(self.env).read(["name"])
        with self.assertRaises(AccessError):
            self.line_motor.with_env(self.env).write({"name": "Cars"})

    @users("iam_admin")
    def test_admin_sees_and_configures_everything(self):
        self.assertEqual(self._visible_clients(), self.clients)
        self.assertEqual(
            len(
                self.env["insurance.claim"].search(
                    [("id", "in", (self.claim_harbin | self.claim_shenyang).ids)]
                )
            ),
            2,
        )
        self.line_motor.with_env(self.env).name = "Motor Fleet"
        stage = self.env["insurance.claim.stage"].create({"name": "Appeal"})
        self.assertTrue(stage.id)
        self.env["insurance.policy"].browse(self.policy_cargo.id).unlink()

    def test_plain_employee_has_no_insurance_access(self):
        employee = self.env["res.users"].create(
            {
                "name": "Clerk",
                "login": "iam_clerk",
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        with self.assertRaises(AccessError):
            self.env["insurance.policy"].with_user(employee).search([])
        with self.assertRaises(AccessError):
            self.env["insurance.claim"].with_user(employee).search([])

    def test_group_ladder(self):
        self.assertTrue(
            self.user_admin.has_group("insurance_account_manager.insurance_group_team_lead")
        )
        self.assertTrue(
            self.user_admin.has_group("insurance_account_manager.insurance_group_account_manager")
        )
        self.assertTrue(
            self.user_lead.has_group("insurance_account_manager.insurance_group_account_manager")
        )
        self.assertFalse(
            self.user_lead.has_group("insurance_account_manager.insurance_group_admin")
        )
        self.assertFalse(
            self.user_am.has_group("insurance_account_manager.insurance_group_team_lead")
        )

    def test_claim_handler_sees_the_claims_they_handle(self):
        self.claim_shenyang.user_id = self.user_am
        visible = self.env["insurance.claim"].with_user(self.user_am).search([])
        self.assertIn(self.claim_shenyang, visible)
        self.assertEqual(self.claim_shenyang.with_user(self.user_am).amount_claimed, 0)

    def test_manager_field_read_only_below_team_lead(self):
        self._make_account_managers(self.user_am)  # takes clients: may become a manager
        form = Form(self.client_harbin.with_user(self.user_am))
        with self.assertRaises(AssertionError):
            form.account_manager_id = self.user_am_2
        form = Form(self.client_dalian.with_user(self.user_lead))
        form.account_manager_id = self.user_am
        form.save()
        self.assertEqual(self.client_dalian.account_manager_id, self.user_am)
