"""Who may change a client's managers, attacked over JSON-RPC (issue #7, items
4, 5, 7, 8, 10 and the manager history of 14).

Managers change only through the assignment rules, the reassignment wizard, or
a direct write by a team lead (their teams' clients, to their teams' managers)
or an administrator; an account manager creates clients for themselves only.
The context a client sends never reaches the manager history nor silences its
tracking; the wizard is its creator's alone; a manager is always an active
internal account manager of the client's company, never above capacity;
batches and history rows are written by the server only.
"""

from datetime import date

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .common import GROUP_AM, InsuranceRpcCase

ACCESS = ("odoo.exceptions.AccessError",)
USER = ("odoo.exceptions.UserError",)
VALIDATION = ("odoo.exceptions.ValidationError",)
WIZARD = "insurance.client.reassign"


@tagged("post_install", "-at_install", "insurance")
class TestSecurityManagers(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the moves here are about rights, targets and capacity, not licences:
        # every manager holds a licence for every line
        cls._make_account_managers(cls.user_am | cls.user_am_2 | cls.user_am_other)
        # users who must never become a manager, however they are flagged (and licensed)
        cls._make_account_managers(cls.user_portal | cls.user_internal | cls.user_handler)
        cls.user_gone = new_test_user(
            cls.env, login="iam_sec_gone", name="Gao Gone", groups=GROUP_AM
        )
        cls._make_account_managers(cls.user_gone, active=False)
        cls.user_no_clients = new_test_user(
            cls.env, login="iam_sec_noclients", name="Nora Noclients", groups=GROUP_AM
        )
        cls.company_b = cls.env["res.company"].create({"name": "Insurance South"})
        cls.user_south = new_test_user(
            cls.env,
            login="iam_sec_south",
            name="Song South",
            groups=GROUP_AM,
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls._make_account_managers(cls.user_south)
        cls.outsiders = cls.user_handler | cls.user_internal | cls.user_portal

    def _wizard(self, user, clients, target, **values):
        """A reassignment wizard created over RPC by ``user``: its id."""
        return self.rpc(
            user,
            WIZARD,
            "create",
            {
                "reason": "Rebalance",
                "partner_ids": [Command.set(clients.ids)],
                "target_user_id": target.id,
                **values,
            },
        )

    def _fill(self, user):
        """Lower ``user``'s capacity to their current load: no room left."""
        user.invalidate_recordset(["insurance_load"])
        self.assertTrue(user.insurance_load)
        user.insurance_capacity = user.insurance_load

    def _current_row(self, client):
        client.invalidate_recordset()
        return client.insurance_assignment_ids.filtered(lambda row: row.state == "current")

    # ------------------------------------------------------------
    # 4. Capacity on every path that gives a manager clients
    # ------------------------------------------------------------

    def test_04_direct_write_respects_capacity(self):
        # David Okafor is full with Shenyang
        self._fill(self.user_am_other)
        self.assertRpcRefused(
            self.user_admin,
            "res.partner",
            "write",
            [self.client_dalian.id],
            {"account_manager_id": self.user_am_other.id},
            errors=USER,
            message="above capacity",
        )
        # the lead's team too: Li Wei is full with Harbin
        self._fill(self.user_am)
        self.assertRpcRefused(
            self.user_lead,
            "res.partner",
            "write",
            [self.client_dalian.id],
            {"account_manager_id": self.user_am.id},
            errors=USER,
            message="above capacity",
        )
        # an account manager cannot create a client above their own capacity either
        self.assertRpcRefused(
            self.user_am,
            "res.partner",
            "create",
            {
                "name": "Jixi Coal",
                "is_insurance_client": True,
                "account_manager_id": self.user_am.id,
            },
            errors=USER,
            message="above capacity",
        )
        self.client_dalian.invalidate_recordset()
        self.assertEqual(self.client_dalian.account_manager_id, self.user_am_2)

    def test_04_scheduled_batch_above_capacity_at_apply_time_is_not_applied(self):
        """A reassignment planned for later is checked again when the scheduled
        action applies it: over capacity then, it is not applied at all, and
        its creator is told."""
        Batch = self.env["insurance.assignment.batch"]
        with freeze_time("2026-11-01"):
            wizard = self.env[WIZARD].create(
                {
                    "reason": "From December",
                    "partner_ids": [Command.set(self.client_dalian.ids)],
                    "target_user_id": self.user_am_other.id,
                    "date_effective": date(2026, 12, 1),
                }
            )
            batch = Batch.browse(wizard.action_confirm()["res_id"])
            self.assertEqual(batch.state, "scheduled")
        # meanwhile David Okafor fills up
        self._fill(self.user_am_other)
        with freeze_time("2026-12-01"):
            Batch._cron_apply_scheduled()
            Batch._cron_apply_scheduled()  # idempotent: not tried again
        self.assertEqual(batch.state, "refused")
        self.assertEqual(batch.assignment_ids.mapped("state"), ["cancelled"])
        self.assertEqual(self.client_dalian.account_manager_id, self.user_am_2)
        message = batch.message_ids[0]
        self.assertIn("above capacity", message.body)
        self.assertIn(batch.user_id.partner_id, message.partner_ids)

    def test_04_undo_respects_capacity(self):
        wizard = self.env[WIZARD].create(
            {
                "reason": "Rebalance",
                "partner_ids": [Command.set(self.client_dalian.ids)],
                "target_user_id": self.user_am.id,
            }
        )
        batch = self.env["insurance.assignment.batch"].browse(wizard.action_confirm()["res_id"])
        # Sarah Chen, who had Dalian, has no room left for it now
        self.user_am_2.insurance_capacity = 0
        with self.assertRaisesRegex(UserError, "above capacity"):
            batch.action_undo()
        self.assertEqual(batch.state, "done")
        self.assertEqual(self.client_dalian.account_manager_id, self.user_am)

    # ------------------------------------------------------------
    # 5. Managers change by the rules, the wizard, or a team lead
    # ------------------------------------------------------------

    def test_05_backup_manager_cannot_take_the_client(self):
        harbin = self.client_harbin
        # Sarah Chen backs Harbin up: she edits it, she cannot take it
        self.assertRpcRefused(
            self.user_am_2,
            "res.partner",
            "write",
            [harbin.id],
            {"account_manager_id": self.user_am_2.id, "backup_manager_id": False},
            errors=ACCESS,
        )
        # nor does Li Wei hand it over, or choose its backup, with a plain write
        for values in (
            {"account_manager_id": self.user_am_2.id},
            {"backup_manager_id": self.user_am_other.id},
            {"backup_manager_id": False},
        ):
            self.assertRpcRefused(
                self.user_am, "res.partner", "write", [harbin.id], values, errors=ACCESS
            )
        for user in self.outsiders:
            self.assertRpcRefused(
                user,
                "res.partner",
                "write",
                [harbin.id],
                {"account_manager_id": user.id},
                errors=ACCESS,
            )
        harbin.invalidate_recordset()
        self.assertEqual(harbin.account_manager_id, self.user_am)
        self.assertEqual(harbin.backup_manager_id, self.user_am_2)

    def test_05_account_manager_creates_clients_for_themselves_only(self):
        values = {"name": "Qiqihar Steel", "is_company": True, "is_insurance_client": True}
        for extra, context in (
            ({"account_manager_id": self.user_am_2.id}, {}),
            ({"account_manager_id": self.user_am.id, "backup_manager_id": self.user_am_2.id}, {}),
            ({}, {"default_account_manager_id": self.user_am_2.id}),
        ):
            self.assertRpcRefused(
                self.user_am,
                "res.partner",
                "create",
                {**values, **extra},
                context=context,
                errors=ACCESS,
            )
        for user in self.outsiders:
            self.assertRpcRefused(
                user, "res.partner", "create", {**values, "account_manager_id": user.id}
            )
        client_id = self.rpc(
            self.user_am, "res.partner", "create", {**values, "account_manager_id": self.user_am.id}
        )
        client = self.env["res.partner"].browse(client_id)
        self.assertEqual(client.account_manager_id, self.user_am)
        self.assertEqual(self._current_row(client).user_id, self.user_am)

    def test_05_team_lead_changes_managers_within_their_teams(self):
        # Dalian (Sarah Chen's) to Li Wei, Sarah backing up: all in the Northeast team
        self.rpc(
            self.user_lead,
            "res.partner",
            "write",
            [self.client_dalian.id],
            {"account_manager_id": self.user_am.id, "backup_manager_id": self.user_am_2.id},
        )
        self.client_dalian.invalidate_recordset()
        self.assertEqual(self.client_dalian.account_manager_id, self.user_am)
        # not to a manager outside the lead's teams, as manager or as backup
        for values in (
            {"account_manager_id": self.user_am_other.id},
            {"backup_manager_id": self.user_am_other.id},
        ):
            self.assertRpcRefused(
                self.user_lead,
                "res.partner",
                "write",
                [self.client_harbin.id],
                values,
                errors=ACCESS,
            )
        # nor on a client of another team
        self.assertRpcRefused(
            self.user_lead,
            "res.partner",
            "write",
            [self.client_shenyang.id],
            {"account_manager_id": self.user_am.id},
            errors=ACCESS,
        )
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am)
        self.assertEqual(self.client_shenyang.account_manager_id, self.user_am_other)

    def test_05_context_cannot_forge_the_history_nor_silence_the_chatter(self):
        rule = self.env["insurance.assignment.rule"].create(
            {"name": "Some rule", "user_ids": [Command.set(self.user_am.ids)]}
        )
        other_batch = self.env["insurance.assignment.batch"].create({"reason": "Another move"})
        forged = {
            "insurance_assignment_origin": "rule",
            "insurance_assignment_reason": "Forged",
            "insurance_assignment_rule_id": rule.id,
            "insurance_assignment_batch_id": other_batch.id,
            "insurance_assignment_history_done": True,
            "tracking_disable": True,
            "mail_notrack": True,
        }
        self.rpc(
            self.user_lead,
            "res.partner",
            "write",
            [self.client_dalian.id],
            {"account_manager_id": self.user_am.id},
            context=forged,
        )
        row = self._current_row(self.client_dalian)
        self.assertEqual(row.user_id, self.user_am)
        self.assertEqual(row.previous_user_id, self.user_am_2)
        self.assertEqual(row.origin, "manual")
        self.assertFalse(row.reason)
        self.assertFalse(row.rule_id)
        self.assertFalse(row.batch_id)
        tracked = self.client_dalian.message_ids.sudo().tracking_value_ids.filtered(
            lambda value: value.field_id.name == "account_manager_id"
        )
        self.assertEqual(tracked.new_value_char, "Li Wei")
        # the assignment rules write their own origin and rule, whatever the context
        client = self.env["res.partner"].create(
            {"name": "Hegang Mines", "is_insurance_client": True}
        )
        self.env["insurance.assignment.rule"].search([("id", "!=", rule.id)]).active = False
        self.rpc(
            self.user_admin,
            "res.partner",
            "action_assign_account_managers",
            [client.id],
            context={**forged, "insurance_assignment_origin": "undo"},
        )
        row = self._current_row(client)
        self.assertEqual((row.user_id, row.origin, row.rule_id), (self.user_am, "rule", rule))
        self.assertFalse(row.batch_id)
        self.assertFalse(row.reason)
        self.assertTrue(
            client.message_ids.sudo().tracking_value_ids.filtered(
                lambda value: value.field_id.name == "account_manager_id"
            ),
            "the rules' change is tracked in the chatter",
        )

    # ------------------------------------------------------------
    # 7. The wizard is its creator's
    # ------------------------------------------------------------

    def test_07_wizard_is_private_to_its_creator(self):
        wizard_id = self._wizard(self.user_admin, self.client_harbin, self.user_am_other)
        self.rpc(self.user_admin, WIZARD, "action_preview", [wizard_id])
        line_ids = self.rpc(self.user_admin, WIZARD, "read", [wizard_id], ["line_ids"])[0][
            "line_ids"
        ]
        self.assertTrue(line_ids)
        # Li Wei can neither read nor change the administrator's pending wizard
        self.assertRpcRefused(
            self.user_am, WIZARD, "read", [wizard_id], ["target_user_id"], errors=ACCESS
        )
        self.assertRpcRefused(
            self.user_am,
            WIZARD,
            "write",
            [wizard_id],
            {"target_user_id": self.user_am.id},
            errors=ACCESS,
        )
        self.assertRpcRefused(
            self.user_am,
            f"{WIZARD}.line",
            "write",
            line_ids,
            {"new_user_id": self.user_am.id},
            errors=ACCESS,
        )
        self.assertRpcRefused(self.user_am, WIZARD, "action_confirm", [wizard_id], errors=ACCESS)
        self.assertEqual(self.rpc(self.user_am, WIZARD, "search", [("id", "=", wizard_id)]), [])
        self.assertEqual(self.rpc(self.user_am, f"{WIZARD}.line", "search", []), [])
        # nor can the team lead, nor anyone below
        for user in self.user_lead | self.outsiders:
            self.assertRpcRefused(user, WIZARD, "read", [wizard_id], ["reason"], errors=ACCESS)
        # the administrator confirms what they planned
        self.rpc(self.user_admin, WIZARD, "action_confirm", [wizard_id])
        self.client_harbin.invalidate_recordset()
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am_other)

    # ------------------------------------------------------------
    # 8. A manager is an active internal account manager of the client's company
    # ------------------------------------------------------------

    def test_08_target_must_be_an_account_manager_of_the_client_company(self):
        harbin = self.client_harbin
        harbin.company_id = self.company  # Song South works for another company only
        for target in (
            self.user_portal,
            self.user_internal,
            self.user_handler,
            self.user_gone,
            self.user_no_clients,
            self.user_south,
        ):
            wizard_id = self._wizard(self.user_admin, harbin, target)
            for method in ("action_preview", "action_confirm"):
                with self.subTest(target=target.name, method=method):
                    self.assertRpcRefused(
                        self.user_admin, WIZARD, method, [wizard_id], errors=VALIDATION + USER
                    )
            for field in ("account_manager_id", "backup_manager_id"):
                self.assertRpcRefused(
                    self.user_admin,
                    "res.partner",
                    "write",
                    [harbin.id],
                    {field: target.id},
                    errors=VALIDATION + USER,
                )
        harbin.invalidate_recordset()
        self.assertEqual(harbin.account_manager_id, self.user_am)
        self.assertNotIn(self.user_portal.partner_id, harbin.message_partner_ids)
        # nor is a portal user ever a candidate of the assignment rules
        self.env["insurance.assignment.rule"].search([]).active = False
        self.env["insurance.assignment.rule"].create(
            {"name": "Portal rule", "user_ids": [Command.set(self.user_portal.ids)]}
        )
        client = self.env["res.partner"].create(
            {"name": "Yichun Timber", "is_insurance_client": True}
        )
        self.rpc(self.user_admin, "res.partner", "action_assign_account_managers", [client.id])
        client.invalidate_recordset()
        self.assertFalse(client.account_manager_id)
        self.assertNotIn(self.user_portal.partner_id, client.message_partner_ids)
        # nor a manager of another company: the client stays unassigned, the
        # run goes on
        self.env["insurance.assignment.rule"].create(
            {"name": "South rule", "user_ids": [Command.set(self.user_south.ids)]}
        )
        client.company_id = self.company
        self.rpc(self.user_admin, "res.partner", "action_assign_account_managers", [client.id])
        client.invalidate_recordset()
        self.assertFalse(client.account_manager_id)
        self.assertEqual(client.insurance_unassigned_reason, "no_candidate")

    # ------------------------------------------------------------
    # 10. Batches and history rows are the server's
    # ------------------------------------------------------------

    def test_10_batches_and_history_are_written_by_the_server_only(self):
        # the administrator moves Dalian inside the lead's team: the lead sees the batch
        wizard_id = self._wizard(self.user_admin, self.client_dalian, self.user_am)
        action = self.rpc(self.user_admin, WIZARD, "action_confirm", [wizard_id])
        batch = self.env["insurance.assignment.batch"].browse(action["res_id"])
        self.assertEqual(batch.state, "done")
        self.assertTrue(
            self.rpc(self.user_lead, "insurance.assignment.batch", "read", batch.ids, ["state"])
        )
        row = batch.assignment_ids
        for values in (
            {"state": "scheduled"},
            {"state": "undone"},
            {"date_effective": "2020-01-01"},
            {"handover_days": 400},
            {"assignment_ids": [Command.clear()]},
        ):
            for user in self.user_lead | self.user_admin:
                self.assertRpcRefused(
                    user, "insurance.assignment.batch", "write", batch.ids, values, errors=ACCESS
                )
        for user in self.user_admin | self.user_lead | self.user_am | self.outsiders:
            self.assertRpcRefused(
                user,
                "insurance.assignment.batch",
                "create",
                {"reason": "Mine", "state": "done"},
                errors=ACCESS,
            )
            self.assertRpcRefused(
                user,
                "insurance.manager.assignment",
                "write",
                row.ids,
                {"origin": "rule", "user_id": self.user_am_other.id},
                errors=ACCESS,
            )
            self.assertRpcRefused(
                user,
                "insurance.manager.assignment",
                "create",
                {"partner_id": self.client_dalian.id, "user_id": user.id},
                errors=ACCESS,
            )
        for user in self.user_am | self.outsiders:
            self.assertRpcRefused(
                user, "insurance.assignment.batch", "write", batch.ids, {"state": "undone"}
            )
        batch.invalidate_recordset()
        self.assertEqual(batch.state, "done")
        self.assertEqual(batch.date_effective, fields.Date.context_today(batch))
        self.assertEqual((row.origin, row.user_id), ("reassign", self.user_am))
        # the undo, which checks its rights, still works for the lead
        self.rpc(self.user_lead, "insurance.assignment.batch", "action_undo", batch.ids)
        batch.invalidate_recordset()
        self.assertEqual(batch.state, "undone")

    # ------------------------------------------------------------
    # 14. The manager history stays in date order
    # ------------------------------------------------------------

    def test_14_two_moves_in_a_day_keep_the_history_in_order(self):
        dalian = self.client_dalian
        self.rpc(
            self.user_admin,
            "res.partner",
            "write",
            [dalian.id],
            {"account_manager_id": self.user_am.id},
        )
        wizard_id = self._wizard(self.user_admin, dalian, self.user_am_other)
        self.rpc(self.user_admin, WIZARD, "action_confirm", [wizard_id])
        dalian.invalidate_recordset()
        rows = dalian.insurance_assignment_ids
        self.assertEqual(len(rows), 3)
        for row in rows.filtered("date_to"):
            self.assertGreaterEqual(row.date_to, row.date_from, f"{row.user_id.name}'s period")
        self.assertEqual(self._current_row(dalian).user_id, self.user_am_other)
