"""The module that is exported: one step of a model with the inputs and outputs of
a :class:`~rlmodels.export.signature.Signature`, computing only what the outputs
need.

The step is the model's own public ``model.step(observation, carry)``; what the
file returns is read off it without building the policy distribution's outputs
the deterministic action does not need (in a traced graph each of those is an op
that runs every call):

- the Gaussian mean (or the logits) is the output of the model's mean head,
  ``actor_mu`` (``fused_head[..., :A]`` for the MinGRU), read with a forward
  hook, or the model's recorded ``mean_clip`` of it (``mean_clip_scale``);
- the deterministic action maps it through the action space: ``Box`` as
  ``center + half * tanh(mean)`` (its ``x / width`` is an exact no-op at width
  1 and is left out), others through ``model.bij``; discrete: ``argmax(mean)``,
  the argmax of the normalised logits;
- the value and the new carry are ``model.step``'s.
"""

from __future__ import annotations

from typing import Any

import torch

from rlmodels_common.carry import entries, from_entries
from rlmodels_common.intermediates import recording

from ..manifest import carry_shapes
from .signature import Signature
from .signature import observation as observation_of

__all__ = ["Deployed", "deployed", "nonfinite_flags"]

MEAN_HEADS = {"MinGRUActorCritic": "fused_head"}
"""The submodule whose output starts with the mean or logits, by model type
(``actor_mu`` for every other); a head with more outputs than actions (the
MinGRU's fused head) ends with the value."""


class Deployed(torch.nn.Module):
    """``outputs = policy(*inputs)`` in the order of ``sig``, for ``model`` in eval mode."""

    def __init__(self, model: Any, sig: Signature) -> None:
        super().__init__()
        self.model = model
        self.sig = sig
        self.carry_shapes = carry_shapes(model)
        self.head_name = MEAN_HEADS.get(model.type_name, "actor_mu")  # a name: the head stays the model's child only
        self.action_size = model.metadata["action_space_size"]
        self.fused = getattr(model, self.head_name).out_features != self.action_size
        box = _box_constants(model)
        self.register_buffer("box_center", None if box is None else box[0], persistent=False)
        self.register_buffer("box_half", None if box is None else box[1], persistent=False)

    def forward(self, *inputs: torch.Tensor) -> tuple[torch.Tensor, ...]:
        observation = observation_of(self.sig, inputs)
        carry = from_entries(self._carry_in(inputs)) if self.carry_shapes else None
        heads: list[torch.Tensor] = []

        def keep(module: torch.nn.Module, args: Any, out: torch.Tensor) -> torch.Tensor:
            # The model goes on with a view, so the tensor kept is not the one its
            # distribution broadcasts: torch.jit.trace, which tracks tensors by
            # identity, would otherwise route the action through broadcast_tensors
            # (a same-shape broadcast returns its input) and keep the dead
            # distribution ops alive.
            heads.append(out)
            return out.view_as(out)

        with getattr(self.model, self.head_name).register_forward_hook(keep), recording() as found:
            pi, value, carry = self.model.step(observation, carry)
        mean = heads[-1][..., : self.action_size] if self.fused else heads[-1]
        mean = found.get("mean_clip", mean)  # the model's own clip of the head's output (mean_clip_scale)
        if self.fused:  # the fused head's last output is the value: read it off the kept tensor too
            value = heads[-1][..., self.action_size :]
        new = dict(zip(self.carry_shapes, entries(carry)))
        out: list[torch.Tensor] = []
        for port in self.sig.outputs:
            if port.role == "action":
                out.append(self._action(mean))
            elif port.role == "value":
                out.append(value)
            elif port.role in ("mean", "std"):
                normal = pi.base_dist.base_dist
                out.append(normal.loc if port.role == "mean" else normal.scale)
            elif port.role == "logits":
                out.append(pi.logits)
            elif port.role == "carry":
                out.append(self._layout(port.carry, new[port.carry], inward=False))
            else:  # nonfinite
                out.append(nonfinite_flags(observation))
        return tuple(out)

    def _carry_in(self, inputs: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
        """The carry entries in the model's order and ``(B, ...)`` layout, zeroed
        where ``reset`` is set (``where``, not a multiply: a NaN left in a finished
        episode's carry must not survive the reset)."""
        ports = self.sig.inputs
        given = {p.carry: a for p, a in zip(ports, inputs) if p.role == "carry"}
        reset = next((a for p, a in zip(ports, inputs) if p.role == "reset"), None)
        out = []
        for name in self.carry_shapes:
            a = self._layout(name, given[name], inward=True)
            if reset is not None:
                a = torch.where(reset.reshape(-1, *(1,) * (a.ndim - 1)), torch.zeros_like(a), a)
            out.append(a)
        return tuple(out)

    def _layout(self, name: str, a: torch.Tensor, inward: bool) -> torch.Tensor:
        """Carry entry ``name`` between the model's ``(B, ...)`` and the contract's
        layout: Isaac Lab's ``(num_layers, B, H)`` (an LSTM entry ``(B, H)`` has one layer)."""
        if not self.sig.layer_major:
            return a
        if len(self.carry_shapes[name]) == 1:
            return a[0] if inward else a.unsqueeze(0)
        return a.transpose(0, 1)

    def _action(self, mean: torch.Tensor) -> torch.Tensor:
        if self.model.discrete:
            return torch.argmax(mean, dim=-1)
        if self.box_center is not None:
            return self.box_center + self.box_half * torch.tanh(mean)
        return self.model.bij(mean)


def nonfinite_flags(observation: torch.Tensor | dict[str, torch.Tensor]) -> torch.Tensor:
    """``(B,)`` True where an environment's observation (any key's, with dict
    observations) holds a NaN or an infinity."""
    arrays = list(observation.values()) if isinstance(observation, dict) else [observation]
    flags = [~torch.isfinite(a).all(dim=-1) for a in arrays]
    for more in flags[1:]:
        flags[0] = flags[0] | more
    return flags[0]


def _box_constants(model: Any) -> tuple[torch.Tensor, torch.Tensor] | None:
    """A width-1 ``Box``'s ``(center, half)`` as the model's action space builds
    them (its public ``constants``), else None."""
    space = getattr(model, "action_space", None)
    if model.discrete or space is None or space.type_name != "Box" or space.kwargs["width"] != 1.0:
        return None
    k = space.constants(next(model.parameters()))
    return k["center"].clone(), k["half"].clone()


def deployed(model: Any, sig: Signature) -> Deployed:
    """``model`` wrapped for export under ``sig``, in eval mode."""
    return Deployed(model, sig).eval()
