from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "xiezuo.registry"
    label = "registry"
    verbose_name = _("Poverty registry")

    def ready(self) -> None:
        from xiezuo.imports import kinds
        from xiezuo.registry import importing, policy, template

        kinds.register(
            kinds.ImportKind(
                kind=importing.KIND,
                label=_("Registered households and members"),
                parse=importing.parse_batch,
                commit=importing.commit_batch,
                template=template.registry_template,
                require=policy.require_import,
                order=10,
            )
        )
