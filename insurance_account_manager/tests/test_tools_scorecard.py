"""The pure scorecard functions (no database)."""

from datetime import date

from odoo.tests import BaseCase, tagged

from odoo.addons.insurance_account_manager.models.insurance_scorecard import KPI_FIELDS
from odoo.addons.insurance_account_manager.tools import scorecard


@tagged("post_install", "-at_install", "insurance")
class TestToolsScorecard(BaseCase):
    def test_period_bounds(self):
        self.assertEqual(
            scorecard.period_bounds("month", date(2024, 2, 15)),
            (date(2024, 2, 1), date(2024, 2, 29)),
        )
        self.assertEqual(
            scorecard.period_bounds("quarter", date(2026, 5, 31)),
            (date(2026, 4, 1), date(2026, 6, 30)),
        )
        self.assertEqual(
            scorecard.period_bounds("quarter", date(2026, 12, 31)),
            (date(2026, 10, 1), date(2026, 12, 31)),
        )
        self.assertEqual(
            scorecard.period_bounds("year", date(2026, 7, 4)),
            (date(2026, 1, 1), date(2026, 12, 31)),
        )
        self.assertEqual(
            scorecard.previous_period("quarter", date(2026, 1, 1)),
            (date(2025, 10, 1), date(2025, 12, 31)),
        )
        with self.assertRaises(ValueError):
            scorecard.period_bounds("week", date(2026, 1, 1))

    def test_ratios_of_nothing_are_unknown(self):
        self.assertIsNone(scorecard.ratio(0, 0))
        self.assertEqual(scorecard.ratio(0, 4), 0.0)
        self.assertEqual(scorecard.ratio(3, 4), 75.0)
        self.assertIsNone(scorecard.growth(0, 100))
        self.assertEqual(scorecard.growth(200, 150), -25.0)
        self.assertIsNone(scorecard.median([]))
        self.assertEqual(scorecard.median([5, 1, 3]), 3.0)
        self.assertEqual(scorecard.median([4, 1, 3, 10]), 3.5)

    def test_points(self):
        self.assertEqual(scorecard.growth_points(-80), 0.0)
        self.assertEqual(scorecard.growth_points(0), 50.0)
        self.assertEqual(scorecard.growth_points(25), 75.0)
        self.assertEqual(scorecard.growth_points(50), 100.0)
        self.assertEqual(scorecard.satisfaction_points(1), 0.0)
        self.assertEqual(scorecard.satisfaction_points(4), 75.0)
        self.assertEqual(scorecard.satisfaction_points(5), 100.0)
        self.assertEqual(scorecard.relative_points(3, 4), 75.0)
        self.assertIsNone(scorecard.relative_points(0, 0))
        self.assertIsNone(scorecard.satisfaction_points(None))

    def test_weighted_score_leaves_out_kpis_without_data(self):
        weights = {"retention": 50, "sla": 30, "satisfaction": 20}
        points = {"retention": 80.0, "sla": None, "satisfaction": 50.0}
        # (50 * 80 + 20 * 50) / 70
        self.assertEqual(scorecard.weighted_score(points, weights), 71.43)
        self.assertIsNone(scorecard.weighted_score(dict.fromkeys(points), weights))
        self.assertIsNone(scorecard.weighted_score({"retention": 80.0}, {"retention": 0}))

    def test_kpi_points_relative_to_team_best(self):
        points = scorecard.kpi_points(
            {"new_clients": 2, "requests": 0, "premium_growth": 10.0, "satisfaction": 3.0},
            {"new_clients": 4, "requests": 0},
        )
        self.assertEqual(points["new_clients"], 50.0)
        self.assertIsNone(points["requests"])
        self.assertEqual(points["premium_growth"], 60.0)
        self.assertEqual(points["satisfaction"], 50.0)
        self.assertIsNone(points["retention"])

    def test_ranks_share_equal_scores(self):
        self.assertEqual(
            scorecard.ranks({"a": 70.0, "b": 90.0, "c": 70.0, "d": 10.0, "e": None}),
            {"a": 2, "b": 1, "c": 2, "d": 4, "e": None},
        )
        self.assertEqual(scorecard.ranks({}), {})

    def test_band_boundaries(self):
        bands = scorecard.parse_bands("80:1000, 0:0; 60:500 ,90:2000")
        self.assertEqual(bands, [(0.0, 0.0), (60.0, 500.0), (80.0, 1000.0), (90.0, 2000.0)])
        self.assertEqual(scorecard.band_amount(59.99, bands), 0.0)
        self.assertEqual(scorecard.band_amount(60.0, bands), 500.0)
        self.assertEqual(scorecard.band_amount(79.99, bands), 500.0)
        self.assertEqual(scorecard.band_amount(80.0, bands), 1000.0)
        self.assertEqual(scorecard.band_amount(100.0, bands), 2000.0)
        self.assertEqual(scorecard.band_amount(None, bands), 0.0)
        self.assertEqual(scorecard.band_amount(99, []), 0.0)
        self.assertEqual(scorecard.band_amount(10, scorecard.parse_bands("50:100")), 0.0)

    def test_bad_bands_are_refused(self):
        for text in ("60", "x:10", "120:5", "60:-1", "60:1, 60:2", "-1:5"):
            with self.subTest(text=text), self.assertRaises(ValueError):
                scorecard.parse_bands(text)
        self.assertEqual(scorecard.parse_bands(""), [])

    def test_pool_shares_add_up(self):
        shares = scorecard.pool_shares({"a": 60.0, "b": 30.0, "c": None, "d": 0.0}, 1000)
        self.assertEqual(shares, {"a": 666.67, "b": 333.33, "c": 0.0, "d": 0.0})
        shares = scorecard.pool_shares({1: 1.0, 2: 1.0, 3: 1.0}, 100)
        self.assertAlmostEqual(sum(shares.values()), 100.0)
        self.assertEqual(scorecard.pool_shares({"a": None}, 1000), {"a": 0.0})
        self.assertEqual(scorecard.pool_shares({"a": 50.0}, 0), {"a": 0.0})

    def test_below_for_periods(self):
        self.assertTrue(scorecard.below_for_periods([4.5, 2.0, 2.5], 3.0))
        self.assertFalse(scorecard.below_for_periods([2.0, 3.0], 3.0))
        self.assertFalse(scorecard.below_for_periods([2.0], 3.0))
        self.assertFalse(scorecard.below_for_periods([None, 2.0], 3.0))

    def test_merge_figures(self):
        from collections import defaultdict

        figures = defaultdict(dict)
        figures[7]["new_clients"] = 2
        scorecard.merge_figures(
            figures,
            [(7, 3, None), (9, 1, 12.5)],
            ("claims_closed", "claim_turnaround"),
            zero_if_null=("claim_turnaround",),
        )
        scorecard.merge_figures(figures, [(9, None)], ("clients_start",))
        self.assertEqual(
            dict(figures),
            {
                7: {"new_clients": 2, "claims_closed": 3, "claim_turnaround": 0.0},
                9: {"claims_closed": 1, "claim_turnaround": 12.5, "clients_start": None},
            },
        )
        with self.assertRaises(ValueError):
            scorecard.merge_figures(figures, [(7, 1, 2)], ("claims_closed",))

    def test_complete_kpis_and_score_inputs(self):
        kpis = scorecard.complete_kpis(
            {
                "clients_start": 4,
                "clients_kept": 3,
                "requests_handled": 5,
                "requests_with_sla": 2,
                "requests_within_sla": 1,
                "premium_start": 200.0,
                "premium_end": 250.0,
                "new_clients": 2,
            },
            KPI_FIELDS,
        )
        self.assertEqual(set(kpis), set(KPI_FIELDS))
        self.assertEqual(kpis["retention"], 75.0)
        self.assertEqual(kpis["sla_compliance"], 50.0)
        self.assertEqual(kpis["premium_growth"], 25.0)
        # nothing due, nothing rated: 0 on the scorecard...
        self.assertEqual(kpis["renewal_rate"], 0.0)
        self.assertEqual(kpis["satisfaction"], 0)
        # ... and left out of the score
        self.assertEqual(
            scorecard.kpi_inputs(kpis),
            {
                "retention": 75.0,
                "renewal": None,
                "sla": 50.0,
                "satisfaction": None,
                "premium_growth": 25.0,
                "new_clients": 2,
                "requests": 5,
            },
        )
        self.assertEqual(set(scorecard.kpi_inputs(kpis)), set(scorecard.KPI_KEYS))
