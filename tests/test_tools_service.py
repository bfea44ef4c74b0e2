"""The pure service functions (no database)."""

import unittest
from datetime import date, datetime

from odoo.addons.insurance_account_manager.tools import service


class TestToolsService(unittest.TestCase):
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
        self.assertEqual(
            service.sla_state(datetime(2026, 1, 5, 0, 1), start, deadline), "breached"
        )
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

    def test_next_term(self):
        self.assertEqual(service.next_term_name("PL-1"), "PL-1/R1")
        self.assertEqual(service.next_term_name("PL-1/R9"), "PL-1/R10")
        self.assertEqual(
            service.next_term_dates(date(2026, 12, 31)), (date(2027, 1, 1), date(2027, 12, 31))
        )
        self.assertEqual(
            service.next_term_dates(date(2026, 6, 14)), (date(2026, 6, 15), date(2027, 6, 14))
        )
