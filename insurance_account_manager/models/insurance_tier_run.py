from odoo import fields, models


class InsuranceTierRun(models.Model):
    """One recompute of the tiers over the whole book, and where it stands.

    The scheduled action works through the clients in batches by id (keyset:
    the clients after ``last_partner_id``): the batch's tiers, history and the
    run's position are written in the same transaction, so after a crash the
    next call resumes with the first client not looked at, and a run where no
    tier changes writes no client row (only this row moves on). Written by the
    server only (``res.partner._cron_recompute_insurance_tiers``).
    """

    _name = "insurance.tier.run"
    _description = "Client Tier Recompute Run"
    _order = "id desc"
    _rec_name = "date"

    date = fields.Date(required=True, readonly=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done")],
        string="Status",
        required=True,
        default="running",
        readonly=True,
    )
    last_partner_id = fields.Integer(
        string="Last Client",
        readonly=True,
        help="Id of the last client looked at: the next batch starts after it.",
    )
    total = fields.Integer(string="Clients", readonly=True)
    checked = fields.Integer(string="Clients Checked", readonly=True)
    changed = fields.Integer(string="Tiers Changed", readonly=True)
