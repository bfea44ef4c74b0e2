"""The 18.0.1.3.0 migration takes read off the creators' rule on clients and
drops the index that served it, unless an administrator changed the rule."""

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

    def test_team_lead_rule_gains_clients_without_manager(self):
        rule = self.env.ref(self.migration.TEAM_LEAD_RULE)
        self.assertEqual(rule.domain_force, self.migration.TEAM_LEAD_NEW_DOMAIN)
        self.assertFalse(self.migration.widen_team_lead_rule(self.env))
        rule.write(
            {
                "domain_force": self.migration.TEAM_LEAD_OLD_DOMAIN,
                "name": self.migration.TEAM_LEAD_OLD_NAME,
            }
        )
        self.migration.migrate(self.env.cr, "18.0.1.2.0")
        self.env.invalidate_all()
        self.assertEqual(rule.domain_force, self.migration.TEAM_LEAD_NEW_DOMAIN)
        self.assertEqual(rule.name, self.migration.TEAM_LEAD_NEW_NAME)
        # an administrator's own domain stays
        own = "[('account_manager_id.sale_team_id.user_id', '=', user.id)]"
        rule.domain_force = own
        self.assertFalse(self.migration.widen_team_lead_rule(self.env))
        self.assertEqual(rule.domain_force, own)
