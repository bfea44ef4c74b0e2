"""Issue #7, reads (item 2) and the client flag (item 9), attacked over JSON-RPC.

Below the insurance groups nothing of the book is readable: a plain internal
user or a portal user sees partners as contacts, never their insurance fields,
and no insurance record at all; a service handler reads the client flag and
the requests assigned to them (with their recommendations), nothing else.
"""

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import GROUP_AM, InsuranceRpcCase

ACCESS_ERROR = ("odoo.exceptions.AccessError",)

# res.partner fields readable from Account Manager up
CLIENT_BOOK_FIELDS = [
    "account_manager_id",
    "backup_manager_id",
    "annual_premium",
    "insurance_tier_id",
    "insurance_tier_locked",
    "insurance_tier_lock_reason",
    "insurance_tier_lock_until",
    "insurance_tier_history_ids",
    "insurance_tier_request_state",
    "insurance_tier_request_tier_id",
    "insurance_tier_request_reason",
    "insurance_tier_request_until",
    "insurance_tier_request_user_id",
    "insurance_unassigned_reason",
    "insurance_assignment_checked_on",
    "insurance_assignment_ids",
    "insurance_policy_ids",
    "insurance_claim_ids",
    "insurance_policy_count",
    "insurance_claim_count",
    "insurance_request_count",
]
# stored, hence searchable and groupable
CLIENT_STORED_FIELDS = [
    "is_insurance_client",
    "account_manager_id",
    "backup_manager_id",
    "annual_premium",
    "insurance_tier_id",
    "insurance_tier_locked",
    "insurance_tier_request_state",
    "insurance_unassigned_reason",
    "insurance_assignment_checked_on",
]
# res.users fields that give away the book of each manager
MANAGER_BOOK_FIELDS = [
    "insurance_client_ids",
    "insurance_client_count",
    "insurance_load",
    "insurance_load_ratio",
]
BOOK_MODELS = [
    "insurance.policy",
    "insurance.claim",
    "insurance.tier.history",
    "insurance.manager.assignment",
    "insurance.assignment.batch",
    "insurance.qualification",
    "insurance.tier.rule",
    "insurance.assignment.rule",
]


@tagged("post_install", "-at_install", "insurance")
class TestSecurityRead(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.claim_harbin = cls._create_claim(cls.policy_motor)
        cls.client_harbin.insurance_tier_id = cls.env.ref(
            "insurance_account_manager.insurance_client_tier_key"
        )
        survey = cls.env.ref("insurance_account_manager.insurance_service_type_risk_survey")
        Request = cls.env["insurance.service.request"]
        cls.request_mine = Request.create(
            {
                "name": "Survey of the boiler hall",
                "partner_id": cls.client_harbin.id,
                "type_id": survey.id,
                "handler_id": cls.user_handler.id,
                "policy_id": cls.policy_motor.id,
                "recommendation_ids": [Command.create({"name": "Sprinklers in hall 2"})],
            }
        )
        cls.request_other = Request.create(
            {
                "name": "Survey of the brewery",
                "partner_id": cls.client_shenyang.id,
                "type_id": survey.id,
                "handler_id": cls.user_am_other.id,
                "recommendation_ids": [Command.create({"name": "Fire doors"})],
            }
        )
        cls.batch = cls.env["insurance.assignment.batch"].create(
            {"reason": "Book review", "company_id": cls.company.id}
        )
        # a salesperson who creates contacts, outside the insurance groups
        cls.user_contacts = new_test_user(
            cls.env,
            login="iam_rpc_contacts",
            name="Cathy Contacts",
            groups="base.group_user,base.group_partner_manager",
        )
        cls.outsiders = (cls.user_internal, cls.user_portal, cls.user_handler)

    # ------------------------------------------------------------
    # Item 2: the book is not readable below the insurance groups
    # ------------------------------------------------------------

    def test_item2_outsiders_cannot_read_client_fields(self):
        for user in (self.user_internal, self.user_portal, self.user_handler):
            # the portal user reads its own partner only
            partner_id = user.partner_id.id if user == self.user_portal else self.client_harbin.id
            for fname in CLIENT_BOOK_FIELDS:
                with self.subTest(user=user.login, field=fname):
                    self.assertRpcRefused(
                        user, "res.partner", "read", [partner_id], [fname], errors=ACCESS_ERROR
                    )
                    self.assertRpcRefused(
                        user,
                        "res.partner",
                        "search_read",
                        [("id", "=", partner_id)],
                        [fname],
                        errors=ACCESS_ERROR,
                    )
                    self.assertRpcRefused(
                        user,
                        "res.partner",
                        "web_read",
                        [partner_id],
                        {fname: {}},
                        errors=ACCESS_ERROR,
                    )
                    self.assertRpcRefused(
                        user,
                        "res.partner",
                        "web_search_read",
                        [("id", "=", partner_id)],
                        {"display_name": {}, fname: {}},
                        errors=ACCESS_ERROR,
                    )
            for fname in CLIENT_STORED_FIELDS:
                if fname == "is_insurance_client" and user == self.user_handler:
                    continue
                with self.subTest(user=user.login, search_on=fname):
                    self.assertRpcRefused(
                        user,
                        "res.partner",
                        "search_read",
                        [(fname, "!=", False)],
                        ["name"],
                        errors=ACCESS_ERROR,
                    )
                    self.assertRpcRefused(
                        user,
                        "res.partner",
                        "web_search_read",
                        [(fname, "!=", False)],
                        {"display_name": {}},
                        errors=ACCESS_ERROR,
                    )
                    self.assertRpcRefused(
                        user,
                        "res.partner",
                        "read_group",
                        [],
                        ["__count"],
                        [fname],
                        errors=ACCESS_ERROR,
                    )
                    self.assertRpcRefused(
                        user,
                        "res.partner",
                        "search_read",
                        [],
                        ["name"],
                        order=f"{fname} desc",
                        limit=1,
                        errors=ACCESS_ERROR,
                    )
            with self.subTest(user=user.login, probe="premium per manager"):
                self.assertRpcRefused(
                    user,
                    "res.partner",
                    "read_group",
                    [],
                    ["annual_premium:sum"],
                    ["account_manager_id"],
                    errors=ACCESS_ERROR,
                )
                self.assertRpcRefused(
                    user,
                    "res.partner",
                    "web_read_group",
                    [],
                    ["annual_premium:sum"],
                    ["account_manager_id"],
                    errors=ACCESS_ERROR,
                )
            for fname in MANAGER_BOOK_FIELDS:
                with self.subTest(user=user.login, user_field=fname):
                    self.assertRpcRefused(
                        user, "res.users", "read", [self.user_am.id], [fname], errors=ACCESS_ERROR
                    )
            with self.subTest(user=user.login, probe="clients through a related path"):
                self.assertRpcRefused(
                    user,
                    "res.users",
                    "search_read",
                    [("insurance_client_ids.annual_premium", ">", 0)],
                    ["name"],
                    errors=ACCESS_ERROR,
                )
        # but they still read contacts as in standard Odoo
        for user in (self.user_internal, self.user_handler):
            with self.subTest(user=user.login, probe="contact"):
                [values] = self.rpc(
                    user,
                    "res.partner",
                    "web_read",
                    [self.client_harbin.id],
                    {"display_name": {}, "city": {}, "email": {}},
                )
                self.assertEqual(values["display_name"], "Harbin Boiler Works")
                [values] = self.rpc(
                    user, "res.partner", "read", [self.client_harbin.id], ["name", "city"]
                )
                self.assertEqual(values["name"], "Harbin Boiler Works")

    def test_item2_handler_reads_client_flag_only(self):
        found = self.rpc(
            self.user_handler,
            "res.partner",
            "search_read",
            [("is_insurance_client", "=", True), ("id", "=", self.client_harbin.id)],
            ["name", "is_insurance_client"],
        )
        self.assertEqual([r["id"] for r in found], [self.client_harbin.id])
        for user in (self.user_internal, self.user_portal):
            with self.subTest(user=user.login):
                self.assertRpcRefused(
                    user,
                    "res.partner",
                    "search_read",
                    [("is_insurance_client", "=", True)],
                    ["name"],
                    errors=ACCESS_ERROR,
                )

    def test_item2_outsiders_cannot_read_book_records(self):
        records = {
            "insurance.policy": self.policy_motor.id,
            "insurance.claim": self.claim_harbin.id,
            "insurance.tier.history": self.client_harbin.insurance_tier_history_ids[:1].id,
            "insurance.manager.assignment": self.client_harbin.insurance_assignment_ids[:1].id,
            "insurance.assignment.batch": self.batch.id,
            "insurance.qualification": False,
            "insurance.tier.rule": False,
            "insurance.assignment.rule": False,
        }
        for user in self.outsiders:
            for model in BOOK_MODELS:
                with self.subTest(user=user.login, model=model):
                    self.assertRpcRefused(
                        user, model, "search_read", [], ["display_name"], errors=ACCESS_ERROR
                    )
                    self.assertRpcRefused(
                        user, model, "read_group", [], ["__count"], [], errors=ACCESS_ERROR
                    )
                    self.assertRpcRefused(
                        user,
                        model,
                        "web_search_read",
                        [],
                        {"display_name": {}},
                        errors=ACCESS_ERROR,
                    )
                    if records[model]:
                        self.assertRpcRefused(
                            user, model, "read", [records[model]], ["display_name"]
                        )
        for user in (self.user_internal, self.user_portal):
            for model in ("insurance.service.request", "insurance.service.recommendation"):
                with self.subTest(user=user.login, model=model):
                    self.assertRpcRefused(
                        user, model, "search_read", [], ["name"], errors=ACCESS_ERROR
                    )
                    self.assertRpcRefused(
                        user, model, "read_group", [], ["__count"], [], errors=ACCESS_ERROR
                    )

    def test_item2_handler_reads_own_requests_only(self):
        handler = self.user_handler
        found = self.rpc(
            handler,
            "insurance.service.request",
            "search_read",
            [("id", "in", (self.request_mine | self.request_other).ids)],
            ["name", "user_id", "tier_id", "partner_id"],
        )
        self.assertEqual([r["id"] for r in found], self.request_mine.ids)
        # what the request shows: client, accountable manager, tier
        self.assertEqual(found[0]["partner_id"][0], self.client_harbin.id)
        self.assertEqual(found[0]["user_id"][0], self.user_am.id)
        self.assertTrue(found[0]["tier_id"])
        groups = self.rpc(
            handler, "insurance.service.request", "read_group", [], ["__count"], ["user_id"]
        )
        self.assertEqual(sum(g["user_id_count"] for g in groups), 1)
        self.assertRpcRefused(
            handler,
            "insurance.service.request",
            "read",
            self.request_other.ids,
            ["name"],
            errors=ACCESS_ERROR,
        )
        recommendations = self.rpc(
            handler, "insurance.service.recommendation", "search_read", [], ["request_id"]
        )
        self.assertEqual(
            {r["request_id"][0] for r in recommendations} & set(self.request_other.ids), set()
        )
        self.assertIn(self.request_mine.id, {r["request_id"][0] for r in recommendations})
        self.assertRpcRefused(
            handler,
            "insurance.service.recommendation",
            "read",
            self.request_other.recommendation_ids.ids,
            ["name"],
            errors=ACCESS_ERROR,
        )
        # nothing of the client's book directly
        self.assertRpcRefused(
            handler,
            "res.partner",
            "read",
            [self.client_harbin.id],
            ["annual_premium"],
            errors=ACCESS_ERROR,
        )

    def test_item2_account_managers_read_own_clients_only(self):
        rows = self.rpc(
            self.user_am,
            "res.partner",
            "search_read",
            [("is_insurance_client", "=", True), ("id", "in", self._book_ids())],
            ["account_manager_id", "annual_premium", "insurance_tier_id"],
        )
        self.assertEqual([r["id"] for r in rows], [self.client_harbin.id])
        self.assertEqual(rows[0]["annual_premium"], 42000)
        groups = self.rpc(
            self.user_am,
            "res.partner",
            "read_group",
            [("id", "in", self._book_ids())],
            ["annual_premium:sum"],
            ["account_manager_id"],
        )
        self.assertEqual(
            [(g["account_manager_id"][0], g["annual_premium"]) for g in groups],
            [(self.user_am.id, 42000)],
        )
        self.assertRpcRefused(
            self.user_am,
            "res.partner",
            "read",
            [self.client_shenyang.id],
            ["annual_premium"],
            errors=ACCESS_ERROR,
        )
        lead_rows = self.rpc(
            self.user_lead,
            "res.partner",
            "search_read",
            [("id", "in", self._book_ids())],
            ["annual_premium"],
        )
        self.assertEqual(
            {r["id"] for r in lead_rows}, {self.client_harbin.id, self.client_dalian.id}
        )

    def test_item2_team_leads_read_clients_without_manager(self):
        """The clients without a manager are the team leads' queue: they are
        told of them and dispatch them, so they read them; nobody below does."""
        waiting = self.env["res.partner"].create(
            {"name": "Anshan Steel Stockist", "is_company": True, "is_insurance_client": True}
        )
        waiting.account_manager_id = False
        self.assertFalse(waiting.account_manager_id)
        rows = self.rpc(
            self.user_lead, "res.partner", "search_read", [("id", "=", waiting.id)], ["name"]
        )
        self.assertEqual([r["id"] for r in rows], waiting.ids)
        for user in (self.user_am, self.user_am_other, *self.outsiders):
            with self.subTest(user=user.login):
                if user in (self.user_am, self.user_am_other):
                    self.assertFalse(
                        self.rpc(user, "res.partner", "search", [("id", "=", waiting.id)])
                    )
                self.assertRpcRefused(
                    user,
                    "res.partner",
                    "read",
                    [waiting.id],
                    ["annual_premium"],
                    errors=ACCESS_ERROR,
                )
        # theirs to dispatch to a manager of their teams, not elsewhere, nor
        # to delete
        self._make_account_managers(self.user_am | self.user_am_other)
        self.assertRpcRefused(
            self.user_lead, "res.partner", "unlink", waiting.ids, errors=ACCESS_ERROR
        )
        self.assertRpcRefused(
            self.user_lead,
            "res.partner",
            "write",
            waiting.ids,
            {"account_manager_id": self.user_am_other.id},
            errors=ACCESS_ERROR,
        )
        self.rpc(
            self.user_lead,
            "res.partner",
            "write",
            waiting.ids,
            {"account_manager_id": self.user_am.id},
        )
        self.assertEqual(waiting.account_manager_id, self.user_am)

    def _book_ids(self):
        return (self.client_harbin | self.client_dalian | self.client_shenyang).ids

    # ------------------------------------------------------------
    # Views still open for every group
    # ------------------------------------------------------------

    def _open_views(self, user, model, record_ids, views):
        """Open each view as the web client does: ``get_views``, then read the
        records with the fields of that view. Returns ``{view type: (result
        of get_views, records read)}``."""
        opened = {}
        for view_id, view_type in views:
            result = self.rpc(user, model, "get_views", [[view_id, view_type]], {"toolbar": True})
            spec = {
                name: {"fields": {"display_name": {}}}
                if field["type"] in ("many2one", "one2many", "many2many")
                else {}
                for name, field in result["models"][model]["fields"].items()
            }
            if view_type == "form":
                records = self.rpc(user, model, "web_read", record_ids, spec)
            elif view_type == "search":
                records = []
            else:
                records = self.rpc(
                    user, model, "web_search_read", [("id", "in", record_ids)], spec
                )["records"]
            opened[view_type] = (result, records)
        return opened

    def test_item2_views_load_for_every_group(self):
        views = [[False, "form"], [False, "list"], [False, "kanban"], [False, "search"]]
        for user in (self.user_internal, self.user_handler, self.user_am, self.user_admin):
            with self.subTest(user=user.login):
                opened = self._open_views(user, "res.partner", self.client_harbin.ids, views)
                self.assertEqual(opened["form"][1][0]["id"], self.client_harbin.id)
                self.assertEqual(opened["list"][1][0]["id"], self.client_harbin.id)
                form = opened["form"][0]
                fields = form["models"]["res.partner"]["fields"]
                if user.has_group(GROUP_AM):
                    self.assertIn("annual_premium", fields)
                    self.assertIn("account_manager_id", fields)
                    self.assertIn("Insurance", form["views"]["form"]["arch"])
                    continue
                for result, _records in opened.values():
                    self.assertFalse(
                        set(CLIENT_BOOK_FIELDS) & set(result["models"]["res.partner"]["fields"])
                    )
                    [arch] = [view["arch"] for view in result["views"].values()]
                    for fname in ("annual_premium", "account_manager_id", "insurance_tier_id"):
                        self.assertNotIn(fname, arch)
        # the Clients menu, as a manager
        action = self.env.ref("insurance_account_manager.res_partner_action_insurance_client")
        opened = self._open_views(
            self.user_am,
            "res.partner",
            self.client_harbin.ids,
            [[view.view_id.id, view.view_mode] for view in action.view_ids],
        )
        [row] = opened["list"][1]
        self.assertEqual(row["annual_premium"], 42000)

    def test_item2_request_views_load_for_handler(self):
        handler = self.user_handler
        model = "insurance.service.request"
        views = [[False, "form"], [False, "list"], [False, "kanban"], [False, "search"]]
        opened = self._open_views(handler, model, self.request_mine.ids, views)
        form, [values] = opened["form"]
        fields = form["models"][model]["fields"]
        for fname in ("partner_id", "user_id", "tier_id", "handler_id", "stage_id"):
            self.assertIn(fname, fields)
        # policies and claims are not shown to a handler (the renewed term is
        # kept, invisible, for the Renewal page's modifier)
        for fname in ("policy_id", "claim_id", "new_policy_id"):
            self.assertNotIn(f'name="{fname}"', form["views"]["form"]["arch"])
        self.assertNotIn('name="policy_id"', opened["search"][0]["views"]["search"]["arch"])
        self.assertEqual(values["partner_id"]["display_name"], "Harbin Boiler Works")
        self.assertEqual(values["user_id"]["id"], self.user_am.id)
        self.assertTrue(values["tier_id"])
        self.assertEqual([r["id"] for r in opened["kanban"][1]], self.request_mine.ids)
        self.assertEqual([r["id"] for r in opened["list"][1]], self.request_mine.ids)

    # ------------------------------------------------------------
    # Item 9: the client flag of an existing partner is for administrators
    # ------------------------------------------------------------

    def test_item9_client_flag_admin_only(self):
        for user in (self.user_am, self.user_lead):
            with self.subTest(user=user.login, probe="take a client out of the book"):
                self.assertRpcRefused(
                    user,
                    "res.partner",
                    "write",
                    [self.client_harbin.id],
                    {"is_insurance_client": False},
                    errors=ACCESS_ERROR,
                )
            # with a manager of theirs, so that they still see it afterwards
            for values in (
                {"is_insurance_client": True},
                {"is_insurance_client": True, "account_manager_id": self.user_am.id},
            ):
                with self.subTest(user=user.login, probe="make the insurer a client", **values):
                    self.assertRpcRefused(
                        user,
                        "res.partner",
                        "write",
                        [self.insurer.id],
                        values,
                        errors=ACCESS_ERROR,
                    )
        with self.subTest(probe="a salesperson creates a client"):
            self.assertRpcRefused(
                self.user_contacts,
                "res.partner",
                "create",
                {"name": "Fake Client", "is_insurance_client": True},
                errors=ACCESS_ERROR,
            )
            self.assertRpcRefused(
                self.user_contacts,
                "res.partner",
                "create",
                {"name": "Fake Client", "account_manager_id": self.user_am.id},
                errors=ACCESS_ERROR,
            )
        self.assertTrue(self.client_harbin.is_insurance_client)
        self.assertFalse(self.insurer.is_insurance_client)
        # an account manager (who takes clients) creates a client, as from the Clients menu
        self._make_account_managers(self.user_am)
        new_id = self.rpc(
            self.user_am,
            "res.partner",
            "create",
            {"name": "Qiqihar Mills", "is_company": True},
            context={
                "default_is_insurance_client": True,
                "default_account_manager_id": self.user_am.id,
            },
        )
        client = self.env["res.partner"].browse(new_id)
        self.assertTrue(client.is_insurance_client)
        self.assertEqual(client.account_manager_id, self.user_am)
        self.rpc(self.user_am, "res.partner", "write", [self.client_harbin.id], {"city": "Harbin"})
        # a salesperson still creates and duplicates contacts
        contact_id = self.rpc(self.user_contacts, "res.partner", "create", {"name": "Plain"})
        self.rpc(self.user_contacts, "res.partner", "copy", [self.client_harbin.id])
        self.assertFalse(self.env["res.partner"].browse(contact_id).is_insurance_client)
        # administrators can
        self.rpc(
            self.user_admin,
            "res.partner",
            "write",
            [self.client_harbin.id],
            {"is_insurance_client": False},
        )
        self.assertFalse(self.client_harbin.is_insurance_client)
        self.rpc(
            self.user_admin,
            "res.partner",
            "write",
            [self.insurer.id],
            {"is_insurance_client": True},
        )
        self.assertTrue(self.insurer.is_insurance_client)

    # ------------------------------------------------------------
    # Item 14 (part): service types are fenced by company
    # ------------------------------------------------------------

    def test_item14_service_type_company_rule(self):
        company_south = self.env["res.company"].create({"name": "Insurer South"})
        admin_south = new_test_user(
            self.env,
            login="iam_rpc_admin_south",
            groups="insurance_account_manager.insurance_group_admin",
            company_id=company_south.id,
            company_ids=[Command.set(company_south.ids)],
        )
        north = self.env["insurance.service.type"].create(
            {"name": "North Engineering", "code": "underwriting", "company_id": self.company.id}
        )
        shared = self.env.ref("insurance_account_manager.insurance_service_type_general")
        found = self.rpc(
            admin_south,
            "insurance.service.type",
            "search_read",
            [("id", "in", (north | shared).ids)],
            ["name"],
        )
        self.assertEqual([row["id"] for row in found], shared.ids)
        self.assertRpcRefused(
            admin_south, "insurance.service.type", "read", north.ids, ["name"], errors=ACCESS_ERROR
        )
