"""The persistent carry after steps with autograd on: deepcopy works (the
copy holds the carry's values), and detach_carry cuts the graph so each step
can have its own backward (truncated backpropagation through time)."""

import copy

import pytest
import torch

import rlmodels_torch as rt


@pytest.mark.parametrize("model_type", ["LSTMActorCritic", "MinGRUActorCritic"])
def test_deepcopy_and_truncated_backpropagation(model_type):
    model = rt.Model.create(model_type, observation_space_size=3, action_space_size=2, key=0, hidden_features=4)
    x = torch.randn(5, 3)
    _, value = model(x)
    assert torch.cat([a.reshape(-1) for a in (model.carry if isinstance(model.carry, tuple) else (model.carry,))]).requires_grad
    clone = copy.deepcopy(model)
    for a, b in zip(*(c if isinstance(c, tuple) else (c,) for c in (clone.carry, model.carry))):
        assert torch.equal(a, b) and not a.requires_grad
    value.sum().backward()
    model.detach_carry()
    model.zero_grad()
    model(x)[1].sum().backward()  # without detach_carry: "Trying to backward through the graph a second time"
    assert model.encoder.layers[0].weight.grad is not None  # the second step's own graph reached the encoder
