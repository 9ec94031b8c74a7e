"""The Brax reader on files Brax 0.14.2 wrote (tests/brax/data, made by
tools/brax/make_data.py), with numpy and tensorstore only: the Orbax folders
and the pickles hold the same params, the statistics are the ones Brax's
networks applied, and malformed, truncated or malicious inputs are refused
with a message saying what to do."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from rlmodels_common.brax import (
    CONFIG_FILE,
    BraxError,
    BraxNormalizer,
    NormalizationMode,
    load_pickle,
    parse_config,
    read_brax,
    step_numbers,
)

DATA = Path(__file__).resolve().parents[1] / "brax" / "data"
CASES = sorted(p.name for p in DATA.iterdir() if (p / "case.json").is_file())


def info(case: str) -> dict:
    return json.loads((DATA / case / "case.json").read_text())


def step_dir(case: str) -> Path:
    return DATA / case / "run" / f"{info(case)['latest_step']:012d}"


def expected(case: str) -> dict[str, np.ndarray]:
    with np.load(DATA / case / "expected.npz") as npz:
        return dict(npz)


def assert_same_params(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name].dtype == b[name].dtype and a[name].shape == b[name].shape, name
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)


def test_the_data_covers_every_option() -> None:
    assert len(CASES) >= 17, CASES
    kwargs = [info(c)["ppo_network_config.json"]["network_factory_kwargs"] for c in CASES]
    assert {k.get("activation") for k in kwargs} >= {"silu", "tanh", "relu", "elu", "gelu", "leaky_relu", "sigmoid", "softplus"}
    assert {(k.get("noise_std_type"), k.get("state_dependent_std")) for k in kwargs if k["distribution_type"] == "normal"} == {
        ("scalar", False), ("log", False), ("scalar", True), ("log", True)
    }


@pytest.mark.parametrize("case", CASES)
def test_orbax_folder_and_pickle_hold_the_same_params(case: str) -> None:
    folder = read_brax(DATA / case / "run")
    pickled = read_brax(DATA / case / "params.pkl", config=step_dir(case) / CONFIG_FILE)
    assert (folder.kind, folder.step, pickled.kind, pickled.step) == ("orbax", info(case)["latest_step"], "pickle", None)
    assert_same_params(folder.policy_params, pickled.policy_params)
    assert_same_params(folder.value_params, pickled.value_params)
    a, b = folder.normalizer, pickled.normalizer
    for name in ("mean", "std", "summed_variance"):
        x, y = getattr(a, name), getattr(b, name)
        assert_same_params(x if isinstance(x, dict) else {"": x}, y if isinstance(y, dict) else {"": y})
    assert a.count == b.count > 0 and a.std_eps == b.std_eps == 0.0
    assert a.mode is None and b.mode is NormalizationMode.WELFORD  # a static field: Orbax does not save it
    assert folder.config == pickled.config and folder.config.action_size == info(case)["action_size"]


@pytest.mark.parametrize("case", CASES)
def test_the_statistics_are_the_ones_brax_applied(case: str) -> None:
    """Brax's networks saw ``(x - mean) / std`` with the statistics of their own
    observation key, or ``x`` itself with normalize_observations false."""
    source, want = read_brax(DATA / case / "run"), expected(case)
    config = source.config
    for network, key in (("policy", config.policy_obs_key), ("value", config.value_obs_key)):
        x = want[f"obs.{key}"] if source.normalizer.keys else want["obs"]
        mean, std = source.normalizer.statistics(key)
        for dtype, prefix in ((np.float32, "f32"), (np.float64, "f64")):
            xd, md, sd = x.astype(dtype), mean.astype(dtype), std.astype(dtype)
            ours = (xd - md) / sd if config.normalize_observations else xd
            np.testing.assert_array_equal(ours, want[f"{prefix}.normalized_obs.{network}"], err_msg=f"{network} {dtype}")


def test_without_the_normaliser_the_saved_statistics_are_not_applied() -> None:
    """ppo.train updates and saves the statistics even with normalize_observations
    false; applying them would be wrong."""
    source, want = read_brax(DATA / "no_normalizer" / "run"), expected("no_normalizer")
    assert source.config.normalize_observations is False
    assert np.abs(source.normalizer.mean).max() > 1e-3 and source.normalizer.count > 0
    np.testing.assert_array_equal(want["f64.normalized_obs.policy"], want["obs"])


def test_dict_observations_have_statistics_per_key() -> None:
    source = read_brax(DATA / "dict_obs" / "run")
    assert source.normalizer.keys == ("privileged_state", "state")
    assert source.config.observation_shape == {"privileged_state": (19,), "state": (11,)}
    assert (source.config.policy_obs_key, source.config.value_obs_key) == ("state", "privileged_state")
    assert source.policy_params["params/hidden_0/kernel"].shape[0] == 11
    assert source.value_params["params/hidden_0/kernel"].shape[0] == 19
    with pytest.raises(BraxError, match="observation keys .*'privileged_state', 'state'.* not 'pixels'"):
        source.normalizer.statistics("pixels")


PARAM_NAMES = {
    "tanh_normal": ["hidden_0", "hidden_1", "hidden_2"],
    "layer_norm": ["LayerNorm_0", "LayerNorm_1", "LayerNorm_2", "hidden_0", "hidden_1", "hidden_2", "hidden_3"],
    "normal_scalar": ["Dense_0", "MLP_0/hidden_0", "MLP_0/hidden_1", "std_param"],
    "normal_log": ["Dense_0", "MLP_0/hidden_0", "MLP_0/hidden_1", "std_logparam"],
    "normal_state_dependent_log": ["Dense_0", "Dense_1", "MLP_0/hidden_0", "MLP_0/hidden_1"],
    "normal_layer_norm": ["Dense_0", "MLP_0/LayerNorm_0", "MLP_0/LayerNorm_1", "MLP_0/hidden_0", "MLP_0/hidden_1",
                          "std_logparam"],
}  # fmt: skip
"""Brax's policy layouts: tanh_normal is one MLP (LayerNorm after each hidden
activation, not after the output); normal is a trunk MLP_0 (activated, and
normalised, after every layer), the mean head Dense_0 and the std."""


@pytest.mark.parametrize("case", sorted(PARAM_NAMES))
def test_policy_layouts(case: str) -> None:
    params = read_brax(DATA / case / "run").policy_params
    modules = sorted({name.removeprefix("params/").rsplit("/", 1)[0] for name in params})
    assert modules == PARAM_NAMES[case]
    if "std_param" in modules:
        assert params["params/std_param/value"].shape == (2,)  # read_state alone would drop the "/value"


def test_choosing_a_step() -> None:
    run = DATA / "tanh_normal" / "run"
    assert step_numbers(run) == [1024, 2048]
    first = read_brax(run, step=1024)
    assert first.step == 1024 and first.normalizer.count == 1024
    assert not np.array_equal(first.policy_params["params/hidden_0/kernel"], read_brax(run).policy_params["params/hidden_0/kernel"])
    with pytest.raises(BraxError, match="has no step 5; available steps: 1024, 2048"):
        read_brax(run, step=5)
    one = run / "000000002048"
    assert read_brax(one).step == 2048
    with pytest.raises(BraxError, match="pass its parent"):
        read_brax(one, step=1024)


def test_a_pickle_or_tuple_needs_the_config() -> None:
    with pytest.raises(BraxError, match=r"holds only the params.*pass config= the ppo_network_config.json"):
        read_brax(DATA / "tanh_normal" / "params.pkl")
    with pytest.raises(BraxError, match="step= applies to a run folder"):
        read_brax(DATA / "tanh_normal" / "params.pkl", step=1, config=step_dir("tanh_normal"))
    raw = json.loads((step_dir("tanh_normal") / CONFIG_FILE).read_text())
    source = read_brax(DATA / "tanh_normal" / "params.pkl", config=raw)
    assert source.config.network_factory_kwargs == parse_config(step_dir("tanh_normal")).network_factory_kwargs
    assert source.config.description == "the network config dict"


def test_in_memory_params_as_brax_returns_them() -> None:
    """JAX arrays and Brax's records arrive as objects with attributes; read without importing either."""
    folder = read_brax(DATA / "dict_obs" / "run")
    n = folder.normalizer
    state = SimpleNamespace(mean=n.mean, std=n.std, summed_variance=n.summed_variance, std_eps=np.float32(0),
                            count=SimpleNamespace(hi=np.uint32(0), lo=np.uint32(n.count)), mode=0)  # fmt: skip
    nest = lambda flat: {"params": _nest({k.removeprefix("params/"): v for k, v in flat.items()})}  # noqa: E731
    params = (state, nest(folder.policy_params), nest(folder.value_params))
    source = read_brax(params, config=step_dir("dict_obs"))
    assert source.kind == "memory" and source.normalizer.count == n.count and source.normalizer.mode == 0
    assert_same_params(source.policy_params, folder.policy_params)
    assert_same_params(source.value_params, folder.value_params)
    policy_only = read_brax((n, params[1]), config=step_dir("dict_obs"))
    assert policy_only.value_params is None and policy_only.normalizer is n
    with pytest.raises(BraxError, match="in-memory params tuple has none"):
        read_brax(params, step=3, config=step_dir("dict_obs"))
    with pytest.raises(BraxError, match=r"expected the tuple \(normaliser, policy_params, value_params\)"):
        read_brax([n], config=step_dir("dict_obs"))


def _nest(flat: dict[str, np.ndarray]) -> dict:
    tree: dict = {}
    for name, value in flat.items():
        *parents, leaf = name.split("/")
        node = tree
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = value
    return tree


def test_a_config_from_another_run_is_refused() -> None:
    with pytest.raises(BraxError, match="disagree.*another run"):
        read_brax(DATA / "dict_obs" / "params.pkl", config=step_dir("tanh_normal"))
    with pytest.raises(BraxError, match="disagree.*another run"):
        read_brax(DATA / "tanh_normal" / "run", config=step_dir("dict_obs"))


def test_the_reader_imports_no_framework() -> None:
    code = (
        "import sys; from rlmodels_common.brax import read_brax; "
        f"read_brax({str(DATA / 'dict_obs' / 'run')!r}); "
        f"read_brax({str(DATA / 'dict_obs' / 'params.pkl')!r}, config={str(step_dir('dict_obs'))!r}); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'jax', 'jaxlib', 'flax', 'brax', 'torch', 'orbax'}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_without_tensorstore_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tensorstore", None)
    with pytest.raises(ImportError, match=r"Brax's Orbax checkpoint folders needs tensorstore.*rlmodels-parity\[jaxdem\]"):
        read_brax(DATA / "tanh_normal" / "run")
    assert read_brax(DATA / "tanh_normal" / "params.pkl", config=step_dir("tanh_normal")).kind == "pickle"


# -- the pickle: only data comes out ---------------------------------------------


@pytest.mark.parametrize(
    "data, named",
    [
        (b"cos\nsystem\n(S'touch /tmp/rlmodels-brax-pwned'\ntR.", "os.system"),
        (b"cbuiltins\neval\n(S'1 + 1'\ntR.", "builtins.eval"),
        (b"cantigravity\nfly\n(tR.", "antigravity.fly"),  # a module nobody imported
        (b"cnumpy\nload\n(S'x.npy'\ntR.", "numpy.load"),  # allowed module, other name
        (b"cbrax.training.acme.running_statistics\nnormalize\n(tR.", "brax.training.acme.running_statistics.normalize"),
    ],
)
def test_a_pickle_naming_anything_else_is_refused_unrun(data: bytes, named: str, tmp_path: Path) -> None:
    path = tmp_path / "params.pkl"
    path.write_bytes(data)
    with pytest.raises(BraxError, match=rf"names {named}, .*Nothing in the file was imported or executed"):
        read_brax(path, config=step_dir("tanh_normal"))
    assert not Path("/tmp/rlmodels-brax-pwned").exists() and "antigravity" not in sys.modules


@pytest.mark.parametrize(
    "data, message",
    [
        (b"Pfoo\n.", "refers to an external object"),
        # NormalizationMode(0), then BUILD {"_value_": 5}: would rewrite the shared enum member
        (b"cbrax.training.acme.running_statistics\nNormalizationMode\n(I0\ntR}S'_value_'\nI5\nsb.",
         "sets the state of a NormalizationMode"),
        (b"cnumpy.core.multiarray\n_reconstruct\n(cnumpy\nndarray\n(I0\ntS'b'\ntR.", "never given its data"),
        (b"cnumpy\ndtype\n(S'O'\nI0\nI1\ntR.", "dtype object"),
    ],
)
def test_pickled_forms_outside_brax_s_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(BraxError, match=message):
        load_pickle(data, "x")
    assert NormalizationMode(0) is NormalizationMode.WELFORD and NormalizationMode.WELFORD.value == 0


def test_object_arrays_and_unknown_fields_are_refused() -> None:
    with pytest.raises(BraxError, match="dtype object; only numeric arrays"):
        load_pickle(pickle.dumps(np.array([1, None], dtype=object)), "x")
    data = (DATA / "tanh_normal" / "params.pkl").read_bytes()
    assert data.count(b"summed_variance") == 1
    with pytest.raises(BraxError, match=r"RunningStatisticsState has fields \['summed_varianc3'\] .* newer Brax"):
        load_pickle(data.replace(b"summed_variance", b"summed_varianc3"), "x")


@pytest.mark.parametrize("keep", [0.0, 0.1, 0.5, 0.9, 0.999])
def test_a_truncated_pickle_is_refused(keep: float, tmp_path: Path) -> None:
    data = (DATA / "tanh_normal" / "params.pkl").read_bytes()
    path = tmp_path / "params.pkl"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(BraxError, match="truncated"):
        read_brax(path, config=step_dir("tanh_normal"))


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_numpy_pickles_of_every_protocol(protocol: int) -> None:
    """Params restored by Orbax are numpy: numpy pickles them as _reconstruct
    (protocols 2 and 4; bytes via _codecs.encode under 2) or _frombuffer (5)."""
    arrays = {
        "c": np.arange(6, dtype=np.float32).reshape(2, 3),
        "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        "strided": np.arange(12.0)[::3],
        "big_endian": np.arange(3, dtype=">f4"),
        "zero_d": np.array(7, np.uint32),
        "scalar": np.float32(1.5),
        "flag": np.array([True, False]),
    }
    got = load_pickle(pickle.dumps(({"x": arrays}, [arrays["c"]]), protocol=protocol), "x")
    for name, want in arrays.items():
        assert got[0]["x"][name].dtype == want.dtype.newbyteorder("=") and got[0]["x"][name].shape == np.shape(want)
        np.testing.assert_array_equal(got[0]["x"][name], want, err_msg=name)
    assert got[0]["x"]["big_endian"].dtype.isnative and isinstance(got[1], list)


# -- Orbax folders ---------------------------------------------------------------


def test_missing_and_broken_folders(tmp_path: Path) -> None:
    with pytest.raises(BraxError, match="does not exist"):
        read_brax(tmp_path / "nothing")
    with pytest.raises(BraxError, match=r"holds no Brax checkpoint steps .*save_checkpoint_path"):
        read_brax(tmp_path)
    step = shutil.copytree(step_dir("tanh_normal"), tmp_path / "run" / "000000002048")
    (step / CONFIG_FILE).unlink()
    with pytest.raises(BraxError, match=r"ppo_network_config.json does not exist; pass config="):
        read_brax(tmp_path / "run")
    assert read_brax(tmp_path / "run", config=step_dir("tanh_normal")).step == 2048
    (step / CONFIG_FILE).write_text('{"action_size": 2, "network_fac')
    with pytest.raises(BraxError, match="truncated or not JSON"):
        read_brax(step)


@pytest.mark.parametrize("damage", ["data", "manifest", "metadata"])
def test_a_damaged_orbax_folder_is_refused(damage: str, tmp_path: Path) -> None:
    step = shutil.copytree(step_dir("tanh_normal"), tmp_path / "000000002048")
    if damage == "data":
        for f in (step / "d").iterdir():  # the merged OCDBT data the root manifest points to
            f.write_bytes(f.read_bytes()[:10])
    elif damage == "manifest":
        (step / "manifest.ocdbt").write_bytes(b"")
    else:
        (step / "_METADATA").write_text('{"tree_metadata": ')
    with pytest.raises(BraxError, match="truncated or corrupt"):
        read_brax(step)


# -- the network config ----------------------------------------------------------


def config(**changes: object) -> dict:
    raw = json.loads((step_dir("tanh_normal") / CONFIG_FILE).read_text())
    kwargs = changes.pop("kwargs", {})
    raw["network_factory_kwargs"].update(kwargs)
    raw.update(changes)
    return raw


@pytest.mark.parametrize(
    "size, shape",
    [
        ({"shape": [11], "dtype": "unserializable object: float32"}, (11,)),  # what Brax 0.14.2 writes
        (11, (11,)),
        ([11], (11,)),
        ({"state": {"shape": [11], "dtype": "x"}, "privileged_state": 19}, {"state": (11,), "privileged_state": (19,)}),
        ({"shape": {"shape": [3], "dtype": "x"}, "state": [11]}, {"shape": (3,), "state": (11,)}),  # a key named shape
    ],
)
def test_observation_sizes_in_every_form(size: object, shape: object) -> None:
    assert parse_config(config(observation_size=size)).observation_shape == shape


def test_brax_s_own_unloadable_entries_are_kept_as_written() -> None:
    """Brax 0.14.2's load_policy fails on every file here (case.json records how); we read them all."""
    assert {info(c)["brax_load_policy"].split(":")[0] for c in CASES} == {"KeyError", "TypeError"}
    assert info("normal_mean_clip")["brax_load_policy"] == "KeyError: 'state'"  # the {"shape", "dtype"} size
    parsed = parse_config(step_dir("tanh_normal"))
    assert parsed.network_factory_kwargs["mean_kernel_init_fn"] is None  # Brax's loader: KeyError: None
    assert info("tanh_normal")["brax_load_policy"] == "KeyError: None"
    clipped = parse_config(step_dir("normal_mean_clip"))
    assert clipped.mean_clip_scale == 1.5 and clipped.kwarg("mean_kernel_init_kwargs")["scale"] == 0.01
    assert (parsed.distribution_type, parsed.activation, parsed.policy_hidden_layer_sizes) == ("tanh_normal", "silu", (16, 8))
    bare = parse_config(config(network_factory_kwargs={}))  # another factory's config: Brax's defaults
    assert (bare.policy_hidden_layer_sizes, bare.value_hidden_layer_sizes, bare.noise_std_type) == ((32,) * 4, (256,) * 5, "scalar")


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"action_size": None}, "action_size must be a positive integer"),
        ({"observation_size": "eleven"}, "observation_size is 'eleven'; expected a positive int"),
        ({"observation_size": [0]}, "observation_size is \\[0\\]"),
        ({"normalize_observations": "yes"}, "normalize_observations must be true or false"),
        ({"kwargs": {"distribution_type": "beta"}}, "distribution_type is 'beta'; Brax accepts tanh_normal or normal"),
        ({"kwargs": {"noise_std_type": "exp"}}, "noise_std_type is 'exp'"),
        ({"kwargs": {"policy_hidden_layer_sizes": [16, "8"]}}, "policy_hidden_layer_sizes must be a list of positive ints"),
        ({"kwargs": {"init_noise_std": None}}, "init_noise_std must be a number,"),
        ({"kwargs": {"activation": None}}, "activation must be a name"),
        ({"observation_size": {"a": [3]}}, "policy_obs_key is 'state', not one of the observation keys \\['a'\\]"),
    ],
)
def test_malformed_configs_are_refused(changes: dict, message: str) -> None:
    with pytest.raises(BraxError, match=message):
        parse_config(config(**changes))


def test_a_config_missing_entries_or_of_another_shape_is_refused(tmp_path: Path) -> None:
    raw = config()
    del raw["observation_size"]
    with pytest.raises(BraxError, match="has no 'observation_size'; expected Brax's ppo_network_config.json"):
        parse_config(raw)
    (tmp_path / CONFIG_FILE).write_text("[1, 2]")
    with pytest.raises(BraxError, match="expected a JSON object, got list"):
        parse_config(tmp_path)
    with pytest.raises(TypeError, match="config: expected the path"):
        parse_config(3)  # type: ignore[arg-type]
