"""The model base class and the pieces every actor-critic shares: argument
checks, orthogonal linear layers, the policy heads and the policy distribution."""

from __future__ import annotations

import functools
import json
from typing import Any, Mapping, Sequence

import distrax
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from rlmodels_common.checkpoint_format import check_tensors
from rlmodels_common.factory import Factory
from rlmodels_common.jaxdem import reject_jaxdem_metadata
from rlmodels_common.initialization import SIGMA_HEAD_BIAS, SIGMA_HEAD_SCALE, positive_int

from ..action_spaces import ActionSpace, Free, lift
from ..activations import ACTIVATIONS, Activation, resolve_activation
from ..distributions import Transformed
from ..dtypes import dtype_name

Policy = Transformed | distrax.Categorical


class Model(Factory, nnx.Module):
    """Base class of the actor-critic models: ``pi, value = model(x)``.

    Subclasses register with ``@Model.register("Name")`` and are built by
    ``Model.create("Name", **kwargs)``. Parameters are ``nnx.Param``; their
    dotted paths are the canonical checkpoint names.
    """

    discrete: bool
    dtype: str

    def __call__(
        self,
        x: jax.Array,
        sequence: bool = False,
        *,
        initial_carry: Any = None,
        done: Any = None,
        return_carry: bool = False,
    ) -> tuple[Policy, jax.Array] | tuple[Policy, jax.Array, Any]:
        raise NotImplementedError

    # The recurrent-state API (docs/recurrent.md). Feed-forward models have no
    # carry: these accept it as None, so one training loop drives every model.

    def __setattr__(self, name: str, value: Any) -> None:
        # A property (``model.carry = ...``) stores through its setter into
        # nnx.Variables; nnx's bookkeeping of stored attributes must not see it.
        if isinstance(getattr(type(self), name, None), property):
            object.__setattr__(self, name, value)
        else:
            super().__setattr__(name, value)

    @property
    def carry(self) -> Any:
        """The persistent carry: None, feed-forward models have none."""
        return None

    @carry.setter
    def carry(self, value: Any) -> None:
        if value is not None:
            raise ValueError(f"{type(self).__name__} is feed-forward and has no carry; expected None, got {type(value).__name__}")

    def initial_carry(self, batch_shape: tuple[int, ...] = ()) -> Any:
        """The carry a fresh episode starts from: None, feed-forward models have none."""
        return None

    def reset(self, shape: tuple[int, ...] | None = None, mask: Any = None) -> None:
        """Reset the recurrent state; feed-forward models have none, so this does nothing."""

    def step(self, x: jax.Array | np.ndarray, carry: Any) -> tuple[Policy, jax.Array, Any]:
        """``model(x)`` with the carry passed in and returned: ``(pi, value, None)``."""
        self.carry = carry  # None, or a clear error
        return *self(x), None

    @property
    def metadata(self) -> dict[str, Any]:
        """JSON-serialisable constructor arguments (see ``rlmodels_common.metadata``)."""
        raise NotImplementedError

    @classmethod
    def from_metadata(
        cls, model_type: str, metadata: Mapping[str, Any], key: nnx.Rngs | int = 0
    ) -> "Model":
        """Build the registered ``model_type`` from its ``metadata``, with fresh
        parameters drawn from ``key``. JaxDEM's metadata is refused with a
        ``CheckpointError`` pointing to the importer (``from_jaxdem``)."""
        reject_jaxdem_metadata(model_type, metadata)
        kwargs = dict(metadata)
        entry = kwargs.get("action_space")
        if entry is not None:
            kwargs["action_space"] = ActionSpace.create(entry["type"], **entry["kwargs"])
        return cls.lookup(model_type)(key=key, **kwargs)

    @classmethod
    def _unfilled(cls, model_type: str, metadata: Mapping[str, Any]) -> "Model":
        """The registered ``model_type`` with ``metadata``, built abstractly
        (``nnx.eval_shape``, once per configuration): parameters are shapes only,
        to be filled by ``load_canonical_params``; the recurrent state is zeros.
        Running the initializers eagerly would compile each of them for nothing."""
        graphdef, state = _abstract(cls, cls.lookup(model_type), model_type, json.dumps(dict(metadata), sort_keys=True))
        model = nnx.merge(graphdef, state, copy=True)  # its own Variables: the cached state is shared
        for _, var in nnx.to_flat_state(nnx.state(model, nnx.Not(nnx.Param))):
            var.set_value(jax.device_put(np.zeros(var.shape, var.dtype)))
        return model

    def canonical_params(self) -> dict[str, np.ndarray]:
        """Parameters as numpy arrays under their canonical (checkpoint) names."""
        return {
            _join(path): np.asarray(var.get_value())
            for path, var in nnx.to_flat_state(nnx.state(self, nnx.Param))
        }

    def load_canonical_params(self, tensors: Mapping[str, np.ndarray], source: str = "tensors") -> None:
        """Replace every parameter from ``tensors`` (canonical names, JAX layout).

        Raises ``CheckpointError`` naming missing, unexpected and mis-shaped
        entries; the model is unchanged if anything does not match.
        """
        params = nnx.to_flat_state(nnx.state(self, nnx.Param))
        expected = {
            _join(path): (tuple(var.get_value().shape), var.get_value().dtype.name)
            for path, var in params
        }
        check_tensors(expected, tensors, source)
        for path, var in params:
            var.set_value(jnp.asarray(tensors[_join(path)]))

    # -- shared building blocks ------------------------------------------------

    def _init_common(
        self,
        observation_space_size: int,
        action_space_size: int,
        activation: str | Activation,
        action_space: ActionSpace | None,
        actor_sigma_head: bool,
        discrete: bool,
        dtype: Any,
    ) -> None:
        self.obs_dim = positive_int("observation_space_size", observation_space_size)
        self.action_space_size = positive_int("action_space_size", action_space_size)
        self.activation_name, self.activation = resolve_activation(activation)
        self.discrete = bool(discrete)
        self.actor_sigma_head = bool(actor_sigma_head)
        self.dtype = dtype_name(dtype)
        if self.discrete:
            if action_space is not None:
                raise ValueError(
                    f"action_space applies to continuous actions only, got {action_space!r} "
                    "with discrete=True; drop it or set discrete=False"
                )
            if self.actor_sigma_head:
                raise ValueError(
                    "actor_sigma_head applies to continuous actions only, got True with "
                    "discrete=True; drop it or set discrete=False"
                )
            self.action_space = None
            self.bij = None
            return
        if action_space is None:
            action_space = Free()
        if not isinstance(action_space, ActionSpace):
            raise TypeError(
                f"expected an ActionSpace (e.g. Box(-1, 1)), got {type(action_space).__name__}"
            )
        size = getattr(action_space, "size", None)
        if size is not None and size != self.action_space_size:
            raise ValueError(
                f"expected {action_space.type_name} bounds of length {self.action_space_size} "
                f"(action_space_size) or scalars, got length {size}"
            )
        self.action_space = action_space
        self.bij = lift(action_space)

    def _init_heads(self, features: int, actor_scale: float, key: nnx.Rngs) -> None:
        """``actor_mu`` and the standard deviation: ``actor_sigma`` head or ``log_std``."""
        self.actor_mu = linear(features, self.action_space_size, actor_scale, key, self.dtype)
        self._init_sigma(features, key)

    def _init_sigma(self, features: int, key: nnx.Rngs) -> None:
        """The standard deviation of a continuous policy: ``actor_sigma`` head or ``log_std``."""
        continuous = not self.discrete
        self.actor_sigma = (
            nnx.Sequential(
                linear(features, self.action_space_size, SIGMA_HEAD_SCALE, key, self.dtype, bias=SIGMA_HEAD_BIAS),
                jax.nn.softplus,
            )
            if continuous and self.actor_sigma_head
            else None
        )
        self.log_std = (
            nnx.Param(jnp.zeros((1, self.action_space_size), dtype=self.dtype))
            if continuous and not self.actor_sigma_head
            else None
        )

    def _policy(self, features: jax.Array) -> Policy:
        """The policy distribution for actor features ``(..., F)``."""
        return self._distribution(self.actor_mu(features), features)

    def _distribution(self, mu: jax.Array, features: jax.Array) -> Policy:
        """The policy distribution with mean (or logits) ``mu`` ``(..., A)`` for actor features ``(..., F)``."""
        if self.discrete:
            return distrax.Categorical(logits=mu)
        if self.actor_sigma is not None:
            std = self.actor_sigma(features)
        else:
            # log_std is (1, A) as in the seed; the batch shape is x.shape[:-1].
            std = jnp.broadcast_to(jnp.exp(self.log_std[0]), mu.shape)
        return Transformed(distrax.MultivariateNormalDiag(mu, std), self.bij)

    def _observation(self, x: jax.Array | np.ndarray) -> jax.Array:
        """``x`` as an array of the model's dtype, checked to be ``(..., obs_dim)``."""
        x = jnp.asarray(x, dtype=self.dtype)
        if x.ndim == 0 or x.shape[-1] != self.obs_dim:
            raise ValueError(f"expected last dim {self.obs_dim}, got {tuple(x.shape)}")
        return x

    def _common_metadata(self) -> dict[str, Any]:
        if self.activation_name is None:
            raise ValueError(ACTIVATIONS.unregistered_message(self.activation))
        return {
            "observation_space_size": self.obs_dim,
            "action_space_size": self.action_space_size,
            "activation": self.activation_name,
            "action_space": None if self.action_space is None else self.action_space.metadata,
            "actor_sigma_head": self.actor_sigma_head,
            "discrete": self.discrete,
            "dtype": self.dtype,
        }


def as_rngs(key: nnx.Rngs | int) -> nnx.Rngs:
    """``key`` as ``nnx.Rngs`` (an int is a seed)."""
    if isinstance(key, nnx.Rngs):
        return key
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return nnx.Rngs(int(key))
    raise TypeError(f"expected key to be nnx.Rngs or an int seed, got {type(key).__name__}")



def linear(
    in_features: int, out_features: int, scale: float, key: nnx.Rngs, dtype: str, bias: float = 0.0
) -> nnx.Linear:
    """Linear layer with an orthogonal kernel scaled by ``scale`` and a constant bias."""
    return nnx.Linear(
        in_features,
        out_features,
        kernel_init=nnx.initializers.orthogonal(scale),
        bias_init=nnx.initializers.constant(bias),
        param_dtype=dtype,
        rngs=key,
    )


def mlp_layers(
    in_features: int, sizes: Sequence[int], activation: Activation, scale: float, key: nnx.Rngs, dtype: str
) -> list[Any]:
    """``Linear, activation`` pairs, so in an ``nnx.Sequential`` the kernels sit at
    ``layers.0, layers.2, ...``."""
    layers: list[Any] = []
    for size in sizes:
        layers += [linear(in_features, size, scale, key, dtype), activation]
        in_features = size
    return layers


@functools.lru_cache(maxsize=64)
def _abstract(base: type, model_class: type, model_type: str, metadata: str) -> tuple[nnx.GraphDef, nnx.State]:
    """The structure and abstract state of ``model_type`` (registered as
    ``model_class``: part of the key, so a re-registered name is rebuilt) with
    ``metadata`` (JSON)."""
    return nnx.split(nnx.eval_shape(lambda: base.from_metadata(model_type, json.loads(metadata))))


def _join(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)

