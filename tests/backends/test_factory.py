"""Registry behaviour of Model and ActionSpace."""

import pytest

from rlmodels_common.factory import normalize_key


def test_builtin_names_are_registered(backend):
    assert backend.rb.Model.registered_names() == ["ActorCritic", "LSTMActorCritic", "MinGRUActorCritic", "SharedActorCritic"]
    assert backend.rb.ActionSpace.registered_names() == ["Box", "Free", "MaxNorm"]


@pytest.mark.parametrize("name", ["SharedActorCritic", "shared_actor_critic", "Shared Actor-Critic", "SHAREDACTORCRITIC"])
def test_lookup_normalises_case_spaces_underscores_and_dashes(backend, name):
    assert backend.rb.Model.lookup(name) is backend.rb.SharedActorCritic


def test_create_builds_the_registered_class(backend):
    model = backend.rb.Model.create("actor-critic", observation_space_size=3, action_space_size=2, key=0)
    assert isinstance(model, backend.rb.ActorCritic)
    space = backend.rb.ActionSpace.create("max_norm", max_norm=2.0)
    assert isinstance(space, backend.rb.MaxNorm) and space.max_norm == 2.0


def test_registry_name_and_type_name(backend):
    assert backend.rb.LSTMActorCritic.registry_name() == "LSTMActorCritic"
    assert backend.rb.Box(-1.0, 1.0).type_name == "Box"


def test_unknown_name_lists_the_registered_names(backend):
    with pytest.raises(KeyError) as info:
        backend.rb.Model.create("Transformer")
    message = str(info.value)
    assert "'Transformer'" in message
    for name in backend.rb.Model.registered_names():
        assert name in message


def test_duplicate_key_is_an_error_not_an_overwrite(backend):
    with pytest.raises(ValueError, match="already registered"):

        @backend.rb.Model.register("shared-actor-critic")
        class Impostor(backend.rb.Model):
            pass

    assert backend.rb.Model.lookup("SharedActorCritic") is backend.rb.SharedActorCritic


def test_families_have_separate_registries(backend):
    @backend.rb.ActionSpace.register("SharedActorCriticSpace")
    class Space(backend.rb.Free):
        pass

    try:
        with pytest.raises(KeyError):
            backend.rb.Model.lookup("SharedActorCriticSpace")
        assert backend.rb.ActionSpace.lookup("shared actor critic space") is Space
    finally:
        del backend.rb.ActionSpace._registry[normalize_key("SharedActorCriticSpace")]


def test_unregistered_subclass_has_no_registry_name(backend):
    class Local(backend.rb.Free):
        pass

    with pytest.raises(KeyError, match="not registered"):
        Local.registry_name()


def test_register_rejects_classes_outside_the_family(backend):
    with pytest.raises(TypeError, match="not a subclass"):
        backend.rb.Model.register("Box2")(backend.rb.Box)
