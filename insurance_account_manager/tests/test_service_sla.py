"""SLAs in working hours on the company calendar, at-risk and breach states,
escalation to the team lead."""

from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .test_service_request import ServiceCommon

FRIDAY_3PM = datetime(2026, 3, 6, 15, 0)  # a Friday


@tagged("post_install", "-at_install", "insurance")
class TestServiceSla(ServiceCommon):
    def test_deadline_skips_weekend_and_public_holidays(self):
        # general service: key clients 8 working hours, general clients 16
        key = self._create_request(self.client_harbin, date_open=FRIDAY_3PM)
        self.assertEqual(key.sla_id.tier_id, self.tier_key)
        # Friday 15-17 (2 h), Monday 8-12 (4 h) and 13-15 (2 h)
        self.assertEqual(key.sla_deadline, datetime(2026, 3, 9, 15, 0))
        general = self._create_request(self.client_dalian, date_open=FRIDAY_3PM)
        self.assertEqual(general.sla_deadline, datetime(2026, 3, 10, 15, 0))
        # a public holiday on Monday (a leave of the calendar, for no one in particular)
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 3, 9, 0, 0),
                "date_to": datetime(2026, 3, 9, 23, 59, 59),
            }
        )
        after_holiday = self._create_request(self.client_harbin, date_open=FRIDAY_3PM)
        self.assertEqual(after_holiday.sla_deadline, datetime(2026, 3, 10, 15, 0))
        # a request opened on a Saturday starts counting on Monday morning
        saturday = self._create_request(self.client_harbin, date_open=datetime(2026, 3, 14, 10))
        self.assertEqual(saturday.sla_deadline, datetime(2026, 3, 16, 17, 0))
        # renewals have no SLA (their deadline is the end of cover)
        renewal = self._create_request(self.client_harbin, self.type_renewal)
        self.assertFalse(renewal.sla_deadline)
        self.assertEqual(renewal.sla_state, "on_track")

    def test_batch_planning_matches_the_calendar(self):
        """Deadlines planned for a batch of requests are the calendar's own,
        for openings weeks apart, over a public holiday."""
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Public holiday",
                "calendar_id": self.calendar.id,
                "date_from": datetime(2026, 3, 9, 0, 0),
                "date_to": datetime(2026, 3, 9, 23, 59, 59),
            }
        )
        starts = [
            FRIDAY_3PM + timedelta(days=days, hours=hours)
            for days in (0, 1, 3, 17, 45)
            for hours in (0, 5, 18)
        ]
        requests = self.Request.create(
            [
                {
                    "name": f"Batch {index}",
                    "type_id": (self.type_general if index % 2 else self.type_underwriting).id,
                    "partner_id": self.client_harbin.id,
                    "date_open": start,
                }
                for index, start in enumerate(starts)
            ]
        )
        for request in requests:
            expected = self.calendar.plan_hours(
                request.sla_id.hours, request.date_open, compute_leaves=True
            )
            self.assertTrue(expected, request.name)
            self.assertEqual(request.sla_deadline, expected, request.name)

    def test_states_and_escalation(self):
        with freeze_time(FRIDAY_3PM):
            key = self._create_request(self.client_harbin)  # due Monday 15:00
            general = self._create_request(self.client_dalian)  # due Tuesday 15:00
            closed_in_time = self._create_request(self.client_harbin)
            self.env.flush_all()
        with freeze_time("2026-03-09 10:00"):
            closed_in_time.stage_id = self.stage_done
            self.env.flush_all()
        self.assertEqual(key.sla_state, "on_track")
        breach_type = self.env.ref("insurance_account_manager.mail_activity_type_sla_breach")
        with freeze_time("2026-03-09 16:00"):  # Monday 16:00
            self.Request._cron_check_sla()
        self.assertEqual(key.sla_state, "breached")
        # at risk in the last quarter of its window (from Monday 15:00)
        self.assertEqual(general.sla_state, "at_risk")
        self.assertEqual(closed_in_time.sla_state, "on_track")
        escalation = key.activity_ids.filtered(lambda a: a.activity_type_id == breach_type)
        self.assertEqual(escalation.user_id, self.user_lead)  # leads Li Wei's team
        self.assertTrue(key.sla_escalated)
        self.assertIn("SLA breached", key.message_ids[0].body)
        self.assertFalse(general.activity_ids)
        self.assertFalse(closed_in_time.activity_ids)
        with freeze_time("2026-03-09 17:00"):
            self.Request._cron_check_sla()  # a rerun escalates nothing twice
        self.assertEqual(len(key.activity_ids), 1)
        with freeze_time("2026-03-10 16:00"):
            self.Request._cron_check_sla()
        self.assertEqual(general.sla_state, "breached")
        self.assertEqual(general.activity_ids.user_id, self.user_lead)

    def test_escalation_goes_to_the_department_lead(self):
        lead = self.user_admin
        department = self.env["crm.team"].create({"name": "Claims Dept", "user_id": lead.id})
        with freeze_time(FRIDAY_3PM):
            request = self._create_request(self.client_shenyang, team_id=department.id)
            self.env.flush_all()
        with freeze_time("2026-03-31 12:00"):
            self.Request._cron_check_sla()
        self.assertEqual(request.activity_ids.user_id, lead)
