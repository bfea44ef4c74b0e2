from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from ..tools import duplicates
from .res_partner import GROUP_INSURANCE_AM
from .res_partner_manager_check import GROUP_INSURANCE_TEAM_LEAD

# The fields a client is recognised by, and the stored key of each criterion.
IDENTIFYING_FIELDS = ("name", "vat", "company_registry", "email", "phone")
KEY_FIELDS = {
    "name": "insurance_name_key",
    "vat": "insurance_vat_key",
    "email": "insurance_email_key",
    "phone": "insurance_phone_key",
}
# Clients read per batch when the keys are filled in at install or upgrade.
KEY_BACKFILL_BATCH = 10000


class ResPartner(models.Model):
    """Duplicate clients (撞单): the same company created twice, by two
    managers who cannot see each other's book.

    Each client stores normalised keys (name without legal form, VAT or
    registry, e-mail, phone: :mod:`..tools.duplicates`). When an account
    manager creates a client, or changes how one is identified, the whole book
    is searched for those keys as the superuser, in one query that returns
    nothing but "exists": the account manager is refused without learning the
    other client's name or manager. Team leads and administrators are warned
    in the form and may go on (they merge later from *Possible Duplicates*)."""

    _inherit = "res.partner"

    insurance_name_key = fields.Char(
        string="Duplicate Key: Name",
        compute="_compute_insurance_keys",
        store=True,
        index="btree_not_null",
        copy=False,
        groups=GROUP_INSURANCE_AM,
        help="The client's name, normalised to recognise duplicates: case, spaces, "
        "punctuation and legal form (Co., Ltd., 有限公司) ignored.",
    )
    insurance_vat_key = fields.Char(
        string="Duplicate Key: Registration",
        compute="_compute_insurance_keys",
        store=True,
        index="btree_not_null",
        copy=False,
        groups=GROUP_INSURANCE_AM,
    )
    insurance_email_key = fields.Char(
        string="Duplicate Key: E-mail",
        compute="_compute_insurance_keys",
        store=True,
        index="btree_not_null",
        copy=False,
        groups=GROUP_INSURANCE_AM,
    )
    insurance_phone_key = fields.Char(
        string="Duplicate Key: Phone",
        compute="_compute_insurance_keys",
        store=True,
        index="btree_not_null",
        copy=False,
        groups=GROUP_INSURANCE_AM,
    )
    insurance_possible_duplicate = fields.Boolean(
        string="Possible Duplicate",
        compute="_compute_insurance_possible_duplicate",
        search="_search_insurance_possible_duplicate",
        groups=GROUP_INSURANCE_TEAM_LEAD,
        help="Another client of the same company has the same name, registration, e-mail or phone.",
    )

    def _auto_init(self):
        # res.partner is large: create the key columns in SQL, then fill them
        # for the clients only (the other partners keep NULL, their value)
        missing = not column_exists(self.env.cr, "res_partner", "insurance_name_key")
        if missing:
            for fname in KEY_FIELDS.values():
                create_column(self.env.cr, "res_partner", fname, "varchar")
        result = super()._auto_init()
        if missing:
            self._insurance_backfill_keys()
        return result

    def _insurance_backfill_keys(self):
        cr = self.env.cr
        cr.execute(
            "SELECT id, name, vat, company_registry, email, phone FROM res_partner "
            "WHERE is_insurance_client ORDER BY id"
        )
        rows = cr.fetchall()
        for start in range(0, len(rows), KEY_BACKFILL_BATCH):
            batch = rows[start : start + KEY_BACKFILL_BATCH]
            keys = [duplicates.client_keys(*row[1:]) for row in batch]
            cr.execute(
                SQL(
                    """
                    UPDATE res_partner AS p
                       SET insurance_name_key = v.name_key, insurance_vat_key = v.vat_key,
                           insurance_email_key = v.email_key, insurance_phone_key = v.phone_key
                      FROM unnest(%s::int[], %s::varchar[], %s::varchar[], %s::varchar[],
                                  %s::varchar[]) AS v(id, name_key, vat_key, email_key, phone_key)
                     WHERE p.id = v.id
                    """,
                    [row[0] for row in batch],
                    [key["name"] for key in keys],
                    [key["vat"] for key in keys],
                    [key["email"] for key in keys],
                    [key["phone"] for key in keys],
                )
            )

    @api.depends("is_insurance_client", *IDENTIFYING_FIELDS)
    def _compute_insurance_keys(self):
        for partner in self:
            keys = (
                partner._insurance_keys_of(partner)
                if partner.is_insurance_client
                else dict.fromkeys(KEY_FIELDS)
            )
            for criterion, fname in KEY_FIELDS.items():
                partner[fname] = keys[criterion] or False

    def _compute_insurance_possible_duplicate(self):
        found = set(self._insurance_duplicate_ids(self.ids)) if self.ids else set()
        for partner in self:
            partner.insurance_possible_duplicate = partner.id in found

    def _search_insurance_possible_duplicate(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(_("Unsupported search on possible duplicates."))
        # a computed field's search is not fenced by its groups as a column is
        self.check_field_access_rights("read", ["insurance_possible_duplicate"])
        ids = self._insurance_duplicate_ids()
        return [("id", "in" if (operator == "=") == value else "not in", ids)]

    @api.model
    def _insurance_keys_of(self, values):
        """The duplicate keys of a partner or of create values."""
        return duplicates.client_keys(*(values[fname] or None for fname in IDENTIFYING_FIELDS))

    @api.model
    def _insurance_duplicate_ids(self, partner_ids=None):
        """Ids of the active clients that share a key with another active client
        of the same company (or shared by all companies), whoever manages them
        (companies and individuals: a company's contact persons are left out);
        only among ``partner_ids`` when given. One query (a hash self-join per
        key); the caller's record rules then fence what it lists."""
        self.flush_model(["is_insurance_client", "active", "company_id", *KEY_FIELDS.values()])
        restrict = SQL("AND p.id = ANY(%s)", list(partner_ids)) if partner_ids else SQL()
        branches = [
            SQL(
                """
                SELECT p.id FROM res_partner p
                  JOIN res_partner o ON o.%(key)s = p.%(key)s AND o.id <> p.id
                   AND o.is_insurance_client AND o.active AND o.parent_id IS NULL
                   AND (o.company_id IS NULL OR p.company_id IS NULL
                        OR o.company_id = p.company_id)
                 WHERE p.is_insurance_client AND p.active AND p.parent_id IS NULL
                   AND p.%(key)s IS NOT NULL %(restrict)s
                """,
                key=SQL.identifier(fname),
                restrict=restrict,
            )
            for fname in KEY_FIELDS.values()
        ]
        self.env.cr.execute(SQL(" UNION ").join(branches))
        return [row[0] for row in self.env.cr.fetchall()]

    @api.model
    def _insurance_find_duplicates(self, candidates, exclude_ids=()):
        """Look the book up for ``candidates`` [(company id, keys)] as the
        superuser: {index in candidates: [(client id, manager id, backup id,
        matched criteria)]}, one query. Only the caller's check uses the ids;
        they never reach a user who cannot read the client."""
        rows = [
            (index, company_id, keys)
            for index, (company_id, keys) in enumerate(candidates)
            if any(keys.values())
        ]
        if not rows:
            return {}
        self.flush_model(
            [
                "is_insurance_client",
                "active",
                "company_id",
                "parent_id",
                "account_manager_id",
                "backup_manager_id",
                *KEY_FIELDS.values(),
            ]
        )
        self.env.cr.execute(
            SQL(
                """
                SELECT v.n, p.id, p.account_manager_id, p.backup_manager_id,
                       p.insurance_name_key = v.name_key, p.insurance_vat_key = v.vat_key,
                       p.insurance_email_key = v.email_key, p.insurance_phone_key = v.phone_key
                  FROM unnest(%(n)s::int[], %(companies)s::int[], %(names)s::varchar[],
                              %(vats)s::varchar[], %(emails)s::varchar[], %(phones)s::varchar[])
                       AS v(n, company_id, name_key, vat_key, email_key, phone_key)
                  JOIN res_partner p
                    ON p.is_insurance_client AND p.active AND p.parent_id IS NULL
                   AND p.id <> ALL(%(exclude)s::int[])
                   AND (p.company_id IS NULL OR v.company_id IS NULL
                        OR p.company_id = v.company_id)
                   AND (p.insurance_name_key = v.name_key OR p.insurance_vat_key = v.vat_key
                        OR p.insurance_email_key = v.email_key
                        OR p.insurance_phone_key = v.phone_key)
              ORDER BY v.n, p.id
                """,
                n=[row[0] for row in rows],
                companies=[row[1] or None for row in rows],
                names=[row[2]["name"] for row in rows],
                vats=[row[2]["vat"] for row in rows],
                emails=[row[2]["email"] for row in rows],
                phones=[row[2]["phone"] for row in rows],
                exclude=list(exclude_ids),
            )
        )
        found = {}
        for index, client_id, manager_id, backup_id, *matched in self.env.cr.fetchall():
            criteria = tuple(
                criterion for criterion, hit in zip(KEY_FIELDS, matched, strict=True) if hit
            )
            found.setdefault(index, []).append((client_id, manager_id, backup_id, criteria))
        return found

    @api.model
    def _insurance_duplicate_criteria_label(self, criteria):
        labels = {
            "name": _("name"),
            "vat": _("VAT or company registry"),
            "email": _("e-mail"),
            "phone": _("phone"),
        }
        return ", ".join(labels[criterion] for criterion in criteria)

    @api.model
    def _insurance_is_plain_manager(self):
        """An account manager below team lead: the user the duplicate check
        refuses (team leads and administrators are warned only)."""
        user = self.env.user
        return (
            not self.env.su
            and user.has_group(GROUP_INSURANCE_AM)
            and not user.has_group(GROUP_INSURANCE_TEAM_LEAD)
        )

    def _insurance_raise_duplicates(self, found):
        """Refuse with the check's message: the clients found are named only
        when they are the user's own (manager or backup)."""
        uid = self.env.uid
        for matches in found.values():
            criteria = sorted({c for *_ids, crit in matches for c in crit})
            label = self._insurance_duplicate_criteria_label(
                [c for c in KEY_FIELDS if c in criteria]
            )
            others = [m for m in matches if uid not in (m[1], m[2])]
            if others:
                raise UserError(
                    _(
                        "This client is already served by another account manager (same "
                        "%(criteria)s); ask your team lead.",
                        criteria=label,
                    )
                )
            own = self.browse([m[0] for m in matches])
            raise UserError(
                _(
                    "This client is already in your book (same %(criteria)s): %(clients)s.",
                    criteria=label,
                    clients=", ".join(own.mapped("display_name")),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        if self._insurance_is_plain_manager():
            default_client = self.default_get(["is_insurance_client"]).get("is_insurance_client")
            defaults = self.default_get(list(IDENTIFYING_FIELDS) + ["company_id"])
            candidates = []
            for vals in vals_list:
                # a company's contact persons are not entries of the book
                if not vals.get("is_insurance_client", default_client) or vals.get("parent_id"):
                    continue
                values = {**defaults, **vals}
                keys = self._insurance_keys_of(
                    {fname: values.get(fname) for fname in IDENTIFYING_FIELDS}
                )
                candidates.append((values.get("company_id") or None, keys))
            found = self.sudo()._insurance_find_duplicates(candidates) if candidates else {}
            if found:
                self._insurance_raise_duplicates(found)
        return super().create(vals_list)

    def write(self, vals):
        result = super().write(vals)
        changed = [fname for fname in IDENTIFYING_FIELDS if fname in vals]
        if changed and self._insurance_is_plain_manager():
            clients = self.sudo().filtered(lambda p: p.is_insurance_client and not p.parent_id)
            criteria = {c for c in KEY_FIELDS if c in changed}
            if "company_registry" in changed:
                criteria.add("vat")
            candidates = []
            for client in clients:
                keys = self._insurance_keys_of(client)
                candidates.append(
                    (
                        client.company_id.id or None,
                        {c: (keys[c] if c in criteria else None) for c in KEY_FIELDS},
                    )
                )
            found = (
                self.sudo()._insurance_find_duplicates(candidates, exclude_ids=clients.ids)
                if candidates
                else {}
            )
            if found:
                self._insurance_raise_duplicates(found)
        return result

    @api.onchange(*IDENTIFYING_FIELDS)
    def _onchange_insurance_duplicate(self):
        """Warn in the form as soon as the client looks like one of the book
        (the same words as the check on save; nothing of the other client)."""
        if self.env.su or not self.env.user.has_group(GROUP_INSURANCE_AM):
            return None
        if not self.is_insurance_client or self.parent_id:
            return None
        keys = self._insurance_keys_of(self)
        found = self.sudo()._insurance_find_duplicates(
            [(self.company_id.id or None, keys)], exclude_ids=self._origin.ids
        )
        if not found:
            return None
        criteria = {c for *_ids, crit in found[0] for c in crit}
        label = self._insurance_duplicate_criteria_label([c for c in KEY_FIELDS if c in criteria])
        if self._insurance_is_plain_manager():
            uid = self.env.uid
            if all(uid in (m[1], m[2]) for m in found[0]):
                message = _(
                    "This client is already in your book (same %(criteria)s).", criteria=label
                )
            else:
                message = _(
                    "This client is already served by another account manager (same "
                    "%(criteria)s); ask your team lead.",
                    criteria=label,
                )
        else:
            message = _(
                "A client with the same %(criteria)s is already in the book. You may save; "
                "check Possible Duplicates and merge them if they are one company.",
                criteria=label,
            )
        return {"warning": {"title": _("Possible duplicate client"), "message": message}}

    def action_insurance_merge_duplicates(self):
        """Odoo's contact merge for the selected clients (team leads: their
        teams' clients; administrators: any), at most three at a time as
        the merge allows."""
        if not self.env.user.has_group(GROUP_INSURANCE_TEAM_LEAD):
            raise AccessError(_("Only team leads and administrators merge duplicate clients."))
        if len(self) < 2:
            raise UserError(_("Select the two or three clients that are one company."))
        self.check_access("write")
        return {
            "type": "ir.actions.act_window",
            "res_model": "base.partner.merge.automatic.wizard",
            "view_mode": "form",
            "views": [[False, "form"]],
            "target": "new",
            "name": _("Merge Clients"),
            "context": {"active_model": "res.partner", "active_ids": self.ids},
        }

    def _insurance_after_merge(self):
        """The client kept by a merge got the other clients' records by SQL:
        recompute what the ORM would have (manager copies on the records, the
        premium, the client flag) and end the history rows that came with them
        (one current period per client, the kept client's manager's)."""
        # every record of the kept client, archived and closed ones included:
        # their stored copies of the manager were moved with them
        for model_name in {copy[0] for copy in self._insurance_manager_copies()} | {
            "insurance.policy"
        }:
            Model = self.env[model_name].with_context(active_test=False)
            if "partner_id" in Model._fields:
                Model.search([("partner_id", "in", self.ids)]).modified(["partner_id"])
        self.modified(["insurance_policy_ids"])
        self.env.flush_all()
        today = fields.Date.context_today(self)
        History = self.env["insurance.manager.assignment"]
        current = History.search(
            [("partner_id", "in", self.ids), ("state", "=", "current")], order="id"
        )
        kept = {}
        for row in current:
            if row.user_id == row.partner_id.account_manager_id:
                kept.setdefault(row.partner_id.id, row)
        (current - History.union(*kept.values()))._close(today)
