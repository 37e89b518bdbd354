"""Benchmark only (``bench/delegation.py --plaintext``): personal data left in clear, so that a run
with and a run without it show what sealing costs. Loaded at interpreter start by every process
of such a run through PYTHONPATH; never on a real deployment's path."""

import core.personal_data as _personal_data

_personal_data.seal = lambda value: value
_personal_data.open_sealed = lambda value: value
_personal_data.lookup_hash = lambda value: ""
