"""Unified social credit codes (统一社会信用代码, GB 32100-2015).

18 characters: registration authority, organisation type, the 6-digit region code of the
registering office, the 9-character organisation code (GB 11714, with its own check
character), and a check character over the first 17 (MOD 31).
"""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_VALUE = {c: i for i, c in enumerate(CHARSET)}
_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def check_character(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def _org_check(body: str) -> str:
    """GB 11714's check character of the 8-character organisation code body."""
    total = 0
    for char, weight in zip(body, _ORG_WEIGHTS, strict=True):
        value = int(char) if char.isdigit() else ord(char) - ord("A") + 10
        total += value * weight
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def problem(raw: str) -> str:
    """'' for a valid code; else one Chinese sentence saying what is wrong with it."""
    code = raw.strip().upper()
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，“{raw}”为 {len(code)} 位"
    bad = sorted({c for c in code if c not in _VALUE})
    if bad:
        return f"统一社会信用代码含不允许的字符：{''.join(bad)}（不使用 I、O、S、V、Z）"
    if not code[2:8].isdigit():
        return "统一社会信用代码第 3–8 位应为登记管理机关的行政区划代码"
    org = code[8:17]
    if org[:8].isalnum() and org[8] in "0123456789X" and _org_check(org[:8]) != org[8]:
        return f"统一社会信用代码中的组织机构代码 {org[:8]}-{org[8]} 校验位不符"
    expected = check_character(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位应为 {expected}，填写的是 {code[17]}：请核对是否抄错"
    return ""


def make(first17: str) -> str:
    """A complete code from its first 17 characters (for generated demo data)."""
    return first17 + check_character(first17)
