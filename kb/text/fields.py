"""Checks of values people type into forms: each returns the clean value or raises FieldError naming the field.

Free text may not hold control characters or the invisible bidirectional controls that make a name
read differently from what it is ("Trojan Source"); years, amounts, ids, countries (ISO 3166),
currencies (ISO 4217) and e-mail addresses are parsed, never stored as typed. Only ASCII digits
count as digits: "²" passes str.isdigit() and then fails int().
"""

from __future__ import annotations

import math
import re

import pycountry
from email_validator import EmailNotValidError, validate_email

from kb.errors import KBError

MAX_ROW_ID = 2**63 - 1  # SQLite's integer range
# C0 controls but tab and line ends, DEL, C1 controls, and the bidirectional marks, embeddings,
# overrides and isolates (U+061C, U+200E-F, U+202A-E, U+2066-9)
CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[{CONTROLS}]")
_DIGITS = re.compile(r"[0-9]+")
_AMOUNT = re.compile(r"[0-9]+(\.[0-9]+)?")


class FieldError(KBError):
    """A value typed into a form cannot be stored as it is; the message names the field and the fix."""


def text(value: str, what: str, max_length: int, *, one_line: bool = True) -> str:
    """Free text, trimmed (one line: inner whitespace runs become one space)."""
    if _CONTROL.search(value) or (one_line and ("\n" in value or "\r" in value)):
        raise FieldError(f"The {what} holds control or invisible direction characters; type it again without them.")
    value = " ".join(value.split()) if one_line else value.strip()
    if len(value) > max_length:
        raise FieldError(f"The {what} is {len(value)} characters long; keep it under {max_length}.")
    return value


def row_id(value: str | int, what: str) -> int:
    """A stored row's id: ASCII digits within SQLite's integer range."""
    raw = str(value).strip()
    if not _DIGITS.fullmatch(raw) or len(raw) > 19 or not 1 <= int(raw) <= MAX_ROW_ID:
        raise FieldError(f"The {what} must be a number from 1 to {MAX_ROW_ID}, not {raw[:30]!r}.")
    return int(raw)


def optional_int(value: str, what: str, low: int, high: int) -> int | None:
    """A whole number from ``low`` to ``high``, or None for an empty field."""
    raw = value.strip()
    if not raw:
        return None
    if not _DIGITS.fullmatch(raw) or len(raw) > len(str(high)) or not low <= int(raw) <= high:
        raise FieldError(f"The {what} must be a whole number from {low} to {high}, not {raw[:30]!r}.")
    return int(raw)


def optional_amount(value: str, what: str) -> float | None:
    """A non-negative amount (spaces as thousands separators, comma or point as decimal mark), or None."""
    raw = value.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not raw:
        return None
    if not _AMOUNT.fullmatch(raw) or len(raw) > 20 or not math.isfinite(float(raw)):
        raise FieldError(f"The {what} must be an amount such as 1 250 000 or 1250000.50, not {value.strip()[:30]!r}.")
    return float(raw)


def optional_country(value: str, what: str) -> str | None:
    """An ISO 3166 alpha-2 country code (SE, DE, …), or None."""
    raw = value.strip().upper()
    if not raw:
        return None
    if not re.fullmatch(r"[A-Z]{2}", raw) or pycountry.countries.get(alpha_2=raw) is None:
        raise FieldError(f"The {what} must be a two-letter ISO country code such as SE or DE, not {raw[:30]!r}.")
    return raw


def optional_currency(value: str, what: str) -> str | None:
    """An ISO 4217 currency code (EUR, SEK, …), or None."""
    raw = value.strip().upper()
    if not raw:
        return None
    if not re.fullmatch(r"[A-Z]{3}", raw) or pycountry.currencies.get(alpha_3=raw) is None:
        raise FieldError(f"The {what} must be a three-letter ISO currency code such as EUR or SEK, not {raw[:30]!r}.")
    return raw


def optional_email(value: str, what: str) -> str | None:
    """An e-mail address (its syntax; nothing is looked up), or None."""
    raw = value.strip()
    if not raw:
        return None
    try:
        return validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise FieldError(f"The {what} {raw[:60]!r} is not an e-mail address: {exc}") from None
