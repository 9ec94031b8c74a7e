"""What a careful engineer exports by hand: one deterministic step of the
CleanRL-style agents of ``handwritten_torch.py`` (the port's weights copied in),
with the inputs and outputs of ``rlmodels export``'s default contract, so the two
files compute the same function and can be timed side by side:

    action, value = policy(observation)                              # MLP
    action, value, c_out, h_out = policy(observation, c, h, reset)   # LSTM
    action, value, h_out = policy(observation, h, reset)             # MinGRU

``reset`` zeroes the incoming carry with ``torch.where``, as a runtime step
written by hand would.
"""

from __future__ import annotations

import torch
from torch import nn

import rlmodels_torch as rt

from .handwritten_torch import LSTMAgent, LSTMCellAgent, MinGRUAgent, MLPAgent


def _zero_where(reset: torch.Tensor, *carry: torch.Tensor) -> tuple[torch.Tensor, ...]:
    return tuple(torch.where(reset.view(-1, *(1,) * (a.ndim - 1)), torch.zeros_like(a), a) for a in carry)


class MLPPolicy(nn.Module):
    """Separate actor and critic MLPs, ``Box`` squash of the mean."""

    def __init__(self, port: rt.ActorCritic) -> None:
        super().__init__()
        self.agent = MLPAgent(port)

    def forward(self, observation: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.agent.squash(self.agent.actor_mean(observation)), self.agent.critic(observation)


class LSTMCellPolicy(nn.Module):
    """``nn.LSTMCell`` step, linear heads, Free actions (the mean)."""

    def __init__(self, port: rt.LSTMActorCritic) -> None:
        super().__init__()
        self.agent = LSTMCellAgent(port)

    def forward(self, observation: torch.Tensor, c: torch.Tensor, h: torch.Tensor, reset: torch.Tensor):
        c, h = _zero_where(reset, c, h)
        h, c = self.agent.cell(self.agent.encoder(observation), (h, c))
        return self.agent.actor_mean(h), self.agent.critic(h), c, h


class LSTMSequencePolicy(nn.Module):
    """rsl_rl's exported step: ``nn.LSTM`` over a one-step sequence (one ``LSTM``
    op in ONNX), state ``(1, B, H)`` squeezed to the same ``(B, H)`` interface."""

    def __init__(self, port: rt.LSTMActorCritic) -> None:
        super().__init__()
        self.agent = LSTMAgent(port)

    def forward(self, observation: torch.Tensor, c: torch.Tensor, h: torch.Tensor, reset: torch.Tensor):
        c, h = _zero_where(reset, c, h)
        y, (h, c) = self.agent.lstm(self.agent.encoder(observation)[None], (h[None], c[None]))
        return self.agent.actor_mean(y[0]), self.agent.critic(y[0]), c[0], h[0]


class MinGRUPolicy(nn.Module):
    """JaxDEM's MinGRU step written by hand, fused head, Free actions."""

    def __init__(self, port: rt.MinGRUActorCritic) -> None:
        super().__init__()
        self.agent = MinGRUAgent(port)

    def forward(self, observation: torch.Tensor, h: torch.Tensor, reset: torch.Tensor):
        (h,) = _zero_where(reset, h)
        y, h = self.agent.step(self.agent.features(observation), h)
        out = self.agent.head(y)
        return out[..., :-1], out[..., -1:], h
