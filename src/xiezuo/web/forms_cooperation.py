"""Entry forms of cooperation records, generated from the kind's spec.

The form only gathers what the user typed: every value is typed and checked by the spec and the
services (`record_check`), so a form, an Excel row and an API call meet the same rules and the
same messages. Each `Problem` comes back on the field its label names.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from functools import cache
from typing import Any, ClassVar

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from xiezuo.cooperation import specs
from xiezuo.cooperation.models import Record
from xiezuo.cooperation.services import PersonIn
from xiezuo.core.errors import UserError
from xiezuo.pairing.models import Pairing
from xiezuo.regions.models import Region
from xiezuo.regions.selectors import current_region

CONFIRM_LABEL = "确认大额"
PEOPLE_WHERE = "名人员"  # the services name a person "第 3 名人员"

# Where the services name the report's own keys rather than a spec field.
REPORT_FIELDS = {"结对": "pairing", "填报单位": "reporter", "年度": "year"}


def _text(field: specs.Field, **attrs: str) -> forms.Widget:
    if field.max_length > 300:
        return forms.Textarea(attrs={"rows": 2, **attrs})
    return forms.TextInput(
        attrs={"placeholder": _(field.example), **attrs} if field.example else attrs
    )


class RegionPicker(forms.TextInput):
    """A region code typed, or picked by name: each keystroke asks the region search (scoped to
    what the user may see) for matching regions, offered as the input's datalist."""

    # The pairing whose helped side the options come from: on an edit form the record's, on a
    # new-record form the one chosen in the form (sent along by hx-include).
    pairing_id: int | None = None

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        within = (
            {"hx-vals": json.dumps({"pairing": self.pairing_id})}
            if self.pairing_id is not None
            else {"hx-include": "[name=pairing]"}
        )
        attrs = {
            **(attrs or {}),
            **within,
            "list": f"regions-{name}",
            "autocomplete": "off",
            "placeholder": _("name or code"),
            "hx-get": reverse("web:region_search") + f"?format=options&field={name}",
            "hx-trigger": "input changed delay:300ms",
            "hx-target": f"#regions-{name}",
            "hx-swap": "innerHTML",
        }
        return super().get_context(name, value, attrs)

    def render(self, name: str, value: Any, attrs: Any = None, renderer: Any = None) -> Any:
        field = super().render(name, value, attrs, renderer)
        return format_html('{}<datalist id="regions-{}"></datalist>', field, name)


def form_field(field: specs.Field) -> forms.Field:
    """The input for one spec field. Django checks nothing but the shape of the input: the spec
    does the checking, so its messages are the ones the user reads."""
    common: dict[str, Any] = {
        "label": _(field.label),  # lazy: the form class is built once
        "required": False,
        "help_text": _(field.note) if field.note else "",
    }
    if field.type == "bool":
        return forms.BooleanField(**common)
    if field.type == "choice":
        options = [("", "—"), *((str(v), label) for v, label in field.choices.choices)]
        return forms.CharField(widget=forms.Select(choices=options), **common)
    if field.type == "date":
        return forms.CharField(widget=forms.DateInput(attrs={"type": "date"}), **common)
    if field.type in ("amount", "int"):
        mode = "decimal" if field.type == "amount" else "numeric"
        return forms.CharField(widget=_text(field, inputmode=mode), **common)
    if field.type == "region":
        return forms.CharField(widget=RegionPicker(attrs={"maxlength": "40"}), **common)
    return forms.CharField(widget=_text(field), strip=True, **common)


class RecordForm(forms.Form):
    """One record of `spec`'s kind; on creation also its pairing, reporting unit and year."""

    spec: ClassVar[specs.Spec]
    required_fields: ClassVar[frozenset[str]]  # marked as required; the spec says "必填"

    def __init__(
        self,
        data: Any = None,
        *,
        pairings: list[Pairing] | None = None,
        initial: dict[str, Any] | None = None,
        pairing: Pairing | None = None,
        units: list[Region] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self.creating = pairings is not None
        for field in self.fields.values():
            if pairing is not None and isinstance(field.widget, RegionPicker):
                field.widget.pairing_id = pairing.pk
        head: dict[str, forms.Field] = {}
        if pairings is not None:
            head = {
                "pairing": forms.TypedChoiceField(
                    label=_("结对"),
                    coerce=int,
                    choices=[(p.pk, f"{p.east_name} → {p.west_region.name}") for p in pairings],
                ),
                # The units the user may report for, by name: a typed code only where the
                # user has none of its own (a national account).
                "reporter": (
                    # A select to choose from, but what comes back is the services' to judge
                    # (their words name what is wrong with a unit that is not the user's).
                    forms.CharField(
                        label=_("填报单位"),
                        widget=forms.Select(
                            choices=[(u.code, f"{u.name}（{u.code}）") for u in units]
                        ),
                    )
                    if units
                    else forms.CharField(
                        label=_("填报单位代码"),
                        max_length=12,
                        help_text=_("本单位的区划代码"),
                        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
                    )
                ),
                "year": forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100),
            }
        self.fields = {**head, **self.fields}
        self.required_names = self.required_fields | set(head)
        confirm = self.fields.get("confirm_large")
        self.show_confirm = confirm is not None and bool(data and data.get("confirm_large"))

    # ------------------------------------------------------------ what the services take

    def raw(self) -> dict[str, Any]:
        return {f.name: self.cleaned_data.get(f.name) for f in self.spec.fields}

    def people(self) -> list[PersonIn]:
        """Lines of "姓名 证件号码" (a comma also separates); blank lines are skipped."""
        text = self.cleaned_data.get("people") or ""
        out = []
        for line in text.splitlines():
            parts = line.replace("，", " ").replace(",", " ").split()
            if parts:
                out.append(
                    PersonIn(" ".join(parts[:-1]) or parts[0], parts[-1] if parts[1:] else "")
                )
        return out

    def confirm_large(self) -> bool:
        return bool(self.cleaned_data.get("confirm_large"))

    def reporter(self) -> Region | None:
        code = (self.cleaned_data.get("reporter") or "").strip()
        region = current_region(code)
        if region is None:
            self.add_error("reporter", f"区划代码 {code} 不存在或已撤销")
        return region

    # ------------------------------------------------------------ problems back on the fields

    def add_problems(self, exc: UserError) -> None:
        names = {**REPORT_FIELDS}
        for f in self.spec.fields:
            names.update({label: f.name for label in (f.label, *f.synonyms)})
        for problem in exc.problems or []:
            if PEOPLE_WHERE in problem.where and "people" in self.fields:
                self.add_error("people", f"{problem.where}：{problem.message}")
                continue
            name = names.get(problem.where)
            if CONFIRM_LABEL in problem.message and "confirm_large" in self.fields:
                self.show_confirm = True
            if name in self.fields:
                self.add_error(name, problem.message)
            else:
                self.add_error(None, str(problem))
        if not exc.problems:
            self.add_error(None, exc.summary)


def _initial_value(field: specs.Field, value: Any) -> Any:
    if value is None:
        return ""
    if field.type == "region":
        return value.code if isinstance(value, Region) else value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def initial_of(spec: specs.Spec, record: Record) -> dict[str, Any]:
    """A saved record as the form shows it for editing."""
    return {
        f.name: _initial_value(
            f, getattr(record, f.name) if f.type != "region" else getattr(record, f"{f.name}_id")
        )
        for f in spec.fields
    }


@cache
def record_form(kind: str) -> type[RecordForm]:
    """The form class of one kind, built once from its spec."""
    spec = specs.spec(kind)
    fields: dict[str, Any] = {f.name: form_field(f) for f in spec.fields}
    if spec.people:
        fields["people"] = forms.CharField(
            label=_("人员名单"),
            required=False,
            help_text=_("每行一人：姓名 证件号码（身份证或残疾证号）；修改时不填则保留原名单"),
            widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("张三 520627199001011234")}),
        )
    if not any(f.label == CONFIRM_LABEL for f in spec.fields):
        fields["confirm_large"] = forms.BooleanField(
            label=_(CONFIRM_LABEL),
            required=False,
            help_text=_("金额超过 10 亿元时，核对不是按元填写后勾选确认"),
        )
    fields["spec"] = spec
    fields["required_fields"] = frozenset(
        f.name for f in spec.fields if f.required and f.type != "bool"
    )
    return type(f"{kind.title()}RecordForm", (RecordForm,), fields)
