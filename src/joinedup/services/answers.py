"""What a service answers, as a pydantic model declared beside the service (issue 18).

A governed answer leaves out what the reader may not see: a key the service did not put in
(an identity attribute of a withheld field, an area of concern that is withheld) is absent,
not null. An ``Answer`` keeps that: it is built from what the service assembled
(``model_validate``), and only the keys the service set come out again, in ``as_dict()``
(the pages and the CLI's ``--json``) and in the API's JSON (the routes answer with
``response_model_exclude_unset``). A key the answer always carries is a field without a
default, so a service that forgets it fails at once rather than answering without it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Answer(BaseModel):
    """A service's answer: a model of what it returns, with absent keys kept absent."""

    def as_dict(self) -> dict[str, Any]:
        """The answer as plain JSON data, exactly the keys the service set."""
        return self.model_dump(mode="json", exclude_unset=True)
