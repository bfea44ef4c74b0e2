"""Retention-risk score of a client: how likely the client is to leave.

Plain Python, no database access, no Odoo import. The model gathers each
client's signals in a few grouped queries (res_partner_retention.py), this
module turns them into a score from 0 (safe) to 100 (about to leave) and the
reasons behind it.

Each signal is scaled to 0..1 (the points below were chosen as "clearly a
warning" by the insurance rules of thumb the article's managers use, not
measured on a book), then weighted by the weights set in Settings:

- claims: loss ratio of the last year (paid + reserved / premium in force);
  0 at 0 %, 1 at 100 % and above;
- service: breached SLAs of the last year, 1 from 4 breaches;
- complaints: the client's open complaints (requests flagged as complaints,
  not yet closed), 1 from 2;
- price: the largest premium rise proposed at renewal, 1 from a 30 % rise;
- satisfaction: the average of the client's ratings of the last year (1..5),
  0 at 5, 1 at 1; 0 without rating;
- lost lines: lines not renewed in the last year, 1 from 2 lines;
- contact: days since the manager last wrote or did an activity on the
  client, 0 up to 30 days, 1 from 180 days, and 1 when never.
"""

from dataclasses import dataclass

CLAIMS = "claims"
SERVICE = "service"
COMPLAINTS = "complaints"
PRICE = "price"
SATISFACTION = "satisfaction"
LOST_LINES = "lost_lines"
CONTACT = "contact"
SIGNALS = (CLAIMS, SERVICE, COMPLAINTS, PRICE, SATISFACTION, LOST_LINES, CONTACT)

# Scale points (see the module's docstring).
FULL_LOSS_RATIO = 1.0
FULL_BREACHES = 4
FULL_COMPLAINTS = 2
FULL_RISE_PERCENT = 30.0
BEST_RATING, WORST_RATING = 5.0, 1.0
FULL_LOST_LINES = 2
CONTACT_GRACE_DAYS = 30
CONTACT_FULL_DAYS = 180
# Reasons given per client.
TOP_REASONS = 3

# 100 in all. Open complaints took 5 from SLA breaches (a complaint often
# follows a breach) and 5 from lost lines (a lagging signal: the client has
# already partly left).
DEFAULT_WEIGHTS = {
    CLAIMS: 20.0,
    SERVICE: 10.0,
    COMPLAINTS: 10.0,
    PRICE: 20.0,
    SATISFACTION: 10.0,
    LOST_LINES: 15.0,
    CONTACT: 15.0,
}


@dataclass(frozen=True)
class ClientSignals:
    """What the book says of one client."""

    premium: float = 0.0
    claims_cost: float = 0.0
    sla_breaches: int = 0
    open_complaints: int = 0
    premium_rise_percent: float = 0.0
    rating: float | None = None
    lost_lines: int = 0
    days_since_contact: int | None = None


@dataclass(frozen=True)
class RiskScore:
    score: float
    reasons: tuple  # ((signal, points), ...), largest first, points > 0


def _clamp(value):
    return max(0.0, min(1.0, value))


def scaled_signals(signals):
    """{signal: 0..1} for a :class:`ClientSignals`."""
    if signals.premium > 0:
        claims = _clamp(signals.claims_cost / signals.premium / FULL_LOSS_RATIO)
    else:
        claims = 1.0 if signals.claims_cost > 0 else 0.0
    if signals.rating is None:
        satisfaction = 0.0
    else:
        satisfaction = _clamp((BEST_RATING - signals.rating) / (BEST_RATING - WORST_RATING))
    if signals.days_since_contact is None:
        contact = 1.0
    else:
        contact = _clamp(
            (signals.days_since_contact - CONTACT_GRACE_DAYS)
            / (CONTACT_FULL_DAYS - CONTACT_GRACE_DAYS)
        )
    return {
        CLAIMS: claims,
        SERVICE: _clamp(signals.sla_breaches / FULL_BREACHES),
        COMPLAINTS: _clamp(signals.open_complaints / FULL_COMPLAINTS),
        PRICE: _clamp(signals.premium_rise_percent / FULL_RISE_PERCENT),
        SATISFACTION: satisfaction,
        LOST_LINES: _clamp(signals.lost_lines / FULL_LOST_LINES),
        CONTACT: contact,
    }


def risk_score(signals, weights=None):
    """The :class:`RiskScore` of a client: the weighted mean of its scaled
    signals, times 100, rounded to one decimal; reasons are the signals that
    add the most points (at most TOP_REASONS). Negative weights count as 0;
    with no positive weight the score is 0."""
    weights = {key: max(0.0, float(value)) for key, value in (weights or DEFAULT_WEIGHTS).items()}
    total = sum(weights.get(key, 0.0) for key in SIGNALS)
    if total <= 0:
        return RiskScore(0.0, ())
    scaled = scaled_signals(signals)
    points = {key: 100.0 * weights.get(key, 0.0) * scaled[key] / total for key in SIGNALS}
    reasons = sorted(
        ((key, round(value, 1)) for key, value in points.items() if value > 0),
        key=lambda item: (-item[1], SIGNALS.index(item[0])),
    )
    return RiskScore(round(sum(points.values()), 1), tuple(reasons[:TOP_REASONS]))


def crossed(previous, current, threshold):
    """Whether a score went above ``threshold`` (a first score counts from 0)."""
    return (previous or 0.0) < threshold <= current
