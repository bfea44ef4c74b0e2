"""The pipelines' boundaries over JSON-RPC: a request stands in a stage of its
own pipeline whoever writes it; a claims-service request moves its claim only
for who may edit the claim; a renewal is won through the Won wizard, by the
client's manager, their team lead or an administrator only."""

from datetime import date

from odoo.tests import tagged

from .common import InsuranceRpcCase

ACCESS = "odoo.exceptions.AccessError"
USER = "odoo.exceptions.UserError"
VALIDATION = "odoo.exceptions.ValidationError"
REQUEST = "insurance.service.request"
WON = "insurance.service.request.won"


@tagged("post_install", "-at_install", "insurance")
class TestServicePipelineRpc(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.type_renewal = ref("insurance_account_manager.insurance_service_type_renewal")
        cls.type_general = ref("insurance_account_manager.insurance_service_type_general")
        cls.type_survey = ref("insurance_account_manager.insurance_service_type_risk_survey")
        cls.stage_planned = ref("insurance_account_manager.insurance_service_stage_survey_planned")
        cls.stage_new = ref("insurance_account_manager.insurance_service_stage_new")
        cls.stage_in_progress = ref("insurance_account_manager.insurance_service_stage_in_progress")
        cls.stage_renewal_quoted = ref(
            "insurance_account_manager.insurance_service_stage_renewal_quoted"
        )
        cls.stage_renewal_won = ref("insurance_account_manager.insurance_service_stage_renewal_won")
        cls.user_handler.write(
            {
                "groups_id": [
                    (4, ref("insurance_account_manager.insurance_group_service_handler").id)
                ]
            }
        )
        Request = cls.env[REQUEST]
        cls.renewal = Request._create_renewal_requests(cls.policy_motor)  # Li Wei's Harbin
        cls.renewal.handler_id = cls.user_handler
        cls.renewal_cargo = Request._create_renewal_requests(cls.policy_cargo)  # Sarah Chen
        cls.general = Request.create(
            {
                "name": "Harbin: certificate",
                "type_id": cls.type_general.id,
                "partner_id": cls.client_harbin.id,
                "handler_id": cls.user_handler.id,
            }
        )
        cls.claim = cls._create_claim(cls.policy_motor)
        cls.claim_request = cls.claim.service_request_ids
        cls.claim_request.handler_id = cls.user_handler

    def test_stage_of_another_pipeline_refused_for_every_group(self):
        """A renewal dropped into the Risk Survey "Planned" column, a request
        created or moved into another pipeline's stage: refused, whoever asks."""
        for user, request in (
            (self.user_am, self.renewal),
            (self.user_handler, self.renewal),
            (self.user_lead, self.renewal),
            (self.user_admin, self.renewal),
            (self.user_am, self.general),
            (self.user_handler, self.general),
        ):
            with self.subTest(user=user.login, request=request.name):
                self.assertRpcRefused(
                    user,
                    REQUEST,
                    "write",
                    [request.id],
                    {"stage_id": self.stage_planned.id},
                    errors=(VALIDATION,),
                    message="not a stage of the",
                )
        for user in (self.user_am, self.user_lead, self.user_admin):
            with self.subTest(user=user.login, create=True):
                self.assertRpcRefused(
                    user,
                    REQUEST,
                    "create",
                    [
                        {
                            "name": "Forged",
                            "type_id": self.type_general.id,
                            "partner_id": self.client_harbin.id,
                            "stage_id": self.stage_renewal_quoted.id,
                        }
                    ],
                    errors=(VALIDATION,),
                    message="not a stage of the General Service pipeline",
                )
        # the pipeline changed with a stage of the old one: refused too
        self.assertRpcRefused(
            self.user_am,
            REQUEST,
            "write",
            [self.general.id],
            {"type_id": self.type_survey.id, "stage_id": self.stage_in_progress.id},
            errors=(VALIDATION,),
        )
        for user in (self.user_internal, self.user_portal, self.user_am_other):
            with self.subTest(user=user.login):
                self.assertRpcRefused(
                    user, REQUEST, "write", [self.general.id], {"stage_id": self.stage_new.id}
                )
        self.env.invalidate_all()
        self.assertEqual(self.renewal.stage_id.name, "Renewal Due")
        self.assertEqual(self.general.stage_id, self.stage_new)
        # its own stages are fine
        self.rpc(
            self.user_handler,
            REQUEST,
            "write",
            [self.general.id],
            {"stage_id": self.stage_in_progress.id},
        )
        self.env.invalidate_all()
        self.assertEqual(self.general.stage_id, self.stage_in_progress)

    def test_claim_request_moves_claim_only_for_who_may_edit_it(self):
        settlement = self.env.ref(
            "insurance_account_manager.insurance_service_stage_claim_settlement"
        )
        # the department's handler works the request but reads no claim
        self.assertRpcRefused(
            self.user_handler,
            REQUEST,
            "write",
            [self.claim_request.id],
            {"stage_id": settlement.id},
            errors=(ACCESS,),
            message="moves its claim",
        )
        self.env.invalidate_all()
        self.assertEqual(self.claim.stage_id, self.stage_notified)
        self.assertEqual(self.claim_request.stage_id.name, "Notified")
        # the client's manager moves both
        self.rpc(
            self.user_am, REQUEST, "write", [self.claim_request.id], {"stage_id": settlement.id}
        )
        self.env.invalidate_all()
        self.assertEqual(self.claim.stage_id, self.stage_settlement)
        self.assertEqual(self.claim_request.stage_id, settlement)

    def test_won_wizard_refused_to_who_may_not_win(self):
        """The Won wizard, probed as a handler of the renewal, the backup
        manager, another book's manager, a plain internal and a portal user."""
        terms = {
            "request_id": self.renewal.id,
            "policy_name": "FORGED-1",
            "date_start": "2027-01-01",
            "date_end": "2027-12-31",
            "premium": 1,
        }
        for user in (
            self.user_handler,
            self.user_am_2,  # backs Harbin up: works it, does not decide
            self.user_am_other,
            self.user_internal,
            self.user_portal,
        ):
            with self.subTest(user=user.login):
                self.assertRpcRefused(
                    user, REQUEST, "action_mark_won", [self.renewal.id], errors=(ACCESS,)
                )
                self.assertRpcRefused(
                    user,
                    WON,
                    "default_get",
                    ["policy_name", "premium"],
                    context={"default_request_id": self.renewal.id},
                    errors=(ACCESS,),
                )
                try:
                    wizard = self.rpc(user, WON, "create", [terms])[0]
                except Exception as error:  # noqa: BLE001 - refused at create: fine
                    self.assertIn(ACCESS, str(error))
                    continue
                self.assertRpcRefused(user, WON, "action_confirm", [wizard], errors=(ACCESS,))
        # a forged write to Won, as the manager: the wizard is the way
        self.assertRpcRefused(
            self.user_am,
            REQUEST,
            "write",
            [self.renewal.id],
            {"stage_id": self.stage_renewal_won.id},
            errors=(USER,),
            message="Won button",
        )
        self.env.invalidate_all()
        self.assertFalse(self.policy_motor.renewal_policy_ids)
        self.assertEqual(self.renewal.stage_state, "open")
        # the manager wins their own; the team lead a member's
        for user, request, policy in (
            (self.user_am, self.renewal, self.policy_motor),
            (self.user_lead, self.renewal_cargo, self.policy_cargo),
        ):
            with self.subTest(winner=user.login):
                action = self.rpc(user, REQUEST, "action_mark_won", [request.id])
                defaults = self.rpc(
                    user,
                    WON,
                    "default_get",
                    ["policy_name", "date_start", "date_end", "premium"],
                    context=action["context"],
                )
                self.assertEqual(defaults["policy_name"], f"{policy.name}/R1")
                self.assertEqual(defaults["date_start"], "2027-01-01")
                self.assertEqual(defaults["premium"], policy.premium)
                wizard = self.rpc(
                    user,
                    WON,
                    "create",
                    [dict(defaults, premium=policy.premium * 1.05)],
                    context=action["context"],
                )[0]
                self.rpc(user, WON, "action_confirm", [wizard])
                self.env.invalidate_all()
                self.assertRecordValues(
                    policy.renewal_policy_id,
                    [
                        {
                            "name": f"{policy.name}/R1",
                            "date_start": date(2027, 1, 1),
                            "premium": policy.premium * 1.05,
                            "create_uid": user.id,
                        }
                    ],
                )
                self.assertEqual(request.stage_state, "won")
