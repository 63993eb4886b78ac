from __future__ import annotations

from typing import Any

import factory

from xiezuo.accounts.models import User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):  # type: ignore[misc]
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    side = "west"
    roles: Any = factory.LazyFunction(lambda: ["viewer"])

    @factory.post_generation  # type: ignore[untyped-decorator]
    def password(self, create: bool, extracted: str | None, **kwargs: Any) -> None:
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])
