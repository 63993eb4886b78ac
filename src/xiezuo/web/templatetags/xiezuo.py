"""Template filters of the app's own."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()

PER_YI = 10_000  # 万元 → 亿元


@register.filter
def per_yi(value: Any) -> str:
    """A load in people per 万元 as people per 亿元, so it reads 8.91 rather than 0.0009."""
    if value in (None, ""):
        return ""
    return str(floatformat(float(value) * PER_YI, 2))
