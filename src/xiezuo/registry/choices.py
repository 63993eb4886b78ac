"""Code lists of the registry (建档立卡) with the labels the national system uses.

The Chinese labels are msgids: pages show them in the active language. Imports do not read
them — they match the labels of data/code_lists.csv (vocabulary.py), Chinese in every language.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class HouseholdType(models.TextChoices):
    GENERAL = "general", _("一般贫困户")
    DIBAO = "dibao", _("低保贫困户")
    TEKUN = "tekun", _("特困供养贫困户")


class Cause(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    SCHOOLING = "schooling", _("因学")
    DISASTER = "disaster", _("因灾")
    LAND = "land", _("缺土地")
    WATER = "water", _("缺水")
    SKILLS = "skills", _("缺技术")
    LABOUR = "labour", _("缺劳力")
    FUNDS = "funds", _("缺资金")
    TRANSPORT = "transport", _("交通条件落后")
    MOTIVATION = "motivation", _("自身发展动力不足")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    NEW = "new", _("新识别")
    NOT_EXITED = "not_exited", _("未脱贫")
    EXITED = "exited", _("已脱贫")
    RETURNED = "returned", _("返贫")
    CANCELLED = "cancelled", _("注销")


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    SON = "son", _("之子")
    DAUGHTER = "daughter", _("之女")
    SON_IN_LAW = "son_in_law", _("之女婿")
    DAUGHTER_IN_LAW = "daughter_in_law", _("之儿媳")
    GRANDSON = "grandson", _("之孙子")
    GRANDDAUGHTER = "granddaughter", _("之孙女")
    FATHER = "father", _("之父")
    MOTHER = "mother", _("之母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Education(models.TextChoices):
    PRESCHOOL = "preschool", _("学龄前儿童")
    ILLITERATE = "illiterate", _("文盲或半文盲")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中专")
    COLLEGE = "college", _("大专及以上")


class SchoolStatus(models.TextChoices):
    NONE = "none", _("非在校生")
    PRESCHOOL = "preschool", _("学前教育")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中职")
    HIGHER = "higher", _("高职高专及以上")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("长期慢性病")
    SERIOUS = "serious", _("大病")
    DISABLED = "disabled", _("残疾")


class LabourSkill(models.TextChoices):
    ORDINARY = "ordinary", _("普通劳动力")
    SKILLED = "skilled", _("技能劳动力")
    WEAK = "weak", _("弱劳动力或半劳动力")
    LOST = "lost", _("丧失劳动力")
    NONE = "none", _("无劳动力")


class MigrantStatus(models.TextChoices):
    NONE = "none", _("非务工")
    IN_TOWNSHIP = "in_township", _("乡（镇）内务工")
    IN_COUNTY = "in_county", _("乡（镇）外县内务工")
    IN_PROVINCE = "in_province", _("县外省内务工")
    OUT_PROVINCE = "out_province", _("省外务工")
    OTHER = "other", _("其他")


class Standard(models.TextChoices):
    """识别标准: the line a household was identified by."""

    NATIONAL = "national", _("国家标准")
    PROVINCIAL = "provincial", _("省定标准")
    MUNICIPAL = "municipal", _("市定标准")


class IdKind(models.TextChoices):
    RESIDENT = "resident", _("居民身份证")
    DISABILITY = "disability", _("残疾人证")


class PovertyLineKind(models.TextChoices):
    POVERTY_LINE = "poverty_line", _("扶贫标准")
    MONITORING = "monitoring", _("防止返贫监测标准")
