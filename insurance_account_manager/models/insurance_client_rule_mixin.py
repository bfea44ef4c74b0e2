import ast

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import validation


class InsuranceClientRuleMixin(models.AbstractModel):
    """An ordered rule about clients, as the tier and the assignment rules are:
    a name, a sequence, an optional company, and an optional client domain
    typed by an administrator.

    The domain is parsed with ``ast.literal_eval`` (never ``eval``) and tried
    once when saved, so that a rule that cannot run is refused at once rather
    than failing in a scheduled action later.
    """

    _name = "insurance.client.rule.mixin"
    _description = "Ordered Client Rule"
    _inherit = ["insurance.input.mixin"]
    _order = "sequence, id"
    _insurance_input_limits = {"partner_domain": validation.DOMAIN}

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        index=True,
        default=lambda self: self.env.company,
        help="Leave empty for a rule of every company. Clients shared by all companies "
        "follow the rules of the company the run works in.",
    )
    partner_domain = fields.Char(
        string="Client Filter",
        default="[]",
        help="Optional extra condition on the client, as an Odoo domain, "
        "e.g. [('country_id.code', '=', 'CN')].",
    )

    def _get_partner_domain(self):
        """The rule's domain as a list ([] when empty)."""
        self.ensure_one()
        text = (self.partner_domain or "").strip()
        if not text:
            return []
        try:
            domain = ast.literal_eval(text)
        except (ValueError, SyntaxError) as error:
            raise ValidationError(
                _(
                    "%(rule)s: the client filter is not a valid domain (%(error)s).",
                    rule=self.display_name,
                    error=error,
                )
            ) from error
        if not isinstance(domain, list | tuple):
            raise ValidationError(
                _(
                    "%(rule)s: the client filter must be a list of conditions.",
                    rule=self.display_name,
                )
            )
        return list(domain)

    @api.constrains("partner_domain")
    def _check_partner_domain(self):
        Partner = self.env["res.partner"]
        for rule in self:
            domain = rule._get_partner_domain()
            if not domain:
                continue
            try:
                with self.env.cr.savepoint():
                    Partner.search_count(domain, limit=1)
            except Exception as error:  # noqa: BLE001 - any failure means an unusable domain
                raise ValidationError(
                    _(
                        "%(rule)s: the client filter cannot be applied (%(error)s).",
                        rule=rule.display_name,
                        error=error,
                    )
                ) from error

    def _partner_ids_matching(self, partner_ids):
        """{rule id: set of ids among ``partner_ids`` matching its domain} for
        the rules of ``self`` that have a domain: one search per rule, whatever
        the number of partners."""
        result = {}
        for rule in self:
            domain = rule._get_partner_domain()
            if domain:
                result[rule.id] = set(
                    self.env["res.partner"].search([("id", "in", list(partner_ids)), *domain]).ids
                )
        return result
