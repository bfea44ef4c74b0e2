"""Two "To a Manager" reassignments confirmed at the same moment never put the
manager above capacity (issue #7, item 4).

An administrator and a team lead each move a client to the same manager, who
has room for one; both confirm on their own database connection at the same
time. The wizard locks the manager's row before it reads the load: the second
confirmation waits, is refused by PostgreSQL once the first commits
(serialization failure), and Odoo's retry, on fresh data, refuses it for
capacity. Works on committed data and removes it afterwards, as
test_assignment_concurrency.py does.
"""

import threading
import time

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests import BaseCase, tagged
from odoo.tools import mute_logger

WIZARD = "insurance.client.reassign"


@tagged("post_install", "-at_install", "insurance")
class TestReassignConcurrency(BaseCase):
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
            group = "insurance_account_manager.insurance_group_"
            lines = env["insurance.line"].with_context(active_test=False).search([])

            def user(login, name, role, capacity=100.0):
                return env["res.users"].create(
                    {
                        "name": name,
                        "login": login,
                        "is_account_manager": True,
                        "insurance_capacity": capacity,
                        "groups_id": [Command.link(env.ref(group + role).id)],
                        # a valid licence: Settings require one to take clients
                        "insurance_qualification_ids": [
                            Command.create(
                                {
                                    "licence_number": f"CONC-{login}",
                                    "line_ids": [Command.set(lines.ids)],
                                }
                            )
                        ],
                    }
                )

            admin = user("iam_conc_admin", "Concurrent Admin", "admin")
            lead = user("iam_conc_lead", "Concurrent Lead", "team_lead")
            # room for exactly one client without tier (1 unit)
            target = user("iam_conc_target", "Concurrent Target", "account_manager", 1.0)
            source = user("iam_conc_source", "Concurrent Source", "account_manager")
            other = user("iam_conc_other", "Concurrent Other", "account_manager")
            team = env["crm.team"].create(
                {
                    "name": "Concurrent Team",
                    "user_id": lead.id,
                    "crm_team_member_ids": [
                        Command.create({"user_id": target.id}),
                        Command.create({"user_id": source.id}),
                    ],
                }
            )
            clients = env["res.partner"].create(
                [
                    {
                        "name": "Concurrent Client of the Team",
                        "is_insurance_client": True,
                        "account_manager_id": source.id,
                    },
                    {
                        "name": "Concurrent Client of Another Team",
                        "is_insurance_client": True,
                        "account_manager_id": other.id,
                    },
                ]
            )

            def wizard(creator, client):
                return (
                    env[WIZARD]
                    .with_user(creator)
                    .create(
                        {
                            "reason": "Concurrent move",
                            "partner_ids": [Command.set(client.ids)],
                            "target_user_id": target.id,
                            "handover_days": 0,
                        }
                    )
                )

            self.ids = {
                "users": (admin | lead | target | source | other).ids,
                "admin": admin.id,
                "lead": lead.id,
                "target": target.id,
                "team": team.id,
                "clients": clients.ids,
                "wizard_lead": wizard(lead, clients[0]).id,
                "wizard_admin": wizard(admin, clients[1]).id,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"active_test": False})
            users = env["res.users"].browse(self.ids["users"])
            env[WIZARD].browse(
                [self.ids["wizard_lead"], self.ids["wizard_admin"]]
            ).exists().unlink()
            env["insurance.assignment.batch"].search([("user_id", "in", users.ids)]).unlink()
            env["res.partner"].browse(self.ids["clients"]).unlink()
            env["crm.team"].browse(self.ids["team"]).unlink()
            partners = users.partner_id
            users.unlink()
            partners.unlink()

    def _confirm(self, env, wizard_id):
        return env[WIZARD].browse(wizard_id).action_confirm()

    def test_concurrent_confirmations_respect_capacity(self):
        outcome = {}
        with self.registry.cursor() as cr_admin, self.registry.cursor() as cr_lead:
            # the lead's request starts (takes its snapshot) before the admin's commits
            cr_lead.execute("SELECT 1")
            admin_env = api.Environment(cr_admin, self.ids["admin"], {})
            self._confirm(admin_env, self.ids["wizard_admin"])
            # made here: making or resetting an environment takes the registry
            # lock, which Odoo's own test runner holds in this thread
            lead_env = api.Environment(cr_lead, self.ids["lead"], {})

            @mute_logger("odoo.sql_db")  # the refused UPDATE is logged as a bad query
            def confirm_as_lead():
                try:
                    outcome["result"] = self._confirm(lead_env, self.ids["wizard_lead"])
                    cr_lead.flush()
                except SerializationFailure as error:
                    outcome["conflict"] = error
                except UserError as error:
                    outcome["error"] = error

            thread = threading.Thread(target=confirm_as_lead)
            thread.start()
            time.sleep(0.5)
            self.assertTrue(thread.is_alive(), "the lead's confirmation waits for the manager lock")
            cr_admin.commit()
            thread.join(60)
            self.assertFalse(thread.is_alive())
            # the lead's snapshot missed the admin's move: PostgreSQL refuses it
            self.assertNotIn("result", outcome, "the second move would exceed the capacity")
            self.assertIn("conflict", outcome, outcome.get("error"))
            # Odoo retries such a request on fresh data (service.model.retrying):
            # the capacity check refuses it
            cr_lead.rollback()
            lead_env.reset()
            with self.assertRaisesRegex(UserError, "above capacity"):
                self._confirm(lead_env, self.ids["wizard_lead"])
            cr_lead.rollback()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            target = env["res.users"].browse(self.ids["target"])
            team_client, other_client = env["res.partner"].browse(self.ids["clients"])
            self.assertEqual(other_client.account_manager_id, target)
            self.assertNotEqual(team_client.account_manager_id, target)
            self.assertLessEqual(target.insurance_load, target.insurance_capacity)
