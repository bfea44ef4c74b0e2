"""SQL shared by the reporting models and the scorecards.

:func:`manager_on`: who held a client on a day, from the manager history
(``insurance.manager.assignment``). A period runs from ``date_from``
(included) to ``date_to`` (excluded: on the day of a move the new manager
holds the client); planned and cancelled rows never count. Before the
client's first period (a book whose history starts after its policies) the
client counts for the manager of that first period; a client without any
history counts for its current manager; a client between two periods (its
manager was removed) counts for nobody.
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
