from odoo.tests import tagged

from .common import InsuranceCommon


@tagged("post_install", "-at_install", "insurance")
class TestTracking(InsuranceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls._commit_hooks()

    @classmethod
    def _commit_hooks(cls):
        """Run what a commit runs (tracking is posted then), as if the records
        had been saved in an earlier request."""
        cls.env.flush_all()
        cls.env.cr.precommit.run()

    def _tracked(self, record):
        """{field name: (old, new)} of the tracking values posted on ``record``."""
        self._commit_hooks()
        values = record.message_ids.sudo().tracking_value_ids
        return {
            value.field_id.name: (
                value.old_value_char or value.old_value_float or value.old_value_integer,
                value.new_value_char or value.new_value_float or value.new_value_integer,
            )
            for value in values
        }

    def test_manager_change_is_tracked(self):
        client = self.client_harbin.with_env(self.env)
        client.account_manager_id = self.user_am_other
        tracked = self._tracked(client)
        self.assertEqual(tracked["account_manager_id"], ("Li Wei", "David Okafor"))

    def test_policy_state_and_amounts_are_tracked(self):
        policy = self.policy_motor.with_env(self.env)
        policy.write({"premium": 13000, "sum_insured": 600000})
        policy.action_cancel()
        tracked = self._tracked(policy)
        self.assertEqual(tracked["premium"], (12000, 13000))
        self.assertEqual(tracked["sum_insured"], (500000, 600000))
        self.assertEqual(tracked["state"], ("Active", "Cancelled"))

    def test_claim_stage_and_amounts_are_tracked(self):
        claim = self._create_claim(self.policy_motor).with_env(self.env)
        self._commit_hooks()
        claim.write(
            {"amount_reserved": 20000, "amount_paid": 15000, "stage_id": self.stage_settlement.id}
        )
        tracked = self._tracked(claim)
        self.assertEqual(tracked["amount_reserved"], (0, 20000))
        self.assertEqual(tracked["amount_paid"], (0, 15000))
        self.assertEqual(tracked["stage_id"], ("Notified", "Settlement"))
