"""The part of every model's description that all model families share.

A configuration is a frozen dataclass: a model family's constructor contract
written once, framework-free. Its fields are the constructor's arguments
(``key`` and torch's ``device`` aside: they say where a model is made, not
what it is), with their defaults; building one validates them with the
errors the constructors raise; :meth:`ModelConfig.metadata` and
:meth:`ModelConfig.from_metadata` are the JSON round trip a checkpoint
stores; :meth:`ModelConfig.parameter_shapes` and
:meth:`ModelConfig.carry_shapes` state what the model holds. Both backends
build their models from it; checkpoint checks, strategies, importers,
exporters and adapters read it.
"""

from __future__ import annotations

import dataclasses
import inspect
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Collection, Mapping, TypeVar

from ..action_spaces import ACTION_SPACES, box_constants, max_norm_constants
from ..activations import ACTIVATIONS, DEFAULT_ACTIVATION
from ..dtypes import SUPPORTED_DTYPES
from ..errors import CheckpointError
from ..factory import normalize_key, unknown_name_message
from .fields import AT_LEAST_ZERO, FLAG, OBSERVATION_SIZE, POSITIVE, POSITIVE_INT, frozen, jsonable, kind_of, maybe, one_of, option

__all__ = ["FREE", "KnownNames", "ModelConfig", "Shapes", "action_space_entry", "linear_shapes"]

Shapes = dict[str, tuple[int, ...]]
C = TypeVar("C", bound="ModelConfig")

FREE: dict[str, Any] = {"type": "Free", "kwargs": {}}
"""The action space of a continuous model built without one."""


@dataclass(frozen=True)
class KnownNames:
    """The names a reader can build: model types, activations and action spaces.

    ``rlmodels inspect`` knows the built-in ones (``configs.BUILT_IN``); a
    backend's ``load`` knows its registries, which may hold user-registered names too.
    """

    models: Collection[str]
    activations: Collection[str]
    action_spaces: Collection[str]


def action_space_entry(type_name: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata entry for an action space: ``{"type": name, "kwargs": {...}}``."""
    return {"type": type_name, "kwargs": jsonable(dict(kwargs))}


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """The constructor contract of a model family (see the module docstring).

    ``activation`` is a registered name, or (in memory only) an unregistered
    callable; ``action_space`` is the metadata entry ``{"type", "kwargs"}`` of
    a continuous model's action space (None builds ``Free``), or any object
    with that entry as its ``metadata`` (a backend's ``ActionSpace``); it is
    None for a discrete model. ``dtype`` is ``"float32"`` or ``"float64"``.

    A continuous policy's standard deviation is ``f(s) + min_std``: ``s`` the
    output of a Linear head on the actor's features (``actor_sigma_head``)
    with ``f`` its ``sigma_activation`` (``softplus``, ``exp``, ``identity``),
    or else a parameter ``(1, A)`` with ``f = exp`` (``learn_log_std``: the
    parameter ``log_std``) or ``f = identity`` (the parameter ``std``). The
    mean is the head's output ``m``, or ``c m / (1 + |m|)`` with
    ``mean_clip_scale`` ``c``. ``normalize_observations``: observations enter
    as ``(x - mean) / std`` with the statistics ``normalizer.mean`` and
    ``normalizer.std`` ``(obs,)``, saved with the parameters, not trained.
    These options mean nothing to a discrete policy, which ignores them.

    ``observation_space_size`` is an int; a family that reads dict
    observations (``dict_observations``) also takes a mapping key -> size.
    """

    model_type: ClassVar[str]
    dict_observations: ClassVar[bool] = False
    observation_space_size: int | dict[str, int] = option(OBSERVATION_SIZE)
    action_space_size: int = option(POSITIVE_INT)
    activation: str | Callable[..., Any] = DEFAULT_ACTIVATION
    action_space: Any = None
    actor_sigma_head: bool = option(FLAG, False)
    discrete: bool = option(FLAG, False)
    dtype: str = option(one_of(SUPPORTED_DTYPES), "float32")
    sigma_activation: str = option(one_of(["softplus", "exp", "identity"]), "softplus", added="0.2")
    learn_log_std: bool = option(FLAG, True, draw="flag", added="0.2")
    min_std: float = option(AT_LEAST_ZERO, 0.0, added="0.2")
    mean_clip_scale: float | None = option(maybe(POSITIVE), None, added="0.2")
    normalize_observations: bool = option(FLAG, False, draw="flag", added="0.2")

    def __post_init__(self) -> None:
        for field, value in self._items():
            kind = kind_of(field)
            if kind is not None:
                object.__setattr__(self, field.name, kind.convert(field.name, value))
        if not (isinstance(self.activation, str) or callable(self.activation)):
            raise TypeError(f"expected an activation name or callable, got {type(self.activation).__name__}")
        if isinstance(self.observation_space_size, dict) and not self.dict_observations:
            raise ValueError(
                f"{self.model_type} takes array observations: expected observation_space_size a positive integer, "
                f"got {self.observation_space_size!r}; only ActorCritic reads dict observations "
                "(with actor_observation_key and critic_observation_key)"
            )
        object.__setattr__(self, "action_space", self._checked_action_space())

    def _checked_action_space(self) -> dict[str, Any] | None:
        given = self.action_space
        if self.discrete:
            if given is not None:
                raise ValueError(
                    f"action_space applies to continuous actions only, got {given!r} with discrete=True; "
                    "drop it or set discrete=False"
                )
            if self.actor_sigma_head:
                raise ValueError(
                    "actor_sigma_head applies to continuous actions only, got True with discrete=True; "
                    "drop it or set discrete=False"
                )
            return None
        entry = FREE if given is None else getattr(given, "metadata", given)
        if not (isinstance(entry, Mapping) and isinstance(entry.get("type"), str) and isinstance(entry.get("kwargs"), Mapping)):
            raise ValueError(f'expected action_space null or {{"type": str, "kwargs": {{...}}}}, got {given!r}')
        check_action_space(entry["type"], entry["kwargs"], self.action_space_size)
        return action_space_entry(entry["type"], entry["kwargs"])

    def __hash__(self) -> int:  # action_space is a dict: hash a frozen copy
        return hash((type(self), frozen([(f.name, v) for f, v in self._items()])))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Set before @dataclass runs on the subclass, which then keeps it
        # instead of hashing the fields (the action_space entry is a dict).
        cls.__hash__ = ModelConfig.__hash__  # type: ignore[method-assign]

    def _items(self) -> list[tuple[dataclasses.Field, Any]]:
        return [(f, getattr(self, f.name)) for f in dataclasses.fields(self)]

    def replace(self: C, **changes: Any) -> C:
        """A copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)

    # -- the JSON round trip ---------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """The JSON-serialisable constructor arguments a checkpoint stores (every
        field; tuples as lists). ``ValueError`` for an unregistered activation."""
        if not isinstance(self.activation, str):
            raise ValueError(
                f"activation {self.activation!r} is not registered, so this model cannot be saved or converted; "
                "register it under a name with register_activation(name, fn) in rlmodels_jax and in rlmodels_torch"
            )
        return {f.name: jsonable(value) for f, value in self._items()}

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The metadata keys, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def signature(cls, key: inspect.Parameter, *extra: inspect.Parameter) -> inspect.Signature:
        """A model constructor's signature: the two sizes, ``key``, then every
        other field keyword-only with its default, then ``extra`` (torch's ``device``)."""
        P = inspect.Parameter
        observation = "int | Mapping[str, int]" if cls.dict_observations else "int"
        sizes = [P("observation_space_size", P.POSITIONAL_OR_KEYWORD, annotation=observation),
                 P("action_space_size", P.POSITIONAL_OR_KEYWORD, annotation="int")]  # fmt: skip
        options = [
            P(f.name, P.KEYWORD_ONLY, default=f.default, annotation=f.type)
            for f in dataclasses.fields(cls)
            if f.name not in ("observation_space_size", "action_space_size")
        ]
        return inspect.Signature([*sizes, key, *options, *extra], return_annotation=None)

    @classmethod
    def from_metadata(cls: type[C], metadata: Mapping[str, Any], known: KnownNames | None = None) -> C:
        """The configuration ``metadata`` (JSON) describes: exactly the fields, as
        JSON values (booleans are booleans, sizes lists), naming activations and
        action spaces in ``known`` (default: the built-in ones); a field added
        after the first release may be absent (a checkpoint written before it)
        and is then its default. ``ValueError`` naming what is wrong;
        ``CheckpointError`` for JaxDEM's metadata."""
        if _is_jaxdem(metadata):
            raise CheckpointError(
                f"this is JaxDEM metadata for {cls.model_type} (callables by import path, action space as "
                '{"type", "kw"}), not the rlmodels schema; import JaxDEM checkpoints with '
                "from_jaxdem(directory) or `rlmodels import-jaxdem DIR -o OUT`"
            )
        expected = cls.field_names()
        later = {f.name: f.default for f in dataclasses.fields(cls) if f.metadata.get("added")}
        metadata = {**{k: jsonable(v) for k, v in later.items() if k not in metadata}, **metadata}
        missing = sorted(set(expected) - set(metadata))
        unexpected = sorted(set(metadata) - set(expected))
        if missing or unexpected:
            problems = [f"{what} keys {keys}" for what, keys in (("missing", missing), ("unexpected", unexpected)) if keys]
            raise ValueError(f"{'; '.join(problems)}; expected exactly {', '.join(sorted(expected))}")
        for field in dataclasses.fields(cls):
            kind = kind_of(field)
            if kind is not None:
                kind.check(field.name, metadata[field.name])
        activations = tuple(ACTIVATIONS) if known is None else known.activations
        if not (isinstance(metadata["activation"], str) and metadata["activation"] in activations):
            raise ValueError(unknown_name_message("activation", metadata["activation"], activations))
        entry = metadata["action_space"]
        if entry is not None and not metadata["discrete"]:
            if not (isinstance(entry, Mapping) and isinstance(entry.get("type"), str)):
                raise ValueError(f'expected action_space null or {{"type": str, "kwargs": {{...}}}}, got {entry!r}')
            spaces = ACTION_SPACES if known is None else known.action_spaces
            if normalize_key(entry["type"]) not in {normalize_key(n) for n in spaces}:
                raise ValueError(unknown_name_message("ActionSpace", entry["type"], spaces))
        return cls(**metadata)

    # -- what a model of this configuration holds -------------------------------------

    def parameter_shapes(self) -> Shapes:
        """Canonical name -> shape of every parameter (JAX layout: Linear
        kernels are ``(in, out)``)."""
        raise NotImplementedError

    def carry_shapes(self) -> Shapes:
        """The recurrent carry: each entry's name, in the order the model takes
        them, and its shape for one environment; empty for a feed-forward model."""
        return {}

    def head_shapes(self, features: int, mean: bool = True) -> Shapes:
        """The observation normaliser's statistics and the policy head on
        ``features``: ``actor_mu`` (unless ``mean`` is False) and the standard
        deviation's parameters (an ``actor_sigma`` head, ``log_std`` or ``std``)."""
        A = self.action_space_size
        shapes = linear_shapes("actor_mu", features, A) if mean else {}
        if self.normalize_observations:
            shapes |= self.normalizer_shapes()
        if not self.discrete:
            shapes |= linear_shapes("actor_sigma.layers.0", features, A) if self.actor_sigma_head else {self.std_parameter: (1, A)}
        return shapes

    def normalizer_shapes(self) -> Shapes:
        """The observation normaliser's statistics: ``normalizer.mean`` and
        ``normalizer.std`` ``(obs,)``, or with dict observations
        ``normalizer.<key>.mean`` and ``.std`` for each key a torso reads."""
        keys, sizes = self.observation_keys, self.observation_space_size
        if keys is None:
            return {"normalizer.mean": (sizes,), "normalizer.std": (sizes,)}  # type: ignore[dict-item]
        return {f"normalizer.{key}.{name}": (sizes[key],) for key in keys for name in ("mean", "std")}  # type: ignore[index]

    @property
    def observation_keys(self) -> tuple[str, ...] | None:
        """The keys of dict observations the model reads, in the order its inputs
        take them; None for array observations."""
        return None

    @property
    def std_parameter(self) -> str:
        """The name of the standard deviation's parameter without a sigma head:
        ``log_std`` (``learn_log_std``) or ``std``."""
        return "log_std" if self.learn_log_std else "std"


def linear_shapes(prefix: str, fan_in: int, fan_out: int) -> Shapes:
    """A Linear layer's ``kernel`` ``(in, out)`` and ``bias``."""
    return {f"{prefix}.kernel": (fan_in, fan_out), f"{prefix}.bias": (fan_out,)}


def check_action_space(type_name: str, kwargs: Mapping[str, Any], size: int) -> None:
    """``ValueError`` unless a built-in action space's ``kwargs`` build it with
    bounds fitting ``size`` actions (a user-registered one checks itself)."""
    name = next((n for n in ACTION_SPACES if normalize_key(n) == normalize_key(type_name)), None)
    try:
        if name == "Box":
            bounds = box_constants(**kwargs).size
        elif name == "MaxNorm":
            max_norm_constants(**kwargs)
            bounds = None
        elif name == "Free" and kwargs:
            raise TypeError(f"Free takes no arguments, got {sorted(kwargs)}")
        else:
            bounds = None
    except TypeError as e:
        raise ValueError(f"action_space {name} arguments {dict(kwargs)}: {e}") from None
    if bounds is not None and bounds != size:
        raise ValueError(f"expected {name} bounds of length {size} (action_space_size) or scalars, got length {bounds}")


def _is_jaxdem(metadata: Mapping[str, Any]) -> bool:
    """JaxDEM's metadata: callables by import path, the action space as ``{"type", "kw"}``."""
    entry = metadata.get("action_space")
    if isinstance(entry, Mapping) and "kw" in entry and "kwargs" not in entry:
        return True
    return any(isinstance(v, Mapping) and v.get("_callable") for v in metadata.values())
