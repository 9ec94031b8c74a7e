"""A recurrent actor-critic: MLP encoder, one LSTM layer, linear heads."""

from __future__ import annotations

import math
from typing import Any, Iterator, Mapping

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from rlmodels_common.configs import LSTMActorCriticConfig
from rlmodels_common.initialization import ACTOR_SCALE, CRITIC_SCALE
from rlmodels_common.intermediates import is_recording, record

from ..dtypes import TORCH_DTYPES
from .layers import CanonicalLayout, linear, pick
from .model import Model, Policy
from .recurrent import Recurrent

Carry = tuple[torch.Tensor, torch.Tensor]

GATES = ("i", "f", "g", "o")
"""Gate order along the 4H axis, the same in Flax and torch."""

STEP_CELL_ROWS = 64
"""Up to this many rows a single step runs ``torch.lstm_cell``, above it the
fused kernel: where the two cost the same on CPU (``benchmarks/``)."""

_TRUNCATED_STD = math.sqrt(1 - 4 * math.exp(-2) / math.sqrt(2 * math.pi) / math.erf(math.sqrt(2)))
"""Standard deviation of a unit normal truncated to [-2, 2]; Flax's lecun_normal
divides by it so the truncated kernel keeps variance 1 / fan_in."""


class FusedLSTM(CanonicalLayout):
    """One LSTM layer holding the Flax cell's weights, in ``nn.LSTMCell``'s layout.

    ``weight_ih`` ``(4H, in)`` and ``weight_hh`` ``(4H, H)`` are the transposed
    Flax kernels, gate order i, f, g, o; ``bias_hh`` holds the Flax bias and
    ``bias_ih`` is zero and frozen, so one bias trains, as in JAX.
    :meth:`sequence` and :meth:`step` run the kernels ``nn.LSTM`` and
    ``nn.LSTMCell`` run (traceable, compilable, exportable to ONNX). Not an
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
            return self.sequence(x[None], carry)[1]
        h, c = torch.lstm_cell(x, (h, c), w_ih=self.weight_ih, w_hh=self.weight_hh, b_ih=self.bias_ih, b_hh=self.bias_hh)
        return c, h

    def sequence(self, x: torch.Tensor, carry: Carry) -> tuple[torch.Tensor, Carry]:
        """The fused kernel over time-major ``x`` ``(T, B..., in)`` from ``carry``:
        the outputs ``(T, B..., H)`` and the final carry."""
        T, batch = x.shape[0], x.shape[1:-1]
        n = math.prod(batch)
        c, h = (a.reshape(1, n, self.hidden_size) for a in carry)
        y, h, c = torch.lstm(
            x.reshape(T, n, x.shape[-1]), (h, c), [self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh],
            has_biases=True, num_layers=1, dropout=0.0, train=self.training, bidirectional=False, batch_first=False,
        )  # fmt: skip
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
class LSTMActorCritic(Recurrent):
    """Encoder ``Linear(obs_dim, hidden_features) + activation``, an LSTM with
    ``lstm_features`` units, and linear policy and value heads on its output
    (``rlmodels_common.configs.LSTMActorCriticConfig`` states the arguments).

    The calling modes are :class:`~rlmodels_torch.models.recurrent.Recurrent`'s
    (docs/recurrent.md) with the carry ``(c, h)``, each ``(*batch,
    lstm_features)``. Sequence mode without ``done`` runs the fused ``nn.LSTM``
    kernel; with it, the cell is stepped and the carry zeroed where ``done``.

    ``cell_type`` (``"OptimizedLSTMCell"`` or ``"LSTMCell"``) only names the
    Flax parameter layout the checkpoint uses and the recurrent initialisation;
    the math is the same. ``remat=True`` recomputes the recurrence in the
    backward pass (``torch.utils.checkpoint``) to save memory.

    Attributes: ``config``, ``obs_dim``, ``lstm_features``, ``encoder``, ``cell``,
    ``actor_mu``, ``actor_sigma``, ``log_std``, ``critic``, ``bij``, ``c``, ``h``
    (the persistent carry), ``discrete``.
    """

    config_class = LSTMActorCriticConfig

    def _build_layers(self, config: Any, key: torch.Generator) -> None:
        H, dtype = config.lstm_features, config.dtype
        self.cell = FusedLSTM(config.encoder_features, H, config.cell_type, key, dtype)
        self._init_heads(H, ACTOR_SCALE, key)
        self.critic = linear(H, 1, CRITIC_SCALE, key, dtype)

    @property
    def lstm_features(self) -> int:
        """The LSTM's width ``H``: the carry's ``c`` and ``h`` are ``(*batch, H)``."""
        return self._config.lstm_features

    def _advance(self, x: torch.Tensor, carry: Carry) -> tuple[torch.Tensor, Carry]:
        features = self.encoder(x)
        if is_recording():
            cell = self.cell
            record("cell.gates", F.linear(features, cell.weight_ih, cell.bias_ih) + F.linear(carry[1], cell.weight_hh, cell.bias_hh))
        c, h = self.cell.step(features, carry)
        record("cell.c", c)
        record("cell.h", h)
        return h, (c, h)

    def _scan(self, x: torch.Tensor, carry: Carry, done: torch.Tensor | None) -> tuple[torch.Tensor, Carry]:
        features = self.encoder(x)
        if x.shape[0] == 0:  # torch.lstm refuses T = 0; JAX's scan returns the empty outputs
            return features.new_zeros((*x.shape[:-1], self.lstm_features)), carry
        if done is None:
            return self._maybe_remat(self.cell.sequence, features, carry)
        outputs = []
        for t in range(x.shape[0]):
            carry = self._maybe_remat(self.cell.step, features[t], carry)
            outputs.append(carry[1])
            # where, not a multiply by (1 - done): a NaN or inf must not leak into the next episode
            carry = tuple(torch.where(done[t, ..., None], 0.0, a) for a in carry)
        return torch.stack(outputs), carry

    def _heads(self, features: torch.Tensor) -> tuple[Policy, torch.Tensor]:
        return self._policy(features), record("critic", self.critic(features))

    def _maybe_remat(self, fn: Any, *args: Any) -> Any:
        if self._config.remat and torch.is_grad_enabled():
            return checkpoint(fn, *args, use_reentrant=False)
        return fn(*args)
