"""Exchange between partnerships (issue 24): finding the children two partnerships both know
from keyed encodings only (``encoding``, ``matching``), what an agreement between them lets
pass (``terms``), the signed summary of a matched child (``summary``) and signed
partner-to-partner requests (``signing``). Plain logic: the store and HTTP live in
``joinedup.services.exchange*``."""
