from odoo import models

from .res_partner import CREATED_IN_CALL, CreatedInCall


class IrRule(models.Model):
    """The record rules may name ``insurance_created_ids``: the partners the
    current user is creating in the call being served (``res.partner.create``,
    and ``web_save`` with its read-back; empty anywhere else), so that the
    ORM writes a new client's inverse fields and the form reads it back in
    the request that creates it, and only then."""

    _inherit = "ir.rule"

    def _insurance_created_ids(self):
        created = self.env.context.get(CREATED_IN_CALL)
        if isinstance(created, CreatedInCall) and created.uid == self.env.uid:
            return tuple(sorted(created.ids))
        return ()

    def _eval_context(self):
        return {**super()._eval_context(), "insurance_created_ids": self._insurance_created_ids()}

    def _compute_domain_context_values(self):
        # _compute_domain is cached on these values: the domains depend on the
        # partners created so far in the call (a context list is not a key)
        yield from super()._compute_domain_context_values()
        yield self._insurance_created_ids()
