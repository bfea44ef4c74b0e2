from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.insurance_account_manager.models import res_partner_retention

from .common import InsuranceCommon, InsuranceRpcCase

TODAY = date(2026, 6, 15)
# A batch of the retention-risk cron with every client rising above the
# threshold (one activity each, same manager), warm: the batch's search, the
# clients' premiums and managers, four queries of signals (claims, lost lines,
# the manager's last contact, and one over the service requests for breaches,
# open complaints, premium rises and ratings), the UPDATE, the activities (one
# insert, one for the followers). Measured: 15 queries for 50 clients and for
# 500 (16 before, when breaches and premium rises took a grouped query each
# and ratings and complaints were not read).
RISK_QUERY_BUDGET = 15


def _param(env, key, value):
    env["ir.config_parameter"].sudo().set_param(key, value)


@tagged("post_install", "-at_install", "insurance")
class TestRetentionRisk(InsuranceCommon):
    def _activities(self, partner):
        activity_type = self.env.ref("insurance_account_manager.mail_activity_type_retention_risk")
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", partner.id),
                ("activity_type_id", "=", activity_type.id),
            ]
        )

    def test_score_from_the_book(self):
        # Harbin: 42,000 premium in force, a claim of 6,000 paid this year, no
        # word from its manager ever: claims 20 * 6/42 = 2.857, contact 15
        self._create_claim(self.policy_motor, amount_paid=6000)
        _param(self.env, res_partner_retention.RISK_THRESHOLD_PARAM, 15)
        with freeze_time(TODAY):
            scores = self.client_harbin._insurance_compute_retention_risk()
        self.assertEqual(scores[self.client_harbin.id], 17.9)
        self.assertEqual(self.client_harbin.insurance_risk_score, 17.9)
        self.assertEqual(self.client_harbin.insurance_risk_reasons, "contact:15.0,claims:2.9")
        self.assertIn("No recent contact (+15.0)", self.client_harbin.insurance_risk_reason_text)
        self.assertTrue(self.client_harbin.insurance_risk_flagged)
        activity = self._activities(self.client_harbin)
        self.assertEqual(activity.user_id, self.user_am)
        # the manager calls and notes it: the contact signal goes
        self.client_harbin.with_user(self.user_am).message_post(
            body="Called the CFO", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        with freeze_time(date(2026, 6, 16)):
            self.env["res.partner"]._cron_compute_retention_risk()
        self.assertEqual(self.client_harbin.insurance_risk_score, 2.9)
        self.assertFalse(self.client_harbin.insurance_risk_flagged)
        self.assertEqual(self.client_harbin.insurance_risk_checked_on, date(2026, 6, 16))

    def test_ratings_and_open_complaints(self):
        """The client's ratings of the last year (their average) and its open
        complaints weigh in its score; the manager's recent word leaves no
        contact signal."""
        Request = self.env["insurance.service.request"]
        general = self.env["insurance.service.type"]._get_by_code("general")
        done = general._first_stage("won")
        self.client_harbin.email = "risk@harbin-boiler.example.com"
        rated = Request.create(
            [
                {"name": f"Certificate {rate}", "partner_id": self.client_harbin.id}
                for rate in (1, 3, 5)
            ]
        )
        rated.stage_id = done
        for request, rate in zip(rated, (1, 3, 5), strict=True):
            request.sudo().rating_apply(rate, token=request.rating_ids[:1].access_token)
        # the rating of 5 was given more than a year ago: left out
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE rating_rating SET write_date = now() - interval '400 days' WHERE id = %s",
            (rated[2].rating_ids.id,),
        )
        # Dalian's bad rating is Dalian's
        dalian = Request.create({"name": "Dalian", "partner_id": self.client_dalian.id})
        self.client_dalian.email = "ops@dalian-port.example.com"
        dalian.stage_id = done
        dalian.sudo().rating_apply(1, token=dalian.rating_ids.access_token)
        # one complaint open, one answered and closed, one archived
        complaints = Request.create(
            [
                {
                    "name": f"Complaint {index}",
                    "partner_id": self.client_harbin.id,
                    "is_complaint": True,
                }
                for index in range(3)
            ]
        )
        complaints[1].stage_id = done
        complaints[2].active = False
        self.client_harbin.with_user(self.user_am).message_post(
            body="Visited the plant", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        scores = self.client_harbin._insurance_compute_retention_risk()
        # ratings 1 and 3: average 2, (5 - 2) / 4 = 0.75 of 10 points; one open
        # complaint of the 2 that score fully: 0.5 of 10 points
        self.assertEqual(scores[self.client_harbin.id], 12.5)
        self.assertEqual(
            self.client_harbin.insurance_risk_reasons, "satisfaction:7.5,complaints:5.0"
        )
        self.assertEqual(
            self.client_harbin.insurance_risk_reason_text,
            "Low client ratings (+7.5), Open complaints (+5.0)",
        )
        # the team lead clears the complaint, the client rates 5 again: the
        # average of 1, 3 and 5 is 3, half the satisfaction points
        complaints[0].with_user(self.user_lead).is_complaint = False
        again = Request.create({"name": "Again", "partner_id": self.client_harbin.id})
        again.stage_id = done
        again.sudo().rating_apply(5, token=again.rating_ids.access_token)
        scores = self.client_harbin._insurance_compute_retention_risk()
        self.assertEqual(scores[self.client_harbin.id], 5.0)
        self.assertEqual(self.client_harbin.insurance_risk_reasons, "satisfaction:5.0")

    def test_activity_once_when_rising(self):
        _param(self.env, res_partner_retention.RISK_THRESHOLD_PARAM, 10)
        # the labels and the activities' summary are translated in the
        # scheduled action's language: no "no translation language detected"
        with freeze_time(TODAY), self.assertNoLogs("odoo.tools.translate", "WARNING"):
            self.env["res.partner"]._cron_compute_retention_risk()
            self.env["res.partner"]._cron_compute_retention_risk()  # nothing left today
            self.env["res.partner"].invalidate_model(["insurance_risk_reason_text"])
            self.assertTrue(self.client_harbin.insurance_risk_reason_text)
        with freeze_time(date(2026, 6, 16)):
            self.env["res.partner"]._cron_compute_retention_risk()  # still above: no new one
        for client in (self.client_harbin, self.client_dalian, self.client_shenyang):
            self.assertEqual(len(self._activities(client)), 1, client.name)
        self.assertEqual(self._activities(self.client_shenyang).user_id, self.user_am_other)

    def test_weights_from_settings(self):
        self.env["res.config.settings"].create({"insurance_risk_weight_contact": 0}).execute()
        weights, _threshold = self.env["res.partner"]._insurance_risk_settings()
        self.assertEqual(weights["contact"], 0.0)
        with freeze_time(TODAY):
            scores = self.client_dalian._insurance_compute_retention_risk()
        self.assertEqual(scores[self.client_dalian.id], 0.0)

    def test_batches_of_50_and_500_cost_the_same_queries(self):
        _param(self.env, res_partner_retention.RISK_THRESHOLD_PARAM, 10)
        Partner = self.env["res.partner"]
        with freeze_time(TODAY), patch.object(res_partner_retention, "RISK_BATCH_SIZE", 1000):
            Partner._cron_compute_retention_risk()  # the common book, warms the caches
            for size in (50, 500):
                clients = Partner.create(
                    [
                        {
                            "name": f"Risk {size}-{index}",
                            "is_insurance_client": True,
                            "account_manager_id": self.user_am.id,
                        }
                        for index in range(size)
                    ]
                )
                self.env.flush_all()
                self.env.invalidate_all()
                with self.assertQueryCount(RISK_QUERY_BUDGET):
                    Partner._cron_compute_retention_risk()
                    self.env.flush_all()
                self.assertTrue(all(clients.mapped("insurance_risk_flagged")))
                self.assertEqual(
                    self.env["mail.activity"].search_count(
                        [("res_model", "=", "res.partner"), ("res_id", "in", clients.ids)]
                    ),
                    size,
                )


@tagged("post_install", "-at_install", "insurance")
class TestRetentionRiskRpc(InsuranceRpcCase):
    def test_score_read_by_managers_written_by_server_only(self):
        with freeze_time(TODAY):
            self.client_harbin._insurance_compute_retention_risk()
        score = self.client_harbin.insurance_risk_score
        self.assertGreater(score, 0)
        read = self.rpc(
            self.user_am, "res.partner", "read", self.client_harbin.ids, ["insurance_risk_score"]
        )
        self.assertEqual(read[0]["insurance_risk_score"], score)
        for user in (self.user_am, self.user_lead):
            for values in ({"insurance_risk_score": 0}, {"insurance_risk_flagged": False}):
                self.assertRpcRefused(user, "res.partner", "write", self.client_harbin.ids, values)
        self.assertRpcRefused(
            self.user_am,
            "res.partner",
            "create",
            {"name": "New", "is_insurance_client": True, "insurance_risk_score": 1},
        )
        self.assertRpcRefused(
            self.user_am_other,
            "res.partner",
            "read",
            self.client_harbin.ids,
            ["insurance_risk_score"],
        )
        for user in (self.user_handler, self.user_internal, self.user_portal):
            self.assertRpcRefused(
                user, "res.partner", "read", self.client_harbin.ids, ["insurance_risk_score"]
            )
        for user in (self.user_am, self.user_handler, self.user_internal, self.user_portal):
            self.assertRpcRefused(user, "res.partner", "_cron_compute_retention_risk")
