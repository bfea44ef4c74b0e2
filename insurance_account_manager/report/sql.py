"""SQL shared by the reporting models and the scorecards.

:func:`manager_on`: who held a client on a day, from the manager history
(``insurance.manager.assignment``). A period runs from ``date_from``
(included) to ``date_to`` (excluded: on the day of a move the new manager
holds the client); planned and cancelled rows never count. Before the
client's first period (a book whose history starts after its policies) the
client counts for the manager of that first period; a client without any
history counts for its current manager; a client between two periods (its
manager was removed) counts for nobody.

Also the shared pieces of every report view: the team of the manager
(:func:`with_team`), the day of a datetime in the company's time zone
(:func:`local_date`) and amounts in the company's currency
(:func:`company_amount`).
"""

from odoo.tools import SQL

HISTORY_STATES = ("current", "ended")


def manager_on(partner, day, current_manager):
    """SQL expression: the manager of the client ``partner`` (an SQL column)
    on ``day`` (an SQL date expression, or a date); ``current_manager`` the
    client's current manager column, for a client without history."""
    return SQL(
        """CASE WHEN EXISTS (
                SELECT 1 FROM insurance_manager_assignment h
                 WHERE h.partner_id = %(partner)s AND h.state IN %(states)s
                   AND h.date_from <= %(day)s)
            THEN (SELECT h.user_id FROM insurance_manager_assignment h
                   WHERE h.partner_id = %(partner)s AND h.state IN %(states)s
                     AND h.date_from <= %(day)s
                     AND (h.date_to IS NULL OR h.date_to > %(day)s)
                   ORDER BY h.date_from DESC, h.id DESC LIMIT 1)
            ELSE COALESCE(
                (SELECT h.user_id FROM insurance_manager_assignment h
                  WHERE h.partner_id = %(partner)s AND h.state IN %(states)s
                  ORDER BY h.date_from, h.id LIMIT 1),
                %(current)s)
            END""",
        partner=partner,
        day=day,
        states=HISTORY_STATES,
        current=current_manager,
    )


def user_team(user):
    """SQL expression: the first sales team the user ``user`` (an SQL column)
    is an active member of, whose leader is the user's team lead."""
    return SQL(
        """(SELECT m.crm_team_id FROM crm_team_member m
             WHERE m.user_id = %s AND m.active
             ORDER BY m.crm_team_id LIMIT 1)""",
        user,
    )


def held_by(partner, day, current_manager):
    """SQL expression: the manager of an event of the client ``partner`` that
    happened on ``day`` (:func:`manager_on`), the client's current manager
    while ``day`` is null (an event still open)."""
    return SQL(
        "CASE WHEN %(day)s IS NULL THEN %(current)s ELSE %(manager)s END",
        day=day,
        current=current_manager,
        manager=manager_on(partner, day, current_manager),
    )


def with_team(query, user="user_id"):
    """SQL query: the rows of ``query`` with ``team_id``, the team of their
    manager (the column ``user`` of ``query``)."""
    return SQL(
        "SELECT base.*, %(team)s AS team_id FROM (%(query)s) base",
        team=user_team(SQL.identifier("base", user)),
        query=query,
    )


def company_tz(company):
    """SQL expression: the time zone the days of ``company`` (an SQL column)
    are cut in: the time zone of the company's partner (its address), else
    that of its working calendar (the one the SLAs run on), else UTC."""
    return SQL(
        """COALESCE(
            (SELECT NULLIF(tz_partner.tz, '') FROM res_company tz_company
               JOIN res_partner tz_partner ON tz_partner.id = tz_company.partner_id
              WHERE tz_company.id = %(company)s),
            (SELECT NULLIF(tz_calendar.tz, '') FROM res_company tz_company
               JOIN resource_calendar tz_calendar
                 ON tz_calendar.id = tz_company.resource_calendar_id
              WHERE tz_company.id = %(company)s),
            'UTC')""",
        company=company,
    )


def local_date(moment, company):
    """SQL expression: the day, in the time zone of ``company``, of
    ``moment`` (a UTC datetime column, as Odoo stores them)."""
    return SQL(
        "((%(moment)s AT TIME ZONE 'UTC') AT TIME ZONE %(tz)s)::date",
        moment=moment,
        tz=company_tz(company),
    )


def _currency_rate(currency, root, day):
    """SQL expression: the rate of ``currency`` for the root company ``root``
    on ``day``, as ``res.currency._get_rates``: the company's rate before the
    shared one, the last one on or before the day, else the first one, else 1."""
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


def company_amount(amount, currency, company, day):
    """SQL expression: ``amount``, in ``currency``, converted to the currency
    of ``company`` at the rate of ``day`` (as ``res.currency._convert``,
    without rounding: the report sums it). An amount without currency, or
    already in the company's, is left as it is."""
    root = SQL("split_part(cur_company.parent_path, '/', 1)::int")
    return SQL(
        """(COALESCE(%(amount)s, 0) * COALESCE(
            (SELECT CASE WHEN %(currency)s IS NULL OR cur_company.currency_id = %(currency)s
                         THEN 1.0 ELSE %(company_rate)s / NULLIF(%(rate)s, 0) END
               FROM res_company cur_company WHERE cur_company.id = %(company)s), 1.0))""",
        amount=amount,
        currency=currency,
        company=company,
        company_rate=_currency_rate(SQL("cur_company.currency_id"), root, day),
        rate=_currency_rate(currency, root, day),
    )


def company_currency(company):
    """SQL expression: the currency of ``company``."""
    return SQL(
        "(SELECT cur_company.currency_id FROM res_company cur_company WHERE cur_company.id = %s)",
        company,
    )
