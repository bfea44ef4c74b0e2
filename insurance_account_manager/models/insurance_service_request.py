from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, email_normalize
from odoo.tools.sql import column_exists, create_column, create_index, table_exists

from ..tools import service, validation
from .res_partner import GROUP_INSURANCE_AM, with_rule_fields
from .res_partner_manager_change import init_manager_copy_column

PRIORITIES = [
    (service.PRIORITY_NORMAL, "Normal"),
    (service.PRIORITY_MEDIUM, "Medium"),
    (service.PRIORITY_HIGH, "High"),
    (service.PRIORITY_URGENT, "Urgent"),
]
# Marks the writes of the claim → request synchronisation (an object JSON
# cannot carry, so no client sets it): they do not move the claim back.
CLAIM_SYNC = object()
# What a request is about and who answers for it: changed by account managers
# and up only, never by a Service Handler who works the request.
REQUEST_SUBJECT_FIELDS = ("partner_id", "policy_id", "claim_id", "type_id", "user_id")


class InsuranceServiceRequest(models.Model):
    """A piece of service work for a client, owned by the client's account
    manager from opening to closing, done by a department.

    Service levels are in insurance_service_request_sla.py, renewals in
    insurance_service_request_renewal.py, risk surveys in
    insurance_service_request_survey.py."""

    _name = "insurance.service.request"
    _description = "Service Request"
    _inherit = ["mail.thread", "mail.activity.mixin", "insurance.input.mixin"]
    _order = "priority desc, sla_deadline, id desc"
    _check_company_auto = True
    _primary_email = "email_from"
    _insurance_input_limits = {"email_from": validation.LINE}

    def _default_type_id(self):
        type_id = self.env.context.get("default_type_id")
        if type_id:
            return self.env["insurance.service.type"].browse(type_id)
        return self.env["insurance.service.type"]._get_by_code("general")

    # Identification
    name = fields.Char(string="Subject", required=True, tracking=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    type_id = fields.Many2one(
        "insurance.service.type",
        string="Service Type",
        required=True,
        index=True,
        tracking=True,
        ondelete="restrict",
        default=_default_type_id,
        check_company=True,
    )
    type_code = fields.Selection(
        related="type_id.code", store=True, precompute=True, index=True, string="Kind"
    )
    stage_id = fields.Many2one(
        "insurance.service.stage",
        string="Stage",
        compute="_compute_stage_id",
        store=True,
        precompute=True,
        readonly=False,
        index=True,
        tracking=True,
        copy=False,
        ondelete="restrict",
        group_expand="_read_group_stage_ids",
        domain="[('type_ids', 'in', type_id)]",
    )
    stage_state = fields.Selection(
        related="stage_id.state", store=True, precompute=True, index=True, string="Status"
    )
    color = fields.Integer()
    description = fields.Html()
    email_from = fields.Char(help="Sender of the email that opened it.")
    # Client and accountability
    partner_id = fields.Many2one(
        "res.partner",
        string="Client",
        index=True,
        tracking=True,
        check_company=True,
        domain=[("is_insurance_client", "=", True)],
    )
    user_id = fields.Many2one(
        "res.users",
        string="Accountable Manager",
        related="partner_id.account_manager_id",
        store=True,
        precompute=True,
        index=True,
        tracking=True,
        # a related field takes the groups of its source (account managers):
        # the handler of a request reads who is accountable for it
        groups="insurance_account_manager.insurance_group_service_handler",
        help="Always the client's account manager: it follows every reassignment.",
    )
    # for the record rule, as on the policy
    backup_manager_id = fields.Many2one(
        related="partner_id.backup_manager_id",
        store=True,
        precompute=True,
        index="btree_not_null",
        string="Backup Manager",
        tracking=False,
    )
    tier_id = fields.Many2one(
        "insurance.client.tier",
        related="partner_id.insurance_tier_id",
        store=True,
        precompute=True,
        string="Tier",
        groups="insurance_account_manager.insurance_group_service_handler",
    )
    tier_color = fields.Integer(related="tier_id.color", string="Tier Colour")
    priority = fields.Selection(
        PRIORITIES,
        compute="_compute_priority",
        store=True,
        precompute=True,
        readonly=False,
        index=True,
        tracking=True,
        help="Set from the client's tier (key clients: high); can be changed.",
    )
    policy_id = fields.Many2one(
        "insurance.policy",
        string="Policy",
        index="btree_not_null",
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
    )
    claim_id = fields.Many2one(
        "insurance.claim",
        string="Claim",
        index="btree_not_null",
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
    )
    # Department doing the internal work
    team_id = fields.Many2one(
        "crm.team",
        string="Department",
        compute="_compute_team_id",
        store=True,
        precompute=True,
        readonly=False,
        check_company=True,
        index="btree_not_null",
    )
    handler_id = fields.Many2one(
        "res.users",
        string="Handler",
        tracking=True,
        index="btree_not_null",
        domain=[("share", "=", False)],
        help="Who does the internal work; the accountable manager stays the account manager.",
    )
    # Dates
    date_open = fields.Datetime(
        string="Opened On", required=True, default=fields.Datetime.now, copy=False
    )
    date_deadline = fields.Date(string="Deadline", tracking=True)
    date_closed = fields.Datetime(
        string="Closed On",
        compute="_compute_date_closed",
        store=True,
        precompute=True,
        copy=False,
    )

    def _auto_init(self):
        # Stored columns added to a live book are filled in SQL, not computed
        # by the ORM request by request: the copy of the backup manager (with
        # its index, built before any UPDATE), then the currency
        # (insurance_service_request_renewal.py).
        cr = self.env.cr
        init_manager_copy_column(cr, self._table, "backup_manager_id", "partner_id")
        if table_exists(cr, self._table) and not column_exists(cr, self._table, "currency_id"):
            create_column(cr, self._table, "currency_id", "int4")
            cr.execute(
                SQL(
                    """
                    UPDATE insurance_service_request AS r
                       SET currency_id = COALESCE(
                           (SELECT p.currency_id FROM insurance_policy AS p
                             WHERE p.id = r.policy_id),
                           c.currency_id)
                      FROM res_company AS c
                     WHERE c.id = r.company_id
                    """
                )
            )
        result = super()._auto_init()
        # The kanban's home: open requests of one manager, by stage.
        create_index(
            self.env.cr,
            "insurance_service_request_user_stage_idx",
            self._table,
            ["user_id", "stage_id"],
        )
        return result

    # ------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------

    @api.depends("type_id")
    def _compute_stage_id(self):
        first_stages = {}
        for request in self:
            request_type = request.type_id
            if not request_type:
                request.stage_id = False
            elif request.stage_id not in request_type.stage_ids:
                if request_type not in first_stages:
                    first_stages[request_type] = request_type._first_stage()
                request.stage_id = first_stages[request_type]

    @api.depends("tier_id.code")
    def _compute_priority(self):
        for request in self:
            if not request.priority or request.tier_id:
                request.priority = service.priority_for_tier(request.tier_id.code)

    @api.depends("type_id")
    def _compute_team_id(self):
        """The pipeline's department; moving a request to another pipeline hands
        it to that pipeline's department (a department chosen by hand stays as
        long as the pipeline does not change)."""
        for request in self:
            request.team_id = request.type_id.team_id or request.team_id

    @api.depends("stage_state")
    def _compute_date_closed(self):
        now = fields.Datetime.now()
        for request in self:
            if request.stage_state in ("won", "lost"):
                request.date_closed = request.date_closed or now
            else:
                request.date_closed = False

    @api.constrains("stage_id", "type_id")
    def _check_stage_of_pipeline(self):
        """A request stands in a stage of its own pipeline: a card dropped into
        another pipeline's column, or a stage of another pipeline written over
        RPC, is refused whoever writes it."""
        for request in self:
            if request.stage_id and request.stage_id not in request.type_id.stage_ids:
                raise ValidationError(
                    _(
                        "Stage %(stage)s is not a stage of the %(type)s pipeline: move "
                        "%(request)s to one of its own stages (%(stages)s).",
                        stage=request.stage_id.name,
                        type=request.type_id.name,
                        request=request.name,
                        stages=", ".join(request.type_id.stage_ids.sorted().mapped("name")),
                    )
                )

    @api.model
    def _read_group_stage_ids(self, stages, domain):
        """Columns: every stage of the pipeline in the context, else the stages in use."""
        type_id = self.env.context.get("default_type_id")
        if type_id:
            return stages.search(
                ["|", ("id", "in", stages.ids), ("type_ids", "in", [type_id])], order=stages._order
            )
        return stages

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        # with the fields the read rules test
        field_names = with_rule_fields(self, field_names)
        return super().search_fetch(domain, field_names, offset, limit, order)

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            Partner = self.env["res.partner"]
            owners = Partner.browse(
                {vals["partner_id"] for vals in vals_list if vals.get("partner_id")}
            )._insurance_owner_of_client()
            for vals in vals_list:
                partner = Partner.browse(vals.get("partner_id"))
                if vals.get("user_id") and vals["user_id"] != owners.get(partner.id):
                    self._refuse_accountable_change()
                self._check_request_links(
                    partner,
                    self.env["insurance.policy"].browse(vals.get("policy_id")),
                    self.env["insurance.claim"].browse(vals.get("claim_id")),
                )
        requests = super().create(vals_list)
        requests._subscribe_accountable_managers()
        return requests

    def _check_company(self, fnames=None):
        """The ORM's company check, per company of the requests instead of per
        request: the records each field links, for all the requests of one
        company, are filtered once with that company's domain (the ORM builds
        and filters the domain once per request and field, most of the time
        of a batch create, e.g. the renewal generator's 500 requests). Any
        inconsistency is left to the ORM's own check, which names the
        records."""
        if fnames is None or {"company_id", "company_ids"} & set(fnames):
            fnames = self._fields
        names = [
            name
            for name in fnames
            if self._fields[name].relational and self._fields[name].check_company
        ]
        if len(self) < 2 or any(self._fields[name].company_dependent for name in names):
            return super()._check_company(fnames)
        for company, requests in self.sudo().grouped("company_id").items():
            for name in names:
                corecords = requests.mapped(name)
                if not corecords:
                    continue
                domain = corecords._check_company_domain(company)
                if domain and corecords != corecords.with_context(
                    active_test=False
                ).filtered_domain(domain):
                    return super()._check_company(fnames)
        return None

    def _subscribe_accountable_managers(self):
        """Each request's accountable manager follows it: the follower rows of
        the whole batch are inserted by one statement, existing followers left
        as they are (res.partner._insurance_follow; message_subscribe takes
        one set of partners for all records, so it costs a round per
        manager)."""
        rows = [
            (self._name, request.id, request.user_id.partner_id.id)
            for request in self.sudo()
            if request.user_id.partner_id
        ]
        self.env["res.partner"]._insurance_follow(rows)

    def write(self, vals):
        self._check_subject_write(vals)
        result = super().write(vals)
        if "stage_id" in vals and self.env.context.get("insurance_claim_sync") is not CLAIM_SYNC:
            self._move_claims_with_stage()
        return result

    def _check_subject_write(self, vals):
        if self.env.su or not any(name in vals for name in REQUEST_SUBJECT_FIELDS):
            return
        self.check_access("write")
        changed = [
            name
            for name in REQUEST_SUBJECT_FIELDS
            if name in vals and any(request[name].id != (vals[name] or False) for request in self)
        ]
        if changed and not self.env.user.has_group(GROUP_INSURANCE_AM):
            raise AccessError(
                _(
                    "A service handler works the request: its client, policy, claim, "
                    "pipeline and accountable manager are changed by the account manager."
                )
            )
        if "user_id" in changed:
            self._refuse_accountable_change()
        if "partner_id" in changed and not self.partner_id.has_access("write"):
            # a request leaves only a client the user may edit too
            self._refuse_client_change()
        if {"partner_id", "policy_id", "claim_id"} & set(changed):
            models_by_field = {
                "partner_id": self.env["res.partner"],
                "policy_id": self.env["insurance.policy"],
                "claim_id": self.env["insurance.claim"],
            }
            for request in self:
                self._check_request_links(
                    *(
                        Model.browse(vals[name]) if name in vals else request[name]
                        for name, Model in models_by_field.items()
                    )
                )

    def _refuse_accountable_change(self):
        raise AccessError(
            _(
                "The accountable manager of a request is always its client's account "
                "manager: change the client's manager instead."
            )
        )

    def _refuse_client_change(self):
        raise AccessError(
            _(
                "You can only open a request for, or move one between, clients you "
                "manage: ask the client's account manager."
            )
        )

    @api.model
    def _check_request_links(self, partner, policy, claim):
        """A request is opened on, or moved to, a client the user may edit; its
        policy and claim are ones the user may read, and the client's."""
        if partner and not partner.has_access("write"):
            self._refuse_client_change()
        for record in (policy, claim):
            if not record:
                continue
            if not record.has_access("read"):
                raise AccessError(
                    _("You can only link a request to a policy or a claim of a client you manage.")
                )
            if record.sudo().partner_id != partner:
                raise ValidationError(
                    _(
                        "%(record)s is not of the request's client: pick a policy or a "
                        "claim of %(client)s.",
                        record=record.display_name,
                        client=partner.display_name or _("the request's client"),
                    )
                )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_mark_won(self):
        self.check_access("write")
        claims_service = self.filtered(lambda r: r.type_code == "claim")
        if claims_service:
            raise UserError(
                _("A claims-service request follows its claim: close the claim instead.")
            )
        to_price = self.filtered(
            lambda r: (
                r.renewed_policy_id
                and not r.new_policy_id
                and not r.sudo().renewed_policy_id.renewal_policy_id
            )
        )
        if to_price:
            # a renewal is won through the wizard: the next term's number,
            # dates and premium are asked for first
            to_price._renewal_check_decider()
            if len(self) > 1:
                raise UserError(
                    _("Win renewals one at a time: each asks for its next term's terms.")
                )
            self._renewal_check_winnable()
            action = self.env["ir.actions.act_window"]._for_xml_id(
                "insurance_account_manager.insurance_service_request_won_action"
            )
            action["context"] = {"default_request_id": self.id}
            return action
        by_stage = defaultdict(lambda: self.browse())
        for request in self:
            stage = request.type_id._first_stage("won")
            if not stage:
                raise UserError(_("Pipeline %(type)s has no Won stage.", type=request.type_id.name))
            by_stage[stage] |= request
        for stage, requests in by_stage.items():
            requests.write({"stage_id": stage.id})
        return True

    def action_mark_lost(self):
        self.check_access("write")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "insurance_account_manager.insurance_service_request_lost_action"
        )
        action["context"] = {"active_ids": self.ids, "active_model": self._name}
        return action

    # ------------------------------------------------------------
    # Claims service
    # ------------------------------------------------------------

    @api.model
    def _create_claim_requests(self, claims):
        """Open a claims-service request for each new claim, for the client's manager."""
        vals_list = []
        types = self.env["insurance.service.type"]._get_by_code_per_company(
            "claim", claims.company_id
        )
        for claim in claims:
            claim_type = types[claim.company_id]
            if not claim_type:
                continue
            vals_list.append(
                {
                    "name": _("Claim %(claim)s", claim=claim.name),
                    "type_id": claim_type.id,
                    "company_id": claim.company_id.id,
                    "partner_id": claim.partner_id.id,
                    "policy_id": claim.policy_id.id,
                    "claim_id": claim.id,
                    "handler_id": claim.user_id.id,
                    "stage_id": claim_type._claim_stage_for(claim.stage_id).id,
                }
            )
        return self.sudo().with_context(mail_create_nolog=True).create(vals_list)

    def _sync_claim_stage(self):
        """Move claims-service requests to the stage that follows their claim's
        stage (a request whose stage already follows it stays where it is)."""
        by_stage = defaultdict(lambda: self.browse())
        for request in self:
            claim_stage = request.claim_id.stage_id
            if claim_stage in request.stage_id.claim_stage_ids:
                continue
            stage = request.type_id._claim_stage_for(claim_stage)
            if stage and stage != request.stage_id:
                by_stage[stage] |= request
        for stage, requests in by_stage.items():
            requests.with_context(insurance_claim_sync=CLAIM_SYNC).write({"stage_id": stage.id})

    def _move_claims_with_stage(self):
        """A claims-service request moved by hand moves its claim to the claim
        stage its new stage follows, with the mover's own rights on the claim:
        the two stay in step both ways (the claim's move comes back here as a
        synchronisation, which moves no claim: no loop)."""
        requests = self.filtered(lambda r: r.type_code == "claim" and r.claim_id)
        if not requests:
            return
        by_claim_stage = defaultdict(lambda: self.env["insurance.claim"])
        for request in requests.sudo():
            claim = request.claim_id
            stage = request.stage_id
            if claim.stage_id in stage.claim_stage_ids:
                continue
            claim_stage = stage.claim_stage_ids.sorted()[:1]
            if not claim_stage:
                raise UserError(
                    _(
                        "%(request)s follows claim %(claim)s, and stage %(stage)s follows "
                        "no claim stage: move the claim, or map the stage to a claim stage "
                        "in Configuration.",
                        request=request.name,
                        claim=claim.name,
                        stage=stage.name,
                    )
                )
            by_claim_stage[claim_stage] |= claim
        for claim_stage, claims in by_claim_stage.items():
            claims = claims.with_env(self.env)
            if not self.env.su and not claims.has_access("write"):
                raise AccessError(
                    _(
                        "Moving a claims-service request moves its claim (%(claims)s): "
                        "only who may edit the claim can, as the claim handler or the "
                        "client's account manager.",
                        claims=", ".join(claims.sudo().mapped("name")),
                    )
                )
            claims.write({"stage_id": claim_stage.id})

    # ------------------------------------------------------------
    # Email gateway
    # ------------------------------------------------------------

    @api.model
    def message_new(self, msg_dict, custom_values=None):
        """A request from an email, in the company of the pipeline (alias) it
        was sent to: the sender's client (a client's own address or one of its
        contacts') owns it. The request of an unknown sender, or of a client of
        another company, has no client and goes to the pipeline's team lead.
        Never raises on what the sender wrote: the subject (the request's name)
        and the sender are cut to their maximum length."""
        values = dict(custom_values or {})
        sender = msg_dict.get("email_from") or msg_dict.get("from") or ""
        email = email_normalize(sender)
        request_type = (
            self.env["insurance.service.type"].browse(values.get("type_id"))
            or self._default_type_id()
        )
        client = self._client_from_email(email, request_type.company_id)
        company = request_type.company_id or client.company_id or self.env.company
        foreign = client.company_id and client.company_id != company
        if foreign:
            client = self.env["res.partner"]
        values["name"] = validation.shorten(
            values.get("name") or msg_dict.get("subject") or _("No Subject")
        )
        if len(sender) > validation.MAX_LINE_LENGTH:
            sender = email or validation.shorten(sender, validation.MAX_LINE_LENGTH)
        values["email_from"] = sender or False
        values["type_id"] = request_type.id
        values["company_id"] = company.id
        if client:
            values["partner_id"] = client.id
        else:
            values["partner_id"] = False
            lead = request_type.team_id.user_id
            if lead:
                values["handler_id"] = lead.id
        request = super(
            InsuranceServiceRequest, self.with_context(mail_create_nolog=True)
        ).message_new(dict(msg_dict, email_from=sender), custom_values=values)
        if not client and request.handler_id:
            request.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=(
                    _("Email from a client of another company: find the client")
                    if foreign
                    else _("Email from an unknown sender: find the client")
                ),
                user_id=request.handler_id.id,
            )
        return request

    @api.model
    def _client_from_email(self, email, company=None):
        """The client whose address, or one of whose contacts' address, is
        ``email``; with ``company``, a client of that company (or shared by all)
        first."""
        if not email:
            return self.env["res.partner"]
        partners = (
            self.env["res.partner"]
            .sudo()
            .search([("email_normalized", "=", email)], order="is_insurance_client desc, id")
        )
        clients = partners.commercial_partner_id.filtered("is_insurance_client")
        if company:
            # sorted is stable: the order of the search within each group
            clients = clients.sorted(lambda c: bool(c.company_id) and c.company_id != company)
        return clients[:1]
