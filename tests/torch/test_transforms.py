"""The action spaces as torch Transforms: the interface torch.distributions
reads, and actions inside the declared codomain (their maths is checked for
both backends in tests/backends)."""

import torch
from hypothesis import given

from rlmodels_torch import Block, Box, Free, MaxNorm
from tests.backends.action_space_cases import boxes_and_points, max_norm_points


def test_box_transform_interface():
    box = Box(-1.0, [1.0, 2.0])
    assert box.bijective and box.sign == 1 and box.domain.event_dim == 0
    assert Block(box).domain.event_dim == Block(box).codomain.event_dim == 1


def test_max_norm_transform_interface():
    bij = MaxNorm()
    assert bij.bijective and bij.domain.event_dim == bij.codomain.event_dim == 1


def test_free_transform_interface():
    free = Free()
    assert free.bijective and free.sign == 1 and free.domain.event_dim == free.codomain.event_dim == 0


@given(boxes_and_points())
def test_box_actions_are_in_the_codomain(case):
    kwargs, x = case
    bij = Block(Box(**kwargs))
    y = bij(torch.as_tensor(x * 100, dtype=torch.float64))
    assert bool(torch.all(bij.bijector.codomain.check(y)))


@given(max_norm_points(max_radius=50.0))
def test_max_norm_actions_are_in_the_codomain(case):
    kwargs, x = case
    bij = MaxNorm(**kwargs)
    assert bool(bij.codomain.check(bij(torch.as_tensor(x, dtype=torch.float32))))
