"""Code lists of the registry (建档立卡) with the labels the national system uses.

The Chinese labels are data, not UI text: imports match them exactly as the national export
writes them, so they are not passed through translation.
"""

from __future__ import annotations

from django.db import models


class HouseholdType(models.TextChoices):
    GENERAL = "general", "一般贫困户"
    DIBAO = "dibao", "低保贫困户"
    TEKUN = "tekun", "特困供养贫困户"


class Cause(models.TextChoices):
    ILLNESS = "illness", "因病"
    DISABILITY = "disability", "因残"
    SCHOOLING = "schooling", "因学"
    DISASTER = "disaster", "因灾"
    LAND = "land", "缺土地"
    WATER = "water", "缺水"
    SKILLS = "skills", "缺技术"
    LABOUR = "labour", "缺劳力"
    FUNDS = "funds", "缺资金"
    TRANSPORT = "transport", "交通条件落后"
    MOTIVATION = "motivation", "自身发展动力不足"
    OTHER = "other", "其他"


class Status(models.TextChoices):
    NEW = "new", "新识别"
    NOT_EXITED = "not_exited", "未脱贫"
    EXITED = "exited", "已脱贫"
    RETURNED = "returned", "返贫"
    CANCELLED = "cancelled", "注销"


class Sex(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    SON = "son", "之子"
    DAUGHTER = "daughter", "之女"
    SON_IN_LAW = "son_in_law", "之女婿"
    DAUGHTER_IN_LAW = "daughter_in_law", "之儿媳"
    GRANDSON = "grandson", "之孙子"
    GRANDDAUGHTER = "granddaughter", "之孙女"
    FATHER = "father", "之父"
    MOTHER = "mother", "之母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class Education(models.TextChoices):
    PRESCHOOL = "preschool", "学龄前儿童"
    ILLITERATE = "illiterate", "文盲或半文盲"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    VOCATIONAL = "vocational", "中专"
    COLLEGE = "college", "大专及以上"


class SchoolStatus(models.TextChoices):
    NONE = "none", "非在校生"
    PRESCHOOL = "preschool", "学前教育"
    PRIMARY = "primary", "小学"
    JUNIOR = "junior", "初中"
    SENIOR = "senior", "高中"
    VOCATIONAL = "vocational", "中职"
    HIGHER = "higher", "高职高专及以上"


class Health(models.TextChoices):
    HEALTHY = "healthy", "健康"
    CHRONIC = "chronic", "长期慢性病"
    SERIOUS = "serious", "大病"
    DISABLED = "disabled", "残疾"


class LabourSkill(models.TextChoices):
    ORDINARY = "ordinary", "普通劳动力"
    SKILLED = "skilled", "技能劳动力"
    WEAK = "weak", "弱劳动力或半劳动力"
    LOST = "lost", "丧失劳动力"
    NONE = "none", "无劳动力"


class MigrantStatus(models.TextChoices):
    NONE = "none", "非务工"
    IN_TOWNSHIP = "in_township", "乡（镇）内务工"
    IN_COUNTY = "in_county", "乡（镇）外县内务工"
    IN_PROVINCE = "in_province", "县外省内务工"
    OUT_PROVINCE = "out_province", "省外务工"
    OTHER = "other", "其他"


class Standard(models.TextChoices):
    """识别标准: the line a household was identified by."""

    NATIONAL = "national", "国家标准"
    PROVINCIAL = "provincial", "省定标准"
    MUNICIPAL = "municipal", "市定标准"


class IdKind(models.TextChoices):
    RESIDENT = "resident", "居民身份证"
    DISABILITY = "disability", "残疾人证"


class PovertyLineKind(models.TextChoices):
    POVERTY_LINE = "poverty_line", "扶贫标准"
    MONITORING = "monitoring", "防止返贫监测标准"
