"""The reports sum amounts in the company's currency (each amount converted at
the rate of its day, as ``res.currency._convert``) and cut datetimes into days
in the company's time zone."""

from datetime import date, datetime

from odoo import fields
from odoo.tests import tagged

from .test_scorecard import ScorecardCommon

RATE_DAY = date(2026, 1, 1)


@tagged("post_install", "-at_install", "insurance")
class TestReportCurrency(ScorecardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company_currency = cls.company.currency_id
        cls.foreign = cls.env.ref("base.EUR" if company_currency.name != "EUR" else "base.USD")
        cls.foreign.active = True
        cls.today = fields.Date.context_today(cls.env["res.partner"])
        # 1 company unit = 0.5 foreign units from Jan 1, 0.25 from today
        cls.env["res.currency.rate"].search([("currency_id", "=", cls.foreign.id)]).unlink()
        cls.env["res.currency.rate"].create(
            [
                {
                    "currency_id": cls.foreign.id,
                    "name": RATE_DAY,
                    "rate": 0.5,
                    "company_id": cls.company.id,
                },
                {
                    "currency_id": cls.foreign.id,
                    "name": cls.today,
                    "rate": 0.25,
                    "company_id": cls.company.id,
                },
            ]
        )
        cls.policy_foreign = cls._create_policy(
            "T-FX-1",
            cls.client_dalian,
            cls.line_motor,
            1000,
            100000,
            currency_id=cls.foreign.id,
            date_start=date(2026, 1, 1),
            date_end=date(2026, 3, 31),
        )
        cls.claim_foreign = cls._create_claim(
            cls.policy_foreign,
            date_loss=date(2026, 2, 1),
            date_reported=date(2026, 2, 2),
            amount_claimed=300,
            amount_paid=100,
        )
        cls.env.flush_all()

    def _convert(self, amount, day):
        return self.foreign._convert(
            amount, self.company.currency_id, self.company, day, round=False
        )

    def test_book_at_todays_rate(self):
        row = self.env["insurance.report.book"].search([("policy_id", "=", self.policy_foreign.id)])
        self.assertEqual(row.currency_id, self.company.currency_id)
        self.assertAlmostEqual(row.premium, self._convert(1000, self.today))
        # the rate of today, not of Jan 1: the conversion follows the rates
        self.assertNotAlmostEqual(row.premium, self._convert(1000, RATE_DAY))
        self.assertNotAlmostEqual(row.premium, 1000)
        # the sum per manager adds company-currency amounts
        groups = self.env["insurance.report.book"]._read_group(
            [("partner_id", "=", self.client_dalian.id)], [], ["premium:sum"]
        )
        self.assertAlmostEqual(groups[0][0], 8000 + self._convert(1000, self.today))

    def test_renewal_at_the_rate_of_its_due_date(self):
        self.policy_foreign.write({"renewal_state": "not_renewed"})
        self.env.flush_all()
        row = self.env["insurance.report.renewal"].search(
            [("policy_id", "=", self.policy_foreign.id)]
        )
        expected = self._convert(1000, date(2026, 3, 31))
        self.assertAlmostEqual(row.premium, expected)
        self.assertAlmostEqual(row.lost_premium, expected)
        self.assertNotAlmostEqual(expected, self._convert(1000, self.today))
        # the scorecard's lost premium comes from the report
        card = self._compute("quarter", date(2026, 2, 14))[self.user_am_2]
        self.assertAlmostEqual(card.lost_premium, expected, places=2)
        # and its premium in force on the first day is converted too
        self.assertAlmostEqual(
            card.premium_start, 12000 + 30000 + 8000 + self._convert(1000, RATE_DAY), places=2
        )

    def test_claim_amounts_at_the_rate_of_the_report_day(self):
        row = self.env["insurance.report.claim"].search([("claim_id", "=", self.claim_foreign.id)])
        self.assertEqual(row.currency_id, self.company.currency_id)
        self.assertAlmostEqual(row.amount_claimed, self._convert(300, date(2026, 2, 2)))
        self.assertAlmostEqual(row.amount_paid, self._convert(100, date(2026, 2, 2)))
        self.assertNotAlmostEqual(row.amount_claimed, 300)

    def test_business_lost_in_company_currency(self):
        Request = self.env["insurance.service.request"]
        Request._create_renewal_requests(self.policy_foreign)
        renewal = Request.search([("renewed_policy_id", "=", self.policy_foreign.id)])
        self.assertEqual(renewal.currency_id, self.foreign)
        rival = self.env["res.partner"].create({"name": "FX Rival", "is_company": True})
        self.env["insurance.service.request.lost"].with_context(
            active_model=Request._name, active_ids=renewal.ids
        ).create(
            {
                "lost_reason_id": self.env.ref(
                    "insurance_account_manager.insurance_service_lost_reason_competitor"
                ).id,
                "competitor_id": rival.id,
                "competitor_price": 800,
            }
        ).action_mark_lost()
        self.env.flush_all()
        row = self.env["insurance.competitor.report"].search([("competitor_id", "=", rival.id)])
        self.assertEqual(row.currency_id, self.company.currency_id)
        self.assertAlmostEqual(row.premium_lost, self._convert(1000, row.date))
        self.assertAlmostEqual(row.winning_price, self._convert(800, row.date))
        self.assertAlmostEqual(row.price_gap, self._convert(-200, row.date))


@tagged("post_install", "-at_install", "insurance")
class TestReportDayCut(ScorecardCommon):
    """Shanghai is UTC+8: 16:30 UTC on Jan 31 is 00:30 on Feb 1 there; 15:30
    UTC is 23:30 on Jan 31. New York (UTC-5 in winter): 23:30 on Jan 31 is
    04:30 UTC on Feb 1."""

    def _close(self, request, closed):
        self._set_request(
            request,
            datetime(2026, 1, 20, 8),
            closed,
            None,
            self.env.ref("insurance_account_manager.insurance_service_stage_bound"),
        )

    def _request(self, client):
        return self.env["insurance.service.request"].create(
            {"name": "Late closing", "partner_id": client.id}
        )

    def test_closing_day_in_the_company_time_zone(self):
        self.company.partner_id.tz = "Asia/Shanghai"
        late, before = self._request(self.client_harbin), self._request(self.client_harbin)
        self._close(late, datetime(2026, 1, 31, 16, 30))
        self._close(before, datetime(2026, 1, 31, 15, 30))
        Service = self.env["insurance.report.service"]
        self.env.flush_all()
        self.assertEqual(Service.search([("request_id", "=", late.id)]).closed_on, date(2026, 2, 1))
        self.assertEqual(
            Service.search([("request_id", "=", before.id)]).closed_on, date(2026, 1, 31)
        )
        # the scorecards count them in the month of the local day
        january = self._compute("month", date(2026, 1, 5))[self.user_am_2]
        february = self._compute("month", date(2026, 2, 5))[self.user_am_2]
        self.assertEqual(january.requests_handled, 1)
        # February: the request of Feb 10 and the one closed at 00:30 on Feb 1
        self.assertEqual(february.requests_handled, 2)

        self.company.partner_id.tz = "America/New_York"
        self._close(late, datetime(2026, 2, 1, 4, 30))
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(
            Service.search([("request_id", "=", late.id)]).closed_on, date(2026, 1, 31)
        )

    def test_manager_of_the_local_closing_day(self):
        """Harbin moves to user_am on Feb 15: a request closed at 16:30 UTC on
        Feb 14 (00:30 on Feb 15 in Shanghai) counts for user_am, one closed at
        15:30 UTC (23:30 on Feb 14) for user_am_2."""
        self.company.partner_id.tz = "Asia/Shanghai"
        late, before = self._request(self.client_harbin), self._request(self.client_harbin)
        self._close(late, datetime(2026, 2, 14, 16, 30))
        self._close(before, datetime(2026, 2, 14, 15, 30))
        self.env.flush_all()
        Service = self.env["insurance.report.service"]
        self.assertEqual(Service.search([("request_id", "=", late.id)]).user_id, self.user_am)
        self.assertEqual(Service.search([("request_id", "=", before.id)]).user_id, self.user_am_2)

    def test_without_company_time_zone_the_calendar_decides(self):
        self.company.partner_id.tz = False
        self.company.resource_calendar_id.tz = "Asia/Shanghai"
        late = self._request(self.client_harbin)
        self._close(late, datetime(2026, 1, 31, 16, 30))
        self.env.flush_all()
        row = self.env["insurance.report.service"].search([("request_id", "=", late.id)])
        self.assertEqual(row.closed_on, date(2026, 2, 1))
        self.company.resource_calendar_id.tz = "UTC"
        self.env.flush_all()
        row.invalidate_recordset()
        self.assertEqual(row.closed_on, date(2026, 1, 31))
