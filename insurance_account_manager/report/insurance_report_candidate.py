from odoo import api, fields, models
from odoo.tools import SQL

CANDIDATE_THRESHOLD_PARAM = "insurance_account_manager.candidate_threshold"
CANDIDATE_MIN_RATINGS_PARAM = "insurance_account_manager.candidate_min_ratings"
DEFAULT_CANDIDATE_THRESHOLD = 4.5
DEFAULT_CANDIDATE_MIN_RATINGS = 3


class InsuranceReportCandidate(models.Model):
    """Candidate managers (DESIGN S12: anyone whose service clients recognise
    can become a manager): users outside the manager force whose handled
    requests clients rated, on average, at or above the threshold of Settings,
    with at least the minimum number of ratings. One row per handler and
    company of the rated requests: a company sees the ratings of its own
    requests only (company rule). A row's id is its group's first request's
    (unique per handler and company, stable while the request exists)."""

    _name = "insurance.report.candidate"
    _inherit = "insurance.report.mixin"
    _description = "Candidate Account Managers"
    _auto = False
    _rec_name = "user_id"
    _order = "rating_avg desc, rating_count desc, id"
    _depends = {
        "insurance.service.request": ["handler_id", "company_id", "rating_last_value"],
        "res.users": ["is_account_manager", "active", "share"],
        "rating.rating": ["res_model", "res_id", "rating", "consumed"],
    }

    user_id = fields.Many2one("res.users", string="Handler", readonly=True)
    company_id = fields.Many2one("res.company", string="Company", readonly=True)
    request_count = fields.Integer(string="Rated Requests", readonly=True)
    rating_count = fields.Integer(string="Ratings", readonly=True)
    rating_avg = fields.Float(
        string="Average Rating",
        readonly=True,
        aggregator="avg",
        help="Average rating (1 to 5) clients gave the requests this user handled.",
    )

    @api.model
    def _view_query(self):
        return SQL(
            """
            SELECT min(r.id) AS id,
                   r.handler_id AS user_id,
                   r.company_id,
                   count(DISTINCT r.id) AS request_count,
                   count(rt.id) AS rating_count,
                   avg(rt.rating) AS rating_avg
              FROM insurance_service_request r
              JOIN rating_rating rt ON rt.res_model = 'insurance.service.request'
                   AND rt.res_id = r.id AND rt.consumed AND rt.rating >= 1
              JOIN res_users u ON u.id = r.handler_id
             WHERE u.active AND NOT u.share AND NOT COALESCE(u.is_account_manager, FALSE)
             GROUP BY r.handler_id, r.company_id
            HAVING count(rt.id) >= COALESCE(
                       (SELECT value FROM ir_config_parameter WHERE key = %(min_key)s),
                       %(min_default)s)::integer
               AND avg(rt.rating) >= COALESCE(
                       (SELECT value FROM ir_config_parameter WHERE key = %(key)s),
                       %(default)s)::float
            """,
            min_key=CANDIDATE_MIN_RATINGS_PARAM,
            min_default=str(DEFAULT_CANDIDATE_MIN_RATINGS),
            key=CANDIDATE_THRESHOLD_PARAM,
            default=str(DEFAULT_CANDIDATE_THRESHOLD),
        )
