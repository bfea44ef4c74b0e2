"""The Retention report on the hand-built book of test_scorecard.py: it gives
the scorecards' retention figures for every manager and period, counts a
client moved mid-period for the manager who held it at the start, and shows
each user only the rows the book rules allow. The report is a materialised
view: the classes refresh it once the book is built, and a test shows it
stale until refreshed."""

from datetime import date

from odoo import fields
from odoo.tests import tagged

from .common import InsuranceRpcCase
from .test_scorecard import Q1, ScorecardCommon

PERIODS = [
    ("quarter", Q1),
    ("year", Q1),
    ("month", date(2026, 1, 5)),
    ("month", date(2026, 2, 5)),
    ("month", date(2026, 3, 5)),
    ("month", date(2026, 4, 5)),
]


@tagged("post_install", "-at_install", "insurance")
class TestReportRetention(ScorecardCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["insurance.report.retention"]._refresh()

    def _report(self, period_type, day, domain=()):
        """{manager: (clients at start, kept, lost, moved)} of the report for the
        period of ``day``."""
        Scorecard = self.env["insurance.scorecard"]
        groups = self.env["insurance.report.retention"]._read_group(
            [
                ("company_id", "=", self.company.id),
                ("period_type", "=", period_type),
                ("date_from", "=", Scorecard._period_start(period_type, day)),
                *domain,
            ],
            ["user_id"],
            ["clients_start:sum", "clients_kept:sum", "clients_lost:sum", "clients_moved:sum"],
        )
        return {user: tuple(figures) for user, *figures in groups}

    def test_report_agrees_with_the_scorecards(self):
        """Every manager's clients at start and kept, of every period type, are
        the scorecard's, demo managers included."""
        for period_type, day in PERIODS:
            with self.subTest(period=period_type, day=day):
                cards = self._compute(period_type, day)
                report = self._report(period_type, day)
                self.assertTrue(report)
                expected = {
                    user: (card.clients_start, card.clients_kept)
                    for user, card in cards.items()
                    if card.clients_start
                }
                self.assertEqual(
                    {user: (start, kept) for user, (start, kept, _lost, _moved) in report.items()},
                    expected,
                )
                for user, (start, kept, lost, _moved) in report.items():
                    self.assertEqual(start, kept + lost)
                    self.assertAlmostEqual(cards[user].retention, 100.0 * kept / start)

    def test_stale_until_refreshed(self):
        """A client taken after the last refresh is not in the report until it
        is refreshed again (by the scorecards' computation here), then is, with
        the moment of the refresh."""
        client = self.env["res.partner"].create(
            {
                "name": "Jiamusi Grain",
                "is_insurance_client": True,
                "account_manager_id": self.user_am_other.id,
            }
        )
        self._create_policy("T-RET-NEW", client, self.line_motor, 1000, 1000)
        before = self._report("quarter", Q1)
        Retention = self.env["insurance.report.retention"]
        self.assertFalse(Retention.search([("partner_id", "=", client.id)]))
        started = fields.Datetime.now()
        self.env["insurance.scorecard"].with_user(self.user_lead).action_compute_scorecards(
            "quarter", Q1
        )
        rows = Retention.search([("partner_id", "=", client.id), ("period_type", "=", "quarter")])
        self.assertTrue(rows)
        self.assertEqual(rows.mapped("user_id"), self.user_am_other)
        after = self._report("quarter", Q1)
        start, kept = before[self.user_am_other][:2]
        self.assertEqual(after[self.user_am_other][:2], (start + 1, kept + 1))
        self.assertTrue(started <= rows[0].refreshed_at <= fields.Datetime.now())
        self.assertEqual(len(set(Retention.search([]).mapped("refreshed_at"))), 1)

    def test_quarter_figures(self):
        """Q1 2026: user_am held qiqihar (lost on Mar 30) and jilin (renewed);
        user_am_2 held harbin (moved to user_am on Feb 15) and dalian."""
        report = self._report("quarter", Q1)
        self.assertEqual(report[self.user_am], (2, 1, 1, 0))
        self.assertEqual(report[self.user_am_2], (2, 2, 0, 1))
        self.assertEqual(report[self.user_am_other], (1, 1, 0, 0))
        Retention = self.env["insurance.report.retention"]
        groups = Retention._read_group(
            [
                ("period_type", "=", "quarter"),
                ("date_from", "=", date(2026, 1, 1)),
                ("user_id", "=", self.user_am.id),
            ],
            [],
            ["retention:avg"],
        )
        self.assertEqual(groups[0][0], 50.0)

    def test_client_moved_mid_month(self):
        """Harbin moves from user_am_2 to user_am on Feb 15: February counts it
        for user_am_2 (held on Feb 1), kept and moved; March for user_am."""
        Retention = self.env["insurance.report.retention"]
        rows = Retention.search(
            [("partner_id", "=", self.client_harbin.id), ("period_type", "=", "month")]
        )
        by_month = {row.date_from: row for row in rows}
        february = by_month[date(2026, 2, 1)]
        self.assertEqual(february.date_to, date(2026, 2, 28))
        self.assertEqual((february.user_id, february.end_user_id), (self.user_am_2, self.user_am))
        self.assertEqual(
            (february.clients_start, february.clients_kept, february.clients_moved), (1, 1, 1)
        )
        march = by_month[date(2026, 3, 1)]
        self.assertEqual((march.user_id, march.end_user_id), (self.user_am, self.user_am))
        self.assertEqual(march.clients_moved, 0)
        january = by_month[date(2026, 1, 1)]
        self.assertEqual((january.user_id, january.clients_moved), (self.user_am_2, 0))
        # lost: qiqihar's last term ends on Mar 30, not renewed
        lost = Retention.search(
            [
                ("partner_id", "=", self.client_qiqihar.id),
                ("period_type", "=", "month"),
                ("date_from", "=", date(2026, 3, 1)),
            ]
        )
        self.assertEqual((lost.user_id, lost.clients_kept, lost.clients_lost), (self.user_am, 0, 1))
        self.assertFalse(
            Retention.search(
                [
                    ("partner_id", "=", self.client_qiqihar.id),
                    ("date_from", "=", date(2026, 4, 1)),
                ]
            ),
            "a client without a policy in force on the first day is not held",
        )
        # a new client counts from the first period it starts in force
        self.assertEqual(
            min(
                Retention.search([("partner_id", "=", self.client_mudanjiang.id)]).mapped(
                    "date_from"
                )
            ),
            date(2026, 2, 1),
        )


@tagged("post_install", "-at_install", "insurance")
class TestReportRetentionSecurity(ScorecardCommon, InsuranceRpcCase):
    MODEL = "insurance.report.retention"
    FIELDS = ["user_id", "backup_manager_id", "partner_id"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env[cls.MODEL]._refresh()

    def _rows(self, user):
        return self.rpc(user, self.MODEL, "search_read", [], self.FIELDS)

    def test_account_manager_reads_own_rows(self):
        rows = self._rows(self.user_am)
        self.assertTrue(rows)
        for row in rows:
            self.assertIn(
                self.user_am.id,
                (
                    row["user_id"] and row["user_id"][0],
                    row["backup_manager_id"] and row["backup_manager_id"][0],
                ),
            )
        clients = {row["partner_id"][0] for row in rows}
        self.assertIn(self.client_qiqihar.id, clients)
        self.assertNotIn(self.client_shenyang.id, clients)
        # user_am_2 still reads the months they held harbin (and backs it up)
        rows_2 = self._rows(self.user_am_2)
        self.assertIn(self.client_dalian.id, {row["partner_id"][0] for row in rows_2})
        self.assertNotIn(self.client_qiqihar.id, {row["partner_id"][0] for row in rows_2})

    def test_team_lead_reads_their_teams_rows(self):
        rows = self._rows(self.user_lead)
        managers = {row["user_id"][0] for row in rows}
        self.assertTrue({self.user_am.id, self.user_am_2.id} <= managers)
        self.assertNotIn(self.user_am_other.id, managers)
        admin_rows = self._rows(self.user_admin)
        self.assertIn(self.user_am_other.id, {row["user_id"][0] for row in admin_rows})
        self.assertGreater(len(admin_rows), len(rows))

    def test_others_refused(self):
        for user in (self.user_handler, self.user_internal, self.user_portal):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, self.MODEL, "search_read", [], self.FIELDS)
                self.assertRpcRefused(
                    user, self.MODEL, "read_group", [], ["clients_start:sum"], ["user_id"]
                )

    def test_read_only_for_everyone(self):
        row_id = self.rpc(self.user_admin, self.MODEL, "search", [], limit=1)[0]
        for user in (self.user_am, self.user_lead, self.user_admin):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, self.MODEL, "write", [row_id], {"clients_kept": 0})
                self.assertRpcRefused(user, self.MODEL, "unlink", [row_id])
                self.assertRpcRefused(user, self.MODEL, "create", {"clients_start": 1})

    def test_refresh_by_team_leads_and_administrators(self):
        for user in (self.user_am, self.user_handler, self.user_internal, self.user_portal):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, self.MODEL, "action_refresh")
        for user in (self.user_lead, self.user_admin):
            with self.subTest(user=user.login):
                self.assertTrue(self.rpc(user, self.MODEL, "action_refresh"))
