"""Bounds on identifiers the API accepts: within a 64-bit integer column on either
database (a larger number is refused with 422 before it reaches the store)."""

MAX_ID = 2**53
