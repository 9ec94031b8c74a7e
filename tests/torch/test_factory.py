"""Registry behaviour of Model and ActionSpace."""

import pytest

import rlmodels_torch as rt
from rlmodels_common.factory import normalize_key


def test_builtin_names_are_registered():
    assert rt.Model.registered_names() == ["ActorCritic", "LSTMActorCritic", "MinGRUActorCritic", "SharedActorCritic"]
    assert rt.ActionSpace.registered_names() == ["Box", "Free", "MaxNorm"]


@pytest.mark.parametrize("name", ["SharedActorCritic", "shared_actor_critic", "Shared Actor-Critic", "SHAREDACTORCRITIC"])
def test_lookup_normalises_case_spaces_underscores_and_dashes(name):
    assert rt.Model.lookup(name) is rt.SharedActorCritic


def test_create_builds_the_registered_class():
    model = rt.Model.create("actor-critic", observation_space_size=3, action_space_size=2, key=0)
    assert isinstance(model, rt.ActorCritic)
    space = rt.ActionSpace.create("max_norm", max_norm=2.0)
    assert isinstance(space, rt.MaxNorm) and space.max_norm == 2.0


def test_registry_name_and_type_name():
    assert rt.LSTMActorCritic.registry_name() == "LSTMActorCritic"
    assert rt.Box(-1.0, 1.0).type_name == "Box"


def test_unknown_name_lists_the_registered_names():
    with pytest.raises(KeyError) as info:
        rt.Model.create("Transformer")
    message = str(info.value)
    assert "'Transformer'" in message
    for name in rt.Model.registered_names():
        assert name in message


def test_duplicate_key_is_an_error_not_an_overwrite():
    with pytest.raises(ValueError, match="already registered"):

        @rt.Model.register("shared-actor-critic")
        class Impostor(rt.Model):
            pass

    assert rt.Model.lookup("SharedActorCritic") is rt.SharedActorCritic


def test_families_have_separate_registries():
    @rt.ActionSpace.register("SharedActorCriticSpace")
    class Space(rt.Free):
        pass

    try:
        with pytest.raises(KeyError):
            rt.Model.lookup("SharedActorCriticSpace")
        assert rt.ActionSpace.lookup("shared actor critic space") is Space
    finally:
        del rt.ActionSpace._registry[normalize_key("SharedActorCriticSpace")]


def test_unregistered_subclass_has_no_registry_name():
    class Local(rt.Free):
        pass

    with pytest.raises(KeyError, match="not registered"):
        Local.registry_name()


def test_register_rejects_classes_outside_the_family():
    with pytest.raises(TypeError, match="not a subclass"):
        rt.Model.register("Box2")(rt.Box)
