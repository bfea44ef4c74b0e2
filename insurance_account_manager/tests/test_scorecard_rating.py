"""Client satisfaction: the rating request on closing, the roll-up to the
request, the manager's report and scorecard, the review of managers rated low
twice, candidate managers, and who may take clients."""

from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import InsuranceRpcCase


@tagged("post_install", "-at_install", "insurance")
class TestScorecardRating(InsuranceRpcCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client_harbin.email = "risk@harbin-boiler.example.com"
        cls.client_dalian.email = "ops@dalian-port.example.com"
        cls.user_am.is_account_manager = True
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

    def test_candidate_managers(self):
        handled = [self._request(handler_id=self.user_handler.id) for _i in range(3)]
        by_am = [self._request(handler_id=self.user_am_2.id) for _i in range(3)]
        self.user_am_2.is_account_manager = True
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
        self.assertEqual(
            Candidate.with_user(self.user_lead).search_count([]), Candidate.search_count([])
        )
        with self.assertRaises(AccessError):
            Candidate.with_user(self.user_am).search([])

    def test_only_qualified_users_take_clients(self):
        self.env["ir.config_parameter"].set_param(
            "insurance_account_manager.require_qualification", "1"
        )
        with self.assertRaisesRegex(ValidationError, "valid qualification"):
            self.user_am_2.is_account_manager = True
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
        expired.date_expiry = date(2099, 1, 1)
        self.user_am_2.is_account_manager = True
        self.assertTrue(self.user_am_2.is_account_manager)

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
