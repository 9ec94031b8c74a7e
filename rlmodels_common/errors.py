"""The exceptions every rlmodels package raises for bad input, at the bottom
of the layers so that any module may raise them."""

from __future__ import annotations

__all__ = ["CheckpointError", "UnknownNameError"]


class CheckpointError(ValueError):
    """A checkpoint that cannot be written or read; the message says why and what to do."""


class UnknownNameError(KeyError):
    """A name that is not in a registry; the message lists the registered ones."""

    def __str__(self) -> str:  # KeyError would print the repr of the message
        return str(self.args[0])
