"""Schemathesis against the OpenAPI document, in process (the Django WSGI app, no server): every
operation gets a bounded number of generated requests, once signed in with a session (and its
CSRF token) and once with a bearer token, and fails on any 5xx or any answer that does not match
the document. Run by `.ci/run` (`scripts/schemathesis`); slow, so kept out of the default run
by its marker. SCHEMATHESIS_EXAMPLES sets the examples per operation (default 25)."""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import pytest
from django.test import Client

from tests.conftest import YANHE
from tests.factories import UserFactory

pytestmark = [pytest.mark.schemathesis, pytest.mark.django_db(transaction=False)]

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))
CSRF = "x" * 32  # a CSRF secret the session's requests send as cookie and header alike


@pytest.fixture
def data(regions: None, lines: None, generated_rows: Any, write_csv: Any) -> Any:
    """A county with registered households, the 2016 pairs and a user who may do most things,
    so generated ids sometimes hit real rows."""
    from xiezuo.imports import services as imports
    from xiezuo.pairing import services as pairing

    pairing.pairs_2016_load(actor=None)
    batch = imports.batch_create(
        kind="registry", filename="yanhe.csv", source=write_csv(generated_rows), actor=None
    )
    imports.batch_commit(imports.batch_parse(batch, user=None), actor=None)
    return UserFactory(
        username="schema-user",
        side="west",
        region_id=YANHE,
        roles=["viewer", "reporter", "reviewer", "admin"],
    )


@pytest.mark.parametrize(
    ("auth", "mode"), [("session", "positive"), ("token", "positive"), ("token", "negative")]
)
def test_every_operation_answers_by_the_document(
    auth: str, mode: str, data: Any, settings: Any
) -> None:
    """Positive: requests the document allows, answered as it says. Negative: requests it
    forbids (wrong types, missing fields, out-of-range values), answered without a 5xx."""
    import schemathesis
    from django.core.wsgi import get_wsgi_application
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hsettings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    from xiezuo.accounts import services as accounts
    from xiezuo.api.api import api

    settings.ALLOWED_HOSTS = ["*"]
    if auth == "session":
        client = Client()
        client.force_login(data)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies = {settings.SESSION_COOKIE_NAME: session, settings.CSRF_COOKIE_NAME: CSRF}
        headers = {"X-CSRFToken": CSRF}
    else:
        _token, key = accounts.api_token_create(user=data, name="schemathesis", actor=None)
        cookies, headers = {}, {"Authorization": f"Bearer {key}"}

    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    schema.app = get_wsgi_application()
    cases: Counter[str] = Counter()
    failures: dict[str, str] = {}
    server_errors = 0

    def runner(operation: Any) -> Any:
        label = operation.label

        @given(case=operation.as_strategy(generation_mode=GenerationMode(mode)))
        @hsettings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            nonlocal server_errors
            cases[label] += 1
            # The document names both ways in; the case's own made-up credentials give way to
            # the real ones of this run.
            case.headers = {
                k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"
            }
            case.headers.update(headers)
            case.cookies = {
                k: v
                for k, v in (case.cookies or {}).items()
                if k not in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
            }
            case.cookies.update(cookies)
            response = case.call()
            if response.status_code >= 500:
                server_errors += 1
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        return run

    for result in schema.get_all_operations():
        operation = result.ok()
        label = operation.label
        try:
            runner(operation)()
        except Exception as exc:  # every operation is tried; the failures are listed
            failures[label] = f"{type(exc).__name__}: {str(exc)[:1500]}"

    total = sum(cases.values())
    print(
        f"\nschemathesis ({auth}, {mode}): {len(cases)} operations, {total} cases, "
        f"{server_errors} server errors, {len(failures)} failing operations"
    )
    assert not failures, "\n\n".join(f"{k}\n{v}" for k, v in failures.items())
