"""A recurrent actor-critic: MLP encoder, stacked MinGRU layers joined by
highways, one fused policy-and-value head (JaxDEM's ``MinGRUActorCritic``)."""

from __future__ import annotations

import math
from typing import Any, Iterator, Mapping

import numpy as np
import torch
from torch import nn

from rlmodels_common.carry import check_array, reset_mask_shape
from rlmodels_common.initialization import (
    ACTOR_SCALE, CRITIC_SCALE, IN_SCALE, MINGRU_KERNEL_SCALE, positive_int,
)  # fmt: skip

from ..action_spaces import ActionSpace
from ..activations import Activation
from ..dtypes import TORCH_DTYPES
from .model import Model, Policy, Sequential, as_generator, linear, pick, usable


@Model.register("MinGRUActorCritic")
class MinGRUActorCritic(Model):
    """Encoder ``Linear(obs_dim, hidden_features) + activation``, ``proj_in``
    ``Linear(hidden_features, gru_features)`` (only when the two differ),
    ``num_layers`` MinGRU layers (arXiv 2410.01201) of ``gru_features`` units,
    and ``fused_head`` ``Linear(gru_features, A + 1)``: outputs ``[:A]`` the
    mean (or logits), output ``A`` the value.

    Layer ``l`` maps its input ``y`` and its carry ``h`` with one kernel
    ``mingru_kernel[l]`` ``(H, 3H)`` (JAX layout, ``y @ kernel``; no bias;
    columns hidden | gate | proj)::

        hidden, gate, proj = split(y @ mingru_kernel[l], 3)
        w = sigmoid(gate)
        h = (1 - w) * h + w * g(hidden)     # g(x) = x + 0.5 if x >= 0 else sigmoid(x)
        s = sigmoid(proj)
        y = s * h + (1 - s) * y             # highway: the next layer's input

    The standard deviation is ``log_std`` ``(1, A)`` or, with
    ``actor_sigma_head``, a softplus head on the last layer's ``y``.

    Calling modes are ``rlmodels_jax.MinGRUActorCritic``'s (docs/recurrent.md)
    with a one-array carry ``h`` ``(*batch, num_layers, gru_features)``, kept
    in a non-persistent buffer (moved by ``.to()``, never in ``state_dict``):
    ``model(x)`` steps the persistent carry, ``model.step(x, h)`` an explicit
    one, ``model(x, sequence=True, initial_carry=None, done=None)`` runs
    time-major ``x`` ``(T, *batch, obs_dim)``, zeroing the carry after step
    ``t`` where ``done[t]``; ``return_carry=True`` adds the final carry.

    Sequence mode steps through time with the step's own arithmetic, so it
    equals stepping with ``reset(mask=done[t])`` (up to how BLAS rounds
    products of other shapes), any ``initial_carry``
    (zero and negative entries included) enters exactly, and a reset is an
    exact zeroing: there is no log space, hence no ``-inf`` coefficient (the
    log-space ``logcumsumexp`` form turns a reset into NaN). JAX's parallel
    log-space scan gives the same numbers to float rounding. On CPU this loop
    is the fastest form measured (``benchmarks/mingru.py``): computing the
    gates of all steps in one matmul first makes the elementwise work stream
    ``(T, B, H)`` arrays through memory instead of cache.

    ``remat`` is accepted and recorded, as in JaxDEM, and changes nothing.
    ``device`` places the parameters and the carry.
    """

    def __init__(
        self,
        observation_space_size: int,
        action_space_size: int,
        key: int | torch.Generator,
        *,
        hidden_features: int = 64,
        gru_features: int = 128,
        num_layers: int = 1,
        activation: str | Activation = "gelu",
        action_space: ActionSpace | None = None,
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
        self.gru_features = positive_int("gru_features", gru_features)
        self.num_layers = positive_int("num_layers", num_layers)
        self.remat = bool(remat)
        self.carry_leading_shape = tuple(
            positive_int("every carry_leading_shape entry", n) for n in carry_leading_shape
        )
        H, A, kind = self.gru_features, self.action_space_size, TORCH_DTYPES[self.dtype]
        self.encoder = Sequential(linear(self.obs_dim, self.hidden_features, IN_SCALE, key, self.dtype), self.activation)
        self.proj_in = linear(self.hidden_features, H, IN_SCALE, key, self.dtype) if self.hidden_features != H else None
        self.mingru_kernel = nn.Parameter(torch.empty(self.num_layers, H, 3 * H, dtype=kind))
        self.fused_head = nn.Linear(H, A + 1, dtype=kind)
        with torch.no_grad():
            for kernel in self.mingru_kernel:
                nn.init.orthogonal_(kernel, gain=MINGRU_KERNEL_SCALE, generator=key)
            nn.init.orthogonal_(self.fused_head.weight[:A], gain=ACTOR_SCALE, generator=key)
            nn.init.orthogonal_(self.fused_head.weight[A:], gain=CRITIC_SCALE, generator=key)
            self.fused_head.bias.zero_()
        self._init_sigma(H, key)
        self.register_buffer("h", torch.zeros((*self.carry_leading_shape, self.num_layers, H), dtype=kind), persistent=False)
        if device is not None:  # drawn on the CPU, where the generator is, then moved
            self.to(device)

    @property
    def carry(self) -> torch.Tensor:
        """The persistent carry ``h`` ``(*batch, num_layers, gru_features)`` that
        ``model(x)`` continues from. Assign a tensor or array (any batch shape,
        floating dtype) to continue from it; it is checked and cast to the
        model's dtype and device."""
        return self.h

    @carry.setter
    def carry(self, value: torch.Tensor | np.ndarray) -> None:
        self.h = self._checked_carry(value, None, "carry")

    def initial_carry(self, batch_shape: tuple[int, ...] = ()) -> torch.Tensor:
        """The carry a fresh episode starts from: zeros ``(*batch_shape, num_layers, gru_features)``."""
        return self.h.new_zeros((*batch_shape, self.num_layers, self.gru_features))

    def reset(self, shape: tuple[int, ...] | None = None, mask: torch.Tensor | np.ndarray | None = None) -> None:
        """Zero the persistent carry: all of it, or the entries whose ``mask`` flag is True.

        ``mask`` (bool) has the carry's batch shape (``done[t]``) or
        ``(batch[0],)``, one flag per environment along axis 0; an unbatched
        carry takes a single flag ``()``. ``shape`` (optional) is the shape of
        the coming observations, ``(*batch, obs_dim)``: if the carry's batch
        shape is not ``batch``, it becomes zeros of that batch (``mask`` unused).
        """
        if shape is not None and tuple(self.h.shape[:-2]) != tuple(shape)[:-1]:
            self.h = self.initial_carry(tuple(shape)[:-1])
            return
        if mask is None:
            self.h = torch.zeros_like(self.h)
            return
        mask = torch.as_tensor(mask, device=self.h.device)
        keep = ~mask.to(torch.bool).reshape(reset_mask_shape(tuple(self.h.shape[:-2]), tuple(mask.shape), 2))
        self.h = torch.where(keep, self.h, 0.0)

    def forward(
        self,
        x: torch.Tensor | np.ndarray,
        sequence: bool = False,
        *,
        initial_carry: torch.Tensor | np.ndarray | None = None,
        done: torch.Tensor | np.ndarray | None = None,
        return_carry: bool = False,
    ) -> tuple[Policy, torch.Tensor] | tuple[Policy, torch.Tensor, torch.Tensor]:
        x = self._observation(x)
        if sequence:
            y, h = self._sequence(x, initial_carry, done)
        else:
            if initial_carry is not None or done is not None:
                raise ValueError("initial_carry and done apply to sequence mode; pass sequence=True")
            if self.h.shape[:-2] != x.shape[:-1]:
                self.reset(x.shape)
            y, h = self._step(self._features(x), usable(self.h))
            # Straight into the buffer dict, as the LSTM does: Module.__setattr__'s
            # checks cost microseconds a step at batch 1.
            self._buffers["h"] = h
        fused = self.fused_head(y)
        pi, value = self._distribution(fused[..., :-1], y), fused[..., -1:]
        return (pi, value, h) if return_carry else (pi, value)

    def step(self, x: torch.Tensor | np.ndarray, carry: torch.Tensor | np.ndarray | None) -> tuple[Policy, torch.Tensor, torch.Tensor]:
        """One step from an explicit carry ``h`` ``(*batch, num_layers, gru_features)``
        for ``x`` ``(*batch, obs_dim)`` (None: zeros, a fresh episode); returns
        ``(pi, value, new_h)`` and leaves the persistent carry alone."""
        x = self._observation(x)
        batch = tuple(x.shape[:-1])
        h = self.initial_carry(batch) if carry is None else self._checked_carry(carry, batch, "carry")
        y, h = self._step(self._features(x), usable(h))
        fused = self.fused_head(y)
        return self._distribution(fused[..., :-1], y), fused[..., -1:], h

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        """The first layer's input ``(..., gru_features)``."""
        y = self.encoder(x)
        return y if self.proj_in is None else self.proj_in(y)

    def _step(self, y: torch.Tensor, h: torch.Tensor, g: Any = None) -> tuple[torch.Tensor, torch.Tensor]:
        """One step of every layer: input ``y`` ``(..., H)``, carry ``h`` ``(..., L, H)``;
        returns the last layer's output and the new carry. ``g``: the candidate
        activation (default ``_g``; sequence mode passes ``_g_scan``)."""
        g = _g if g is None else g
        carry = []
        for layer, kernel in enumerate(self.mingru_kernel):
            hidden, gate, proj = (y @ kernel).chunk(3, -1)
            # JAX's formula, not torch.lerp (h + w (g - h), one op fewer): with an
            # unbounded g a long rollout amplifies rounding, and the same formula
            # keeps torch as close to the float64 truth as the reference is.
            w = torch.sigmoid(gate)
            carry.append((1 - w) * h.select(-2, layer) + w * g(hidden))
            y = _highway(y, carry[-1], proj)
        return y, torch.stack(carry, -2) if len(carry) > 1 else carry[0].unsqueeze(-2)

    def _sequence(self, x: torch.Tensor, initial_carry: Any, done: Any) -> tuple[torch.Tensor, torch.Tensor]:
        """The last layer's outputs ``(T, *batch, gru_features)`` and the final carry."""
        if x.ndim < 2:
            raise ValueError(f"sequence mode expects time-major (T, B..., {self.obs_dim}), got {tuple(x.shape)}")
        batch = tuple(x.shape[1:-1])
        if initial_carry is None:
            h0 = self.initial_carry(batch)
        else:
            h0 = usable(self._checked_carry(initial_carry, batch, "initial_carry"))
        T, rows, H = x.shape[0], math.prod(batch), self.gru_features
        if done is not None:
            done = torch.as_tensor(done, device=x.device)
            if tuple(done.shape) != tuple(x.shape[:-1]):
                raise ValueError(f"expected done shape {tuple(x.shape[:-1])} (T, B...), got {tuple(done.shape)}")
            # Rows ending at step t, zeroed with index_fill: exact where the carry
            # is NaN or inf, and nothing at all for steps where no row ends.
            steps, ended = torch.nonzero(done.reshape(T, rows), as_tuple=True)
            counts = torch.bincount(steps, minlength=T).tolist()
            resets = torch.split(ended, counts)
        else:
            counts = [0] * T
        y = self._features(x).reshape(T, rows, H)
        h = h0.reshape(rows, self.num_layers, H)
        ys = []
        g = _g_scan if torch.is_grad_enabled() else _g  # the same values; see _g_scan
        for t in range(T):
            out, h = self._step(y[t], h, g)
            ys.append(out)
            if counts[t]:
                h = h.index_fill(0, resets[t], 0.0)
        y = torch.stack(ys) if ys else y
        return y.reshape(*x.shape[:-1], H), h.reshape(*batch, self.num_layers, H)

    def _checked_carry(self, carry: Any, batch: tuple[int, ...] | None, what: str) -> torch.Tensor:
        """``carry`` as a tensor of the model's dtype and device, ``(*batch,
        num_layers, gru_features)`` (any ``batch`` if None); ValueError otherwise."""
        check_array(carry, batch, (self.num_layers, self.gru_features), what)
        h = carry if isinstance(carry, torch.Tensor) else torch.as_tensor(np.array(carry))  # a copy: JAX buffers are read-only
        if not h.is_floating_point():
            raise ValueError(f"expected {what} h of a floating dtype, got {h.dtype}")
        like = self._like()
        return h.to(dtype=like.dtype, device=like.device)

    def _like(self) -> torch.Tensor:
        return self.fused_head.weight

    def _canonical_tensors(self, grads: bool = False) -> Iterator[tuple[str, torch.Tensor]]:
        yield from super()._canonical_tensors(grads)
        yield "mingru_kernel", pick(self.mingru_kernel, grads)

    def _load_canonical(self, tensors: Mapping[str, torch.Tensor]) -> None:
        super()._load_canonical(tensors)
        self.mingru_kernel.copy_(tensors["mingru_kernel"])

    @property
    def metadata(self) -> dict[str, Any]:
        return {
            **self._common_metadata(),
            "hidden_features": self.hidden_features,
            "gru_features": self.gru_features,
            "num_layers": self.num_layers,
            "remat": self.remat,
            "carry_leading_shape": list(self.carry_leading_shape),
        }


def _highway(y: torch.Tensor, h: torch.Tensor, proj: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(proj)
    return s * h + (1 - s) * y


def _g(x: torch.Tensor) -> torch.Tensor:
    """MinGRU's positive candidate activation: ``x + 0.5`` for ``x >= 0``, else ``sigmoid(x)``."""
    return torch.where(x >= 0, x + 0.5, torch.sigmoid(x))


def _g_scan(x: torch.Tensor) -> torch.Tensor:
    """``_g`` with the derivative JAX's sequence mode takes at ``x = 0``: 0, not 1.

    JAX's (and JaxDEM's) log-space scan differentiates ``log(relu(x) + 0.5)``,
    and relu's derivative at 0 is 0; the values are ``_g``'s.
    """
    return torch.where(x >= 0, torch.relu(x) + 0.5, torch.sigmoid(x))


