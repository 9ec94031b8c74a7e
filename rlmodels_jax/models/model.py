"""The model base class: the registry, the model's description (``config``),
canonical parameters, and the policy heads and distribution every
actor-critic shares."""

from __future__ import annotations

import functools
import inspect
import json
from typing import Any, ClassVar, Mapping

import distrax
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

from rlmodels_common.checkpoint_format import check_tensors
from rlmodels_common.configs import KnownNames, ModelConfig
from rlmodels_common.factory import Factory
from rlmodels_common.initialization import SIGMA_HEAD_BIAS, SIGMA_HEAD_SCALE
from rlmodels_common.intermediates import is_recording, record

from ..action_spaces import ActionSpace, lift
from ..activations import ACTIVATIONS, resolve_activation
from ..distributions import Transformed
from ..dtypes import dtype_name
from .layers import Sequential, Statistic, linear
from .observations import make_normalizer, read
from .jaxdem_trainer import JaxdemAttributes

Policy = Transformed | distrax.Categorical

CANONICAL = nnx.Any(nnx.Param, Statistic)
"""The variables a checkpoint holds: the parameters and the statistics."""

SIGMA_ACTIVATIONS = {"softplus": ACTIVATIONS["softplus"], "exp": jnp.exp, "identity": ACTIVATIONS["identity"]}
"""``sigma_activation``: what the standard deviation's head applies to its Linear."""


class Model(Factory, JaxdemAttributes, nnx.Module):
    """Base class of the actor-critic models: ``pi, value = model(x)``.

    Subclasses register with ``@Model.register("Name")`` and are built by
    ``Model.create("Name", **kwargs)``. A built-in model's constructor
    arguments are its ``config`` (``rlmodels_common.configs``), which states
    them, their defaults and their checks once for both backends. Parameters
    are ``nnx.Param``; their dotted paths are the canonical checkpoint names.
    """

    config_class: ClassVar[type[ModelConfig] | None] = None
    config: ModelConfig
    check_finite: bool = False
    """Set True to raise ``ValueError`` naming the environments whose observation
    holds a NaN or an infinity (off: they give NaN actions and values, silently).
    Checks concrete arrays only: under ``jax.jit`` use ``jax.experimental.checkify``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "config_class" in cls.__dict__:  # the constructor takes the configuration's fields
            key = inspect.Parameter("key", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation="nnx.Rngs | int")
            cls.__signature__ = cls.config_class.signature(key)

    def __init__(self, observation_space_size: int, action_space_size: int, key: nnx.Rngs | int, **options: Any) -> None:
        """A built-in model: ``options`` are its configuration's fields (see ``config_class``)."""
        config = self._configure(observation_space_size, action_space_size, options)
        self.observation_keys = config.observation_keys
        self.normalizer = make_normalizer(config)
        self._build(config, as_rngs(key))
        self._init_state()

    def _build(self, config: Any, key: nnx.Rngs) -> None:
        """Create the layers, drawing their initial parameters from ``key`` in a fixed order."""
        raise NotImplementedError

    def _init_state(self) -> None:
        """Create the state that is not a parameter (a recurrent model's carry)."""

    def __call__(
        self,
        x: jax.Array | np.ndarray,
        sequence: bool = False,
        *,
        initial_carry: Any = None,
        done: Any = None,
        return_carry: bool = False,
    ) -> tuple[Policy, jax.Array] | tuple[Policy, jax.Array, Any]:
        """A feed-forward model acts on every leading index alike: ``sequence``,
        ``initial_carry`` and ``done`` change nothing; ``return_carry`` adds None."""
        pi, value = self._forward(self._observation(x))
        return (pi, value, None) if return_carry else (pi, value)

    def _forward(self, x: jax.Array) -> tuple[Policy, jax.Array]:
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

    def detach_carry(self) -> None:
        """Cut the persistent carry from the computation behind it (torch's
        truncated backpropagation); JAX arrays hold no graph, so this does nothing."""

    def step(self, x: jax.Array | np.ndarray, carry: Any) -> tuple[Policy, jax.Array, Any]:
        """``model(x)`` with the carry passed in and returned: ``(pi, value, None)``."""
        self.carry = carry  # None, or a clear error
        return *self(x), None

    # -- the description ---------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        """A configuration field read as an attribute: ``model.hidden_features``
        is ``model.config.hidden_features``."""
        config = self.__dict__.get("config")
        if config is not None and name in config.field_names():
            return getattr(config, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def metadata(self) -> dict[str, Any]:
        """JSON-serialisable constructor arguments (``config.metadata()``)."""
        return self.config.metadata()

    @property
    def dtype(self) -> str:
        """The parameter dtype, ``"float32"`` or ``"float64"``."""
        return self.config.dtype

    @property
    def obs_dim(self) -> int:
        """The observation size, ``observation_space_size``."""
        return self.config.observation_space_size

    def _configure(self, observation_space_size: int, action_space_size: int, options: dict[str, Any]) -> Any:
        """Check the constructor's arguments against the configuration class and
        set ``config``, ``activation`` (the function), ``action_space``, ``bij``
        and ``discrete``; returns the configuration."""
        fields = self.config_class.field_names()
        unknown = sorted(set(options) - set(fields))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {unknown}; its options are {', '.join(fields[2:])}")
        space = options.get("action_space")
        if space is not None and not isinstance(space, ActionSpace):
            raise TypeError(f"expected an ActionSpace (e.g. Box(-1, 1)), got {type(space).__name__}")
        if "dtype" in options:
            options = {**options, "dtype": dtype_name(options["dtype"])}
        config = self.config_class(observation_space_size=observation_space_size, action_space_size=action_space_size, **options)
        name, self.activation = resolve_activation(config.activation, config.dtype)
        self.config = config if name is None else config.replace(activation=name)
        self.discrete = config.discrete
        entry = config.action_space
        self.action_space = space if space is not None or entry is None else ActionSpace.create(entry["type"], **entry["kwargs"])
        self.bij = None if self.action_space is None else lift(self.action_space)
        return self.config

    @classmethod
    def known_names(cls) -> KnownNames:
        """The model types, activations and action spaces this backend can build
        (the built-in ones and any a user registered)."""
        return KnownNames(cls.registered_names(), tuple(ACTIVATIONS), ActionSpace.registered_names())

    @classmethod
    def from_metadata(cls, model_type: str, metadata: Mapping[str, Any], key: nnx.Rngs | int = 0) -> "Model":
        """Build the registered ``model_type`` from its ``metadata`` (JSON, as a
        checkpoint holds it), with fresh parameters drawn from ``key``. JaxDEM's
        metadata is refused with a ``CheckpointError`` pointing to ``from_jaxdem``."""
        model_class = cls.lookup(model_type)
        if model_class.config_class is not None:
            model_class.config_class.from_metadata(metadata, cls.known_names())
        options = dict(metadata)
        entry = options.get("action_space")
        if entry is not None:
            options["action_space"] = ActionSpace.create(entry["type"], **entry["kwargs"])
        return model_class(key=key, **options)

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

    # -- parameters under their canonical names ------------------------------------------

    def canonical_params(self) -> dict[str, np.ndarray]:
        """Parameters (and statistics) as numpy arrays under their canonical (checkpoint) names."""
        return {_join(path): np.asarray(var.get_value()) for path, var in nnx.to_flat_state(nnx.state(self, CANONICAL))}

    def load_canonical_params(self, tensors: Mapping[str, np.ndarray], source: str = "tensors") -> None:
        """Replace every parameter from ``tensors`` (canonical names, JAX layout).

        Raises ``CheckpointError`` naming missing, unexpected and mis-shaped
        entries; the model is unchanged if anything does not match.
        """
        params = nnx.to_flat_state(nnx.state(self, CANONICAL))
        expected = {_join(path): (tuple(var.get_value().shape), var.get_value().dtype.name) for path, var in params}
        check_tensors(expected, tensors, source)
        for path, var in params:
            var.set_value(jnp.asarray(tensors[_join(path)]))

    # -- the policy head -------------------------------------------------------------------

    def _init_heads(self, features: int, actor_scale: float, key: nnx.Rngs, init: str = "orthogonal") -> None:
        """``actor_mu`` and the standard deviation (see :meth:`_init_sigma`)."""
        self.actor_mu = linear(features, self.config.action_space_size, actor_scale, key, self.dtype, init=init)
        self._init_sigma(features, key, init)

    def _init_sigma(self, features: int, key: nnx.Rngs, init: str = "orthogonal") -> None:
        """The standard deviation of a continuous policy: an ``actor_sigma`` head
        (``Linear`` and its ``sigma_activation``), or the parameter ``log_std``
        (zeros) or ``std`` (ones) ``(1, A)``: a standard deviation of 1."""
        config = self.config
        A, continuous, sigma_head = config.action_space_size, not self.discrete, config.actor_sigma_head
        head = linear(features, A, SIGMA_HEAD_SCALE, key, self.dtype, bias=SIGMA_HEAD_BIAS, init=init) if continuous and sigma_head else None
        self.actor_sigma = None if head is None else Sequential("actor_sigma", head, SIGMA_ACTIVATIONS[config.sigma_activation])
        parameter = continuous and not sigma_head
        self.log_std = nnx.Param(jnp.zeros((1, A), self.dtype)) if parameter and config.learn_log_std else None
        self.std = nnx.Param(jnp.ones((1, A), self.dtype)) if parameter and not config.learn_log_std else None

    def _policy(self, features: jax.Array) -> Policy:
        """The policy distribution for actor features ``(..., F)``."""
        return self._distribution(record("actor_mu", self.actor_mu(features)), features)

    def _distribution(self, mu: jax.Array, features: jax.Array) -> Policy:
        """The policy distribution for the mean head's output (or the logits)
        ``mu`` ``(..., A)`` and the actor features ``(..., F)``."""
        if self.discrete:
            return distrax.Categorical(logits=mu)
        config = self.config
        if config.mean_clip_scale is not None:
            mu = record("mean_clip", config.mean_clip_scale * mu / (1 + jnp.abs(mu)))
        if self.actor_sigma is not None:
            std = self.actor_sigma(features)
        else:  # (1, A), as in JaxDEM; the batch shape is x.shape[:-1]
            std = jnp.exp(self.log_std[0]) if self.log_std is not None else self.std[0]
            std = record(config.std_parameter, jnp.broadcast_to(std, mu.shape))
        if config.min_std:
            std = record("min_std", std + config.min_std)
        if is_recording():  # the deterministic action (log_prob's inverse runs on given actions)
            record("bij.forward", self.bij.forward(mu))
        return Transformed(distrax.MultivariateNormalDiag(mu, std), self.bij)

    _observation = read
    """``x`` checked, cast and normalised as the torsos take it (``observations.read``)."""


def as_rngs(key: nnx.Rngs | int) -> nnx.Rngs:
    """``key`` as ``nnx.Rngs`` (an int is a seed)."""
    if isinstance(key, nnx.Rngs):
        return key
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return nnx.Rngs(int(key))
    raise TypeError(f"expected key to be nnx.Rngs or an int seed, got {type(key).__name__}")


@functools.lru_cache(maxsize=64)
def _abstract(base: type, model_class: type, model_type: str, metadata: str) -> tuple[nnx.GraphDef, nnx.State]:
    """The structure and abstract state of ``model_type`` (registered as
    ``model_class``: part of the key, so a re-registered name is rebuilt) with
    ``metadata`` (JSON)."""
    return nnx.split(nnx.eval_shape(lambda: base.from_metadata(model_type, json.loads(metadata))))


def _join(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path)
