from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools import service


class InsuranceServiceRequestWon(models.TransientModel):
    """Win a renewal: the next term's policy number, dates and premium, asked
    for (prefilled from the renewed term and the renewal premium) before the
    term is created, as the Lost path asks for a reason."""

    _name = "insurance.service.request.won"
    _description = "Win a Renewal"

    request_id = fields.Many2one(
        "insurance.service.request", string="Renewal", required=True, readonly=True
    )
    renewed_policy_id = fields.Many2one(
        "insurance.policy", string="Term Renewed", related="request_id.renewed_policy_id"
    )
    currency_id = fields.Many2one("res.currency", related="request_id.currency_id")
    previous_premium = fields.Monetary(
        string="Current Premium", related="request_id.previous_premium"
    )
    policy_name = fields.Char(string="New Policy Number", required=True)
    date_start = fields.Date(string="Start Date", required=True)
    date_end = fields.Date(string="End Date", required=True)
    premium = fields.Monetary(string="Annual Premium", required=True)

    @api.model
    def default_get(self, fields_list):
        """Prefilled from the renewal, read with the user's own rights: who may
        not read the renewed term learns nothing from the wizard."""
        values = super().default_get(fields_list)
        request_id = values.get("request_id") or self.env.context.get("default_request_id")
        if not isinstance(request_id, int):
            return values
        request = self.env["insurance.service.request"].browse(request_id)
        request._renewal_check_winnable()
        policy = request.renewed_policy_id
        date_start, date_end = service.next_term_dates(policy.date_end)
        values.setdefault("policy_name", service.next_term_name(policy.name))
        values.setdefault("date_start", date_start)
        values.setdefault("date_end", date_end)
        values.setdefault("premium", request.new_premium)
        return values

    @api.onchange("date_start")
    def _onchange_date_start(self):
        """A year of cover from the start date, as a new policy has."""
        if self.date_start:
            self.date_end = self.date_start + relativedelta(years=1, days=-1)

    def action_confirm(self):
        """Create the next term with the user's own rights (the policy record
        rules let them create it in their own or their team's book only) and
        mark the renewal won; only the client's account manager, their team
        lead or an insurance administrator may."""
        self.ensure_one()
        request = self.request_id
        request._renewal_check_winnable()
        if self.premium < 0:
            raise UserError(_("The premium of the next term cannot be negative."))
        request._renewal_win_with(
            {
                "name": self.policy_name,
                "date_start": self.date_start,
                "date_end": self.date_end,
                "premium": self.premium,
            }
        )
        return {"type": "ir.actions.act_window_close"}
