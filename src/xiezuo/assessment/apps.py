from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    """The yearly assessment (考核评价): indicator systems as data, runs that score every
    assessed unit from the snapshot, and the self → partner → cross → final steps."""

    name = "xiezuo.assessment"
    label = "assessment"
    verbose_name = _("Assessment")
