from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from ..tools import validation
from .install_sql import create_many2one_columns

# Groups shared by the client, tiering and assignment files of res.partner.
# The insurance fields of a partner are the client book: users outside these
# groups (plain employees, portal users) see partners as contacts only; a
# service handler reads the client flag alone (see readme/SECURITY.md).
GROUP_INSURANCE_HANDLER = "insurance_account_manager.insurance_group_service_handler"
GROUP_INSURANCE_AM = "insurance_account_manager.insurance_group_account_manager"
GROUP_INSURANCE_TEAM_LEAD = "insurance_account_manager.insurance_group_team_lead"
GROUP_INSURANCE_ADMIN = "insurance_account_manager.insurance_group_admin"
INSURANCE_GROUPS = (GROUP_INSURANCE_HANDLER, GROUP_INSURANCE_AM, GROUP_INSURANCE_ADMIN)
# The client's smart buttons: (kind, model, domain besides the client), counted
# in one statement (see _compute_insurance_counts).
INSURANCE_COUNTS = (
    ("policy", "insurance.policy", []),
    ("claim", "insurance.claim", []),
    ("request", "insurance.service.request", [("stage_state", "=", "open")]),
)
# The client form's list of records (see web_read); the other records of a
# client (claims, requests, opportunities, needs analyses, histories) open
# from its smart buttons and links, as crm's partner form opens opportunities.
INSURANCE_LINE_FIELDS = ("insurance_policy_ids",)


# the context key of web_save's read-back (see ResPartner.web_save)
CREATED_IN_CALL = "insurance_created_in_call"


class CreatedInCall:
    """The partners ``uid`` created in one call (a ``create``, or a web_save
    with its read-back): readable and writable in that call only, whoever
    the rules then made their manager. An object, so that no client can put
    it in a context."""

    __slots__ = ("ids", "uid")

    def __init__(self, uid):
        self.uid = uid
        self.ids = set()


def with_rule_fields(records, field_names):
    """``field_names`` and the stored fields that the current user's read rules
    of ``records``' model test (the manager, its backup copy, the company),
    for ``search_fetch``: the records come with them, and ``read`` checks the
    rules on them in memory (``_check_access``) instead of fetching each page
    of records a second time."""
    if records.env.su or not field_names:
        return field_names
    domain = records.env["ir.rule"]._compute_domain(records._name, "read")
    tested = {
        leaf[0].split(".", 1)[0]
        for leaf in domain or ()
        if isinstance(leaf, (list, tuple)) and isinstance(leaf[0], str)
    }
    missing = [
        fname
        for fname in sorted(tested - set(field_names))
        if fname in records._fields
        and records._fields[fname].store
        and records._fields[fname].is_accessible(records.env)
    ]
    return [*field_names, *missing] if missing else field_names


class ResPartner(models.Model):
    """The insurance client: relationship, book of business and its actions.
    The tiering engine is in res_partner_tiering.py, the assignment engine in
    res_partner_assignment.py."""

    _name = "res.partner"
    _inherit = ["res.partner", "insurance.input.mixin"]
    _insurance_input_limits = {
        "insurance_tier_lock_reason": validation.LINE,
        "insurance_tier_request_reason": validation.LINE,
    }

    # Relationship
    is_insurance_client = fields.Boolean(
        string="Insurance Client",
        compute="_compute_is_insurance_client",
        store=True,
        readonly=False,
        index=True,
        copy=False,
        groups=GROUP_INSURANCE_HANDLER,
        help="Clients are served by an account manager. A partner becomes a client "
        "as soon as it holds a policy.",
    )
    account_manager_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        tracking=True,
        index="btree_not_null",
        check_company=True,
        copy=False,
        groups=GROUP_INSURANCE_AM,
        domain=[("share", "=", False)],
        help="The one person accountable for this client, from underwriting to claims.",
    )
    backup_manager_id = fields.Many2one(
        "res.users",
        string="Backup Manager",
        tracking=True,
        index="btree_not_null",
        check_company=True,
        copy=False,
        groups=GROUP_INSURANCE_AM,
        domain=[("share", "=", False)],
        help="Takes over while the account manager is absent.",
    )
    # Book of business
    insurance_policy_ids = fields.One2many(
        "insurance.policy", "partner_id", string="Policies", groups=GROUP_INSURANCE_AM
    )
    insurance_claim_ids = fields.One2many(
        "insurance.claim", "partner_id", string="Claims", groups=GROUP_INSURANCE_AM
    )
    insurance_policy_count = fields.Integer(
        compute="_compute_insurance_counts", groups=GROUP_INSURANCE_AM
    )
    insurance_claim_count = fields.Integer(
        compute="_compute_insurance_counts", groups=GROUP_INSURANCE_AM
    )
    insurance_request_count = fields.Integer(
        string="Open Request Count",
        compute="_compute_insurance_counts",
        groups=GROUP_INSURANCE_AM,
    )
    insurance_currency_id = fields.Many2one(
        "res.currency", compute="_compute_insurance_currency_id"
    )
    annual_premium = fields.Monetary(
        compute="_compute_annual_premium",
        store=True,
        currency_field="insurance_currency_id",
        groups=GROUP_INSURANCE_AM,
        help="Sum of the annual premiums of the client's active policies, in the "
        "currency of the client's company.",
    )

    def _auto_init(self):
        # res.partner is large on a live database: create the new stored computed
        # columns in SQL so that the ORM does not compute them row by row at install.
        # No partner has a policy yet: the columns stay NULL, which the ORM reads as
        # 0 and False (and a domain such as ('is_insurance_client', '=', False)
        # matches NULL too), so no UPDATE rewrites the whole table.
        if not column_exists(self.env.cr, "res_partner", "annual_premium"):
            create_column(self.env.cr, "res_partner", "annual_premium", "numeric")
        if not column_exists(self.env.cr, "res_partner", "is_insurance_client"):
            create_column(self.env.cr, "res_partner", "is_insurance_client", "boolean")
        # the managers and tiers: no read of the whole table to check each key
        create_many2one_columns(self)
        return super()._auto_init()

    @api.depends("insurance_policy_ids")
    def _compute_is_insurance_client(self):
        for partner in self:
            partner.is_insurance_client = partner.is_insurance_client or bool(
                partner.insurance_policy_ids
            )

    def _insurance_count_parts(self):
        """[(kind, model, domain besides the client, the client field)] of the
        counts of _compute_insurance_counts."""
        return [(kind, model, domain, "partner_id") for kind, model, domain in INSURANCE_COUNTS]

    def _insurance_grouped(self, parts):
        """{kind: {partner id: count}} of ``parts`` [(kind, model, domain,
        client field)] for the partners of ``self``, of what the user may read
        (each model's search query, its record rules included): one statement
        for all the parts."""
        ids = [partner._origin.id for partner in self if partner._origin.id]
        found = {kind: {} for kind, *_rest in parts}
        statements = []
        for kind, model, domain, partner_field in parts:
            Model = self.env[model]
            if not ids or not Model.has_access("read"):
                continue
            query = Model._search([(partner_field, "in", ids), *domain])
            if query.is_empty():
                continue
            partner = SQL.identifier(query.table, partner_field)
            query.groupby = partner
            statements.append(SQL("(%s)", query.select(SQL("%s", kind), partner, SQL("COUNT(*)"))))
        if statements:
            for kind, partner_id, value in self.env.execute_query(
                SQL(" UNION ALL ").join(statements)
            ):
                found[kind][partner_id] = value
        return found

    def _compute_insurance_counts(self):
        """The smart buttons' counts, of what the user may read (the record
        rules apply): the grouped counts in one statement, as the client form
        shows them at once."""
        counts = self._insurance_grouped(self._insurance_count_parts())
        self._insurance_set_counts(counts)

    def _insurance_set_counts(self, counts):
        """Set the fields of _compute_insurance_counts from ``counts``,
        {kind: {partner id: count}}."""
        for partner in self:
            partner_id = partner._origin.id
            partner.insurance_policy_count = counts["policy"].get(partner_id, 0)
            partner.insurance_claim_count = counts["claim"].get(partner_id, 0)
            partner.insurance_request_count = counts["request"].get(partner_id, 0)

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_insurance_currency_id(self):
        for partner in self:
            partner.insurance_currency_id = (
                partner.company_id.currency_id or self.env.company.currency_id
            )

    @api.depends(
        "insurance_policy_ids.premium",
        "insurance_policy_ids.state",
        "insurance_policy_ids.currency_id",
        "insurance_policy_ids.active",
    )
    def _compute_annual_premium(self):
        premiums = (
            self.env["insurance.policy"]
            .sudo()
            ._read_group(
                [("partner_id", "in", self.ids), ("state", "=", "active")],
                ["partner_id", "currency_id"],
                ["premium:sum"],
            )
        )
        totals = dict.fromkeys(self, 0.0)
        today = fields.Date.context_today(self)
        for partner, currency, premium in premiums:
            company = partner.company_id or self.env.company
            totals[partner] += currency._convert(premium, company.currency_id, company, today)
        for partner in self:
            partner.annual_premium = totals.get(partner, 0.0)

    @api.constrains("account_manager_id", "backup_manager_id", "company_id")
    def _check_backup_manager(self):
        for partner in self:
            if (
                partner.backup_manager_id
                and partner.backup_manager_id == partner.account_manager_id
            ):
                raise ValidationError(
                    _(
                        "%(client)s: the backup manager must be someone other than the "
                        "account manager.",
                        client=partner.display_name,
                    )
                )
        self._check_company(["account_manager_id", "backup_manager_id"])

    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        # with the fields the read rules test (the manager, the backup, the
        # company): a list's read checks the rules in memory
        field_names = with_rule_fields(self, field_names)
        return super().search_fetch(domain, field_names, offset, limit, order)

    def web_save(self, vals, specification, next_id=None):
        # The form creates a client and reads it back in one request; the
        # assignment rules may have given it to another manager, whom the
        # creator cannot read. The read-back of that request, and only it,
        # may read the partners the call created: the rule "created in the
        # saving call" (ir_rule.py, security/res_partner_security.xml).
        if self or next_id or self.env.su or self._insurance_created_in_call() is not None:
            return super().web_save(vals, specification, next_id=next_id)
        created = CreatedInCall(self.env.uid)
        return super(ResPartner, self.with_context(**{CREATED_IN_CALL: created})).web_save(
            vals, specification
        )

    def web_read(self, specification):
        self._insurance_fetch_lines(specification)
        self._insurance_prefetch_m2o_names(specification)
        return super().web_read(specification)

    def _insurance_prefetch_m2o_names(self, specification):
        """The display names of the form's many2one fields read at once per
        model: web_read reads each field's names apart, and a user's name costs
        two queries (users, then partners), so the salesperson, the account
        manager and the backup cost six. Fetches what ``read`` fetches (the
        fields of ``specification``, the same checks, and the fields the read
        rules test), then the names of the
        values as web_read reads them (``sudo``); web_read then finds all of it
        in memory."""
        by_model = defaultdict(list)
        for fname, spec in specification.items():
            field = self._fields.get(fname)
            if (
                field
                and field.store
                and field.type == "many2one"
                and "display_name" in spec.get("fields", ())
            ):
                by_model[field.comodel_name].append(fname)
        if not any(len(fnames) > 1 for fnames in by_model.values()):
            return
        # with the fields the read rules test: read() then checks them in memory
        self.fetch(
            with_rule_fields(self, [fname for fname in specification if fname in self._fields])
        )
        for model, fnames in by_model.items():
            if len(fnames) > 1:
                ids = {id_ for fname in fnames for id_ in self[fname]._ids}
                self.env[model].browse(ids).sudo().mapped("display_name")

    def _insurance_fetch_lines(self, specification):
        """The client form's list of policies fetched
        with the fields the form shows, in the search that finds them, as a
        list view's web_search_read does: the web client's read of the form
        then finds them in memory, instead of one search and one read per list.
        Same records, order and access rules as the one2many's own read."""
        for fname in INSURANCE_LINE_FIELDS:
            spec = specification.get(fname)
            field = self._fields[fname]
            if not (spec and spec.get("fields")) or not field.is_accessible(self.env):
                continue
            comodel = self.env[field.comodel_name].with_context(active_test=False, **field.context)
            shown = [
                name
                for name in spec["fields"]
                if name in comodel._fields
                and comodel._fields[name].store
                and comodel._fields[name].is_accessible(comodel.env)
            ]
            names = [field.inverse_name, *shown]
            if comodel._active_name:
                names.append(comodel._active_name)
            domain = field.get_domain_list(self) + [(field.inverse_name, "in", self.ids)]
            lines = comodel.search_fetch(domain, with_rule_fields(comodel, names))
            by_client = defaultdict(list)
            for line in lines:
                by_client[line[field.inverse_name].id].append(line.id)
            self.env.cache.insert_missing(self, field, [tuple(by_client[id_]) for id_ in self._ids])

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.su or self._insurance_created_in_call() is not None:
            partners = super().create(vals_list)
        else:
            # the creator reads and writes the partners while creating them
            # (the ORM writes inverse fields such as company_type before the
            # assignment rules give the client a manager), not afterwards
            marked = self.with_context(**{CREATED_IN_CALL: CreatedInCall(self.env.uid)})
            partners = super(ResPartner, marked).create(vals_list).with_env(self.env)
        if not self.env.su:
            # after super(): the values include the context's defaults
            partners._check_insurance_create_access()
        return partners

    @api.model
    def _create(self, data_list):
        records = super()._create(data_list)
        created = self._insurance_created_in_call()
        if created is not None:
            created.ids.update(records.ids)
        return records

    @api.model
    def _insurance_created_in_call(self):
        """The :class:`CreatedInCall` of the current call for the current
        user (not the superuser), or None."""
        created = self.env.context.get(CREATED_IN_CALL)
        if not self.env.su and isinstance(created, CreatedInCall) and created.uid == self.env.uid:
            return created
        return None

    def write(self, vals):
        if "is_insurance_client" in vals and not self.env.su:
            self._check_insurance_client_change(bool(vals["is_insurance_client"]))
        return super().write(vals)

    def _check_insurance_create_access(self):
        """Refuse new partners that carry client-book values the creator may
        not set: ``create`` does not check field groups as ``write`` does, so a
        contact creator outside the insurance groups could put a client in the
        book, with a manager or a tier. New clients are for account managers."""
        user = self.env.user
        restricted = [
            field.name
            for field in self._fields.values()
            if field.groups in INSURANCE_GROUPS
            and field.store
            and field.type not in ("one2many", "many2many")
            and not field.is_accessible(self.env)
        ]
        if not user.has_group(GROUP_INSURANCE_AM):
            restricted.append("is_insurance_client")
        if not restricted:
            return
        for partner in self.sudo():
            if any(partner[fname] for fname in restricted):
                raise AccessError(
                    _(
                        "Only account managers can create insurance clients. Create the "
                        "contact without its insurance details, or ask an account manager."
                    )
                )

    def _check_insurance_client_change(self, is_client):
        """Only insurance administrators put an existing partner in the book of
        clients or take one out of it (a partner becomes a client by itself
        with its first policy): an account manager who could would take a
        client out of everyone's sight, or make any contact, such as an
        insurer, their own client."""
        if self.env.user.has_group(GROUP_INSURANCE_ADMIN):
            return
        if any(partner.is_insurance_client != is_client for partner in self.sudo()):
            raise AccessError(
                _(
                    "Only insurance administrators can add an existing partner to the book "
                    "of clients or take a client out of it. Ask an administrator."
                )
            )

    def _insurance_input_limits_for(self, vals):
        """A client's name is bounded as the book's names are (a contact that is
        no client keeps Odoo's rules)."""
        limits = super()._insurance_input_limits_for(vals)
        if "name" in vals and (
            vals.get("is_insurance_client") or self.sudo().filtered("is_insurance_client")
        ):
            limits = {**limits, "name": validation.NAME}
        return limits

    @api.ondelete(at_uninstall=False)
    def _unlink_except_insurance_client(self):
        policies = self.env["insurance.policy"].sudo().with_context(active_test=False)
        holders = policies._read_group([("partner_id", "in", self.ids)], ["partner_id"])
        if holders:
            raise UserError(
                _(
                    "Clients with policies or claims cannot be deleted: %(clients)s. "
                    "Archive them instead.",
                    clients=", ".join(partner.display_name for (partner,) in holders),
                )
            )

    def _insurance_owner_of_client(self):
        """{partner id: user id}: who owns the records (opportunities, service
        requests) of each partner of ``self`` that is an insurance client, or
        a contact of one (its commercial entity), with an account manager:
        that manager. Read as the server; the one rule behind "a client's
        records belong to its account manager and follow it"."""
        owners = {}
        for partner in self.sudo():
            client = partner if partner.is_insurance_client else partner.commercial_partner_id
            if client.is_insurance_client and client.account_manager_id:
                owners[partner.id] = client.account_manager_id.id
        return owners

    def _insurance_action(self, xmlid, context):
        """The window action ``xmlid`` limited to this client."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(f"insurance_account_manager.{xmlid}")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = context
        return action

    def action_view_insurance_policies(self):
        return self._insurance_action("insurance_policy_action", {"default_partner_id": self.id})

    def action_view_insurance_requests(self):
        return self._insurance_action(
            "insurance_service_request_action", {"default_partner_id": self.id}
        )

    def action_view_insurance_claims(self):
        context = {"search_default_partner_id": self.id}
        in_force = self.insurance_policy_ids.filtered(lambda p: p.state == "active")
        if len(in_force) == 1:
            context["default_policy_id"] = in_force.id
        return self._insurance_action("insurance_claim_action", context)
