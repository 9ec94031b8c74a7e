"""A recurrent actor-critic: MLP encoder, one LSTM layer, linear heads."""

from __future__ import annotations

import math
from typing import Any, Iterator, Mapping

import numpy as np
import torch
from torch import nn
from torch.utils.checkpoint import checkpoint

from rlmodels_common.carry import check_pair, reset_mask_shape
from rlmodels_common.initialization import ACTOR_SCALE, CRITIC_SCALE, IN_SCALE, positive_int
from rlmodels_common.metadata import CELL_TYPES

from ..action_spaces import ActionSpace
from ..activations import Activation
from ..dtypes import TORCH_DTYPES
from .model import Model, Policy, Sequential, as_generator, linear, pick, usable

Carry = tuple[torch.Tensor, torch.Tensor]

GATES = ("i", "f", "g", "o")
"""Gate order along the 4H axis, the same in Flax and torch."""

STEP_CELL_ROWS = 64
"""Up to this many rows a single step runs ``torch.lstm_cell``, above it the
fused kernel: where the two cost the same on CPU (``benchmarks/``)."""

_TRUNCATED_STD = math.sqrt(
    1 - 4 * math.exp(-2) / math.sqrt(2 * math.pi) / math.erf(math.sqrt(2))
)
"""Standard deviation of a unit normal truncated to [-2, 2]; Flax's lecun_normal
divides by it so the truncated kernel keeps variance 1 / fan_in."""


class FusedLSTM(nn.Module):
    """One LSTM layer holding the Flax cell's weights, in ``nn.LSTMCell``'s layout.

    ``weight_ih`` ``(4H, in)`` and ``weight_hh`` ``(4H, H)`` are the transposed
    Flax kernels, gate order i, f, g, o; ``bias_hh`` holds the Flax bias and
    ``bias_ih`` is zero and frozen, so one bias trains, as in JAX.
    :meth:`sequence` and :meth:`step` run the fused kernel ``nn.LSTM`` runs
    (``torch.lstm``; traceable, compilable, exportable to ONNX). Not an
    ``nn.LSTM`` subclass: ``torch.compile`` refuses to trace through those.
    """

    def __init__(self, in_features: int, hidden_features: int, cell_type: str, key: torch.Generator, dtype: str):
        super().__init__()
        self.cell_type = cell_type
        self.input_size, self.hidden_size = in_features, hidden_features
        H, kind = hidden_features, TORCH_DTYPES[dtype]
        self.weight_ih = nn.Parameter(torch.empty(4 * H, in_features, dtype=kind))
        self.weight_hh = nn.Parameter(torch.empty(4 * H, H, dtype=kind))
        self.bias_ih = nn.Parameter(torch.zeros(4 * H, dtype=kind), requires_grad=False)
        self.bias_hh = nn.Parameter(torch.zeros(4 * H, dtype=kind))
        with torch.no_grad():
            std = math.sqrt(1.0 / in_features) / _TRUNCATED_STD
            nn.init.trunc_normal_(self.weight_ih, 0.0, std, -2 * std, 2 * std, generator=key)
            if cell_type == "OptimizedLSTMCell":  # one orthogonal (H, 4H) recurrent kernel
                nn.init.orthogonal_(self.weight_hh, generator=key)
            else:  # one orthogonal (H, H) kernel per gate
                for k in range(4):
                    nn.init.orthogonal_(self.weight_hh[k * H : (k + 1) * H], generator=key)

    def step(self, x: torch.Tensor, carry: Carry) -> Carry:
        """One step: ``x`` ``(..., in)``, ``carry`` ``(c, h)`` each ``(..., H)``; returns the new carry.

        Up to ``STEP_CELL_ROWS`` rows, ``torch.lstm_cell`` (``nn.LSTMCell``'s op):
        at batch 1 it takes a quarter of the time of a one-step pass of the fused
        kernel. Beyond, that pass (the kernel sequence mode uses) is the faster.
        Compiled or exported graphs take the cell, so no branch on a dynamic batch.
        """
        c, h = carry
        if x.ndim != 2:  # the cell steps rows, (B, in)
            batch = x.shape[:-1]
            c, h = self.step(x.reshape(-1, x.shape[-1]), (c.reshape(-1, self.hidden_size), h.reshape(-1, self.hidden_size)))
            return c.reshape(*batch, self.hidden_size), h.reshape(*batch, self.hidden_size)
        if not torch.compiler.is_compiling() and x.shape[0] > STEP_CELL_ROWS:
            return self._fused(x[None], carry)[1]
        h, c = torch.lstm_cell(x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return c, h

    def sequence(self, x: torch.Tensor, carry: Carry) -> tuple[torch.Tensor, Carry]:
        """Fused pass over time-major ``x`` ``(T, B..., in)`` from ``carry``; returns
        the outputs ``(T, B..., H)`` and the final carry."""
        return self._fused(x, carry)

    def _fused(self, x: torch.Tensor, carry: Carry) -> tuple[torch.Tensor, Carry]:
        """``torch.lstm`` over ``x`` ``(T, B..., in)``: outputs ``(T, B..., H)`` and the final carry."""
        T, batch = x.shape[0], x.shape[1:-1]
        n = math.prod(batch)
        c, h = (a.reshape(1, n, self.hidden_size) for a in carry)
        weights = [self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh]
        y, h, c = torch.lstm(x.reshape(T, n, x.shape[-1]), (h, c), weights, True, 1, 0.0, self.training, False, False)
        return y.reshape(T, *batch, self.hidden_size), (c.reshape(*batch, self.hidden_size), h.reshape(*batch, self.hidden_size))

    def canonical_tensors(self, prefix: str, grads: bool = False) -> Iterator[tuple[str, torch.Tensor]]:
        """Parameters (or their gradients) in the Flax cell's layout and names."""
        w_ih, w_hh = pick(self.weight_ih, grads), pick(self.weight_hh, grads)
        # Flax's one bias is the sum of torch's two; bias_ih stays zero unless the
        # weights came from elsewhere, and skipping the sum then keeps it bit-exact.
        bias = pick(self.bias_hh, grads)
        if not grads and bool(self.bias_ih.any()):
            bias = self.bias_ih + bias
        if self.cell_type == "OptimizedLSTMCell":
            yield f"{prefix}.dense_i.kernel", w_ih.T
            yield f"{prefix}.dense_h.kernel", w_hh.T
            yield f"{prefix}.dense_h.bias", bias
            return
        for gate, w_i, w_h, b in zip(GATES, w_ih.chunk(4), w_hh.chunk(4), bias.chunk(4)):
            yield f"{prefix}.{_input_gate(gate)}.kernel", w_i.T
            yield f"{prefix}.h{gate}.kernel", w_h.T
            yield f"{prefix}.h{gate}.bias", b

    def load_canonical(self, prefix: str, tensors: Mapping[str, torch.Tensor]) -> None:
        if self.cell_type == "OptimizedLSTMCell":
            w_i = tensors[f"{prefix}.dense_i.kernel"].T
            w_h = tensors[f"{prefix}.dense_h.kernel"].T
            bias = tensors[f"{prefix}.dense_h.bias"]
        else:
            w_i = torch.cat([tensors[f"{prefix}.{_input_gate(g)}.kernel"].T for g in GATES])
            w_h = torch.cat([tensors[f"{prefix}.h{g}.kernel"].T for g in GATES])
            bias = torch.cat([tensors[f"{prefix}.h{g}.bias"] for g in GATES])
        self.weight_ih.copy_(w_i)
        self.weight_hh.copy_(w_h)
        self.bias_hh.copy_(bias)
        self.bias_ih.zero_()


def _input_gate(gate: str) -> str:
    # Flax's LSTMCell names the input forget-gate kernel `if_` (`if` is a keyword).
    return "if_" if gate == "f" else f"i{gate}"


@Model.register("LSTMActorCritic")
class LSTMActorCritic(Model):
    """Encoder ``Linear(obs_dim, hidden_features) + activation``, an LSTM with
    ``lstm_features`` units, and linear policy and value heads on its output.

    Calling modes (as ``rlmodels_jax.LSTMActorCritic``; docs/recurrent.md):

    - ``model(x)``: one step. ``x`` is ``(*batch, obs_dim)``; the persistent
      carry ``model.carry``, ``(c, h)`` each ``(*batch, lstm_features)``, is
      used and updated. It lives in non-persistent buffers (moved by ``.to()``,
      never in ``state_dict`` or checkpoints). When ``batch`` differs from the
      carry's, the carry is re-allocated as zeros first.
    - ``model.step(x, carry)``: one step from an explicit ``carry`` (None: zeros),
      returning ``(pi, value, new_carry)``; the persistent carry is not touched.
    - ``model(x, sequence=True, initial_carry=None, done=None)``: ``x`` is
      time-major ``(T, *batch, obs_dim)``; returns outputs for every step. The
      carry starts at ``initial_carry`` (``(c, h)``, each ``(*batch, lstm_features)``)
      or zeros; where ``done[t]`` (``(T, *batch)`` bool) is True it is zeroed
      *after* step ``t``. Without ``done`` the fused ``nn.LSTM`` kernel runs;
      with it, the cell is stepped with masked zeroing. The persistent carry is
      not touched.

    ``return_carry=True`` adds the carry after the last step (after its
    ``done`` zeroing) as a third output, ``(pi, value, carry)``, in either mode.
    Stepping from ``model.carry = initial_carry`` with ``model.reset(mask=done[t])``
    after each step gives sequence mode's outputs and final carry.
    ``model.initial_carry(batch)`` is the zero carry a fresh episode starts from.

    ``cell_type`` (``"OptimizedLSTMCell"`` or ``"LSTMCell"``) only names the
    Flax parameter layout the checkpoint uses and the recurrent initialisation;
    the math is the same. ``remat=True`` recomputes the recurrence in the
    backward pass (``torch.utils.checkpoint``) to save memory. ``device`` places
    the parameters and the carry (as ``.to(device)`` after construction).
    """

    def __init__(
        self,
        observation_space_size: int,
        action_space_size: int,
        key: int | torch.Generator,
        *,
        hidden_features: int = 64,
        lstm_features: int = 128,
        activation: str | Activation = "gelu",
        action_space: ActionSpace | None = None,
        cell_type: str = "OptimizedLSTMCell",
        remat: bool = False,
        actor_sigma_head: bool = False,
        carry_leading_shape: tuple[int, ...] = (),
        discrete: bool = False,
        dtype: Any = "float32",
        device: torch.device | str | None = None,
    ) -> None:
        self._init_common(
            observation_space_size, action_space_size, activation, action_space,
            actor_sigma_head, discrete, dtype,
        )  # fmt: skip
        key = as_generator(key)
        self.hidden_features = positive_int("hidden_features", hidden_features)
        self.lstm_features = positive_int("lstm_features", lstm_features)
        if cell_type not in CELL_TYPES:
            raise ValueError(f"expected cell_type in {list(CELL_TYPES)}, got {cell_type!r}")
        self.cell_type = cell_type
        self.remat = bool(remat)
        self.carry_leading_shape = tuple(
            positive_int("every carry_leading_shape entry", n) for n in carry_leading_shape
        )
        self.encoder = Sequential(linear(self.obs_dim, self.hidden_features, IN_SCALE, key, self.dtype), self.activation)
        self.cell = FusedLSTM(self.hidden_features, self.lstm_features, self.cell_type, key, self.dtype)
        self._init_heads(self.lstm_features, ACTOR_SCALE, key)
        self.critic = linear(self.lstm_features, 1, CRITIC_SCALE, key, self.dtype)
        zeros = torch.zeros((*self.carry_leading_shape, self.lstm_features), dtype=TORCH_DTYPES[self.dtype])
        self.register_buffer("c", zeros, persistent=False)
        self.register_buffer("h", zeros.clone(), persistent=False)
        if device is not None:  # drawn on the CPU, where the generator is, then moved
            self.to(device)

    @property
    def carry(self) -> Carry:
        """The persistent carry ``(c, h)``, each ``(*batch, lstm_features)``, that
        ``model(x)`` continues from. Assign a pair (any batch shape, floating
        dtype) to continue from it; it is checked and cast to the model's dtype
        and device."""
        return self.c, self.h

    @carry.setter
    def carry(self, value: Carry) -> None:
        self.c, self.h = self._checked_carry(value, None, "carry")

    def initial_carry(self, batch_shape: tuple[int, ...] = ()) -> Carry:
        """The carry a fresh episode starts from: zeros ``(c, h)``, each
        ``(*batch_shape, lstm_features)``, of the model's dtype and device."""
        zeros = self.h.new_zeros((*batch_shape, self.lstm_features))
        return zeros, zeros.clone()

    def reset(self, shape: tuple[int, ...] | None = None, mask: torch.Tensor | np.ndarray | None = None) -> None:
        """Zero the persistent carry: all of it, or the entries whose ``mask`` flag is True.

        ``mask`` (bool) has the carry's batch shape (``done[t]``, so stepping with
        ``reset(mask=done[t])`` after each step is sequence mode with ``done``) or
        ``(batch[0],)``, one flag per environment along axis 0; an unbatched
        carry takes a single flag ``()``. ``shape`` (optional) is the shape of
        the coming observations, ``(*batch, obs_dim)``: if the carry is not
        ``(*batch, lstm_features)``, it becomes zeros of that shape (``mask``
        unused).
        """
        if shape is not None:
            target = (*tuple(shape)[:-1], self.lstm_features)
            if tuple(self.h.shape) != target:
                self.c = self.h.new_zeros(target)
                self.h = self.h.new_zeros(target)
                return
        if mask is None:
            self.c = torch.zeros_like(self.c)
            self.h = torch.zeros_like(self.h)
            return
        mask = torch.as_tensor(mask, device=self.h.device)
        keep = ~mask.to(torch.bool).reshape(reset_mask_shape(tuple(self.h.shape[:-1]), tuple(mask.shape)))
        self.c = torch.where(keep, self.c, 0.0)
        self.h = torch.where(keep, self.h, 0.0)

    def forward(
        self,
        x: torch.Tensor | np.ndarray,
        sequence: bool = False,
        *,
        initial_carry: Carry | None = None,
        done: torch.Tensor | np.ndarray | None = None,
        return_carry: bool = False,
    ) -> tuple[Policy, torch.Tensor] | tuple[Policy, torch.Tensor, Carry]:
        x = self._observation(x)
        if sequence:
            y, carry = self._sequence(x, initial_carry, done)
        else:
            if initial_carry is not None or done is not None:
                raise ValueError("initial_carry and done apply to sequence mode; pass sequence=True")
            if self.h.shape[:-1] != x.shape[:-1]:
                self.reset(x.shape)
            c, y = self.cell.step(self.encoder(x), usable(self.carry))
            # Straight into the buffer dict: Module.__setattr__'s checks cost ~6 us
            # a step at batch 1, where the whole act step is ~230 us (benchmarks/).
            self._buffers["c"], self._buffers["h"] = carry = c, y
        pi, value = self._policy(y), self.critic(y)
        return (pi, value, carry) if return_carry else (pi, value)

    def step(self, x: torch.Tensor | np.ndarray, carry: Carry | None) -> tuple[Policy, torch.Tensor, Carry]:
        """One step from an explicit ``carry`` ``(c, h)``, each ``(*batch, lstm_features)``
        for ``x`` ``(*batch, obs_dim)`` (None: zeros, a fresh episode); returns
        ``(pi, value, new_carry)`` and leaves the persistent carry alone."""
        x = self._observation(x)
        batch = tuple(x.shape[:-1])
        carry = self.initial_carry(batch) if carry is None else self._checked_carry(carry, batch, "carry")
        carry = self.cell.step(self.encoder(x), usable(carry))
        return self._policy(carry[1]), self.critic(carry[1]), carry

    def _checked_carry(self, carry: Any, batch: tuple[int, ...] | None, what: str) -> Carry:
        """``carry`` as a ``(c, h)`` pair of the model's dtype and device, each
        ``(*batch, lstm_features)`` (any common ``batch`` if None); ValueError otherwise."""
        check_pair(carry, batch, self.lstm_features, what)
        c, h = (a if isinstance(a, torch.Tensor) else torch.as_tensor(np.array(a)) for a in carry)  # a copy: JAX buffers are read-only
        if not (c.is_floating_point() and h.is_floating_point()):
            raise ValueError(f"expected {what} (c, h) of a floating dtype, got {c.dtype} and {h.dtype}")
        like = self.actor_mu.weight
        return c.to(dtype=like.dtype, device=like.device), h.to(dtype=like.dtype, device=like.device)

    def _sequence(self, x: torch.Tensor, initial_carry: Carry | None, done: Any) -> tuple[torch.Tensor, Carry]:
        """Outputs ``(T, *batch, lstm_features)`` and the final carry."""
        if x.ndim < 2:
            raise ValueError(f"sequence mode expects time-major (T, B..., {self.obs_dim}), got {tuple(x.shape)}")
        batch = tuple(x.shape[1:-1])
        if initial_carry is None:
            carry = self.initial_carry(batch)
        else:
            carry = usable(self._checked_carry(initial_carry, batch, "initial_carry"))
        features = self.encoder(x)
        if x.shape[0] == 0:  # torch.lstm refuses T = 0; JAX's scan returns the empty outputs
            return features.new_zeros((*x.shape[:-1], self.lstm_features)), carry
        if done is None:
            return self._maybe_remat(self.cell.sequence, features, carry)
        done = torch.as_tensor(done, device=x.device)
        if tuple(done.shape) != tuple(x.shape[:-1]):
            raise ValueError(f"expected done shape {tuple(x.shape[:-1])} (T, B...), got {tuple(done.shape)}")
        # Steps over the batch flattened to rows (as the fused kernel sees it), and
        # zeroes the rows that end with index_fill: exact where the carry is NaN or
        # inf (a multiply by (1 - done), as hand-written loops do, would leak it into
        # the next episode, which JAX and reset() do not), ~4x cheaper than
        # torch.where on CPU, and nothing at all for steps where no row ends.
        T, rows = x.shape[0], math.prod(batch)
        steps, ended = torch.nonzero(done.reshape(T, rows), as_tuple=True)
        counts = torch.bincount(steps, minlength=T).tolist()
        features = features.reshape(T, rows, features.shape[-1])
        carry = tuple(a.reshape(rows, self.lstm_features) for a in carry)
        ys = []
        for t, resets in enumerate(torch.split(ended, counts)):
            carry = self._maybe_remat(self.cell.step, features[t], carry)
            ys.append(carry[1])
            if counts[t]:
                carry = (carry[0].index_fill(0, resets, 0.0), carry[1].index_fill(0, resets, 0.0))
        final = (carry[0].reshape(*batch, self.lstm_features), carry[1].reshape(*batch, self.lstm_features))
        return torch.stack(ys).reshape(*x.shape[:-1], self.lstm_features), final

    def _maybe_remat(self, fn: Any, *args: Any) -> Any:
        if self.remat and torch.is_grad_enabled():
            return checkpoint(fn, *args, use_reentrant=False)
        return fn(*args)

    def _canonical_tensors(self, grads: bool = False) -> Iterator[tuple[str, torch.Tensor]]:
        yield from super()._canonical_tensors(grads)
        yield from self.cell.canonical_tensors("cell", grads)

    def _load_canonical(self, tensors: Mapping[str, torch.Tensor]) -> None:
        super()._load_canonical(tensors)
        self.cell.load_canonical("cell", tensors)

    @property
    def metadata(self) -> dict[str, Any]:
        return {
            **self._common_metadata(),
            "hidden_features": self.hidden_features,
            "lstm_features": self.lstm_features,
            "cell_type": self.cell_type,
            "remat": self.remat,
            "carry_leading_shape": list(self.carry_leading_shape),
        }
