from collections import defaultdict

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL
from odoo.tools.sql import create_index, make_index_name

from .install_sql import create_many2one_columns
from .res_partner import GROUP_INSURANCE_AM

# Fields of a lead after whose change its owner is checked again: who owns
# it, whose lead it is, and whether it is still open.
OWNER_FIELDS = ("user_id", "partner_id", "active", "stage_id")
# Fields of a lead that only the server sets.
SERVER_FIELDS = ("insurance_request_id",)


class CrmLead(models.Model):
    """A lead or opportunity of an insurance client is owned by the client's
    account manager (S1, S6): set on create and write, kept through CRM's
    own assignment, moved with the client (see res_partner_crm.py). Cross-sell:
    an opportunity names the line of business it is for; winning it opens an
    underwriting request for the client."""

    _inherit = "crm.lead"

    # Client
    commercial_partner_id = fields.Many2one(
        "res.partner",
        string="Commercial Entity",
        related="partner_id.commercial_partner_id",
        store=True,
        index="btree_not_null",
    )
    # Cross-sell
    insurance_line_id = fields.Many2one(
        "insurance.line",
        string="Line of Business",
        index="btree_not_null",
        tracking=True,
        help="The line of business this opportunity would sell the client.",
    )
    insurance_request_id = fields.Many2one(
        "insurance.service.request",
        string="Underwriting Request",
        readonly=True,
        copy=False,
        index="btree_not_null",
        groups="insurance_account_manager.insurance_group_service_handler",
        help="Opened when the opportunity was won: the underwriting work for the sale.",
    )

    def _auto_init(self):
        self._insurance_init_columns()
        return super()._auto_init()

    def _insurance_init_columns(self):
        """The addon's new many2one columns with their keys, and the
        commercial entity filled in SQL if its column is new."""
        if "commercial_partner_id" in create_many2one_columns(self):
            self._insurance_init_commercial_partner()

    def _insurance_init_commercial_partner(self):
        """Fill the commercial entity's new column (created with its foreign
        key by ``create_many2one_columns``) in one UPDATE when the addon is
        installed where CRM already holds leads. Left to the ORM, the stored
        related field is computed lead by lead: 100,000 leads took three
        minutes to install (one query per lead, then 1,000 UPDATEs), against
        seconds without leads.

        The index (``btree_not_null``, named as the ORM names it, which then
        finds it) exists before the UPDATE: built after it, over the rows the
        UPDATE left behind, PostgreSQL would not use it in a transaction older
        than the index (``pg_index.indcheckxmin``)."""
        cr = self.env.cr
        create_index(
            cr,
            make_index_name("crm_lead", "commercial_partner_id"),
            "crm_lead",
            ['"commercial_partner_id"'],
            where='"commercial_partner_id" IS NOT NULL',
        )
        cr.execute(
            SQL(
                """UPDATE crm_lead AS lead
                      SET commercial_partner_id = partner.commercial_partner_id
                     FROM res_partner AS partner
                    WHERE partner.id = lead.partner_id
                      AND partner.commercial_partner_id IS NOT NULL"""
            )
        )

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any(f in vals for vals in vals_list for f in SERVER_FIELDS):
            raise AccessError(_("The underwriting request of an opportunity is set by the server."))
        # the client's manager owns the lead from the start (no hand-over)
        Partner = self.env["res.partner"].sudo()
        managers = Partner.browse(
            {vals["partner_id"] for vals in vals_list if vals.get("partner_id")}
        )._insurance_owner_of_client()
        for vals in vals_list:
            manager_id = managers.get(vals.get("partner_id"))
            if manager_id:
                vals["user_id"] = manager_id
        leads = super().create(vals_list)
        leads._insurance_apply_owner()
        return leads

    def write(self, vals):
        if not self.env.su and any(fname in vals for fname in SERVER_FIELDS):
            raise AccessError(_("The underwriting request of an opportunity is set by the server."))
        result = super().write(vals)
        if any(fname in vals for fname in OWNER_FIELDS):
            self._insurance_apply_owner()
        return result

    # ------------------------------------------------------------
    # Ownership
    # ------------------------------------------------------------

    def _insurance_open(self):
        """The open leads of ``self``: active, not in a won stage."""
        return self.filtered(lambda lead: lead.active and not lead.stage_id.is_won)

    def _insurance_apply_owner(self):
        """Give each open lead of ``self`` whose commercial partner is an
        insurance client with a manager to that manager: one write per manager
        (CRM's own write: team, tracking and followers follow)."""
        leads = self.sudo()._insurance_open()
        owners = leads.commercial_partner_id._insurance_owner_of_client()
        by_manager = defaultdict(lambda: self.env["crm.lead"].sudo())
        for lead in leads:
            manager_id = owners.get(lead.commercial_partner_id.id)
            if manager_id and lead.user_id.id != manager_id:
                by_manager[manager_id] |= lead
        for manager_id, manager_leads in by_manager.items():
            manager_leads.write({"user_id": manager_id})

    def _handle_salesmen_assignment(self, user_ids=False, team_id=False):
        """CRM's assignment (the team's round robin, a merge, a conversion)
        hands out the leads of non-clients only: a client's lead stays with its
        account manager."""
        owners = self.sudo().commercial_partner_id._insurance_owner_of_client()
        clients = self.filtered(lambda lead: lead.sudo().commercial_partner_id.id in owners)
        result = super(CrmLead, self - clients)._handle_salesmen_assignment(
            user_ids=user_ids, team_id=team_id
        )
        clients._insurance_apply_owner()
        return result

    # ------------------------------------------------------------
    # Winning
    # ------------------------------------------------------------

    def action_set_won(self):
        result = super().action_set_won()
        if self.env.user.has_group(GROUP_INSURANCE_AM):
            self._insurance_won()
        return result

    def _insurance_won(self):
        """The insurance side of a won opportunity with a line of business:
        its company becomes a client (the assignment rules give it a manager)
        and an underwriting request opens for it, once."""
        sales = self.filtered(
            lambda lead: (
                lead.insurance_line_id
                and lead.commercial_partner_id
                and lead.stage_id.is_won
                and not lead.sudo().insurance_request_id
            )
        )
        if not sales:
            return
        # the user acts on clients they may see: what the server does in sudo
        # below follows from their own rights
        sales.check_access("write")
        clients = sales.commercial_partner_id
        clients.check_access("read")
        Partner = self.env["res.partner"].sudo()
        new_clients = Partner.browse(clients.ids).filtered(lambda p: not p.is_insurance_client)
        if new_clients:
            new_clients.write({"is_insurance_client": True})
            new_clients._assign_account_managers()
        Type = self.env["insurance.service.type"]
        Request = self.env["insurance.service.request"].sudo()
        for lead in sales.sudo():
            company = lead.company_id or lead.commercial_partner_id.company_id or self.env.company
            request_type = Type._get_by_code("underwriting", company)
            if not request_type:
                continue
            request = Request.with_company(company).create(
                {
                    "name": _("Underwriting: %(lead)s", lead=lead.name),
                    "partner_id": lead.commercial_partner_id.id,
                    "type_id": request_type.id,
                    "company_id": company.id,
                    "description": Markup("<p>%s</p>")
                    % _(
                        "Won opportunity %(lead)s, line %(line)s.",
                        lead=lead.name,
                        line=lead.insurance_line_id.name,
                    ),
                }
            )
            lead.insurance_request_id = request
