"""The 18.0.1.2.0 migration recolours the key tier of a database installed
with the old default (red) and leaves a colour an administrator chose."""

from odoo.tests import TransactionCase, tagged

from .common import load_migration


def _migration():
    return load_migration("18.0.1.2.0", "post-key-tier-colour.py")


@tagged("post_install", "-at_install", "insurance")
class TestMigrationKeyTierColour(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.migration = _migration()
        cls.key = cls.env.ref("insurance_account_manager.insurance_client_tier_key")

    def test_new_colour_is_the_data_files(self):
        # a fresh install has the new default: nothing to do
        self.assertEqual(self.key.color, self.migration.NEW_COLOR)
        self.assertFalse(self.migration.recolour_key_tier(self.env))
        self.assertEqual(self.key.color, self.migration.NEW_COLOR)

    def test_old_default_is_recoloured(self):
        self.key.color = self.migration.OLD_COLOR
        general = self.env.ref("insurance_account_manager.insurance_client_tier_general")
        general_color = general.color
        self.migration.migrate(self.env.cr, "18.0.1.1.0")
        self.env.invalidate_all()
        self.assertEqual(self.key.color, self.migration.NEW_COLOR)
        self.assertEqual(general.color, general_color)  # the other tiers untouched

    def test_administrators_colour_is_kept(self):
        self.key.color = 3
        self.assertFalse(self.migration.recolour_key_tier(self.env))
        self.assertEqual(self.key.color, 3)

    def test_without_the_key_tier_nothing_fails(self):
        self.env["ir.model.data"].search(
            [
                ("module", "=", "insurance_account_manager"),
                ("name", "=", "insurance_client_tier_key"),
            ]
        ).unlink()
        self.assertFalse(self.migration.recolour_key_tier(self.env))
