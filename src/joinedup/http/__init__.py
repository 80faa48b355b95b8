"""What the JSON API (``joinedup.api``) and the pages (``joinedup.web``) share over HTTP, and
nothing else they share: who is asking (sessions, the account, the reader, a route's
declared use), CSRF, security headers, the body limit and text checks, errors as problem
documents or error pages, templating and the navigation, admission control, timing and the
audit log's sealing. The app that composes both is ``joinedup.asgi``."""
