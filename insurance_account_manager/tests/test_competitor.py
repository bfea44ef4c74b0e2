from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import InsuranceCommon, InsuranceRpcCase

LOST_ON = datetime(2026, 2, 1, 10, 0)


class CompetitorCommon(InsuranceCommon):
    """Rival Insurance wins Harbin's property renewal (our premium 30,000, its
    price 25,000) and Dalian's motor opportunity (9,000 expected, its price
    7,000)."""

    def _lose_business(self):
        self.rival = self.env["res.partner"].create({"name": "Rival Insurance", "is_company": True})
        Request = self.env["insurance.service.request"]
        with freeze_time(LOST_ON):
            Request._create_renewal_requests(self.policy_property)
            self.renewal = Request.search([("renewed_policy_id", "=", self.policy_property.id)])
            self.env["insurance.service.request.lost"].with_context(
                active_model=Request._name, active_ids=self.renewal.ids
            ).create(
                {
                    "lost_reason_id": self.env.ref(
                        "insurance_account_manager.insurance_service_lost_reason_competitor"
                    ).id,
                    "competitor_id": self.rival.id,
                    "competitor_price": 25000,
                }
            ).action_mark_lost()
            self.env.flush_all()  # the closing date, computed at the loss
        self.lead = self.env["crm.lead"].create(
            {
                "name": "Dalian fleet",
                "type": "opportunity",
                "partner_id": self.client_dalian.id,
                "insurance_line_id": self.line_motor.id,
                "expected_revenue": 9000,
            }
        )
        self.env["crm.lead.lost"].create(
            {
                "lead_ids": [(6, 0, self.lead.ids)],
                "insurance_competitor_id": self.rival.id,
                "insurance_competitor_price": 7000,
            }
        ).action_lost_reason_apply()


@tagged("post_install", "-at_install", "insurance")
class TestCompetitor(CompetitorCommon):
    def test_business_lost_and_won_back(self):
        self._lose_business()
        self.assertTrue(self.rival.is_insurance_competitor)
        self.assertEqual(self.renewal.competitor_price, 25000)
        self.assertEqual(self.lead.insurance_competitor_id, self.rival)
        self.assertFalse(self.lead.active)
        Report = self.env["insurance.competitor.report"]
        rows = Report.search([("competitor_id", "=", self.rival.id)])
        self.assertEqual(sorted(rows.mapped("kind")), ["opportunity", "renewal"])
        renewal = rows.filtered(lambda row: row.kind == "renewal")
        self.assertEqual(renewal.line_id, self.line_property)
        self.assertEqual(renewal.user_id, self.user_am)
        self.assertEqual(renewal.date, LOST_ON.date())
        self.assertEqual((renewal.premium_lost, renewal.winning_price), (30000, 25000))
        self.assertEqual(renewal.price_gap, -5000)
        self.assertFalse(renewal.won_back)
        # Harbin comes back for property a month later
        self._create_policy(
            "T-PROP-2",
            self.client_harbin,
            self.line_property,
            28000,
            5000000,
            date_start=date(2026, 3, 1),
            date_end=date(2027, 2, 28),
        )
        Report.invalidate_model()
        totals = Report._read_group(
            [("competitor_id", "=", self.rival.id)],
            ["competitor_id"],
            ["premium_lost:sum", "winning_price:sum", "won_back_count:sum", "__count"],
        )
        self.assertEqual(totals, [(self.rival, 39000, 32000, 1, 2)])
        per_line = dict(
            Report._read_group(
                [("competitor_id", "=", self.rival.id)], ["line_id"], ["premium_lost:sum"]
            )
        )
        self.assertEqual(per_line, {self.line_property: 30000, self.line_motor: 9000})

    def test_prices_seen(self):
        self.rival = self.env["res.partner"].create({"name": "Rival Insurance", "is_company": True})
        price = (
            self.env["insurance.competitor.price"]
            .with_user(self.user_am)
            .create(
                {
                    "competitor_id": self.rival.id,
                    "line_id": self.line_motor.id,
                    "product": "Fleet Plus",
                    "premium": 950,
                }
            )
        )
        self.assertEqual(price.user_id, self.user_am)
        self.assertTrue(self.rival.is_insurance_competitor)
        self.assertEqual(self.rival.insurance_competitor_price_ids, price)


@tagged("post_install", "-at_install", "insurance")
class TestCompetitorRpc(CompetitorCommon, InsuranceRpcCase):
    def test_access_per_group(self):
        self._lose_business()
        Report = "insurance.competitor.report"
        rows = self.env[Report].search([])
        renewal = rows.filtered(lambda row: row.kind == "renewal")
        self.assertEqual(self.rpc(self.user_am, Report, "search", []), renewal.ids)
        self.assertEqual(
            sorted(self.rpc(self.user_am_2, Report, "search", [])), sorted(rows.ids)
        )  # Dalian's manager, Harbin's backup
        self.assertEqual(self.rpc(self.user_am_other, Report, "search", []), [])
        for user in (self.user_handler, self.user_internal, self.user_portal):
            self.assertRpcRefused(user, Report, "search_read", [], ["id"])
            self.assertRpcRefused(user, "insurance.competitor.price", "search_read", [], ["id"])
            self.assertRpcRefused(
                user,
                "insurance.competitor.price",
                "create",
                {"competitor_id": self.rival.id, "product": "x"},
            )
        self.assertRpcRefused(
            self.user_am,
            "insurance.competitor.price",
            "create",
            {"competitor_id": self.rival.id, "product": "x", "user_id": self.user_am_2.id},
        )
