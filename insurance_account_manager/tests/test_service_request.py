"""Service pipelines: types, stages, requests, accountability and access."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import GROUP_ADMIN, GROUP_HANDLER, InsuranceCommon

# The overview's counts for all the pipelines, measured with Odoo 18: two
# grouped queries (the record rules are in them), the user and their partner
# (the user's time zone, for today), the pipelines' kinds, and for the
# Renewals card's clients at risk three more: their count, the companies its
# record rule on clients reads, the pipelines read again (their kind).
DASHBOARD_QUERY_BUDGET = 8


class ServiceCommon(InsuranceCommon):
    """The common book with tiers (Harbin key, Dalian general, Shenyang retail),
    a department handler, and the company on a UTC 40-hour calendar
    (Monday to Friday, 8:00-12:00 and 13:00-17:00)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.tier_key = ref("insurance_account_manager.insurance_client_tier_key")
        cls.tier_general = ref("insurance_account_manager.insurance_client_tier_general")
        cls.tier_retail = ref("insurance_account_manager.insurance_client_tier_retail")
        (cls.tier_key | cls.tier_general | cls.tier_retail).write({"active": True})
        cls.tier_key.write({"renewal_lead_days": 90, "survey_interval_months": 12})
        cls.tier_general.write({"renewal_lead_days": 60, "survey_interval_months": 24})
        cls.tier_retail.write({"renewal_lead_days": 30, "survey_interval_months": 0})
        cls.client_harbin.insurance_tier_id = cls.tier_key
        cls.client_dalian.insurance_tier_id = cls.tier_general
        cls.client_shenyang.insurance_tier_id = cls.tier_retail
        cls.type_underwriting = ref("insurance_account_manager.insurance_service_type_underwriting")
        cls.type_renewal = ref("insurance_account_manager.insurance_service_type_renewal")
        cls.type_survey = ref("insurance_account_manager.insurance_service_type_risk_survey")
        cls.type_loss_prevention = ref(
            "insurance_account_manager.insurance_service_type_loss_prevention"
        )
        cls.type_claim = ref("insurance_account_manager.insurance_service_type_claim")
        cls.type_general = ref("insurance_account_manager.insurance_service_type_general")
        cls.stage_renewal_due = ref("insurance_account_manager.insurance_service_stage_renewal_due")
        cls.stage_renewal_won = ref("insurance_account_manager.insurance_service_stage_renewal_won")
        cls.stage_renewal_lost = ref(
            "insurance_account_manager.insurance_service_stage_renewal_lost"
        )
        cls.stage_new = ref("insurance_account_manager.insurance_service_stage_new")
        cls.stage_in_progress = ref("insurance_account_manager.insurance_service_stage_in_progress")
        cls.stage_done = ref("insurance_account_manager.insurance_service_stage_done")
        cls.user_handler = new_test_user(
            cls.env, login="iam_handler", name="Wang Underwriter", groups=GROUP_HANDLER
        )
        cls.user_admin_other = new_test_user(
            cls.env, login="iam_admin_other", name="Other Admin", groups=GROUP_ADMIN
        )
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Test 40 hours (UTC)", "tz": "UTC", "company_id": cls.company.id}
        )
        cls.company.resource_calendar_id = cls.calendar
        cls.Request = cls.env["insurance.service.request"]

    @classmethod
    def _create_request(cls, client, request_type=None, **values):
        return cls.Request.create(
            {
                "name": f"Request for {client.name if client else 'nobody'}",
                "type_id": (request_type or cls.type_general).id,
                "partner_id": client.id if client else False,
                **values,
            }
        )


@tagged("post_install", "-at_install", "insurance")
class TestServiceRequest(ServiceCommon):
    def test_pipelines_and_stages(self):
        codes = set(self.env["insurance.service.type"].search([]).mapped("code"))
        self.assertEqual(
            codes,
            {"underwriting", "renewal", "risk_survey", "loss_prevention", "claim", "general"},
        )
        for service_type in self.env["insurance.service.type"].search([]):
            states = set(service_type.stage_ids.mapped("state"))
            self.assertLessEqual({"open", "won", "lost"}, states, service_type.name)
        request = self._create_request(self.client_harbin, self.type_renewal)
        self.assertEqual(request.stage_id, self.stage_renewal_due)  # first open stage
        self.assertEqual(request.stage_state, "open")
        # the kanban shows every stage of the pipeline in the context, even empty ones
        groups = self.Request.with_context(default_type_id=self.type_renewal.id).read_group(
            [("type_id", "=", self.type_renewal.id)], ["stage_id"], ["stage_id"]
        )
        self.assertEqual(
            [group["stage_id"][0] for group in groups], self.type_renewal.stage_ids.sorted().ids
        )

    def test_accountable_manager_is_the_clients_and_follows_reassignment(self):
        request = self._create_request(self.client_harbin)
        self.assertEqual(request.user_id, self.user_am)
        self.assertIn(self.user_am.partner_id, request.message_partner_ids)
        self.assertEqual(request.priority, "2")  # key client: high
        self.assertEqual(self._create_request(self.client_shenyang).priority, "0")
        closed = self._create_request(self.client_harbin, stage_id=self.stage_done.id)
        activity = request.activity_schedule(
            "mail.mail_activity_data_todo", summary="Call the client", user_id=self.user_am.id
        )
        # a reassignment through the wizard moves the open requests and their activities
        self._make_account_managers(self.user_am_other)  # the new manager takes clients
        wizard = self.env["insurance.client.reassign"].create(
            {
                "reason": "Li Wei leaves",
                "selection_mode": "manager",
                "source_user_id": self.user_am.id,
                "target_user_id": self.user_am_other.id,
            }
        )
        wizard.action_preview()
        wizard.action_confirm()
        self.assertEqual(request.user_id, self.user_am_other)
        self.assertEqual(closed.user_id, self.user_am_other)  # accountable for the record too
        self.assertEqual(activity.user_id, self.user_am_other)
        self.assertIn(self.user_am_other.partner_id, request.message_partner_ids)
        # and so does a manual change on the client
        self.client_harbin.account_manager_id = self.user_am_2
        self.assertEqual(request.user_id, self.user_am_2)
        self.assertEqual(
            self.Request.search([("user_id", "=", self.user_am_2.id), ("id", "=", request.id)]),
            request,
        )

    def test_one_pipeline_per_kind_and_company(self):
        # the shared pipelines (no company) are unique per kind too
        with self.assertRaisesRegex(Exception, "code_company_uniq"), mute_logger("odoo.sql_db"):
            self.env["insurance.service.type"].create({"name": "Renewals 2", "code": "renewal"})
        other_company = self.env["res.company"].create({"name": "Dalian Branch"})
        own = self.env["insurance.service.type"].create(
            {"name": "Dalian Renewals", "code": "renewal", "company_id": other_company.id}
        )
        Type = self.env["insurance.service.type"]
        self.assertEqual(Type._get_by_code("renewal", other_company), own)
        self.assertEqual(Type._get_by_code("renewal", self.company), self.type_renewal)
        self.assertEqual(
            Type._get_by_code_per_company("renewal", self.company | other_company),
            {self.company: self.type_renewal, other_company: own},
        )

    def test_department_defaults_from_pipeline(self):
        self.type_underwriting.team_id = self.team
        request = self._create_request(self.client_dalian, self.type_underwriting)
        self.assertEqual(request.team_id, self.team)
        self.assertEqual(request.user_id, self.user_am_2)  # accountable: still the manager
        # moved to another pipeline, the request goes to that pipeline's department
        claims_team = self.env["crm.team"].create({"name": "Claims Department"})
        self.type_general.team_id = claims_team
        request.type_id = self.type_general
        self.assertEqual(request.team_id, claims_team)


@tagged("post_install", "-at_install", "insurance")
class TestServiceRequestAccess(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.req_harbin = cls._create_request(cls.client_harbin)
        cls.req_dalian = cls._create_request(
            cls.client_dalian, cls.type_underwriting, handler_id=cls.user_handler.id
        )
        cls.req_shenyang = cls._create_request(cls.client_shenyang)
        cls.req_unknown = cls._create_request(False)
        cls.other_company = cls.env["res.company"].create({"name": "Dalian Branch"})
        cls.req_other_company = cls.Request.create(
            {
                "name": "Elsewhere",
                "type_id": cls.type_general.id,
                "company_id": cls.other_company.id,
            }
        )
        cls.all_requests = (
            cls.req_harbin
            | cls.req_dalian
            | cls.req_shenyang
            | cls.req_unknown
            | cls.req_other_company
        )

    def _visible(self, user):
        return self.Request.with_user(user).search([("id", "in", self.all_requests.ids)])

    def test_manager_sees_only_their_clients(self):
        self.assertEqual(self._visible(self.user_am), self.req_harbin)
        # Sarah Chen manages Dalian and backs up Harbin
        self.assertEqual(self._visible(self.user_am_2), self.req_harbin | self.req_dalian)
        self.assertEqual(self._visible(self.user_am_other), self.req_shenyang)
        with self.assertRaises(AccessError):
            self.req_shenyang.with_user(self.user_am).read(["name"])
        with self.assertRaises(AccessError):
            self.req_shenyang.with_user(self.user_am).write({"name": "Mine now"})

    def test_handler_sees_what_is_assigned_to_them(self):
        self.assertEqual(self._visible(self.user_handler), self.req_dalian)
        self.req_dalian.with_user(self.user_handler).stage_id = self.env.ref(
            "insurance_account_manager.insurance_service_stage_quotation"
        )
        self.assertEqual(self.req_dalian.stage_id.name, "Quotation")
        with self.assertRaises(AccessError):
            self.Request.with_user(self.user_handler).create(
                {"name": "Not mine to open", "type_id": self.type_general.id}
            )

    def test_team_lead_and_admin(self):
        # the lead leads Li Wei and Sarah Chen, and sees requests without client
        self.assertEqual(
            self._visible(self.user_lead), self.req_harbin | self.req_dalian | self.req_unknown
        )
        self.type_general.team_id = self.team
        led = self._create_request(self.client_shenyang, team_id=self.team.id)
        self.assertIn(led, self.Request.with_user(self.user_lead).search([]))
        # the administrator sees everything of the companies they work in
        self.assertEqual(self._visible(self.user_admin), self.all_requests - self.req_other_company)
        self.user_admin.company_ids = [Command.link(self.other_company.id)]
        admin = self.Request.with_user(self.user_admin).with_context(
            allowed_company_ids=[self.company.id, self.other_company.id]
        )
        self.assertEqual(admin.search([("id", "in", self.all_requests.ids)]), self.all_requests)


@tagged("post_install", "-at_install", "insurance")
class TestClientRequests(ServiceCommon):
    def test_client_shows_its_open_requests(self):
        Request = self.env["insurance.service.request"]
        self.assertEqual(self.client_dalian.insurance_request_count, 0)
        requests = Request.create(
            [
                {
                    "name": f"Question {n}",
                    "type_id": self.type_general.id,
                    "partner_id": self.client_dalian.id,
                }
                for n in range(3)
            ]
        )
        self.client_dalian.invalidate_recordset(["insurance_request_count"])
        self.assertEqual(self.client_dalian.insurance_request_count, 3)
        requests[0].action_mark_won()
        self.client_dalian.invalidate_recordset(["insurance_request_count"])
        self.assertEqual(self.client_dalian.insurance_request_count, 2)
        action = self.client_dalian.action_view_insurance_requests()
        self.assertEqual(Request.search(action["domain"]), requests)


@tagged("post_install", "-at_install", "insurance")
class TestServiceDashboard(ServiceCommon):
    """My Pipeline: per pipeline, what the manager has due and at risk."""

    def test_overview_counts_and_boards(self):
        Type = self.env["insurance.service.type"]
        today = date(2026, 10, 7)  # a Wednesday: the week ends on Sunday 11 October

        def general(deadline, client=self.client_harbin, **values):
            return self._create_request(client, self.type_general, date_deadline=deadline, **values)

        general(today - timedelta(days=1))  # overdue
        general(today)
        general(today + timedelta(days=2))  # this week
        general(today + timedelta(days=13))  # later
        general(False).sla_state = "breached"
        general(False).sla_state = "at_risk"
        general(today, stage_id=self.stage_done.id)  # closed: not counted
        general(today, client=self.client_dalian)  # Sarah Chen's: not Li Wei's
        renewal = self.Request._create_renewal_requests(self.policy_motor)
        renewal.date_deadline = today + timedelta(days=30)
        self.Request._create_renewal_requests(self.policy_property)  # ends 31 December
        self.env.flush_all()
        with freeze_time(today):
            types = Type.with_user(self.user_am).search([])
            types.mapped("dashboard_open_count")  # warm the caches (access rules)
            self.env.invalidate_all()
            with self.assertQueryCount(DASHBOARD_QUERY_BUDGET):
                types.mapped("dashboard_open_count")  # all the counts of all the pipelines
            counts = {
                request_type.code: {
                    name: request_type[f"dashboard_{name}_count"]
                    for name in (
                        "open",
                        "overdue",
                        "due_today",
                        "due_week",
                        "sla_breached",
                        "sla_at_risk",
                        "renewal",
                    )
                }
                for request_type in types
            }
        self.assertEqual(
            counts["general"],
            {
                "open": 6,
                "overdue": 1,
                "due_today": 1,
                "due_week": 2,
                "sla_breached": 1,
                "sla_at_risk": 1,
                "renewal": 0,
            },
        )
        self.assertEqual(counts["renewal"]["open"], 2)
        self.assertEqual(counts["renewal"]["renewal"], 1)
        self.assertEqual(counts["underwriting"]["open"], 0)
        # a count opens the pipeline's own board, narrowed to what it counts
        action = (
            self.type_renewal.with_user(self.user_am)
            .with_context(insurance_dashboard_filter="renewal_30_days")
            .action_open_pipeline()
        )
        self.assertEqual(action["domain"], [("type_id", "=", self.type_renewal.id)])
        self.assertEqual(action["context"]["default_type_id"], self.type_renewal.id)
        self.assertEqual(action["context"]["search_default_renewal_30_days"], 1)
        # on that board, the columns are the renewal pipeline's stages only
        Request = self.Request.with_user(self.user_am).with_context(**action["context"])
        groups = Request.web_read_group(
            action["domain"] + [("user_id", "=", self.user_am.id)], ["stage_id"], ["stage_id"]
        )["groups"]
        self.assertEqual(
            [group["stage_id"][0] for group in groups], self.type_renewal.stage_ids.sorted().ids
        )
        # a context the client forged opens no other filter
        forged = self.type_renewal.with_context(
            insurance_dashboard_filter="inactive"
        ).action_open_pipeline()
        self.assertNotIn("search_default_inactive", forged["context"])

    def test_new_column_on_a_board_belongs_to_its_pipeline(self):
        stage = (
            self.env["insurance.service.stage"]
            .with_context(default_type_id=self.type_survey.id)
            .create({"name": "Awaiting the broker"})
        )
        self.assertEqual(stage.type_ids, self.type_survey)

    def test_risk_surveys_board_and_sla_menu(self):
        """Service > Risk Surveys is the risk survey pipeline's board, grouped by
        its stages (not by service type); loss prevention has its own; the SLA
        rules have a menu under Configuration; deadlines show no seconds."""
        Action = self.env["ir.actions.act_window"]
        surveys = Action._for_xml_id(
            "insurance_account_manager.insurance_service_request_action_risk_survey"
        )
        self.assertEqual(surveys["domain"], "[('type_code', '=', 'risk_survey')]")
        self.assertNotIn("group_by", surveys["context"])
        self.assertNotIn("group_type", surveys["context"])
        groups = self.Request.with_context(default_type_id=self.type_survey.id).web_read_group(
            [("type_code", "=", "risk_survey")], ["stage_id"], ["stage_id"]
        )["groups"]
        self.assertEqual(
            [group["stage_id"][0] for group in groups], self.type_survey.stage_ids.sorted().ids
        )
        prevention = Action._for_xml_id(
            "insurance_account_manager.insurance_service_request_action_loss_prevention"
        )
        self.assertEqual(prevention["domain"], "[('type_code', '=', 'loss_prevention')]")
        sla_menu = self.env.ref("insurance_account_manager.insurance_service_sla_menu")
        self.assertEqual(sla_menu.action.res_model, "insurance.service.sla")
        self.assertEqual(
            sla_menu.parent_id,
            self.env.ref("insurance_account_manager.insurance_menu_config_service"),
        )
        for view in ("view_kanban", "view_list", "view_form"):
            arch = self.env.ref(f"insurance_account_manager.insurance_service_request_{view}").arch
            self.assertIn("'show_seconds': False", arch, view)
