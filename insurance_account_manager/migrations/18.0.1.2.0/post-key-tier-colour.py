"""The key tier's colour became purple (5) instead of red (1), red being left
for what is urgent. The tiers are ``noupdate`` data: a database installed
before keeps red. Recolour the key tier here, unless an administrator chose
another colour than the old default."""

from odoo import SUPERUSER_ID, api

KEY_TIER = "insurance_account_manager.insurance_client_tier_key"
OLD_COLOR = 1  # red, the default before 18.0.1.2.0
NEW_COLOR = 5  # purple, as data/insurance_client_tier_data.xml


def recolour_key_tier(env):
    """Give the key tier the new default colour if it still has the old one;
    returns whether it changed."""
    tier = env.ref(KEY_TIER, raise_if_not_found=False)
    if tier and tier.color == OLD_COLOR:
        tier.color = NEW_COLOR
        return True
    return False


def migrate(cr, version):
    recolour_key_tier(api.Environment(cr, SUPERUSER_ID, {}))
