from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from xiezuo.core import creditcode

# Published codes of well-known enterprises (from their public registration records).
REAL = ["91350100M000100Y43", "91110000100010433L", "914403001922038216"]


def test_real_codes_pass() -> None:
    for code in REAL:
        assert creditcode.problem(code) == "", code


def test_one_changed_character_is_caught() -> None:
    code = REAL[1]
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    assert "校验位应为 L" in creditcode.problem(wrong)
    assert "18 位" in creditcode.problem(code[:17])
    assert "不允许的字符" in creditcode.problem(code[:16] + "IO")


@given(st.text(alphabet=creditcode.CHARSET, min_size=17, max_size=17))
def test_made_codes_check(first17: str) -> None:
    code = creditcode.make(first17)
    message = creditcode.problem(code)
    # Any code made here has a right check character; only the embedded organisation code
    # (random characters) may fail its own check.
    assert message == "" or "组织机构代码" in message or "行政区划代码" in message
