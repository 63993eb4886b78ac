"""Rules a posting must follow: no discriminating requirement, no wage under the minimum.

The Employment Promotion Law (就业促进法, arts. 3, 26–31) forbids discrimination by ethnicity,
race, sex, religion and rural hukou, and against carriers of infectious diseases (the 2010
notice on hepatitis B tests); the Labour Law (art. 13) allows a sex restriction only for work
unsuitable for women that the state lists (e.g. underground mining), which is why a sex
requirement needs its legal reason. Words are matched in the requirement text; the message
names the rule, so the unit can rewrite the posting rather than guess.
"""

from __future__ import annotations

import re

DISCRIMINATION = (
    (re.compile(r"(限|仅限|只招|只要|要求)?(汉族|少数民族|维吾尔族|藏族|回族|苗族|彝族|民族)"),
     "不得以民族设限（就业促进法第二十八条）"),
    (re.compile(r"(本地|城镇|非农)?(户口|户籍)"), "不得以户籍设限（就业促进法第三十一条）"),
    (re.compile(r"(乙肝|两对半|传染病病原携带|HIV|艾滋)"),
     "不得以传染病病原携带设限（就业促进法第三十条）"),
    (re.compile(r"(宗教|信仰)"), "不得以宗教信仰设限（就业促进法第三条）"),
    (re.compile(r"(未婚|已婚|未育|已育|不得怀孕|婚育)"), "不得以婚育状况设限（妇女权益保障法）"),
    (re.compile(r"(身高|相貌|五官端正|形象好)"), "与岗位无关的身体条件不得设限"),
)  # fmt: skip
SEX = re.compile(r"(限男|仅限男|只招男|男性优先|限女|仅限女|只招女|女性优先|男性|女性)")


def discrimination_problems(text: str, sex_reason: str = "") -> list[str]:
    problems = [reason for pattern, reason in DISCRIMINATION if pattern.search(text or "")]
    if SEX.search(text or "") and not sex_reason.strip():
        problems.append("以性别设限须写明法定理由（劳动法第十三条，如国家规定不适合妇女的工种）")
    return problems
