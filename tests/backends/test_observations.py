"""What a model does with observations that are not finite: by default they
flow through (NaN actions and values); ``model.check_finite = True`` refuses
them, naming the environments."""

import numpy as np
import pytest


@pytest.mark.parametrize("model_type", ["SharedActorCritic", "LSTMActorCritic"])
def test_check_finite_names_the_environments(backend, model_type):
    model = backend.rb.Model.create(model_type, observation_space_size=3, action_space_size=2, key=0)
    x = np.zeros((2, 3, 3), np.float32)
    x[0, 1, 2], x[1, 2, 0] = np.nan, np.inf
    _, value = model(backend.array(x, "float32"))
    assert np.isnan(backend.numpy(value)[0, 1]).all()  # off: NaN flows through
    model.check_finite = True
    with pytest.raises(ValueError, match=r"observations of environments \[\(0, 1\), \(1, 2\)\] hold NaN or inf"):
        model(backend.array(x, "float32"))
    with pytest.raises(ValueError, match="the observation holds NaN or inf"):
        model.step(backend.array(np.array([0.0, np.nan, 0.0], np.float32), "float32"), None)
    model(backend.array(np.zeros((2, 3, 3), np.float32), "float32"))  # finite: as before
