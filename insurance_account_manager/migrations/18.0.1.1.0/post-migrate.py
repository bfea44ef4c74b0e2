"""The account managers' record rules on policies, claims, service requests and
recommendations test the records' own copy of the client's backup manager
(``backup_manager_id``, created and filled by the models' ``_auto_init``)
instead of going through the client: PostgreSQL reads an OR of two indexed
columns with index scans, where the test through the client made it read every
row. The rules are ``noupdate``: rewritten here, unless an administrator
changed them."""

from odoo import SUPERUSER_ID, api

RULES = {
    "insurance_policy_rule_account_manager": (
        "['|', ('account_manager_id', '=', user.id), "
        "('partner_id.backup_manager_id', '=', user.id)]",
        "['|', ('account_manager_id', '=', user.id), ('backup_manager_id', '=', user.id)]",
    ),
    "insurance_claim_rule_account_manager": (
        "['|', '|', ('account_manager_id', '=', user.id), "
        "('partner_id.backup_manager_id', '=', user.id), ('user_id', '=', user.id)]",
        "['|', '|', ('account_manager_id', '=', user.id), "
        "('backup_manager_id', '=', user.id), ('user_id', '=', user.id)]",
    ),
    "insurance_claim_rule_account_manager_create": (
        "['|', ('account_manager_id', '=', user.id), "
        "('partner_id.backup_manager_id', '=', user.id)]",
        "['|', ('account_manager_id', '=', user.id), ('backup_manager_id', '=', user.id)]",
    ),
    "insurance_service_request_rule_account_manager": (
        "['|', '|', ('user_id', '=', user.id), ('partner_id.backup_manager_id', '=', user.id), "
        "('handler_id', '=', user.id)]",
        "['|', '|', ('user_id', '=', user.id), ('backup_manager_id', '=', user.id), "
        "('handler_id', '=', user.id)]",
    ),
    "insurance_service_recommendation_rule_account_manager": (
        "['|', '|', ('request_id.user_id', '=', user.id), "
        "('request_id.partner_id.backup_manager_id', '=', user.id), "
        "('request_id.handler_id', '=', user.id)]",
        "['|', '|', ('request_id.user_id', '=', user.id), "
        "('request_id.backup_manager_id', '=', user.id), ('request_id.handler_id', '=', user.id)]",
    ),
}


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    for name, (old, new) in RULES.items():
        rule = env.ref(f"insurance_account_manager.{name}", raise_if_not_found=False)
        if rule and rule.domain_force == old:
            rule.domain_force = new
