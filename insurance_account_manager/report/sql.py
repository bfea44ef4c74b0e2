"""SQL shared by the reporting models and the scorecards.

:func:`manager_on`: who held a client on a day, from the manager history
(``insurance.manager.assignment``). A period runs from ``date_from``
(included) to ``date_to`` (excluded: on the day of a move the new manager
holds the client); planned and cancelled rows never count. Before the
client's first period (a book whose history starts after its policies) the
client counts for the manager of that first period; a client without any
history counts for its current manager; a client between two periods (its
manager was removed) counts for nobody. :func:`managers_on` and
:func:`manager_of` give the same for one fixed day in one pass over the
history (a join), for whole-book figures such as the scorecards'.

Also the shared pieces of every report view: the team of the manager
(:func:`with_team`), the company's currency and time zone
(:func:`join_company`), the day of a datetime in the company's time zone
(:func:`local_date`) and amounts in the company's currency
(:func:`company_amount`).
"""

from odoo.tools import SQL

from ..models.currency_sql import currency_rate

HISTORY_STATES = ("current", "ended")


def manager_on(partner, day, current_manager):
    """SQL expression: the manager of the client ``partner`` (an SQL column)
    on ``day`` (an SQL date expression, or a date); ``current_manager`` the
    client's current manager column, for a client without history.

    One aggregate over the client's history rows: one index probe per row
    where three subqueries asked the history up to twice. The planner costs
    a subquery per row of the table scanned, so the three made the report
    views' plans three times as costly, further past PostgreSQL's JIT
    thresholds. For one fixed day over a whole book, :func:`managers_on`
    reads the history once."""
    return SQL(
        """(SELECT CASE WHEN bool_or(h.date_from <= %(day)s)
                    THEN (array_agg(h.user_id ORDER BY h.date_from DESC, h.id DESC)
                          FILTER (WHERE h.date_from <= %(day)s
                                    AND (h.date_to IS NULL OR h.date_to > %(day)s)))[1]
                    ELSE COALESCE((array_agg(h.user_id ORDER BY h.date_from, h.id))[1],
                                  %(current)s)
                    END
              FROM insurance_manager_assignment h
             WHERE h.partner_id = %(partner)s AND h.state IN %(states)s)""",
        partner=partner,
        day=day,
        states=HISTORY_STATES,
        current=current_manager,
    )


def managers_on(alias, partner, day):
    """SQL join clause: ``alias``, the manager history of each client summed
    up for one fixed ``day`` (a date), joined to the client column
    ``partner``: one grouped pass over the history for a whole book instead
    of one probe per row. :func:`manager_of` reads the manager from it."""
    return SQL(
        """LEFT JOIN (
            SELECT h.partner_id,
                   bool_or(h.date_from <= %(day)s) AS started,
                   (array_agg(h.user_id ORDER BY h.date_from DESC, h.id DESC)
                    FILTER (WHERE h.date_from <= %(day)s
                              AND (h.date_to IS NULL OR h.date_to > %(day)s)))[1] AS on_day,
                   (array_agg(h.user_id ORDER BY h.date_from, h.id))[1] AS first_user_id
              FROM insurance_manager_assignment h
             WHERE h.state IN %(states)s
             GROUP BY h.partner_id
        ) AS %(alias)s ON %(alias)s.partner_id = %(partner)s""",
        alias=SQL.identifier(alias),
        partner=partner,
        day=day,
        states=HISTORY_STATES,
    )


def manager_of(alias, current_manager):
    """SQL expression: the manager on the day of the history joined as
    ``alias`` (:func:`managers_on`), as :func:`manager_on` gives it."""
    return SQL(
        """CASE WHEN %(alias)s.partner_id IS NULL THEN %(current)s
                WHEN %(alias)s.started THEN %(alias)s.on_day
                ELSE COALESCE(%(alias)s.first_user_id, %(current)s) END""",
        alias=SQL.identifier(alias),
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


def join_company(alias, company):
    """SQL join clause: ``alias``, the facts of the company ``company`` (an
    SQL column) the other helpers use, one small row per company joined
    once (not a subquery per row): ``currency_id``, ``root_id`` (the root
    company, whose rates count) and ``tz``, the time zone the company's days
    are cut in: its partner's (its address), else its working calendar's
    (the one the SLAs run on), else UTC."""
    return SQL(
        """LEFT JOIN (
            SELECT company.id, company.currency_id,
                   split_part(company.parent_path, '/', 1)::int AS root_id,
                   COALESCE(NULLIF(company_partner.tz, ''), NULLIF(calendar.tz, ''), 'UTC') AS tz
              FROM res_company company
              JOIN res_partner company_partner ON company_partner.id = company.partner_id
              LEFT JOIN resource_calendar calendar ON calendar.id = company.resource_calendar_id
        ) AS %(alias)s ON %(alias)s.id = %(company)s""",
        alias=SQL.identifier(alias),
        company=company,
    )


def local_date(moment, company_alias):
    """SQL expression: the day of ``moment`` (a UTC datetime column, as Odoo
    stores them) in the time zone of the company joined as ``company_alias``
    (:func:`join_company`); UTC without company."""
    return SQL(
        "((%s AT TIME ZONE 'UTC') AT TIME ZONE COALESCE(%s, 'UTC'))::date",
        moment,
        SQL.identifier(company_alias, "tz"),
    )


def company_amount(amount, currency, company_alias, day):
    """SQL expression: ``amount``, in ``currency``, converted to the currency
    of the company joined as ``company_alias`` (:func:`join_company`) at the
    rate of ``day``, as ``res.currency._convert`` without rounding (the
    report sums it). An amount without currency or company, or already in
    the company's currency (no rate read), is left as it is."""
    company_currency = SQL.identifier(company_alias, "currency_id")
    root = SQL.identifier(company_alias, "root_id")
    return SQL(
        """CASE WHEN %(currency)s IS NULL OR %(company_currency)s IS NULL
                  OR %(currency)s = %(company_currency)s
                THEN COALESCE(%(amount)s, 0)
                ELSE COALESCE(%(amount)s, 0) * %(company_rate)s / NULLIF(%(rate)s, 0) END""",
        amount=amount,
        currency=currency,
        company_currency=company_currency,
        company_rate=currency_rate(company_currency, root, day),
        rate=currency_rate(currency, root, day),
    )
