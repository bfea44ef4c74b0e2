"""The pure retention-risk formula (no database)."""

from odoo.tests import BaseCase, tagged

from odoo.addons.insurance_account_manager.tools import retention_risk as risk
from odoo.addons.insurance_account_manager.tools.retention_risk import ClientSignals


@tagged("post_install", "-at_install", "insurance")
class TestToolsRetentionRisk(BaseCase):
    def test_safe_client_scores_zero(self):
        safe = ClientSignals(premium=10_000, days_since_contact=10, rating=5)
        self.assertEqual(risk.risk_score(safe), risk.RiskScore(0.0, ()))

    def test_everything_wrong_scores_hundred(self):
        lost = ClientSignals(
            premium=10_000,
            claims_cost=20_000,
            sla_breaches=9,
            open_complaints=2,
            premium_rise_percent=50,
            rating=1,
            lost_lines=3,
            days_since_contact=None,
        )
        result = risk.risk_score(lost)
        self.assertEqual(result.score, 100.0)
        self.assertEqual(len(result.reasons), risk.TOP_REASONS)

    def test_weighted_mean_and_reasons(self):
        # loss ratio 50 % (0.5), 2 breaches (0.5), 15 % rise (0.5), contact 105
        # days (0.5); no rating, no complaint, nothing lost: with the default
        # weights (100 in all) 0.5 * (20 + 10 + 20 + 15) = 32.5 points
        signals = ClientSignals(
            premium=10_000,
            claims_cost=5_000,
            sla_breaches=2,
            premium_rise_percent=15,
            days_since_contact=105,
        )
        result = risk.risk_score(signals)
        self.assertEqual(result.score, 32.5)
        self.assertEqual(result.reasons, (("claims", 10.0), ("price", 10.0), ("contact", 7.5)))

    def test_default_weights_are_points_out_of_hundred(self):
        self.assertEqual(set(risk.DEFAULT_WEIGHTS), set(risk.SIGNALS))
        self.assertEqual(sum(risk.DEFAULT_WEIGHTS.values()), 100.0)

    def test_open_complaints_and_ratings(self):
        # one open complaint (0.5) and an average rating of 2 (0.75), contact
        # recent: 0.5 * 10 + 0.75 * 10 = 12.5 points, the ratings first
        signals = ClientSignals(premium=10_000, open_complaints=1, rating=2.0, days_since_contact=0)
        result = risk.risk_score(signals)
        self.assertEqual(result.score, 12.5)
        self.assertEqual(result.reasons, (("satisfaction", 7.5), ("complaints", 5.0)))
        scaled = risk.scaled_signals(ClientSignals(open_complaints=5, rating=5.0))
        self.assertEqual(scaled["complaints"], 1.0)  # 1 from FULL_COMPLAINTS
        self.assertEqual(scaled["satisfaction"], 0.0)  # delighted
        only_complaints = dict.fromkeys(risk.SIGNALS, 0) | {risk.COMPLAINTS: 1}
        self.assertEqual(
            risk.risk_score(ClientSignals(open_complaints=1), only_complaints).score, 50.0
        )

    def test_weights_from_settings(self):
        signals = ClientSignals(premium=1, lost_lines=1, days_since_contact=0)
        only_lost = {key: 0 for key in risk.SIGNALS} | {risk.LOST_LINES: 5}
        self.assertEqual(risk.risk_score(signals, only_lost).score, 50.0)
        self.assertEqual(risk.risk_score(signals, dict.fromkeys(risk.SIGNALS, 0)).score, 0.0)
        negative = dict.fromkeys(risk.SIGNALS, -10) | {risk.LOST_LINES: 1}
        self.assertEqual(risk.risk_score(signals, negative).score, 50.0)

    def test_scaling_edges(self):
        scaled = risk.scaled_signals(ClientSignals(claims_cost=1, days_since_contact=30, rating=3))
        self.assertEqual(scaled["claims"], 1.0)  # a claim and no premium in force
        self.assertEqual(scaled["contact"], 0.0)
        self.assertEqual(scaled["satisfaction"], 0.5)
        self.assertEqual(risk.scaled_signals(ClientSignals())["contact"], 1.0)  # never
        self.assertEqual(risk.scaled_signals(ClientSignals(premium_rise_percent=-20))["price"], 0.0)

    def test_crossed(self):
        self.assertTrue(risk.crossed(None, 70, 60))
        self.assertTrue(risk.crossed(59.9, 60, 60))
        self.assertFalse(risk.crossed(65, 80, 60), "already above: told once")
        self.assertFalse(risk.crossed(10, 50, 60))
