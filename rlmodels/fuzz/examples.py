"""One fuzzing example: what hypothesis draws for a target, the models it runs
on, the comparison, and the file an example is kept in.

Built-in targets draw weights (``strategies.weights``, shrinking to the
model's initial ones) and probe inputs; checkpoint targets keep the user's
weights and draw probe inputs (resets, batch-shape changes, ``done``, an
initial carry), observations scaled up to extreme but finite sizes, and a
carry handed over mid-episode: the rollout continues from it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from rlmodels.parity import ProbeInputs, SequenceInputs, StepInputs, compare
from rlmodels.strategies import near, probe_inputs, weights
from rlmodels_common.carry import entries, from_entries
from rlmodels_common.observations import map_observation

from .targets import Target

__all__ = ["Example", "Models", "OBSERVATION_SCALES", "examples", "load_example", "save_example"]

OBSERVATION_SCALES = (1.0, 1.0, 30.0, 1000.0)
"""Factors a checkpoint's drawn observations are multiplied by (shrinking to 1):
sensors out of their training range, large but finite."""


@dataclass(frozen=True)
class Example:
    """``inputs`` to compare on; ``params``: drawn weights (built-in targets);
    ``carry``: the carry's entries stacked ``(entries, *batch, ...)`` that the
    rollout starts from, handed over mid-episode (checkpoints; None: zeros)."""

    inputs: ProbeInputs
    params: dict[str, np.ndarray] | None = None
    carry: np.ndarray | None = None


def examples(target: Target, initial: dict[str, np.ndarray] | None, carry_shape: tuple[int, ...] | None) -> st.SearchStrategy[Example]:
    """Examples for ``target``: drawn weights around ``initial`` (built in), or
    a scale and a handed-over carry of ``carry_shape`` (checkpoints)."""
    inputs = probe_inputs(target.model_type, target.metadata, layout=target.layout)
    if target.checkpoint is None:
        return st.builds(lambda p, i: Example(i, p), weights(initial), inputs)
    carry = st.none() if carry_shape is None else st.one_of(st.none(), near(np.zeros(carry_shape), 1.0))
    return st.builds(lambda i, s, c: Example(_scaled(i, s), None, c), inputs, st.sampled_from(OBSERVATION_SCALES), carry)


def _scaled(inputs: ProbeInputs, factor: float) -> ProbeInputs:
    if factor == 1.0:
        return inputs
    scale = lambda s: dataclasses.replace(s, observation=map_observation(lambda a: a * factor, s.observation))  # noqa: E731
    sequence = None if inputs.sequence is None else scale(inputs.sequence)
    return dataclasses.replace(inputs, steps=tuple(scale(s) for s in inputs.steps), sequence=sequence)


class Models:
    """The models a worker compares, built once per configuration and dtype."""

    def __init__(self) -> None:
        self._built: dict[tuple[str, str, str | None], Any] = {}

    def initial(self, target: Target) -> dict[str, np.ndarray] | None:
        """The initial weights drawn weights shrink to (None for a checkpoint)."""
        return None if target.checkpoint else self._torch_initial(target).canonical_params()

    def carry_shape(self, target: Target) -> tuple[int, ...] | None:
        """The stacked carry's shape for the rollout's first batch shape (None: feed-forward)."""
        first_batch = target.layout.runs[0][0]
        carry = entries(self._torch_initial(target).initial_carry(first_batch)) if self._recurrent(target) else ()
        return (len(carry), *carry[0].shape) if carry else None

    def exported_model(self, target: Target) -> Any:
        """The torch model an export is written from: the checkpoint's, or the
        configuration's initial one (examples never change either's weights)."""
        return self._torch_initial(target)

    def pair(self, target: Target, example: Example) -> tuple[Any, Any]:
        """``(jax_model, torch_model)`` holding the example's weights and carry."""
        import rlmodels_jax as rj
        import rlmodels_torch as rt

        with _x64(target):
            if target.checkpoint is not None:
                jax_model, torch_model = self._checkpoint(target, target.dtype)
            else:
                key = (target.group, target.dtype, target.direction)
                if key not in self._built:  # models of their own: the initial one stays as it is
                    torch_model = rt.Model.from_metadata(target.model_type, target.metadata, key=0)
                    self._built[key] = (rj.from_torch(torch_model), torch_model)
                jax_model, torch_model = self._built[key]
                # The direction's source takes the drawn weights; the other backend
                # takes the source's canonical parameters, as from_jax / from_torch do
                # (reusing its model saves building one per example).
                source, other = (jax_model, torch_model) if target.direction == "jax->torch" else (torch_model, jax_model)
                source.load_canonical_params(example.params)
                other.load_canonical_params(source.canonical_params())
            for model in (jax_model, torch_model):
                if example.carry is not None:
                    model.carry = from_entries(tuple(example.carry))
                elif self._recurrent(target):
                    model.reset(target.layout.runs[0][0] + (target.metadata["observation_space_size"],), None)
        return jax_model, torch_model

    def _recurrent(self, target: Target) -> bool:
        """The model has a carry (its own answer: feed-forward models start from None)."""
        return self._torch_initial(target).initial_carry(()) is not None

    def _torch_initial(self, target: Target) -> Any:
        import rlmodels_torch as rt

        key = (target.group, target.dtype, "initial")
        if key not in self._built:
            if target.checkpoint is not None:
                self._built[key] = self._checkpoint(target)[1]
            else:
                self._built[key] = rt.Model.from_metadata(target.model_type, target.metadata, key=0)
        return self._built[key]

    def _checkpoint(self, target: Target, dtype: str | None = None) -> tuple[Any, Any]:
        """The checkpoint's ``(jax_model, torch_model)`` in ``dtype`` (None: as
        stored), converted once: a comparison in another dtype would otherwise
        cast both models' parameters on every run."""
        import rlmodels_jax as rj
        import rlmodels_torch as rt

        stored = target.metadata.get("dtype", "float32")
        key = (target.group, "checkpoint", dtype or stored)
        if key not in self._built:
            with _x64(target, stored):
                if key[2] == stored:
                    self._built[key] = (rj.load(target.checkpoint), rt.load(target.checkpoint))
                else:
                    jax_model, torch_model = self._checkpoint(target)
                    self._built[key] = (rj.with_dtype(jax_model, dtype), rt.with_dtype(torch_model, dtype))
        return self._built[key]


def run(target: Target, models: Models, example: Example) -> Any:
    """The parity report of ``example`` (``rlmodels.parity.compare``)."""
    jax_model, torch_model = models.pair(target, example)
    with _x64(target):
        return compare(jax_model, torch_model, example.inputs, dtype=target.dtype)


def _x64(target: Target, dtype: str | None = None) -> contextlib.AbstractContextManager:
    import jax

    return jax.enable_x64(True) if "float64" in (dtype or target.dtype, target.dtype) else contextlib.nullcontext()


# -- files: a failing example, or the one a crashed worker was running ---------


def save_example(path: Path, target: Target, example: Example, note: str = "") -> Path:
    """Write ``example`` and its target to ``path``: an ``.npz`` of a JSON header
    and one byte buffer holding every array (one write, no pickles; a worker
    writes the example it is about to run before every comparison)."""
    arrays: dict[str, np.ndarray] = {}
    for i, step in enumerate(example.inputs.steps):
        arrays |= {f"step/{i}/{k}": v for k, v in dataclasses.asdict(step).items() if v is not None}
    if example.inputs.sequence is not None:
        arrays |= {f"sequence/{k}": v for k, v in dataclasses.asdict(example.inputs.sequence).items() if v is not None}
    arrays |= {f"param/{k}": v for k, v in (example.params or {}).items()}
    if example.carry is not None:
        arrays["carry"] = example.carry
    index, chunks, offset = {}, [], 0
    for name, a in arrays.items():
        a = np.ascontiguousarray(a)
        index[name] = [a.dtype.str, list(a.shape), offset]
        chunks.append(a.tobytes())
        offset += a.nbytes
    header = {"target": target.as_json(), "steps": len(example.inputs.steps), "gradient_step": example.inputs.gradient_step,
              "note": note, "arrays": index}  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial.npz")
    np.savez(partial, header=np.array(json.dumps(header)), data=np.frombuffer(b"".join(chunks), np.uint8))
    partial.replace(path)  # whole or absent: a worker may die while writing
    return path


def load_example(path: str | Path) -> tuple[Target, Example, str]:
    """``(target, example, note)`` from a file :func:`save_example` wrote."""
    with np.load(path, allow_pickle=False) as data:
        header, blob = json.loads(str(data["header"])), data["data"].tobytes()
    arrays = {
        name: np.frombuffer(blob, np.dtype(dtype), int(np.prod(shape)), offset).reshape(shape).copy()
        for name, (dtype, shape, offset) in header["arrays"].items()
    }

    def fields(prefix: str) -> dict[str, np.ndarray]:
        return {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}

    steps = tuple(StepInputs(**fields(f"step/{i}/")) for i in range(header["steps"]))
    seq = fields("sequence/")
    inputs = ProbeInputs(steps, SequenceInputs(**seq) if seq else None, header["gradient_step"])
    params = fields("param/") or None
    return Target.from_json(header["target"]), Example(inputs, params, arrays.get("carry")), header.get("note", "")
