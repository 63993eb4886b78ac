"""Identity numbers of the poverty registry (建档立卡): cleaning, validation and masking.

The numbers mostly arrive in spreadsheets typed or pasted by village and township staff, so the
checks here are written for the damage that actually happens: Excel turning an 18-digit number
into a float (scientific notation, zeros for the digits beyond the 15th, a ".0" suffix),
full-width digits from a Chinese input method, spaces and invisible characters from copy and
paste. Each failure gets one Chinese sentence that says what is wrong, so that the person who
typed the number can fix it without asking anyone.

Pure Python on purpose: the import pipeline, the API and the data generator all use it, and none
of them should need the database to tell a good number from a bad one.
"""

from __future__ import annotations

import datetime
import math
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "IdCheck",
    "IdKind",
    "check_digit",
    "check_id",
    "id_key",
    "make_resident_id",
    "mask",
    "normalise",
]


class IdKind(StrEnum):
    RESIDENT = "resident"  # 居民身份证 (GB 11643-1999), 18 characters
    DISABILITY = "disability"  # 残疾人证: the resident ID plus category and level, 20 characters


@dataclass(frozen=True)
class IdCheck:
    """The outcome of `check_id`.

    `kind`, `birth_date`, `sex` and `region_code` are set only when `ok`: a number that failed
    a check may have any of its parts wrong, so nothing read from it is trustworthy.
    """

    ok: bool
    normalised: str  # the cleaned value ('' if hopeless)
    kind: IdKind | None
    birth_date: datetime.date | None
    sex: str | None  # "male" / "female" from the 17th digit (odd = male)
    region_code: str | None  # first 6 digits
    message: str  # '' when ok; otherwise one clear Chinese sentence naming the problem


# GB 11643-1999 / ISO 7064 MOD 11-2: weight of position i is 2**(17 - i) mod 11.
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

RESIDENT_LENGTH = 18
DISABILITY_LENGTH = 20
OLD_ID_LENGTH = 15  # first-generation IDs: two-digit year, no check digit
EARLIEST_BIRTH_YEAR = 1900
# The address code begins with the province-level code of where the number was first issued
# (GB/T 2260). Only the province is checked on every number: counties and prefectures have been
# merged and renamed since, and a person keeps the number issued under the old code for life
# (遵义地区 5221 is 5203 遵义市 today), so a deeper check needs the codes' history — the caller's
# `known_region`. Province codes have only been added (海南 46 in 1988, 重庆 50 in 1997), never
# withdrawn; 71 台湾, 81 香港, 82 澳门 appear on residence permits, 83 on those of Taiwan residents.
PROVINCE_CODES = frozenset(
    str(code)
    for code in (
        *(11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37),
        *(41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65),
        *(71, 81, 82, 83),
    )
)
# Excel holds numbers as doubles and shows at most 15 significant digits; everything after the
# 15th digit of a number it has swallowed is gone and comes back as zeros.
_EXCEL_SIGNIFICANT_DIGITS = 15
_DISABILITY_CATEGORIES = "1234567"  # 视力、听力、言语、肢体、智力、精神、多重
_DISABILITY_LEVELS = "1234"  # 一级 … 四级

# Python's \d and str.isdigit() also accept '²', '٣' and friends; an ID number is ASCII only.
_ASCII_DIGITS = frozenset("0123456789")
_ID_CHARS = _ASCII_DIGITS | {"X"}

# Characters that do not show on screen but survive copy and paste from web pages, Word and WeChat.
# Whitespace (including \xa0 and the ideographic space \u3000) is caught by str.isspace().
_INVISIBLE = frozenset("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad")
# Full-width ASCII (U+FF01..U+FF5E) -> ASCII. The whole block rather than only the digits, so that
# a full-width "４．３０１０１Ｅ＋１７" is still recognised as Excel's scientific notation.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
# Excel's "treat as text" marker, and the curly quotes that Word's autocorrect makes of it.
_TEXT_MARKERS = ("'", "\u2018", "\u2019")

_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]*)?E[+-]?[0-9]+", re.IGNORECASE)
_FLOAT_SUFFIX = re.compile(r"[0-9]+\.0+")

_MSG_EMPTY = "证件号码为空"
_MSG_EXCEL_SCIENTIFIC = (
    "证件号码被 Excel 当作数字存成了科学计数法（{shown}），后几位数字已经丢失，"
    "请把该列单元格格式设置为文本后重新录入完整号码"
)
_MSG_EXCEL_FLOAT_SUFFIX = (
    "证件号码带有 Excel 当作数字存储后留下的“.0”后缀（{shown}），后几位数字可能已经丢失，"
    "请把该列单元格格式设置为文本后重新录入完整号码"
)
_MSG_EXCEL_ZEROS = (
    "证件号码末尾几位被 Excel 变成了 0（Excel 只保留 15 位有效数字），原号码已经丢失，"
    "请把该列单元格格式设置为文本后重新录入完整号码"
)
_MSG_NON_DIGIT = "证件号码含非数字字符“{char}”（第 {pos} 位）"
_MSG_MISPLACED_X = "证件号码第 {pos} 位是 X，但 X 只能出现在第 18 位（校验位）"
_MSG_OLD_ID = "这是 15 位的第一代身份证号码，请填写 18 位的第二代身份证号码"
_MSG_LENGTH = "证件号码应为 18 位（现为 {n} 位）"
_MSG_DISABILITY_NOT_ALLOWED = (
    "20 位的残疾人证号码只在户档案注明持有残疾人证时才能使用，此处请填写 18 位身份证号码"
)
_MSG_UNKNOWN_REGION = "前 6 位 {code} 不是已知的县级区划代码"
_MSG_UNKNOWN_PROVINCE = (
    "前 2 位 {code} 不是省级区划代码（号码应以发证地所在省、自治区、直辖市的代码开头）"
)
_MSG_YEAR_TOO_EARLY = "出生年份早于 1900（号码中为 {year} 年）"
_MSG_NO_SUCH_DATE = "出生日期 {ymd} 不存在"
_MSG_FUTURE_DATE = "出生日期晚于今天（号码中为 {ymd}）"
_MSG_CHECK_DIGIT = "校验位错误：应为 {expected}，实为 {actual}"
_MSG_DISABILITY_ID_PART = "残疾人证号码的前 18 位有误：{detail}"
_MSG_DISABILITY_CATEGORY = "残疾人证号码第 19 位残疾类别 {value} 无效，应为 1–7"
_MSG_DISABILITY_LEVEL = "残疾人证号码第 20 位残疾等级 {value} 无效，应为 1–4"


def normalise(raw: object) -> str:
    """The value as a clean string of ASCII digits and 'X', as far as cleaning can get it.

    Only cleaning that cannot change which person is meant is done here; anything that would
    need a guess (a ".0" suffix, scientific notation) is left in place for `check_id` to name.
    """
    if raw is None:
        return ""
    if isinstance(raw, float):
        # pandas reads an empty cell as NaN.
        if math.isnan(raw):
            return ""
        # repr keeps the marks of a float ("e+17", ".0") so the damage can be reported; turning
        # it into digits would invent the digits Excel already threw away.
        return repr(raw)
    # bool is an int, but True is not an ID number: fall through to str() so it fails as text.
    text = str(raw) if isinstance(raw, bool) or not isinstance(raw, int) else f"{raw:d}"
    text = "".join(ch for ch in text if not ch.isspace() and ch not in _INVISIBLE)
    text = text.translate(_FULL_WIDTH).replace("x", "X")
    if text.startswith(_TEXT_MARKERS):
        text = text[1:]
    return text


def check_digit(first17: str) -> str:
    """The GB 11643-1999 check character (ISO 7064 MOD 11-2) for the first 17 digits."""
    if len(first17) != RESIDENT_LENGTH - 1 or not _ASCII_DIGITS.issuperset(first17):
        raise ValueError(f"check_digit needs 17 ASCII digits, got {first17!r}")
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def check_id(
    raw: object,
    *,
    allow_disability_card: bool = False,
    known_region: Callable[[str], bool] | None = None,
    today: datetime.date | None = None,
) -> IdCheck:
    """Validate a resident ID (or, where allowed, a disability-card number).

    `known_region` decides whether the first 6 digits are a county-level division code; without
    it the prefix is not checked (the caller may not have the divisions loaded). `today` is the
    latest acceptable birth date, for tests and for re-checking old imports.
    """
    if isinstance(raw, float) and not math.isnan(raw):
        # Any float means the cell was a number in Excel: 18 digits do not fit in a double.
        return _fail("", _MSG_EXCEL_SCIENTIFIC.format(shown=repr(raw)))
    text = normalise(raw)
    if not text:
        return _fail("", _MSG_EMPTY)

    # Excel damage first: the digits are lost, so any other message would send the user
    # hunting for a typo that is not there.
    if _SCIENTIFIC.fullmatch(text):
        return _fail("", _MSG_EXCEL_SCIENTIFIC.format(shown=text))
    if _FLOAT_SUFFIX.fullmatch(text):
        # Not stripped: the float that produced this text may already have lost digits.
        # Shown masked: the digits before ".0" may be a whole, real ID number.
        whole, _, zeros = text.partition(".")
        return _fail("", _MSG_EXCEL_FLOAT_SUFFIX.format(shown=f"{mask(whole)}.{zeros}"))
    if _excel_zeroed(text):
        return _fail("", _MSG_EXCEL_ZEROS)

    # Characters before length: "430101-19900101-1234" is a separator problem, not a 20-character
    # disability number.
    for pos, ch in enumerate(text, start=1):
        if ch not in _ID_CHARS:
            return _fail(text, _MSG_NON_DIGIT.format(char=ch, pos=pos))
    for pos, ch in enumerate(text, start=1):
        if ch == "X" and pos != RESIDENT_LENGTH:
            return _fail(text, _MSG_MISPLACED_X.format(pos=pos))

    if len(text) == OLD_ID_LENGTH:
        return _fail(text, _MSG_OLD_ID)
    if len(text) == DISABILITY_LENGTH:
        if not allow_disability_card:
            return _fail(text, _MSG_DISABILITY_NOT_ALLOWED)
        return _check_disability(text, known_region, today)
    if len(text) != RESIDENT_LENGTH:
        return _fail(text, _MSG_LENGTH.format(n=len(text)))

    problem = _resident_problem(text, known_region, today)
    if problem:
        return _fail(text, problem)
    return _passed(text, IdKind.RESIDENT)


def make_resident_id(
    region_code: str, birth_date: datetime.date, sequence: int, *, male: bool
) -> str:
    """A valid resident ID for generated data: region + yyyymmdd + 2-digit sequence + sex + check.

    The sex digit cycles with the sequence (odd for men, even for women) so generated numbers
    look like real ones, where all ten digits occur; the ID is still determined by the arguments.
    """
    if len(region_code) != 6 or not _ASCII_DIGITS.issuperset(region_code):
        raise ValueError(f"region_code must be 6 ASCII digits, got {region_code!r}")
    if not 0 <= sequence <= 99:
        raise ValueError(f"sequence must be 0..99, got {sequence}")
    if birth_date.year < EARLIEST_BIRTH_YEAR:
        raise ValueError(f"birth year must be {EARLIEST_BIRTH_YEAR} or later, got {birth_date}")
    sex_digit = (sequence % 5) * 2 + (1 if male else 0)
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:02d}{sex_digit}"
    return first17 + check_digit(first17)


def id_key(normalised: str) -> int:
    """The first 17 digits as an int: a 64-bit join key for a validated ID.

    The check character is a function of the other 17, so it adds nothing to the key; dropping
    it also keeps the 'X' out. A disability-card number maps to its holder's resident ID key.
    """
    if len(normalised) not in (RESIDENT_LENGTH, DISABILITY_LENGTH) or not _ASCII_DIGITS.issuperset(
        normalised[: RESIDENT_LENGTH - 1]
    ):
        raise ValueError("id_key needs a normalised 18- or 20-character ID number")
    return int(normalised[: RESIDENT_LENGTH - 1])


def mask(normalised: str) -> str:
    """The number for display with most characters hidden: '4301**********123X'.

    Full-length numbers show the first 4 (province and prefecture) and last 4 characters, enough
    to tell people apart on a list. Anything shorter is probably a typo of a real number and keeps
    only its first and last character; one or two characters are hidden entirely, since showing
    'all but first and last' would show everything.
    """
    n = len(normalised)
    if n >= RESIDENT_LENGTH:
        return normalised[:4] + "*" * (n - 8) + normalised[-4:]
    if n <= 2:
        return "*" * n
    return normalised[0] + "*" * (n - 2) + normalised[-1]


def _excel_zeroed(text: str) -> bool:
    """All digits after the 15th are zeros and the check digit does not match.

    A real ID can end in "000" (the check digit is 0 for about one in eleven); only together with
    a wrong check digit is it Excel's rounding rather than a person's number.
    """
    if len(text) not in (RESIDENT_LENGTH, DISABILITY_LENGTH) or not _ASCII_DIGITS.issuperset(text):
        return False
    if text[_EXCEL_SIGNIFICANT_DIGITS:].strip("0"):
        return False
    return check_digit(text[: RESIDENT_LENGTH - 1]) != text[RESIDENT_LENGTH - 1]


def _resident_problem(
    text: str, known_region: Callable[[str], bool] | None, today: datetime.date | None
) -> str:
    """The message for the first problem of an 18-character ID of digits (and a final X), or ''."""
    region = text[:6]
    if region[:2] not in PROVINCE_CODES:
        return _MSG_UNKNOWN_PROVINCE.format(code=region[:2])
    if known_region is not None and not known_region(region):
        return _MSG_UNKNOWN_REGION.format(code=region)

    ymd = text[6:14]
    year, month, day = int(ymd[:4]), int(ymd[4:6]), int(ymd[6:])
    # The year before the date: "0000" or "1850" is not a date that does not exist, it is a year
    # out of range, and datetime cannot even represent year 0.
    if year < EARLIEST_BIRTH_YEAR:
        return _MSG_YEAR_TOO_EARLY.format(year=ymd[:4])
    try:
        born = datetime.date(year, month, day)
    except ValueError:
        return _MSG_NO_SUCH_DATE.format(ymd=ymd)
    if born > (today or datetime.date.today()):
        return _MSG_FUTURE_DATE.format(ymd=ymd)

    expected = check_digit(text[:17])
    if text[17] != expected:
        return _MSG_CHECK_DIGIT.format(expected=expected, actual=text[17])
    return ""


def _check_disability(
    text: str, known_region: Callable[[str], bool] | None, today: datetime.date | None
) -> IdCheck:
    problem = _resident_problem(text[:RESIDENT_LENGTH], known_region, today)
    if problem:
        return _fail(text, _MSG_DISABILITY_ID_PART.format(detail=problem))
    category, level = text[18], text[19]
    if category not in _DISABILITY_CATEGORIES:
        return _fail(text, _MSG_DISABILITY_CATEGORY.format(value=category))
    if level not in _DISABILITY_LEVELS:
        return _fail(text, _MSG_DISABILITY_LEVEL.format(value=level))
    return _passed(text, IdKind.DISABILITY)


def _fail(normalised: str, message: str) -> IdCheck:
    return IdCheck(
        ok=False,
        normalised=normalised,
        kind=None,
        birth_date=None,
        sex=None,
        region_code=None,
        message=message,
    )


def _passed(text: str, kind: IdKind) -> IdCheck:
    ymd = text[6:14]
    return IdCheck(
        ok=True,
        normalised=text,
        kind=kind,
        birth_date=datetime.date(int(ymd[:4]), int(ymd[4:6]), int(ymd[6:])),
        sex="male" if int(text[16]) % 2 else "female",
        region_code=text[:6],
        message="",
    )


def quick_resident(raw: object, today: datetime.date) -> tuple[str, datetime.date, str] | None:
    """The fast path of `check_id` for the common case: a clean, valid 18-character resident ID
    given as text. Returns (number, birth date, sex) or None, in which case `check_id` gives the
    full verdict and its message. Bulk imports call this a million times a run."""
    if raw.__class__ is not str:
        return None
    text: str = raw
    if len(text) != RESIDENT_LENGTH or not text.isascii():
        return None
    first17 = text[:17]
    if not first17.isdigit() or text[:2] not in PROVINCE_CODES:
        return None
    total = sum(map(operator.mul, map(int, first17), WEIGHTS))
    if CHECK_CHARS[total % 11] != text[17]:
        return None
    year = int(text[6:10])
    if year < EARLIEST_BIRTH_YEAR:
        return None
    try:
        birth = datetime.date(year, int(text[10:12]), int(text[12:14]))
    except ValueError:
        return None
    if birth > today:
        return None
    return text, birth, "male" if int(text[16]) % 2 else "female"
