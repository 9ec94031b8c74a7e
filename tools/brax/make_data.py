"""Make the Brax test data in ``tests/brax/data/``: small policies trained by
Brax's own PPO, and Brax's own outputs on fixed inputs. Not run in CI.

Brax is not a dependency of rlmodels. Run this in a separate environment with
exactly these pins (with a newer jax, brax 0.14.2's ``ppo.train`` calls the
removed ``jax.device_put_replicated``)::

    python3 -m venv /work/brax-venv
    /work/brax-venv/bin/pip install brax==0.14.2 jax==0.9.2 jaxlib==0.9.2
    JAX_PLATFORMS=cpu /work/brax-venv/bin/python tools/brax/make_data.py [CASE ...]

from the repository root (no arguments: every case; about a minute each on a
2-core CPU, almost all of it XLA compiling the training step). Each case
replaces ``tests/brax/data/<case>/``:

    run/<step>/                 what ppo.train(save_checkpoint_path=run) wrote:
                                an Orbax PyTreeCheckpointer folder of
                                (normaliser, policy_params, value_params) and
                                ppo_network_config.json
    params.pkl                  brax.io.model.save_params of the final params
    expected.npz                Brax's outputs on fixed inputs (see ARRAYS)
    case.json                   env, options, sizes, versions, what each array is

The expected outputs are computed by Brax's own functions (the network's
``apply``, the parametric distribution's ``create_dist``/``mode``/``log_prob``/
``entropy``, ``running_statistics.normalize``) on the params Brax's own
``checkpoint.load`` reads back from the latest step folder: in float32 as
trained, and in float64 (``jax.enable_x64`` and every floating param cast).
The script checks those params equal what ``ppo.train`` returned and what
``brax.io.model.load_params`` reads from the pickle.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import pathlib
import shutil
import sys
import tempfile
import time
import zlib
from typing import Any

import brax
import flax
import jax
import jax.numpy as jnp
import numpy as np
from brax import envs
from brax.envs.base import State, Wrapper
from brax.io import model as brax_model
from brax.training import checkpoint as brax_checkpoint
from brax.training import networks, types
from brax.training.acme import running_statistics
from brax.training.agents.ppo import checkpoint as ppo_checkpoint
from brax.training.agents.ppo import networks as ppo_networks
from brax.training.agents.ppo import train as ppo
from flax import linen

DATA = pathlib.Path(__file__).resolve().parents[2] / "tests" / "brax" / "data"
ENTROPY_SEED = 7
"""The jax.random key Brax's sample-based entropy estimate is evaluated with."""

TRAIN = dict(
    num_envs=8, episode_length=32, unroll_length=8, batch_size=8, num_minibatches=4,
    num_updates_per_batch=2, learning_rate=3e-3, num_eval_envs=8, run_evals=False, seed=1,
)  # fmt: skip
"""One training step is 8 * 8 * 4 = 256 env steps; a few steps move the params off their init."""


# -- environments ----------------------------------------------------------------


class PrivilegedObservation(Wrapper):
    """Reacher with Playground-style dict observations: ``state`` is Reacher's
    observation (11), ``privileged_state`` adds the joint positions and
    velocities (11 + 4 + 4 = 19), so the two networks read inputs of different sizes."""

    def _obs(self, state: State) -> dict[str, jax.Array]:
        ps = state.pipeline_state
        return {"state": state.obs, "privileged_state": jnp.concatenate([state.obs, ps.q, ps.qd])}

    def reset(self, rng: jax.Array) -> State:
        state = self.env.reset(rng)
        return state.replace(obs=self._obs(state))

    def step(self, state: State, action: jax.Array) -> State:
        # Reacher's step reads the pipeline state, never state.obs.
        new = self.env.step(state.replace(obs=state.obs["state"]), action)
        return new.replace(obs=self._obs(new))


def make_env(name: str) -> envs.Env:
    if name == "reacher":
        return envs.get_environment("reacher", backend="spring")
    if name == "reacher_dict":
        return PrivilegedObservation(envs.get_environment("reacher", backend="spring"))
    raise ValueError(name)


# -- a network factory with LayerNorm ------------------------------------------------


def make_ppo_networks_layer_norm(
    observation_size: types.ObservationSize,
    action_size: int,
    preprocess_observations_fn: types.PreprocessObservationFn = types.identity_observation_preprocessor,
    policy_hidden_layer_sizes: tuple[int, ...] = (32,) * 4,
    value_hidden_layer_sizes: tuple[int, ...] = (256,) * 5,
    activation: networks.ActivationFn = linen.swish,
    policy_obs_key: str = "state",
    value_obs_key: str = "state",
    distribution_type: str = "tanh_normal",
    noise_std_type: str = "scalar",
    init_noise_std: float = 1.0,
    state_dependent_std: bool = False,
    mean_clip_scale: float | None = None,
    policy_network_layer_norm: bool = True,
) -> ppo_networks.PPONetworks:
    """Brax 0.14.2's ``make_ppo_networks`` with its policy network rebuilt by
    Brax's own ``networks.make_policy_network(layer_norm=...)``: PPO's factory
    does not expose ``layer_norm`` (and Brax's value network has none), so a
    LayerNorm policy needs a factory like this one. Its keyword defaults are
    what ``ppo_network_config.json`` records."""
    common = dict(
        preprocess_observations_fn=preprocess_observations_fn, activation=activation,
        distribution_type=distribution_type, noise_std_type=noise_std_type, init_noise_std=init_noise_std,
        state_dependent_std=state_dependent_std, mean_clip_scale=mean_clip_scale,
    )  # fmt: skip
    base = ppo_networks.make_ppo_networks(
        observation_size, action_size, policy_hidden_layer_sizes=policy_hidden_layer_sizes,
        value_hidden_layer_sizes=value_hidden_layer_sizes, policy_obs_key=policy_obs_key,
        value_obs_key=value_obs_key, **common,
    )  # fmt: skip
    policy = networks.make_policy_network(
        base.parametric_action_distribution.param_size, observation_size,
        hidden_layer_sizes=policy_hidden_layer_sizes, obs_key=policy_obs_key,
        layer_norm=policy_network_layer_norm, **common,
    )  # fmt: skip
    return base.replace(policy_network=policy)


# -- the cases -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    what: str
    factory_kwargs: dict[str, Any]
    env: str = "reacher"
    layer_norm: bool = False
    normalize_observations: bool = True
    num_timesteps: int = 1024
    num_evals: int = 2  # 2: one checkpoint (the initial eval writes none); 3: two

    def factory(self) -> Any:
        make = make_ppo_networks_layer_norm if self.layer_norm else ppo_networks.make_ppo_networks
        return functools.partial(make, **self.factory_kwargs)


SIZES = dict(policy_hidden_layer_sizes=(16, 8), value_hidden_layer_sizes=(16,))
NORMAL = dict(SIZES, distribution_type="normal", init_noise_std=0.6)
ACTIVATIONS = {
    "tanh": linen.tanh, "relu": linen.relu, "elu": linen.elu, "gelu": linen.gelu,
    "leaky_relu": linen.leaky_relu, "sigmoid": linen.sigmoid, "softplus": linen.softplus,
}  # fmt: skip

CASES = [
    Case("tanh_normal", "Brax's defaults (tanh_normal, swish saved as 'silu'), normaliser on, two saved steps",
         SIZES, num_timesteps=2048, num_evals=3),
    Case("no_normalizer", "normalize_observations=False: ppo.train still updates and saves the statistics, "
         "but the networks never apply them", SIZES, normalize_observations=False),
    Case("layer_norm", "tanh_normal policy with LayerNorm after each hidden activation (a factory around "
         "networks.make_policy_network(layer_norm=True)); the value network has none",
         dict(SIZES, policy_hidden_layer_sizes=(16, 8, 8)), layer_norm=True),
    *(Case(f"activation_{name}", f"activation=linen.{name}", dict(SIZES, activation=fn))
      for name, fn in ACTIVATIONS.items()),
    Case("normal_scalar", "distribution_type='normal', noise_std_type='scalar': a std_param used as is",
         dict(NORMAL, noise_std_type="scalar")),
    Case("normal_log", "distribution_type='normal', noise_std_type='log': exp of a std_logparam",
         dict(NORMAL, noise_std_type="log")),
    # Dense_1's raw output is the std: with Brax's default init it is negative for
    # about half the inputs, log_prob is NaN there and PPO trains every param to NaN
    # (ppo.train then fails its pmap.assert_is_replicated). A sigmoid trunk and
    # positive uniform(0.1) kernels keep it positive for this data.
    Case("normal_state_dependent_scalar", "normal, state_dependent_std=True, noise_std_type='scalar': the std is "
         "Dense_1's raw output; sigmoid trunk and uniform(scale=0.1) kernels keep it positive (with the default "
         "init Brax's PPO trains to NaN)",
         dict(NORMAL, noise_std_type="scalar", state_dependent_std=True, activation=linen.sigmoid,
              policy_network_kernel_init_fn=jax.nn.initializers.uniform,
              policy_network_kernel_init_kwargs=dict(scale=0.1))),
    Case("normal_state_dependent_log", "normal, state_dependent_std=True, noise_std_type='log': exp(Dense_1)",
         dict(NORMAL, noise_std_type="log", state_dependent_std=True)),
    Case("normal_mean_clip", "normal, log std, mean_clip_scale=1.5, mean head initialised by "
         "variance_scaling(0.01, fan_in, uniform)",
         dict(NORMAL, noise_std_type="log", mean_clip_scale=1.5,
              mean_kernel_init_fn=jax.nn.initializers.variance_scaling,
              mean_kernel_init_kwargs=dict(scale=0.01, mode="fan_in", distribution="uniform"))),
    Case("normal_layer_norm", "normal, log std, LayerNorm after every trunk layer (the trunk activates its "
         "last layer too)", dict(NORMAL, noise_std_type="log"), layer_norm=True),
    Case("dict_obs", "dict observations: the policy reads 'state' (11), the value 'privileged_state' (19); "
         "one normaliser per key", dict(SIZES, policy_obs_key="state", value_obs_key="privileged_state"),
         env="reacher_dict"),
]  # fmt: skip


# -- fixed inputs ----------------------------------------------------------------

ROWS = [
    *(f"mean + std * z (z ~ N(0, 1), row {i})" for i in range(8)),
    "zeros", "the normaliser's mean", "mean + 1e3 * std * (+1, -1, +1, ...)", "mean - 1e3 * std * (+1, -1, +1, ...)",
    "mean + 1e5 * std * random signs", "1e3 * random signs (absolute, ignores the statistics)",
]  # fmt: skip
"""What each row of the fixed observations is (per key for dict observations)."""


def fixed_observations(rng: np.random.Generator, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """``(len(ROWS), D)`` float64 observations around and far outside the statistics."""
    mean, std = np.asarray(mean, np.float64), np.asarray(std, np.float64)
    alternating = np.where(np.arange(mean.size) % 2 == 0, 1.0, -1.0)
    rows = [
        mean + std * rng.standard_normal((8, mean.size)),
        np.zeros((1, mean.size)), mean[None],
        (mean + 1e3 * std * alternating)[None], (mean - 1e3 * std * alternating)[None],
        (mean + 1e5 * std * rng.choice([-1.0, 1.0], mean.size))[None],
        1e3 * rng.choice([-1.0, 1.0], (1, mean.size)),
    ]  # fmt: skip
    return np.concatenate(rows)


def fixed_actions(rng: np.random.Generator, n: int, action_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Pre-tanh samples ``u`` (ordinary, then +-8 and +-20) and squashed actions
    in (-1, 1) (uniform in +-0.99, the last row +-0.999), each ``(n, A)`` float64."""
    u = 1.5 * rng.standard_normal((n, action_size))
    alternating = np.where(np.arange(action_size) % 2 == 0, 1.0, -1.0)
    u[-2], u[-1] = 8.0 * alternating, 20.0 * alternating
    actions = rng.uniform(-0.99, 0.99, (n, action_size))
    actions[-1] = 0.999 * alternating
    return u, actions


# -- Brax's outputs ---------------------------------------------------------------


def brax_outputs(case: Case, net: ppo_networks.PPONetworks, params: Any, obs: Any, u: Any, actions: Any) -> dict:
    """Brax's own functions on ``params`` and the fixed inputs, as numpy."""
    normaliser, policy_params, value_params = params
    dist = net.parametric_action_distribution
    preprocess = running_statistics.normalize if case.normalize_observations else types.identity_observation_preprocessor
    keys = case.factory_kwargs.get("policy_obs_key", "state"), case.factory_kwargs.get("value_obs_key", "state")
    out = {}
    for which, key in zip(("policy", "value"), keys):
        if isinstance(obs, dict):  # what the network's apply does with a mapping
            out[f"normalized_obs.{which}"] = preprocess(obs[key], networks.normalizer_select(normaliser, key))
        else:
            out[f"normalized_obs.{which}"] = preprocess(obs, normaliser)
    raw = net.policy_network.apply(normaliser, policy_params, obs)
    if isinstance(raw, tuple):  # distribution_type="normal": (mean, std) from PolicyModuleWithStd
        out["policy_mean"], out["policy_std"] = raw
    else:
        out["policy_output"] = raw
    normal = dist.create_dist(raw)
    out["loc"], out["scale"] = normal.loc, normal.scale
    out["deterministic_action"] = dist.mode(raw)
    out["log_prob_u"] = dist.log_prob(raw, u)
    if isinstance(dist, brax.training.distribution.NormalTanhDistribution):
        out["action_pre_tanh"] = dist.inverse_postprocess(actions)
        out["log_prob_action"] = dist.log_prob(raw, out["action_pre_tanh"])
    out["value"] = net.value_network.apply(normaliser, value_params, obs)
    out["entropy_sample"] = dist.entropy(raw, jax.random.PRNGKey(ENTROPY_SEED))
    return {k: np.asarray(v) for k, v in out.items()}


ARRAYS = {
    "obs / obs.<key>": "(N, D) float64 fixed observations (ROWS in case.json); the float32 outputs are of obs.astype(float32)",
    "u": "(N, A) float64 pre-tanh samples (for 'normal' the actions themselves)",
    "actions": "(N, A) float64 squashed actions in (-1, 1) (tanh_normal only)",
    "<d>.normalized_obs.policy / .value": "(N, D) what each network's MLP receives: running_statistics.normalize "
    "(x - mean) / std with that network's key's statistics, or x itself without the normaliser",
    "<d>.policy_output": "(N, 2A) tanh_normal: the policy MLP's output, [loc | raw scale]",
    "<d>.policy_mean / .policy_std": "(N, A) normal: PolicyModuleWithStd's two outputs",
    "<d>.loc / .scale": "(N, A) the Normal's parameters as the distribution's create_dist computes them",
    "<d>.deterministic_action": "(N, A) dist.mode: tanh(loc) or loc",
    "<d>.log_prob_u": "(N,) dist.log_prob(raw, u): Normal log-density of u minus the tanh log-det, summed",
    "<d>.action_pre_tanh": "(N, A) dist.inverse_postprocess(actions) = arctanh(actions) (tanh_normal only)",
    "<d>.log_prob_action": "(N,) dist.log_prob(raw, arctanh(actions)) (tanh_normal only)",
    "<d>.value": "(N,) the value network",
    "<d>.entropy_sample": f"(N,) dist.entropy(raw, PRNGKey({ENTROPY_SEED})): Normal entropy plus the log-det "
    "at one sample; an estimate, for documentation",
}  # fmt: skip
"""What expected.npz holds; ``<d>`` is ``f32`` or ``f64``."""


# -- one case ---------------------------------------------------------------------


def leaves(tree: Any) -> list[tuple[str, np.ndarray]]:
    return [(jax.tree_util.keystr(p), np.asarray(v)) for p, v in jax.tree_util.tree_leaves_with_path(tree)]


def check_same(what: str, a: Any, b: Any) -> None:
    la, lb = leaves(a), leaves(b)
    if [p for p, _ in la] != [p for p, _ in lb]:
        raise AssertionError(f"{what}: different trees {[p for p, _ in la]} vs {[p for p, _ in lb]}")
    for (path, x), (_, y) in zip(la, lb):
        if x.dtype != y.dtype or x.shape != y.shape or not np.array_equal(x, y, equal_nan=True):
            raise AssertionError(f"{what}: {path} differs")


def float64(tree: Any) -> Any:
    """Every floating leaf as float64 (call under jax.enable_x64)."""
    return jax.tree.map(lambda x: jnp.asarray(x, jnp.float64) if jnp.issubdtype(jnp.asarray(x).dtype, jnp.floating) else x, tree)


def make_case(case: Case) -> None:
    print(f"[{case.name}] training", flush=True)
    env = make_env(case.env)
    work = pathlib.Path(tempfile.mkdtemp(prefix=f".{case.name}-", dir=DATA))
    try:
        record_case(case, env, work)
    except BaseException:
        shutil.rmtree(work)
        raise


def record_case(case: Case, env: envs.Env, work: pathlib.Path) -> None:
    t0 = time.perf_counter()
    _, trained, _ = ppo.train(
        env, num_timesteps=case.num_timesteps, num_evals=case.num_evals, network_factory=case.factory(),
        normalize_observations=case.normalize_observations, save_checkpoint_path=str(work / "run"), **TRAIN,
    )  # fmt: skip
    seconds = time.perf_counter() - t0
    steps = sorted(int(p.name) for p in (work / "run").iterdir() if p.name.isdigit())
    step_dir = work / "run" / f"{steps[-1]:012d}"
    brax_model.save_params(str(work / "params.pkl"), trained)

    params = ppo_checkpoint.load(step_dir)
    check_same("Orbax checkpoint vs ppo.train's params", tuple(params), trained)
    check_same("pickle vs ppo.train's params", brax_model.load_params(str(work / "params.pkl")), trained)
    try:
        ppo_checkpoint.load_policy(step_dir)
        load_policy = "loads"
    except Exception as e:  # recorded: Brax 0.14.2's loader fails on its own files
        load_policy = f"{type(e).__name__}: {e}"

    normaliser = params[0]
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    if isinstance(normaliser.mean, dict):
        obs = {k: fixed_observations(rng, normaliser.mean[k], normaliser.std[k]) for k in sorted(normaliser.mean)}
        sizes = {k: v.shape[1] for k, v in obs.items()}
    else:
        obs = fixed_observations(rng, normaliser.mean, normaliser.std)
        sizes = obs.shape[1]
    u, actions = fixed_actions(rng, len(ROWS), env.action_size)
    obs_shape = jax.tree.map(lambda x: x.shape[1:], obs)
    preprocess = running_statistics.normalize if case.normalize_observations else types.identity_observation_preprocessor
    net = case.factory()(obs_shape, env.action_size, preprocess_observations_fn=preprocess)
    tanh = isinstance(net.parametric_action_distribution, brax.training.distribution.NormalTanhDistribution)

    arrays = {("obs." + k if k else "obs"): v for k, v in (obs.items() if isinstance(obs, dict) else [("", obs)])}
    arrays["u"] = u
    if tanh:
        arrays["actions"] = actions
    as32 = lambda t: jax.tree.map(lambda x: np.asarray(x, np.float32), t)
    for name, value in brax_outputs(case, net, params, as32(obs), as32(u), as32(actions)).items():
        assert value.dtype == np.float32, (name, value.dtype)
        arrays[f"f32.{name}"] = value
    with jax.enable_x64(True):
        for name, value in brax_outputs(case, net, float64(tuple(params)), obs, u, actions).items():
            assert value.dtype == np.float64, (name, value.dtype)
            arrays[f"f64.{name}"] = value
    np.savez_compressed(work / "expected.npz", **arrays)

    config = json.loads((step_dir / "ppo_network_config.json").read_text())
    nan = sorted(k for k, v in arrays.items() if np.isnan(v).any())
    record = {
        "case": case.name,
        "what": case.what,
        "env": "brax reacher (backend='spring')" + (", wrapped: " + " ".join(PrivilegedObservation.__doc__.split()) if case.env == "reacher_dict" else ""),
        "observation_size": sizes,
        "action_size": env.action_size,
        "network_factory": "tools/brax/make_data.py:make_ppo_networks_layer_norm" if case.layer_norm
        else "brax.training.agents.ppo.networks.make_ppo_networks",
        "ppo_network_config.json": config,
        "train_kwargs": dict(TRAIN, num_timesteps=case.num_timesteps, num_evals=case.num_evals,
                             normalize_observations=case.normalize_observations),
        "steps": steps,
        "latest_step": steps[-1],
        "brax_load_policy": load_policy,
        "rows": ROWS,
        "entropy_seed": ENTROPY_SEED,
        "arrays": ARRAYS,
        "arrays_with_nan": nan,
        "versions": {"brax": brax.__version__, "jax": jax.__version__, "flax": flax.__version__, "numpy": np.__version__},
        "train_seconds": round(seconds, 1),
    }  # fmt: skip
    (work / "case.json").write_text(json.dumps(record, indent=1) + "\n")
    target = DATA / case.name
    if target.exists():
        shutil.rmtree(target)
    work.rename(target)
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    print(f"[{case.name}] {seconds:.0f} s training, steps {steps}, {size / 1024:.0f} KiB, NaN in {nan}", flush=True)


NOISE_RUNS = 12
"""Float32 runs whose largest distance from their float64 truth is Brax's
rounding noise (``rlmodels_common.tolerances.REFERENCE_RUNS``)."""


def as_float32(tree: Any) -> Any:
    """Every floating leaf as float32 numpy."""
    return jax.tree.map(lambda x: np.asarray(x, np.float32) if np.asarray(x).dtype.kind == "f" else np.asarray(x), tree)


def nudged(tree: Any, rng: np.random.Generator) -> Any:
    """Every floating leaf in float32, each entry moved one ulp up, one down, or left, at random."""

    def move(x: np.ndarray) -> np.ndarray:
        if x.dtype.kind != "f":
            return x
        step = rng.integers(-1, 2, x.shape)
        return np.where(step > 0, np.nextafter(x, np.inf), np.where(step < 0, np.nextafter(x, -np.inf), x)).astype(np.float32)

    return jax.tree.map(move, as_float32(tree))


def record_noise(case: Case) -> None:
    """``noise.npz``: per output, the largest ``|Brax float32 - Brax float64|``
    over :data:`NOISE_RUNS` runs: the recorded one (``expected.npz``) and
    copies of its float32 weights and inputs moved by one ulp at random, each
    against its own float64 truth. That is how far Brax's own float32 lands
    from the truth, which the tests hold ours to (``rlmodels.parity.oracle``):
    one run can land near the truth by luck."""
    target = DATA / case.name
    expected = dict(np.load(target / "expected.npz"))
    step_dir = max((p for p in (target / "run").iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    params = tuple(ppo_checkpoint.load(step_dir))
    keys = sorted(k[4:] for k in expected if k.startswith("obs."))
    obs = {k: expected[f"obs.{k}"] for k in keys} if keys else expected["obs"]
    u, actions = expected["u"], expected.get("actions", expected["u"])
    preprocess = running_statistics.normalize if case.normalize_observations else types.identity_observation_preprocessor
    net = case.factory()(jax.tree.map(lambda x: x.shape[1:], obs), u.shape[-1], preprocess_observations_fn=preprocess)
    names = sorted(k[4:] for k in expected if k.startswith("f32."))
    noise = {name: distance(expected[f"f32.{name}"], expected[f"f64.{name}"]) for name in names}
    for run in range(1, NOISE_RUNS):
        weights, *inputs = nudged((params, obs, u, actions), np.random.default_rng(run))
        f32 = brax_outputs(case, net, weights, *inputs)
        with jax.enable_x64(True):
            f64 = brax_outputs(case, net, float64(weights), *float64(inputs))
        for name in names:
            noise[name] = np.maximum(noise[name], distance(f32[name], f64[name]))
    np.savez_compressed(target / "noise.npz", **{f"noise.{k}": v for k, v in noise.items()})
    print(f"[{case.name}] noise over {NOISE_RUNS} float32 runs recorded", flush=True)


def distance(a: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """``|a - truth|``: 0 where both are the same infinity or both NaN, inf where only one is NaN."""
    a, truth = np.asarray(a, np.float64), np.asarray(truth, np.float64)
    with np.errstate(invalid="ignore"):
        d = np.abs(a - truth)
    same = (np.isinf(a) & (a == truth)) | (np.isnan(a) & np.isnan(truth))
    return np.where(same, 0.0, np.where(np.isnan(d), np.inf, d))


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help=f"cases to (re)make (default: all): {[c.name for c in CASES]}")
    parser.add_argument("--noise", action="store_true", help="only (re)record noise.npz of existing cases (no training)")
    args = parser.parse_args(argv)
    names = args.cases
    unknown = set(names) - {c.name for c in CASES}
    if unknown:
        parser.error(f"unknown cases {sorted(unknown)}")
    if jax.config.jax_enable_x64:
        parser.error("train in float32: unset JAX_ENABLE_X64")
    DATA.mkdir(parents=True, exist_ok=True)
    for case in CASES:
        if not names or case.name in names:
            if not args.noise:
                make_case(case)
            record_noise(case)


if __name__ == "__main__":
    main(sys.argv[1:])
