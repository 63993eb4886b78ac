from tests.analytics.conftest import world  # noqa: F401  (the verification world, reused)
