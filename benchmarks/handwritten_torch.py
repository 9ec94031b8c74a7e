"""What a user would write by hand in PyTorch, CleanRL style, with the weights of
an rlmodels_torch model copied in: the baselines the port is measured against.

The math is the port's (Box: ``y = c + h tanh(x)``, log-density of an action
through the clipped inverse; Flax-style LSTM with one bias), so the outputs can
be checked equal before anything is timed.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.distributions import Normal

import rlmodels_torch as rt

HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _copy_mlp(layers: nn.ModuleList) -> nn.Sequential:
    """An nn.Sequential with the same Linear weights and GELU(tanh) activations."""
    out = []
    for layer in layers:
        if isinstance(layer, nn.Linear):
            copy = nn.Linear(layer.in_features, layer.out_features)
            copy.load_state_dict(layer.state_dict())
            out.append(copy)
        else:
            out.append(nn.GELU(approximate="tanh"))
    return nn.Sequential(*out)


def _gaussian_log_prob(x: torch.Tensor, mean: torch.Tensor, log_std: torch.Tensor) -> torch.Tensor:
    return (-0.5 * ((x - mean) / log_std.exp()) ** 2 - log_std - HALF_LOG_2PI).sum(-1)


class MLPAgent(nn.Module):
    """Separate actor and critic MLPs, a state-independent log-std, Box(lo, hi) squashing."""

    def __init__(self, port: rt.ActorCritic) -> None:
        super().__init__()
        self.actor_mean = _copy_mlp(nn.ModuleList([*port.actor_torso.layers, port.actor_mu]))
        self.critic = _copy_mlp(port.critic.layers)
        self.actor_logstd = nn.Parameter(port.log_std.detach().clone())
        box = port.action_space
        self.register_buffer("box_center", torch.as_tensor(box.const.center, dtype=torch.float32))
        self.register_buffer("box_half", torch.as_tensor(box.const.half, dtype=torch.float32))
        self.eps = box.eps

    def squash(self, u: torch.Tensor) -> torch.Tensor:
        return self.box_center + self.box_half * torch.tanh(u)

    def log_prob(self, action: torch.Tensor, mean: torch.Tensor) -> torch.Tensor:
        t = torch.clamp((action - self.box_center) / self.box_half, -1 + self.eps, 1 - self.eps)
        log_det = (torch.log(self.box_half) + torch.log1p(-t) + torch.log1p(t)).sum(-1)
        return _gaussian_log_prob(torch.atanh(t), mean, self.actor_logstd.expand_as(mean)) - log_det

    def act(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Sample, its log-density and the value: ``(B, A)``, ``(B,)``, ``(B, 1)``."""
        mean = self.actor_mean(x)
        std = self.actor_logstd.exp().expand_as(mean)
        action = self.squash(Normal(mean, std, validate_args=False).sample())
        return action, self.log_prob(action, mean), self.critic(x)


class LSTMAgent(nn.Module):
    """Linear+GELU encoder, one nn.LSTM layer, linear heads, Free actions (CleanRL's
    ppo_atari_lstm layout; Flax's single bias lives in ``bias_hh``)."""

    def __init__(self, port: rt.LSTMActorCritic) -> None:
        super().__init__()
        self.encoder = _copy_mlp(port.encoder.layers)
        self.lstm = nn.LSTM(port.hidden_features, port.lstm_features)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(self.lstm, f"{name}_l0").copy_(getattr(port.cell, name))
        self.actor_mean = nn.Linear(port.lstm_features, port.action_space_size)
        self.actor_mean.load_state_dict(port.actor_mu.state_dict())
        self.critic = nn.Linear(port.lstm_features, 1)
        self.critic.load_state_dict(port.critic.state_dict())
        self.actor_logstd = nn.Parameter(port.log_std.detach().clone())

    def heads(self, h: torch.Tensor, action: torch.Tensor | None = None):
        mean = self.actor_mean(h)
        if action is None:
            action = Normal(mean, self.actor_logstd.exp().expand_as(mean), validate_args=False).sample()
        return action, _gaussian_log_prob(action, mean, self.actor_logstd.expand_as(mean)), self.critic(h)

    def act(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]):
        """One step for ``x`` ``(B, obs)`` from ``state`` ``(h, c)``, each ``(1, B, H)``."""
        h, state = self.lstm(self.encoder(x)[None], state)
        return *self.heads(h[0]), state

    def evaluate(self, x: torch.Tensor, action: torch.Tensor, done: torch.Tensor | None = None):
        """Log-densities of ``action`` and values over a sequence ``x`` ``(T, B, obs)``
        from a zero state; with ``done`` ``(T, B)`` the state is zeroed after each
        step where it is set, stepping the LSTM one step at a time (CleanRL's loop)."""
        features = self.encoder(x)
        if done is None:
            h, _ = self.lstm(features)
        else:
            state = (x.new_zeros(1, x.shape[1], self.lstm.hidden_size),) * 2
            keep = (1.0 - done.float()).view(done.shape[0], 1, -1, 1)
            hs = []
            for t in range(x.shape[0]):
                out, state = self.lstm(features[t : t + 1], state)
                hs.append(out)
                state = (keep[t] * state[0], keep[t] * state[1])
            h = torch.cat(hs)
        return self.heads(h, action)[1:]


class LSTMCellAgent(nn.Module):
    """The same agent stepping ``nn.LSTMCell``: the fastest idiomatic single step
    (no sequence axis, no ``(1, B, H)`` state reshapes), the act-step baseline."""

    def __init__(self, port: rt.LSTMActorCritic) -> None:
        super().__init__()
        self.encoder = _copy_mlp(port.encoder.layers)
        self.cell = nn.LSTMCell(port.hidden_features, port.lstm_features)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(self.cell, name).copy_(getattr(port.cell, name))
        self.actor_mean = nn.Linear(port.lstm_features, port.action_space_size)
        self.actor_mean.load_state_dict(port.actor_mu.state_dict())
        self.critic = nn.Linear(port.lstm_features, 1)
        self.critic.load_state_dict(port.critic.state_dict())
        self.actor_logstd = nn.Parameter(port.log_std.detach().clone())

    def act(self, x: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor]):
        """One step for ``x`` ``(B, obs)`` from ``state`` ``(h, c)``, each ``(B, H)``."""
        h, c = self.cell(self.encoder(x), state)
        mean = self.actor_mean(h)
        action = Normal(mean, self.actor_logstd.exp().expand_as(mean), validate_args=False).sample()
        return action, _gaussian_log_prob(action, mean, self.actor_logstd.expand_as(mean)), self.critic(h), (h, c)


class BareLSTM(nn.Module):
    """The fused nn.LSTM alone over the encoded sequence: the floor for sequence mode."""

    def __init__(self, agent: LSTMAgent) -> None:
        super().__init__()
        self.agent = agent

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.agent.lstm(features)[0]


class MinGRUAgent(nn.Module):
    """JaxDEM's MinGRU actor-critic written by hand: Linear+GELU encoder, a Linear
    projection to the MinGRU width, per layer one bias-free ``Linear(H, 3H)``
    (hidden | gate | proj) with the highway, one fused head (mean, then value),
    a state-independent log-std, Free actions."""

    def __init__(self, port: rt.MinGRUActorCritic) -> None:
        super().__init__()
        H = port.gru_features
        self.encoder = _copy_mlp(port.encoder.layers)
        self.proj_in = nn.Identity() if port.proj_in is None else _copy_mlp(nn.ModuleList([port.proj_in]))
        self.layers = nn.ModuleList(nn.Linear(H, 3 * H, bias=False) for _ in range(port.num_layers))
        with torch.no_grad():
            for layer, kernel in zip(self.layers, port.mingru_kernel):
                layer.weight.copy_(kernel.T)
        self.head = nn.Linear(H, port.action_space_size + 1)
        self.head.load_state_dict(port.fused_head.state_dict())
        self.actor_logstd = nn.Parameter(port.log_std.detach().clone())

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.proj_in(self.encoder(x))

    def heads(self, y: torch.Tensor, action: torch.Tensor | None = None):
        out = self.head(y)
        mean, value = out[..., :-1], out[..., -1:]
        if action is None:
            action = Normal(mean, self.actor_logstd.exp().expand_as(mean), validate_args=False).sample()
        return action, _gaussian_log_prob(action, mean, self.actor_logstd.expand_as(mean)), value

    def step(self, y: torch.Tensor, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """All layers one step: ``y`` ``(B, H)``, ``h`` ``(B, L, H)``."""
        new = []
        for i, layer in enumerate(self.layers):
            hidden, gate, proj = layer(y).chunk(3, dim=-1)
            w = torch.sigmoid(gate)
            g = torch.where(hidden >= 0, hidden + 0.5, torch.sigmoid(hidden))
            new.append((1 - w) * h[:, i] + w * g)
            s = torch.sigmoid(proj)
            y = s * new[-1] + (1 - s) * y
        return y, torch.stack(new, dim=1)

    def act(self, x: torch.Tensor, h: torch.Tensor):
        """One step for ``x`` ``(B, obs)`` from ``h`` ``(B, L, H)``: action, log-density, value, new ``h``."""
        y, h = self.step(self.features(x), h)
        return *self.heads(y), h

    def evaluate(self, x: torch.Tensor, action: torch.Tensor, done: torch.Tensor | None = None):
        """Log-densities of ``action`` and values over ``x`` ``(T, B, obs)`` from a
        zero carry, the carry zeroed after step t where ``done[t]`` (``(T, B)``):
        the step looped (CleanRL's loop)."""
        y = self.features(x)
        h = x.new_zeros(x.shape[1], len(self.layers), y.shape[-1])
        keep = None if done is None else (1.0 - done.float())[..., None, None]
        ys = []
        for t in range(x.shape[0]):
            out, h = self.step(y[t], h)
            ys.append(out)
            if keep is not None:
                h = keep[t] * h
        return self.heads(torch.stack(ys), action)[1:]

    def evaluate_log_space(self, x: torch.Tensor, action: torch.Tensor):
        """As :meth:`evaluate` without resets, each layer in parallel in log space
        with Heinsen's ``logcumsumexp`` (the MinGRU paper's parallel mode), which
        cannot take resets (a reset's ``log a = -inf`` turns it into NaN)."""
        y = self.features(x)
        for layer in self.layers:
            hidden, gate, proj = layer(y).chunk(3, dim=-1)
            log_a = -nn.functional.softplus(gate)
            log_b = -nn.functional.softplus(-gate) + torch.where(
                hidden >= 0, torch.log(torch.relu(hidden) + 0.5), -nn.functional.softplus(-hidden)
            )
            a_star = torch.cumsum(log_a, dim=0)
            h = torch.exp(a_star + torch.logcumsumexp(log_b - a_star, dim=0))
            s = torch.sigmoid(proj)
            y = s * h + (1 - s) * y
        return self.heads(y, action)[1:]
