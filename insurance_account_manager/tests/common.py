"""Shared test base: one user per group and a small, documented book.

The book (all in the main company, policies in force 2026-01-01 to 2026-12-31):

================  ==================  ===============  ==========================
client            account manager     backup           policies
================  ==================  ===============  ==========================
client_harbin     user_am (team)      user_am_2        policy_motor (premium 12,000,
                                                       sum insured 500,000),
                                                       policy_property (30,000 /
                                                       5,000,000)
client_dalian     user_am_2 (team)    -                policy_cargo (8,000 / 800,000)
client_shenyang   user_am_other       -                policy_liability (5,000 /
                  (no team)                            1,000,000)
================  ==================  ===============  ==========================

``user_lead`` leads the sales team "Northeast" whose members are ``user_am`` and
``user_am_2``; ``user_am_other`` belongs to no team led by ``user_lead``.
"""

import importlib.util
import json
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from odoo import Command
from odoo.tests import HttpCase, TransactionCase, new_test_user

GROUP_AM = "insurance_account_manager.insurance_group_account_manager"
GROUP_LEAD = "insurance_account_manager.insurance_group_team_lead"
GROUP_ADMIN = "insurance_account_manager.insurance_group_admin"
GROUP_HANDLER = "insurance_account_manager.insurance_group_service_handler"

COVER_START = date(2026, 1, 1)
COVER_END = date(2026, 12, 31)


def load_migration(version, filename):
    """The migration script ``migrations/<version>/<filename>`` of the addon
    as a module, for its tests to call its functions."""
    path = Path(__file__).resolve().parent.parent / "migrations" / version / filename
    spec = importlib.util.spec_from_file_location(f"migration_{version}_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class InsuranceCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # Automatic Client Tiering off: the tests set tiers by hand, which a new
        # policy would otherwise replace by the tier of the rules at once
        # (test_tiering.py turns it on)
        cls.env.ref("insurance_account_manager.ir_cron_recompute_insurance_tiers").active = False
        cls.company = cls.env.ref("base.main_company")
        cls.user_admin = new_test_user(
            cls.env, login="iam_admin", name="Ada Admin", groups=GROUP_ADMIN
        )
        cls.user_lead = new_test_user(
            cls.env, login="iam_lead", name="Zhang Lead", groups=GROUP_LEAD
        )
        cls.user_am = new_test_user(cls.env, login="iam_am", name="Li Wei", groups=GROUP_AM)
        cls.user_am_2 = new_test_user(cls.env, login="iam_am_2", name="Sarah Chen", groups=GROUP_AM)
        cls.user_am_other = new_test_user(
            cls.env, login="iam_am_other", name="David Okafor", groups=GROUP_AM
        )
        cls.team = cls.env["crm.team"].create(
            {
                "name": "Northeast",
                "user_id": cls.user_lead.id,
                "crm_team_member_ids": [
                    Command.create({"user_id": cls.user_am.id}),
                    Command.create({"user_id": cls.user_am_2.id}),
                ],
            }
        )
        cls.line_motor = cls.env.ref("insurance_account_manager.insurance_line_motor")
        cls.line_property = cls.env.ref("insurance_account_manager.insurance_line_property")
        cls.line_cargo = cls.env.ref("insurance_account_manager.insurance_line_marine_cargo")
        cls.line_liability = cls.env.ref("insurance_account_manager.insurance_line_liability")
        cls.insurer = cls.env["res.partner"].create(
            {"name": "Harbin Mutual Insurance Co.", "is_company": True}
        )
        Partner = cls.env["res.partner"]
        cls.client_harbin = Partner.create(
            {
                "name": "Harbin Boiler Works",
                "is_company": True,
                "is_insurance_client": True,
                "account_manager_id": cls.user_am.id,
                "backup_manager_id": cls.user_am_2.id,
            }
        )
        cls.client_dalian = Partner.create(
            {
                "name": "Dalian Port Logistics",
                "is_company": True,
                "is_insurance_client": True,
                "account_manager_id": cls.user_am_2.id,
            }
        )
        cls.client_shenyang = Partner.create(
            {
                "name": "Shenyang Brewery",
                "is_company": True,
                "is_insurance_client": True,
                "account_manager_id": cls.user_am_other.id,
            }
        )
        cls.policy_motor = cls._create_policy(
            "T-MOTOR-1", cls.client_harbin, cls.line_motor, 12000, 500000
        )
        cls.policy_property = cls._create_policy(
            "T-PROP-1", cls.client_harbin, cls.line_property, 30000, 5000000
        )
        cls.policy_cargo = cls._create_policy(
            "T-CARGO-1", cls.client_dalian, cls.line_cargo, 8000, 800000
        )
        cls.policy_liability = cls._create_policy(
            "T-LIAB-1", cls.client_shenyang, cls.line_liability, 5000, 1000000
        )
        cls.stage_notified = cls.env.ref("insurance_account_manager.insurance_claim_stage_notified")
        cls.stage_settlement = cls.env.ref(
            "insurance_account_manager.insurance_claim_stage_settlement"
        )
        cls.stage_closed = cls.env.ref("insurance_account_manager.insurance_claim_stage_closed")

    @contextmanager
    def assertRaisesRegex(self, exception, expected_regex, msg=None):
        """unittest's assertRaisesRegex inside a savepoint, as Odoo's assertRaises:
        what the failed operation wrote is rolled back, as in a real request."""
        with self._assertRaises(exception, msg=msg) as cm:
            yield cm
        self.assertRegex(str(cm.exception), expected_regex)

    @classmethod
    def _create_policy(cls, name, client, line, premium, sum_insured, **values):
        return cls.env["insurance.policy"].create(
            {
                "name": name,
                "partner_id": client.id,
                "insurer_id": cls.insurer.id,
                "line_id": line.id,
                "premium": premium,
                "sum_insured": sum_insured,
                "date_start": COVER_START,
                "date_end": COVER_END,
                "state": "active",
                **values,
            }
        )

    @classmethod
    def _licence_every_line(cls, users):
        """A valid licence for every line of business for each of ``users``:
        for the tests whose subject is not licensing (a reassignment to an
        unlicensed manager is refused, see test_reassign_licence.py)."""
        lines = cls.env["insurance.line"].with_context(active_test=False).search([])
        cls.env["insurance.qualification"].create(
            [
                {
                    "user_id": user.id,
                    "licence_number": f"ALL-LINES-{user.id}",
                    "line_ids": [Command.set(lines.ids)],
                }
                for user in users
            ]
        )

    @classmethod
    def _make_account_managers(cls, users, **values):
        """``users`` take clients (``is_account_manager``, and ``values``).
        Settings require a valid qualification to become a manager (on by
        default): each of ``users`` without a valid one first gets a licence
        for every line of business (test_scorecard_rating.py proves the
        refusal, and that the switch off lets an unqualified user through)."""
        users = users.sudo()
        qualified = (
            cls.env["insurance.qualification"]
            .sudo()
            .search([("user_id", "in", users.ids), ("is_valid", "=", True)])
            .user_id
        )
        cls._licence_every_line(users - qualified)
        users.write({"is_account_manager": True, **values})

    @classmethod
    def _create_claim(cls, policy, **values):
        return cls.env["insurance.claim"].create(
            {
                "policy_id": policy.id,
                "date_loss": date(2026, 3, 10),
                "date_reported": date(2026, 3, 12),
                **values,
            }
        )


class RpcError(Exception):
    """The error a JSON-RPC call returned: ``name`` is the exception's class
    path (e.g. ``odoo.exceptions.AccessError``), ``message`` its text."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class InsuranceRpcCase(InsuranceCommon, HttpCase):
    """The shared book, attacked over the real RPC layer: each call goes
    through ``/web/dataset/call_kw`` as the browser sends it, so the context
    and the arguments come from the client, and the server alone decides.

    Besides the users of :class:`InsuranceCommon`: ``user_handler`` (Service
    Handler only), ``user_internal`` (a plain internal user) and
    ``user_portal`` (a portal user). Every password is the login.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_handler = new_test_user(
            cls.env, login="iam_rpc_handler", name="Hu Handler", groups=GROUP_HANDLER
        )
        cls.user_internal = new_test_user(
            cls.env, login="iam_rpc_internal", name="Ivan Internal", groups="base.group_user"
        )
        cls.user_portal = new_test_user(
            cls.env, login="iam_rpc_portal", name="Pat Portal", groups="base.group_portal"
        )
        cls._rpc_login = None

    def rpc(self, user, model, method, *args, **kwargs):
        """Call ``model.method(*args, **kwargs)`` over JSON-RPC as ``user``;
        return the result, raise :class:`RpcError` with the server's error."""
        if self._rpc_login != user.login:
            self.authenticate(user.login, user.login)
            self._rpc_login = user.login
        payload = {
            "id": 0,
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            data = body["error"].get("data") or {}
            raise RpcError(data.get("name", ""), data.get("message", body["error"].get("message")))
        return body.get("result")

    def assertRpcRefused(self, user, model, method, *args, errors=None, message=None, **kwargs):
        """Assert that the call is refused with one of ``errors`` (class paths;
        default: an access or user error) and, if given, a message matching
        the regex ``message``. Returns the :class:`RpcError`."""
        errors = errors or (
            "odoo.exceptions.AccessError",
            "odoo.exceptions.UserError",
            "odoo.exceptions.ValidationError",
        )
        with self.assertRaises(RpcError) as caught:
            self.rpc(user, model, method, *args, **kwargs)
        self.assertIn(caught.exception.name, errors, caught.exception.message)
        if message:
            self.assertRegex(caught.exception.message, message)
        return caught.exception
