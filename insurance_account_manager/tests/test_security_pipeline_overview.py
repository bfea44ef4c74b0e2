"""My Pipeline overview over JSON-RPC: each pipeline card's counts are the
caller's own open requests (the accountable manager's, never a colleague's
they can read as backup, a team's or a handled request), and the counts a
card opens are filter names from the server's list, whatever the client
sends."""

from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import InsuranceRpcCase

COUNTS = {"code": {}, "dashboard_open_count": {}, "dashboard_overdue_count": {}}


@tagged("post_install", "-at_install", "insurance", "security")
class TestSecurityPipelineOverview(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.type_general = ref("insurance_account_manager.insurance_service_type_general")
        stage = ref("insurance_account_manager.insurance_service_stage_new")
        yesterday = fields.Date.context_today(cls.env["res.partner"]) - timedelta(days=1)
        Request = cls.env["insurance.service.request"]
        values = {"type_id": cls.type_general.id, "stage_id": stage.id}
        # Li Wei's (Sarah Chen backs the client up), overdue
        cls.request_am = Request.create(
            {
                **values,
                "name": "Harbin",
                "partner_id": cls.client_harbin.id,
                "date_deadline": yesterday,
            }
        )
        # Sarah Chen's
        cls.request_am_2 = Request.create(
            {**values, "name": "Dalian", "partner_id": cls.client_dalian.id}
        )
        # another team's manager's, handled by the service handler
        cls.request_other = Request.create(
            {
                **values,
                "name": "Shenyang",
                "partner_id": cls.client_shenyang.id,
                "handler_id": cls.user_handler.id,
            }
        )

    def _general_counts(self, user):
        cards = self.rpc(user, "insurance.service.type", "web_search_read", [], COUNTS)
        (general,) = [card for card in cards["records"] if card["id"] == self.type_general.id]
        return general["dashboard_open_count"], general["dashboard_overdue_count"]

    def test_each_user_counts_only_their_own_requests(self):
        self.assertEqual(self._general_counts(self.user_am), (1, 1))
        # Sarah Chen reads Li Wei's request as backup: not in her pipeline
        self.assertTrue(
            self.rpc(
                self.user_am_2,
                "insurance.service.request",
                "search",
                [("id", "=", self.request_am.id)],
            )
        )
        self.assertEqual(self._general_counts(self.user_am_2), (1, 0))
        # the team lead reads the team's requests: none is theirs
        self.assertEqual(self._general_counts(self.user_lead), (0, 0))
        # the handler handles a request, is accountable for none
        self.assertEqual(self._general_counts(self.user_handler), (0, 0))
        # a plain employee sees the pipelines, no request
        self.assertEqual(self._general_counts(self.user_internal), (0, 0))

    def test_portal_user_is_refused_the_overview(self):
        self.assertRpcRefused(
            self.user_portal, "insurance.service.type", "web_search_read", [], COUNTS
        )
        self.assertRpcRefused(
            self.user_portal,
            "insurance.service.type",
            "action_open_pipeline",
            [self.type_general.id],
            context={"insurance_dashboard_filter": "overdue"},
        )

    def _defaults(self, user, chosen):
        action = self.rpc(
            user,
            "insurance.service.type",
            "action_open_pipeline",
            [self.type_general.id],
            context={"insurance_dashboard_filter": chosen},
        )
        self.assertEqual(action["domain"], [["type_id", "=", self.type_general.id]])
        return {key for key in action["context"] if key.startswith("search_default_")}

    def test_count_opens_a_filter_from_the_server_list_only(self):
        mine = {"search_default_open", "search_default_my_pipeline"}
        for user in (self.user_am, self.user_lead, self.user_handler, self.user_internal):
            with self.subTest(user=user.login):
                self.assertEqual(self._defaults(user, "overdue"), mine | {"search_default_overdue"})
                # a filter of the search view that is not a count, an unknown
                # name, a forged one: only the pipeline's own defaults
                for forged in ("inactive", "no_such_filter", "overdue') or (1=1", ["overdue"]):
                    self.assertEqual(self._defaults(user, forged), mine, forged)

    def test_clients_at_risk_on_the_renewals_card(self):
        """The Renewals card counts the caller's own clients at risk and opens
        them; the count is nobody else's, and only account managers (team
        leads and administrators included) open the list."""
        renewals = self.env.ref("insurance_account_manager.insurance_service_type_renewal")
        (self.client_harbin | self.client_dalian).insurance_risk_flagged = True
        self.env.flush_all()
        fields_spec = {"code": {}, "dashboard_clients_at_risk_count": {}}

        def counts(user):
            cards = self.rpc(user, "insurance.service.type", "web_search_read", [], fields_spec)
            return {
                card["code"]: card["dashboard_clients_at_risk_count"] for card in cards["records"]
            }

        # Li Wei manages Harbin, Sarah Chen Dalian: one each, on the Renewals card only
        for user in (self.user_am, self.user_am_2):
            with self.subTest(user=user.login):
                self.assertEqual(
                    {code: count for code, count in counts(user).items() if count}, {"renewal": 1}
                )
        for user in (self.user_lead, self.user_handler, self.user_internal):
            with self.subTest(user=user.login):
                self.assertFalse(any(counts(user).values()))
        action = self.rpc(
            self.user_am, "insurance.service.type", "action_open_clients_at_risk", [renewals.id]
        )
        self.assertEqual(
            self.rpc(self.user_am, "res.partner", "search", action["domain"]),
            self.client_harbin.ids,
        )
        for user in (self.user_handler, self.user_internal, self.user_portal):
            with self.subTest(user=user.login):
                self.assertRpcRefused(
                    user, "insurance.service.type", "action_open_clients_at_risk", [renewals.id]
                )
