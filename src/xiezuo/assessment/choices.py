"""The assessment's vocabulary."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Side(models.TextChoices):
    EAST = "east", _("帮扶方（东部）")
    WEST = "west", _("被帮扶方（西部）")


class Rule(models.TextChoices):
    TARGET_SHARE = "target_share", _("完成协议目标的比例")
    GROWTH = "growth", _("比上年增长")
    THRESHOLD = "threshold", _("达到标准值")
    RANK = "rank", _("同类单位排名")
    JUDGEMENT = "judgement", _("评审评分（须写明理由）")


class Direction(models.TextChoices):
    UP = "up", _("越高越好")
    DOWN = "down", _("越低越好")


class Step(models.TextChoices):
    """The steps of one unit's assessment, in the order they must be taken."""

    OPEN = "open", _("待自评")
    SELF = "self", _("已自评，待对方意见")
    PARTNER = "partner", _("对方已提意见，待交叉考核")
    CROSS = "cross", _("交叉考核完成，待最终评定")
    FINAL = "final", _("已评定")


class RunState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
