from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import GROUP_ADMIN, GROUP_HANDLER, InsuranceCommon


@tagged("post_install", "-at_install", "insurance")
class TestMultiCompany(InsuranceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_south = cls.env["res.company"].create({"name": "Insurer South"})
        cls.admin_south = new_test_user(
            cls.env,
            login="iam_admin_south",
            groups=GROUP_ADMIN,
            company_id=cls.company_south.id,
            company_ids=[Command.set(cls.company_south.ids)],
        )
        cls.client_south = cls.env["res.partner"].create(
            {"name": "Guangzhou Textiles", "company_id": cls.company_south.id}
        )
        cls.policy_south = cls._create_policy(
            "S-1", cls.client_south, cls.line_motor, 100, 1000, company_id=cls.company_south.id
        )

    def test_company_rule_isolates_books(self):
        Policy = self.env["insurance.policy"].with_user(self.admin_south)
        self.assertEqual(Policy.search([("name", "in", ("S-1", "T-MOTOR-1"))]), self.policy_south)
        with self.assertRaises(AccessError):
            self.policy_motor.with_user(self.admin_south).read(["name"])
        claim = self._create_claim(self.policy_motor)
        with self.assertRaises(AccessError):
            claim.with_user(self.admin_south).read(["name"])
        self.assertFalse(
            self.env["insurance.claim"].with_user(self.admin_south).search([("id", "=", claim.id)])
        )

    def test_policy_cannot_point_at_other_company(self):
        with self.assertRaisesRegex(UserError, "Incompatible companies"):
            self._create_policy(
                "S-2",
                self.env["res.partner"].create(
                    {"name": "Mudanjiang Paper", "company_id": self.company.id}
                ),
                self.line_motor,
                1,
                1,
                company_id=self.company_south.id,
            )
        with self.assertRaisesRegex(UserError, "Incompatible companies"):
            self.policy_south.insurer_id = self.env["res.partner"].create(
                {"name": "Northern Carrier", "company_id": self.company.id}
            )

    def test_claim_company_follows_policy(self):
        claim = self._create_claim(self.policy_south)
        self.assertEqual(claim.company_id, self.company_south)
        self.assertTrue(claim.name.startswith("CLM/"))

    def test_manager_must_work_for_client_company(self):
        with self.assertRaisesRegex(UserError, "Incompatible companies"):
            self.client_south.account_manager_id = self.user_am
        self.client_south.account_manager_id = self.admin_south
        self.assertEqual(self.policy_south.account_manager_id, self.admin_south)

    def test_candidate_report_rows_per_company(self):
        """Candidate managers: one row per handler and company of the rated
        requests, each seen only from its company (company rule)."""
        handler = new_test_user(
            self.env,
            login="iam_mc_handler",
            name="Mei Handler",
            groups=GROUP_HANDLER,
            company_id=self.company.id,
            company_ids=[Command.set((self.company | self.company_south).ids)],
        )
        self.client_harbin.email = "risk@harbin-boiler.example.com"
        self.client_south.email = "ops@guangzhou-textiles.example.com"
        general = self.env["insurance.service.type"]._get_by_code("general")
        done = general.stage_ids.filtered(lambda s: s.state == "won")[:1]
        for client, company in (
            (self.client_harbin, self.company),
            (self.client_south, self.company_south),
        ):
            for _i in range(3):
                request = self.env["insurance.service.request"].create(
                    {
                        "name": "Certificate",
                        "partner_id": client.id,
                        "company_id": company.id,
                        "handler_id": handler.id,
                    }
                )
                request.stage_id = done
                rating = request.rating_ids.filtered(lambda r: not r.consumed)[:1]
                self.assertTrue(rating, "a rating request was sent")
                request.sudo().rating_apply(5, token=rating.access_token)
        self.env.flush_all()
        Candidate = self.env["insurance.report.candidate"]
        rows = Candidate.search([("user_id", "=", handler.id)])
        self.assertEqual(rows.company_id, self.company | self.company_south)
        self.assertEqual(rows.mapped("rating_count"), [3, 3])
        main_row = rows.filtered(lambda row: row.company_id == self.company)
        south_row = rows - main_row
        self.assertEqual(
            Candidate.with_user(self.admin_south).search([("user_id", "=", handler.id)]), south_row
        )
        self.assertEqual(
            Candidate.with_user(self.user_admin).search([("user_id", "=", handler.id)]), main_row
        )
        with self.assertRaises(AccessError):
            main_row.with_user(self.admin_south).read(["rating_avg"])
