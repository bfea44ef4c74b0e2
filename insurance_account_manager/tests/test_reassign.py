from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged, users

from .test_assignment import AssignmentCommon


@tagged("post_install", "-at_install", "insurance")
class TestReassign(AssignmentCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # moves to a named manager here are about loads, handover and rights
        cls._licence_every_line(cls.managers)

    def _wizard(self, **values):
        return self.env["insurance.client.reassign"].create({"reason": "Li Wei leaves", **values})

    def _activity(self, record, user):
        return record.activity_schedule(
            "mail.mail_activity_data_todo", summary="Call back", user_id=user.id
        )

    def test_move_whole_book_now_with_handover(self):
        activity = self._activity(self.client_harbin, self.user_am)
        policy_activity = self._activity(self.policy_motor, self.user_am)
        other_activity = self._activity(self.client_harbin, self.user_lead)
        wizard = self._wizard(
            selection_mode="manager",
            source_user_id=self.user_am.id,
            target_user_id=self.user_am_other.id,
            handover_days=10,
        )
        wizard.action_preview()
        self.assertEqual(wizard.line_ids.partner_id, self.client_harbin)
        self.assertEqual(wizard.line_ids.new_load, 1 + 2)  # Shenyang (retail) + Harbin (general)
        action = wizard.action_confirm()
        batch = self.env["insurance.assignment.batch"].browse(action["res_id"])
        self.assertEqual(batch.state, "done")
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am_other)
        self.assertEqual(self.client_harbin.backup_manager_id, self.user_am)  # handover
        self.assertEqual(self.policy_motor.account_manager_id, self.user_am_other)
        self.assertEqual((activity | policy_activity).user_id, self.user_am_other)
        self.assertEqual(other_activity.user_id, self.user_lead)  # not the old manager's
        followers = self.client_harbin.message_partner_ids
        self.assertIn(self.user_am_other.partner_id, followers)
        self.assertIn(self.user_am.partner_id, followers)  # still, during the handover
        self.assertIn(self.user_am_other.partner_id, self.policy_motor.message_partner_ids)
        history = self.client_harbin.insurance_assignment_ids.sorted("id")
        self.assertEqual(history[-1].user_id, self.user_am_other)
        self.assertEqual(history[-1].previous_user_id, self.user_am)
        self.assertEqual(history[-1].batch_id, batch)
        # the handover ends: the old manager stops backing up and following
        today = fields.Date.context_today(self.env.user)
        with freeze_time(today + timedelta(days=11)):
            self.env["insurance.assignment.batch"]._cron_apply_scheduled()
        self.assertEqual(self.client_harbin.backup_manager_id, self.user_am_2)  # the one before
        self.assertNotIn(self.user_am.partner_id, self.client_harbin.message_partner_ids)

    def test_undo_puts_everything_back(self):
        activity = self._activity(self.client_harbin, self.user_am)
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_harbin.ids)],
            target_user_id=self.user_am_other.id,
            handover_days=0,
        )
        wizard.action_preview()
        batch = self.env["insurance.assignment.batch"].browse(wizard.action_confirm()["res_id"])
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am_other)
        self.assertFalse(self.client_harbin.backup_manager_id.id == self.user_am.id)
        self.assertNotIn(self.user_am.partner_id, self.client_harbin.message_partner_ids)
        batch.action_undo()
        self.assertEqual(batch.state, "undone")
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am)
        self.assertEqual(self.client_harbin.backup_manager_id, self.user_am_2)
        self.assertEqual(activity.user_id, self.user_am)
        self.assertIn(self.user_am.partner_id, self.client_harbin.message_partner_ids)
        current = self.client_harbin.insurance_assignment_ids.filtered(
            lambda row: row.state == "current"
        )
        self.assertEqual(current.user_id, self.user_am)
        self.assertEqual(current.origin, "undo")
        with self.assertRaises(UserError):
            batch.action_undo()

    def test_undo_leaves_clients_moved_again_since(self):
        wizard = self._wizard(
            partner_ids=[(6, 0, (self.client_harbin | self.client_dalian).ids)],
            target_user_id=self.user_am_other.id,
        )
        wizard.action_preview()
        batch = self.env["insurance.assignment.batch"].browse(wizard.action_confirm()["res_id"])
        self.client_dalian.account_manager_id = self.user_am  # a later, manual change
        batch.action_undo()
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am)
        self.assertEqual(self.client_dalian.account_manager_id, self.user_am)
        self.assertIn("Dalian Port Logistics", batch.message_ids[0].body)

    def test_future_effective_date_is_scheduled(self):
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_dalian.ids)],
            target_user_id=self.user_am.id,
            date_effective=date(2026, 12, 1),
        )
        with freeze_time("2026-11-01"):
            wizard.action_preview()
            batch = self.env["insurance.assignment.batch"].browse(wizard.action_confirm()["res_id"])
            self.assertEqual(batch.state, "scheduled")
            self.assertEqual(self.client_dalian.account_manager_id, self.user_am_2)
        with freeze_time("2026-12-01"):
            self.env["insurance.assignment.batch"]._cron_apply_scheduled()
            self.env["insurance.assignment.batch"]._cron_apply_scheduled()  # idempotent
        self.assertEqual(batch.state, "done")
        self.assertEqual(self.client_dalian.account_manager_id, self.user_am)
        self.assertEqual(len(batch.assignment_ids), 1)
        self.assertEqual(batch.assignment_ids.date_from, date(2026, 12, 1))

    def test_by_the_rules_excludes_the_leaving_manager(self):
        self.client_harbin.insurance_tier_id = self.tier_key
        self.user_am_2.insurance_qualification_ids.line_ids |= self.line_property
        wizard = self._wizard(
            selection_mode="manager", source_user_id=self.user_am.id, target_mode="rules"
        )
        wizard.action_preview()
        self.assertEqual(wizard.line_ids.new_user_id, self.user_am_2)
        self.assertEqual(wizard.line_ids.rule_id, self.rule_key)
        self.assertEqual(wizard.line_ids.new_load, 1 + 5)
        wizard.action_confirm()
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am_2)

    def test_capacity_is_respected_when_moving_to_a_manager(self):
        self.user_am_other.insurance_capacity = 2
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_harbin.ids)], target_user_id=self.user_am_other.id
        )
        wizard.action_preview()
        with self.assertRaisesRegex(UserError, "above capacity"):
            wizard.action_confirm()
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am)

    def test_preview_through_the_form(self):
        form = Form(
            self.env["insurance.client.reassign"].with_context(
                active_model="res.partner", active_ids=self.client_dalian.ids
            )
        )
        self.assertEqual(form.selection_mode, "clients")
        form.target_user_id = self.user_am
        form.reason = "Rebalance"
        wizard = form.save()
        wizard.action_preview()
        self.assertEqual(wizard.moved_count, 1)

    @users("iam_am")
    def test_account_manager_cannot_reassign_other_clients(self):
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_dalian.ids)], target_user_id=self.env.uid
        )
        with self.assertRaises(AccessError):
            wizard.action_preview()  # Dalian is Sarah Chen's, Li Wei only backs up Harbin
        wizard = self._wizard(
            selection_mode="manager",
            source_user_id=self.user_am_other.id,
            target_user_id=self.env.uid,
        )
        with self.assertRaises(UserError):  # no client of David Okafor is visible to Li Wei
            wizard.action_preview()

    @users("iam_am_2")
    def test_backup_cannot_hand_over_the_client_it_backs_up(self):
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_harbin.ids)], target_user_id=self.env.uid
        )
        with self.assertRaisesRegex(AccessError, "your own clients"):
            wizard.action_preview()

    @users("iam_am")
    def test_account_manager_hands_over_own_client_but_cannot_undo(self):
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_harbin.ids)], target_user_id=self.user_am_2.id
        )
        wizard.action_preview()
        batch = self.env["insurance.assignment.batch"].browse(wizard.action_confirm()["res_id"])
        self.assertEqual(
            self.client_harbin.with_user(self.user_admin).account_manager_id, self.user_am_2
        )
        with self.assertRaises(UserError):
            batch.action_undo()

    @users("iam_lead")
    def test_team_lead_reassigns_within_team_and_undoes(self):
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_dalian.ids)], target_user_id=self.user_am.id
        )
        wizard.action_preview()
        batch = self.env["insurance.assignment.batch"].browse(wizard.action_confirm()["res_id"])
        batch.action_undo()
        self.assertEqual(self.client_dalian.account_manager_id, self.user_am_2)
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_shenyang.ids)], target_user_id=self.user_am.id
        )
        with self.assertRaises(AccessError):  # not a client of the lead's team
            wizard.action_preview()

    @users("iam_am")
    def test_confirm_plans_again_and_ignores_tampered_preview_lines(self):
        """The preview lines are writable by the user (over RPC too): a load,
        capacity or new manager written there must not get past the checks."""
        self.user_am_other.insurance_capacity = 2
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_harbin.ids)], target_user_id=self.user_am_other.id
        )
        wizard.action_preview()
        wizard.line_ids.write({"new_load": 0.0, "new_capacity": 1000.0})
        with self.assertRaisesRegex(UserError, "above capacity"):
            wizard.action_confirm()
        # nor a new manager the wizard never proposed
        self.user_am_other.insurance_capacity = 100
        wizard.line_ids.write({"new_user_id": self.user_lead.id})
        wizard.action_confirm()
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am_other)

    def test_preview_by_the_rules_does_not_move_the_round_robin(self):
        self.rule_rest.last_user_id = self.user_am_2
        self.user_am.insurance_qualification_ids.line_ids |= self.line_liability
        wizard = self._wizard(partner_ids=[(6, 0, self.client_shenyang.ids)], target_mode="rules")
        wizard.action_preview()
        wizard.action_preview()
        proposed = wizard.line_ids.new_user_id
        self.assertEqual(wizard.line_ids.rule_id, self.rule_rest)
        self.assertEqual(proposed, self.user_am)
        self.assertEqual(self.rule_rest.last_user_id, self.user_am_2)  # previews move nothing
        wizard.action_confirm()
        self.assertEqual(self.client_shenyang.account_manager_id, proposed)
        self.assertEqual(self.rule_rest.last_user_id, proposed)

    def test_team_lead_cannot_undo_another_teams_batch(self):
        # an administrator moves Shenyang (David Okafor's, outside the Northeast
        # team) into the team
        other = self.user_am_other
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_shenyang.ids)], target_user_id=self.user_am_2.id
        )
        wizard.action_preview()
        batch = self.env["insurance.assignment.batch"].browse(wizard.action_confirm()["res_id"])
        self.assertEqual(self.client_shenyang.account_manager_id, self.user_am_2)
        # Shenyang now sits in the lead's team: the lead may undo it
        batch.with_user(self.user_lead).action_undo()
        self.assertEqual(self.client_shenyang.account_manager_id, other)
        # a batch that moves a client of another team stays out of the lead's reach
        self._make_account_managers(self.user_admin)  # an administrator who takes clients
        wizard = self._wizard(
            partner_ids=[(6, 0, self.client_shenyang.ids)], target_user_id=self.user_admin.id
        )
        wizard.action_preview()
        batch = self.env["insurance.assignment.batch"].browse(wizard.action_confirm()["res_id"])
        with self.assertRaises(AccessError):
            batch.with_user(self.user_lead).action_undo()
        self.assertFalse(
            self.env["insurance.assignment.batch"]
            .with_user(self.user_lead)
            .search([("id", "=", batch.id)]),
            "a move between managers outside the lead's teams is not shown to the lead",
        )
        self.assertEqual(batch.state, "done")
        self.assertEqual(self.client_shenyang.account_manager_id, self.user_admin)
