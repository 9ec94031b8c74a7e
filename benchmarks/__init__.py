"""Benchmarks: the ported models against hand-written code with the same weights.

Run ``python -m benchmarks`` (about 10 minutes) or ``python -m benchmarks --quick``
(about a minute); both write ``benchmarks/results.md``. Not part of the tests:
performance is measured here, never asserted.
"""
