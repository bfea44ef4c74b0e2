from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError


class InsuranceManagerAssignment(models.Model):
    """Dated history of who managed a client: one row per period."""

    _name = "insurance.manager.assignment"
    _description = "Account Manager Assignment"
    _order = "date_from desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one(
        "res.partner", string="Client", required=True, index=True, ondelete="cascade"
    )
    user_id = fields.Many2one("res.users", string="Account Manager", index=True)
    previous_user_id = fields.Many2one("res.users", string="Previous Manager")
    previous_backup_id = fields.Many2one("res.users", string="Previous Backup")
    date_from = fields.Date(string="From", required=True, default=fields.Date.context_today)
    date_to = fields.Date(string="To", index="btree_not_null")
    state = fields.Selection(
        [
            ("planned", "Planned"),
            ("current", "Current"),
            ("ended", "Ended"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="current",
        index=True,
    )
    origin = fields.Selection(
        [
            ("manual", "Manual"),
            ("rule", "Assignment Rule"),
            ("reassign", "Reassignment"),
            ("undo", "Undo"),
        ],
        required=True,
        default="manual",
    )
    reason = fields.Char()
    rule_id = fields.Many2one("insurance.assignment.rule", string="Rule", ondelete="set null")
    batch_id = fields.Many2one(
        "insurance.assignment.batch", string="Batch", index="btree_not_null", ondelete="set null"
    )
    # Handover: the previous manager stays backup and follower until then
    handover_until = fields.Date()
    handover_done = fields.Boolean(default=True)
    moved_activity_ids = fields.Many2many(
        "mail.activity", string="Moved Activities", help="Open activities moved to the new manager."
    )
    company_id = fields.Many2one(related="partner_id.company_id", store=True, index=True)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for row in self:
            if row.date_to and row.date_to < row.date_from:
                raise ValidationError(
                    _(
                        "%(client)s: a manager period cannot end before it starts.",
                        client=row.partner_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_server_only()
        return super().create(vals_list)

    def write(self, vals):
        self._check_server_only()
        return super().write(vals)

    def _check_server_only(self):
        # the history is the audit of who managed a client: only the server
        # (assignment rules, reassignment batches, manager changes) writes it
        if not self.env.su:
            raise AccessError(
                _("The manager history is kept by the system: change the manager to add a period.")
            )

    def _close(self, day):
        """End the rows of ``self`` on ``day``. A row that started after ``day``
        (the client moved twice within a day, or a move is back-dated) ends on
        the day it started: a period never ends before it starts."""
        started = self.filtered(lambda row: row.date_from <= day)
        started.write({"state": "ended", "date_to": day})
        for row in self - started:
            row.write({"state": "ended", "date_to": row.date_from})

    def _end_handovers(self):
        """End the handovers that are over: the previous manager stops being the
        client's backup (the backup from before the move comes back) and stops
        following the client's records."""
        today = fields.Date.context_today(self)
        rows = self.search(
            [
                ("state", "=", "current"),
                ("handover_done", "=", False),
                ("handover_until", "<", today),
            ]
        )
        leaving = defaultdict(lambda: self.env["res.partner"])
        restore = defaultdict(lambda: self.env["res.partner"])  # backup -> clients
        for row in rows:
            partner = row.partner_id
            if row.previous_user_id and partner.backup_manager_id == row.previous_user_id:
                backup = row.previous_backup_id
                restore[backup if backup != partner.account_manager_id else backup.browse()] |= (
                    partner
                )
            if row.previous_user_id and row.previous_user_id != partner.account_manager_id:
                leaving[row.previous_user_id] |= partner
        for backup, partners in restore.items():
            partners.write({"backup_manager_id": backup.id})
        Batch = self.env["insurance.assignment.batch"]
        for user, partners in leaving.items():
            for recordset in Batch._client_records(partners):
                recordset.message_unsubscribe(partner_ids=user.partner_id.ids)
        rows.write({"handover_done": True})
