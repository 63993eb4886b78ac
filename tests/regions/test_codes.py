from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xiezuo.regions import codes
from xiezuo.regions.codes import Level


def test_short_package_codes_become_canonical() -> None:
    assert codes.normalise("32") == "320000"
    assert codes.normalise(" 3205 ") == "320500"
    assert codes.normalise("320506") == "320506"


def test_level_of_each_code_length() -> None:
    assert codes.level_of("320000") == Level.PROVINCE
    assert codes.level_of("320500") == Level.PREFECTURE
    assert codes.level_of("320506") == Level.COUNTY
    assert codes.level_of("320506001") == Level.TOWNSHIP
    assert codes.level_of("320506001001") == Level.VILLAGE


def test_parent_code_climbs_one_level() -> None:
    assert codes.parent_code("520627100201") == "520627100"
    assert codes.parent_code("520627100") == "520627"
    assert codes.parent_code("520627") == "520600"
    assert codes.parent_code("520600") == "520000"
    assert codes.parent_code("520000") is None


def test_malformed_codes_are_rejected() -> None:
    for bad in ("", "52", "5206", "52062", "5206271", "52a627", "5206271001", "52062710020１"):
        assert not codes.is_well_formed(bad), bad


digits = st.text(alphabet="0123456789", min_size=1, max_size=12)


@given(pfx=digits, rest=st.text(alphabet="0123456789", max_size=8))
def test_every_code_with_a_prefix_lies_in_its_range(pfx: str, rest: str) -> None:
    code = pfx + rest
    assert pfx <= code < codes.prefix_upper_bound(pfx)


@given(pfx=digits, other=digits)
def test_codes_without_the_prefix_lie_outside_its_range(pfx: str, other: str) -> None:
    if other.startswith(pfx):
        return
    assert not (pfx <= other < codes.prefix_upper_bound(pfx))
