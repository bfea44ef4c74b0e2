"""The client form's inline lists and the tier colour, read as each group."""

from odoo.tests import tagged

from .common import InsuranceRpcCase


@tagged("post_install", "-at_install")
class TestClientForm(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tier_key = cls.env.ref("insurance_account_manager.insurance_client_tier_key")
        cls.client_harbin.write({"insurance_tier_id": cls.tier_key.id})
        cls.claim_open = cls._create_claim(cls.policy_motor)
        cls.claim_closed = cls._create_claim(cls.policy_property)
        cls.claim_closed.stage_id = cls.stage_closed

    def test_open_claims_inline(self):
        """The manager's form lists the open claims of the client, not the closed ones."""
        self.assertTrue(self.stage_closed.is_closed)
        [values] = self.rpc(
            self.user_am,
            "res.partner",
            "read",
            [self.client_harbin.id],
            ["insurance_open_claim_ids", "insurance_claim_ids", "insurance_tier_color"],
        )
        self.assertEqual(values["insurance_open_claim_ids"], [self.claim_open.id])
        self.assertCountEqual(
            values["insurance_claim_ids"], [self.claim_open.id, self.claim_closed.id]
        )
        self.assertEqual(values["insurance_tier_color"], self.tier_key.color)

    def test_inline_lists_refused(self):
        """Who may not read a client's claims or tier may not read them inline."""
        for user in (self.user_handler, self.user_internal, self.user_portal):
            for fname in (
                "insurance_open_claim_ids",
                "insurance_open_request_ids",
                "insurance_tier_color",
            ):
                with self.subTest(user=user.login, field=fname):
                    self.assertRpcRefused(
                        user, "res.partner", "read", [self.client_harbin.id], [fname]
                    )
        # a manager of another book
        self.assertRpcRefused(
            self.user_am_other,
            "res.partner",
            "read",
            [self.client_harbin.id],
            ["insurance_open_claim_ids"],
        )

    def test_default_tier_colours_not_red(self):
        """Red (1) and raspberry (9) mean urgent in Odoo: no default tier uses them."""
        for xmlid in ("key", "general", "retail"):
            tier = self.env.ref(f"insurance_account_manager.insurance_client_tier_{xmlid}")
            self.assertNotIn(tier.color, (1, 9), tier.name)
        self.assertEqual(
            len(
                {
                    self.env.ref(f"insurance_account_manager.insurance_client_tier_{x}").color
                    for x in ("key", "general", "retail")
                }
            ),
            3,
        )
