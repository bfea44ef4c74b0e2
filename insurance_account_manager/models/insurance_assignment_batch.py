from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL

from .res_partner_manager_change import _ManagerChange, without_tracking_switches

# Scheduled reassignments applied per call of the scheduled action (it
# re-triggers itself while more are due).
BATCHES_PER_RUN = 10
# Records of a client whose open activities and followers move with the client.
CLIENT_RECORD_MODELS = (
    "res.partner",
    "insurance.policy",
    "insurance.claim",
    "insurance.service.request",
)


class InsuranceAssignmentBatch(models.Model):
    """A set of client moves made together (one reassignment), which is applied
    on its effective date and can be undone as a whole."""

    _name = "insurance.assignment.batch"
    _description = "Client Reassignment Batch"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, default=lambda self: _("New"), copy=False)
    user_id = fields.Many2one(
        "res.users", string="Made By", default=lambda self: self.env.user, readonly=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    reason = fields.Char(readonly=True, required=True)
    date_effective = fields.Date(
        string="Effective Date", required=True, default=fields.Date.context_today, readonly=True
    )
    handover_days = fields.Integer(
        readonly=True,
        help="Days during which the previous manager stays the client's backup and follower.",
    )
    state = fields.Selection(
        [
            ("scheduled", "Scheduled"),
            ("done", "Done"),
            ("undone", "Undone"),
            ("refused", "Not Applied"),
        ],
        required=True,
        default="scheduled",
        tracking=True,
        readonly=True,
    )
    assignment_ids = fields.One2many("insurance.manager.assignment", "batch_id", readonly=True)
    moved_activity_ids = fields.Many2many(
        "mail.activity",
        string="Moved Activities",
        readonly=True,
        help="Open activities handed to the new managers (handed back on undo).",
    )
    assignment_count = fields.Integer(compute="_compute_assignment_count")

    def _compute_assignment_count(self):
        counts = dict(
            self.env["insurance.manager.assignment"]._read_group(
                [("batch_id", "in", self.ids)], ["batch_id"], ["__count"]
            )
        )
        for batch in self:
            batch.assignment_count = counts.get(batch, 0)

    @api.model_create_multi
    def create(self, vals_list):
        self._check_server_only()
        for vals in vals_list:
            if vals.get("name", _("New")) == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "insurance.assignment.batch"
                ) or _("New")
        return super().create(vals_list)

    def write(self, vals):
        # what a batch moves, when and how far it went is set by the wizard and
        # the undo (which check rights themselves, then write as the server);
        # only the chatter's fields (followers, messages) stay open
        if set(vals) - set(self.env["mail.thread"]._fields):
            self._check_server_only()
        return super().write(vals)

    def _check_server_only(self):
        if not self.env.su:
            raise AccessError(
                _(
                    "Reassignment batches are made by Reassign Clients and changed by "
                    "their Undo only."
                )
            )

    def action_undo(self):
        """Put every client of the batch back with the manager it had before."""
        if not self.env.user.has_group("insurance_account_manager.insurance_group_team_lead"):
            raise UserError(_("Only team leads and administrators can undo a reassignment."))
        self.check_access("write")
        is_admin = self.env.user.has_group("insurance_account_manager.insurance_group_admin")
        for batch in self:
            if batch.state == "undone":
                raise UserError(_("Batch %(batch)s is already undone.", batch=batch.name))
            if batch.state == "refused":
                raise UserError(
                    _(
                        "Batch %(batch)s was not applied: there is nothing to undo.",
                        batch=batch.name,
                    )
                )
            # team leads read every batch: one they did not make is only theirs
            # to undo when they may edit each of its clients (their team's)
            if not is_admin and batch.user_id != self.env.user:
                batch.sudo().assignment_ids.partner_id.with_env(self.env).check_access("write")
        for batch in without_tracking_switches(self).sudo():
            batch._undo()
        return True

    def action_view_assignments(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "insurance_account_manager.insurance_manager_assignment_action"
        )
        action["domain"] = [("batch_id", "=", self.id)]
        return action

    # ------------------------------------------------------------
    # Apply
    # ------------------------------------------------------------

    def _apply(self):
        """Move the batch's clients to their new managers (rows ``planned``).

        As every path that gives managers clients: the new managers' rows are
        locked (sorted, see ``res.partner._insurance_lock_managers``) before
        anything is read, each must still be able to manage the client, and
        none may end above capacity. Raises a ``UserError`` otherwise, before
        anything is kept (the caller rolls back).

        Set-based, as the assignment rules: the managers and backups, their
        copies and the chatter go through
        ``res.partner._insurance_write_managers_batch``, the batch's rows and
        the followers in one statement each; only the open activities handed
        over are written one new manager at a time."""
        self.ensure_one()
        rows = self.assignment_ids.filtered(lambda row: row.state == "planned")
        Partner = self.env["res.partner"]
        targets = rows.user_id
        Partner._insurance_lock_managers(targets.ids)
        moving_to = defaultdict(lambda: Partner)
        for row in rows:
            moving_to[row.user_id] |= row.partner_id
        for target, moving in moving_to.items():
            moving._insurance_check_manager_targets(target)
        handover_until = (
            self.date_effective + timedelta(days=self.handover_days)
            if self.handover_days > 0
            else False
        )
        partners = Partner.browse(rows.partner_id.ids)
        # the current rows of these clients end the day before the move (or on
        # the day they started, when the client already moved that day)
        partners._insurance_close_assignments(self.date_effective - timedelta(days=1))
        new_by_partner, old_by_partner, values = {}, {}, {}
        for row in rows:
            partner = row.partner_id
            old_user, new_user = partner.account_manager_id, row.user_id
            new_by_partner[partner.id] = new_user.id
            if old_user and old_user != new_user:
                old_by_partner[partner.id] = old_user.id
            values[partner.id] = {"account_manager_id": new_user.id}
            if handover_until and old_user and old_user != new_user:
                values[partner.id]["backup_manager_id"] = old_user.id
            elif partner.backup_manager_id == new_user:
                # the new manager cannot back themselves up
                values[partner.id]["backup_manager_id"] = False
        # the batch's rows: who managed the clients until now, and the move
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE insurance_manager_assignment AS r
                   SET previous_user_id = p.account_manager_id,
                       previous_backup_id = p.backup_manager_id,
                       state = 'current',
                       date_from = %(date_from)s,
                       handover_until = %(handover_until)s,
                       handover_done = %(handover_done)s,
                       write_uid = %(uid)s,
                       write_date = %(now)s
                  FROM res_partner AS p
                 WHERE r.id = ANY(%(ids)s) AND p.id = r.partner_id
                """,
                date_from=self.date_effective,
                handover_until=handover_until or None,
                handover_done=not handover_until,
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=rows.ids,
            )
        )
        rows.invalidate_recordset()
        rows.modified(["state", "date_from", "previous_user_id", "previous_backup_id"])
        partners._insurance_write_managers_batch(
            values, _ManagerChange("reassign", batch_id=self.id, history=False)
        )
        records = partners._insurance_client_records()
        Partner._insurance_follow(partners._insurance_client_followers(new_by_partner, records))
        if old_by_partner:
            if not handover_until:
                Partner._insurance_unfollow(
                    partners._insurance_client_followers(old_by_partner, records)
                )
            self._hand_over_activities(records, old_by_partner, new_by_partner)
        Partner._insurance_check_capacity(targets)
        self.state = "done"
        self.message_post(
            body=_("%(count)s client(s) moved to their new managers.", count=len(rows))
        )

    def _hand_over_activities(self, records, old_by_partner, new_by_partner):
        """Give the open activities of each client's previous manager on the
        client's records (see ``res.partner._insurance_client_records``) to
        its new manager; the batch keeps them, for its undo."""
        Partner = self.env["res.partner"]
        client_of = {
            (recordset._name, record.id): (
                record.id
                if recordset._name == "res.partner"
                else record[Partner._insurance_client_field(recordset._name)].id
            )
            for recordset in records
            for record in recordset
        }
        activities = self._client_activities(
            records, self.env["res.users"].browse(set(old_by_partner.values()))
        )
        handed = defaultdict(lambda: self.env["mail.activity"])
        for activity in activities:
            client_id = client_of.get((activity.res_model, activity.res_id))
            if client_id and activity.user_id.id == old_by_partner.get(client_id):
                handed[new_by_partner[client_id]] |= activity
        for user_id, user_activities in handed.items():
            user_activities.write({"user_id": user_id})
            self.moved_activity_ids |= user_activities

    def _refuse(self, error):
        """Give up a scheduled batch that can no longer be applied (``error``
        says why): its moves are cancelled, and its creator is told, to plan
        the reassignment again."""
        self.ensure_one()
        self.assignment_ids.filtered(lambda row: row.state == "planned").write(
            {"state": "cancelled"}
        )
        self.state = "refused"
        self.message_post(
            body=_(
                "Not applied on its effective date: %(error)s Plan the reassignment again "
                "with Reassign Clients.",
                error=error,
            ),
            partner_ids=self.user_id.partner_id.ids,
            subtype_xmlid="mail.mt_comment",
        )

    def _client_records(self, partners):
        """The clients with their open policies, claims and service requests
        (four recordsets)."""
        return partners._insurance_client_records()

    def _client_activities(self, records, users):
        """Open activities of ``users`` on ``records`` (see :meth:`_client_records`)."""
        parts = [
            [("res_model", "=", recordset._name), ("res_id", "in", recordset.ids)]
            for recordset in records
            if recordset
        ]
        if not parts:
            return self.env["mail.activity"]
        return self.env["mail.activity"].search(
            expression.AND([[("user_id", "in", users.ids)], expression.OR(parts)])
        )

    # ------------------------------------------------------------
    # Undo
    # ------------------------------------------------------------

    def _undo(self):
        self.ensure_one()
        if self.state == "scheduled":
            self.assignment_ids.write({"state": "cancelled"})
            self.state = "undone"
            self.message_post(body=_("Reassignment cancelled before its effective date."))
            return
        today = fields.Date.context_today(self)
        # clients whose manager changed again since (their row of the batch has
        # ended) are left alone
        rows = self.assignment_ids.filtered(lambda row: row.state in ("current", "ended"))
        still = rows.filtered(
            lambda row: row.state == "current" and row.partner_id.account_manager_id == row.user_id
        )
        skipped = rows - still
        Partner = self.env["res.partner"]
        # the previous managers take their clients back: locked and checked as
        # on every path that gives managers clients
        receiving = still.previous_user_id
        Partner._insurance_lock_managers(receiving.ids)
        by_move = defaultdict(lambda: self.env["insurance.manager.assignment"])
        for row in still:
            by_move[row.user_id, row.previous_user_id, row.previous_backup_id] |= row
        moved = self.moved_activity_ids.exists()
        for (new_user, old_user, old_backup), move_rows in by_move.items():
            partners = Partner.browse(move_rows.partner_id.ids)
            partners._insurance_write_managers(
                {
                    "account_manager_id": old_user.id,
                    "backup_manager_id": old_backup.id if old_backup != old_user else False,
                },
                origin="undo",
                history=False,
            )
            records = self._client_records(partners)
            owned = {(rs._name, rid) for rs in records for rid in rs.ids}
            moved.filtered(
                lambda a, user=new_user, owned=owned: (
                    a.user_id == user and (a.res_model, a.res_id) in owned
                )
            ).write({"user_id": old_user.id or self.env.user.id})
            for recordset in records:
                if old_user:
                    recordset.message_subscribe(partner_ids=old_user.partner_id.ids)
                if new_user != old_user:
                    recordset.message_unsubscribe(partner_ids=new_user.partner_id.ids)
        Partner._insurance_check_capacity(receiving)
        still.write({"handover_done": True})
        still._close(today)
        self.env["insurance.manager.assignment"].create(
            [
                {
                    "partner_id": row.partner_id.id,
                    "user_id": row.previous_user_id.id,
                    "previous_user_id": row.user_id.id,
                    "date_from": today,
                    "origin": "undo",
                    "reason": _("Undo of %(batch)s", batch=self.name),
                    "state": "current",
                }
                for row in still
                if row.previous_user_id
            ]
        )
        self.state = "undone"
        body = _("Undone: %(count)s client(s) back with their previous manager.", count=len(still))
        if skipped:
            body += Markup("<br/>") + _(
                "Left alone, as their manager changed again since: %(clients)s",
                clients=", ".join(skipped.partner_id.mapped("display_name")),
            )
        self.message_post(body=body)

    # ------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------

    @api.model
    def _cron_apply_scheduled(self):
        """Apply the reassignments whose effective date has come, and end the
        handovers that are over. Idempotent: applied batches are ``done``."""
        today = fields.Date.context_today(self)
        domain = [("state", "=", "scheduled"), ("date_effective", "<=", today)]
        due = self.search(domain, limit=BATCHES_PER_RUN, order="date_effective, id")
        for batch in due:
            # checked again now: a manager may have filled up or left since
            try:
                with self.env.cr.savepoint():
                    batch._apply()
            except UserError as error:
                batch._refuse(error.args[0])
        remaining = self.search_count(domain)
        if not remaining:
            self.env["insurance.manager.assignment"]._end_handovers()
        self.env["ir.cron"]._notify_progress(done=len(due), remaining=remaining)
