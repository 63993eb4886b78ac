"""The one way the pages read numbers and codes from query strings and forms.

`str.isdigit()` says yes to "²" and "٣" (which `int()` then refuses or reads as something else),
and `int()` takes "99999999999999999999", which no database key can hold. Every parameter here
is ASCII digits within stated bounds (full-width digits folded); anything else given is a clear
refusal naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping

from xiezuo.core.errors import Problem, UserError

MAX_ID = 2**63 - 1  # the largest key a BigAutoField holds
MAX_PAGE = 100_000
CODE_LENGTHS = (2, 4, 6, 9, 12)  # province … village code prefixes


def ascii_digits(text: str) -> bool:
    return bool(text) and text.isascii() and text.isdigit()


# Full-width digits are what a Chinese input method types: the same number. Superscripts and
# other scripts' digits are not folded: "²" is not a 2 someone meant.
_FULL_WIDTH = {0xFF10 + i: ord("0") + i for i in range(10)}


def int_or_none(
    value: str | None, *, low: int = 0, high: int = MAX_ID, label: str | None = None
) -> int | None:
    """The number, or None when nothing was given. Something given that is not a number in
    bounds is None too — or, with a `label`, a UserError naming that field (a 400 with the
    message, not a silently ignored filter)."""
    text = (value or "").strip().translate(_FULL_WIDTH)
    if not text:
        return None
    number = int(text) if ascii_digits(text) and len(text) <= 19 else None
    if number is not None and low <= number <= high:
        return number
    if label is None:
        return None
    message = f"{label}“{value}”不可用：应为 {low} 到 {high} 之间的整数"
    raise UserError(message, [Problem(message, label)])


def year_or_none(value: str | None) -> int | None:
    return int_or_none(value, low=1900, high=2100, label="年份")


def id_or_none(value: str | None) -> int | None:
    return int_or_none(value, low=1, label="编号")


def code_or_empty(value: str | None) -> str:
    """A region code or code prefix (2/4/6/9/12 digits: province to village), else ''."""
    text = (value or "").strip()
    return text if ascii_digits(text) and len(text) in CODE_LENGTHS else ""


def required_int(data: Mapping[str, str], name: str, label: str, *, low: int, high: int) -> int:
    """A number a form must carry, or a UserError that names the field."""
    number = int_or_none(data.get(name), low=low, high=high)
    if number is None:
        raise UserError(
            f"{label}应为 {low} 到 {high} 之间的整数",
            [Problem(f"“{data.get(name, '')}”不可用", label)],
        )
    return number
