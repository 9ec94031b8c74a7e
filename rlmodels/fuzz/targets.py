"""What a campaign fuzzes: targets, each one compiled program's worth of work.

A :class:`Target` fixes everything that makes the JAX side compile (the model
configuration, the comparison's dtype and the input layout); hypothesis then
draws only weights and inputs, so every example after a target's first reuses
its compiled probe. Targets on one configuration (both dtypes, both
conversion directions) form a group that one worker runs, so the float32
comparison's float64 truth is the float64 target's own program.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from rlmodels.strategies import MODEL_TYPES, Layout, random_configs

__all__ = ["Target", "builtin_targets", "checkpoint_targets", "kind_of", "layout_for"]

DIRECTIONS = ("jax->torch", "torch->jax")
ROLLOUT_BATCHES = ((4,), (2, 3), (), (4,))
"""The batch shapes a campaign's rollouts walk through (a recurrent model
re-allocates its carry at each change), as ``make_inputs`` does."""


@dataclass(frozen=True)
class Target:
    """One configuration compared in one dtype on one input layout.

    ``direction``: which backend holds the drawn weights (``"jax->torch"``:
    the JAX model, converted to torch), None for a checkpoint's own weights.
    ``checkpoint``: the directory the weights come from (None: built in).
    """

    model_type: str
    metadata_json: str
    dtype: str
    layout: Layout
    direction: str | None = None
    checkpoint: str | None = None

    @property
    def metadata(self) -> dict[str, Any]:
        return json.loads(self.metadata_json)

    @property
    def kind(self) -> str:
        return kind_of(self.model_type)

    @property
    def group(self) -> str:
        """Targets of one group share compiled programs (the same configuration)."""
        meta = {k: v for k, v in self.metadata.items() if k != "dtype"}
        return _digest(self.model_type, meta, self.checkpoint)

    @property
    def key(self) -> str:
        """Stable across campaigns: the hypothesis database key of the target's examples."""
        return _digest(self.model_type, self.metadata, self.dtype, repr(self.layout), self.direction, self.checkpoint)

    def label(self) -> str:
        """``LSTMActorCritic float32 jax->torch (Box, tanh, 4 -> 5)``."""
        meta = self.metadata
        space = "discrete" if meta.get("discrete") else (meta.get("action_space") or {"type": "Free"})["type"]
        how = self.direction or f"checkpoint {self.checkpoint}"
        return f"{self.model_type} {self.dtype} {how} ({space}, {meta.get('activation')})"

    def as_json(self) -> dict[str, Any]:
        return {
            "model_type": self.model_type, "metadata": self.metadata, "dtype": self.dtype,
            "layout": {"runs": self.layout.runs, "sequence": self.layout.sequence, "feed_forward": self.layout.feed_forward},
            "direction": self.direction, "checkpoint": self.checkpoint,
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Target":
        lay = data["layout"]
        layout = Layout(
            runs=tuple((tuple(b), int(n)) for b, n in lay["runs"]),
            sequence=(int(lay["sequence"][0]), tuple(lay["sequence"][1])),
            feed_forward=tuple(tuple(b) for b in lay["feed_forward"]),
        )
        return cls(data["model_type"], json.dumps(data["metadata"], sort_keys=True), data["dtype"], layout,
                   data["direction"], data["checkpoint"])  # fmt: skip


def kind_of(model_type: str) -> str:
    """The model kind a summary counts under: ``MLP``, ``LSTM``, ``MinGRU`` (else the type)."""
    return {"SharedActorCritic": "MLP", "ActorCritic": "MLP", "LSTMActorCritic": "LSTM", "MinGRUActorCritic": "MinGRU"}.get(
        model_type, model_type
    )


def layout_for(bucket: int, steps: int) -> Layout:
    """Input-layout bucket ``bucket`` with ``steps`` rollout steps (split over
    the batch shapes of :data:`ROLLOUT_BATCHES`): bucket 0 walks them in order
    with a 1-D sequence batch, bucket 1 in reverse with a 2-D one."""
    order = ROLLOUT_BATCHES if bucket % 2 == 0 else ROLLOUT_BATCHES[::-1]
    per_run = max(1, steps // len(order))
    sequence = (8, (3,)) if bucket % 2 == 0 else (5, (2, 2))
    feed_forward = ((3,), (), (2, 3)) if bucket % 2 == 0 else ((2, 3), (3,), ())
    return Layout(tuple((b, per_run) for b in order), sequence, feed_forward)


def builtin_targets(seed: int, configs_per_type: int = 1, steps: int = 24) -> list[Target]:
    """Targets over the built-in models: ``configs_per_type`` configurations of
    each model type drawn from ``seed`` (sizes, activation, action space,
    sigma head, cell type), each in float32 and float64 and both conversion
    directions."""
    targets = []
    for index, model_type in enumerate(MODEL_TYPES):
        for number, (_, meta, _) in enumerate(random_configs(configs_per_type, seed=seed * 7919 + index, model_types=[model_type])):
            layout = layout_for(number, steps)
            for dtype in ("float32", "float64"):
                meta_json = json.dumps({**meta, "dtype": dtype}, sort_keys=True)
                targets += [Target(model_type, meta_json, dtype, layout, direction) for direction in DIRECTIONS]
    return targets


def checkpoint_targets(path: str, model_type: str, metadata: dict[str, Any], buckets: int = 2, steps: int = 24) -> list[Target]:
    """Targets over a checkpoint's own weights: in its dtype, and in float64
    too when it is float32 (the same weights; float64 shows the maths alone),
    on ``buckets`` input layouts."""
    stored = metadata.get("dtype", "float32")
    dtypes = (stored,) if stored == "float64" else (stored, "float64")
    meta_json = json.dumps(metadata, sort_keys=True)
    return [
        Target(model_type, meta_json, dtype, layout_for(bucket, steps), None, str(path))
        for bucket in range(buckets)
        for dtype in dtypes
    ]


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]
