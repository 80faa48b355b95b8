"""Bounds on identifiers the API accepts. They are shared with the pages and live in
``joinedup.http.limits``; this name stays for code that imports it from here."""

from joinedup.http.limits import MAX_ID, RecordId

__all__ = ["MAX_ID", "RecordId"]
