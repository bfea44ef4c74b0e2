"""The client form: its smart buttons' counts (claims, requests, needs
analyses, lines held with competitors) and the tier colour, read as each
group; a competitor's count of prices seen."""

from datetime import date

from odoo.tests import tagged

from .common import InsuranceRpcCase
from .test_competitor_target import TargetCommon

# the client form's counts that an account manager reads (smart buttons)
COUNT_FIELDS = (
    "insurance_claim_count",
    "insurance_request_count",
    "insurance_needs_analysis_count",
    "insurance_target_count",
)


@tagged("post_install", "-at_install")
class TestClientForm(TargetCommon, InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tier_key = cls.env.ref("insurance_account_manager.insurance_client_tier_key")
        cls.client_harbin.write({"insurance_tier_id": cls.tier_key.id})
        cls.claim_open = cls._create_claim(cls.policy_motor)
        cls.claim_closed = cls._create_claim(cls.policy_property)
        cls.claim_closed.stage_id = cls.stage_closed

    def test_counts(self):
        """The manager's form counts the client's claims, needs analyses and
        the lines it holds with competitors and not with us (what each smart
        button opens)."""
        self._book()
        # an older analysis of Harbin: two analyses, the current one's lines
        self._held(
            self.client_harbin,
            [(self.line_cargo, self.rival, 100, date(2026, 6, 30))],
            day=date(2025, 1, 15),
            user=self.user_am,
        )
        self.env.invalidate_all()
        client = self.client_harbin.with_user(self.user_am)
        values = {fname: client[fname] for fname in COUNT_FIELDS}
        self.assertEqual(values["insurance_claim_count"], 2)
        self.assertEqual(values["insurance_needs_analysis_count"], 2)
        # liability (Rival) and accident & health (Other Mutual); property is
        # held with us too, the older analysis's cargo is not current
        to_win = self.env["insurance.competitor.target"].search(
            [("partner_id", "=", self.client_harbin.id), ("held_with_us", "=", False)]
        )
        self.assertEqual(to_win.line_id, self.line_liability | self.line_ah)
        self.assertEqual(values["insurance_target_count"], 2)
        # a client without any
        self.assertEqual(
            (
                self.client_shenyang.insurance_needs_analysis_count,
                self.client_dalian.with_user(self.user_am_2).insurance_claim_count,
            ),
            (1, 0),
        )

    def test_counts_and_colour_over_rpc(self):
        [values] = self.rpc(
            self.user_am,
            "res.partner",
            "read",
            [self.client_harbin.id],
            ["insurance_claim_count", "insurance_needs_analysis_count", "insurance_tier_color"],
        )
        self.assertEqual(values["insurance_claim_count"], 2)
        self.assertEqual(values["insurance_needs_analysis_count"], 0)
        self.assertEqual(values["insurance_tier_color"], self.tier_key.color)

    def test_counts_refused(self):
        """Who may not read a client's claims, analyses or tier may not read
        their counts."""
        for user in (self.user_handler, self.user_internal, self.user_portal):
            for fname in (*COUNT_FIELDS, "insurance_tier_color"):
                with self.subTest(user=user.login, field=fname):
                    self.assertRpcRefused(
                        user, "res.partner", "read", [self.client_harbin.id], [fname]
                    )
            with self.subTest(user=user.login, field="insurance_competitor_price_count"):
                self.assertRpcRefused(
                    user,
                    "res.partner",
                    "read",
                    [self.rival.id],
                    ["insurance_competitor_price_count"],
                )
        # a manager of another book
        self.assertRpcRefused(
            self.user_am_other,
            "res.partner",
            "read",
            [self.client_harbin.id],
            ["insurance_needs_analysis_count"],
        )

    def test_competitor_prices_count(self):
        """A competitor's form counts its prices seen; any other partner's form
        (a client's) costs no query for it."""
        self.env["insurance.competitor.price"].with_user(self.user_am).create(
            [
                {
                    "competitor_id": self.rival.id,
                    "line_id": line.id,
                    "product": "Standard",
                    "premium": premium,
                }
                for line, premium in ((self.line_motor, 950), (self.line_cargo, 80))
            ]
        )
        self.env.invalidate_all()
        self.assertEqual(self.rival.with_user(self.user_am).insurance_competitor_price_count, 2)
        client = self.client_harbin.with_user(self.user_am)
        client.fetch(["is_insurance_competitor"])
        with self.assertQueryCount(0):
            self.assertEqual(client.insurance_competitor_price_count, 0)

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
