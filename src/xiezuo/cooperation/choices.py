"""Code lists of the cooperation records, labelled as the offices' own report forms word them."""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Kind(models.TextChoices):
    """The seven kinds of record; the key of each model, importer, template and page."""

    FUND = "fund", "帮扶资金"
    PROJECT = "project", "帮扶项目"
    TALENT = "talent", "人才交流"
    TRAINING = "training", "培训"
    INDUSTRY = "industry", "产业合作"
    CONSUMPTION = "consumption", "消费扶贫"
    SOCIAL = "social", "社会帮扶"


class FundKind(models.TextChoices):
    FISCAL = "fiscal", "财政援助资金"
    SOCIAL = "social", "社会捐赠资金"
    IN_KIND = "in_kind", "捐赠物资折款"


class Sector(models.TextChoices):
    INDUSTRY = "industry", "产业"
    INFRASTRUCTURE = "infrastructure", "基础设施"
    EDUCATION = "education", "教育"
    HEALTH = "health", "医疗卫生"
    CULTURE = "culture", "文化"
    SCIENCE = "science", "科技"
    EMPLOYMENT = "employment", "就业"
    RELOCATION = "relocation", "易地搬迁后续扶持"
    LIVING = "living", "人居环境"
    OTHER = "other", "其他"


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "计划"
    UNDERWAY = "underway", "在建"
    DONE = "done", "已完工"
    STOPPED = "stopped", "已终止"


class Direction(models.TextChoices):
    EAST_TO_WEST = "east_west", "东部派往西部"
    WEST_TO_EAST = "west_east", "西部派往东部"


class TalentKind(models.TextChoices):
    CADRE = "cadre", "党政干部"
    TEACHER = "teacher", "教师"
    DOCTOR = "doctor", "医生"
    AGRONOMIST = "agronomist", "农技人员"
    OTHER = "other", "其他专业技术人才"


class TrainingKind(models.TextChoices):
    CADRES = "cadres", "党政干部"
    GRASSROOTS = "grassroots", "基层干部"
    LEADERS = "leaders", "致富带头人"
    PROFESSIONALS = "professionals", "专业技术人才"
    LABOURERS = "labourers", "贫困劳动力"


class DonorKind(models.TextChoices):
    ENTERPRISE = "enterprise", "企业"
    ORGANISATION = "organisation", "社会组织"
    INDIVIDUAL = "individual", "个人"


class Side(models.TextChoices):
    EAST = "east", "帮扶方"
    WEST = "west", "受帮扶方"


class State(models.TextChoices):
    """A report's way: the reporter drafts, submits; a reviewer one level up approves (locked)
    or returns it with a comment."""

    DRAFT = "draft", "填报中"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    APPROVED = "approved", "已审核锁定"


EDITABLE = frozenset({State.DRAFT, State.RETURNED})

# Amounts are in 万元. A figure above ABSURD is refused as yuan typed in the 万元 column; one above
# CONFIRM (10 亿元) for a county's project or fund needs an explicit confirmation.
CONFIRM = Decimal("100000")
ABSURD = Decimal("1000000")
