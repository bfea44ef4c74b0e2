"""SQL expression of a currency rate, shared by the report views (report/sql.py)
and the coverage gaps; no model here."""

from odoo.tools import SQL


def currency_rate(currency, root, day):
    """SQL expression: the rate of ``currency`` for the root company ``root``
    (SQL expressions) on ``day``, as ``res.currency._get_rates``: the
    company's rate before the shared one, the last one on or before the day,
    else the first one, else 1. A sum in currency A is
    ``sum * rate(B) / rate(A)`` in currency B."""
    return SQL(
        """COALESCE(
            (SELECT cur_rate.rate FROM res_currency_rate cur_rate
              WHERE cur_rate.currency_id = %(currency)s AND cur_rate.name <= %(day)s
                AND (cur_rate.company_id IS NULL OR cur_rate.company_id = %(root)s)
              ORDER BY cur_rate.company_id, cur_rate.name DESC LIMIT 1),
            (SELECT cur_rate.rate FROM res_currency_rate cur_rate
              WHERE cur_rate.currency_id = %(currency)s
                AND (cur_rate.company_id IS NULL OR cur_rate.company_id = %(root)s)
              ORDER BY cur_rate.company_id, cur_rate.name LIMIT 1),
            1.0)""",
        currency=currency,
        root=root,
        day=day,
    )
