from datetime import timedelta

from markupsafe import Markup

from odoo import fields, models
from odoo.tools import SQL

from .mail_tracking_sql import insert_tracking_notes
from .res_partner import GROUP_INSURANCE_AM

# Moving up to the tier with this code gives the account manager an activity,
# due this many days later.
KEY_TIER_CODE = "key"
KEY_CLIENT_ACTIVITY_DAYS = 7


class ResPartner(models.Model):
    """What a change of tier leaves behind, by the rules or by hand: the tier
    history, the chatter's tracking, and the activity of a new key client."""

    _inherit = "res.partner"

    insurance_tier_history_ids = fields.One2many(
        "insurance.tier.history", "partner_id", string="Tier History", groups=GROUP_INSURANCE_AM
    )

    def _insurance_log_tier_changes(self, changes):
        """Keep ``changes`` in the tier history, and give the account manager of
        each client that moved up to the key tier from a less important one an
        activity (a client's first tier is no move: installing the addon on a
        book does not flood the managers with activities).

        ``changes`` is a list of dicts with partner_id, old_tier_id, new_tier_id,
        origin, reason and rule_id (ids or None). The rows go in with one INSERT:
        the ORM would insert them 100 at a time, and a batch of the recompute
        must cost the same number of queries whatever its size. The history has
        no computed field but company_id, taken here from the client.
        """
        if not changes:
            return
        self.env["res.partner"].flush_model(["company_id"])
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO insurance_tier_history (
                    partner_id, old_tier_id, new_tier_id, origin, reason, rule_id,
                    company_id, date, user_id, create_uid, create_date, write_uid, write_date
                )
                SELECT c.partner_id, c.old_tier_id, c.new_tier_id, c.origin, c.reason,
                       c.rule_id, p.company_id, %(date)s, %(uid)s, %(uid)s, %(now)s,
                       %(uid)s, %(now)s
                  FROM unnest(%(partner_ids)s::int[], %(old_tier_ids)s::int[],
                              %(new_tier_ids)s::int[], %(origins)s::varchar[],
                              %(reasons)s::varchar[], %(rule_ids)s::int[])
                       AS c(partner_id, old_tier_id, new_tier_id, origin, reason, rule_id)
                  JOIN res_partner p ON p.id = c.partner_id
                """,
                date=fields.Datetime.now(),
                uid=self.env.uid,
                now=now,
                partner_ids=[change["partner_id"] for change in changes],
                old_tier_ids=[change["old_tier_id"] for change in changes],
                new_tier_ids=[change["new_tier_id"] for change in changes],
                origins=[change["origin"] for change in changes],
                reasons=[change["reason"] or None for change in changes],
                rule_ids=[change["rule_id"] for change in changes],
            )
        )
        partners = self.browse([change["partner_id"] for change in changes])
        partners.invalidate_recordset(["insurance_tier_history_ids"])
        # moving up: from a less important tier (a first tier is no move)
        Tier = self.env["insurance.client.tier"].sudo().with_context(active_test=False)
        key_tier = Tier.search([("code", "=", KEY_TIER_CODE)], limit=1)
        if not key_tier:
            return
        lower_tier_ids = set(
            Tier.browse({change["old_tier_id"] for change in changes if change["old_tier_id"]})
            .filtered(lambda tier: tier != key_tier and tier.sequence >= key_tier.sequence)
            .ids
        )
        promoted = self.browse(
            [
                change["partner_id"]
                for change in changes
                if change["new_tier_id"] == key_tier.id and change["old_tier_id"] in lower_tier_ids
            ]
        )
        promoted._insurance_notify_key_promotion(key_tier)

    def _insurance_log_tier_tracking(self, changes):
        """Post the tracking of tier changes made in SQL, as mail's tracking
        would at commit: one log note per client by the current user, with the
        old and the new tier, all in one statement. A client that mail already
        tracks in this transaction (a write before this one) gets the change
        added to that tracking instead, so that it keeps one message; a client
        created in this transaction gets none, as with a write."""
        context = self.env.context
        if context.get("tracking_disable") or context.get("mail_notrack"):
            return
        fname = "insurance_tier_id"
        if fname not in self._track_get_fields():
            return
        Tier = self.env["insurance.client.tier"].sudo().with_context(active_test=False)
        pending = self.env.cr.precommit.data.get(f"mail.tracking.{self._name}", {})
        logged = []
        for change in changes:
            if change["partner_id"] in pending:
                values = pending[change["partner_id"]]
                if values is not None:
                    values.setdefault(fname, Tier.browse(change["old_tier_id"]))
                continue
            logged.append(change)
        if not logged:
            return
        Tier.browse(
            {tid for c in logged for tid in (c["old_tier_id"], c["new_tier_id"]) if tid}
        ).mapped("display_name")
        description = self.fields_get([fname], attributes=("string", "type"))[fname]
        TrackingValue = self.env["mail.tracking.value"]
        values = {}
        for change in logged:
            key = (change["old_tier_id"], change["new_tier_id"])
            if key not in values:
                values[key] = TrackingValue._create_tracking_values(
                    Tier.browse(key[0]), Tier.browse(key[1]), fname, description, self
                )
        insert_tracking_notes(
            self.env,
            [
                (self._name, c["partner_id"], [values[c["old_tier_id"], c["new_tier_id"]]])
                for c in logged
            ],
        )

    def _insurance_notify_key_promotion(self, key_tier):
        """A to-do for the account manager of each client of ``self`` (which
        just moved up to ``key_tier``), who follows the client, as
        ``mail.activity.create`` does, without the e-mail sent per activity
        (managers see them in their activities). Two statements whatever the
        number of clients and managers: the followers, then the activities
        (the ORM would insert 100 activities per statement and subscribe each
        manager in a round of queries of its own)."""
        clients = self.sudo().filtered("account_manager_id")
        if not clients:
            return
        activity_type = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        deadline = fields.Date.context_today(self) + timedelta(days=KEY_CLIENT_ACTIVITY_DAYS)
        self._insurance_follow(
            [(self._name, client.id, client.account_manager_id.partner_id.id) for client in clients]
        )
        summary = self.env._("New %(tier)s: review the service plan", tier=key_tier.name)
        now = self.env.cr.now()
        self.env["mail.activity"].flush_model()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO mail_activity (
                    res_model_id, res_model, res_id, res_name, activity_type_id, user_id,
                    user_tz, date_deadline, summary, note, automated, active,
                    create_uid, create_date, write_uid, write_date
                )
                SELECT %(model_id)s, %(model)s, v.res_id, v.res_name, %(type_id)s, v.user_id,
                       up.tz, %(deadline)s, %(summary)s, v.note, FALSE, TRUE,
                       %(uid)s, %(now)s, %(uid)s, %(now)s
                  FROM unnest(%(res_ids)s::int[], %(res_names)s::varchar[],
                              %(user_ids)s::int[], %(notes)s::text[])
                       AS v(res_id, res_name, user_id, note)
                  JOIN res_users u ON u.id = v.user_id
                  JOIN res_partner up ON up.id = u.partner_id
                """,
                model_id=self.env["ir.model"]._get_id(self._name),
                model=self._name,
                type_id=activity_type.id if activity_type else None,
                deadline=deadline,
                summary=summary,
                uid=self.env.uid,
                now=now,
                res_ids=clients.ids,
                res_names=[client.display_name for client in clients],
                user_ids=[client.account_manager_id.id for client in clients],
                # an HTML field: the client's name is text, escaped by Markup's %
                notes=[
                    str(
                        Markup("<p>%s</p>")
                        % self.env._(
                            "%(client)s moved up to %(tier)s by the tier rules or by hand: "
                            "check its account plan, service levels and contacts.",
                            client=client.display_name,
                            tier=key_tier.name,
                        )
                    )
                    for client in clients
                ],
            )
        )
        clients.invalidate_recordset(["activity_ids"])
        self.env["mail.activity"].invalidate_model()
