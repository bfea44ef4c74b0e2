"""A client's tier lock over JSON-RPC: account managers request it, the team
lead of the client's manager (or an administrator) approves or refuses it;
nobody below sets a tier or a lock, whatever the call."""

from datetime import date

from odoo.tests import tagged

from .common import InsuranceRpcCase

LOCK = {
    "insurance_tier_locked": True,
    "insurance_tier_lock_reason": "Any reason",
    "insurance_tier_lock_until": "2026-12-31",
}


@tagged("post_install", "-at_install", "insurance")
class TestSecurityTierLock(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tier_key = cls.env.ref("insurance_account_manager.insurance_client_tier_key")
        cls.tier_key.active = True
        cls.lock = {**LOCK, "insurance_tier_id": cls.tier_key.id}
        cls.outsiders = (cls.user_handler, cls.user_internal, cls.user_portal)

    def _request(self, client, user):
        self.rpc(
            user,
            "res.partner",
            "write",
            client.ids,
            {
                "insurance_tier_request_tier_id": self.tier_key.id,
                "insurance_tier_request_reason": "Group contract signed",
                "insurance_tier_request_until": "2026-12-31",
            },
        )
        self.rpc(user, "res.partner", "action_request_insurance_tier_lock", client.ids)

    def test_no_lock_below_the_team_lead(self):
        harbin = self.client_harbin
        for user in (self.user_am, *self.outsiders):
            for values in (self.lock, {"insurance_tier_id": self.tier_key.id}):
                with self.subTest(user=user.login, fields=sorted(values)):
                    self.assertRpcRefused(user, "res.partner", "write", harbin.ids, values)
        # nor on a new client
        self.assertRpcRefused(
            self.user_am,
            "res.partner",
            "create",
            [
                {
                    "name": "Locked From Birth",
                    "is_insurance_client": True,
                    "account_manager_id": self.user_am.id,
                    **self.lock,
                }
            ],
        )
        # nor the request's state, which the buttons set
        for state in ("requested", "refused", False):
            self.assertRpcRefused(
                self.user_am,
                "res.partner",
                "write",
                harbin.ids,
                {"insurance_tier_request_state": state},
            )
        self.assertRpcRefused(
            self.user_am,
            "res.partner",
            "write",
            harbin.ids,
            {"insurance_tier_request_user_id": self.user_lead.id},
        )
        self.assertFalse(harbin.insurance_tier_locked)
        self.assertFalse(harbin.insurance_tier_history_ids)

    def test_request_only_on_own_clients(self):
        for user in (self.user_am_other, *self.outsiders):
            with self.subTest(user=user.login):
                self.assertRpcRefused(
                    user,
                    "res.partner",
                    "action_request_insurance_tier_lock",
                    self.client_harbin.ids,
                )
        self.assertFalse(self.client_harbin.insurance_tier_request_state)

    def test_only_the_team_lead_or_an_administrator_decides(self):
        self._request(self.client_shenyang, self.user_am_other)
        self._request(self.client_harbin, self.user_am)
        self.assertEqual(self.client_harbin.insurance_tier_request_state, "requested")
        for method in ("action_approve_insurance_tier_lock", "action_refuse_insurance_tier_lock"):
            # the requester, another manager, the lead of another team, outsiders
            for user, client in (
                (self.user_am, self.client_harbin),
                (self.user_am_2, self.client_harbin),
                (self.user_lead, self.client_shenyang),
                *((user, self.client_harbin) for user in self.outsiders),
            ):
                with self.subTest(method=method, user=user.login, client=client.name):
                    self.assertRpcRefused(user, "res.partner", method, client.ids)
        self.assertEqual(self.client_harbin.insurance_tier_request_state, "requested")
        self.assertFalse(self.client_harbin.insurance_tier_locked)
        # the team lead of Harbin's manager approves; the administrator refuses Shenyang's
        self.rpc(
            self.user_lead,
            "res.partner",
            "action_approve_insurance_tier_lock",
            self.client_harbin.ids,
        )
        self.rpc(
            self.user_admin,
            "res.partner",
            "action_refuse_insurance_tier_lock",
            self.client_shenyang.ids,
        )
        self.env.invalidate_all()
        self.assertTrue(self.client_harbin.insurance_tier_locked)
        self.assertEqual(self.client_harbin.insurance_tier_id, self.tier_key)
        self.assertEqual(self.client_harbin.insurance_tier_lock_until, date(2026, 12, 31))
        self.assertEqual(self.client_harbin.insurance_tier_history_ids.user_id, self.user_lead)
        self.assertEqual(self.client_shenyang.insurance_tier_request_state, "refused")
        self.assertFalse(self.client_shenyang.insurance_tier_locked)
