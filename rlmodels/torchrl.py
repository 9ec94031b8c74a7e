"""Drive an ``rlmodels_torch`` model from TorchRL: a ``ProbabilisticActor`` and a
value operator over one shared model, for TorchRL's collectors and losses.

::

    env = TransformedEnv(GymEnv("Pendulum-v1"), rlmodels.torchrl.env_transforms(model))
    actor = rlmodels.torchrl.actor(model)
    critic = rlmodels.torchrl.value_operator(model)
    loss = ClipPPOLoss(actor, critic)

The policy writes the distribution's parameters (``loc`` and ``scale``, or
``logits``) and the actor rebuilds the model's own distribution from them, so
log-probabilities, entropies and deterministic actions are the model's.
Continuous actions come out already mapped through the model's action space.

An ``ActorCritic`` reading dict observations reads each of its keys from the
tensordict entry of that name (``observation_key`` may map each key to
another entry).

A recurrent model keeps its carry in the tensordict, one entry per carry
tensor (``recurrent_state_c`` and ``recurrent_state_h`` for the LSTM, each
``(*batch, lstm_features)``; ``recurrent_state_h`` ``(*batch, num_layers,
gru_features)`` for the MinGRU), and follows TorchRL's conventions (those of
``torchrl.modules.LSTMModule``): ``is_init`` (the ``InitTracker`` transform)
marks an episode's first step; one step at a time (collection) reads the
carry, zeroes it where ``is_init``, and writes the next one under ``"next"``;
under ``torchrl.modules.set_recurrent_mode(True)`` (the loss) the tensordict
is ``(*batch, T)`` with time last and each stretch that starts at ``is_init``
(or at ``t = 0``) runs from the carry stored at its first step, in the model's
sequence mode. Needs the ``torchrl`` extra.
"""

from __future__ import annotations

from typing import Any, Mapping

from rlmodels_common.carry import entries, from_entries
from rlmodels_common.convert import require
from rlmodels_common.observations import describe_keys

from .manifest import carry_shapes, observation_inputs
from rlmodels_common.extras import require_extra

require_extra("torchrl", ("torchrl", "tensordict"), "rlmodels.torchrl")
rt = require("torch", "rlmodels.torchrl")

import torch  # noqa: E402  (after the checks: a missing package gets the install hint)
from tensordict import TensorDictBase  # noqa: E402
from tensordict.nn import TensorDictModuleBase  # noqa: E402
from torch.distributions import Categorical, Independent, Normal  # noqa: E402
from torchrl.envs import Compose, InitTracker, TensorDictPrimer, Transform  # noqa: E402
from torchrl.data import Unbounded  # noqa: E402
from torchrl.modules import ProbabilisticActor  # noqa: E402
from torchrl.modules.tensordict_module.rnn import recurrent_mode  # noqa: E402

__all__ = [
    "ModelCategorical", "ModelGaussian", "PolicyParameters", "RecurrentPolicyParameters", "Value", "actor", "carry_keys",
    "env_transforms", "observation_entries", "primer", "value_operator",
]  # fmt: skip

CARRY_PREFIX = "recurrent_state"

ObservationKey = Any
"""A tensordict key (``str`` or a tuple of them), a mapping observation key ->
tensordict key (dict observations), or None for the default."""


def observation_entries(model: rt.Model, observation_key: ObservationKey = None) -> Any:
    """Where ``model``'s observation is in a tensordict: one key, or for dict
    observations a dict observation key -> tensordict key. ``ValueError`` for a
    key that does not fit the model's observations."""
    sizes = observation_inputs(model)
    keys = list(sizes) if isinstance(sizes, dict) else None
    if keys is None:
        return "observation" if observation_key is None else observation_key
    if observation_key is None:
        return {key: key for key in keys}
    if not (isinstance(observation_key, Mapping) and all(key in observation_key for key in keys)):
        raise ValueError(
            f"this {model.type_name} reads dict observations ({describe_keys(keys)}): expected observation_key None "
            f"(the tensordict entries of those names) or a mapping from each of them to a tensordict key, got {observation_key!r}"
        )
    return {key: observation_key[key] for key in keys}


def carry_keys(model: rt.Model) -> list[str]:
    """The tensordict keys of ``model``'s carry, in the order the model takes it."""
    return [f"{CARRY_PREFIX}_{name}" for name in carry_shapes(model)]


def actor(model: rt.Model, observation_key: ObservationKey = None, action_spec: Any = None, **kwargs: Any) -> ProbabilisticActor:
    """A ``ProbabilisticActor`` sampling ``model``'s policy: writes ``action``
    and its log-probability (``return_log_prob=True``), and for a recurrent
    model the next carry under ``"next"``. ``observation_key``: the tensordict
    entry of the observation (default ``"observation"``), or for dict
    observations a mapping from each observation key to its entry (default:
    the entries named by the keys). ``kwargs`` go to ``ProbabilisticActor``."""
    params = (RecurrentPolicyParameters if carry_shapes(model) else PolicyParameters)(model, observation_key)
    if model.discrete:
        distribution_class, distribution_kwargs = ModelCategorical, {}
    else:
        distribution_class, distribution_kwargs = ModelGaussian, {"bijector": model.bij}
    return ProbabilisticActor(
        params,
        in_keys=params.parameter_keys,
        out_keys=["action"],
        spec=action_spec,
        distribution_class=distribution_class,
        distribution_kwargs=distribution_kwargs,
        return_log_prob=True,
        **kwargs,
    )


def value_operator(model: rt.Model, observation_key: ObservationKey = None) -> "Value":
    """A TorchRL value operator writing ``state_value`` ``(*batch, 1)``
    (``observation_key`` as in :func:`actor`)."""
    return Value(model, observation_key)


def env_transforms(model: rt.Model) -> Transform:
    """What an environment needs to drive ``model``: ``InitTracker`` (``is_init``
    marks episode starts), and for a recurrent model its :func:`primer`."""
    if not carry_shapes(model):
        return InitTracker()
    return Compose(InitTracker(), primer(model))


def primer(model: rt.Model) -> TensorDictPrimer:
    """The environment transform that puts a zero carry in every reset
    tensordict, so collectors carry it from step to step. Raises ``ValueError``
    for a feed-forward model, which has no carry."""
    shapes = carry_shapes(model)
    if not shapes:
        raise ValueError(f"{model.type_name} has no recurrent carry; only recurrent models need a primer")
    dtype = getattr(torch, model.dtype)
    specs = {key: Unbounded(shape=shape, dtype=dtype) for key, shape in zip(carry_keys(model), shapes.values())}
    return TensorDictPrimer(specs, expand_specs=True)


class ModelGaussian(rt.Transformed):
    """The model's continuous policy rebuilt from ``loc`` and ``scale``, with the
    model's deterministic action as TorchRL's ``deterministic_sample``."""

    def __init__(self, loc: torch.Tensor, scale: torch.Tensor, bijector: Any) -> None:
        super().__init__(Independent(Normal(loc, scale, validate_args=False), 1, validate_args=False), bijector)

    @property
    def deterministic_sample(self) -> torch.Tensor:
        return rt.deterministic_action(self)


class ModelCategorical(Categorical):
    """The model's discrete policy, with its argmax as ``deterministic_sample``."""

    def __init__(self, logits: torch.Tensor) -> None:
        super().__init__(logits=logits, validate_args=False)

    @property
    def deterministic_sample(self) -> torch.Tensor:
        return rt.deterministic_action(self)


class _ModelModule(TensorDictModuleBase):
    """Runs the model on a tensordict, one step or (in recurrent mode) over time."""

    def __init__(self, model: rt.Model, observation_key: ObservationKey) -> None:
        super().__init__()
        self.model = model
        self.observation_key = observation_entries(model, observation_key)
        self.carry_keys = carry_keys(model)
        entries = list(self.observation_key.values()) if isinstance(self.observation_key, dict) else [self.observation_key]
        self.in_keys = [*entries, *self.carry_keys, *(["is_init"] if self.carry_keys else [])]

    def evaluate(self, td: TensorDictBase) -> tuple[Any, torch.Tensor, tuple[torch.Tensor, ...]]:
        """``(pi, value, next carry)`` for ``td``; the carry is empty for a
        feed-forward model and in recurrent mode."""
        where = self.observation_key
        x = {key: td.get(entry) for key, entry in where.items()} if isinstance(where, dict) else td.get(where)
        if not self.carry_keys:
            pi, value = self.model(x)
            return pi, value, ()
        carry = tuple(td.get(key) for key in self.carry_keys)
        is_init = td.get("is_init")
        if recurrent_mode():
            pi, value = _over_time(self.model, x, carry, is_init.squeeze(-1))
            return pi, value, ()
        # A new episode starts from zeros, whatever the tensordict held (NaN included).
        batch = is_init.shape[:-1]
        carry = tuple(torch.where(is_init.reshape(*batch, *(1,) * (a.ndim - len(batch))), 0.0, a) for a in carry)
        pi, value, carry = self.model.step(x, from_entries(carry))
        return pi, value, entries(carry)


class PolicyParameters(_ModelModule):
    """Writes the policy's parameters (``loc``, ``scale`` or ``logits``) and,
    stepping a recurrent model, the next carry under ``"next"``."""

    def __init__(self, model: rt.Model, observation_key: ObservationKey = None) -> None:
        super().__init__(model, observation_key)
        self.parameter_keys = ["logits"] if model.discrete else ["loc", "scale"]
        self.out_keys = [*self.parameter_keys, *(("next", key) for key in self.carry_keys)]

    def forward(self, td: TensorDictBase) -> TensorDictBase:
        pi, _, carry = self.evaluate(td)
        for key, value in zip(self.parameter_keys, _parameters(pi)):
            td.set(key, value)
        for key, value in zip(self.carry_keys, carry):
            td.set(("next", key), value)
        return td


class RecurrentPolicyParameters(PolicyParameters):
    """:class:`PolicyParameters` of a recurrent model, which tells TorchRL the
    environment transforms its carry needs."""

    def make_tensordict_primer(self) -> TensorDictPrimer:
        """Found by ``torchrl.modules.utils.get_primers_from_module``, so a
        collector built with ``auto_register_policy_transforms=True`` adds the
        primer (and ``InitTracker``) to the environment itself."""
        return primer(self.model)


class Value(_ModelModule):
    """Writes ``state_value`` ``(*batch, 1)``."""

    def __init__(self, model: rt.Model, observation_key: ObservationKey = None) -> None:
        super().__init__(model, observation_key)
        self.out_keys = ["state_value"]

    def forward(self, td: TensorDictBase) -> TensorDictBase:
        td.set("state_value", self.evaluate(td)[1])
        return td


def _parameters(pi: Any) -> tuple[torch.Tensor, ...]:
    if isinstance(pi, Categorical):
        return (pi.logits,)
    normal = pi.base_dist.base_dist
    return normal.loc, normal.scale


def _over_time(
    model: rt.Model, x: torch.Tensor, carry: tuple[torch.Tensor, ...], is_init: torch.Tensor
) -> tuple[Any, torch.Tensor]:
    """The policy and value for ``x`` ``(*batch, T, obs)``, where each stretch of
    a row starting at ``is_init`` ``(*batch, T)`` or at ``t = 0`` runs from the
    carry stored at its first step (``carry`` entries ``(*batch, T, ...)``).

    The stretches are laid side by side, time-major and padded at their ends,
    for one call of the model's sequence mode; padding only follows a stretch,
    so it never reaches an output that is kept.
    """
    *batch, T = is_init.shape
    starts = is_init.reshape(-1, T).clone()
    starts[:, 0] = True
    starts = starts.reshape(-1)
    stretch = torch.cumsum(starts, 0) - 1  # (steps,) the stretch each step belongs to
    first = torch.nonzero(starts).squeeze(-1)  # (stretches,) the index of each stretch's first step
    position = torch.arange(starts.numel(), device=x.device) - first[stretch]
    length = int(position.max()) + 1
    x = x.reshape(-1, x.shape[-1])
    padded = x.new_zeros(length, first.numel(), x.shape[-1])
    padded[position, stretch] = x
    initial = tuple(a.reshape(-1, *a.shape[len(batch) + 1 :])[first] for a in carry)
    pi, value = model(padded, sequence=True, initial_carry=from_entries(initial))

    def unpad(a: torch.Tensor) -> torch.Tensor:
        return a[position, stretch].reshape(*batch, T, *a.shape[2:])

    params = tuple(unpad(p) for p in _parameters(pi))
    rebuilt = ModelCategorical(*params) if model.discrete else ModelGaussian(*params, model.bij)
    return rebuilt, unpad(value)
