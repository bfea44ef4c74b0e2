import ast

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import index_exists

SERVICE_TYPE_CODES = [
    ("underwriting", "Underwriting"),
    ("renewal", "Renewal"),
    ("risk_survey", "Risk Survey"),
    ("loss_prevention", "Loss Prevention"),
    ("claim", "Claims Service"),
    ("general", "General Service"),
]
# The unique index behind the code_company_uniq constraint.
CODE_COMPANY_INDEX = "insurance_service_type_code_company_uniq"


class InsuranceServiceType(models.Model):
    """A service pipeline (承保、续保、防灾、防损、理赔...): its stages, SLAs,
    department and incoming email alias."""

    _name = "insurance.service.type"
    _description = "Service Type"
    _inherit = ["mail.alias.mixin", "insurance.input.mixin"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(SERVICE_TYPE_CODES, required=True, default="general")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    color = fields.Integer()
    company_id = fields.Many2one(
        "res.company", help="Leave empty to use this pipeline in every company."
    )
    team_id = fields.Many2one(
        "crm.team",
        string="Department",
        check_company=True,
        help="The team that does the internal work; its leader handles requests "
        "from unknown senders and receives SLA escalations.",
    )
    stage_ids = fields.Many2many(
        "insurance.service.stage",
        "insurance_service_stage_type_rel",
        "type_id",
        "stage_id",
        string="Stages",
    )
    sla_ids = fields.One2many("insurance.service.sla", "type_id", string="SLAs")
    description = fields.Text(translate=True)

    _sql_constraints = [
        # implemented by the unique index of _auto_init, which names the message
        (
            "code_company_uniq",
            "",
            "A company has one pipeline per kind of work, and so has the shared set.",
        ),
    ]

    def _auto_init(self):
        result = super()._auto_init()
        cr = self.env.cr
        # One pipeline per kind and company, and per kind among the shared ones
        # (no company): COALESCE makes their NULL companies equal, on PostgreSQL
        # 12+ (UNIQUE NULLS NOT DISTINCT needs 15). A database installed before
        # holds a constraint of this name: super() drops it, its definition having
        # changed; drop it here too in case that failed (it only logs a warning).
        cr.execute(
            SQL(
                "ALTER TABLE %s DROP CONSTRAINT IF EXISTS %s",
                SQL.identifier(self._table),
                SQL.identifier(CODE_COMPANY_INDEX),
            )
        )
        if not index_exists(cr, CODE_COMPANY_INDEX):
            cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX %s ON %s (code, COALESCE(company_id, 0))",
                    SQL.identifier(CODE_COMPANY_INDEX),
                    SQL.identifier(self._table),
                )
            )
        return result

    def _alias_get_creation_values(self):
        values = super()._alias_get_creation_values()
        values["alias_model_id"] = self.env["ir.model"]._get_id("insurance.service.request")
        if self.id:
            values["alias_defaults"] = defaults = ast.literal_eval(self.alias_defaults or "{}")
            defaults["type_id"] = self.id
        return values

    @api.model
    def _get_by_code(self, code, company=None):
        """The pipeline of kind ``code`` for ``company`` (its own first, else a shared one)."""
        company = company or self.env.company
        return self._get_by_code_per_company(code, company)[company]

    @api.model
    def _get_by_code_per_company(self, code, companies):
        """``{company: pipeline of kind code}`` for each of ``companies``, in one
        query: the company's own pipeline first, else a shared one (may be empty)."""
        types = self.sudo().search(
            [("code", "=", code), ("company_id", "in", [*companies.ids, False])],
            order="sequence, id",
        )
        shared = types.filtered(lambda service_type: not service_type.company_id)[:1]
        return {
            company: types.filtered(lambda service_type, c=company: service_type.company_id == c)[
                :1
            ]
            or shared
            for company in companies
        }

    def _first_stage(self, state="open"):
        """First stage of this pipeline with the given meaning."""
        self.ensure_one()
        return self.stage_ids.filtered(lambda stage: stage.state == state).sorted()[:1]

    def _claim_stage_for(self, claim_stage):
        """Stage of this (claims-service) pipeline that follows ``claim_stage``:
        the stage naming it, else for a closed claim the first Won stage, else
        the first open stage."""
        self.ensure_one()
        stages = self.stage_ids.sorted()
        mapped = stages.filtered(lambda stage: claim_stage in stage.claim_stage_ids)
        if mapped:
            return mapped[:1]
        if claim_stage.is_closed:
            return self._first_stage("won")
        return self._first_stage()
