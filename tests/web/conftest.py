"""Browser tests: a live app on a small synthetic store, and Debian's Chromium."""

from tests.support.webapp import browser, live_app, page  # noqa: F401  (fixtures)
