"""Privacy-preserving discovery between partnerships (issue 24): keyed Bloom-filter encodings
of children's identifying fields (``encoding``) and matching on encodings only
(``matching``). Plain data in, plain data out: nothing here touches the store or the web.
See docs/exchange.md for the protocol and the threat model.
"""

from joinedup.exchange.encoding import (
    ChildEncoding,
    ChildIdentity,
    EncodingParams,
    deserialise,
    encode_children,
    serialise,
)
from joinedup.exchange.matching import DEFAULT_THRESHOLD, Discovery, discover

__all__ = [
    "DEFAULT_THRESHOLD",
    "ChildEncoding",
    "ChildIdentity",
    "Discovery",
    "EncodingParams",
    "deserialise",
    "discover",
    "encode_children",
    "serialise",
]
