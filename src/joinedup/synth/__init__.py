"""The synthetic partnership generator ("Exampleshire"): every agency feed plus truth/.

Public interface: ``generate_partnership(out, children=, seed=, options=, progress=)`` and
``SynthOptions``. See docs/synthetic-data.md for the model, the switches and the base rates.
"""

from joinedup.synth.options import SynthOptions
from joinedup.synth.partnership import SynthSummary, generate_partnership

__all__ = ["SynthOptions", "SynthSummary", "generate_partnership"]
