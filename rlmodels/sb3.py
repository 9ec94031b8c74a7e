"""Fine-tune an ``rlmodels_torch`` model with Stable-Baselines3.

::

    model = rt.load("policy")  # e.g. written by rlmodels_jax
    algo = PPO(rlmodels.sb3.Policy, env, policy_kwargs={"model": model})
    algo.learn(10_000)
    rt.save(algo.policy.model, "policy-finetuned")  # our format, readable by JAX

:class:`Policy` drives a feed-forward model (``SharedActorCritic``,
``ActorCritic``) with ``stable_baselines3.PPO`` (or A2C); an ``ActorCritic``
reading dict observations takes a gymnasium ``Dict`` observation space holding
its keys, and gets SB3's preprocessed dict as it is (SB3's
``DictRolloutBuffer`` stores it);
:class:`RecurrentPolicy` drives ``LSTMActorCritic`` and ``MinGRUActorCritic``
with ``sb3_contrib.RecurrentPPO``. The model is the whole policy: its own
distribution (so log-probabilities, entropies and deterministic actions are
the model's, continuous actions already mapped through its action space) and
its own value head; SB3 builds no networks of its own. ``policy_kwargs``
takes ``model`` (a model or a checkpoint path) and SB3's optimizer settings.
SB3 computes in float32: convert a float64 model with
``rlmodels_torch.with_dtype(model, "float32")``. Needs the ``sb3`` extra.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rlmodels_common.convert import require

from rlmodels_common.extras import require_extra

require_extra("sb3", ("stable_baselines3", "sb3_contrib", "gymnasium"), "rlmodels.sb3")
rt = require("torch", "rlmodels.sb3")

import torch  # noqa: E402  (after the checks: a missing package gets the install hint)
from gymnasium import spaces  # noqa: E402
from sb3_contrib.common.recurrent.policies import RecurrentActorCriticPolicy  # noqa: E402
from sb3_contrib.common.recurrent.type_aliases import RNNStates  # noqa: E402
from stable_baselines3.common.distributions import Distribution  # noqa: E402
from stable_baselines3.common.policies import ActorCriticPolicy  # noqa: E402
from stable_baselines3.common.preprocessing import get_flattened_obs_dim  # noqa: E402
from stable_baselines3.common.torch_layers import BaseFeaturesExtractor  # noqa: E402

from rlmodels_common.observations import describe_keys  # noqa: E402

from .manifest import carry_shapes, observation_inputs  # noqa: E402

__all__ = ["ModelDistribution", "PassThrough", "Policy", "RecurrentPolicy"]

LSTMStates = tuple[torch.Tensor, torch.Tensor]
"""SB3's recurrent state ``(h, c)``, each ``(n_lstm_layers, n_seq, hidden_size)``."""


class ModelDistribution(Distribution):
    """An SB3 distribution holding the model's policy (a torch distribution)."""

    def __init__(self, pi: Any = None) -> None:
        super().__init__()
        self.distribution = pi

    def proba_distribution_net(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the wrapped model holds its own policy head")

    def proba_distribution(self, pi: Any) -> "ModelDistribution":
        self.distribution = pi
        return self

    def log_prob(self, actions: torch.Tensor) -> torch.Tensor:
        return self.distribution.log_prob(actions)

    def entropy(self) -> torch.Tensor:
        return self.distribution.entropy()

    def sample(self) -> torch.Tensor:
        return self.distribution.sample()

    def mode(self) -> torch.Tensor:
        return rt.deterministic_action(self.distribution)

    def actions_from_params(self, pi: Any, deterministic: bool = False) -> torch.Tensor:
        return self.proba_distribution(pi).get_actions(deterministic=deterministic)

    def log_prob_from_params(self, pi: Any) -> tuple[torch.Tensor, torch.Tensor]:
        actions = self.actions_from_params(pi)
        return actions, self.log_prob(actions)


class PassThrough(BaseFeaturesExtractor):
    """SB3's features extractor for dict observations: the preprocessed dict of
    tensors, as it is (the model reads its keys)."""

    def __init__(self, observation_space: spaces.Dict) -> None:
        super().__init__(observation_space, get_flattened_obs_dim(observation_space))

    def forward(self, observations: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return observations


class Policy(ActorCriticPolicy):
    """An SB3 actor-critic policy that is a feed-forward rlmodels model;
    ``model`` is the model or its checkpoint directory."""

    def __init__(
        self, observation_space: spaces.Space, action_space: spaces.Space, lr_schedule: Any,
        model: rt.Model | str | Path, **kwargs: Any,
    ) -> None:  # fmt: skip
        model = _checked(model, observation_space, action_space, recurrent=False)
        if isinstance(observation_space, spaces.Dict):
            kwargs.setdefault("features_extractor_class", PassThrough)
        super().__init__(observation_space, action_space, lr_schedule, **kwargs)
        self.model = model
        self.optimizer = self.optimizer_class(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)

    def _build(self, lr_schedule: Any) -> None:
        # SB3 builds its networks and their optimizer here; the model is both,
        # set up in __init__ once SB3's base classes are ready.
        pass

    def forward(self, obs: torch.Tensor, deterministic: bool = False) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        pi, value = self.model(self.extract_features(obs))
        actions = ModelDistribution(pi).get_actions(deterministic=deterministic)
        return actions, value, pi.log_prob(actions)

    def evaluate_actions(self, obs: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        pi, value = self.model(self.extract_features(obs))
        return value, pi.log_prob(actions), pi.entropy()

    def get_distribution(self, obs: torch.Tensor) -> ModelDistribution:
        return ModelDistribution(self.model(self.extract_features(obs))[0])

    def predict_values(self, obs: torch.Tensor) -> torch.Tensor:
        return self.model(self.extract_features(obs))[1]


class RecurrentPolicy(RecurrentActorCriticPolicy):
    """An ``sb3_contrib.RecurrentPPO`` policy that is an ``LSTMActorCritic`` or
    a ``MinGRUActorCritic``.

    SB3's state is an LSTM's ``(h, c)``, each ``(n_lstm_layers, n_envs,
    hidden_size)``. For ``LSTMActorCritic`` it is the model's carry ``(c, h)``
    (one layer). For ``MinGRUActorCritic`` SB3's ``h`` holds the model's one
    carry ``h`` ``(n_envs, num_layers, gru_features)`` with the layers on SB3's
    layer axis, the per-layer hidden state SB3's layout describes, and ``c``
    stays zeros: RecurrentPPO stores both, so its rollout buffer holds that
    unused half at the size of ``h``. ``episode_starts`` zeroes the state
    before a step, which is the model's ``done`` one step earlier. Actor and
    critic share the one recurrent torso, and the value loss trains it too, as
    in the model's JAX original (SB3's own ``shared_lstm`` would stop that
    gradient).
    """

    def __init__(
        self, observation_space: spaces.Space, action_space: spaces.Space, lr_schedule: Any,
        model: rt.Model | str | Path, **kwargs: Any,
    ) -> None:  # fmt: skip
        model = _checked(model, observation_space, action_space, recurrent=True)
        shapes = carry_shapes(model)
        self.one_array = len(shapes) == 1  # the MinGRU's h (layers, features), not the LSTM's (c, h)
        layers, H = shapes["h"] if self.one_array else (1, *shapes["h"])
        super().__init__(
            observation_space, action_space, lr_schedule,
            lstm_hidden_size=H, n_lstm_layers=layers, shared_lstm=True, enable_critic_lstm=False, **kwargs,
        )  # fmt: skip
        # RecurrentPPO sizes its state buffers from lstm_actor; the model holds the recurrence.
        del self.lstm_actor
        self.lstm_actor = _StateSize(num_layers=layers, hidden_size=H)
        self.model = model
        self.optimizer = self.optimizer_class(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)

    def _build(self, lr_schedule: Any) -> None:
        pass  # see Policy._build

    def forward(
        self, obs: torch.Tensor, lstm_states: RNNStates, episode_starts: torch.Tensor, deterministic: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, RNNStates]:
        pi, value, states = self._step(obs, lstm_states.pi, episode_starts)
        actions = ModelDistribution(pi).get_actions(deterministic=deterministic)
        return actions, value, pi.log_prob(actions), RNNStates(states, states)

    def get_distribution(
        self, obs: torch.Tensor, lstm_states: LSTMStates, episode_starts: torch.Tensor
    ) -> tuple[ModelDistribution, LSTMStates]:
        pi, _, states = self._step(obs, lstm_states, episode_starts)
        return ModelDistribution(pi), states

    def predict_values(self, obs: torch.Tensor, lstm_states: LSTMStates, episode_starts: torch.Tensor) -> torch.Tensor:
        if obs.shape[0] == lstm_states[0].shape[1]:  # one step per sequence
            return self._step(obs, lstm_states, episode_starts)[1]
        return self._sequences(obs, None, lstm_states, episode_starts)[0]

    def evaluate_actions(
        self, obs: torch.Tensor, actions: torch.Tensor, lstm_states: RNNStates, episode_starts: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self._sequences(obs, actions, lstm_states.pi, episode_starts)

    def _step(
        self, obs: torch.Tensor, states: LSTMStates, episode_starts: torch.Tensor
    ) -> tuple[Any, torch.Tensor, LSTMStates]:
        """One step of ``n`` environments: ``obs`` ``(n, obs_dim)``."""
        pi, value, carry = self.model.step(self.extract_features(obs), self._carry(states, episode_starts))
        if self.one_array:
            h = carry.transpose(0, 1)
            return pi, value, (h, torch.zeros_like(h))
        c, h = carry
        return pi, value, (h[None], c[None])

    def _sequences(
        self, obs: torch.Tensor, actions: torch.Tensor | None, states: LSTMStates, episode_starts: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Values, log-probabilities of ``actions`` and entropies over ``n``
        sequences laid end to end (``obs`` ``(n * T, obs_dim)``, SB3's order),
        in the model's sequence mode; each output ``(n * T,)``, the value ``(n * T, 1)``."""
        n = states[0].shape[1]

        def time_major(a: torch.Tensor) -> torch.Tensor:
            return a.reshape(n, -1, *a.shape[1:]).transpose(0, 1)

        def sb3_order(a: torch.Tensor) -> torch.Tensor:
            return a.transpose(0, 1).reshape(-1, *a.shape[2:])

        x, starts = time_major(self.extract_features(obs)), time_major(episode_starts.bool())
        # RecurrentPPO cuts its sequences at episode starts, so most carry no reset
        # after the first step: then the fused kernel runs the whole sequence.
        done = torch.cat([starts[1:], torch.zeros_like(starts[:1])]) if bool(starts[1:].any()) else None
        pi, value = self.model(x, sequence=True, initial_carry=self._carry(states, starts[0]), done=done)
        if actions is None:
            return (sb3_order(value),)  # type: ignore[return-value]
        return sb3_order(value), sb3_order(pi.log_prob(time_major(actions))), sb3_order(pi.entropy())

    def _carry(self, states: LSTMStates, episode_starts: torch.Tensor) -> Any:
        """SB3's ``(h, c)`` as the model's carry, zeroed where an episode starts:
        the LSTM's ``(c, h)``, or the MinGRU's ``h`` ``(n, layers, features)``."""
        starts = episode_starts.reshape(-1, 1).bool()
        if self.one_array:
            return torch.where(starts[..., None], 0.0, states[0].transpose(0, 1))
        h, c = states[0][0], states[1][0]
        return torch.where(starts, 0.0, c), torch.where(starts, 0.0, h)


class _StateSize:
    """The two sizes ``RecurrentPPO`` reads from ``policy.lstm_actor``."""

    def __init__(self, num_layers: int, hidden_size: int) -> None:
        self.num_layers, self.hidden_size = num_layers, hidden_size


def _checked(model: rt.Model | str | Path, observation_space: spaces.Space, action_space: spaces.Space, recurrent: bool) -> rt.Model:
    """``model`` (loaded if a path), checked to fit the spaces and the policy class."""
    if isinstance(model, (str, Path)):
        model = rt.load(model)
    if not isinstance(model, rt.Model):
        raise TypeError(f"expected policy_kwargs model to be an rlmodels_torch model or a checkpoint path, got {type(model).__name__}")
    if bool(carry_shapes(model)) != recurrent:
        use = "RecurrentPolicy with sb3_contrib.RecurrentPPO" if not recurrent else "Policy with PPO"
        raise ValueError(f"{model.type_name} is {'feed-forward' if recurrent else 'recurrent'}: use rlmodels.sb3.{use}")
    if model.dtype != "float32":
        raise ValueError(f"SB3 computes in float32, got a {model.dtype} model; convert it with rlmodels_torch.with_dtype(model, 'float32')")
    meta, sizes = model.metadata, observation_inputs(model)
    if isinstance(sizes, dict):
        for key, n in sizes.items():
            space = observation_space.spaces.get(key) if isinstance(observation_space, spaces.Dict) else None
            if not isinstance(space, spaces.Box) or space.shape != (n,):
                raise ValueError(
                    f"expected a Dict observation space with Box(.., ({n},)) under {key!r} for this {model.type_name} "
                    f"(it reads dict observations, {describe_keys(list(sizes))}), got {observation_space}"
                )
    elif not isinstance(observation_space, spaces.Box) or observation_space.shape != (sizes,):
        raise ValueError(f"expected a Box observation space of shape {(sizes,)} for {model.type_name}, got {observation_space}")
    if model.discrete:
        if not isinstance(action_space, spaces.Discrete) or action_space.n != meta["action_space_size"]:
            raise ValueError(f"expected a Discrete({meta['action_space_size']}) action space for this discrete model, got {action_space}")
    elif not isinstance(action_space, spaces.Box) or action_space.shape != (meta["action_space_size"],):
        raise ValueError(f"expected a Box action space of shape ({meta['action_space_size']},) for this continuous model, got {action_space}")
    return model
