"""Account managers no longer read the clients they created once the rules
(or a team lead) gave them to another manager: the web client's read-back of
a new client is done by ``res.partner.web_save`` itself, for that call only.
The rule "created by the user" stays for creating such a client, without
read; the partial index on ``create_uid`` that served its read goes. The
rule is ``noupdate``: rewritten here, with the index dropped, unless an
administrator changed it (then both stay, and the administrator decides).

Licences that lapsed more than the notice period ago are marked as notified:
the first daily notice after the upgrade announces only current lapses."""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

from odoo.addons.insurance_account_manager.models.insurance_qualification import (
    LICENCE_NOTICE_DAYS,
)

RULE = "insurance_account_manager.res_partner_rule_account_manager_created"
OLD_NAME = "Insurance Client: created by the user (read)"
NEW_NAME = "Insurance Client: created by the user (create)"
DOMAIN = "[('is_insurance_client', '=', True), ('create_uid', '=', user.id)]"
INDEX = "res_partner_insurance_create_uid_index"


def rewrite_creator_rule(env):
    """Make the creators' rule create-only and drop its index if the rule is
    as installed before 18.0.1.3.0; return whether it was rewritten."""
    rule = env.ref(RULE, raise_if_not_found=False)
    if not rule:
        # an administrator deleted the rule: nothing tests create_uid any more
        env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(INDEX)))
        return False
    if (
        rule.domain_force,
        rule.active,
        rule.perm_read,
        rule.perm_create,
        rule.perm_write,
        rule.perm_unlink,
        rule.groups,
    ) != (
        DOMAIN,
        True,
        True,
        True,
        False,
        False,
        env.ref("insurance_account_manager.insurance_group_account_manager"),
    ):
        return False
    rule.write({"perm_read": False, "name": NEW_NAME if rule.name == OLD_NAME else rule.name})
    env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(INDEX)))
    return True


def mark_old_lapses_notified(env):
    """Licences that lapsed before the notices existed (more than the notice
    period ago) are not announced all at once by the first run of the daily
    notice: only those lapsing now or soon are."""
    env.cr.execute(
        SQL(
            "UPDATE insurance_qualification SET lapse_notified = TRUE"
            " WHERE date_expiry < CURRENT_DATE - %s AND NOT COALESCE(lapse_notified, FALSE)",
            LICENCE_NOTICE_DAYS,
        )
    )
    return env.cr.rowcount


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    rewrite_creator_rule(env)
    mark_old_lapses_notified(env)
