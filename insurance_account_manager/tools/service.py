"""Service pipelines: priorities, SLA states, renewal horizons, premium rises
and survey due dates. Plain Python, no database access, no Odoo import."""

from bisect import bisect_right
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

# Request priorities (same values as the selection on insurance.service.request).
PRIORITY_NORMAL = "0"
PRIORITY_MEDIUM = "1"
PRIORITY_HIGH = "2"
PRIORITY_URGENT = "3"
PRIORITY_BY_TIER_CODE = {
    "key": PRIORITY_HIGH,
    "general": PRIORITY_MEDIUM,
    "retail": PRIORITY_NORMAL,
}

# SLA states.
SLA_ON_TRACK = "on_track"
SLA_AT_RISK = "at_risk"
SLA_BREACHED = "breached"
# Share of the SLA window (in wall-clock time) after which an open request is at
# risk: the last quarter of the window, as helpdesk teams usually warn.
AT_RISK_RATIO = 0.75

# Renewal lead time used for clients without a tier, or with a tier that sets none.
DEFAULT_RENEWAL_LEAD_DAYS = 60


def priority_for_tier(tier_code):
    """The request priority for a client of the tier with ``tier_code``."""
    return PRIORITY_BY_TIER_CODE.get(tier_code or "", PRIORITY_NORMAL)


def match_sla(slas, type_id, tier_id):
    """Pick the SLA for a request: ``slas`` is an iterable of
    ``(sla_id, type_id, tier_id_or_None, sequence)``. A rule naming the
    request's tier wins over a rule for every tier; then the lowest sequence.
    Returns the SLA id, or None."""
    best = None
    for sla_id, sla_type_id, sla_tier_id, sequence in slas:
        if sla_type_id != type_id:
            continue
        if sla_tier_id is not None and sla_tier_id != tier_id:
            continue
        key = (0 if sla_tier_id is not None else 1, sequence, sla_id)
        if best is None or key < best[0]:
            best = (key, sla_id)
    return best[1] if best else None


def plan_working_hours(intervals, start, hours):
    """Moment at which ``hours`` working hours have elapsed from ``start``.

    ``intervals`` is a sorted list of ``(begin, end)`` working intervals that
    covers, without gap, the time from ``start`` on (as the calendar gives them).
    Returns None when they hold fewer than ``hours`` hours after ``start``.
    Same result as ``resource.calendar.plan_hours`` for positive hours.
    """
    left = hours
    index = bisect_right([end for _begin, end in intervals], start)
    for begin, end in intervals[index:]:
        begin = max(begin, start)
        interval_hours = (end - begin).total_seconds() / 3600
        if left <= interval_hours:
            return begin + timedelta(hours=left)
        left -= interval_hours
    return None


def sla_at_risk_at(start, deadline, ratio=AT_RISK_RATIO):
    """Moment from which a request opened at ``start`` with ``deadline`` is at risk."""
    if not (start and deadline):
        return None
    if deadline <= start:
        return deadline
    return start + timedelta(seconds=(deadline - start).total_seconds() * ratio)


def sla_state(now, start, deadline, closed_at=None, ratio=AT_RISK_RATIO):
    """SLA state of a request at ``now``.

    A closed request is judged at its closing time; a request without deadline is
    always on track. Breached once the deadline has passed, at risk in the last
    ``1 - ratio`` of the window.
    """
    if not deadline:
        return SLA_ON_TRACK
    moment = closed_at or now
    if moment > deadline:
        return SLA_BREACHED
    if closed_at:
        return SLA_ON_TRACK
    risk = sla_at_risk_at(start, deadline, ratio)
    if risk is not None and moment >= risk:
        return SLA_AT_RISK
    return SLA_ON_TRACK


def renewal_horizons(lead_days_by_tier, today, default_days=DEFAULT_RENEWAL_LEAD_DAYS):
    """Group tiers by lead time: ``[(tier_ids or None, last end date due), ...]``.

    ``lead_days_by_tier`` maps tier id -> lead days (0 or None: the default).
    ``None`` as tier ids stands for clients without a tier. A policy is due
    when its end date is on or before ``today + lead days``.
    """
    by_days = {}
    for tier_id, days in lead_days_by_tier.items():
        by_days.setdefault(days or default_days, []).append(tier_id)
    horizons = [
        (tuple(sorted(tier_ids)), today + timedelta(days=days))
        for days, tier_ids in sorted(by_days.items())
    ]
    horizons.append((None, today + timedelta(days=default_days)))
    return horizons


def renewal_due(date_end, today, lead_days):
    """Whether a policy ending on ``date_end`` is due for renewal on ``today``."""
    return date_end <= today + timedelta(days=lead_days or DEFAULT_RENEWAL_LEAD_DAYS)


def premium_rise_percent(old_premium, new_premium):
    """Rise of the premium in percent (negative for a fall); 0 when no old premium."""
    if not old_premium:
        return 0.0
    return 100.0 * (new_premium - old_premium) / old_premium


def is_premium_rise_flagged(old_premium, new_premium, threshold_percent):
    """A rise strictly above the threshold is flagged (a threshold of 0 flags any rise)."""
    if threshold_percent is None or threshold_percent < 0:
        return False
    return premium_rise_percent(old_premium, new_premium) > threshold_percent


def survey_cutoff(today, interval_months):
    """Last opening date of a survey after which a client surveyed every
    ``interval_months`` is not due on ``today`` (a survey opened on or before
    it is old enough)."""
    return today - relativedelta(months=interval_months)


def survey_due(last_survey, today, interval_months):
    """Whether a client last surveyed on ``last_survey`` (None: never) needs a
    new risk survey on ``today``, surveys being due every ``interval_months``."""
    if not interval_months or interval_months <= 0:
        return False
    if last_survey is None:
        return True
    if isinstance(last_survey, datetime):
        last_survey = last_survey.date()
    return last_survey <= survey_cutoff(today, interval_months)


def next_term_name(name):
    """Policy number of the next term: ``ABC`` -> ``ABC/R1`` -> ``ABC/R2``."""
    base, sep, suffix = name.rpartition("/R")
    if sep and suffix.isdigit():
        return f"{base}/R{int(suffix) + 1}"
    return f"{name}/R1"


def next_term_dates(date_end):
    """Start and end of the term that follows a term ending on ``date_end``."""
    start = date_end + timedelta(days=1)
    return start, start + relativedelta(years=1, days=-1)
