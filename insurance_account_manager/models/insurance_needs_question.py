from odoo import fields, models

NEEDS_SEGMENTS = [
    ("activity", "Activity"),
    ("assets", "Assets"),
    ("staff", "Staff"),
    ("fleet", "Fleet"),
    ("cargo", "Cargo"),
    ("liability", "Liabilities"),
    ("other", "Other"),
]
ANSWER_TYPES = [
    ("yes_no", "Yes / No"),
    ("quantity", "Quantity"),
    ("amount", "Sum Insured"),
]


class InsuranceNeedsQuestion(models.Model):
    """A question of the needs analysis (S8) and the lines of business its
    answer calls for: a yes, a quantity above zero or a sum above zero. A sum
    is the cover the client needs in those lines."""

    _name = "insurance.needs.question"
    _description = "Needs Analysis Question"
    _order = "segment, sequence, id"

    name = fields.Char(string="Question", required=True, translate=True)
    segment = fields.Selection(NEEDS_SEGMENTS, required=True, default="activity")
    sequence = fields.Integer(default=10)
    answer_type = fields.Selection(ANSWER_TYPES, required=True, default="yes_no")
    line_ids = fields.Many2many(
        "insurance.line",
        "insurance_needs_question_line_rel",
        "question_id",
        "line_id",
        string="Lines Called For",
        help="The lines of business a positive answer calls for.",
    )
    active = fields.Boolean(default=True)
