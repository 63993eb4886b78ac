from __future__ import annotations

from django.db import models


class WorkerFlag(models.TextChoices):
    """Why a worker profile no longer counts as available (kept, never deleted)."""

    NONE = "", "—"
    AGE = "age", "已超出劳动年龄"
    GONE = "gone", "已不在建档立卡名单（死亡或移出）"
    CANCELLED = "cancelled", "所在户已注销"
    CAPACITY = "capacity", "已无劳动能力"


class Employment(models.TextChoices):
    EMPLOYED = "employed", "在岗"
    UNEMPLOYED = "unemployed", "未就业"
    SELF_EMPLOYED = "self", "自主创业"
    PUBLIC = "public", "公益性岗位"


class Sector(models.TextChoices):
    MANUFACTURING = "manufacturing", "制造业"
    CONSTRUCTION = "construction", "建筑业"
    SERVICES = "services", "居民服务"
    CATERING = "catering", "住宿餐饮"
    LOGISTICS = "logistics", "交通物流"
    CARE = "care", "家政养老"
    AGRICULTURE = "agriculture", "农业"
    OTHER = "other", "其他"


class PostingState(models.TextChoices):
    OPEN = "open", "招聘中"
    CLOSED = "closed", "已结束"


class MatchState(models.TextChoices):
    PROPOSED = "proposed", "待确认"
    ACCEPTED = "accepted", "已接受"
    REJECTED = "rejected", "已拒绝"


class Organiser(models.TextChoices):
    EAST = "east", "东部单位"
    WEST = "west", "西部单位"
    AGENCY = "agency", "人力资源机构"
    STATION = "station", "劳务协作站"
    SELF = "self", "自主就业"


class Proof(models.TextChoices):
    CONTRACT = "contract", "劳动合同"
    WAGES = "wages", "工资流水"


class Source(models.TextChoices):
    MATCH = "match", "对接匹配"
    FORM = "form", "表单"
    API = "api", "接口"
    IMPORT = "import", "导入"


class PlacementFlag(models.TextChoices):
    OVERLAP = "overlap", "与同一人的另一段就业时间重叠"
    UNDER_AGE = "under_age", "开始时未满 16 周岁"
    UNREGISTERED = "unregistered", "不是建档立卡人员"
