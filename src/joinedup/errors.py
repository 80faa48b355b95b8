"""One exception hierarchy for the whole platform; each error carries its HTTP status.

The CLI prints ``str(error)`` as a one-line reason and exits with ``exit_code``; the API and
web pages (a later issue) render the same errors with ``http_status``.
"""

from __future__ import annotations


class JoinedUpError(Exception):
    """Base of every error the platform raises on purpose."""

    http_status = 500
    exit_code = 1


class BadInput(JoinedUpError):
    """The caller gave something unusable (a bad argument, a malformed value). ``field``,
    when given, names the form field or query term at fault, so a page can show the
    message on that field (``http.forms``)."""

    http_status = 400
    exit_code = 2

    def __init__(self, *args: object, field: str | None = None) -> None:
        super().__init__(*args)
        self.field = field


class DeliveryRejected(BadInput):
    """A whole agency delivery was refused: nothing of it was stored."""

    exit_code = 3


class NotFound(JoinedUpError):
    http_status = 404
    exit_code = 4


class Forbidden(JoinedUpError):
    http_status = 403
    exit_code = 5


class Conflict(JoinedUpError):
    http_status = 409
    exit_code = 6


class TooManyRequests(JoinedUpError):
    """The caller has done this too often for now (a volume limit): try again later."""

    http_status = 429
    exit_code = 8


class Unauthenticated(JoinedUpError):
    """The request carries no credential this service accepts (an agency's push without a
    valid signed token): answered 401."""

    http_status = 401
    exit_code = 9


class StoreUnavailable(JoinedUpError):
    """The store (``JOINEDUP_DATABASE_URL``) cannot be opened: the server refuses, the file
    cannot be created. Not a fault of joinedup's, nor of the command's input."""

    http_status = 503
    exit_code = 10
