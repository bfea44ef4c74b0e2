from odoo import _, fields, models
from odoo.exceptions import AccessError

RATING_TEMPLATE = "insurance_account_manager.mail_template_insurance_service_request_rating"


class InsuranceServiceRequest(models.Model):
    """Client satisfaction: closing a request as done asks its client for a
    rating (Odoo's rating page); the ratings roll up to the request, the
    manager, the tier and the scorecard (see insurance.report.service and
    insurance.scorecard)."""

    _name = "insurance.service.request"
    _inherit = ["rating.mixin", "insurance.service.request"]

    # computed with the other stored fields of a new request, in its INSERT:
    # a request being created has no rating yet (see below)
    rating_last_value = fields.Float(
        compute="_compute_rating_last_value", store=True, precompute=True
    )

    def _compute_rating_last_value(self):
        # records being created (a create's precomputation) have no rating: no query
        new = self.filtered(lambda request: not request._origin)
        new.rating_last_value = 0
        return super(InsuranceServiceRequest, self - new)._compute_rating_last_value()

    def write(self, vals):
        opening = self.browse()
        if "stage_id" in vals:
            opening = self.filtered(lambda request: request.stage_state != "won")
        result = super().write(vals)
        if opening:
            opening.filtered(lambda request: request.stage_state == "won")._rating_request_send()
        return result

    def _rating_request_send(self):
        """Ask the clients of ``self`` (requests just done) for a rating, by
        e-mail from the accountable manager; a client without e-mail is not
        asked."""
        template = self.env.ref(RATING_TEMPLATE, raise_if_not_found=False)
        if not template:
            return
        for request in self.sudo().filtered(lambda r: r.partner_id.email):
            request.rating_send_request(template, lang=request.partner_id.lang, force_send=False)

    def rating_apply(
        self,
        rate,
        token=None,
        rating=None,
        feedback=None,
        subtype_xmlid=None,
        notify_delay_send=False,
    ):
        # the client rates through the public rating page (which applies the
        # rating as superuser after checking the token); nobody rates a
        # request for the client over RPC, least of all its manager
        if not self.env.su:
            raise AccessError(_("Only the client rates a request, from the rating e-mail."))
        return super().rating_apply(
            rate,
            token=token,
            rating=rating,
            feedback=feedback,
            subtype_xmlid=subtype_xmlid,
            notify_delay_send=notify_delay_send,
        )

    def _rating_get_operator(self):
        # the accountable manager is the person rated
        return self.sudo().user_id.partner_id
