from odoo import api, models, tools
from odoo.tools import SQL


class InsuranceReportMixin(models.AbstractModel):
    """Base of the insurance reports: a read-only model over an SQL view
    (``_auto = False``), (re)created at each update from the query of
    :meth:`_view_query`. The shared pieces of the queries are in ``sql.py``."""

    _name = "insurance.report.mixin"
    _description = "Insurance Report (SQL view)"

    @api.model
    def _view_query(self):
        """SQL: the query of the view, one row per record."""
        raise NotImplementedError

    def init(self):
        if self._abstract:
            return
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._view_query(),
            )
        )
