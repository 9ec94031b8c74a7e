"""The model base class and the pieces every actor-critic shares: argument
checks, orthogonal linear layers, the policy heads and the policy distribution."""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical, Independent, Normal

from rlmodels_common.checkpoint_format import check_tensors
from rlmodels_common.factory import Factory
from rlmodels_common.jaxdem import reject_jaxdem_metadata
from rlmodels_common.initialization import SIGMA_HEAD_BIAS, SIGMA_HEAD_SCALE, positive_int

from ..action_spaces import ActionSpace, Free, lift
from ..activations import ACTIVATIONS, Activation, resolve_activation
from ..distributions import Transformed
from ..dtypes import TORCH_DTYPES, dtype_name

Policy = Transformed | Categorical


class Model(Factory, nn.Module):
    """Base class of the actor-critic models: ``pi, value = model(x)``.

    Subclasses register with ``@Model.register("Name")`` and are built by
    ``Model.create("Name", **kwargs)``. ``canonical_params`` names parameters as
    the JAX reference does (Linear ``weight`` ``(out, in)`` becomes ``kernel``
    ``(in, out)``); those names are the checkpoint's.
    """

    discrete: bool
    dtype: str

    def forward(
        self,
        x: torch.Tensor,
        sequence: bool = False,
        *,
        initial_carry: Any = None,
        done: Any = None,
        return_carry: bool = False,
    ) -> tuple[Policy, torch.Tensor] | tuple[Policy, torch.Tensor, Any]:
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

    def step(self, x: torch.Tensor | np.ndarray, carry: Any) -> tuple[Policy, torch.Tensor, Any]:
        """``model(x)`` with the carry passed in and returned: ``(pi, value, None)``."""
        self.carry = carry  # None, or a clear error
        return *self(x), None

    @property
    def metadata(self) -> dict[str, Any]:
        """JSON-serialisable constructor arguments (see ``rlmodels_common.metadata``)."""
        raise NotImplementedError

    @classmethod
    def from_metadata(
        cls, model_type: str, metadata: Mapping[str, Any], key: int | torch.Generator = 0
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

    def canonical_params(self) -> dict[str, np.ndarray]:
        """Parameters as numpy arrays under their canonical (checkpoint) names, JAX layout."""
        return {name: value.detach().cpu().numpy() for name, value in self._canonical_tensors()}

    def canonical_grads(self) -> dict[str, np.ndarray]:
        """The ``.grad`` of every parameter under its canonical name, JAX layout
        (zeros where backward left none), to compare with JAX gradients."""
        return {name: value.detach().cpu().numpy() for name, value in self._canonical_tensors(grads=True)}

    def load_canonical_params(self, tensors: Mapping[str, np.ndarray], source: str = "tensors") -> None:
        """Replace every parameter from ``tensors`` (canonical names, JAX layout).

        Raises ``CheckpointError`` naming missing, unexpected and mis-shaped
        entries; the model is unchanged if anything does not match.
        """
        expected = {name: (tuple(v.shape), dtype_name(v.dtype)) for name, v in self._canonical_tensors()}
        check_tensors(expected, tensors, source)
        # Read-only arrays (JAX buffers) are only copied from, but torch warns on them.
        arrays = {k: np.asarray(v) for k, v in tensors.items()}
        with torch.no_grad():
            self._load_canonical({k: torch.as_tensor(a if a.flags.writeable else a.copy()) for k, a in arrays.items()})

    def _canonical_tensors(self, grads: bool = False) -> Iterator[tuple[str, torch.Tensor]]:
        """``(canonical name, tensor in JAX layout)`` for every parameter, or for
        its gradient if ``grads``."""
        for prefix, module in self.named_modules():
            if isinstance(module, nn.Linear):
                yield f"{prefix}.kernel", pick(module.weight, grads).T
                if module.bias is not None:
                    yield f"{prefix}.bias", pick(module.bias, grads)
        if self.log_std is not None:
            yield "log_std", pick(self.log_std, grads)

    def _load_canonical(self, tensors: Mapping[str, torch.Tensor]) -> None:
        for prefix, module in self.named_modules():
            if isinstance(module, nn.Linear):
                module.weight.copy_(tensors[f"{prefix}.kernel"].T)
                if module.bias is not None:
                    module.bias.copy_(tensors[f"{prefix}.bias"])
        if self.log_std is not None:
            self.log_std.copy_(tensors["log_std"])

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
        nn.Module.__init__(self)
        self.obs_dim = positive_int("observation_space_size", observation_space_size)
        self.action_space_size = positive_int("action_space_size", action_space_size)
        self.activation_name, self.activation = resolve_activation(activation)
        self.discrete = bool(discrete)
        self.actor_sigma_head = bool(actor_sigma_head)
        self.dtype = dtype_name(dtype)
        self.action_space: ActionSpace | None = None
        self.bij = None
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

    def _init_heads(self, features: int, actor_scale: float, key: torch.Generator) -> None:
        """``actor_mu`` and the standard deviation: ``actor_sigma`` head or ``log_std``."""
        self.actor_mu = linear(features, self.action_space_size, actor_scale, key, self.dtype)
        self._init_sigma(features, key)

    def _init_sigma(self, features: int, key: torch.Generator) -> None:
        """The standard deviation of a continuous policy: ``actor_sigma`` head or ``log_std``."""
        continuous = not self.discrete
        self.actor_sigma = (
            Sequential(
                linear(features, self.action_space_size, SIGMA_HEAD_SCALE, key, self.dtype, bias=SIGMA_HEAD_BIAS),
                ACTIVATIONS["softplus"],
            )
            if continuous and self.actor_sigma_head
            else None
        )
        self.log_std = (
            nn.Parameter(torch.zeros((1, self.action_space_size), dtype=TORCH_DTYPES[self.dtype]))
            if continuous and not self.actor_sigma_head
            else None
        )

    def _policy(self, features: torch.Tensor) -> Policy:
        """The policy distribution for actor features ``(..., F)``."""
        return self._distribution(self.actor_mu(features), features)

    def _distribution(self, mu: torch.Tensor, features: torch.Tensor) -> Policy:
        """The policy distribution with mean (or logits) ``mu`` ``(..., A)`` for actor features ``(..., F)``."""
        if self.discrete:
            # Normalised as distrax does (x - max - log sum exp(x - max)): torch's own
            # logits - logsumexp(logits) rounds at the size of the largest logit.
            return Categorical(logits=torch.log_softmax(mu, -1), validate_args=False)
        if self.actor_sigma is not None:
            std = self.actor_sigma(features)
        else:
            # log_std is (1, A) as in the seed; the batch shape is x.shape[:-1].
            # expand_as, not expand(mu.shape): parsing a Size costs ~1.5 us a call.
            std = torch.exp(self.log_std[0]).expand_as(mu)
        return Transformed(Independent(Normal(mu, std, validate_args=False), 1, validate_args=False), self.bij)

    def _observation(self, x: torch.Tensor | np.ndarray) -> torch.Tensor:
        """``x`` as a tensor of the model's dtype and device, checked to be ``(..., obs_dim)``."""
        weight = self._like()
        if not isinstance(x, torch.Tensor):
            x = torch.as_tensor(x, dtype=weight.dtype, device=weight.device)
        elif x.dtype != weight.dtype or x.device != weight.device:
            x = x.to(dtype=weight.dtype, device=weight.device)
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

    def _apply(self, fn: Any, recurse: bool = True) -> "Model":
        # .to(), .double(), .float() change the parameter dtype: keep the
        # recorded dtype in step with it.
        out = super()._apply(fn, recurse)
        self.dtype = str(self._like().dtype).removeprefix("torch.")
        return out

    def _like(self) -> torch.Tensor:
        """A parameter holding the model's dtype and device (inputs and carries are cast to them)."""
        return self.actor_mu.weight


class ActivationLayer(nn.Module):
    """An activation function as a module, so ``Sequential`` indices match Flax's."""

    def __init__(self, fn: Activation) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)

    # Called straight, not through nn.Module.__call__'s hook dispatch, which cost
    # ~2 us per activation of a ~130 us act step at batch 1 (benchmarks/); an
    # activation has no parameters or state for a hook to see.
    __call__ = forward

    def extra_repr(self) -> str:
        return getattr(self.fn, "__name__", repr(self.fn))


class Sequential(nn.Module):
    """Layers applied in order, held in ``layers`` like ``nnx.Sequential``, so the
    parameter paths (``layers.0``, ``layers.2``, ...) match the JAX reference."""

    def __init__(self, *layers: nn.Module | Activation) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            layer if isinstance(layer, nn.Module) else ActivationLayer(layer) for layer in layers
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


def usable(carry: Any) -> Any:
    """``carry`` (a tensor or a tuple of them), cloned if it was made under
    ``torch.inference_mode()`` and is now used where autograd may need to save
    it (a rollout's carry fed to training). Under torch.compile, which cannot
    ask, use ``torch.no_grad()`` for rollouts."""
    first = carry[0] if isinstance(carry, tuple) else carry
    if torch.compiler.is_compiling() or torch.is_inference_mode_enabled() or not first.is_inference():
        return carry
    return tuple(a.clone() for a in carry) if isinstance(carry, tuple) else carry.clone()


def pick(parameter: torch.Tensor, grad: bool) -> torch.Tensor:
    """``parameter``, or its gradient (zeros if there is none)."""
    if not grad:
        return parameter
    return parameter.grad if parameter.grad is not None else torch.zeros_like(parameter)


def as_generator(key: int | torch.Generator) -> torch.Generator:
    """``key`` as a ``torch.Generator`` (an int is a seed)."""
    if isinstance(key, torch.Generator):
        return key
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return torch.Generator().manual_seed(int(key))
    raise TypeError(f"expected key to be a torch.Generator or an int seed, got {type(key).__name__}")



def linear(
    in_features: int, out_features: int, scale: float, key: torch.Generator, dtype: str, bias: float = 0.0
) -> nn.Linear:
    """Linear layer with an orthogonal kernel scaled by ``scale`` and a constant bias."""
    layer = nn.Linear(in_features, out_features, dtype=TORCH_DTYPES[dtype])
    with torch.no_grad():
        nn.init.orthogonal_(layer.weight, gain=scale, generator=key)
        layer.bias.fill_(bias)
    return layer


def mlp_layers(
    in_features: int, sizes: Sequence[int], activation: Activation, scale: float, key: torch.Generator, dtype: str
) -> list[nn.Module | Activation]:
    """``Linear, activation`` pairs, so in a ``Sequential`` the kernels sit at
    ``layers.0, layers.2, ...``."""
    layers: list[nn.Module | Activation] = []
    for size in sizes:
        layers += [linear(in_features, size, scale, key, dtype), activation]
        in_features = size
    return layers
