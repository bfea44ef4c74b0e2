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
        # days (0.5); no rating, nothing lost: with the default weights (100 in
        # all) 0.5 * (20 + 15 + 20 + 15) = 35 points
        signals = ClientSignals(
            premium=10_000,
            claims_cost=5_000,
            sla_breaches=2,
            premium_rise_percent=15,
            days_since_contact=105,
        )
        result = risk.risk_score(signals)
        self.assertEqual(result.score, 35.0)
        self.assertEqual(result.reasons, (("claims", 10.0), ("price", 10.0), ("service", 7.5)))

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
