"""Bounds on what users type: amounts, counts, text and dates.

Plain Python, no database access, no Odoo import. Each check returns ``None``
for an acceptable value, else a :class:`Problem` saying what is wrong, which
``insurance.input.mixin`` turns into a ValidationError naming the field and
the record.

The bounds are sanity limits far beyond any real figure. They keep out what
the ORM, PostgreSQL or the date arithmetic cannot handle, and would answer
with a raw ``ValueError``, ``OverflowError`` or ``ProgramLimitExceeded``: NaN
and infinities, 1e308 (rounded to cents it overflows), integers beyond 32
bits, 8 KB names (above the size of a btree index row), years 1 or 9999 (a
day before or a year after is out of Python's range); and what would be
accepted but make no sense (1e300 as a premium makes any client Key).
"""

import math
from dataclasses import dataclass
from datetime import date, datetime

# Money: a quadrillion (10^15) in any currency, some ten times the gross world
# product in US dollars, and above any sum insured in the weakest currencies.
# A bound against absurd values, not a precision: Odoo's rounding to the cent
# is exact up to some 4e12 only (measured with odoo.tools.float_round).
MAX_AMOUNT = 1e15
# Other decimal numbers (load weights, capacities, ratios in percent): a billion.
MAX_NUMBER = 1e9
# Counts (e.g. of policies): a million.
MAX_COUNT = 1_000_000
# PostgreSQL ``integer`` (int4), the column of every Integer field.
INT4_MIN = -(2**31)
INT4_MAX = 2**31 - 1
# SLA working hours: a year of clock hours; the SLA planner looks 1,400 days
# ahead at most (100 windows of 14 days), some 8,000 working hours.
MAX_SLA_HOURS = 8760
# A reassignment's handover: at most a year.
MAX_HANDOVER_DAYS = 365
# A tier's renewal lead time: at most ten years.
MAX_LEAD_DAYS = 3660
# A tier's risk-survey interval: at most ten years.
MAX_SURVEY_MONTHS = 120
# The tier recompute interval (days, weeks or months): at most 365 of them.
MAX_INTERVAL_NUMBER = 365

# Text: names, subjects and titles; a btree index row (about 2,700 bytes)
# holds 256 characters of any script (4 bytes at most each in UTF-8).
MAX_NAME_LENGTH = 256
# Codes and numbers: policy numbers, licence numbers, tier and line codes.
# A renewal adds "/R<n>" to the policy number: a renewal of a 60-character
# number can go above it, and is then refused with the field named.
MAX_CODE_LENGTH = 64
# Other one-line text: reasons, the sender of an e-mail, SLA names.
MAX_LINE_LENGTH = 1024
# A client filter (an Odoo domain typed by an administrator).
MAX_DOMAIN_LENGTH = 4096
# Cut text ends with this.
ELLIPSIS = "…"

# Dates a user enters: from 1900 (the oldest policy or loss anyone still
# files) to the end of 2199 (long-term covers, locks and absences included).
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2199, 12, 31)

# Problem kinds
NOT_FINITE = "not_finite"
TOO_SMALL = "too_small"
TOO_LARGE = "too_large"
TOO_LONG = "too_long"
NOT_A_DATE = "not_a_date"
DATE_OUT_OF_RANGE = "date_out_of_range"


@dataclass(frozen=True)
class NumberRange:
    """A number from ``low`` to ``high`` (both included)."""

    low: float
    high: float


@dataclass(frozen=True)
class TextLimit:
    """Text of at most ``max_length`` characters."""

    max_length: int


@dataclass(frozen=True)
class DateRange:
    """A date (or the day of a datetime) from ``low`` to ``high`` (both included)."""

    low: date = DATE_MIN
    high: date = DATE_MAX


@dataclass(frozen=True)
class Problem:
    """What is wrong with a value: ``kind`` (one of the kinds above) and the
    ``limit`` it breaks (the bound crossed, the maximum length, the range)."""

    kind: str
    limit: object = None


# The limits the models use
AMOUNT = NumberRange(0.0, MAX_AMOUNT)
NUMBER = NumberRange(-MAX_NUMBER, MAX_NUMBER)
POSITIVE_NUMBER = NumberRange(0.0, MAX_NUMBER)
SLA_HOURS = NumberRange(0.0, MAX_SLA_HOURS)
INTEGER = NumberRange(INT4_MIN, INT4_MAX)
COUNT = NumberRange(0, MAX_COUNT)
HANDOVER_DAYS = NumberRange(0, MAX_HANDOVER_DAYS)
LEAD_DAYS = NumberRange(0, MAX_LEAD_DAYS)
SURVEY_MONTHS = NumberRange(0, MAX_SURVEY_MONTHS)
INTERVAL_NUMBER = NumberRange(0, MAX_INTERVAL_NUMBER)
NAME = TextLimit(MAX_NAME_LENGTH)
CODE = TextLimit(MAX_CODE_LENGTH)
LINE = TextLimit(MAX_LINE_LENGTH)
DOMAIN = TextLimit(MAX_DOMAIN_LENGTH)
DATE = DateRange()


def is_finite_amount(value):
    """Whether ``value`` is a number an amount field accepts: finite, from 0
    to :data:`MAX_AMOUNT`."""
    return check_number(value, AMOUNT) is None


def check_number(value, limit):
    """Problem of the number ``value`` (int or float) against the
    :class:`NumberRange` ``limit``, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return Problem(NOT_FINITE, limit)
    if value < limit.low:
        return Problem(TOO_SMALL, limit.low)
    if value > limit.high:
        return Problem(TOO_LARGE, limit.high)
    return None


def check_text(value, limit):
    """Problem of the text ``value`` against the :class:`TextLimit` ``limit``, or None."""
    if len(value) > limit.max_length:
        return Problem(TOO_LONG, limit.max_length)
    return None


def check_date(value, limit):
    """Problem of ``value`` (a date or datetime; anything else is not a date)
    against the :class:`DateRange` ``limit``, or None."""
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        return Problem(NOT_A_DATE, limit)
    if not limit.low <= value <= limit.high:
        return Problem(DATE_OUT_OF_RANGE, limit)
    return None


def check(value, limit):
    """Problem of ``value`` against ``limit`` (of any kind above), or None."""
    if isinstance(limit, NumberRange):
        return check_number(value, limit)
    if isinstance(limit, TextLimit):
        return check_text(value, limit)
    if isinstance(limit, DateRange):
        return check_date(value, limit)
    raise TypeError(f"unknown limit {limit!r}")


def shorten(text, max_length=MAX_NAME_LENGTH):
    """``text`` cut to ``max_length`` characters at most, the cut marked with
    an ellipsis (e.g. an e-mail's subject as a request name)."""
    if len(text) <= max_length:
        return text
    return text[: max_length - len(ELLIPSIS)].rstrip() + ELLIPSIS


def normalize_policy_number(name):
    """A policy number as stored and compared: without surrounding spaces, in
    upper case (``" ux-prp-0001 "`` and ``"UX-PRP-0001"`` are one number).
    Anything but a string (False, None) is returned as it is."""
    if not isinstance(name, str):
        return name
    return name.strip().upper()
