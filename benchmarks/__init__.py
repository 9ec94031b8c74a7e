"""Benchmarks: the ported models against hand-written code with the same weights.

Run ``python -m benchmarks`` (about 10 minutes) or ``python -m benchmarks --quick``
(about a minute); both write ``benchmarks/results.md``. ``python -m benchmarks.export``
(exported files against hand-written exports, compiles included: about 10 minutes)
writes its own section of it. Not part of the tests:
performance is measured here, never asserted.
"""
