from datetime import date, datetime

from freezegun import freeze_time

from odoo import fields
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


@tagged("post_install", "-at_install", "insurance")
class TestLostDate(CompetitorCommon):
    """The day an opportunity is lost is kept on it: the Business Lost
    report's date, whatever is written on the lead afterwards."""

    def _report_row(self):
        self.env["insurance.competitor.report"].invalidate_model()
        return self.env["insurance.competitor.report"].search(
            [("kind", "=", "opportunity"), ("partner_id", "=", self.client_dalian.id)]
        )

    def test_lost_date_kept_cleared_on_restore(self):
        with freeze_time(LOST_ON):
            self._lose_business()
        self.assertEqual(self.lead.insurance_date_lost, LOST_ON.date())
        self.assertEqual(self._report_row().date, LOST_ON.date())
        # written later (a note, a tag): the loss keeps its day
        with freeze_time(datetime(2026, 4, 1, 9, 0)):
            self.lead.write({"description": "They may come back next year"})
            self.lead.write({"active": False})  # lost again: already lost
            self.env.flush_all()
        self.assertGreater(self.lead.write_date.date(), LOST_ON.date())
        self.assertEqual(self.lead.insurance_date_lost, LOST_ON.date())
        self.assertEqual(self._report_row().date, LOST_ON.date())
        # restored: no longer lost, no longer in the report
        self.lead.action_unarchive()
        self.assertFalse(self.lead.insurance_date_lost)
        self.assertFalse(self._report_row())
        # lost again in May, through CRM's lost wizard
        with freeze_time(datetime(2026, 5, 6, 9, 0)):
            self.env["crm.lead.lost"].create(
                {
                    "lead_ids": [(6, 0, self.lead.ids)],
                    "insurance_competitor_id": self.rival.id,
                    "insurance_competitor_price": 6800,
                }
            ).action_lost_reason_apply()
        self.assertEqual(self.lead.insurance_date_lost, date(2026, 5, 6))
        self.assertEqual(self._report_row().date, date(2026, 5, 6))
        # won after all: active, no loss date
        self.lead.action_set_won()
        self.assertFalse(self.lead.insurance_date_lost)

    def test_lost_date_in_the_user_time_zone(self):
        self.user_am_2.tz = "Asia/Shanghai"
        lead = (
            self.env["crm.lead"]
            .with_user(self.user_am_2)
            .create({"name": "Dalian cargo", "partner_id": self.client_dalian.id})
        )
        # 20:00 UTC is 04:00 the next day in Shanghai
        with freeze_time(datetime(2026, 3, 9, 20, 0)):
            lead.with_user(self.user_am_2).action_set_lost()
        self.assertEqual(lead.insurance_date_lost, date(2026, 3, 10))

    def test_existing_lost_leads_get_a_date(self):
        """On an existing database (upgrade, or CRM installed before the
        addon) the lost leads get the day CRM closed them, else the day they
        were last written."""
        closed = self.env["crm.lead"].create({"name": "Closed by CRM"})
        written = self.env["crm.lead"].create({"name": "Only written"})
        kept = self.env["crm.lead"].create({"name": "Still open"})
        (closed | written).action_archive()
        self.env.flush_all()
        self.env.cr.execute(
            """UPDATE crm_lead SET date_closed = '2025-11-03 10:00', write_date = '2026-01-05'
                WHERE id = %s""",
            [closed.id],
        )
        self.env.cr.execute(
            """UPDATE crm_lead SET date_closed = NULL, write_date = '2025-12-24 08:00'
                WHERE id = %s""",
            [written.id],
        )
        # the Business Lost view reads the column: dropped with it (rolled back)
        self.env.cr.execute("ALTER TABLE crm_lead DROP COLUMN insurance_date_lost CASCADE")
        self.env["crm.lead"]._insurance_init_date_lost()
        self.env.invalidate_all()
        self.assertEqual(closed.insurance_date_lost, date(2025, 11, 3))
        self.assertEqual(written.insurance_date_lost, date(2025, 12, 24))
        self.assertFalse(kept.insurance_date_lost)


@tagged("post_install", "-at_install", "insurance")
class TestLostDateRpc(CompetitorCommon, InsuranceRpcCase):
    def test_lost_date_set_by_the_server_only(self):
        self._lose_business()
        open_lead = self.env["crm.lead"].create(
            {"name": "Harbin cargo", "type": "opportunity", "partner_id": self.client_harbin.id}
        )
        users = (
            self.user_am,
            self.user_am_2,
            self.user_lead,
            self.user_admin,
            self.user_handler,
            self.user_internal,
            self.user_portal,
        )
        for user in users:
            for lead in (self.lead, open_lead):
                self.assertRpcRefused(
                    user, "crm.lead", "write", lead.ids, {"insurance_date_lost": "2020-01-01"}
                )
            self.assertRpcRefused(
                user,
                "crm.lead",
                "create",
                {"name": "x", "active": False, "insurance_date_lost": "2020-01-01"},
            )
        self.assertEqual(self.lead.insurance_date_lost, fields.Date.today())
        self.assertFalse(open_lead.insurance_date_lost)
        # the manager loses their own opportunity: the server sets the day
        self.rpc(self.user_am, "crm.lead", "action_set_lost", open_lead.ids)
        self.assertEqual(
            open_lead.insurance_date_lost,
            fields.Date.context_today(open_lead.with_user(self.user_am)),
        )
