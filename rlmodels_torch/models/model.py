"""The model base class: the registry, the model's description (``config``),
canonical parameters, and the policy heads and distribution every
actor-critic shares."""

from __future__ import annotations

import inspect
from typing import Any, ClassVar, Mapping

import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical, Independent, Normal

from rlmodels_common.checkpoint_format import check_tensors
from rlmodels_common.configs import KnownNames, ModelConfig
from rlmodels_common.factory import Factory
from rlmodels_common.initialization import SIGMA_HEAD_BIAS, SIGMA_HEAD_SCALE
from rlmodels_common.intermediates import is_recording, record

from ..action_spaces import ActionSpace, lift
from ..activations import ACTIVATIONS, resolve_activation
from ..distributions import Transformed
from ..dtypes import TORCH_DTYPES, dtype_name
from .layers import Sequential, canonical_tensors, linear, load_canonical
from .observations import make_normalizer, read

Policy = Transformed | Categorical

SIGMA_ACTIVATIONS = {"softplus": ACTIVATIONS["softplus"], "exp": torch.exp, "identity": ACTIVATIONS["identity"]}
"""``sigma_activation``: what the standard deviation's head applies to its Linear."""


class Model(Factory, nn.Module):
    """Base class of the actor-critic models: ``pi, value = model(x)``.

    Subclasses register with ``@Model.register("Name")`` and are built by
    ``Model.create("Name", **kwargs)``. A built-in model's constructor
    arguments are its ``config`` (``rlmodels_common.configs``), which states
    them, their defaults and their checks once for both backends; ``device``
    places the parameters (as ``.to(device)`` after construction).
    ``canonical_params`` names parameters as the JAX reference does (Linear
    ``weight`` ``(out, in)`` becomes ``kernel`` ``(in, out)``); those names are
    the checkpoint's.
    """

    config_class: ClassVar[type[ModelConfig] | None] = None
    check_finite: bool = False
    """Set True to raise ``ValueError`` naming the environments whose observation
    holds a NaN or an infinity (off: they give NaN actions and values, silently)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "config_class" in cls.__dict__:  # the constructor takes the configuration's fields
            P = inspect.Parameter
            key = P("key", P.POSITIONAL_OR_KEYWORD, annotation="int | torch.Generator")
            device = P("device", P.KEYWORD_ONLY, default=None, annotation="torch.device | str | None")
            cls.__signature__ = cls.config_class.signature(key, device)

    def __init__(
        self, observation_space_size: int, action_space_size: int, key: int | torch.Generator,
        *, device: torch.device | str | None = None, **options: Any,
    ) -> None:  # fmt: skip
        """A built-in model: ``options`` are its configuration's fields (see ``config_class``)."""
        config = self._configure(observation_space_size, action_space_size, options)
        self.observation_keys = config.observation_keys
        self.normalizer = make_normalizer(config)
        self._build(config, as_generator(key))
        self._init_state()
        if device is not None:  # drawn on the CPU, where the generator is, then moved
            self.to(device)

    def _build(self, config: Any, key: torch.Generator) -> None:
        """Create the layers, drawing their initial parameters from ``key`` in a fixed order."""
        raise NotImplementedError

    def _init_state(self) -> None:
        """Create the state that is not a parameter (a recurrent model's carry)."""

    def forward(
        self,
        x: torch.Tensor | np.ndarray,
        sequence: bool = False,
        *,
        initial_carry: Any = None,
        done: Any = None,
        return_carry: bool = False,
    ) -> tuple[Policy, torch.Tensor] | tuple[Policy, torch.Tensor, Any]:
        """A feed-forward model acts on every leading index alike: ``sequence``,
        ``initial_carry`` and ``done`` change nothing; ``return_carry`` adds None."""
        pi, value = self._forward(self._observation(x))
        return (pi, value, None) if return_carry else (pi, value)

    def _forward(self, x: torch.Tensor) -> tuple[Policy, torch.Tensor]:
        raise NotImplementedError

    # The recurrent-state API (docs/recurrent.md). Feed-forward models have no
    # carry: these accept it as None, so one training loop drives every model.

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
        """Cut the persistent carry from the graph that computed it (truncated
        backpropagation); feed-forward models have none, so this does nothing."""

    def step(self, x: torch.Tensor | np.ndarray, carry: Any) -> tuple[Policy, torch.Tensor, Any]:
        """``model(x)`` with the carry passed in and returned: ``(pi, value, None)``."""
        self.carry = carry  # None, or a clear error
        return *self(x), None

    # -- the description ---------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        """A parameter, buffer or submodule (``nn.Module``'s), else a configuration
        field read as an attribute: ``model.hidden_features`` is ``model.config.hidden_features``."""
        try:
            return super().__getattr__(name)
        except AttributeError:
            config = self.__dict__.get("_config")
            if config is not None and name in config.field_names():
                return getattr(self.config, name)
            raise

    @property
    def config(self) -> ModelConfig:
        """The constructor arguments (``rlmodels_common.configs``); ``dtype``
        follows the parameters (``.to(torch.float64)`` changes it)."""
        if self._config.dtype != self.dtype:
            self._config = self._config.replace(dtype=self.dtype)
        return self._config

    @property
    def metadata(self) -> dict[str, Any]:
        """JSON-serialisable constructor arguments (``config.metadata()``)."""
        return self.config.metadata()

    @property
    def dtype(self) -> str:
        """The parameter dtype, ``"float32"`` or ``"float64"``."""
        return dtype_name(self._like().dtype)

    @property
    def obs_dim(self) -> int:
        """The observation size, ``observation_space_size``."""
        return self._config.observation_space_size

    def _configure(self, observation_space_size: int, action_space_size: int, options: dict[str, Any]) -> Any:
        """Check the constructor's arguments against the configuration class and
        set ``config``, ``activation`` (the function), ``action_space``, ``bij``
        and ``discrete``; returns the configuration."""
        nn.Module.__init__(self)
        fields = self.config_class.field_names()
        unknown = sorted(set(options) - set(fields))
        if unknown:
            raise TypeError(f"{type(self).__name__} got unexpected arguments {unknown}; its options are {', '.join(fields[2:])}, device")
        space = options.get("action_space")
        if space is not None and not isinstance(space, ActionSpace):
            raise TypeError(f"expected an ActionSpace (e.g. Box(-1, 1)), got {type(space).__name__}")
        if "dtype" in options:
            options = {**options, "dtype": dtype_name(options["dtype"])}
        config = self.config_class(observation_space_size=observation_space_size, action_space_size=action_space_size, **options)
        name, self.activation = resolve_activation(config.activation, config.dtype)
        self._config = config if name is None else config.replace(activation=name)
        self.discrete = config.discrete
        entry = config.action_space
        self.action_space = space if space is not None or entry is None else ActionSpace.create(entry["type"], **entry["kwargs"])
        self.bij = None if self.action_space is None else lift(self.action_space)
        return self._config

    @classmethod
    def known_names(cls) -> KnownNames:
        """The model types, activations and action spaces this backend can build
        (the built-in ones and any a user registered)."""
        return KnownNames(cls.registered_names(), tuple(ACTIVATIONS), ActionSpace.registered_names())

    @classmethod
    def from_metadata(cls, model_type: str, metadata: Mapping[str, Any], key: int | torch.Generator = 0) -> "Model":
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

    # -- parameters under their canonical names ------------------------------------------

    def canonical_params(self) -> dict[str, np.ndarray]:
        """A copy of the parameters as numpy arrays under their canonical
        (checkpoint) names, JAX layout (a snapshot: training goes on without it)."""
        return {name: value.detach().cpu().numpy().copy() for name, value in canonical_tensors(self)}

    def canonical_grads(self) -> dict[str, np.ndarray]:
        """The ``.grad`` of every parameter under its canonical name, JAX layout
        (zeros where backward left none), to compare with JAX gradients."""
        return {name: value.detach().cpu().numpy() for name, value in canonical_tensors(self, grads=True)}

    def load_canonical_params(self, tensors: Mapping[str, np.ndarray], source: str = "tensors") -> None:
        """Replace every parameter from ``tensors`` (canonical names, JAX layout).

        Raises ``CheckpointError`` naming missing, unexpected and mis-shaped
        entries; the model is unchanged if anything does not match.
        """
        expected = {name: (tuple(v.shape), dtype_name(v.dtype)) for name, v in canonical_tensors(self)}
        check_tensors(expected, tensors, source)
        # Read-only arrays (JAX buffers) are only copied from, but torch warns on them.
        arrays = {k: np.asarray(v) for k, v in tensors.items()}
        with torch.no_grad():
            load_canonical(self, {k: torch.as_tensor(a if a.flags.writeable else a.copy()) for k, a in arrays.items()})

    # -- the policy head -------------------------------------------------------------------

    def _init_heads(self, features: int, actor_scale: float, key: torch.Generator, init: str = "orthogonal") -> None:
        """``actor_mu`` and the standard deviation (see :meth:`_init_sigma`)."""
        self.actor_mu = linear(features, self._config.action_space_size, actor_scale, key, self._config.dtype, init=init)
        self._init_sigma(features, key, init)

    def _init_sigma(self, features: int, key: torch.Generator, init: str = "orthogonal") -> None:
        """The standard deviation of a continuous policy: an ``actor_sigma`` head
        (``Linear`` and its ``sigma_activation``), or the parameter ``log_std``
        (zeros) or ``std`` (ones) ``(1, A)``: a standard deviation of 1."""
        config = self._config
        A, continuous, sigma_head = config.action_space_size, not self.discrete, config.actor_sigma_head
        head = linear(features, A, SIGMA_HEAD_SCALE, key, config.dtype, bias=SIGMA_HEAD_BIAS, init=init) if continuous and sigma_head else None
        self.actor_sigma = None if head is None else Sequential("actor_sigma", head, SIGMA_ACTIVATIONS[config.sigma_activation])
        parameter, kind = continuous and not sigma_head, TORCH_DTYPES[config.dtype]
        self.log_std = nn.Parameter(torch.zeros((1, A), dtype=kind)) if parameter and config.learn_log_std else None
        self.std = nn.Parameter(torch.ones((1, A), dtype=kind)) if parameter and not config.learn_log_std else None

    def _policy(self, features: torch.Tensor) -> Policy:
        """The policy distribution for actor features ``(..., F)``."""
        return self._distribution(record("actor_mu", self.actor_mu(features)), features)

    def _distribution(self, mu: torch.Tensor, features: torch.Tensor) -> Policy:
        """The policy distribution with mean (or logits) ``mu`` ``(..., A)`` for actor features ``(..., F)``."""
        if self.discrete:
            # Normalised as distrax does (x - max - log sum exp(x - max)): torch's own
            # logits - logsumexp(logits) rounds at the size of the largest logit.
            return Categorical(logits=torch.log_softmax(mu, -1), validate_args=False)
        config = self._config
        if config.mean_clip_scale is not None:
            mu = record("mean_clip", config.mean_clip_scale * mu / (1 + torch.abs(mu)))
        if self.actor_sigma is not None:
            std = self.actor_sigma(features)
        else:  # (1, A), as in JaxDEM; the batch shape is x.shape[:-1]
            std = torch.exp(self.log_std[0]) if self.log_std is not None else self.std[0]
            std = record(config.std_parameter, std.expand(mu.shape))
        if config.min_std:
            std = record("min_std", std + config.min_std)
        if is_recording():  # the deterministic action (log_prob's inverse runs on given actions)
            record("bij.forward", self.bij(mu))
        return Transformed(Independent(Normal(mu, std, validate_args=False), 1, validate_args=False), self.bij)

    _observation = read
    """``x`` checked, cast and normalised as the torsos take it (``observations.read``)."""

    def _like(self) -> torch.Tensor:
        """A parameter holding the model's dtype and device (inputs and carries are cast to them)."""
        return self.actor_mu.weight


def as_generator(key: int | torch.Generator) -> torch.Generator:
    """``key`` as a ``torch.Generator`` (an int is a seed)."""
    if isinstance(key, torch.Generator):
        return key
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return torch.Generator().manual_seed(int(key))
    raise TypeError(f"expected key to be a torch.Generator or an int seed, got {type(key).__name__}")
