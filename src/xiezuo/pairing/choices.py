"""Code lists of pairing: kinds, levels, indicators. The Chinese labels are the terms of the
State Council documents and of the offices' own spreadsheets: pages translate them, imports match
the Chinese msgid (core.i18n.chinese_labels) in every language."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    EAST_WEST = "east_west", _("东西部扶贫协作")
    COUNTERPART = "counterpart", _("对口支援")
    DESIGNATED = "designated", _("定点帮扶")


class Level(models.IntegerChoices):
    """The level of the helped (western) unit; enterprise→village is a level of its own."""

    PROVINCE = 1, _("省级")
    PREFECTURE = 2, _("市级")
    COUNTY = 3, _("县级（携手奔小康）")
    TOWNSHIP = 4, _("乡镇")
    VILLAGE = 5, _("村")
    ENTERPRISE_VILLAGE = 6, _("企业/社会组织帮村（万企帮万村）")


class Status(models.TextChoices):
    # Registered by one side, waiting for the other: it widens nobody's scope until confirmed.
    PROPOSED = "proposed", _("待对方确认")
    ACTIVE = "active", _("在结对")
    DECLINED = "declined", _("对方未确认")
    ENDED = "ended", _("已结束")


class OrganisationKind(models.TextChoices):
    CENTRAL = "central", _("中央单位")
    GOVERNMENT = "government", _("党政机关")
    ENTERPRISE = "enterprise", _("企业")
    SOCIAL = "social", _("社会组织")


# The provinces whose units help in the East–West cooperation (2016 list: 北京, 天津, 辽宁 through
# 大连, 上海, 江苏, 浙江, 福建, 山东, 广东). 河北 lies in the east but is a helped side (张家口,
# 保定, 承德), so "east" here means the helping provinces, not the geographic region.
HELPING_PROVINCES = frozenset({"11", "12", "21", "31", "32", "33", "35", "37", "44"})


class Indicator(models.TextChoices):
    FISCAL_AID = "fiscal_aid", _("财政援助资金")
    SOCIAL_FUNDS = "social_funds", _("社会帮扶资金")
    PROJECTS = "projects", _("援建项目")
    CADRES_SENT = "cadres_sent", _("选派挂职干部")
    PROFESSIONALS_SENT = "professionals_sent", _("选派专业技术人才")
    CADRES_TRAINED = "cadres_trained", _("培训党政干部")
    PROFESSIONALS_TRAINED = "professionals_trained", _("培训专业技术人才")
    LABOURERS_TRAINED = "labourers_trained", _("培训贫困劳动力")
    PLACEMENTS = "placements", _("帮助贫困人口转移就业")
    ENTERPRISES = "enterprises", _("引导企业落地")
    INVESTMENT = "investment", _("企业实际投资")
    WORKSHOPS = "workshops", _("建设扶贫车间")
    CONSUMPTION_AID = "consumption_aid", _("消费扶贫")
    COUNTY_PAIRS = "county_pairs", _("县结对（携手奔小康）")
    VILLAGE_PAIRS = "village_pairs", _("村结对（含万企帮万村）")


UNITS: dict[str, str] = {
    Indicator.FISCAL_AID: "万元",
    Indicator.SOCIAL_FUNDS: "万元",
    Indicator.PROJECTS: "个",
    Indicator.CADRES_SENT: "人",
    Indicator.PROFESSIONALS_SENT: "人",
    Indicator.CADRES_TRAINED: "人次",
    Indicator.PROFESSIONALS_TRAINED: "人次",
    Indicator.LABOURERS_TRAINED: "人次",
    Indicator.PLACEMENTS: "人",
    Indicator.ENTERPRISES: "个",
    Indicator.INVESTMENT: "万元",
    Indicator.WORKSHOPS: "个",
    Indicator.CONSUMPTION_AID: "万元",
    Indicator.COUNTY_PAIRS: "对",
    Indicator.VILLAGE_PAIRS: "对",
}

# Indicators counted in whole units: a target of 2.5 projects is a typing mistake.
WHOLE: frozenset[str] = frozenset(k for k, unit in UNITS.items() if unit != "万元")
MAX_TARGET = Decimal("10000000")  # 1,000 亿元 or ten million people: beyond any real agreement


class TaskStatus(models.TextChoices):
    TODO = "todo", _("未开始")
    DOING = "doing", _("进行中")
    DONE = "done", _("已完成")
