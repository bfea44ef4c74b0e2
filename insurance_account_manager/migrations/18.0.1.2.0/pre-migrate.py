"""A new database requires a valid qualification to take clients (Settings,
*Managers Need a Valid Qualification*): a missing parameter now means on.
Before 18.0.1.2.0 it meant off, the default then, so a database that never
turned the option on keeps it off, written out; one that turned it on keeps
it on."""

from odoo import SUPERUSER_ID, api

PARAM = "insurance_account_manager.require_qualification"


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    params = env["ir.config_parameter"]
    if params.get_param(PARAM) is False:
        params.set_param(PARAM, "False")
