"""Competitor targets (issue #11): the lines a client holds with a competitor,
recorded in its needs analysis, listed per competitor, line, tier and manager,
the soonest expiry first, and turned into an opportunity with one click."""

from datetime import date

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import InsuranceRpcCase
from .test_needs_analysis import TODAY, NeedsCommon


class TargetCommon(NeedsCommon):
    """Harbin told Li Wei in its analysis that it holds liability with Rival
    Insurance (premium 6,000, ends 2026-09-30), accident & health with Other
    Mutual (premium and end unknown) and property with Rival as well (it
    holds property with us too). Dalian holds engineering with Rival, ending
    2026-07-31 (Sarah Chen's client). Shenyang holds motor with Other Mutual
    (David Okafor's client, outside the Northeast team)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.rival = Partner.create({"name": "Rival Insurance", "is_company": True})
        cls.other_mutual = Partner.create({"name": "Other Mutual", "is_company": True})
        cls.line_engineering = cls.env.ref("insurance_account_manager.insurance_line_engineering")

    def _held(self, client, holdings, answers=None, day=TODAY, user=None):
        """An analysis of ``client`` with ``holdings`` [(line, competitor,
        premium, expiry)] held with competitors."""
        analysis = self._analysis(client, answers or {}, day=day, user=user)
        analysis.with_user(user or self.env.user).write(
            {
                "competitor_line_ids": [
                    Command.create(
                        {
                            "line_id": line.id,
                            "competitor_id": competitor.id,
                            "premium": premium,
                            "date_expiry": expiry,
                        }
                    )
                    for line, competitor, premium, expiry in holdings
                ]
            }
        )
        return analysis

    def _book(self):
        self.harbin_analysis = self._held(
            self.client_harbin,
            [
                (self.line_liability, self.rival, 6000, date(2026, 9, 30)),
                (self.line_ah, self.other_mutual, 0, False),
                (self.line_property, self.rival, 4000, date(2026, 12, 31)),
            ],
            answers={self.q_liability: True},
            user=self.user_am,
        )
        self.dalian_analysis = self._held(
            self.client_dalian, [(self.line_engineering, self.rival, 3000, date(2026, 7, 31))]
        )
        self.shenyang_analysis = self._held(
            self.client_shenyang, [(self.line_motor, self.other_mutual, 900, date(2027, 1, 31))]
        )

    def _targets(self, user=None, domain=()):
        Target = self.env["insurance.competitor.target"]
        if user:
            Target = Target.with_user(user)
        return Target.search(list(domain))

    def _rows(self, targets):
        return [(t.partner_id, t.line_id, t.competitor_id) for t in targets]


@tagged("post_install", "-at_install", "insurance")
class TestCompetitorTarget(TargetCommon):
    def test_targets_soonest_expiry_first(self):
        self._book()
        self.assertTrue(self.rival.is_insurance_competitor, "flagged when named")
        self.assertTrue(self.other_mutual.is_insurance_competitor)
        targets = self._targets()
        self.assertEqual(
            self._rows(targets),
            [
                (self.client_dalian, self.line_engineering, self.rival),
                (self.client_harbin, self.line_liability, self.rival),
                (self.client_harbin, self.line_property, self.rival),
                (self.client_shenyang, self.line_motor, self.other_mutual),
                (self.client_harbin, self.line_ah, self.other_mutual),  # end unknown: last
            ],
        )
        liability = targets[1]
        self.assertEqual(liability.premium, 6000)
        self.assertEqual(liability.currency_id, self.company.currency_id)
        self.assertEqual(liability.date_expiry, date(2026, 9, 30))
        self.assertEqual(liability.user_id, self.user_am)
        self.assertEqual(liability.analysis_id, self.harbin_analysis)
        self.assertFalse(liability.held_with_us)
        self.assertTrue(targets[2].held_with_us, "Harbin holds property with us too")
        # per competitor and manager, as the list groups them
        per_competitor = dict(
            self.env["insurance.competitor.target"]._read_group(
                [], ["competitor_id"], ["premium:sum"]
            )
        )
        self.assertEqual(per_competitor, {self.rival: 13000, self.other_mutual: 900})
        per_manager = dict(
            self.env["insurance.competitor.target"]._read_group([], ["user_id"], ["__count"])
        )
        self.assertEqual(per_manager, {self.user_am: 3, self.user_am_2: 1, self.user_am_other: 1})
        # on the competitor and on the client
        self.assertEqual(len(self.rival.insurance_competitor_target_ids), 3)
        self.assertEqual(
            self.client_harbin.with_user(self.user_am).insurance_target_ids.line_id,
            self.line_liability | self.line_property | self.line_ah,
        )

    def test_only_the_current_analysis(self):
        self._book()
        # Dalian's new analysis: the engineering cover came back to us
        self._analysis(self.client_dalian, {self.q_fleet: 2}, day=date(2026, 6, 20))
        self.assertNotIn(self.client_dalian, self._targets().partner_id)
        # an analysis recorded late (older) does not count
        self._held(
            self.client_shenyang,
            [(self.line_cargo, self.rival, 100, date(2026, 6, 30))],
            day=date(2025, 1, 1),
        )
        self.assertEqual(
            self._targets(domain=[("partner_id", "=", self.client_shenyang.id)]).line_id,
            self.line_motor,
        )

    def test_target_turns_into_opportunity(self):
        self._book()
        target = self._targets(self.user_am, [("line_id", "=", self.line_liability.id)])
        action = target.action_create_opportunity()
        lead = self.env["crm.lead"].browse(action["res_id"])
        self.assertEqual(lead.partner_id, self.client_harbin)
        self.assertEqual(lead.insurance_line_id, self.line_liability)
        self.assertEqual(lead.user_id, self.user_am)
        self.assertEqual(lead.type, "opportunity")
        self.assertEqual(lead.expected_revenue, 6000, "the competitor's premium to win")
        self.assertEqual(lead.date_deadline, date(2026, 9, 30), "before its cover ends")
        self.assertIn("Rival Insurance", str(lead.description))
        self.assertEqual(target.lead_id, lead)
        # the coverage gap of the same line shows the same opportunity
        gap = self.env["insurance.coverage.gap"].search(
            [
                ("partner_id", "=", self.client_harbin.id),
                ("line_id", "=", self.line_liability.id),
            ]
        )
        self.assertEqual(gap.lead_id, lead)
        self.assertEqual(gap.action_create_opportunity()["res_id"], lead.id)
        # a team lead's click on a member's client: the client's manager owns it
        other = self._targets(self.user_lead, [("partner_id", "=", self.client_dalian.id)])
        lead = self.env["crm.lead"].browse(other.action_create_opportunity()["res_id"])
        self.assertEqual(lead.user_id, self.user_am_2)
        # several at once: one opportunity per target without one
        Lead = self.env["crm.lead"]
        before = Lead.search_count([])
        targets = self._targets(self.user_am)
        action = targets.action_create_opportunity()
        self.assertEqual(Lead.search_count([]) - before, 2, "property and accident & health")
        self.assertEqual(Lead.search(action["domain"]), targets.lead_id)
        self.assertEqual(len(targets.lead_id), 3)

    def test_won_opportunity_and_held_with_us(self):
        self._book()
        target = self._targets(domain=[("line_id", "=", self.line_liability.id)])
        lead = self.env["crm.lead"].browse(target.action_create_opportunity()["res_id"])
        lead.action_set_won()
        self.env.invalidate_all()
        self.assertFalse(target.lead_id, "a won opportunity is no longer open")
        self.assertFalse(target.held_with_us)
        self._create_policy("T-LIAB-H", self.client_harbin, self.line_liability, 5800, 2_000_000)
        self.env.invalidate_all()
        self.assertTrue(target.held_with_us)

    def test_competitor_is_not_the_client(self):
        analysis = self._analysis(self.client_harbin, {})
        with self.assertRaisesRegex(ValidationError, "is the client"):
            self.env["insurance.needs.competitor"].create(
                {
                    "analysis_id": analysis.id,
                    "line_id": self.line_motor.id,
                    "competitor_id": self.client_harbin.id,
                }
            )

    def test_who_sees_which_targets(self):
        self._book()
        harbin, dalian, shenyang = self.client_harbin, self.client_dalian, self.client_shenyang
        self.assertEqual(self._targets(self.user_am).partner_id, harbin)
        self.assertEqual(self._targets(self.user_am_2).partner_id, harbin | dalian)  # backup
        self.assertEqual(self._targets(self.user_lead).partner_id, harbin | dalian)
        self.assertEqual(self._targets(self.user_am_other).partner_id, shenyang)
        self.assertEqual(self._targets(self.user_admin).partner_id, harbin | dalian | shenyang)
        # the competitor's form shows what the user may see
        self.assertEqual(
            self.rival.with_user(self.user_am).insurance_competitor_target_ids.partner_id, harbin
        )
        self.assertEqual(
            self.other_mutual.with_user(self.user_am_other).insurance_competitor_target_ids.line_id,
            self.line_motor,
        )
        holdings = self.env["insurance.needs.competitor"]
        self.assertEqual(
            holdings.with_user(self.user_lead).search([]).analysis_id,
            self.harbin_analysis | self.dalian_analysis,
        )

    def test_list_view_query_count_does_not_grow(self):
        """The targets list as a manager: the same queries for 5 and 50 clients."""
        Partner = self.env["res.partner"]
        counts = {}
        for size in (1, 5, 50):  # the first run warms the caches
            clients = Partner.create(
                [
                    {
                        "name": f"Target client {size}-{index}",
                        "is_company": True,
                        "is_insurance_client": True,
                        "account_manager_id": self.user_am.id,
                    }
                    for index in range(size)
                ]
            )
            for client in clients:
                self._held(client, [(self.line_motor, self.rival, 100, date(2026, 8, 1))])
            self.env.flush_all()
            self.env.invalidate_all()
            Target = self.env["insurance.competitor.target"].with_user(self.user_am)
            spec = {
                "date_expiry": {},
                "competitor_id": {"fields": {"display_name": {}}},
                "partner_id": {"fields": {"display_name": {}}},
                "line_id": {"fields": {"display_name": {}}},
                "premium": {},
                "currency_id": {"fields": {}},
                "tier_id": {"fields": {"display_name": {}}},
                "user_id": {"fields": {"display_name": {}}},
                "lead_id": {"fields": {"display_name": {}}},
                "held_with_us": {},
            }
            start = self.cr.sql_log_count
            result = Target.web_search_read([("partner_id", "in", clients.ids)], spec, limit=80)
            counts[size] = self.cr.sql_log_count - start
            self.assertEqual(result["length"], size)
        self.assertEqual(counts[5], counts[50], counts)


@tagged("post_install", "-at_install", "insurance")
class TestCompetitorTargetRpc(TargetCommon, InsuranceRpcCase):
    """Lines held with competitors and targets over JSON-RPC."""

    def test_access_per_group(self):
        self._book()
        Target = "insurance.competitor.target"
        Holding = "insurance.needs.competitor"
        harbin_targets = self._targets(domain=[("partner_id", "=", self.client_harbin.id)])
        shenyang_target = self._targets(domain=[("partner_id", "=", self.client_shenyang.id)])
        self.assertEqual(
            sorted(self.rpc(self.user_am, Target, "search", [])), sorted(harbin_targets.ids)
        )
        self.assertEqual(self.rpc(self.user_am_other, Target, "search", []), shenyang_target.ids)
        # another manager's client: no read, no opportunity, no line added or changed
        self.assertRpcRefused(
            self.user_am, Target, "action_create_opportunity", shenyang_target.ids
        )
        self.assertRpcRefused(
            self.user_lead, Target, "action_create_opportunity", shenyang_target.ids
        )
        self.assertRpcRefused(self.user_am, Target, "read", shenyang_target.ids, ["premium"])
        for user in (self.user_am, self.user_lead):
            self.assertRpcRefused(
                user,
                Holding,
                "create",
                {
                    "analysis_id": self.shenyang_analysis.id,
                    "line_id": self.line_cargo.id,
                    "competitor_id": self.rival.id,
                },
            )
            self.assertRpcRefused(
                user,
                Holding,
                "write",
                self.shenyang_analysis.competitor_line_ids.ids,
                {"premium": 1},
            )
            self.assertRpcRefused(
                user, Holding, "unlink", self.shenyang_analysis.competitor_line_ids.ids
            )
        # a line stays in its analysis
        self.assertRpcRefused(
            self.user_am,
            Holding,
            "write",
            self.harbin_analysis.competitor_line_ids[:1].ids,
            {"analysis_id": self.dalian_analysis.id},
        )
        # the target view is read-only
        for method, args in (
            ("create", [{"premium": 1}]),
            ("write", [harbin_targets[:1].ids, {"premium": 1}]),
            ("unlink", [harbin_targets[:1].ids]),
        ):
            self.assertRpcRefused(self.user_am, Target, method, *args)
        for user in (self.user_handler, self.user_internal, self.user_portal):
            for model in (Target, Holding):
                self.assertRpcRefused(user, model, "search_read", [], ["id"])
            self.assertRpcRefused(user, Target, "action_create_opportunity", harbin_targets[:1].ids)
            self.assertRpcRefused(
                user,
                Holding,
                "create",
                {
                    "analysis_id": self.harbin_analysis.id,
                    "line_id": self.line_cargo.id,
                    "competitor_id": self.rival.id,
                },
            )
            self.assertRpcRefused(
                user,
                Holding,
                "write",
                self.harbin_analysis.competitor_line_ids[:1].ids,
                {"premium": 1},
            )
            self.assertRpcRefused(
                user,
                "insurance.needs.analysis",
                "write",
                self.harbin_analysis.ids,
                {"competitor_line_ids": [Command.create({"line_id": self.line_cargo.id})]},
            )

    def test_own_client_fields_over_rpc(self):
        self._book()
        Holding = "insurance.needs.competitor"
        holding = self.harbin_analysis.competitor_line_ids.filtered(
            lambda h: h.line_id == self.line_liability
        )
        # the manager records and corrects their client's lines
        self.rpc(
            self.user_am,
            Holding,
            "write",
            holding.ids,
            {"premium": 6500, "date_expiry": "2026-10-31", "note": "broker says 5 % off"},
        )
        self.assertEqual((holding.premium, holding.date_expiry), (6500, date(2026, 10, 31)))
        new_id = self.rpc(
            self.user_am,
            Holding,
            "create",
            {
                "analysis_id": self.harbin_analysis.id,
                "line_id": self.line_cargo.id,
                "competitor_id": self.other_mutual.id,
            },
        )
        self.assertTrue(new_id)
        # bounded input, a client is not its own insurer, one line once
        for values, message in (
            ({"premium": -1}, None),
            ({"premium": 1e20}, None),
            ({"date_expiry": "9999-12-31"}, None),
            ({"note": "x" * 5000}, None),
            ({"competitor_id": self.client_harbin.id}, "is the client"),
            ({"line_id": self.line_property.id}, "one competitor per analysis"),
        ):
            # the unique line is PostgreSQL's: the server logs the refused statement
            with mute_logger("odoo.sql_db"):
                self.assertRpcRefused(
                    self.user_am,
                    Holding,
                    "write",
                    holding.ids,
                    values,
                    message=message,
                    errors=(
                        "odoo.exceptions.ValidationError",
                        "odoo.exceptions.UserError",
                        "odoo.exceptions.AccessError",
                    ),
                )
        # the team lead on a member's client
        self.rpc(self.user_lead, Holding, "write", holding.ids, {"premium": 6400})
        self.assertEqual(holding.premium, 6400)
        # and the opportunity over RPC, as the manager
        target = self._targets(domain=[("analysis_id", "=", self.harbin_analysis.id)])[:1]
        action = self.rpc(
            self.user_am, "insurance.competitor.target", "action_create_opportunity", target.ids
        )
        self.assertEqual(self.env["crm.lead"].browse(action["res_id"]).user_id, self.user_am)
