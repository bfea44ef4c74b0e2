"""Keys that recognise the same company under different spellings (撞单: two
account managers chasing one client).

Plain Python, no database access, no Odoo import. Each function returns the
normalised key of one identifying value, or ``None`` when the value is too
thin to identify a company (an empty name, a phone number of a few digits):
two clients are the same company when one of their keys is equal.

- name: Unicode-folded (full-width letters and digits become ASCII, case is
  ignored), punctuation and spaces removed, and the legal form at the end
  dropped (``Co., Ltd.``, ``Limited``, ``GmbH``, ``有限公司``, ``股份有限公司`` ...),
  so "Harbin Boiler Works Co., Ltd." and "HARBIN BOILER WORKS" match.
- VAT and company registry: letters and digits only, upper case (spaces,
  dots and dashes are how people type them, not part of them).
- e-mail: trimmed, lower case.
- phone: the last :data:`PHONE_KEY_DIGITS` digits, so that "+86 451 8765 4321"
  and "0451-87654321" (country code or trunk prefix) match; fewer than
  :data:`PHONE_MIN_DIGITS` digits give no key.
"""

import re
import unicodedata

# Digits of a phone number compared: a Chinese subscriber number is 7-8
# digits, a mobile 11; the last 9 cover the area code's end and drop the
# country code (86) and the trunk prefix (0) that people write or not.
PHONE_KEY_DIGITS = 9
PHONE_MIN_DIGITS = 7
# A name shorter than this once normalised identifies nothing ("Co.", "A").
NAME_MIN_LENGTH = 2
# Keys are cut to this length: they are indexed (a btree row holds some 2.7 KB)
# and no real name, number or address is longer.
MAX_KEY_LENGTH = 256

# Legal forms dropped from the end of a Latin name (compared after folding
# and without punctuation, as words).
LATIN_LEGAL_FORMS = frozenset(
    {
        "co",
        "company",
        "corp",
        "corporation",
        "inc",
        "incorporated",
        "llc",
        "llp",
        "lp",
        "ltd",
        "limited",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "pte",
        "pty",
        "kk",
        "oy",
        "ab",
    }
)
# Legal forms dropped from the end of a Chinese name, longest first.
CJK_LEGAL_FORMS = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "股份公司",
    "公司",
)
_WORD = re.compile(r"\w+", re.UNICODE)
_NOT_ALNUM = re.compile(r"[\W_]+", re.UNICODE)
_NOT_DIGIT = re.compile(r"\D+")


def _fold(value):
    """NFKC (full-width to ASCII, compatibility forms) and case-folded."""
    return unicodedata.normalize("NFKC", value or "").casefold()


def name_key(name):
    """The normalised company name, without its legal form."""
    words = _WORD.findall(_fold(name).replace("&", " and "))
    words = [word.replace("_", "") for word in words]
    words = [word for word in words if word]
    while len(words) > 1 and words[-1] in LATIN_LEGAL_FORMS:
        words.pop()
    key = "".join(words)
    stripped = True
    while stripped:
        stripped = False
        for form in CJK_LEGAL_FORMS:
            if key.endswith(form) and len(key) > len(form):
                key = key[: -len(form)]
                stripped = True
                break
    # "(Harbin)" and "（哈尔滨）" are punctuation gone above; what remains must
    # still say something
    return key if len(key) >= NAME_MIN_LENGTH else None


def code_key(value):
    """A VAT number or company registry: letters and digits, upper case."""
    key = _NOT_ALNUM.sub("", _fold(value)).upper()
    return key or None


def email_key(email):
    """An e-mail address, trimmed and lower case (``None`` without an @)."""
    key = _fold(email).strip()
    return key if "@" in key else None


def phone_key(phone):
    """The last :data:`PHONE_KEY_DIGITS` digits of a phone number."""
    digits = _NOT_DIGIT.sub("", _fold(phone))
    if len(digits) < PHONE_MIN_DIGITS:
        return None
    return digits[-PHONE_KEY_DIGITS:]


def client_keys(name=None, vat=None, company_registry=None, email=None, phone=None):
    """{"name", "vat", "email", "phone"}: the keys of one client (``None``
    where the value identifies nothing). The VAT number is the key of the
    registration; the company registry stands in when there is no VAT."""
    keys = {
        "name": name_key(name),
        "vat": code_key(vat) or code_key(company_registry),
        "email": email_key(email),
        "phone": phone_key(phone),
    }
    return {criterion: key and key[:MAX_KEY_LENGTH] for criterion, key in keys.items()}
