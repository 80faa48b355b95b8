"""joinedup: joins up what each safeguarding partner already records about a child.

The package is laid out one folder per capability (see docs/architecture.md):
``domain`` (plain model), ``ingest``, ``linkage``, ``governance``, ``risk``, ``alerts``,
``interventions``, ``synth``, ``store`` (SQLAlchemy), ``api``/``web`` (thin entry points),
``services`` (use cases) and ``cli``.
"""

__version__ = "0.1.0"
