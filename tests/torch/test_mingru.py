"""MinGRUActorCritic in torch: the carry outside the state_dict, a reset that
survives what log space cannot, carries from inference mode (the shared
contract is in tests/backends/test_mingru.py)."""

import torch

from tests.agree import assert_agree
from tests.backends.builders import build, observations, randomize
from tests.backends.torch_backend import BACKEND


def mingru(**kwargs):
    return build(BACKEND, "MinGRUActorCritic", obs=4, act=3, **kwargs)  # hidden 6, gru 5, 2 layers


def single_steps(model, x, done):
    """The values from stepping through ``x`` ``(T, B..., obs)`` from zeros,
    calling ``reset(mask=done[t])`` after each step."""
    model.carry = model.initial_carry(x.shape[1:-1])
    values = []
    for t in range(x.shape[0]):
        values.append(model(x[t])[1])
        model.reset(mask=done[t])
    return torch.stack(values)


def test_the_carry_is_state_not_a_parameter():
    assert "h" not in mingru().state_dict()


@torch.no_grad()
def test_a_reset_survives_what_log_space_cannot():
    """A reset is an exact zeroing here: where the log-space form (Heinsen's
    logcumsumexp, what a hand-written MinGRU trains with) gets -inf from a
    reset and NaN from it, sequence mode gets stepping's finite numbers."""
    model = mingru(num_layers=1, hidden_features=5)
    randomize(model)
    x = observations(BACKEND, (6, 3))
    done = torch.zeros(6, 3, dtype=torch.bool)
    done[1, 0] = done[3, 2] = True
    _, value, final = model(x, sequence=True, done=done, return_carry=True)
    assert torch.isfinite(value).all() and torch.isfinite(final).all()
    assert_agree(value, single_steps(model, x, done))
    hidden, gate, _ = (model._features(x) @ model.mingru_kernel[0]).chunk(3, -1)
    log_a = -torch.nn.functional.softplus(gate)
    log_a[1:][done[:-1]] = -torch.inf
    log_b = -torch.nn.functional.softplus(-gate) + torch.log(torch.where(hidden >= 0, hidden + 0.5, torch.sigmoid(hidden)))
    a_star = torch.cumsum(log_a, 0)
    naive = torch.exp(a_star + torch.logcumsumexp(log_b - a_star, 0))
    assert torch.isnan(naive).any()


def test_a_rollout_carry_made_under_inference_mode_trains():
    model = mingru()
    randomize(model)
    with torch.inference_mode():
        model(observations(BACKEND, (3,)))
        start = model.carry
    _, value = model(observations(BACKEND, (4, 3)), sequence=True, initial_carry=start)
    value.sum().backward()
    assert model.mingru_kernel.grad is not None and torch.isfinite(model.mingru_kernel.grad).all()
    _, value = model(observations(BACKEND, (3,)))  # the persistent carry, an inference tensor, steps with grad
    value.sum().backward()
