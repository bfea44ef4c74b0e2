"""Risk surveys (防灾) per tier, recommendations and loss-prevention
follow-ups (防损)."""

from datetime import date, datetime
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.insurance_account_manager.models import (
    insurance_service_request_survey as survey_module,
)

from .test_service_request import ServiceCommon


@tagged("post_install", "-at_install", "insurance")
class TestServiceSurvey(ServiceCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # only the common book's clients take part
        cls.env["res.partner"].search(
            [("is_insurance_client", "=", True), ("id", "not in", cls._book().ids)]
        ).write({"insurance_tier_id": False})

    @classmethod
    def _book(cls):
        return cls.client_harbin | cls.client_dalian | cls.client_shenyang

    def _surveys(self):
        return self.Request.search(
            [("type_code", "=", "risk_survey"), ("partner_id", "in", self._book().ids)]
        )

    def _run(self, day):
        with freeze_time(day):
            self.Request._cron_generate_risk_surveys()
            self.env.flush_all()

    def test_periodic_surveys_per_tier(self):
        # key every 12 months, general every 24, retail never
        self._run("2026-01-10")
        surveys = self._surveys()
        self.assertEqual(surveys.partner_id, self.client_harbin | self.client_dalian)
        self.assertEqual(surveys.user_id, self.user_am | self.user_am_2)
        self._run("2026-01-11")  # nothing new while one is open
        self.assertEqual(self._surveys(), surveys)
        with freeze_time("2026-01-20"):
            surveys.write({"stage_id": self.stage_done.id})
        self._run("2026-12-31")  # not yet a year
        self.assertEqual(self._surveys(), surveys)
        self._run("2027-01-10")
        new = self._surveys() - surveys
        self.assertEqual(new.partner_id, self.client_harbin)  # key: 12 months; general waits
        self._run("2028-01-10")
        self.assertEqual((self._surveys() - surveys - new).partner_id, self.client_dalian)

    def test_batched_with_progress_and_archived_survey_does_not_block(self):
        with (
            patch.object(survey_module, "SURVEY_BATCH_SIZE", 1),
            patch.object(type(self.env["ir.cron"]), "_notify_progress") as progress,
        ):
            self._run("2026-01-10")
            self.assertEqual(len(self._surveys()), 1)
            progress.assert_called_with(done=1, remaining=1)
            self._run("2026-01-10")  # resumed
            progress.assert_called_with(done=1, remaining=0)
            self._run("2026-01-10")  # rerun for nothing
            progress.assert_called_with(done=0, remaining=0)
        surveys = self._surveys()
        self.assertEqual(surveys.partner_id, self.client_harbin | self.client_dalian)
        # a year on, an open survey archived by mistake does not stop the next one,
        # while an open one still does
        surveys.filtered(lambda survey: survey.partner_id == self.client_harbin).action_archive()
        self._run("2027-01-11")
        new = self._surveys() - surveys
        self.assertEqual(new.partner_id, self.client_harbin)
        self.assertEqual(new.date_open.date(), date(2027, 1, 11))

    def test_one_open_survey_per_client_in_the_database(self):
        self._create_request(self.client_harbin, self.type_survey)
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.UniqueViolation):
            with self.env.cr.savepoint():
                self._create_request(self.client_harbin, self.type_survey)
                self.env.flush_all()

    def test_recommendation_opens_tracked_loss_prevention(self):
        survey = self._create_request(
            self.client_harbin,
            self.type_survey,
            findings="<p>Sprinklers valves closed in hall 3.</p>",
            recommendation_ids=[
                (0, 0, {"name": "Open and seal the sprinkler valves"}),
                (0, 0, {"name": "Train the night guards"}),
            ],
        )
        sprinklers, training = survey.recommendation_ids.sorted("id")
        self.assertEqual(survey.recommendation_count, 2)
        action = sprinklers.with_user(self.user_am).action_open_followup()
        followup = sprinklers.followup_request_id
        self.assertEqual(action["res_id"], followup.id)
        self.assertRecordValues(
            followup,
            [
                {
                    "type_id": self.type_loss_prevention.id,
                    "partner_id": self.client_harbin.id,
                    "user_id": self.user_am.id,
                    "parent_id": survey.id,
                    "recommendation_id": sprinklers.id,
                }
            ],
        )
        self.assertEqual(sprinklers.state, "in_progress")
        self.assertEqual(training.state, "proposed")
        sprinklers.with_user(self.user_am).action_open_followup()  # no second follow-up
        self.assertEqual(self.Request.search_count([("recommendation_id", "=", sprinklers.id)]), 1)
        followup.with_user(self.user_am).action_mark_won()
        self.assertEqual(sprinklers.state, "done")
        self.assertTrue(followup.date_closed)
        self.assertLessEqual(followup.date_closed, datetime.now())

    def test_followup_rights(self):
        survey = self._create_request(
            self.client_harbin,
            self.type_survey,
            recommendation_ids=[(0, 0, {"name": "Clear the fire exits", "description": "A\nB"})],
        )
        recommendation = survey.recommendation_ids
        # another manager's client: not theirs to act on
        with self.assertRaises(AccessError):
            recommendation.with_user(self.user_am_other).action_open_followup()
        # a department handler works requests but does not open them
        survey.handler_id = self.user_handler
        with self.assertRaises(AccessError):
            recommendation.with_user(self.user_handler).action_open_followup()
        self.assertFalse(recommendation.followup_request_id)
        recommendation.with_user(self.user_am).action_open_followup()
        self.assertIn("<br>", recommendation.followup_request_id.description)

    def test_survey_interval_from_settings(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(
            (settings.insurance_survey_interval_key, settings.insurance_survey_interval_retail),
            (12, 0),
        )
        settings.insurance_survey_interval_retail = 6
        settings.execute()
        self.assertEqual(self.tier_retail.survey_interval_months, 6)
        self._run("2026-01-10")
        self.assertIn(self.client_shenyang, self._surveys().partner_id)
