"""Query budgets of the web client's views as an account manager: the Clients
list, a client's form, a pipeline's board (the kanban My Pipeline's cards
open) and the policy pivot cost the same number of queries for a book of 5 and of 50 clients (each
with a policy, a claim and an open request, the first client with all the
policies). The budgets are measured (Odoo 18), with the field specifications
the web client builds from get_views (as bench/run.py row d)."""

from lxml import etree

from odoo.tests import tagged

from ..models.res_partner_manager_change import _ManagerChange
from .test_service_request import ServiceCommon

# (view, queries): measured for 5 and for 50 clients
LIST_BUDGET = 7  # clients list: search (with the rules' fields), counts (one statement), relations
# client form: Odoo's partner form (base, crm, calendar, mail: 17 here), and
# ours (7): the policies with their fields (one search), the lines' and the
# insurers' names, the smart buttons' counts (claims, requests, opportunities,
# needs analyses, lines with competitors) in one statement, the tier, the
# coverage gaps; the users' names (salesperson, manager, backup) read at once.
# The other lists open from smart buttons and links (31 when the form listed
# them all; a competitor's prices and clients to win: no query on a client)
FORM_BUDGET = 24
# a pipeline's board: grouped read, progress bar, the open columns with cards
KANBAN_BUDGET = 15
# four grouped reads and the headers' names: the managers' (users and their
# partners in one query, 2 before) and the lines'
PIVOT_BUDGET = 6


def web_spec(env, model, view, view_type):
    """The specification the web client sends for ``view``: each field of the
    arch, a many2one with its display name unless always invisible (the web
    client's getFieldsSpec), an x2many with the fields of its sub-view."""
    result = env[model].get_views([(view.id, view_type)])
    fields = result["models"][model]["fields"]
    arch = etree.fromstring(result["views"][view_type]["arch"])

    def spec_of(nodes, fields):
        spec = {}
        for node in nodes:
            name, info = node.get("name"), fields.get(node.get("name"))
            if not info:
                continue
            if info["type"] == "many2one":
                if node.get("invisible") not in ("True", "1"):
                    spec[name] = {"fields": {"display_name": {}}}
                else:
                    spec.setdefault(name, {"fields": {}})
            elif info["type"] in ("one2many", "many2many"):
                sub = [n for n in node.iter("field") if n is not node]
                spec[name] = (
                    {"fields": {n.get("name"): {} for n in sub}, "limit": 40}
                    if sub
                    else {"fields": {"display_name": {}}}
                )
            else:
                spec.setdefault(name, {})
        return spec

    top = [
        node
        for node in arch.iter("field")
        if not any(parent.tag == "field" for parent in node.iterancestors())
    ]
    return spec_of(top, fields)


@tagged("post_install", "-at_install", "insurance")
class TestViewsPerformance(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clients = cls.env["res.partner"]
        ref = cls.env.ref
        cls.list_view = ref("insurance_account_manager.res_partner_view_list_insurance_client")
        cls.form_view = ref("base.view_partner_form")
        cls.kanban_view = ref("insurance_account_manager.insurance_service_request_view_kanban")

    def _grow_book(self, count):
        """Clients of Li Wei (and every other one backed up by Li Wei for
        Sarah Chen) up to ``count``, each with a policy in force, a claim and
        an open request; the Harbin client gets a policy more each time."""
        env = self.env
        new = count - len(self.clients)
        clients = env["res.partner"].create(
            [
                {
                    "name": f"Client {len(self.clients) + index}",
                    "is_company": True,
                    "is_insurance_client": True,
                    "account_manager_id": (self.user_am if index % 2 else self.user_am_2).id,
                    "backup_manager_id": False if index % 2 else self.user_am.id,
                    "insurance_tier_id": self.tier_general.id,
                }
                for index in range(new)
            ]
        )
        self.clients |= clients
        policies = env["insurance.policy"].create(
            [
                {
                    "name": f"V-{client.id}-{partner.id}",
                    "partner_id": partner.id,
                    "line_id": self.line_motor.id,
                    "premium": 1000,
                    "date_start": "2026-01-01",
                    "date_end": "2026-12-31",
                    "state": "active",
                }
                for client in clients
                for partner in (client, self.client_harbin)
            ]
        )
        for policy in policies.filtered(lambda p: p.partner_id != self.client_harbin):
            self._create_claim(policy)
        env["insurance.service.request"].create(
            [
                {
                    "name": f"Request {client.name}",
                    "type_id": self.type_general.id,
                    "partner_id": client.id,
                    "stage_id": (self.stage_new if index // 2 % 2 else self.stage_in_progress).id,
                }
                for index, client in enumerate(clients)
            ]
        )
        env.flush_all()
        env.invalidate_all()

    def _calls(self):
        """The web client's calls of each view, as Li Wei."""
        env = self.env(user=self.user_am, context={"lang": "en_US", "bin_size": True})
        Partner, Request = env["res.partner"], env["insurance.service.request"]
        Policy = env["insurance.policy"]
        list_spec = web_spec(env, "res.partner", self.list_view, "list")
        form_spec = web_spec(env, "res.partner", self.form_view, "form")
        kanban_spec = web_spec(env, "insurance.service.request", self.kanban_view, "kanban")
        # the General Service board as My Pipeline's card opens it: its stages,
        # Li Wei's open requests; the cards of the open columns that have some
        action = self.type_general.with_user(self.user_am).action_open_pipeline()
        Board = Request.with_context(default_type_id=self.type_general.id)
        board = [*action["domain"], ("user_id", "=", self.user_am.id), ("stage_state", "=", "open")]

        def kanban():
            groups = Board.web_read_group(board, ["stage_id"], ["stage_id"], lazy=True)
            Board.read_progress_bar(
                board,
                "stage_id",
                {
                    "field": "sla_state",
                    "colors": {"on_track": "success", "at_risk": "warning", "breached": "danger"},
                },
            )
            return [
                Board.web_search_read(group["__domain"], kanban_spec, limit=40)
                for group in groups["groups"]
                if not group.get("__fold") and group["stage_id_count"]
            ]

        def pivot():
            return [
                Policy.read_group(
                    [("state", "=", "active")], ["premium:sum", "__count"], groupby, lazy=False
                )
                for groupby in (
                    [],
                    ["account_manager_id"],
                    ["line_id"],
                    ["account_manager_id", "line_id"],
                )
            ]

        return {
            "list": (
                LIST_BUDGET,
                lambda: Partner.web_search_read(
                    [("is_insurance_client", "=", True)], list_spec, limit=80
                ),
            ),
            "form": (
                FORM_BUDGET,
                lambda: Partner.browse(self.client_harbin.id).web_read(form_spec),
            ),
            "kanban": (KANBAN_BUDGET, kanban),
            "pivot": (PIVOT_BUDGET, pivot),
        }

    def test_view_query_counts_do_not_grow_with_the_book(self):
        for count in (5, 50):
            self._grow_book(count)
            for view, (budget, call) in self._calls().items():
                with self.subTest(view=view, clients=count):
                    call()  # warm the registry caches (access rules, ormcache)
                    self.env.invalidate_all()
                    with self.assertQueryCount(budget):
                        result = call()
                    self.env.invalidate_all()
                    self._check(view, result, count)

    def _check(self, view, result, count):
        """What Li Wei sees: their book, all of it and only it."""
        mine = self.env["res.partner"].search(
            [
                ("is_insurance_client", "=", True),
                "|",
                ("account_manager_id", "=", self.user_am.id),
                ("backup_manager_id", "=", self.user_am.id),
            ]
        )
        if view == "list":
            self.assertEqual({r["id"] for r in result["records"]}, set(mine.ids))
        elif view == "form":
            (harbin,) = result
            self.assertEqual(harbin["insurance_policy_count"], 2 + count)
            policies = harbin["insurance_policy_ids"]
            self.assertEqual(len(policies), 2 + count)  # ids, and the first 40 read
            self.assertEqual(len([p for p in policies if "name" in p]), min(40, 2 + count))
            self.assertEqual(harbin["backup_manager_id"]["id"], self.user_am_2.id)
        elif view == "kanban":
            pipeline = self.env["insurance.service.request"].search(
                [
                    ("type_id", "=", self.type_general.id),
                    ("user_id", "=", self.user_am.id),
                    ("stage_state", "=", "open"),
                ]
            )
            self.assertGreaterEqual(len(result), 2)
            self.assertEqual(
                {card["id"] for column in result for card in column["records"]}, set(pipeline.ids)
            )
        else:
            total = result[0][0]
            policies = self.env["insurance.policy"].search(
                [("state", "=", "active"), ("partner_id", "in", mine.ids)]
            )
            self.assertEqual(total["__count"], len(policies))
            self.assertEqual(total["premium"], sum(policies.mapped("premium")))
            # the rows' headers: the managers' names
            self.assertEqual(
                {row["account_manager_id"] for row in result[1]},
                {(user.id, user.name) for user in policies.account_manager_id},
            )


@tagged("post_install", "-at_install", "insurance")
class TestManagerCopies(ServiceCommon):
    """The policies, claims and requests keep a copy of their client's backup
    manager for the record rules: whatever changes the backup, the copies
    follow, and the account managers see the same records as through the
    client."""

    def _copies(self, client):
        return {
            model: set(
                self.env[model]
                .with_context(active_test=False)
                .search([("partner_id", "=", client.id)])
                .mapped("backup_manager_id")
            )
            for model in ("insurance.policy", "insurance.claim", "insurance.service.request")
        }

    def test_copies_follow_a_write(self):
        self._create_claim(self.policy_cargo)
        self.client_dalian.backup_manager_id = self.user_am
        self.assertEqual(
            self._copies(self.client_dalian),
            dict.fromkeys(
                ("insurance.policy", "insurance.claim", "insurance.service.request"),
                {self.user_am},
            ),
        )
        # now Li Wei reads them through the rules
        env = self.env(user=self.user_am)
        self.assertTrue(env["insurance.policy"].search([("id", "=", self.policy_cargo.id)]))
        self.client_dalian.backup_manager_id = False
        self.assertFalse(env["insurance.policy"].search([("id", "=", self.policy_cargo.id)]))

    def test_copies_follow_the_set_based_writer(self):
        claim = self._create_claim(self.policy_cargo)
        self.client_dalian.sudo()._insurance_write_managers_batch(
            {self.client_dalian.id: {"backup_manager_id": self.user_am.id}},
            _ManagerChange("manual"),
        )
        self.env.invalidate_all()
        self.assertEqual(claim.backup_manager_id, self.user_am)
        self.assertEqual(self.policy_cargo.backup_manager_id, self.user_am)
        self.env.cr.execute(
            "SELECT count(*) FROM insurance_policy p JOIN res_partner c ON c.id = p.partner_id"
            " WHERE p.backup_manager_id IS DISTINCT FROM c.backup_manager_id"
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_copies_follow_a_policy_moved_to_another_client(self):
        self.policy_cargo.partner_id = self.client_harbin
        self.assertEqual(self.policy_cargo.backup_manager_id, self.user_am_2)

    def test_rules_test_the_copies(self):
        """Rule domains an index can serve: no test through the client."""
        for xmlid in (
            "insurance_policy_rule_account_manager",
            "insurance_claim_rule_account_manager",
            "insurance_claim_rule_account_manager_create",
            "insurance_service_request_rule_account_manager",
        ):
            rule = self.env.ref(f"insurance_account_manager.{xmlid}")
            self.assertIn("('backup_manager_id', '=', user.id)", rule.domain_force)
            self.assertNotIn("partner_id.", rule.domain_force)
