"""Scorecards and reporting on a small hand-built book with known answers.

On top of the shared book (tests/common.py), for the first quarter of 2026:

==============  ===================================  =====================================
client          manager history                      policies
==============  ===================================  =====================================
client_harbin   user_am_2 2025-01-01 .. 2026-02-15,  motor 12,000 + property 30,000
                user_am from 2026-02-15 (moved       (2026-01-01 .. 2026-12-31)
                mid-quarter)
client_dalian   user_am_2 from 2025-01-01            cargo 8,000 (2026)
client_shenyang no history: its current manager      liability 5,000 (2026)
                (user_am_other)
qiqihar         user_am from 2025-01-01              6,000, 2025-03-31 .. 2026-03-30, not
                                                     renewed (lost to a competitor)
jilin           user_am from 2025-01-01              10,000, 2025-04-01 .. 2026-03-31,
                                                     renewed by 11,000 from 2026-04-01
mudanjiang      user_am from 2026-02-01              4,000 from 2026-02-01 (a new client)
==============  ===================================  =====================================

Requests: harbin, 2026-02-01 -> 02-10 (216 h, SLA 02-05: breached; held by
user_am_2 that day), harbin 03-01 08:00 -> 03-02 08:00 (24 h, SLA 03-03: kept;
user_am), dalian 03-20 -> 04-02 (closed after the quarter), dalian open.
Claims: harbin reported 03-12, closed 03-20 (8 days, user_am); dalian reported
01-05, closed 01-15 (10 days, user_am_2).
"""

from datetime import date, datetime

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged
from odoo.tools import SQL, mute_logger

from ..report.sql import manager_of, manager_on, managers_on
from .common import GROUP_LEAD, InsuranceCommon, InsuranceRpcCase

Q1 = date(2026, 2, 14)  # any day of the first quarter of 2026


class ScorecardCommon(InsuranceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls._make_account_managers(cls.user_am | cls.user_am_2 | cls.user_am_other)
        Partner = env["res.partner"]
        cls.client_qiqihar = Partner.create(
            {
                "name": "Qiqihar Steel",
                "is_insurance_client": True,
                "account_manager_id": cls.user_am.id,
            }
        )
        cls.client_jilin = Partner.create(
            {
                "name": "Jilin Chemicals",
                "is_insurance_client": True,
                "account_manager_id": cls.user_am.id,
            }
        )
        cls.client_mudanjiang = Partner.create(
            {
                "name": "Mudanjiang Paper",
                "is_insurance_client": True,
                "account_manager_id": cls.user_am.id,
            }
        )
        cls.competitor = Partner.create({"name": "Rival Insurance", "is_company": True})
        cls.policy_qiqihar = cls._create_policy(
            "T-QQ-1",
            cls.client_qiqihar,
            cls.line_property,
            6000,
            100000,
            date_start=date(2025, 3, 31),
            date_end=date(2026, 3, 30),
        )
        cls.policy_jilin = cls._create_policy(
            "T-JL-1",
            cls.client_jilin,
            cls.line_property,
            10000,
            100000,
            date_start=date(2025, 4, 1),
            date_end=date(2026, 3, 31),
        )
        cls.policy_jilin_next = cls._create_policy(
            "T-JL-1/R1",
            cls.client_jilin,
            cls.line_property,
            11000,
            100000,
            date_start=date(2026, 4, 1),
            date_end=date(2027, 3, 31),
            previous_policy_id=cls.policy_jilin.id,
        )
        cls.policy_mudanjiang = cls._create_policy(
            "T-MDJ-1",
            cls.client_mudanjiang,
            cls.line_motor,
            4000,
            100000,
            date_start=date(2026, 2, 1),
            date_end=date(2027, 1, 31),
        )
        cls.policy_qiqihar.write(
            {
                "state": "expired",
                "renewal_state": "not_renewed",
                "renewal_competitor_id": cls.competitor.id,
                "renewal_lost_reason_id": env.ref(
                    "insurance_account_manager.insurance_service_lost_reason_price"
                ).id,
            }
        )
        cls.policy_jilin.write({"renewal_state": "renewed"})
        # the manager history, as it was
        History = env["insurance.manager.assignment"]
        clients = (
            cls.client_harbin
            | cls.client_dalian
            | cls.client_shenyang
            | cls.client_qiqihar
            | cls.client_jilin
            | cls.client_mudanjiang
        )
        History.search([("partner_id", "in", clients.ids)]).unlink()

        def period(client, user, start, end=None):
            return {
                "partner_id": client.id,
                "user_id": user.id,
                "date_from": start,
                "date_to": end,
                "state": "ended" if end else "current",
            }

        History.create(
            [
                period(cls.client_harbin, cls.user_am_2, date(2025, 1, 1), date(2026, 2, 15)),
                period(cls.client_harbin, cls.user_am, date(2026, 2, 15)),
                period(cls.client_dalian, cls.user_am_2, date(2025, 1, 1)),
                period(cls.client_qiqihar, cls.user_am, date(2025, 1, 1)),
                period(cls.client_jilin, cls.user_am, date(2025, 1, 1)),
                period(cls.client_mudanjiang, cls.user_am, date(2026, 2, 1)),
            ]
        )
        # requests and claims, with their dates as they happened
        Request = env["insurance.service.request"]
        cls.requests = Request.create(
            [
                {"name": "Fleet change", "partner_id": cls.client_harbin.id},
                {"name": "Certificate", "partner_id": cls.client_harbin.id},
                {"name": "Port survey", "partner_id": cls.client_dalian.id},
                {"name": "Open question", "partner_id": cls.client_dalian.id},
            ]
        )
        done = env.ref("insurance_account_manager.insurance_service_stage_bound")
        cls._set_request(
            cls.requests[0],
            datetime(2026, 2, 1, 9),
            datetime(2026, 2, 10, 9),
            datetime(2026, 2, 5, 9),
            done,
        )
        cls._set_request(
            cls.requests[1],
            datetime(2026, 3, 1, 8),
            datetime(2026, 3, 2, 8),
            datetime(2026, 3, 3, 8),
            done,
        )
        cls._set_request(
            cls.requests[2],
            datetime(2026, 3, 20, 8),
            datetime(2026, 4, 2, 8),
            datetime(2026, 3, 25, 8),
            done,
        )
        cls._set_request(
            cls.requests[3], datetime(2026, 3, 20, 8), None, datetime(2026, 3, 25, 8), None
        )
        cls.claim_harbin = cls._create_claim(cls.policy_motor)
        cls.claim_dalian = cls._create_claim(
            cls.policy_cargo, date_loss=date(2026, 1, 3), date_reported=date(2026, 1, 5)
        )
        cls.claim_harbin.write({"stage_id": cls.stage_closed.id, "date_closed": date(2026, 3, 20)})
        cls.claim_dalian.write({"stage_id": cls.stage_closed.id, "date_closed": date(2026, 1, 15)})
        env.flush_all()

    @classmethod
    def _set_request(cls, request, opened, closed, deadline, stage):
        request.flush_recordset()
        cls.env.cr.execute(
            """UPDATE insurance_service_request
                  SET date_open = %s, date_closed = %s, sla_deadline = %s,
                      stage_id = COALESCE(%s, stage_id),
                      stage_state = COALESCE(%s, stage_state)
                WHERE id = %s""",
            (opened, closed, deadline, stage and stage.id, stage and stage.state, request.id),
        )
        request.invalidate_recordset()

    def _compute(self, period_type="quarter", day=Q1):
        Scorecard = self.env["insurance.scorecard"]
        Scorecard._compute_scorecards(period_type, day, self.company)
        return {
            card.user_id: card
            for card in Scorecard.search(
                [
                    ("period_type", "=", period_type),
                    ("date_from", "=", Scorecard._period_start(period_type, day)),
                    ("company_id", "=", self.company.id),
                ]
            )
        }


@tagged("post_install", "-at_install", "insurance")
class TestScorecard(ScorecardCommon):
    def test_kpis_of_the_quarter(self):
        cards = self._compute()
        am, am_2, other = cards[self.user_am], cards[self.user_am_2], cards[self.user_am_other]
        self.assertEqual((am.date_from, am.date_to), (date(2026, 1, 1), date(2026, 3, 31)))
        # retention: held on Jan 1 -> in force on Mar 31
        self.assertEqual((am.clients_start, am.clients_kept, am.retention), (2, 1, 50.0))
        self.assertEqual((am_2.clients_start, am_2.clients_kept, am_2.retention), (2, 2, 100.0))
        self.assertEqual((other.clients_start, other.clients_kept), (1, 1))
        # renewals due in the quarter: Mar 30 lost, Mar 31 won (the next term is due in 2027)
        self.assertEqual(
            (am.renewals_due, am.renewals_won, am.renewals_lost, am.renewals_pending),
            (2, 1, 1, 0),
        )
        self.assertEqual((am.renewal_rate, am.lost_premium), (50.0, 6000.0))
        self.assertEqual(am_2.renewals_due, 0)
        # premium in force on the first and the last day, for who held the client that day
        self.assertEqual((am.premium_start, am.premium_end), (16000.0, 56000.0))
        self.assertEqual(am.premium_growth, 250.0)
        self.assertEqual((am_2.premium_start, am_2.premium_end), (50000.0, 8000.0))
        self.assertEqual(am_2.premium_growth, -84.0)
        self.assertEqual((other.premium_start, other.premium_end), (5000.0, 5000.0))
        # new clients: first policy started in the quarter, holder on that day
        self.assertEqual((am.new_clients, am_2.new_clients, other.new_clients), (1, 2, 1))
        # service: closed in the quarter, for who held the client on the closing day
        self.assertEqual(
            (am.requests_handled, am.requests_with_sla, am.requests_within_sla, am.sla_breaches),
            (1, 1, 1, 0),
        )
        self.assertEqual((am.sla_compliance, am.median_hours_to_close), (100.0, 24.0))
        self.assertEqual(
            (am_2.requests_handled, am_2.sla_compliance, am_2.sla_breaches), (1, 0.0, 1)
        )
        self.assertEqual(am_2.median_hours_to_close, 216.0)
        # claims closed in the quarter
        self.assertEqual((am.claims_closed, am.claim_turnaround), (1, 8.0))
        self.assertEqual((am_2.claims_closed, am_2.claim_turnaround), (1, 10.0))
        # score (default weights, satisfaction without data left out):
        # am: (20*50 + 20*50 + 15*100 + 10*50 (new 1 of the team's best 2)
        #      + 10*100 (growth above +50 %) + 10*100 (requests 1 of 1)) / 85
        self.assertEqual(am.score, 70.59)
        # am_2: (20*100 + 15*0 + 10*100 + 10*0 (growth below -50 %) + 10*100) / 65
        self.assertEqual(am_2.score, 61.54)
        self.assertEqual((am.rank, am_2.rank, am.team_size), (1, 2, 2))
        self.assertEqual(am.team_id, self.team)

    def test_month_boundaries(self):
        """March: the renewals due on Mar 30 and 31 count, the request closed
        on Apr 2 does not; April: the client lost on Mar 30 is not held."""
        march = self._compute("month", date(2026, 3, 5))
        self.assertEqual(march[self.user_am].renewals_due, 2)
        self.assertEqual(march[self.user_am_2].requests_handled, 0)
        april = self._compute("month", date(2026, 4, 5))
        self.assertEqual(april[self.user_am].renewals_due, 0)
        self.assertEqual(april[self.user_am_2].requests_handled, 1)
        # held on Apr 1: jilin (next term), harbin, mudanjiang
        self.assertEqual(april[self.user_am].clients_start, 3)

    def test_empty_period(self):
        cards = self._compute("year", date(2019, 6, 1))
        card = cards[self.user_am]
        self.assertFalse(card.has_score)
        self.assertEqual(
            (card.score, card.rank, card.clients_start, card.requests_handled), (0, 0, 0, 0)
        )
        self.assertEqual(card._report_kpis()[0][2], "no data")

    def test_validated_scorecard_is_frozen(self):
        cards = self._compute()
        card = cards[self.user_am]
        card.with_user(self.user_lead).action_validate()
        self.assertEqual(card.state, "validated")
        self.assertEqual(card.validated_by_id, self.user_lead)
        # default bands 0:0, 60:500, 80:1000, 90:2000 -> 70.59 earns 500
        self.assertEqual(card.incentive_amount, 500.0)
        draft_2 = cards[self.user_am_2]
        draft_2.with_user(self.user_lead).write({"note": "Talk about SLAs"})
        self.policy_jilin.write({"renewal_state": "not_renewed"})
        self.policy_cargo.write({"premium": 9000})
        cards = self._compute()
        # a draft is refreshed in place with the new figures, its note kept
        self.assertEqual(cards[self.user_am_2], draft_2)
        self.assertEqual((draft_2.premium_start, draft_2.premium_end), (51000.0, 9000.0))
        self.assertEqual(draft_2.note, "Talk about SLAs")
        self.assertEqual(cards[self.user_am], card)
        self.assertEqual((card.renewals_won, card.score), (1, 70.59))
        # the drafts follow the data
        self.assertEqual(cards[self.user_am_2].state, "draft")
        with self.assertRaises(UserError):
            card.with_user(self.user_lead).action_validate()
        card.with_user(self.user_admin).action_approve_incentive()
        self.assertEqual((card.state, card.approved_by_id), ("approved", self.user_admin))

    def test_pool_incentive(self):
        self.env["ir.config_parameter"].set_param(
            "insurance_account_manager.incentive_scheme", "pool"
        )
        self.env["ir.config_parameter"].set_param(
            "insurance_account_manager.incentive_pool", "1000"
        )
        cards = self._compute()
        both = cards[self.user_am] | cards[self.user_am_2]
        both.with_user(self.user_lead).action_validate()
        # 70.59 and 61.54 share 1000
        self.assertEqual(cards[self.user_am].incentive_amount, 534.25)
        self.assertEqual(cards[self.user_am_2].incentive_amount, 465.75)

    def test_review_rights(self):
        card = self._compute()[self.user_am]
        with self.assertRaises(AccessError):
            card.with_user(self.user_am).action_validate()
        with self.assertRaises(AccessError):
            card.with_user(self.user_am).write({"note": "great"})
        with self.assertRaises(AccessError):
            card.with_user(self.user_lead).write({"score": 100})
        card.with_user(self.user_lead).write({"note": "Solid quarter"})
        with self.assertRaises(AccessError):
            card.with_user(self.user_lead).action_approve_incentive()
        with self.assertRaises(AccessError):
            self.env["insurance.scorecard"].with_user(self.user_am).action_compute_scorecards(
                "month", "2026-01-01"
            )

    def test_settings_refuse_bad_bands(self):
        settings = self.env["res.config.settings"].create(
            {"insurance_incentive_bands": "60:500, 150:9"}
        )
        with self.assertRaisesRegex(Exception, "between 0 and 100"):
            settings.execute()

    def test_query_count_independent_of_book_size(self):
        """Computing a period costs the same number of queries for 3 managers
        and for 9 managers with 3 times the clients."""
        Scorecard = self.env["insurance.scorecard"]
        Scorecard._compute_scorecards("quarter", Q1, self.company)  # warm the caches
        self.env.flush_all()
        with self.assertQueryCount(SCORECARD_QUERY_BUDGET):
            Scorecard._compute_scorecards("quarter", Q1, self.company)
            self.env.flush_all()
        users = self.env["res.users"]
        for index in range(6):
            users |= new_test_user(
                self.env,
                login=f"iam_sc_{index}",
                name=f"Manager {index}",
                groups="insurance_account_manager.insurance_group_account_manager",
            )
        self._make_account_managers(users)
        self.team.write({"crm_team_member_ids": [Command.create({"user_id": u.id}) for u in users]})
        for index, user in enumerate(users):
            for number in range(2):
                client = self.env["res.partner"].create(
                    {
                        "name": f"Client {index}-{number}",
                        "is_insurance_client": True,
                        "account_manager_id": user.id,
                    }
                )
                self._create_policy(f"T-SC-{index}-{number}", client, self.line_motor, 1000, 1000)
        self.env.flush_all()
        Scorecard._compute_scorecards("quarter", Q1, self.company)
        self.env.flush_all()
        with self.assertQueryCount(SCORECARD_QUERY_BUDGET):
            cards = Scorecard._compute_scorecards("quarter", Q1, self.company)
            self.env.flush_all()
        self.assertGreaterEqual(len(cards), 9)


# Measured (Odoo 18): 12 for the 3 managers of the book (and the demo ones)
# and for 6 more managers with 12 more clients, refreshing the drafts of a
# period: the 9 grouped KPI queries (ratings included), the search of the
# period's scorecards, the teams and one UPDATE of all the drafts (the first
# computation creates them instead, one INSERT per 100).
SCORECARD_QUERY_BUDGET = 12


@tagged("post_install", "-at_install", "insurance")
class TestReportRules(ScorecardCommon):
    def test_account_manager_sees_own_book_only(self):
        Book = self.env["insurance.report.book"]
        mine = Book.with_user(self.user_am_other).search([])
        self.assertEqual(mine.partner_id, self.client_shenyang)
        lead_rows = Book.with_user(self.user_lead).search([])
        self.assertNotIn(self.client_shenyang, lead_rows.partner_id)
        self.assertIn(self.client_dalian, lead_rows.partner_id)
        groups = Book.with_user(self.user_lead)._read_group(
            [("partner_id", "in", (self.client_harbin | self.client_dalian).ids)],
            ["user_id"],
            ["premium:sum", "client_count:count_distinct"],
        )
        self.assertEqual(
            {user: (premium, count) for user, premium, count in groups},
            {self.user_am: (42000.0, 1), self.user_am_2: (8000.0, 1)},
        )

    def test_reports_count_for_the_manager_of_the_day(self):
        Renewal = self.env["insurance.report.renewal"]
        rows = Renewal.search([("policy_id", "=", self.policy_qiqihar.id)])
        self.assertEqual(
            (rows.user_id, rows.outcome, rows.lost_premium), (self.user_am, "lost", 6000.0)
        )
        self.assertEqual(rows.competitor_id, self.competitor)
        Service = self.env["insurance.report.service"]
        first = Service.search([("request_id", "=", self.requests[0].id)])
        self.assertEqual(
            (first.user_id, first.breach_count, first.sla_compliance), (self.user_am_2, 1, 0.0)
        )
        # user_am_2 no longer manages harbin: the request closed by them is in their report
        self.assertIn(first, Service.with_user(self.user_am_2).search([]))
        self.assertNotIn(first, Service.with_user(self.user_am).search([]))
        Claim = self.env["insurance.report.claim"]
        self.assertEqual(
            Claim.search([("claim_id", "=", self.claim_harbin.id)]).turnaround_days, 8.0
        )

    def test_manager_of_a_fixed_day_as_per_row(self):
        """The scorecard's one-pass history of a fixed day (managers_on) gives
        each client the manager manager_on gives it: before the history,
        on the day of a move, in a gap between two periods, without history;
        planned and cancelled periods never count."""
        gap_client = self.env["res.partner"].create(
            {
                "name": "Hegang Coal",
                "is_insurance_client": True,
                "account_manager_id": self.user_am_other.id,
            }
        )
        History = self.env["insurance.manager.assignment"]
        History.search([("partner_id", "=", gap_client.id)]).unlink()
        History.create(
            [
                {
                    "partner_id": gap_client.id,
                    "user_id": user.id,
                    "date_from": start,
                    "date_to": end,
                    "state": state,
                }
                for user, start, end, state in (
                    (self.user_am_2, date(2025, 1, 1), date(2025, 6, 1), "ended"),
                    (self.user_am, date(2025, 9, 1), None, "current"),
                    (self.user_am_other, date(2025, 6, 1), date(2025, 9, 1), "cancelled"),
                )
            ]
        )
        self.env.flush_all()
        clients = (
            self.client_harbin
            | self.client_dalian
            | self.client_shenyang
            | self.client_mudanjiang
            | gap_client
        )
        days = [date(2024, 6, 1), date(2025, 7, 1), date(2026, 2, 14), date(2026, 2, 15)]
        found = {}
        for day in days:
            self.env.cr.execute(
                SQL(
                    "SELECT p.id, %s, %s FROM res_partner p %s WHERE p.id IN %s",
                    manager_on(SQL("p.id"), day, SQL("p.account_manager_id")),
                    manager_of("history", SQL("p.account_manager_id")),
                    managers_on("history", SQL("p.id"), day),
                    tuple(clients.ids),
                )
            )
            for partner_id, per_row, fixed_day in self.env.cr.fetchall():
                self.assertEqual(fixed_day, per_row, (partner_id, day))
                found[partner_id, day] = fixed_day
        am, am_2, other = self.user_am.id, self.user_am_2.id, self.user_am_other.id
        harbin, gap = self.client_harbin.id, gap_client.id
        self.assertEqual(
            [found[harbin, day] for day in days], [am_2, am_2, am_2, am]
        )  # before its history: the first manager; the new one on the day of the move
        self.assertEqual([found[gap, day] for day in days], [am_2, None, am, am])
        self.assertEqual(
            [found[self.client_shenyang.id, day] for day in days], [other] * 4
        )  # no history: its current manager
        self.assertEqual(found[self.client_mudanjiang.id, date(2024, 6, 1)], am)

    def test_load_vs_capacity(self):
        self.user_am.insurance_capacity = 50
        Load = self.env["insurance.report.load"]
        groups = Load._read_group(
            [("user_id", "=", self.user_am.id)],
            [],
            ["client_count:sum", "load:sum", "capacity:sum"],
        )
        clients, load, capacity = groups[0]
        self.assertEqual((clients, capacity), (self.user_am.insurance_client_count, 50.0))
        self.assertEqual(load, self.user_am.insurance_load)
        self.assertFalse(Load.with_user(self.user_am).search([("user_id", "!=", self.user_am.id)]))


@tagged("post_install", "-at_install", "insurance")
class TestScorecardSecurity(ScorecardCommon, InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_lead_2 = new_test_user(
            cls.env, login="iam_sc_lead_2", name="Wu Lead", groups=GROUP_LEAD
        )
        cls.env["crm.team"].create(
            {
                "name": "South",
                "user_id": cls.user_lead_2.id,
                "crm_team_member_ids": [Command.create({"user_id": cls.user_am_other.id})],
            }
        )
        cls.cards = cls.env["insurance.scorecard"]._compute_scorecards("quarter", Q1, cls.company)
        cls.card_am = cls.cards.filtered(lambda c: c.user_id == cls.user_am)

    def test_reads(self):
        ids = self.rpc(self.user_am, "insurance.scorecard", "search", [])
        self.assertEqual(set(ids), set(self.card_am.ids))
        lead_ids = self.rpc(self.user_lead, "insurance.scorecard", "search", [])
        self.assertEqual(
            set(lead_ids),
            set(self.cards.filtered(lambda c: c.user_id in (self.user_am | self.user_am_2)).ids),
        )
        for user in (self.user_handler, self.user_internal, self.user_portal):
            self.assertRpcRefused(user, "insurance.scorecard", "search", [])
            self.assertRpcRefused(user, "insurance.report.book", "search", [])

    def test_validate_approve_write_refused(self):
        card = self.card_am.id
        for user in (
            self.user_am,
            self.user_am_2,
            self.user_handler,
            self.user_internal,
            self.user_portal,
            self.user_lead_2,
        ):
            self.assertRpcRefused(user, "insurance.scorecard", "action_validate", [card])
            self.assertRpcRefused(user, "insurance.scorecard", "write", [card], {"note": "x"})
        for user in (self.user_lead, self.user_admin):
            self.assertRpcRefused(user, "insurance.scorecard", "write", [card], {"score": 99})
            self.assertRpcRefused(
                user, "insurance.scorecard", "write", [card], {"state": "approved"}
            )
        self.assertRpcRefused(
            self.user_admin,
            "insurance.scorecard",
            "create",
            {
                "user_id": self.user_am.id,
                "company_id": self.company.id,
                "period_type": "month",
                "date_from": "2026-01-01",
                "date_to": "2026-01-31",
            },
        )
        self.assertRpcRefused(
            self.user_lead, "insurance.scorecard", "action_approve_incentive", [card]
        )
        self.rpc(self.user_lead, "insurance.scorecard", "action_validate", [card])
        for user in (
            self.user_am,
            self.user_lead,
            self.user_lead_2,
            self.user_handler,
            self.user_portal,
        ):
            self.assertRpcRefused(user, "insurance.scorecard", "action_approve_incentive", [card])
            self.assertRpcRefused(user, "insurance.scorecard", "action_reset_draft", [card])
        self.rpc(self.user_admin, "insurance.scorecard", "action_approve_incentive", [card])
        self.assertEqual(self.card_am.state, "approved")
        self.assertRpcRefused(self.user_admin, "insurance.scorecard", "unlink", [card])

    def test_compute_refused(self):
        for user in (self.user_am, self.user_handler, self.user_internal, self.user_portal):
            self.assertRpcRefused(
                user, "insurance.scorecard", "action_compute_scorecards", "quarter", "2026-02-14"
            )
        ids = self.rpc(
            self.user_lead,
            "insurance.scorecard",
            "action_compute_scorecards",
            "quarter",
            "2026-02-14",
        )
        self.assertTrue(ids)

    def test_pdf_follows_access(self):
        report = "insurance_account_manager.report_insurance_scorecard"
        self.authenticate(self.user_am.login, self.user_am.login)
        response = self.url_open(f"/report/pdf/{report}/{self.card_am.id}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        other = self.cards.filtered(lambda c: c.user_id == self.user_am_2)
        with mute_logger("odoo.http"):
            response = self.url_open(f"/report/pdf/{report}/{other.id}")
        self.assertNotEqual(response.headers.get("Content-Type"), "application/pdf")
        html = self.env["ir.actions.report"]._render_qweb_html(report, self.card_am.ids)[0]
        self.assertIn(b"Clients kept out of the clients held at the start", html)
