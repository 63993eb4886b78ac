"""Entry forms of the labour page: a job posting and a worker's employment in one quarter.

The forms only gather and type what was typed, with messages that name the field; every rule is
the service's (`posting_problems`, `employment_set`), the same for the page, the API and the
import, and each `Problem` the service names comes back on its field.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from xiezuo.core.errors import UserError
from xiezuo.labour import services
from xiezuo.labour.choices import Employment, Sector
from xiezuo.labour.models import Skill
from xiezuo.web.forms_cooperation import RegionPicker


def _int(label: str, *, required: bool = True, initial: int | None = None) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        initial=initial,
        min_value=0,
        max_value=1_000_000,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": f"请填写{label}",
            "invalid": f"{label}须为整数",
            "min_value": f"{label}不能为负",
            "max_value": f"{label}过大",
        },
    )


def _text(label: str, *, required: bool = True, max_length: int = 200) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        error_messages={
            "required": f"请填写{label}",
            "max_length": f"{label}最多 {max_length} 个字",
        },
    )


class ProblemsForm(forms.Form):
    """A form the service's problems come back on, by the field each one names."""

    required_names: frozenset[str] = frozenset()

    def add_problems(self, exc: UserError) -> None:
        # The summary says it whole ("2030 年第 4 季度还没有开始"); the field, what is wrong.
        if all(p.message not in exc.summary for p in exc.problems):
            self.add_error(None, exc.summary)
        for problem in exc.problems:
            if problem.where in self.fields:
                self.add_error(problem.where, problem.message)
            else:
                self.add_error(None, problem.message)


class PostingForm(ProblemsForm):
    employer = _text("用工单位")
    employer_code = _text("统一社会信用代码", max_length=18)
    place = forms.CharField(
        label="工作地（县级区划代码）",
        widget=RegionPicker(attrs={"maxlength": "40"}),
        error_messages={"required": "请填写工作地（县级区划代码）"},
    )
    sector = forms.ChoiceField(
        label="行业",
        choices=Sector.choices,
        error_messages={"required": "请选择行业", "invalid_choice": "行业不在可选范围内"},
    )
    wage = _int("月工资（元）")
    slots = _int("名额")
    start = forms.DateField(
        label="开始日期",
        input_formats=["%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "请填写开始日期",
            "invalid": "开始日期不是日期（应写作 2025-06-30）",
        },
    )
    east_unit = forms.CharField(
        label="引进单位（区划代码）",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        help_text="本单位或下级单位的区划代码",
        error_messages={"required": "请填写引进单位（区划代码）"},
    )
    age_min = _int("最低年龄", initial=16)
    age_max = _int("最高年龄", initial=60)
    skills = forms.MultipleChoiceField(
        label="所需技能",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "所需技能“%(value)s”不在技能目录中"},
    )
    dorm = forms.BooleanField(label="提供住宿", required=False)
    transport = forms.BooleanField(label="提供交通", required=False)
    requirements = forms.CharField(
        label="其他要求",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": "其他要求最多 2000 个字"},
    )
    sex_reason = forms.CharField(
        label="性别要求的法定理由",
        required=False,
        max_length=200,
        help_text="仅当岗位依法限定性别时填写",
        error_messages={"max_length": "性别要求的法定理由最多 200 个字"},
    )

    required_names = frozenset(
        {"employer", "employer_code", "place", "sector", "wage", "slots", "start", "east_unit"}
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        skills = self.fields["skills"]
        assert isinstance(skills, forms.MultipleChoiceField)
        skills.choices = list(Skill.objects.values_list("code", "name"))

    def posting_in(self) -> services.PostingIn:
        data = self.cleaned_data
        return services.PostingIn(
            employer=data["employer"],
            employer_code=data["employer_code"],
            place=data["place"].strip(),
            sector=data["sector"],
            wage=data["wage"],
            slots=data["slots"],
            start=data["start"],
            east_unit=data["east_unit"].strip(),
            skills=list(data["skills"]),
            age_min=data["age_min"],
            age_max=data["age_max"],
            dorm=data["dorm"],
            transport=data["transport"],
            requirements=data["requirements"],
            sex_reason=data["sex_reason"],
        )


class QuarterForm(ProblemsForm):
    """A worker's employment in one quarter, as the county office found it."""

    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        max_value=2100,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": "5"}),
        error_messages={
            "required": "请填写年度",
            "invalid": "年度须为整数",
            "min_value": "年度须在 2000–2100 之间",
            "max_value": "年度须在 2000–2100 之间",
        },
    )
    quarter = forms.TypedChoiceField(
        label="季度",
        coerce=int,
        choices=[(q, str(q)) for q in range(1, 5)],
        error_messages={"required": "请选择季度", "invalid_choice": "季度只能是 1–4"},
    )
    status = forms.ChoiceField(
        label="就业状态",
        choices=Employment.choices,
        error_messages={"required": "请选择就业状态", "invalid_choice": "就业状态不在可选范围内"},
    )

    required_names = frozenset({"year", "quarter", "status"})

    @classmethod
    def for_today(cls, today: datetime.date) -> QuarterForm:
        return cls(initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1})
