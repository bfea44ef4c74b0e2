"""The pure service functions (no database)."""

from datetime import date, datetime

from odoo.tests import BaseCase, tagged

from odoo.addons.insurance_account_manager.tools import service


@tagged("post_install", "-at_install", "insurance")
class TestToolsService(BaseCase):
    def test_priority_for_tier(self):
        self.assertEqual(service.priority_for_tier("key"), "2")
        self.assertEqual(service.priority_for_tier("general"), "1")
        self.assertEqual(service.priority_for_tier("retail"), "0")
        self.assertEqual(service.priority_for_tier(None), "0")

    def test_match_sla_prefers_tier_then_sequence(self):
        slas = [(1, 10, None, 5), (2, 10, 7, 20), (3, 10, 7, 10), (4, 11, None, 1)]
        self.assertEqual(service.match_sla(slas, 10, 7), 3)
        self.assertEqual(service.match_sla(slas, 10, 8), 1)
        self.assertEqual(service.match_sla(slas, 11, 7), 4)
        self.assertIsNone(service.match_sla(slas, 12, 7))

    def test_sla_state(self):
        start, deadline = datetime(2026, 1, 1, 0), datetime(2026, 1, 5, 0)  # 96 h
        self.assertEqual(service.sla_state(datetime(2026, 1, 3, 23), start, deadline), "on_track")
        self.assertEqual(service.sla_state(datetime(2026, 1, 4, 0), start, deadline), "at_risk")
        self.assertEqual(service.sla_state(deadline, start, deadline), "at_risk")
        self.assertEqual(service.sla_state(datetime(2026, 1, 5, 0, 1), start, deadline), "breached")
        # closed: judged at closing time
        late = datetime(2026, 1, 6)
        self.assertEqual(
            service.sla_state(late, start, deadline, closed_at=datetime(2026, 1, 4, 12)),
            "on_track",
        )
        self.assertEqual(service.sla_state(late, start, deadline, closed_at=late), "breached")
        self.assertEqual(service.sla_state(late, start, None), "on_track")

    def test_renewal_horizons_and_due(self):
        today = date(2026, 10, 1)
        horizons = service.renewal_horizons({1: 90, 2: 60, 3: 30, 4: 0}, today)
        self.assertEqual(
            horizons,
            [
                ((3,), date(2026, 10, 31)),
                ((2, 4), date(2026, 11, 30)),
                ((1,), date(2026, 12, 30)),
                (None, date(2026, 11, 30)),
            ],
        )
        self.assertTrue(service.renewal_due(date(2026, 12, 30), today, 90))
        self.assertFalse(service.renewal_due(date(2026, 12, 31), today, 90))

    def test_premium_rise(self):
        self.assertAlmostEqual(service.premium_rise_percent(1000, 1150), 15.0)
        self.assertEqual(service.premium_rise_percent(0, 1150), 0.0)
        self.assertTrue(service.is_premium_rise_flagged(1000, 1101, 10))
        self.assertFalse(service.is_premium_rise_flagged(1000, 1100, 10))
        self.assertFalse(service.is_premium_rise_flagged(1000, 900, 0))

    def test_survey_due(self):
        today = date(2026, 10, 1)
        self.assertTrue(service.survey_due(None, today, 12))
        self.assertTrue(service.survey_due(date(2025, 10, 1), today, 12))
        self.assertFalse(service.survey_due(datetime(2025, 10, 2, 9), today, 12))
        self.assertFalse(service.survey_due(None, today, 0))
        # month ends: six months before 28 February is 28 August
        self.assertEqual(service.survey_cutoff(date(2026, 2, 28), 6), date(2025, 8, 28))
        self.assertTrue(service.survey_due(date(2025, 8, 28), date(2026, 2, 28), 6))
        self.assertFalse(service.survey_due(date(2025, 8, 29), date(2026, 2, 28), 6))

    def test_plan_working_hours(self):
        def day(d, begin, end):
            return (datetime(2026, 3, d, begin), datetime(2026, 3, d, end))

        # Friday 6 and Monday 9 March, 8-12 and 13-17
        intervals = [day(6, 8, 12), day(6, 13, 17), day(9, 8, 12), day(9, 13, 17)]
        friday_3pm = datetime(2026, 3, 6, 15)
        self.assertEqual(
            service.plan_working_hours(intervals, friday_3pm, 8), datetime(2026, 3, 9, 15)
        )
        self.assertEqual(
            service.plan_working_hours(intervals, friday_3pm, 2), datetime(2026, 3, 6, 17)
        )
        # opened before the first interval, or during the lunch break
        self.assertEqual(
            service.plan_working_hours(intervals, datetime(2026, 3, 6, 6), 1),
            datetime(2026, 3, 6, 9),
        )
        self.assertEqual(
            service.plan_working_hours(intervals, datetime(2026, 3, 6, 12, 30), 4),
            datetime(2026, 3, 6, 17),
        )
        # not enough working time known yet
        self.assertIsNone(service.plan_working_hours(intervals, friday_3pm, 11))
        self.assertIsNone(service.plan_working_hours([], friday_3pm, 1))

    def test_next_term(self):
        self.assertEqual(service.next_term_name("PL-1"), "PL-1/R1")
        self.assertEqual(service.next_term_name("PL-1/R9"), "PL-1/R10")
        self.assertEqual(
            service.next_term_dates(date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 12, 31))
        )
        self.assertEqual(
            service.next_term_dates(date(2026, 6, 14)), (date(2026, 6, 15), date(2027, 6, 14))
        )
