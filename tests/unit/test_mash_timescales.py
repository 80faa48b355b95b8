"""The MASH's timescales by RAG rating (JOINEDUP_MASH_TIMESCALES, issue 21): the partnership's
own, each rating given a time; a bad value is one line naming the variable."""

from __future__ import annotations

from datetime import timedelta

import pytest

from joinedup.config import ConfigError, settings


def test_the_default_and_a_partnerships_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOINEDUP_MASH_TIMESCALES", raising=False)
    assert settings().mash.timescale("RED") == timedelta(hours=4)
    assert settings().mash.timescale("GREEN") == timedelta(hours=72)
    monkeypatch.setenv("JOINEDUP_MASH_TIMESCALES", "Red=90m, amber=1d, green=5d")
    assert settings().mash.timescale("RED") == timedelta(minutes=90)
    assert settings().mash.timescale("AMBER") == timedelta(days=1)
    assert settings().mash.timescale("GREEN") == timedelta(days=5)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("red=4h,amber=24h", "red, amber and green"),
        ("red=4h,amber=24h,green=soon", "'soon' is not a time"),
        ("red=0h,amber=24h,green=72h", "'0h' is not a time"),
        ("red", "is not rating=time"),
    ],
)
def test_a_bad_value_is_one_line(monkeypatch: pytest.MonkeyPatch, value: str, says: str) -> None:
    monkeypatch.setenv("JOINEDUP_MASH_TIMESCALES", value)
    with pytest.raises(ConfigError) as refused:
        settings()
    message = str(refused.value)
    assert message.startswith("JOINEDUP_MASH_TIMESCALES: ") and says in message
    assert "\n" not in message
