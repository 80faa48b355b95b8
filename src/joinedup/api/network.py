"""The exploitation network (issue 22): the adults, places and vehicles or phones tied to two
or more children who go missing or are exploited, with the evidence of each tie. For the MASH
and the police's seat in it under the MASH agreement's purposes; every person in it is a
decided, audited read (``services.network``)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from joinedup.api.answers import answers
from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.http.auth import current_reader, engine_of, governed
from joinedup.services import network
from joinedup.services.network import ExploitationNetwork

router = APIRouter(tags=["exploitation network"])


@router.get(
    "/exploitation-network",
    **answers(ExploitationNetwork),
    **governed(uses.EXPLOITATION_NETWORK),
)
def exploitation_network(
    request: Request, reader: Reader = Depends(current_reader)
) -> ExploitationNetwork:
    """The network as you may see it: each child, adult, place and object (a person by name
    only where you may see who they are), and each tie with the incidents behind it (an
    adult's role only where you may see it). A child whose incidents you may not see is not
    in it, and nor is anything only they would tie."""
    return network.exploitation_network(engine_of(request), reader)
