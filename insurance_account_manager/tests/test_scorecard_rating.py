"""Client satisfaction: the rating request on closing, the roll-up to the
request, the manager's report and scorecard, the review of managers rated low
twice, candidate managers, and who may take clients."""

from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user, tagged

from ..models.res_users_eligibility import REQUIRE_QUALIFICATION_PARAM
from .common import GROUP_AM, GROUP_LEAD, InsuranceRpcCase


@tagged("post_install", "-at_install", "insurance")
class TestScorecardRating(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client_harbin.email = "risk@harbin-boiler.example.com"
        cls.client_dalian.email = "ops@dalian-port.example.com"
        cls._make_account_managers(cls.user_am)
        cls.general = cls.env["insurance.service.type"]._get_by_code("general")
        cls.stage_done = cls.general.stage_ids.filtered(lambda s: s.state == "won")[:1]
        cls.stage_cancel = cls.general.stage_ids.filtered(lambda s: s.state == "lost")[:1]

    def _request(self, client=None, **values):
        return self.env["insurance.service.request"].create(
            {"name": "Certificate", "partner_id": (client or self.client_harbin).id, **values}
        )

    def _rate(self, request, rate):
        rating = request.rating_ids.filtered(lambda r: not r.consumed)[:1]
        self.assertTrue(rating, "a rating request was sent")
        request.sudo().rating_apply(rate, token=rating.access_token)
        return rating

    def test_closing_sends_a_rating_request(self):
        request = self._request()
        self.assertFalse(request.rating_ids)
        request.stage_id = self.stage_done
        rating = request.rating_ids
        self.assertEqual(len(rating), 1)
        self.assertEqual(rating.partner_id, self.client_harbin)
        self.assertEqual(rating.rated_partner_id, self.user_am.partner_id)
        self.assertFalse(rating.consumed)
        message = request.message_ids.filtered(lambda m: rating.access_token in (m.body or ""))
        self.assertTrue(message, "the e-mail holds the rating links")
        # cancelled, or without e-mail: no request
        cancelled = self._request()
        cancelled.stage_id = self.stage_cancel
        self.assertFalse(cancelled.rating_ids)
        self.client_dalian.email = False
        silent = self._request(self.client_dalian)
        silent.stage_id = self.stage_done
        self.assertFalse(silent.rating_ids)
        # the public rating page answers the client
        response = self.url_open(f"/rate/{rating.access_token}/5")
        self.assertEqual(response.status_code, 200)

    def test_ratings_roll_up(self):
        first, second = self._request(), self._request()
        (first | second).stage_id = self.stage_done
        self._rate(first, 5)
        self._rate(second, 1)
        self.assertEqual(first.rating_last_value, 5)
        self.env.flush_all()
        Service = self.env["insurance.report.service"]
        groups = Service._read_group(
            [("request_id", "in", (first | second).ids)], ["user_id", "tier_id"], ["rating:avg"]
        )
        self.assertEqual([(user, avg) for user, _tier, avg in groups], [(self.user_am, 3.0)])
        today = fields.Date.context_today(self.env["res.users"])
        cards = self.env["insurance.scorecard"]._compute_scorecards("month", today, self.company)
        card = cards.filtered(lambda c: c.user_id == self.user_am)
        self.assertEqual((card.rating_count, card.satisfaction), (2, 3.0))

    def test_low_satisfaction_twice_gets_a_review(self):
        today = fields.Date.context_today(self.env["res.users"])
        last_month = today.replace(day=1) - timedelta(days=1)
        old, new = self._request(), self._request()
        (old | new).stage_id = self.stage_done
        old_rating = self._rate(old, 1)
        self._rate(new, 1)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE rating_rating SET write_date = %s WHERE id = %s", (last_month, old_rating.id)
        )
        Scorecard = self.env["insurance.scorecard"]
        ICP = self.env["ir.config_parameter"]
        # a threshold of 1: a rating of 1 is not below it, no review
        ICP.set_param("insurance_account_manager.satisfaction_threshold", "1")
        Scorecard._compute_scorecards("month", last_month, self.company)
        now = Scorecard._compute_scorecards("month", today, self.company)
        self.assertFalse(now.filtered(lambda c: c.user_id == self.user_am).activity_ids)
        # the default threshold (3): below in both months
        ICP.set_param("insurance_account_manager.satisfaction_threshold", "3")
        before = Scorecard._compute_scorecards("month", last_month, self.company)
        card_before = before.filtered(lambda c: c.user_id == self.user_am)
        self.assertEqual((card_before.rating_count, card_before.satisfaction), (1, 1.0))
        self.assertFalse(card_before.activity_ids, "one period below is no trend")
        now = Scorecard._compute_scorecards("month", today, self.company)
        card = now.filtered(lambda c: c.user_id == self.user_am)
        self.assertEqual(card.activity_ids.user_id, self.user_lead)
        self.assertIn(self.user_am.name, card.activity_ids.summary)
        # a draft is refreshed in place: the review is not scheduled twice
        again = Scorecard._compute_scorecards("month", today, self.company)
        self.assertEqual(again.filtered(lambda c: c.user_id == self.user_am), card)
        self.assertEqual(len(card.activity_ids), 1)

    def test_rating_shows_on_the_request(self):
        """The form (Satisfaction group) and the kanban card show the client's
        rating, which the request's manager and handler read."""
        request = self._request(handler_id=self.user_handler.id)
        request.stage_id = self.stage_done
        rating = request.rating_ids
        request.sudo().rating_apply(2, token=rating.access_token, feedback="Nobody called back.")
        views = request.get_views([(False, "form"), (False, "kanban")])["views"]
        self.assertIn('name="satisfaction"', views["form"]["arch"])
        self.assertIn("rating_last_feedback", views["form"]["arch"])
        self.assertIn("o_insurance_rating", views["kanban"]["arch"])
        for user in (self.user_am, self.user_handler):
            [values] = request.with_user(user).read(
                ["rating_last_value", "rating_last_text", "rating_last_feedback"]
            )
            self.assertEqual(
                (values["rating_last_value"], values["rating_last_text"]), (2.0, "ko"), user.name
            )
            self.assertEqual(values["rating_last_feedback"], "Nobody called back.")

    def test_candidate_managers(self):
        handled = [self._request(handler_id=self.user_handler.id) for _i in range(3)]
        by_am = [self._request(handler_id=self.user_am_2.id) for _i in range(3)]
        self._make_account_managers(self.user_am_2)
        for request in handled + by_am:
            request.stage_id = self.stage_done
            self._rate(request, 5)
        self.env.flush_all()
        Candidate = self.env["insurance.report.candidate"]
        candidates = Candidate.search([])
        self.assertIn(self.user_handler, candidates.user_id)
        self.assertNotIn(self.user_am_2, candidates.user_id, "already a manager")
        row = candidates.filtered(lambda c: c.user_id == self.user_handler)
        self.assertEqual((row.rating_count, row.rating_avg), (3, 5.0))
        self.env["ir.config_parameter"].set_param(
            "insurance_account_manager.candidate_min_ratings", "4"
        )
        self.env.flush_all()
        self.assertNotIn(self.user_handler, Candidate.search([]).user_id)
        with self.assertRaises(AccessError):
            Candidate.with_user(self.user_am).search([])

    def test_candidate_managers_per_team_lead(self):
        """A team lead sees the candidates who handled requests of the clients
        of their teams' managers; an administrator all; no one else any."""
        lead_south = new_test_user(
            self.env, login="iam_sc_lead_south", name="Wang South", groups=GROUP_LEAD
        )
        self.env["crm.team"].create(
            {
                "name": "South",
                "user_id": lead_south.id,
                "crm_team_member_ids": [Command.create({"user_id": self.user_am_other.id})],
            }
        )
        self.client_shenyang.email = "ops@shenyang-brewery.example.com"
        # Hu Handler serves Harbin (Li Wei, Northeast), Ivan Internal Shenyang (South)
        for handler, client in (
            (self.user_handler, self.client_harbin),
            (self.user_internal, self.client_shenyang),
        ):
            for _i in range(3):
                request = self._request(client, handler_id=handler.id)
                request.stage_id = self.stage_done
                self._rate(request, 5)
        self.env.flush_all()
        both = self.user_handler | self.user_internal
        self.assertEqual(self.env["insurance.report.candidate"].search([]).user_id, both)

        def seen(user):
            rows = self.rpc(user, "insurance.report.candidate", "search_read", [], ["user_id"])
            return {row["user_id"][0] for row in rows}

        self.assertEqual(seen(self.user_lead), {self.user_handler.id})
        self.assertEqual(seen(lead_south), {self.user_internal.id})
        self.assertEqual(seen(self.user_admin), set(both.ids))
        # the lead cannot read another team's candidate by id either
        other_row = self.env["insurance.report.candidate"].search(
            [("user_id", "=", self.user_internal.id)]
        )
        self.assertEqual(len(other_row), 1)
        self.assertRpcRefused(
            self.user_lead,
            "insurance.report.candidate",
            "read",
            other_row.ids,
            ["rating_avg"],
            errors=("odoo.exceptions.AccessError",),
        )
        for user in (self.user_am, self.user_handler, self.user_internal, self.user_portal):
            self.assertRpcRefused(
                user,
                "insurance.report.candidate",
                "search_read",
                [],
                ["user_id"],
                errors=("odoo.exceptions.AccessError",),
            )
        # a handler's requests are not readable through the new user field
        self.assertRpcRefused(
            self.user_lead,
            "res.users",
            "read",
            [self.user_handler.id],
            ["insurance_handled_request_ids"],
            errors=("odoo.exceptions.AccessError",),
        )

    def test_only_qualified_users_take_clients(self):
        """On by default (a new database has no parameter): an unqualified user
        is refused, on write, on create and over RPC; an expired licence is no
        qualification."""
        self.env["ir.config_parameter"].set_param(REQUIRE_QUALIFICATION_PARAM, False)
        self.assertTrue(self.env["res.users"]._insurance_require_qualification())
        with self.assertRaisesRegex(ValidationError, "valid qualification"):
            self.user_am_2.is_account_manager = True
        with self.assertRaisesRegex(ValidationError, "valid qualification"):
            new_test_user(
                self.env, login="iam_sc_unqualified", groups=GROUP_AM, is_account_manager=True
            )
        self.assertRpcRefused(
            self.env.ref("base.user_admin"),
            "res.users",
            "write",
            [self.user_am_2.id],
            {"is_account_manager": True},
            errors=("odoo.exceptions.ValidationError",),
            message="valid qualification",
        )
        Qualification = self.env["insurance.qualification"]
        expired = Qualification.create(
            {
                "user_id": self.user_am_2.id,
                "licence_number": "HLJ-2019-001",
                "line_ids": [fields.Command.set(self.line_motor.ids)],
                "date_issue": date(2019, 1, 1),
                "date_expiry": date(2020, 1, 1),
            }
        )
        with self.assertRaisesRegex(ValidationError, "valid qualification"):
            self.user_am_2.is_account_manager = True
        expired.active = False
        expired.date_expiry = date(2099, 1, 1)
        with self.assertRaisesRegex(ValidationError, "valid qualification"):
            self.user_am_2.is_account_manager = True
        expired.active = True
        self.user_am_2.is_account_manager = True
        self.assertTrue(self.user_am_2.is_account_manager)

    def test_switch_off_lets_unqualified_users_through(self):
        """Settings show the switch on by default; off is written out (Odoo
        would delete the parameter of a Boolean turned off, which reads as on)
        and lets an unqualified user take clients; on again refuses."""
        ICP = self.env["ir.config_parameter"]
        ICP.set_param(REQUIRE_QUALIFICATION_PARAM, False)
        Settings = self.env["res.config.settings"]
        self.assertTrue(Settings.create({}).insurance_require_qualification)
        Settings.create({"insurance_require_qualification": False}).execute()
        self.assertEqual(ICP.get_param(REQUIRE_QUALIFICATION_PARAM), "False")
        self.assertFalse(Settings.create({}).insurance_require_qualification)
        self.user_am_2.is_account_manager = True
        self.assertTrue(self.user_am_2.is_account_manager)
        self.assertFalse(self.user_am_2.insurance_qualification_ids)
        Settings.create({"insurance_require_qualification": True}).execute()
        self.assertEqual(ICP.get_param(REQUIRE_QUALIFICATION_PARAM), "True")
        with self.assertRaisesRegex(ValidationError, "valid qualification"):
            self.user_am_other.is_account_manager = True

    def test_ratings_are_the_clients_own(self):
        request = self._request()
        request.stage_id = self.stage_done
        rating = request.rating_ids
        for user in (self.user_am, self.user_lead, self.user_handler, self.user_internal):
            self.assertRpcRefused(
                user,
                "insurance.service.request",
                "rating_apply",
                [request.id],
                5,
                token=rating.access_token,
            )
        for user in (self.user_am, self.user_lead, self.user_internal):
            self.assertRpcRefused(user, "rating.rating", "write", [rating.id], {"rating": 5})
            self.assertRpcRefused(
                user,
                "rating.rating",
                "create",
                {
                    "res_model_id": self.env["ir.model"]._get_id("insurance.service.request"),
                    "res_id": request.id,
                    "rating": 5,
                    "consumed": True,
                },
            )
        self.assertRpcRefused(
            self.user_portal, "rating.rating", "write", [rating.id], {"rating": 5}
        )
        self.assertFalse(rating.consumed)
