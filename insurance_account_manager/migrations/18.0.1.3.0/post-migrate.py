"""Account managers no longer read the clients they created once the rules
(or a team lead) gave them to another manager: the web client's read-back of
a new client is done by ``res.partner.web_save`` itself, for that call only.
The rule "created by the user" stays for creating such a client, without
read; the partial index on ``create_uid`` that served its read goes. The
rule is ``noupdate``: rewritten here, with the index dropped, unless an
administrator changed it (then both stay, and the administrator decides).

Team leads read and write the clients without a manager, the queue they
dispatch (they are the ones told of such a client): their rule, ``noupdate``
too, gains that arm unless an administrator changed it."""

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL

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


TEAM_LEAD_RULE = "insurance_account_manager.res_partner_rule_team_lead"
TEAM_LEAD_OLD_DOMAIN = (
    "[('account_manager_id.crm_team_member_ids.crm_team_id.user_id', '=', user.id)]"
)
TEAM_LEAD_NEW_DOMAIN = (
    "['|', ('account_manager_id', '=', False), "
    "('account_manager_id.crm_team_member_ids.crm_team_id.user_id', '=', user.id)]"
)
TEAM_LEAD_OLD_NAME = "Insurance Client: clients of the led teams"
TEAM_LEAD_NEW_NAME = "Insurance Client: clients of the led teams and clients without manager"


def widen_team_lead_rule(env):
    """Give the team leads' rule the clients without manager if the rule is as
    installed before 18.0.1.3.0; return whether it was rewritten."""
    rule = env.ref(TEAM_LEAD_RULE, raise_if_not_found=False)
    if not rule or rule.domain_force != TEAM_LEAD_OLD_DOMAIN:
        return False
    rule.write(
        {
            "domain_force": TEAM_LEAD_NEW_DOMAIN,
            "name": TEAM_LEAD_NEW_NAME if rule.name == TEAM_LEAD_OLD_NAME else rule.name,
        }
    )
    return True


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    rewrite_creator_rule(env)
    widen_team_lead_rule(env)
