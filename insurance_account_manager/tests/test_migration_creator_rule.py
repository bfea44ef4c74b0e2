"""The 18.0.1.3.0 migration takes read off the creators' rule on clients and
drops the index that served it, unless an administrator changed the rule."""

from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged
from odoo.tools.sql import create_index, index_exists

from .common import load_migration


def _migration():
    return load_migration("18.0.1.3.0", "post-migrate.py")


@tagged("post_install", "-at_install", "insurance")
class TestMigrationCreatorRule(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.migration = _migration()
        cls.rule = cls.env.ref(cls.migration.RULE)

    def _as_before(self):
        """The rule and the index as 18.0.1.2.0 installed them."""
        self.rule.write({"perm_read": True, "name": self.migration.OLD_NAME})
        create_index(
            self.env.cr,
            self.migration.INDEX,
            "res_partner",
            ["create_uid"],
            where="is_insurance_client",
        )

    def _index(self):
        return index_exists(self.env.cr, self.migration.INDEX)

    def test_new_install_is_create_only_without_index(self):
        self.assertFalse(self.rule.perm_read)
        self.assertTrue(self.rule.perm_create)
        self.assertFalse(self._index())
        self.assertFalse(self.migration.rewrite_creator_rule(self.env))
        self.assertFalse(self.rule.perm_read)

    def test_rule_as_installed_is_rewritten(self):
        self._as_before()
        self.assertTrue(self._index())
        self.migration.migrate(self.env.cr, "18.0.1.2.0")
        self.env.invalidate_all()
        self.assertFalse(self.rule.perm_read)
        self.assertTrue(self.rule.perm_create)
        self.assertEqual(self.rule.name, self.migration.NEW_NAME)
        self.assertEqual(self.rule.domain_force, self.migration.DOMAIN)
        self.assertFalse(self._index())

    def test_administrators_rule_is_kept(self):
        self._as_before()
        domain = "[('is_insurance_client', '=', True), ('create_uid', 'in', [user.id])]"
        self.rule.domain_force = domain
        self.assertFalse(self.migration.rewrite_creator_rule(self.env))
        self.assertTrue(self.rule.perm_read)
        self.assertEqual(self.rule.domain_force, domain)
        self.assertTrue(self._index())
        # nor when only its rights were changed
        self.rule.write({"domain_force": self.migration.DOMAIN, "perm_write": True})
        self.assertFalse(self.migration.rewrite_creator_rule(self.env))
        self.assertTrue(self.rule.perm_read)

    def test_deleted_rule_drops_the_index(self):
        self._as_before()
        self.rule.unlink()
        self.assertFalse(self.migration.rewrite_creator_rule(self.env))
        self.assertFalse(self._index())

    def test_team_leads_queue_is_its_own_rule(self):
        """The team leads' rule on their teams' clients is as before; the
        clients without manager are a rule of their own, without delete."""
        team_rule = self.env.ref("insurance_account_manager.res_partner_rule_team_lead")
        self.assertEqual(
            team_rule.domain_force,
            "[('account_manager_id.crm_team_member_ids.crm_team_id.user_id', '=', user.id)]",
        )
        queue = self.env.ref("insurance_account_manager.res_partner_rule_team_lead_unassigned")
        self.assertEqual(
            (queue.perm_read, queue.perm_write, queue.perm_create, queue.perm_unlink),
            (True, True, False, False),
        )

    def test_old_lapses_are_marked_notified(self):
        user = self.env["res.users"].create({"name": "Lapse Holder", "login": "lapse_holder"})
        today = fields.Date.today()
        Qualification = self.env["insurance.qualification"]
        old, recent = Qualification.create(
            [
                {
                    "user_id": user.id,
                    "licence_number": "OLD-1",
                    "date_expiry": today - timedelta(days=400),
                },
                {
                    "user_id": user.id,
                    "licence_number": "NEW-1",
                    "date_expiry": today - timedelta(days=3),
                },
            ]
        )
        self.migration.migrate(self.env.cr, "18.0.1.2.0")
        self.env.invalidate_all()
        self.assertTrue(old.lapse_notified)
        self.assertFalse(recent.lapse_notified)
