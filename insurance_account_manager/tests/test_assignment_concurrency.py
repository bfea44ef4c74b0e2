"""Two assignment runs that overlap never put a manager above capacity.

This test works on committed data with real, separate database connections
(the assignment relies on PostgreSQL row locks and snapshot isolation), and
removes what it committed afterwards.
"""

import threading
import time

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import BaseCase, tagged
from odoo.tools import mute_logger

KEY_WEIGHT = 5.0


@tagged("post_install", "-at_install", "insurance")
class TestAssignmentConcurrency(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from odoo.modules.registry import Registry
        from odoo.tests.common import get_db_name

        cls.registry = Registry(get_db_name())

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            tier = env.ref("insurance_account_manager.insurance_client_tier_key")
            motor = env.ref("insurance_account_manager.insurance_line_motor")
            self.manager = env["res.users"].create(
                {
                    "name": "Concurrent Manager",
                    "login": "iam_concurrent_manager",
                    "is_account_manager": True,
                    "insurance_capacity": KEY_WEIGHT,  # room for exactly one key client
                    "groups_id": [
                        Command.link(
                            env.ref("insurance_account_manager.insurance_group_account_manager").id
                        )
                    ],
                    # a valid licence: Settings require one to take clients
                    "insurance_qualification_ids": [
                        Command.create(
                            {"licence_number": "CONC-1", "line_ids": [Command.set(motor.ids)]}
                        )
                    ],
                }
            )
            # the other rules (demo data) would place what this rule refuses
            self.other_rules = env["insurance.assignment.rule"].search([])
            self.other_rules.active = False
            self.rule = env["insurance.assignment.rule"].create(
                {
                    "name": "Concurrency rule",
                    "sequence": -100,
                    "user_ids": [Command.set(self.manager.ids)],
                }
            )
            self.clients = env["res.partner"].create(
                [
                    {
                        "name": f"Concurrent Client {n}",
                        "is_insurance_client": True,
                        "insurance_tier_id": tier.id,
                    }
                    for n in range(2)
                ]
            )
            self.ids = {
                "manager": self.manager.id,
                "rule": self.rule.id,
                "other_rules": self.other_rules.ids,
                "clients": self.clients.ids,
                "key": tier.load_weight,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
            env["insurance.assignment.rule"].browse(self.ids["rule"]).unlink()
            env["insurance.assignment.rule"].browse(self.ids["other_rules"]).active = True
            env["res.partner"].browse(self.ids["clients"]).unlink()
            user = env["res.users"].browse(self.ids["manager"])
            partner = user.partner_id
            user.unlink()
            partner.unlink()

    def _assign(self, cr, client_id):
        return self._assign_in(api.Environment(cr, SUPERUSER_ID, {}), client_id)

    def _assign_in(self, env, client_id):
        return env["res.partner"].browse(client_id)._assign_account_managers()

    def test_overlapping_runs_respect_capacity(self):
        self.assertEqual(self.ids["key"], KEY_WEIGHT)
        first, second = self.ids["clients"]
        outcome = {}
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            # run B's transaction starts (takes its snapshot) before run A commits
            cr_b.execute("SELECT 1")
            # the environment is made here: making one takes the registry lock,
            # which Odoo's own test runner holds in this thread while it runs
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            self.assertEqual(self._assign(cr_a, first), 1)  # A holds the manager's row

            @mute_logger("odoo.sql_db")  # the refused UPDATE is logged as a bad query
            def run_b():
                try:
                    outcome["assigned"] = self._assign_in(env_b, second)
                except SerializationFailure as error:
                    outcome["error"] = error
                    cr_b.rollback()

            thread = threading.Thread(target=run_b)
            thread.start()
            time.sleep(0.5)
            self.assertTrue(thread.is_alive(), "run B must wait for run A's lock")
            cr_a.commit()
            thread.join(30)
            self.assertFalse(thread.is_alive())
            # B's snapshot missed A's client: PostgreSQL refuses it (Odoo retries
            # such a transaction); B never wrote a stale assignment
            self.assertIn("error", outcome)
        # the retry, as Odoo does it, sees A's client and refuses for capacity
        with self.registry.cursor() as cr_retry:
            self.assertEqual(self._assign(cr_retry, second), 0)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            clients = env["res.partner"].browse(self.ids["clients"])
            self.assertEqual(clients.mapped("account_manager_id").ids, [self.ids["manager"]])
            self.assertEqual(
                clients.filtered(lambda c: not c.account_manager_id).insurance_unassigned_reason,
                "no_capacity",
            )
            manager = env["res.users"].browse(self.ids["manager"])
            self.assertLessEqual(manager.insurance_load, manager.insurance_capacity)
