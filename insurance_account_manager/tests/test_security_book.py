"""The client book's trust boundary (issue #7, items 1, 3, 6 and part of 14),
attacked over JSON-RPC as the browser would: renewals won, lost or priced by
who may not, claims and requests on clients the user does not manage, policies
moved into another manager's book, claim numbers used up by refused saves, and
SLA rules edited without re-matching the open requests.

The attacker is ``user_am_other`` (manages Shenyang only) on ``user_am``'s
client Harbin, and the Service Handler ``user_handler``; plain internal and
portal users are refused as well.
"""

from datetime import date

from odoo.tests import tagged

from .common import COVER_END, COVER_START, InsuranceRpcCase

ACCESS = "odoo.exceptions.AccessError"
USER = "odoo.exceptions.UserError"
VALIDATION = "odoo.exceptions.ValidationError"
REQUEST = "insurance.service.request"
CLAIM = "insurance.claim"
POLICY = "insurance.policy"
WON = "insurance.service.request.won"


@tagged("post_install", "-at_install", "insurance")
class TestSecurityBook(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.tier_key = ref("insurance_account_manager.insurance_client_tier_key")
        cls.tier_general = ref("insurance_account_manager.insurance_client_tier_general")
        (cls.tier_key | cls.tier_general).write({"active": True})
        cls.client_harbin.insurance_tier_id = cls.tier_key
        cls.client_dalian.insurance_tier_id = cls.tier_general
        cls.type_renewal = ref("insurance_account_manager.insurance_service_type_renewal")
        cls.type_general = ref("insurance_account_manager.insurance_service_type_general")
        cls.type_underwriting = ref("insurance_account_manager.insurance_service_type_underwriting")
        cls.stage_renewal_due = ref("insurance_account_manager.insurance_service_stage_renewal_due")
        cls.stage_renewal_negotiation = ref(
            "insurance_account_manager.insurance_service_stage_renewal_negotiation"
        )
        cls.stage_renewal_won = ref("insurance_account_manager.insurance_service_stage_renewal_won")
        cls.stage_renewal_lost = ref(
            "insurance_account_manager.insurance_service_stage_renewal_lost"
        )
        cls.stage_done = ref("insurance_account_manager.insurance_service_stage_done")
        cls.stage_rejected = ref("insurance_account_manager.insurance_claim_stage_rejected")
        cls.reason_price = ref("insurance_account_manager.insurance_service_lost_reason_price")
        Request = cls.env[REQUEST]
        # Harbin's renewals: one worked by the department's Service Handler, one
        # handed to an account manager who does not manage Harbin
        cls.renewal_motor = Request._create_renewal_requests(cls.policy_motor)
        cls.renewal_motor.handler_id = cls.user_handler
        cls.renewal_property = Request._create_renewal_requests(cls.policy_property)
        cls.renewal_property.handler_id = cls.user_am_other
        # Dalian (Sarah Chen, in Zhang Lead's team)
        cls.renewal_cargo = Request._create_renewal_requests(cls.policy_cargo)
        cls.claim_motor = cls._create_claim(cls.policy_motor)
        cls.request_harbin = Request.create(
            {
                "name": "Harbin: new site",
                "type_id": cls.type_general.id,
                "partner_id": cls.client_harbin.id,
                "policy_id": cls.policy_motor.id,
                "handler_id": cls.user_handler.id,
            }
        )

    def _fresh(self, *records):
        """What the database holds now (the RPC calls ran in other environments)."""
        self.env.invalidate_all()
        return records[0] if len(records) == 1 else records or None

    def _claim_vals(self, policy, **values):
        return {
            "policy_id": policy.id,
            "date_loss": "2026-03-10",
            "date_reported": "2026-03-12",
            **values,
        }

    def _rpc_win(self, user, request, **values):
        """Win ``request`` as ``user`` as the web client does: the Won button
        opens the wizard (prefilled), whose confirmation creates the next term."""
        action = self.rpc(user, REQUEST, "action_mark_won", [request.id])
        self.assertEqual(action["res_model"], WON)
        wizard = self.rpc(user, WON, "create", [values], context=dict(action["context"]))[0]
        return self.rpc(user, WON, "action_confirm", [wizard])

    def _next_terms(self, policy):
        return (
            self.env[POLICY]
            .with_context(active_test=False)
            .search([("previous_policy_id", "=", policy.id)])
        )

    # ------------------------------------------------------------
    # 1. Renewals: won, lost, reopened and priced only by who may
    # ------------------------------------------------------------

    def test_item1_forged_renewal_refused(self):
        """Nobody creates a renewal of another's policy, or turns a request into
        one: the term renewed and the premiums are set by the server only."""
        policy = self._create_policy(
            "T-PROP-2", self.client_harbin, self.line_property, 20000, 2000000
        )
        premium = self.client_harbin.annual_premium
        forged = {
            "name": "Forged renewal",
            "type_id": self.type_renewal.id,
            "partner_id": self.client_shenyang.id,
            "renewed_policy_id": policy.id,
            "previous_premium": 1,
            "new_premium": 1,
        }
        for user in (self.user_am_other, self.user_handler, self.user_internal, self.user_portal):
            with self.subTest(user=user.login):
                self.assertRpcRefused(user, REQUEST, "create", [forged], errors=(ACCESS,))
        # the manager's own client and own request: the server fields stay the server's
        own = self.rpc(
            self.user_am_other,
            REQUEST,
            "create",
            [
                {
                    "name": "Shenyang",
                    "type_id": self.type_renewal.id,
                    "partner_id": self.client_shenyang.id,
                }
            ],
        )[0]
        for values in (
            {"renewed_policy_id": self.policy_liability.id},
            {"new_policy_id": self.policy_motor.id},
            {"previous_premium": 1},
        ):
            with self.subTest(values=values):
                self.assertRpcRefused(
                    self.user_am_other, REQUEST, "write", [own], values, errors=(ACCESS,)
                )
        self.rpc(self.user_am_other, REQUEST, "action_mark_won", [own])
        self._fresh()
        self.assertFalse(self._next_terms(policy))
        self.assertFalse(self._next_terms(self.policy_liability))
        self.assertFalse(policy.renewal_state)
        self.assertFalse(policy.renewal_request_ids)
        self.assertEqual(self.client_harbin.annual_premium, premium)
        self.assertFalse(self.env[REQUEST].browse(own).renewed_policy_id)

    def test_item1_handler_cannot_win_lose_or_price_a_renewal(self):
        """The renewal's handlers (a Service Handler, an account manager who does
        not manage the client) work it, but neither price, win nor lose it."""
        for user, request in (
            (self.user_handler, self.renewal_motor),
            (self.user_am_other, self.renewal_property),
        ):
            policy = request.renewed_policy_id
            with self.subTest(user=user.login):
                self.assertRpcRefused(
                    user, REQUEST, "write", [request.id], {"new_premium": 1}, errors=(ACCESS,)
                )
                self.assertRpcRefused(
                    user, REQUEST, "action_mark_won", [request.id], errors=(ACCESS,)
                )
                self.assertRpcRefused(
                    user,
                    REQUEST,
                    "write",
                    [request.id],
                    {"stage_id": self.stage_renewal_won.id, "new_premium": 1},
                    errors=(ACCESS,),
                )
                self.assertRpcRefused(
                    user,
                    REQUEST,
                    "write",
                    [request.id],
                    {
                        "stage_id": self.stage_renewal_lost.id,
                        "lost_reason_id": self.reason_price.id,
                    },
                    errors=(ACCESS,),
                )
                wizard = self.rpc(
                    user,
                    "insurance.service.request.lost",
                    "create",
                    [
                        {
                            "request_ids": [(6, 0, request.ids)],
                            "lost_reason_id": self.reason_price.id,
                        }
                    ],
                )[0]
                self.assertRpcRefused(
                    user,
                    "insurance.service.request.lost",
                    "action_mark_lost",
                    [wizard],
                    errors=(ACCESS,),
                )
                # working it is theirs: a note, and a move between open stages
                self.rpc(user, REQUEST, "message_post", [request.id], body="Broker called")
                self.rpc(
                    user,
                    REQUEST,
                    "write",
                    [request.id],
                    {"stage_id": self.stage_renewal_negotiation.id},
                )
                self._fresh()
                self.assertEqual(request.stage_id, self.stage_renewal_negotiation)
                self.assertEqual(request.new_premium, policy.premium)
                self.assertFalse(self._next_terms(policy))
                self.assertEqual(policy.renewal_state, "open")
        for user in (self.user_internal, self.user_portal):
            with self.subTest(user=user.login):
                self.assertRpcRefused(
                    user, REQUEST, "action_mark_won", [self.renewal_motor.id], errors=(ACCESS,)
                )
        # nor may the backup manager: the decision is the manager's, the lead's
        # or an administrator's
        self.assertRpcRefused(
            self.user_am_2, REQUEST, "action_mark_won", [self.renewal_motor.id], errors=(ACCESS,)
        )
        self.assertFalse(self._next_terms(self.policy_motor))

    def test_item1_handler_cannot_reopen_a_won_renewal(self):
        self._rpc_win(self.user_am, self.renewal_motor)
        next_term = self._fresh(self.renewal_motor).new_policy_id
        self.assertTrue(next_term)
        self.assertRpcRefused(
            self.user_handler,
            REQUEST,
            "write",
            [self.renewal_motor.id],
            {"stage_id": self.stage_renewal_due.id},
            errors=(ACCESS,),
        )
        self._fresh()
        self.assertEqual(self.renewal_motor.stage_id, self.stage_renewal_won)
        self.assertEqual(self.policy_motor.renewal_state, "renewed")
        # the manager may reopen it
        self.rpc(
            self.user_am,
            REQUEST,
            "write",
            [self.renewal_motor.id],
            {"stage_id": self.stage_renewal_due.id},
        )
        self.assertEqual(self._fresh(self.policy_motor).renewal_state, "open")

    def test_item1_manager_and_team_lead_win_renewals(self):
        """The client's manager prices and wins their renewal; the next term is
        created with their own rights. The team lead wins a member's renewal."""
        self.rpc(self.user_am, REQUEST, "write", [self.renewal_motor.id], {"new_premium": 13000})
        self._rpc_win(self.user_am, self.renewal_motor)
        self._fresh()
        next_term = self.renewal_motor.new_policy_id
        self.assertRecordValues(
            next_term,
            [
                {
                    "partner_id": self.client_harbin.id,
                    "previous_policy_id": self.policy_motor.id,
                    "premium": 13000.0,
                    "state": "active",
                    "create_uid": self.user_am.id,
                }
            ],
        )
        self.assertEqual(self.policy_motor.renewal_state, "renewed")
        # dropped on Won, a renewal is refused: the wizard asks for the next term
        self.assertRpcRefused(
            self.user_lead,
            REQUEST,
            "write",
            [self.renewal_cargo.id],
            {"stage_id": self.stage_renewal_won.id, "new_premium": 8800},
            errors=(USER,),
            message="Won button",
        )
        self._rpc_win(self.user_lead, self.renewal_cargo, premium=8800)
        self._fresh()
        self.assertRecordValues(
            self.renewal_cargo.new_policy_id,
            [
                {
                    "partner_id": self.client_dalian.id,
                    "premium": 8800.0,
                    "create_uid": self.user_lead.id,
                }
            ],
        )
        # and the manager loses one with a reason, through the wizard
        wizard = self.rpc(
            self.user_am,
            "insurance.service.request.lost",
            "create",
            [
                {
                    "request_ids": [(6, 0, self.renewal_property.ids)],
                    "lost_reason_id": self.reason_price.id,
                }
            ],
        )[0]
        self.rpc(self.user_am, "insurance.service.request.lost", "action_mark_lost", [wizard])
        self.assertEqual(self._fresh(self.policy_property).renewal_state, "not_renewed")

    # ------------------------------------------------------------
    # 3. Claims and requests only on clients the user manages
    # ------------------------------------------------------------

    def test_item3_claim_on_another_managers_policy_refused(self):
        claims_before = self.env[CLAIM].search_count([])
        requests_before = self.env[REQUEST].search_count([])
        for values in ({}, {"user_id": self.user_am_other.id}):
            with self.subTest(values=values):
                self.assertRpcRefused(
                    self.user_am_other,
                    CLAIM,
                    "create",
                    [self._claim_vals(self.policy_motor, **values)],
                    errors=(ACCESS,),
                )
        for user in (self.user_handler, self.user_internal, self.user_portal):
            with self.subTest(user=user.login):
                self.assertRpcRefused(
                    user,
                    CLAIM,
                    "create",
                    [self._claim_vals(self.policy_motor)],
                    errors=(ACCESS,),
                )
        # a claim of the manager's own client cannot be moved onto Harbin's policy
        own = self.rpc(
            self.user_am_other, CLAIM, "create", [self._claim_vals(self.policy_liability)]
        )[0]
        self.assertRpcRefused(
            self.user_am_other,
            CLAIM,
            "write",
            [own],
            {"policy_id": self.policy_motor.id},
            errors=(ACCESS,),
        )
        # nor does the handler of Shenyang's claim take it into his own book
        handled = self._create_claim(self.policy_liability, user_id=self.user_am.id)
        self.assertRpcRefused(
            self.user_am,
            CLAIM,
            "write",
            [handled.id],
            {"policy_id": self.policy_motor.id},
            errors=(ACCESS,),
        )
        self.assertEqual(self._fresh(handled).partner_id, self.client_shenyang)
        claims_before += 1
        requests_before += 1
        # nor can Harbin's claim be moved to another stage
        self.assertRpcRefused(
            self.user_am_other,
            CLAIM,
            "write",
            [self.claim_motor.id],
            {"stage_id": self.stage_rejected.id},
            errors=(ACCESS,),
        )
        self._fresh()
        self.assertEqual(self.env[CLAIM].search_count([]), claims_before + 1)
        self.assertEqual(self.env[REQUEST].search_count([]), requests_before + 1)
        self.assertEqual(self.env[CLAIM].browse(own).policy_id, self.policy_liability)
        self.assertEqual(self.claim_motor.stage_id, self.stage_notified)
        self.assertFalse(
            self.rpc(
                self.user_am_other,
                REQUEST,
                "search",
                [
                    ("partner_id", "=", self.client_harbin.id),
                    ("type_id", "!=", self.type_renewal.id),
                ],
            )
        )

    def test_item3_claim_errors_reveal_nothing_of_an_unreadable_policy(self):
        """Li Wei handles a claim on Shenyang's policy, which he cannot read: the
        errors on his amounts and dates do not show the policy's figures."""
        claim = self._create_claim(self.policy_liability, user_id=self.user_am.id)
        error = self.assertRpcRefused(
            self.user_am,
            CLAIM,
            "write",
            [claim.id],
            {"amount_paid": 2000000},
            errors=(VALIDATION,),
            message="sum insured",
        )
        self.assertNotRegex(error.message, r"1,000,000|1000000")
        error = self.assertRpcRefused(
            self.user_am,
            CLAIM,
            "write",
            [claim.id],
            {"date_loss": "2025-06-01", "date_reported": "2025-06-02"},
            errors=(VALIDATION,),
            message="cover",
        )
        self.assertNotIn(str(COVER_START), error.message)
        self.assertNotIn(str(COVER_END), error.message)
        self._fresh()
        self.assertEqual(claim.amount_paid, 0)
        self.assertEqual(claim.date_loss, date(2026, 3, 10))
        # the policy's manager is told the figures
        error = self.assertRpcRefused(
            self.user_am_other,
            CLAIM,
            "write",
            [claim.id],
            {"amount_paid": 2000000},
            errors=(VALIDATION,),
        )
        self.assertRegex(error.message, r"1,000,000")

    def test_item3_request_only_on_a_client_the_user_manages(self):
        Request = self.env[REQUEST]
        before = Request.search_count([])
        attempts = [
            {"partner_id": self.client_harbin.id},
            {"partner_id": self.client_shenyang.id, "policy_id": self.policy_motor.id},
            {"partner_id": self.client_shenyang.id, "claim_id": self.claim_motor.id},
            {"partner_id": False, "policy_id": self.policy_motor.id},
        ]
        for values in attempts:
            with self.subTest(values=values):
                self.assertRpcRefused(
                    self.user_am_other,
                    REQUEST,
                    "create",
                    [{"name": "Probe", "type_id": self.type_general.id, **values}],
                    errors=(ACCESS,),
                )
        for user in (self.user_handler, self.user_internal, self.user_portal):
            with self.subTest(user=user.login):
                self.assertRpcRefused(
                    user,
                    REQUEST,
                    "create",
                    [{"name": "Probe", "type_id": self.type_general.id, **attempts[0]}],
                    errors=(ACCESS,),
                )
        # a request of the manager's own client is not moved to Harbin
        own = self.rpc(
            self.user_am_other,
            REQUEST,
            "create",
            [
                {
                    "name": "Own",
                    "type_id": self.type_general.id,
                    "partner_id": self.client_shenyang.id,
                }
            ],
        )[0]
        for values in (
            {"partner_id": self.client_harbin.id},
            {"policy_id": self.policy_motor.id},
            {"claim_id": self.claim_motor.id},
            {"user_id": self.user_am.id},
        ):
            with self.subTest(values=values):
                self.assertRpcRefused(
                    self.user_am_other, REQUEST, "write", [own], values, errors=(ACCESS,)
                )
        # an account manager who handles Harbin's request does not take it into
        # his own book
        handled = self.env[REQUEST].create(
            {
                "name": "Harbin: survey",
                "type_id": self.type_general.id,
                "partner_id": self.client_harbin.id,
                "handler_id": self.user_am_other.id,
            }
        )
        before += 1
        self.assertRpcRefused(
            self.user_am_other,
            REQUEST,
            "write",
            [handled.id],
            {"partner_id": self.client_shenyang.id},
            errors=(ACCESS,),
        )
        self.assertEqual(self._fresh(handled).partner_id, self.client_harbin)
        # the Service Handler works Harbin's request, but does not change what
        # it is about, its pipeline or who is accountable for it
        for values in (
            {"partner_id": self.client_shenyang.id},
            {"policy_id": self.policy_property.id},
            {"claim_id": self.claim_motor.id},
            {"type_id": self.type_underwriting.id},
            {"user_id": self.user_handler.id},
        ):
            with self.subTest(values=values):
                self.assertRpcRefused(
                    self.user_handler,
                    REQUEST,
                    "write",
                    [self.request_harbin.id],
                    values,
                    errors=(ACCESS,),
                )
        self.rpc(self.user_handler, REQUEST, "write", [self.request_harbin.id], {"priority": "3"})
        self._fresh()
        self.assertEqual(Request.search_count([]), before + 1)
        self.assertRecordValues(
            self.request_harbin,
            [
                {
                    "partner_id": self.client_harbin.id,
                    "policy_id": self.policy_motor.id,
                    "claim_id": False,
                    "type_id": self.type_general.id,
                    "user_id": self.user_am.id,
                    "priority": "3",
                }
            ],
        )
        self.assertEqual(Request.browse(own).partner_id, self.client_shenyang)
        self.assertEqual(self.client_harbin.account_manager_id, self.user_am)
        # the manager opens a request on their client's policy and claim
        created = self.rpc(
            self.user_am,
            REQUEST,
            "create",
            [
                {
                    "name": "Harbin claim follow-up",
                    "type_id": self.type_general.id,
                    "partner_id": self.client_harbin.id,
                    "policy_id": self.policy_motor.id,
                    "claim_id": self.claim_motor.id,
                }
            ],
        )[0]
        self.assertEqual(self._fresh(Request.browse(created)).user_id, self.user_am)

    # ------------------------------------------------------------
    # 6. A policy stays in its book
    # ------------------------------------------------------------

    def test_item6_policy_not_moved_into_another_book(self):
        outsider = self.env["res.partner"].create({"name": "Not A Client Ltd", "is_company": True})
        for user, target in (
            (self.user_am, self.client_shenyang),  # another manager's client
            (self.user_am, self.client_dalian),  # a team member's client
            (self.user_am, outsider),  # out of every book
            (self.user_am_other, self.client_shenyang),
            (self.user_handler, self.client_shenyang),
            (self.user_internal, self.client_shenyang),
            (self.user_portal, self.client_shenyang),
        ):
            with self.subTest(user=user.login, target=target.name):
                self.assertRpcRefused(
                    user,
                    POLICY,
                    "write",
                    [self.policy_motor.id],
                    {"partner_id": target.id},
                    errors=(ACCESS,),
                )
        self._fresh()
        self.assertEqual(self.policy_motor.partner_id, self.client_harbin)
        self.assertEqual(self.claim_motor.partner_id, self.client_harbin)
        self.assertEqual(self.policy_motor.account_manager_id, self.user_am)
        self.assertFalse(outsider.is_insurance_client)
        # the team lead moves it between two clients of the team: its claims and
        # their requests follow
        self.rpc(
            self.user_lead,
            POLICY,
            "write",
            [self.policy_motor.id],
            {"partner_id": self.client_dalian.id},
        )
        self._fresh()
        self.assertEqual(self.claim_motor.partner_id, self.client_dalian)
        self.assertEqual(self.claim_motor.account_manager_id, self.user_am_2)
        self.assertEqual(self.claim_motor.service_request_ids.partner_id, self.client_dalian)
        self.assertEqual(self.request_harbin.partner_id, self.client_dalian)

    # ------------------------------------------------------------
    # 14. Smaller gaps
    # ------------------------------------------------------------

    def test_item14_claim_on_draft_or_cancelled_policy_refused(self):
        draft = self._create_policy(
            "T-DRAFT", self.client_harbin, self.line_motor, 100, 1000, state="draft"
        )
        cancelled = self._create_policy(
            "T-CANCELLED", self.client_harbin, self.line_motor, 100, 1000, state="cancelled"
        )
        for policy in (draft, cancelled):
            with self.subTest(policy=policy.name):
                self.assertRpcRefused(
                    self.user_am,
                    CLAIM,
                    "create",
                    [self._claim_vals(policy)],
                    errors=(VALIDATION,),
                    message="active or expired",
                )
                self.assertRpcRefused(
                    self.user_am,
                    CLAIM,
                    "write",
                    [self.claim_motor.id],
                    {"policy_id": policy.id},
                    errors=(VALIDATION,),
                    message="active or expired",
                )
        self.assertFalse(self.env[CLAIM].search([("policy_id", "in", (draft | cancelled).ids)]))

    def test_item14_refused_claim_uses_up_no_number(self):
        def number(claim_id):
            return int(self.env[CLAIM].browse(claim_id).name.rsplit("/", 1)[1])

        first = self.rpc(self.user_am, CLAIM, "create", [self._claim_vals(self.policy_motor)])[0]
        self.assertRpcRefused(
            self.user_am,
            CLAIM,
            "create",
            [self._claim_vals(self.policy_motor, amount_paid=600000)],
            errors=(VALIDATION,),
        )
        self.assertRpcRefused(
            self.user_am,
            CLAIM,
            "create",
            [self._claim_vals(self.policy_motor, date_loss="2025-01-01")],
            errors=(VALIDATION,),
        )
        self.assertRpcRefused(
            self.user_am_other,
            CLAIM,
            "create",
            [self._claim_vals(self.policy_motor)],
            errors=(ACCESS,),
        )
        second = self.rpc(self.user_am, CLAIM, "create", [self._claim_vals(self.policy_motor)])[0]
        self._fresh()
        self.assertEqual(number(second), number(first) + 1)
        self.assertEqual(
            self.env[CLAIM].browse(second).service_request_ids.name,
            f"Claim {self.env[CLAIM].browse(second).name}",
        )

    def test_item14_new_premium_only_from_who_may_win(self):
        self.assertRpcRefused(
            self.user_handler,
            REQUEST,
            "write",
            [self.renewal_motor.id],
            {"new_premium": 1},
            errors=(ACCESS,),
        )
        self._rpc_win(self.user_am, self.renewal_motor)
        self._fresh()
        self.assertEqual(self.renewal_motor.new_policy_id.premium, 12000.0)

    def test_item14_check_company_on_claim_policy(self):
        self.assertTrue(self.env[CLAIM]._fields["policy_id"].check_company)
        self.assertTrue(self.env[REQUEST]._fields["policy_id"].check_company)
        self.assertTrue(self.env[REQUEST]._fields["claim_id"].check_company)
        self.assertTrue(self.env["insurance.assignment.rule"]._fields["team_id"].check_company)

    def test_item14_sla_changes_rematch_open_requests(self):
        """Creating, editing, archiving and deleting an SLA rule re-matches the
        open requests of its pipeline; closed ones keep the SLA they had."""
        Request = self.env[REQUEST]
        sla_key = self.env.ref("insurance_account_manager.insurance_service_sla_general_key")
        open_request = Request.create(
            {
                "name": "Open",
                "type_id": self.type_general.id,
                "partner_id": self.client_harbin.id,
            }
        )
        closed = Request.create(
            {
                "name": "Closed",
                "type_id": self.type_general.id,
                "partner_id": self.client_harbin.id,
                "stage_id": self.stage_done.id,
            }
        )
        self.assertEqual(open_request.sla_id, sla_key)
        self.assertEqual(closed.sla_id, sla_key)
        faster = self.rpc(
            self.user_admin,
            "insurance.service.sla",
            "create",
            [
                {
                    "type_id": self.type_general.id,
                    "tier_id": self.tier_key.id,
                    "hours": 2,
                    "sequence": 1,
                }
            ],
        )[0]
        self._fresh()
        self.assertEqual(open_request.sla_id.id, faster)
        self.assertEqual(closed.sla_id, sla_key)
        # the new rule now covers general clients instead: Harbin is back on its own
        self.rpc(
            self.user_admin,
            "insurance.service.sla",
            "write",
            [faster],
            {"tier_id": self.tier_general.id},
        )
        self.assertEqual(self._fresh(open_request).sla_id, sla_key)
        self.rpc(
            self.user_admin,
            "insurance.service.sla",
            "write",
            [faster],
            {"tier_id": self.tier_key.id},
        )
        self.assertEqual(self._fresh(open_request).sla_id.id, faster)
        self.rpc(self.user_admin, "insurance.service.sla", "write", [faster], {"active": False})
        self.assertEqual(self._fresh(open_request).sla_id, sla_key)
        self.rpc(self.user_admin, "insurance.service.sla", "write", [faster], {"active": True})
        self.assertEqual(self._fresh(open_request).sla_id.id, faster)
        self.rpc(self.user_admin, "insurance.service.sla", "unlink", [faster])
        self.assertEqual(self._fresh(open_request).sla_id, sla_key)
        # a rule moved to the pipeline re-matches it too (and its old pipeline)
        self.rpc(
            self.user_admin,
            "insurance.service.sla",
            "write",
            [sla_key.id],
            {"type_id": self.type_underwriting.id},
        )
        self._fresh()
        self.assertFalse(open_request.sla_id)
        self.assertFalse(open_request.sla_deadline)
        self.assertEqual(closed.sla_id, sla_key)
