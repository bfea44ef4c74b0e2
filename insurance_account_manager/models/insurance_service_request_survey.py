from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.tools import SQL

from ..tools import service, validation

# Risk surveys opened per run of the survey scheduled action.
SURVEY_BATCH_SIZE = 500


class InsuranceServiceRequest(models.Model):
    """Risk surveys (防灾) per tier, their recommendations and loss-prevention
    follow-ups (防损)."""

    _inherit = "insurance.service.request"

    # Risk survey and loss prevention
    findings = fields.Html(help="What the risk survey found on site.")
    recommendation_ids = fields.One2many(
        "insurance.service.recommendation", "request_id", string="Recommendations"
    )
    recommendation_count = fields.Integer(compute="_compute_recommendation_count")
    parent_id = fields.Many2one(
        "insurance.service.request",
        string="Opened From",
        index="btree_not_null",
        copy=False,
        check_company=True,
    )
    recommendation_id = fields.Many2one(
        "insurance.service.recommendation",
        string="Recommendation Followed",
        copy=False,
        check_company=True,
    )

    def _auto_init(self):
        result = super()._auto_init()
        # At most one open risk survey per client: a rerun or an overlapping run
        # of the survey scheduled action cannot open a second one.
        self._create_open_survey_index()
        return result

    def _create_open_survey_index(self):
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS insurance_service_request_open_survey_uniq "
                "ON insurance_service_request (partner_id) "
                "WHERE type_code = 'risk_survey' AND stage_state = 'open' AND active"
            )
        )

    # ------------------------------------------------------------
    # Recommendations
    # ------------------------------------------------------------

    def _compute_recommendation_count(self):
        counts = dict(
            self.env["insurance.service.recommendation"]._read_group(
                [("request_id", "in", self.ids)], ["request_id"], ["__count"]
            )
        )
        for request in self:
            request.recommendation_count = counts.get(request, 0)

    def action_view_recommendations(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Recommendations"),
            "res_model": "insurance.service.recommendation",
            "view_mode": "list,form",
            "domain": [("request_id", "=", self.id)],
            "context": {"default_request_id": self.id},
        }

    # ------------------------------------------------------------
    # Risk surveys
    # ------------------------------------------------------------

    @api.model
    def _cron_generate_risk_surveys(self):
        """Open a risk survey for each client of a tier with a survey interval
        whose last survey is older than that interval and who has no open one.

        The due clients are selected in the database (one query, whatever the
        size of the book), a batch at a time with progress; a rerun finds only
        the clients still due, and open surveys are unique per client.
        """
        domain = self._risk_survey_due_domain(fields.Date.context_today(self))
        if domain is None:
            self.env["ir.cron"]._notify_progress(done=0, remaining=0)
            return self.browse()
        Partner = self.env["res.partner"].sudo()
        clients = Partner.search(domain, limit=SURVEY_BATCH_SIZE, order="id")
        surveys = self._create_risk_surveys(clients)
        remaining = Partner.search_count(domain) if len(clients) == SURVEY_BATCH_SIZE else 0
        self.env["ir.cron"]._notify_progress(done=len(clients), remaining=remaining)
        return surveys

    @api.model
    def _risk_survey_due_domain(self, today):
        """Partner domain of the clients due for a risk survey on ``today``, or
        None when no tier has a survey interval."""
        tiers = (
            self.env["insurance.client.tier"].sudo().search([("survey_interval_months", ">", 0)])
        )
        if not tiers:
            return None
        Survey = self.sudo().with_context(active_test=False)
        by_interval = defaultdict(list)
        for tier in tiers:
            by_interval[tier.survey_interval_months].append(tier.id)
        per_interval = []
        for months, tier_ids in by_interval.items():
            cutoff = service.survey_cutoff(today, months)
            # clients with an open survey, or one opened after the cutoff
            not_due = Survey._search(
                [
                    ("type_code", "=", "risk_survey"),
                    ("partner_id", "!=", False),
                    "|",
                    "&",
                    ("stage_state", "=", "open"),
                    ("active", "=", True),
                    ("date_open", ">=", cutoff + timedelta(days=1)),
                ]
            )
            not_due_clients = not_due.subselect(SQL.identifier(not_due.table, "partner_id"))
            per_interval.append(
                [("insurance_tier_id", "in", tier_ids), ("id", "not in", not_due_clients)]
            )
        return [
            ("is_insurance_client", "=", True),
            *(["|"] * (len(per_interval) - 1)),
            *(term for condition in per_interval for term in ["&", *condition]),
        ]

    @api.model
    def _create_risk_surveys(self, clients):
        companies = clients.company_id | self.env.company
        types = self.env["insurance.service.type"]._get_by_code_per_company(
            "risk_survey", companies
        )
        vals_list = []
        for client in clients:
            company = client.company_id or self.env.company
            if types[company]:
                vals_list.append(
                    {
                        "name": validation.shorten(
                            _("Risk survey: %(client)s", client=client.name)
                        ),
                        "type_id": types[company].id,
                        "company_id": company.id,
                        "partner_id": client.id,
                    }
                )
        return self.sudo().with_context(mail_create_nolog=True).create(vals_list)
