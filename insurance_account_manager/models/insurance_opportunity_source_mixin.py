from odoo import _, api, models
from odoo.tools import SQL


class InsuranceOpportunitySourceMixin(models.AbstractModel):
    """What turns into an opportunity for a client's line with one click (a
    coverage gap, a line held with a competitor): records with ``partner_id``
    (the client), ``line_id`` and ``lead_id`` (the client's open opportunity
    for the line, if any), read with the record rules of the caller."""

    _name = "insurance.opportunity.source.mixin"
    _description = "Opportunity Source"

    @api.model
    def _view_flush_fields(self, depends):
        """SQL that flushes, before the view (``_table_query``) is read, the
        stored fields it reads: ``depends`` is {model name: [field names]}."""
        return SQL("").join(
            SQL("", to_flush=self.env[model_name]._fields[fname])
            for model_name, fnames in depends.items()
            for fname in fnames
        )

    def _insurance_opportunity_values(self):
        """The values of the new opportunity of one record: the client, its
        line, a name; a model adds its description and figures."""
        self.ensure_one()
        return {
            "name": _(
                "%(line)s for %(client)s",
                line=self.line_id.name,
                client=self.partner_id.name,
            ),
            "type": "opportunity",
            "partner_id": self.partner_id.id,
            "insurance_line_id": self.line_id.id,
        }

    def action_create_opportunity(self):
        """One opportunity per record without one, for the client's line: the
        client's manager owns it (see crm.lead.create), whoever clicks. Opens
        the opportunity (or the list, for several records)."""
        self.check_access("read")
        # one opportunity per client and line, however many records name it
        todo = {
            (source.partner_id, source.line_id): source
            for source in self.filtered(lambda source: not source.lead_id)
        }
        leads = self.env["crm.lead"].create(
            [source._insurance_opportunity_values() for source in todo.values()]
        )
        leads |= self.lead_id
        # the view now shows the new opportunities
        self.invalidate_model(["lead_id"])
        action = {
            "type": "ir.actions.act_window",
            "res_model": "crm.lead",
            "name": _("Opportunities"),
        }
        if len(leads) == 1:
            return {**action, "view_mode": "form", "views": [(False, "form")], "res_id": leads.id}
        return {
            **action,
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", leads.ids)],
        }
