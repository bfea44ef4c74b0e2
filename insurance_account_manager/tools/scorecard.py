"""Scorecard arithmetic: periods, KPI ratios, the weighted score, ranks and
incentives.

Plain Python, no database access, no Odoo import: ``insurance.scorecard``
gathers the figures of every manager of a period in a few grouped queries and
calls these functions.

Every KPI is turned into points from 0 to 100 before it is weighted:

- ratios already in percent (retention, renewals won, SLA compliance) are
  their own points;
- satisfaction: the average rating (1 to 5, Odoo's rating scale) mapped
  linearly, 1 -> 0 and 5 -> 100;
- premium growth: -50 % or worse -> 0, 0 % -> 50, +50 % or better -> 100;
- counts (new clients, requests handled): relative to the best manager of the
  same team and period (the best gets 100).

A KPI without data in the period (``None``: no client held at the start, no
renewal due, no request closed with an SLA, no rating...) is left out of the
score, its weight with it: a manager is neither punished nor rewarded for what
did not happen. A period with no data at all gives no score (``None``).
"""

import calendar
from datetime import date, timedelta

PERIOD_TYPES = ("month", "quarter", "year")
KPI_KEYS = (
    "retention",
    "renewal",
    "sla",
    "satisfaction",
    "new_clients",
    "premium_growth",
    "requests",
)
DEFAULT_WEIGHTS = {
    "retention": 20,
    "renewal": 20,
    "sla": 15,
    "satisfaction": 15,
    "new_clients": 10,
    "premium_growth": 10,
    "requests": 10,
}
# Premium growth in percent that gives 0 and 100 points.
GROWTH_FLOOR = -50.0
GROWTH_CEILING = 50.0
# Odoo's rating scale (rating.mixin): 1 (unhappy) to 5 (happy).
RATING_MIN = 1.0
RATING_MAX = 5.0


def merge_figures(figures, rows, keys, zero_if_null=()):
    """Store each row of a grouped KPI query in ``figures`` (manager id -> dict):
    a row is the manager id, then one value per name of ``keys``; a NULL value
    of a name in ``zero_if_null`` (an empty sum, a median of nothing) reads 0.0."""
    for user_id, *values in rows:
        figures[user_id].update(
            {
                key: (value or 0.0) if key in zero_if_null else value
                for key, value in zip(keys, values, strict=True)
            }
        )
    return figures


def period_bounds(period_type, day):
    """(first day, last day) of the month, quarter or year that holds ``day``."""
    if period_type == "month":
        start = day.replace(day=1)
        return start, day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if period_type == "quarter":
        first_month = 3 * ((day.month - 1) // 3) + 1
        start = date(day.year, first_month, 1)
        last_month = first_month + 2
        return start, date(day.year, last_month, calendar.monthrange(day.year, last_month)[1])
    if period_type == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    raise ValueError(f"unknown period type {period_type!r}")


def previous_period(period_type, date_from):
    """Bounds of the period just before the one starting on ``date_from``."""
    return period_bounds(period_type, date_from - timedelta(days=1))


def ratio(part, whole):
    """``part`` of ``whole`` in percent; ``None`` when there is nothing to measure."""
    if not whole:
        return None
    return 100.0 * part / whole


def growth(start, end):
    """Change from ``start`` to ``end`` in percent; ``None`` from nothing."""
    if not start:
        return None
    return 100.0 * (end - start) / start


def complete_kpis(kpis, names):
    """Every KPI of one manager: ``names`` (the scorecard's KPI fields) at 0
    where ``kpis`` has no value, and the ratios derived from the counts
    (retention, renewal rate, SLA compliance, premium growth; 0 where there
    is nothing to measure)."""
    values = dict.fromkeys(names, 0)
    values.update(kpis)
    values["retention"] = ratio(values["clients_kept"], values["clients_start"]) or 0.0
    values["renewal_rate"] = ratio(values["renewals_won"], values["renewals_due"]) or 0.0
    values["sla_compliance"] = (
        ratio(values["requests_within_sla"], values["requests_with_sla"]) or 0.0
    )
    values["premium_growth"] = growth(values["premium_start"], values["premium_end"]) or 0.0
    return values


def kpi_inputs(kpis):
    """The values the score is made of (keys of ``KPI_KEYS``) from the KPIs of
    one manager (:func:`complete_kpis`), ``None`` where the period has no
    data for it."""
    return {
        "retention": kpis["retention"] if kpis["clients_start"] else None,
        "renewal": kpis["renewal_rate"] if kpis["renewals_due"] else None,
        "sla": kpis["sla_compliance"] if kpis["requests_with_sla"] else None,
        "satisfaction": kpis["satisfaction"] if kpis["rating_count"] else None,
        "premium_growth": kpis["premium_growth"] if kpis["premium_start"] else None,
        "new_clients": kpis["new_clients"],
        "requests": kpis["requests_handled"],
    }


def median(values):
    """Median of ``values``; ``None`` for none."""
    ordered = sorted(v for v in values if v is not None)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def _clamp(value, low=0.0, high=100.0):
    return max(low, min(high, value))


def growth_points(value):
    if value is None:
        return None
    return _clamp(100.0 * (value - GROWTH_FLOOR) / (GROWTH_CEILING - GROWTH_FLOOR))


def satisfaction_points(average_rating):
    if average_rating is None:
        return None
    return _clamp(100.0 * (average_rating - RATING_MIN) / (RATING_MAX - RATING_MIN))


def relative_points(value, best):
    """Points of a count against the best of the team (the best gets 100);
    ``None`` when nobody in the team has any."""
    if value is None or not best:
        return None
    return _clamp(100.0 * value / best)


def kpi_points(kpis, team_best):
    """{kpi: points 0-100 or None} from a manager's KPI values ``kpis`` (keys of
    KPI_KEYS; ratios in percent, average rating, counts) and ``team_best``
    ({"new_clients": n, "requests": n}: the best counts of the team)."""
    return {
        "retention": kpis.get("retention"),
        "renewal": kpis.get("renewal"),
        "sla": kpis.get("sla"),
        "satisfaction": satisfaction_points(kpis.get("satisfaction")),
        "premium_growth": growth_points(kpis.get("premium_growth")),
        "new_clients": relative_points(kpis.get("new_clients"), team_best.get("new_clients")),
        "requests": relative_points(kpis.get("requests"), team_best.get("requests")),
    }


def weighted_score(points, weights):
    """Weighted average of the points that have a value; ``None`` when none
    has (or every weight of those is 0)."""
    total_weight = 0.0
    total = 0.0
    for key, value in points.items():
        weight = weights.get(key) or 0.0
        if value is None or weight <= 0:
            continue
        total_weight += weight
        total += weight * value
    if not total_weight:
        return None
    return round(total / total_weight, 2)


def ranks(scores):
    """{key: rank} by score, best first, 1-based; equal scores share a rank
    (1, 2, 2, 4); keys without a score get no rank (``None``)."""
    ordered = sorted((s for s in scores.values() if s is not None), reverse=True)
    first_rank = {}
    for position, score in enumerate(ordered, start=1):
        first_rank.setdefault(score, position)
    return {
        key: first_rank.get(score) if score is not None else None for key, score in scores.items()
    }


def parse_bands(text):
    """Score bands from ``"0:0, 60:500, 80:1000"`` (lowest score of the band:
    bonus): a sorted list of (lower bound, amount). Raises ValueError with a
    reason on bad input (a bound outside 0-100, a negative amount, a bound
    given twice, not a number)."""
    bands = {}
    for chunk in (text or "").replace(";", ",").split(","):
        chunk = chunk.strip()
        if not chunk:
            continue
        if ":" not in chunk:
            raise ValueError(f"{chunk!r} is not 'score:amount'")
        bound_text, amount_text = chunk.split(":", 1)
        try:
            bound = float(bound_text)
            amount = float(amount_text)
        except ValueError as error:
            raise ValueError(f"{chunk!r} is not 'score:amount'") from error
        if not 0.0 <= bound <= 100.0:
            raise ValueError(f"{chunk!r}: a score is between 0 and 100")
        if not 0.0 <= amount < 1e15:
            raise ValueError(f"{chunk!r}: an amount is positive")
        if bound in bands:
            raise ValueError(f"{chunk!r}: score {bound:g} given twice")
        bands[bound] = amount
    return sorted(bands.items())


def band_amount(score, bands):
    """Bonus of the highest band whose lower bound ``score`` reaches (a band
    starts at its bound included); 0 below the first band or without a score."""
    if score is None:
        return 0.0
    amount = 0.0
    for bound, band_bonus in bands:
        if score >= bound:
            amount = band_bonus
    return amount


def pool_shares(scores, pool):
    """{key: share of ``pool``} in proportion to the scores (none without a
    positive score); the shares add up to the pool, rounded to the cent, the
    rounding left on the best score."""
    positive = {key: s for key, s in scores.items() if s and s > 0}
    total = sum(positive.values())
    shares = {key: 0.0 for key in scores}
    if not total or not pool:
        return shares
    for key, score in positive.items():
        shares[key] = round(pool * score / total, 2)
    best = max(positive, key=lambda key: (positive[key], str(key)))
    shares[best] = round(shares[best] + pool - sum(shares.values()), 2)
    return shares


def below_for_periods(values, threshold, periods=2):
    """True when the last ``periods`` values (oldest first) are all known and
    below ``threshold``."""
    last = list(values)[-periods:]
    return len(last) == periods and all(v is not None and v < threshold for v in last)
