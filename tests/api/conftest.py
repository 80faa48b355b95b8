"""API tests: a live app on a small synthetic store."""

from tests.support.webapp import live_app  # noqa: F401  (fixtures)
