"""Identity numbers: cleaning, GB 11643 validation, Excel damage, disability cards, masking.

Plain functions, no database: the module must be usable without Django.
"""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from xiezuo.registry.idnumbers import (
    PROVINCE_CODES,
    IdCheck,
    IdKind,
    check_digit,
    check_id,
    id_key,
    make_resident_id,
    mask,
    normalise,
    quick_resident,
)

YANHE = "520627"  # 沿河土家族自治县
BORN = datetime.date(1985, 3, 14)
TODAY = datetime.date(2024, 6, 1)
GB_EXAMPLE = "11010519491231002X"  # the example printed in GB 11643-1999


def with_check(first17: str) -> str:
    """A full 18-character number whose check digit is right, so only the part under test fails."""
    return first17 + check_digit(first17)


def wrong_check(first17: str) -> str:
    """A full 18-character number whose check digit is wrong."""
    right = check_digit(first17)
    return first17 + ("1" if right != "1" else "2")


def failure(raw: object, **kwargs: object) -> IdCheck:
    result = check_id(raw, **kwargs)  # type: ignore[arg-type]
    assert not result.ok, raw
    assert result.message, raw
    assert result.kind is None and result.birth_date is None
    assert result.sex is None and result.region_code is None
    return result


# --- valid numbers -------------------------------------------------------------------------


def test_generated_id_passes_and_its_parts_are_read_back() -> None:
    number = make_resident_id(YANHE, BORN, 7, male=True)
    assert len(number) == 18
    assert number.startswith(YANHE + "19850314" + "07")

    result = check_id(number, today=TODAY)

    assert result == IdCheck(
        ok=True,
        normalised=number,
        kind=IdKind.RESIDENT,
        birth_date=BORN,
        sex="male",
        region_code=YANHE,
        message="",
    )


def test_sex_comes_from_the_17th_digit_odd_is_male() -> None:
    for digit in "0123456789":
        number = with_check(YANHE + "19850314" + "07" + digit)
        expected = "male" if int(digit) % 2 else "female"
        assert check_id(number).sex == expected, digit
    assert check_id(make_resident_id(YANHE, BORN, 7, male=False)).sex == "female"


def test_gb_11643_standard_example() -> None:
    assert check_digit(GB_EXAMPLE[:17]) == "X"
    result = check_id(GB_EXAMPLE)
    assert result.ok
    assert result.birth_date == datetime.date(1949, 12, 31)
    assert result.sex == "female"
    assert result.region_code == "110105"


def test_check_digit_maps_remainders_through_the_gb_table() -> None:
    # Only the first digit non-zero: the weighted sum is 7 * digit, so every remainder shows up.
    table = "10X98765432"
    for first in range(10):
        assert check_digit(str(first) + "0" * 16) == table[(first * 7) % 11]
    assert check_digit("1" + "0" * 16) == "5"  # 7 % 11 = 7 -> table[7]


def test_check_digit_rejects_anything_but_17_ascii_digits() -> None:
    for bad in ("", "1" * 16, "1" * 18, "1101051949123100X", "１" * 17, "٣" * 17):
        with pytest.raises(ValueError):
            check_digit(bad)


def test_known_region_accepts_a_county_it_knows() -> None:
    number = make_resident_id(YANHE, BORN, 1, male=True)
    assert check_id(number, known_region=lambda code: code == YANHE).ok


def test_birth_date_today_is_allowed() -> None:
    number = make_resident_id(YANHE, TODAY, 1, male=True)
    assert check_id(number, today=TODAY).ok


def test_today_defaults_to_the_real_today() -> None:
    future = with_check(YANHE + "29991231" + "011")
    assert "晚于今天" in failure(future).message
    assert check_id(make_resident_id(YANHE, datetime.date.today(), 1, male=True)).ok


# --- cleaning --------------------------------------------------------------------------------


def test_lower_case_x_becomes_upper_case() -> None:
    result = check_id(GB_EXAMPLE.lower())
    assert result.ok
    assert result.normalised == GB_EXAMPLE


def test_full_width_digits_and_x_become_ascii() -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in GB_EXAMPLE)
    assert full_width != GB_EXAMPLE
    assert normalise(full_width) == GB_EXAMPLE
    assert check_id(full_width).ok
    assert normalise(full_width[:-1] + "ｘ") == GB_EXAMPLE


def test_spaces_invisible_characters_and_excel_apostrophe_are_removed() -> None:
    messy = "'110105 1949\u30001231\u200b002\xa0x\ufeff\t"
    assert normalise(messy) == GB_EXAMPLE
    assert check_id(messy).ok
    assert normalise(" \u3000'11010519491231002X ") == GB_EXAMPLE


def test_normalise_accepts_int_and_none() -> None:
    assert normalise(None) == ""
    assert normalise(110105194912310021) == "110105194912310021"


def test_normalise_never_turns_a_float_into_digits() -> None:
    assert normalise(4.30101199001011e17) == "4.30101199001011e+17"
    assert normalise(12345.0) == "12345.0"
    assert normalise(float("nan")) == ""  # how pandas reads an empty cell


@given(st.floats(allow_nan=False))
def test_no_float_normalises_to_a_string_of_digits(value: float) -> None:
    assert not normalise(value).isdigit()


def test_separators_are_not_silently_removed() -> None:
    message = failure("430101-19900101-1234").message
    assert message.startswith("证件号码含非数字字符")
    assert "“-”" in message


# --- failures, each with its own message -----------------------------------------------------


def test_empty() -> None:
    for raw in ("", None, "  \u3000\u200b ", float("nan")):
        result = failure(raw)
        assert result.message == "证件号码为空"
        assert result.normalised == ""


def test_wrong_length_names_the_length() -> None:
    number = make_resident_id(YANHE, BORN, 7, male=True)
    assert failure(number[:-1]).message == "证件号码应为 18 位（现为 17 位）"
    assert failure(number + "1").message == "证件号码应为 18 位（现为 19 位）"
    assert failure(number[:-1]).normalised == number[:-1]


def test_non_digit_names_the_character_and_position() -> None:
    message = failure("52062719850314A71X").message
    assert message == "证件号码含非数字字符“A”（第 15 位）"


def test_x_anywhere_but_the_check_position() -> None:
    message = failure("520627X98503140712").message
    assert message == "证件号码第 7 位是 X，但 X 只能出现在第 18 位（校验位）"


def test_date_that_does_not_exist() -> None:
    assert failure(with_check(YANHE + "19900230" + "123")).message == "出生日期 19900230 不存在"
    assert failure(with_check(YANHE + "19901301" + "123")).message == "出生日期 19901301 不存在"


def test_feb_29_on_leap_and_non_leap_years() -> None:
    assert check_id(make_resident_id(YANHE, datetime.date(2000, 2, 29), 1, male=True)).ok
    assert check_id(make_resident_id(YANHE, datetime.date(2024, 2, 29), 1, male=False)).ok
    assert failure(with_check(YANHE + "20230229" + "011")).message == "出生日期 20230229 不存在"
    # 1900 is divisible by 4 but not a leap year (century rule).
    assert failure(with_check(YANHE + "19000229" + "011")).message == "出生日期 19000229 不存在"


def test_birth_date_after_today() -> None:
    number = make_resident_id(YANHE, TODAY + datetime.timedelta(days=1), 1, male=True)
    message = failure(number, today=TODAY).message
    assert message.startswith("出生日期晚于今天")
    assert "20240602" in message


def test_birth_year_before_1900() -> None:
    message = failure(with_check(YANHE + "18991231" + "011")).message
    assert message.startswith("出生年份早于 1900")
    # Year 0000 cannot be a datetime at all; it is still a year problem, not a crash.
    assert failure(with_check(YANHE + "00000101" + "011")).message.startswith("出生年份早于 1900")


def test_wrong_check_digit_says_which_is_expected() -> None:
    number = make_resident_id(YANHE, BORN, 7, male=True)
    wrong = "X" if number[-1] != "X" else "0"
    message = failure(number[:-1] + wrong).message
    assert message == f"校验位错误：应为 {number[-1]}，实为 {wrong}"


def test_unknown_region() -> None:
    number = make_resident_id("520600", BORN, 1, male=True)
    message = failure(number, known_region=lambda code: code == YANHE).message
    assert message == "前 6 位 520600 不是已知的县级区划代码"


def test_without_a_lookup_only_the_province_is_checked() -> None:
    """Counties were merged and renamed since many numbers were issued: 5221 (遵义地区, now
    5203) still begins real numbers, so without the codes' history only the province is sure."""
    assert check_id(make_resident_id("522101", BORN, 1, male=True)).ok
    assert check_id(make_resident_id("469999", BORN, 1, male=True)).ok
    message = failure(make_resident_id("991234", BORN, 1, male=True)).message
    assert message.startswith("前 2 位 99 不是省级区划代码")
    assert failure(make_resident_id("001234", BORN, 1, male=True)).message.startswith("前 2 位 00")
    assert quick_resident(make_resident_id("991234", BORN, 1, male=True), TODAY) is None
    assert quick_resident(make_resident_id("522101", BORN, 1, male=True), TODAY) is not None


def test_fifteen_digit_first_generation_id() -> None:
    message = failure("430101900101123").message
    assert "15 位" in message and "18 位" in message
    assert message != "证件号码应为 18 位（现为 15 位）"


# --- Excel damage ----------------------------------------------------------------------------


def assert_excel(result: IdCheck) -> None:
    assert not result.ok
    assert "Excel" in result.message
    assert "文本" in result.message  # tells the user to format the column as text
    assert result.normalised == ""  # the digits are gone: nothing worth keeping


@pytest.mark.parametrize(
    "raw",
    [
        "4.30101E+17",
        "4.30101199001011E+17",
        "4.30101e+17",
        "４．３０１０１Ｅ＋１７",
        " 4.30101E17 ",
    ],
)
def test_scientific_notation_text(raw: str) -> None:
    result = check_id(raw)
    assert_excel(result)
    assert "科学计数法" in result.message


def test_float_value() -> None:
    result = check_id(4.30101199001011e17)
    assert_excel(result)
    assert "科学计数法" in result.message
    assert_excel(check_id(430101199001011234.0))


def test_last_digits_turned_into_zeros() -> None:
    first17 = "43010119900101100"
    assert check_digit(first17) != "0"  # precondition: "...000" is not a valid number here
    for raw in (first17 + "0", int(first17 + "0")):  # openpyxl hands back an int
        result = check_id(raw)
        assert_excel(result)
        assert "变成了 0" in result.message
        assert "校验位" not in result.message


def test_twenty_digits_turned_into_zeros_are_excel_damage_not_a_disability_card() -> None:
    first17 = "43010119900101100"
    result = check_id(first17 + "000")
    assert_excel(result)
    assert "变成了 0" in result.message
    # Excel zeroes every digit after the 15th; a card suffix that survived means no rounding.
    survived = failure(first17 + "0" + "14", allow_disability_card=True).message
    assert "Excel" not in survived
    assert "校验位错误" in survived


def test_a_real_id_ending_in_000_is_not_excel_damage() -> None:
    # Find a genuine number whose sequence, sex and check digits are all 0.
    day = datetime.date(1980, 1, 1)
    while check_digit(YANHE + f"{day:%Y%m%d}" + "100") != "0":
        day += datetime.timedelta(days=1)
    number = YANHE + f"{day:%Y%m%d}" + "1000"
    assert number.endswith("000")
    assert check_id(number).ok


def test_float_text_suffix_is_excel_damage_not_stripped() -> None:
    result = check_id("430101199001011234.0")
    assert_excel(result)
    assert ".0" in result.message
    # Even when the digits before ".0" happen to form a valid number.
    assert_excel(check_id(GB_EXAMPLE[:-1] + "0.0"))
    assert_excel(check_id(make_resident_id(YANHE, BORN, 7, male=True) + ".0"))


# --- disability cards ------------------------------------------------------------------------


def test_disability_card_when_allowed() -> None:
    resident = make_resident_id(YANHE, BORN, 7, male=False)
    result = check_id(resident + "42", allow_disability_card=True)
    assert result == IdCheck(
        ok=True,
        normalised=resident + "42",
        kind=IdKind.DISABILITY,
        birth_date=BORN,
        sex="female",
        region_code=YANHE,
        message="",
    )
    assert check_id(GB_EXAMPLE + "71", allow_disability_card=True).ok


def test_disability_card_refused_unless_the_household_record_says_so() -> None:
    message = failure(GB_EXAMPLE + "14").message
    assert "残疾人证" in message and "户档案" in message


def test_disability_card_category_and_level() -> None:
    for suffix in ("01", "81", "91"):
        message = failure(GB_EXAMPLE + suffix, allow_disability_card=True).message
        assert message == f"残疾人证号码第 19 位残疾类别 {suffix[0]} 无效，应为 1–7"
    for suffix in ("10", "15", "79"):
        message = failure(GB_EXAMPLE + suffix, allow_disability_card=True).message
        assert message == f"残疾人证号码第 20 位残疾等级 {suffix[1]} 无效，应为 1–4"


def test_disability_card_id_part_is_validated() -> None:
    message = failure(GB_EXAMPLE[:-1] + "1" + "14", allow_disability_card=True).message
    assert message.startswith("残疾人证号码的前 18 位有误")
    assert "校验位错误：应为 X，实为 1" in message
    unknown = failure(GB_EXAMPLE + "14", allow_disability_card=True, known_region=lambda c: False)
    assert "前 6 位 110105 不是已知的县级区划代码" in unknown.message


def test_every_kind_of_failure_has_its_own_message() -> None:
    cases: list[tuple[object, dict[str, object]]] = [
        ("", {}),
        ("4.30101E+17", {}),
        ("430101199001011234.0", {}),
        ("430101199001011000", {}),
        ("52062719850314A71X", {}),
        ("520627X98503140712", {}),
        ("430101900101123", {}),
        ("1234567", {}),
        (GB_EXAMPLE + "14", {}),
        (make_resident_id("520600", BORN, 1, male=True), {"known_region": lambda c: False}),
        (with_check(YANHE + "18991231" + "011"), {}),
        (with_check(YANHE + "19900230" + "011"), {}),
        (with_check(YANHE + "20300101" + "011"), {"today": TODAY}),
        (wrong_check(YANHE + "19850314" + "071"), {}),
        (GB_EXAMPLE + "81", {"allow_disability_card": True}),
        (GB_EXAMPLE + "15", {"allow_disability_card": True}),
    ]
    messages = [failure(raw, **kwargs).message for raw, kwargs in cases]
    # Distinct even with the numbers taken out: not one template filled in differently.
    templates = {re.sub(r"[0-9]", "", m) for m in messages}
    assert len(templates) == len(messages), messages


# --- generator, key, mask --------------------------------------------------------------------


def test_make_resident_id_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        make_resident_id("52062", BORN, 1, male=True)
    with pytest.raises(ValueError):
        make_resident_id("52062a", BORN, 1, male=True)
    with pytest.raises(ValueError):
        make_resident_id(YANHE, BORN, 100, male=True)
    with pytest.raises(ValueError):
        make_resident_id(YANHE, BORN, -1, male=True)
    with pytest.raises(ValueError):
        make_resident_id(YANHE, datetime.date(1899, 12, 31), 1, male=True)


def test_id_key_is_the_first_17_digits() -> None:
    assert id_key(GB_EXAMPLE) == 11010519491231002
    assert id_key(GB_EXAMPLE + "14") == id_key(GB_EXAMPLE)  # card holder joins to the person
    assert id_key("9" * 17 + "X") < 2**63
    for bad in ("", "430101900101123", "1101051949123100XX"):
        with pytest.raises(ValueError):
            id_key(bad)


def test_mask_examples() -> None:
    assert mask("43010119900101123X") == "4301**********123X"
    assert mask(GB_EXAMPLE + "14") == "1101************2X14"
    assert mask("12345") == "1***5"
    assert mask("12") == "**"
    assert mask("") == ""


regions = st.builds(
    str.__add__,
    st.sampled_from(sorted(PROVINCE_CODES)),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)
births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=99)


@given(region=regions, born=births, sequence=sequences, male=st.booleans())
def test_generated_ids_always_pass(
    region: str, born: datetime.date, sequence: int, male: bool
) -> None:
    number = make_resident_id(region, born, sequence, male=male)
    result = check_id(number, known_region=lambda code: code == region, today=TODAY)
    assert result.ok, result.message
    assert result.normalised == number
    assert result.birth_date == born
    assert result.region_code == region
    assert result.sex == ("male" if male else "female")
    assert 0 <= id_key(number) < 2**63


@given(
    region=regions,
    born=births,
    sequence=sequences,
    male=st.booleans(),
    position=st.integers(min_value=0, max_value=17),
    replacement=st.sampled_from("0123456789X"),
)
def test_any_single_character_change_is_detected(
    region: str, born: datetime.date, sequence: int, male: bool, position: int, replacement: str
) -> None:
    number = make_resident_id(region, born, sequence, male=male)
    assume(replacement != number[position])
    assume(replacement != "X" or position == 17)  # X elsewhere fails for a different reason
    changed = number[:position] + replacement + number[position + 1 :]
    assert changed != number
    assert not check_id(changed, today=TODAY).ok


@given(st.text(max_size=40))
def test_mask_never_reveals_more_than_8_characters(text: str) -> None:
    masked = mask(text)
    assert len(masked) == len(text)
    shown = [i for i, ch in enumerate(masked) if ch != "*"]
    assert len(shown) <= 8
    assert len(shown) < len(text) or not text  # never the whole value
    assert all(masked[i] == text[i] for i in shown)
