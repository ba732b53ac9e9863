"""The model: seeds, lockstep replications, timing (no look-ahead), imposed and injected acts."""

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.analysis.conduct_fit import notice_locks
from sim.analysis.likelihood import score
from sim.core import fitted
from sim.core.agents import Choice
from sim.core.metrics import OUTCOMES, replication_table
from sim.core.model import EscalationModel, Forcing
from sim.core.moves import STANCE_OF_ACT, Act, Move
from sim.core.params import (
    ConductParams,
    ModelParams,
    PayoffParams,
    UsPolicy,
    lookup,
    real_keys,
    with_values,
)
from sim.core.rules import RULES
from sim.history import encode, load_events

C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
ALL_RULES = sorted(RULES)


def run(gsomia, seed, replications=50, weeks=None, params=None, **kwargs):
    return EscalationModel(
        gsomia, params, replications=replications, weeks=weeks, rng=seed, **kwargs
    ).run()


def test_same_seed_gives_identical_tables(gsomia):
    a, b = run(gsomia, 11), run(gsomia, 11)
    pd.testing.assert_frame_equal(replication_table(a), replication_table(b))
    pd.testing.assert_frame_equal(a.recorder.table(a), b.recorder.table(b))
    pd.testing.assert_frame_equal(a.recorder.fan_table(a.dates), b.recorder.fan_table(b.dates))


def test_generators_seeded_alike_give_identical_runs(gsomia):
    a, b = (run(gsomia, np.random.default_rng(11)) for _ in range(2))
    pd.testing.assert_frame_equal(a.recorder.table(a), b.recorder.table(b))


def test_different_seeds_give_different_runs(gsomia):
    a, b = replication_table(run(gsomia, 1)), replication_table(run(gsomia, 2))
    assert not a.equals(b)
    assert (a["enactments_seoul"].to_numpy() != b["enactments_seoul"].to_numpy()).any()


def test_lockstep_replications_match_separate_single_runs(gsomia):
    """600 replications in one model are distributed like 80 separate one-replication models
    (20 weeks each). Both samples are seeded, so the test is deterministic; the tolerance is 4
    standard errors of the difference of two means (a false alarm has probability < 1e-4 for
    a correct model, per statistic)."""
    weeks = 20
    lockstep = replication_table(run(gsomia, 5, replications=600, weeks=weeks))
    singles = pd.concat(
        [
            replication_table(
                EscalationModel(
                    gsomia, replications=1, weeks=weeks, keep_trajectories=False, rng=1000 + i
                ).run()
            )
            for i in range(80)
        ],
        ignore_index=True,
    )
    for column in (
        "retaliations_seoul",
        "cooperations_tokyo",
        "enactments_seoul",
        "enactments_tokyo",
        "peak_tension",
        "payoff_tokyo",
    ):
        x, y = lockstep[column].astype(float), singles[column].astype(float)
        se = np.sqrt(x.var() / len(x) + y.var() / len(y))
        assert abs(x.mean() - y.mean()) < 4 * se + 1e-9, column


def test_common_random_numbers_across_parameters(gsomia):
    """Two runs from one seed whose Seoul noise differs draw the very same uniforms.

    After every week the generators are in the same state, and in week 0 each run's Seoul move
    is its own probabilities read at the same uniform (the first R of the stream).
    """
    n, seed = 400, 9
    models = [
        EscalationModel(
            gsomia,
            with_values(ModelParams(), {"seoul.noise": noise}),
            replications=n,
            weeks=10,
            rng=seed,
        )
        for noise in (0.05, 0.6)
    ]
    u = np.random.default_rng(seed).random(n)
    for week in range(10):
        for model in models:
            model.step()
            if week == 0:
                p = model.capitals["seoul"].probabilities
                expected = (u >= p[:, 0]).astype(int) + (u >= p[:, 0] + p[:, 1])
                np.testing.assert_array_equal(model.capitals["seoul"].move, expected)
        first, second = (m.rng.bit_generator.state for m in models)
        assert first == second, f"the runs drew different numbers of uniforms in week {week}"
    moves = [m.recorder.move["seoul"] for m in models]
    assert (moves[0] != moves[1]).any()  # the parameter did change the runs


ANY_PARAMS = dict(
    seoul_rule=st.sampled_from(ALL_RULES),
    tokyo_rule=st.sampled_from(ALL_RULES),
    noise=st.floats(0, 1),
    activity=st.floats(0, 1),
    provocation=st.floats(0, 50),
    stakes=st.floats(0, 50),
    signal=st.floats(0, 1),
    lift=st.floats(0, 1),
    order=st.floats(0, 20),
    burst=st.floats(0, 1),
    policy=st.sampled_from(["absent", "constant", "reactive"]),
    pressure=st.floats(0, 1),
    persistence=st.floats(0, 1),
    seed=st.integers(0, 2**31),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(**ANY_PARAMS)
def test_any_valid_parameters_keep_every_state_in_its_range(
    gsomia,
    seoul_rule,
    tokyo_rule,
    noise,
    activity,
    provocation,
    stakes,
    signal,
    lift,
    order,
    burst,
    policy,
    pressure,
    persistence,
    seed,
):
    shared = dict(
        noise=noise,
        activity=activity,
        provocation=provocation,
        stakes=stakes,
        signal=signal,
        lift=lift,
    )
    params = ModelParams(
        seoul=RULES[seoul_rule](**shared),
        tokyo=RULES[tokyo_rule](**shared),
        us=UsPolicy(policy=policy, pressure=pressure),
        conduct=ConductParams(order=order, burst=burst),
        payoffs=PayoffParams(persistence=persistence),
    )
    model = EscalationModel(gsomia, params, replications=16, weeks=20, rng=seed)
    for _ in range(20):
        before = {name: c.mask.copy() for name, c in model.capitals.items()}
        model.step()
        for name, ally in model.capitals.items():
            assert ((ally.mask >= 0) & (ally.mask < ally.repertoire.states)).all()
            assert np.isin(ally.move, list(Move)).all()
            assert np.allclose(ally.probabilities.sum(axis=1), 1)
            assert (ally.probabilities >= -1e-12).all()
            # an enactment adds measures not in force; a lifting removes reversible ones
            assert not (ally.enacted & before[name]).any()
            assert not (ally.lifted & ~before[name]).any()
            np.testing.assert_array_equal(ally.move, STANCE_OF_ACT[ally.act_code])
        assert ((model.tension >= 0) & (model.tension <= 1 + 1e-12)).all()
        assert ((model.washington.pressure >= 0) & (model.washington.pressure <= 1)).all()
    assert set(replication_table(model)["outcome"].astype(str)) <= set(OUTCOMES)


def test_tension_is_the_share_of_both_sides_measures_in_force(gsomia):
    model = EscalationModel(gsomia, rng=0)
    assert model.tension[0] == 0
    seoul, tokyo = model.capitals["seoul"], model.capitals["tokyo"]
    seoul.mask[:] = seoul.repertoire.states - 1
    tokyo.mask[:] = tokyo.repertoire.states - 1
    assert model.measure_tension()[0] == pytest.approx(1.0)
    tokyo.mask[:] = tokyo.repertoire.mask(["export_controls"])
    assert model.measure_tension()[0] == pytest.approx((3.2 + 0.6) / 5.0)


def test_initial_measures_and_span_are_honoured(gsomia):
    scenario = gsomia.with_span("2019-06-03").with_initial({"tokyo": ["arbitration"]})
    model = EscalationModel(scenario, replications=20, rng=0)
    assert model.weeks == 31 and model.dates[0] == dt.date(2019, 6, 3)
    assert (model.capitals["tokyo"].mask == scenario.measures["tokyo"].bit("arbitration")).all()
    assert model.tension[0] == pytest.approx(0.25 / 5.0)
    model.run()
    assert model.week == 31 and not model.running


def test_a_bare_model_is_the_fitted_model(gsomia):
    bare = EscalationModel()
    assert bare.params == fitted.fitted_params()
    assert bare.case.name == "gsomia_2019" and bare.weeks == gsomia.weeks


def test_a_bare_model_applies_the_fit_file(tmp_path, monkeypatch):
    """A fit file in the fit folder changes what a bare model runs."""
    (tmp_path / f"{fitted.DEFAULT_FIT}.yaml").write_text(
        "# @package _global_\nfit: gsomia_2019\nseoul:\n  noise: 0.07\nconduct:\n  burst: 0.2\n"
    )
    monkeypatch.setattr(fitted, "fit_folder", lambda: tmp_path)
    params = EscalationModel().params
    assert params.seoul.noise == 0.07 and params.conduct.burst == 0.2
    assert params.tokyo == ModelParams().tokyo  # what the fit leaves out keeps its default


def stepped_probabilities(model: EscalationModel, weeks: int) -> list[np.ndarray]:
    out = []
    for _ in range(weeks):
        model.step()
        out.append(np.stack([c.probabilities.copy() for c in model.capitals.values()]))
    return out


def test_a_choice_does_not_see_the_patrons_pressure_of_its_own_week(gsomia):
    """The patron presses hard in week 3 only: the sides' week-3 probabilities are those of a
    run without it, their week-4 probabilities are not, and week 4 feels the pressure."""
    params = ModelParams(us=UsPolicy(policy="absent"))
    quiet = EscalationModel(gsomia, params, replications=5, weeks=6, rng=3)
    pressed = EscalationModel(gsomia, params, replications=5, weeks=6, rng=3)
    before = stepped_probabilities(quiet, 6)
    after = stepped_probabilities(pressed, 3)
    pressed.impose(pressure=1.0)
    after += stepped_probabilities(pressed, 1)
    assert (pressed.washington.pressure == 1.0).all() and (pressed.washington.felt == 0).all()
    after += stepped_probabilities(pressed, 2)
    for week in range(4):
        np.testing.assert_array_equal(after[week], before[week])
    assert not np.allclose(after[4], before[4])
    np.testing.assert_array_equal(pressed.recorder.pressure[:, 0], [0, 0, 0, 1, 0, 0])


def test_a_move_imposed_on_a_side_is_played_once(gsomia):
    model = EscalationModel(gsomia, replications=300, weeks=3, rng=0)
    model.impose({"seoul": Move.RETALIATE})
    model.step()
    seoul = model.capitals["seoul"]
    assert (seoul.move == R).all()
    acts = set(seoul.act_code.tolist())
    assert acts == {Act.HOSTILE_SIGNAL, Act.ENACT}  # the conduct still draws the act
    model.step()
    assert (seoul.move != R).any()  # the imposition is gone


def test_a_choice_imposed_on_a_side_fixes_its_act(gsomia):
    model = EscalationModel(gsomia, replications=4, weeks=3, rng=0)
    notice = gsomia.measures["seoul"].bit("gsomia_notice")
    model.impose({"seoul": Choice(Act.ENACT, enacted=notice)}, pressure=0.3)
    model.step()
    seoul = model.capitals["seoul"]
    assert (seoul.mask == notice).all() and (seoul.act_code == Act.ENACT).all()
    assert (model.washington.pressure == 0.3).all()
    # the act is scored as the real sequence would be: the move's and the act's probabilities
    np.testing.assert_allclose(seoul.move_log_probability, np.log(seoul.probabilities[:, R]))
    assert np.isfinite(seoul.act_log_probability).all()
    assert model.tension[0] == pytest.approx(0.85 / 5.0)


def test_an_injected_event_changes_measures_at_once(gsomia):
    model = EscalationModel(gsomia, replications=3, weeks=4, rng=0)
    tokyo = gsomia.measures["tokyo"]
    model.apply_event("tokyo", Choice(Act.ENACT, enacted=tokyo.bit("export_controls")))
    assert model.tension[0] == pytest.approx(0.6 / 5.0)
    model.step()
    options = model.capitals["tokyo"].options
    assert (options.enact[:, tokyo.index("export_controls")] == 0).all()  # in force already
    model.apply_event("tokyo", Choice(Act.LIFT, lifted=tokyo.bit("export_controls")))
    assert not (model.capitals["tokyo"].mask & tokyo.bit("export_controls")).any()


def test_a_forcing_shorter_than_the_run_replays_history_then_runs_free(gsomia, gsomia_real):
    weeks = 45
    forcing = Forcing(
        acts={s: a[:40] for s, a in gsomia_real.acts.items()},
        enacted={s: a[:40] for s, a in gsomia_real.enacted.items()},
        lifted={s: a[:40] for s, a in gsomia_real.lifted.items()},
        pressure=gsomia_real.pressure[:40],
    )
    model = EscalationModel(
        gsomia, ModelParams(), replications=200, weeks=weeks, forcing=forcing, rng=4
    ).run()
    for side in ("seoul", "tokyo"):
        masks = model.recorder.mask[side]
        np.testing.assert_array_equal(
            masks[:40], np.repeat(gsomia_real.masks[side][:40, None], 200, 1)
        )
        assert (masks[40:] != masks[39]).any()  # free from week 40: some replications move
    np.testing.assert_array_equal(model.recorder.pressure[:40, 0], gsomia_real.pressure[:40])


@pytest.mark.parametrize("name", ["fictitious_play", "q_learning", "generous_tit_for_tat"])
def test_per_replication_parameters_equal_scalars_one_at_a_time(gsomia, gsomia_real, name):
    """Every real-valued parameter drawn per replication: one scoring run of 3 replications
    gives each replication exactly what a run with its values as plain numbers gives."""
    base = ModelParams(seoul=RULES[name](), tokyo=RULES[name]())
    rng = np.random.default_rng(0)
    values = {}
    for key in real_keys(base):
        low, high = lookup(base, key)[0].metadata.get("range", (0.0, 2.0))
        values[key] = rng.uniform(max(low, 0.01), min(high, 5.0), 3)
    together = score(with_values(base, values), gsomia, gsomia_real, replications=3).total
    for r in range(3):
        alone = score(
            with_values(base, {k: float(v[r]) for k, v in values.items()}), gsomia, gsomia_real
        )
        # the same numbers up to the order of floating-point sums (matrix products)
        np.testing.assert_allclose(together[:, r], alone.total[:, 0], rtol=1e-12, atol=1e-12)


def with_events_changed(events, scenario, actor: str, week: int, change: str):
    """The events with ``actor``'s rows of ``week`` removed, or their directions flipped."""
    out = []
    flip = {"retaliate": "cooperate", "pressure": "cooperate", "cooperate": "pressure"}
    for e in events:
        if e.actor == actor and scenario.week_of(e.date) == week:
            if change == "remove":
                continue
            e = dataclasses.replace(e, direction=flip.get(e.direction, e.direction))
        out.append(e)
    return out


def lookahead_params(name: str) -> ModelParams:
    """The rule on both sides, with every mechanism through which the past can act switched on."""
    rule = RULES[name](provocation=1.5, stakes=1.0, noise=0.05, activity=0.3)
    return ModelParams(
        seoul=rule, tokyo=dataclasses.replace(rule), payoffs=PayoffParams(persistence=0.5)
    )


@pytest.mark.parametrize("name", ALL_RULES)
def test_no_look_ahead(gsomia, name):
    """Removing or changing the events of week t, of any actor, leaves the probabilities of
    every earlier week alone, and those of week t for everyone but the actor whose week it
    was (the patron's week-t moves reach the sides in week t + 1)."""
    events = load_events(gsomia.events_path, gsomia.actors)
    params = lookahead_params(name)
    sides = list(gsomia.sides)
    moved_later = False
    for week in (42, 55):
        reference = score(params, gsomia, encode(events, gsomia), weeks=week + 2).total
        for actor in gsomia.actors:
            for change in ("remove", "flip"):
                changed = with_events_changed(events, gsomia, actor, week, change)
                got = score(params, gsomia, encode(changed, gsomia), weeks=week + 2).total
                np.testing.assert_array_equal(got[:week], reference[:week])
                others = [i for i, side in enumerate(sides) if side != actor]
                np.testing.assert_array_equal(got[week, :, others], reference[week, :, others])
                moved_later |= not np.array_equal(got[week + 1 :], reference[week + 1 :])
    assert moved_later  # the changes do matter, a week later


def replaced(events, scenario, actor: str, week: int, direction: str):
    """``actor``'s rows of ``week`` replaced by one signal of ``direction`` (no measure)."""
    kept = [e for e in events if not (e.actor == actor and scenario.week_of(e.date) == week)]
    day = scenario.week_start(week)
    signal = dataclasses.replace(
        events[0],
        date=day,
        actor=actor,
        direction=direction,
        move="test_signal",
        domain="diplomatic",
    )
    return sorted([*kept, signal], key=lambda e: e.date)


@pytest.mark.parametrize("name", ALL_RULES)
def test_the_week_t_distribution_does_not_depend_on_the_week_t_act(gsomia, name):
    """A side's week-42 act replaced by a signal of each move in turn: the three moves'
    probabilities, each scored in its own run, add up to one, so they come from one
    distribution that the act it scores did not shape."""
    events = load_events(gsomia.events_path, gsomia.actors)
    params = lookahead_params(name)
    for side, index in (("seoul", 0), ("tokyo", 1)):
        total = sum(
            np.exp(
                score(
                    params, gsomia, encode(replaced(events, gsomia, side, 42, d), gsomia), weeks=43
                ).moves[42, :, index]
            )
            for d in ("cooperate", "neutral", "retaliate")
        )
        np.testing.assert_allclose(total, 1.0, rtol=1e-9)


def test_datacollector_reports_the_mean_tension_and_pressure(gsomia):
    model = run(gsomia, 3, replications=40, weeks=12)
    frame = model.datacollector.get_model_vars_dataframe()
    np.testing.assert_allclose(frame["tension"], model.recorder.mean_tension)
    np.testing.assert_allclose(frame["pressure"], model.recorder.pressure.mean(axis=1))


def test_a_week_logs_nothing_to_a_console_set_to_info():
    """Mesa logs each step at INFO; a console a library set to INFO (Hydra's launcher sets the
    root logger so) printed them, and into a closed stream in the test run ("Logging error").
    In a fresh interpreter, so no earlier Hydra job has set Mesa's logger."""
    import subprocess
    import sys

    code = (
        "import io, logging\n"
        "console = io.StringIO()\n"
        "logging.basicConfig(stream=console, level=logging.INFO)\n"
        "from sim.experiment.config import default_config\n"
        "from sim.play.game import Game\n"
        "Game(default_config([]), ['seoul']).advance()\n"
        "print(repr(console.getvalue()))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "''", done.stdout


def test_a_lapsed_notice_can_no_longer_be_lifted_or_rescued(gsomia):
    # The notice was liftable and paid its deadline bonus after GSOMIA had lapsed: a game let
    # Seoul "suspend its notice" on an agreement already ended, with the bonus in its payoff.
    lapse = gsomia.notice.lapse_weeks
    model = EscalationModel(gsomia, replications=500, weeks=lapse + 6, rng=5)
    repertoire = gsomia.measures["seoul"]
    notice = repertoire.bit("gsomia_notice")
    seoul = model.capitals["seoul"]
    before, locks = [], []

    def step(choice) -> None:
        before.append(int(seoul.mask[0]))
        model.impose({"seoul": choice})
        model.step()
        locks.append(0 if seoul.locked is None else int(seoul.locked[0]))

    step(Choice(Act.ENACT, enacted=notice))
    for _ in range(lapse - 1):
        step(H)
    seoul.prepare()  # the week it would lapse: the last in which lifting it saves it
    assert (seoul.options.lift[:, seoul.notice_index] > 0).all() and (seoul.rescue() > 0).all()
    step(H)
    assert (model.notice.status == OUTCOMES.index("terminated")).all()
    for _ in range(5):
        step(C)
        assert (seoul.mask & notice).all()  # in force for good
        assert (seoul.act_code != Act.LIFT).all()  # nothing else is in force to lift
        assert np.all(seoul.rescue() == 0) and (seoul.options.lift == 0).all()
    # scoring a real sequence locks the notice in the same weeks as the model
    scored = notice_locks(repertoire, np.array(before, dtype=np.int16), "seoul", gsomia.notice)
    assert scored.tolist() == locks and locks.count(notice) == 5
