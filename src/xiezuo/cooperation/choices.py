"""Code lists of the cooperation records, labelled as the offices' own report forms word them."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """The seven kinds of record; the key of each model, importer, template and page."""

    FUND = "fund", _("帮扶资金")
    PROJECT = "project", _("帮扶项目")
    TALENT = "talent", _("人才交流")
    TRAINING = "training", _("培训")
    INDUSTRY = "industry", _("产业合作")
    CONSUMPTION = "consumption", _("消费扶贫")
    SOCIAL = "social", _("社会帮扶")


class FundKind(models.TextChoices):
    FISCAL = "fiscal", _("财政援助资金")
    SOCIAL = "social", _("社会捐赠资金")
    IN_KIND = "in_kind", _("捐赠物资折款")


class Sector(models.TextChoices):
    INDUSTRY = "industry", _("产业")
    INFRASTRUCTURE = "infrastructure", _("基础设施")
    EDUCATION = "education", _("教育")
    HEALTH = "health", _("医疗卫生")
    CULTURE = "culture", _("文化")
    SCIENCE = "science", _("科技")
    EMPLOYMENT = "employment", _("就业")
    RELOCATION = "relocation", _("易地搬迁后续扶持")
    LIVING = "living", _("人居环境")
    OTHER = "other", _("其他")


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("计划")
    UNDERWAY = "underway", _("在建")
    DONE = "done", _("已完工")
    STOPPED = "stopped", _("已终止")


class Direction(models.TextChoices):
    EAST_TO_WEST = "east_west", _("东部派往西部")
    WEST_TO_EAST = "west_east", _("西部派往东部")


class TalentKind(models.TextChoices):
    CADRE = "cadre", _("党政干部")
    TEACHER = "teacher", _("教师")
    DOCTOR = "doctor", _("医生")
    AGRONOMIST = "agronomist", _("农技人员")
    OTHER = "other", _("其他专业技术人才")


class TrainingKind(models.TextChoices):
    CADRES = "cadres", _("党政干部")
    GRASSROOTS = "grassroots", _("基层干部")
    LEADERS = "leaders", _("致富带头人")
    PROFESSIONALS = "professionals", _("专业技术人才")
    LABOURERS = "labourers", _("贫困劳动力")


class DonorKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    ORGANISATION = "organisation", _("社会组织")
    INDIVIDUAL = "individual", _("个人")


class Side(models.TextChoices):
    EAST = "east", _("帮扶方")
    WEST = "west", _("受帮扶方")


class State(models.TextChoices):
    """A report's way: the reporter drafts, submits; a reviewer one level up approves (locked)
    or returns it with a comment."""

    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已审核锁定")


EDITABLE = frozenset({State.DRAFT, State.RETURNED})

# Amounts are in 万元. A figure above ABSURD is refused as yuan typed in the 万元 column; one above
# CONFIRM (10 亿元) for a county's project or fund needs an explicit confirmation.
CONFIRM = Decimal("100000")
ABSURD = Decimal("1000000")
