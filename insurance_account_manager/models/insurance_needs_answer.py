from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from ..tools import validation


class InsuranceNeedsAnswer(models.Model):
    """One answer of a needs analysis."""

    _name = "insurance.needs.answer"
    _description = "Needs Analysis Answer"
    _inherit = ["insurance.input.mixin"]
    _order = "segment, sequence, id"
    _insurance_input_limits = {"quantity": validation.COUNT, "amount": validation.AMOUNT}

    analysis_id = fields.Many2one(
        "insurance.needs.analysis", required=True, index=True, ondelete="cascade"
    )
    question_id = fields.Many2one(
        "insurance.needs.question", required=True, ondelete="restrict", index=True
    )
    segment = fields.Selection(related="question_id.segment", store=True)
    sequence = fields.Integer(related="question_id.sequence", store=True)
    answer_type = fields.Selection(related="question_id.answer_type")
    line_ids = fields.Many2many(related="question_id.line_ids", string="Lines Called For")
    value_bool = fields.Boolean(string="Yes")
    quantity = fields.Integer()
    amount = fields.Float(string="Sum", digits=(16, 2))
    note = fields.Char()
    calls_for = fields.Boolean(
        compute="_compute_calls_for", help="The answer calls for the question's lines."
    )

    _sql_constraints = [
        (
            "question_uniq",
            "unique(analysis_id, question_id)",
            "A question is answered once per analysis.",
        ),
    ]

    @api.depends("answer_type", "value_bool", "quantity", "amount")
    def _compute_calls_for(self):
        for answer in self:
            answer.calls_for = answer._insurance_calls_for()

    def _insurance_calls_for(self):
        """Whether the answer calls for its question's lines (the rule the
        coverage-gap view applies in SQL, see insurance_coverage_gap.py)."""
        kind = self.answer_type
        return bool(
            (kind == "yes_no" and self.value_bool)
            or (kind == "quantity" and self.quantity > 0)
            or (kind == "amount" and self.amount > 0)
        )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            # answers go into analyses the user may change
            self.env["insurance.needs.analysis"].browse(
                {vals["analysis_id"] for vals in vals_list if vals.get("analysis_id")}
            ).check_access("write")
        return super().create(vals_list)

    def write(self, vals):
        if (
            not self.env.su
            and "analysis_id" in vals
            and any(answer.analysis_id.id != vals["analysis_id"] for answer in self)
        ):
            raise AccessError(_("An answer stays in its analysis."))
        return super().write(vals)
