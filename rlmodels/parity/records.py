"""What running a model on probe inputs produces (numpy only): records of
outputs and intermediates, and gradients by canonical parameter name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np

from rlmodels_common.observations import map_observation

from .inputs import ProbeInputs, StepInputs

OUTPUTS = (
    "loc", "scale", "logits", "log_prob", "entropy", "deterministic", "sample", "value", "held_carry", "carry",
)  # fmt: skip
"""Output names a probe records, in the order a report lists them."""

SCALARS = ("log_prob", "entropy", "value")
"""Outputs (and intermediates) with one number per call; every other one ends
in a vector axis (an action, a carry, a layer's units)."""

CHOICES = ("deterministic", "sample")
"""Outputs that are integer choices for a discrete policy; their scores
(logits, logits + Gumbel noise) are recorded as ``"<name>:scores"``."""


@dataclass(frozen=True)
class Record:
    """The outputs of consecutive calls, stacked along a leading axis.

    ``label`` says which calls (``"held carry"``, ``"rollout"``, ``"sequence"``)
    and ``first`` the rollout step (or sequence time step) of index 0 along the
    leading axis. ``stages`` holds the intermediates in the order the model
    computes them (torso layers, LSTM gates and carry, heads, bijector); it is
    filled only when asked for (to locate a disagreement).
    """

    label: str
    first: int
    outputs: dict[str, np.ndarray]
    stages: dict[str, np.ndarray] = field(default_factory=dict)

    def where(self, index: int) -> str:
        """Readable position of entry ``index`` along the leading axis."""
        if self.label == "held carry":
            return "held carry"
        return f"{self.label} step {self.first + index}"


@dataclass(frozen=True)
class Probe:
    """One model's records (the same list, shapes and names in either
    backend) and its gradients by canonical parameter name (None if not asked)."""

    records: list[Record]
    gradients: dict[str, np.ndarray] | None = None


def segments(inputs: ProbeInputs) -> Iterator[tuple[int, list[StepInputs]]]:
    """Runs of consecutive steps that stack: the same batch shape and the same
    kind of reset. Yields ``(index of the first step, steps)``."""
    run: list[StepInputs] = []
    start = 0
    for index, step in enumerate(inputs.steps):
        if run and _signature(step) != _signature(run[0]):
            yield start, run
            run, start = [], index
        run.append(step)
    if run:
        yield start, run


def _signature(step: StepInputs) -> tuple:
    return map_observation(np.shape, step.observation), step.action.shape, step.reset is None


def stacked(steps: list[StepInputs], name: str) -> np.ndarray | None:
    """The field ``name`` of ``steps`` stacked along a new leading axis (None if unset)."""
    values = [getattr(s, name) for s in steps]
    if isinstance(values[0], dict):  # dict observations, key by key
        return {k: np.stack([v[k] for v in values]) for k in values[0]}
    return None if values[0] is None else np.stack(values)
