from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerFlag(models.TextChoices):
    """Why a worker profile no longer counts as available (kept, never deleted)."""

    NONE = "", "—"
    AGE = "age", _("已超出劳动年龄")
    GONE = "gone", _("已不在建档立卡名单（死亡或移出）")
    CANCELLED = "cancelled", _("所在户已注销")
    CAPACITY = "capacity", _("已无劳动能力")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("在岗")
    UNEMPLOYED = "unemployed", _("未就业")
    SELF_EMPLOYED = "self", _("自主创业")
    PUBLIC = "public", _("公益性岗位")


class Sector(models.TextChoices):
    MANUFACTURING = "manufacturing", _("制造业")
    CONSTRUCTION = "construction", _("建筑业")
    SERVICES = "services", _("居民服务")
    CATERING = "catering", _("住宿餐饮")
    LOGISTICS = "logistics", _("交通物流")
    CARE = "care", _("家政养老")
    AGRICULTURE = "agriculture", _("农业")
    OTHER = "other", _("其他")


class PostingState(models.TextChoices):
    OPEN = "open", _("招聘中")
    CLOSED = "closed", _("已结束")


class MatchState(models.TextChoices):
    PROPOSED = "proposed", _("待确认")
    ACCEPTED = "accepted", _("已接受")
    REJECTED = "rejected", _("已拒绝")


class Organiser(models.TextChoices):
    EAST = "east", _("东部单位")
    WEST = "west", _("西部单位")
    AGENCY = "agency", _("人力资源机构")
    STATION = "station", _("劳务协作站")
    SELF = "self", _("自主就业")


class Proof(models.TextChoices):
    CONTRACT = "contract", _("劳动合同")
    WAGES = "wages", _("工资流水")


class Source(models.TextChoices):
    MATCH = "match", _("对接匹配")
    FORM = "form", _("表单")
    API = "api", _("接口")
    IMPORT = "import", _("导入")


class PlacementFlag(models.TextChoices):
    OVERLAP = "overlap", _("与同一人的另一段就业时间重叠")
    UNDER_AGE = "under_age", _("开始时未满 16 周岁")
    UNREGISTERED = "unregistered", _("不是建档立卡人员")
