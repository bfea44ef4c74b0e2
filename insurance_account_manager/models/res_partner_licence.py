from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .res_partner_manager_check import GROUP_INSURANCE_TEAM_LEAD

# Policies whose line the manager must be licensed for (as for the assignment
# rules, see _insurance_assignment_needs).
LICENSED_POLICY_STATES = ("draft", "active")


class ResPartner(models.Model):
    """Licences: does the client's manager hold a valid licence
    (insurance.qualification) for each line of business of the client's open
    policies? The reassignment wizard warns per client, and team leads list
    the clients whose manager does not."""

    _inherit = "res.partner"

    insurance_manager_unlicensed = fields.Boolean(
        string="Manager Unlicensed",
        compute="_compute_insurance_manager_unlicensed",
        search="_search_insurance_manager_unlicensed",
        groups=GROUP_INSURANCE_TEAM_LEAD,
        help="The account manager holds no valid licence for some line of business of the "
        "client's open policies.",
    )

    def _compute_insurance_manager_unlicensed(self):
        unlicensed = set(self._insurance_unlicensed_ids(self.ids)) if self.ids else set()
        for partner in self:
            partner.insurance_manager_unlicensed = partner.id in unlicensed

    def _search_insurance_manager_unlicensed(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on unlicensed managers."))
        # a computed field's search is not fenced by its groups as a column is
        self.check_field_access_rights("read", ["insurance_manager_unlicensed"])
        ids = self._insurance_unlicensed_ids()
        return [("id", "in" if (operator == "=") == value else "not in", ids)]

    @api.model
    def _insurance_unlicensed_ids(self, partner_ids=None):
        """Ids of the clients (among ``partner_ids`` when given) with an open
        policy of a line their manager holds no valid licence for: one query
        over the book (the caller's record rules then fence what it lists)."""
        Qualification = self.env["insurance.qualification"]
        for model in ("res.partner", "insurance.policy", "insurance.qualification"):
            self.env[model].flush_model()
        line_field = Qualification._fields["line_ids"]
        restrict = SQL("AND p.id = ANY(%s)", list(partner_ids)) if partner_ids else SQL()
        self.env.cr.execute(
            SQL(
                """
                SELECT DISTINCT p.id
                  FROM res_partner p
                  JOIN insurance_policy pol
                    ON pol.partner_id = p.id AND pol.active AND pol.line_id IS NOT NULL
                   AND pol.state IN %(states)s
                 WHERE p.is_insurance_client AND p.account_manager_id IS NOT NULL %(restrict)s
                   AND NOT EXISTS (
                       SELECT 1
                         FROM insurance_qualification q
                         JOIN %(rel)s r ON r.%(col_q)s = q.id
                        WHERE q.user_id = p.account_manager_id AND q.active
                          AND (q.date_expiry IS NULL OR q.date_expiry >= %(today)s)
                          AND r.%(col_line)s = pol.line_id
                   )
                """,
                states=LICENSED_POLICY_STATES,
                restrict=restrict,
                rel=SQL.identifier(line_field.relation),
                col_q=SQL.identifier(line_field.column1),
                col_line=SQL.identifier(line_field.column2),
                today=fields.Date.context_today(self),
            )
        )
        return [row[0] for row in self.env.cr.fetchall()]

    def _insurance_licence_gaps(self, user_by_partner):
        """{partner id: insurance.line} for the clients of ``self`` whose
        manager-to-be ``user_by_partner`` {partner id: user id} holds no valid
        licence for some lines of their open policies (those lines). Two
        queries whatever the number of clients."""
        if not user_by_partner:
            return {}
        Line = self.env["insurance.line"]
        lines = defaultdict(set)
        for partner, line in (
            self.env["insurance.policy"]
            .sudo()
            ._read_group(
                [
                    ("partner_id", "in", list(user_by_partner)),
                    ("state", "in", LICENSED_POLICY_STATES),
                    ("line_id", "!=", False),
                ],
                ["partner_id", "line_id"],
            )
        ):
            lines[partner.id].add(line.id)
        licensed = defaultdict(set)
        for qualification in (
            self.env["insurance.qualification"]
            .sudo()
            .search(
                [
                    ("user_id", "in", list(set(user_by_partner.values()))),
                    ("is_valid", "=", True),
                ]
            )
        ):
            licensed[qualification.user_id.id].update(qualification.line_ids.ids)
        gaps = {}
        for partner_id, user_id in user_by_partner.items():
            missing = lines[partner_id] - licensed[user_id]
            if missing:
                gaps[partner_id] = Line.browse(sorted(missing))
        return gaps
