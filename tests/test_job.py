import dataclasses
import json
import re
import shutil
import warnings
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from renamed_case import renamed_case

from sim.core.errors import ConfigError
from sim.core.fitted import fit_values
from sim.core.metrics import OUTCOMES, replication_table
from sim.core.params import lookup
from sim.core.scenario_yaml import load_scenario
from sim.experiment import blocks
from sim.experiment.config import default_config
from sim.experiment.factory import build_model, build_scenario
from sim.experiment.identity import config_hash, run_identity, scenario_digest
from sim.experiment.job import (
    REPLICATIONS,
    SUMMARY,
    TRAJECTORIES,
    redraw_run,
    resume_state,
    run_into,
    simulate,
)
from sim.experiment.store import tidy_floats
from sim.reports.run import RunSummary, format_summary

ROOT = Path(__file__).resolve().parents[1]


@cache
def config(*overrides):
    return default_config(["run.progress=false", *overrides])


@pytest.fixture
def scenario_copy(tmp_path, monkeypatch):
    """A private copy of the shipped scenario that a test may edit."""
    root = tmp_path / "scenarios"
    shutil.copytree(ROOT / "scenarios" / "gsomia_2019", root / "gsomia_2019")
    monkeypatch.setenv("ESCALATION_SCENARIOS", str(root))
    return root / "gsomia_2019"


def test_config_hash_ignores_progress_and_nothing_that_changes_numbers():
    base = config("run.replications=50")
    assert config_hash(base) == config_hash(config("run.replications=50", "run.progress=true"))
    assert config_hash(base) != config_hash(config("run.replications=50", "run.seed=7"))
    assert config_hash(base) != config_hash(config("run.replications=50", "us.pressure=0.7"))
    assert config_hash(base) != config_hash(config("run.replications=50", "run.trajectories=false"))


def test_resume_is_keyed_by_the_config_and_the_scenario_data(tmp_path, scenario_copy):
    folder = tmp_path / "run"
    base = config("run.replications=50")
    done = run_into(base, folder)
    identity = run_identity(base, build_scenario(base.scenario))
    complete = resume_state(folder, identity).complete
    assert complete is not None  # the summary as written: its floats tidied to 12 digits
    assert complete.to_dict() == tidy_floats(done.to_dict())

    reseeded = config("run.replications=50", "run.seed=7")
    state = resume_state(folder, run_identity(reseeded, build_scenario(reseeded.scenario)))
    assert state.complete is None and "the configuration changed" in state.reasons[0]

    yaml_file = scenario_copy / "scenario.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("lapse_weeks: 13", "lapse_weeks: 12"))
    state = resume_state(folder, run_identity(base, build_scenario(base.scenario)))
    assert state.complete is None
    assert state.reasons == ("the scenario's files changed since it was computed",)

    events = scenario_copy / "events.csv"
    events.write_text(events.read_text().replace("Tokyo protests", "Tokyo protested"))
    state = resume_state(folder, run_identity(base, build_scenario(base.scenario)))
    assert "the events file" in state.reasons[0]


def test_a_readme_edit_changes_no_identity(tmp_path, scenario_copy):
    base = config("run.replications=50")
    before = run_identity(base, build_scenario(base.scenario))
    (scenario_copy / "README.md").write_text("edited\n")
    assert run_identity(base, build_scenario(base.scenario)) == before


def test_coding_and_classroom_edits_keep_the_scenario_digest_and_scenario_yaml_changes_it(
    scenario_copy,
):
    def digest():
        return scenario_digest(load_scenario("gsomia_2019"))

    before = digest()
    for name in ("coding.csv", "classroom.yaml"):
        path = scenario_copy / name
        path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
        assert digest() == before, f"editing {name} changed the scenario digest"
    yaml_file = scenario_copy / "scenario.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("lapse_weeks: 13", "lapse_weeks: 12"))
    assert digest() != before


def test_a_folder_whose_file_changed_size_is_not_complete(tmp_path):
    base = config("run.replications=50")
    run_into(base, tmp_path)
    with (tmp_path / REPLICATIONS).open("ab") as handle:
        handle.write(b"junk")
    state = resume_state(tmp_path, run_identity(base, build_scenario(base.scenario)))
    assert state.complete is None and "mixes two runs" in state.reasons[0]


def test_a_rerun_without_trajectories_removes_the_old_trajectories(tmp_path):
    run_into(config("run.replications=50"), tmp_path)
    assert (tmp_path / TRAJECTORIES).is_file()
    summary = run_into(config("run.replications=50", "run.trajectories=false"), tmp_path)
    assert not (tmp_path / TRAJECTORIES).exists()
    assert TRAJECTORIES not in summary.files


class Stop:
    """A progress bar that interrupts the run after a few weeks, like Ctrl-C."""

    def __init__(self, total, blocks):
        self.weeks = 0

    def update(self, n):
        self.weeks += n
        if self.weeks == 3:
            raise KeyboardInterrupt

    def close(self):
        pass


def test_an_interrupted_rerun_leaves_no_summary_and_no_partial_file(tmp_path):
    run_into(config("run.replications=50"), tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run_into(config("run.replications=50", "run.seed=3"), tmp_path, progress=Stop)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert SUMMARY not in names and REPLICATIONS not in names
    assert not [n for n in names if n.endswith(".tmp")]
    with pytest.raises(ConfigError, match="did not finish"):
        redraw_run(tmp_path)


@pytest.mark.parametrize(
    ("policy", "level", "move"),
    [("absent", 0.0, "abstain"), ("constant", 0.7, "press"), ("constant", 0.2, "engage")],
)
def test_absent_and_constant_us_policies_through_a_job(tmp_path, policy, level, move):
    summary = run_into(
        config("run.replications=40", f"us={policy}", f"us.pressure={level}"), tmp_path
    )
    paths = pd.read_parquet(tmp_path / TRAJECTORIES)
    washington = paths[paths["actor"] == "washington"]
    assert len(washington) == 40 * summary.weeks
    assert (washington["pressure"] == level).all()
    assert set(washington["move"].astype(str)) == {move}
    assert summary.us_policy == policy


def test_constant_full_pressure_ends_fewer_agreements_than_no_pressure(tmp_path):
    # 2,000 replications per policy, seed 2019: the shares differ by far more than their
    # sampling error (about 0.01 each), so the direction is not luck. The hand-set values,
    # since the mechanism is what is tested: the fit puts Seoul's pressure weight at the floor
    # of its box, where pressure cannot move Seoul's notice (docs/sweeps.md).
    shares = {
        policy: simulate(
            config("run.replications=2000", f"us={policy}", "us.pressure=1.0", "fit=none")
        ).summary.simulated.share_terminated
        for policy in ("absent", "constant")
    }
    assert shares["constant"] < shares["absent"] - 0.05


def test_one_block_is_the_plain_model_seeded_with_run_seed():
    base = config("run.replications=300")
    direct = replication_table(build_model(base).run().follow_notices())
    pd.testing.assert_frame_equal(simulate(base).replications, direct)


def test_following_settles_the_pending_runs_and_changes_nothing_else():
    followed = simulate(config("run.replications=600"))
    plain = simulate(config("run.replications=600", "run.follow=false"))
    table = followed.replications
    pd.testing.assert_frame_equal(table.drop(columns="outcome_settled"), plain.replications)
    pending = table["outcome"] == "pending"
    assert pending.sum() > 20 and not (table["outcome_settled"] == "pending").any()
    assert (table["outcome_settled"][~pending] == table["outcome"][~pending]).all()
    settled = followed.summary.simulated.outcome_shares_settled
    counts = table["outcome_settled"].astype(str).value_counts(normalize=True)
    assert settled == {o: pytest.approx(counts.get(o, 0.0)) for o in OUTCOMES}
    assert plain.summary.simulated.outcome_shares_settled is None
    assert followed.summary.simulated.outcome_shares == plain.summary.simulated.outcome_shares
    text = format_summary(followed.summary)
    assert "pending runs followed until settled" in text
    assert "pending runs followed" not in format_summary(plain.summary)


def test_run_weeks_cuts_the_real_values_as_scenario_end_does():
    """A 10-week run was set beside the whole of 2019: notice given, then kept, peak 1.0."""
    short = simulate(config("run.replications=20", "run.weeks=10")).summary
    cut = simulate(config("run.replications=20", "scenario.end=2018-12-31")).summary
    assert short.weeks == cut.weeks == 10
    assert short.real == cut.real
    assert short.real.outcome == "never_noticed" and not short.real.noticed
    whole = simulate(config("run.replications=20")).summary.real
    assert whole.noticed and short.real.peak_tension < whole.peak_tension


def test_blocks_number_replications_and_merge_the_fan_exactly(monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK", 100)
    result = simulate(config("run.replications=250"))
    assert [b.start for b in result.blocks] == [0, 100, 200]
    assert result.replications["replication"].tolist() == list(range(250))
    assert result.summary.blocks == 3
    tension = np.concatenate([b.model.recorder.tension for b in result.blocks], axis=1)
    expected = np.quantile(tension, blocks.FAN_QUANTILES, axis=1).T
    columns = ["q05", "q25", "q50", "q75", "q95"]
    np.testing.assert_array_equal(result.fan[columns].to_numpy(), expected)
    np.testing.assert_allclose(result.fan["mean"], tension.mean(axis=1), rtol=1e-12)
    shares = result.replications["outcome"].astype(str).value_counts(normalize=True)
    assert result.summary.simulated.share_terminated == pytest.approx(shares.get("terminated", 0))


def test_blocks_draw_independent_streams(monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK", 100)
    table = simulate(config("run.replications=200")).replications
    first, second = table.iloc[:100].reset_index(drop=True), table.iloc[100:].reset_index(drop=True)
    assert not first.drop(columns="replication").equals(second.drop(columns="replication"))


def test_no_block_of_one_seed_shares_its_stream_with_a_block_of_another():
    # Seeding block i with seed + i would give seed 7's second block seed 8's first: a sweep
    # over seeds of runs larger than a block would repeat its random numbers.
    from sim.experiment.blocks import block_rng

    streams = {
        (seed, index): tuple(block_rng(seed, index, 3).random(4))
        for seed in range(5)
        for index in range(3)
    }
    assert len(set(streams.values())) == len(streams)


def test_streamed_results_are_the_same_bytes_every_time(tmp_path, monkeypatch):
    monkeypatch.setattr(blocks, "BLOCK", 100)
    base = config("run.replications=250")
    run_into(base, tmp_path / "a")
    run_into(base, tmp_path / "b")
    for name in (REPLICATIONS, TRAJECTORIES, "tension_fan.parquet"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    paths = pd.read_parquet(tmp_path / "a" / TRAJECTORIES)
    assert paths["replication"].drop_duplicates().tolist() == list(range(250))


def test_per_replication_parameters_are_cut_to_each_block(monkeypatch):
    base = config("run.replications=250")
    noise = np.linspace(0.0, 0.5, 250)
    varied = dataclasses.replace(base, seoul=dataclasses.replace(base.seoul, noise=noise))
    parts = [
        blocks.block_config(varied, start, size) for start, size in blocks.block_spans(250, 100)
    ]
    assert [p.run.replications for p in parts] == [100, 100, 50]
    np.testing.assert_array_equal(np.concatenate([p.seoul.noise for p in parts]), noise)
    assert parts[0].tokyo == base.tokyo


def test_posterior_draws_are_made_once_per_run_and_shared_by_its_blocks(monkeypatch):
    from sim.core.fitted import posterior_draws
    from sim.experiment.factory import posterior_config

    monkeypatch.setattr(blocks, "BLOCK", 100)
    base = config("run.replications=250", "run.posterior=true")
    drawn = posterior_config(base)
    again = posterior_config(base)
    assert not drawn.run.posterior
    np.testing.assert_array_equal(drawn.payoffs.deadline, again.payoffs.deadline)
    # The draws come from a stream of their own, not the one the model's runs use (the
    # README: "one more stream of the same seed").
    rows = np.random.default_rng(base.run.seed).integers(len(posterior_draws(base.fit)), size=250)
    own = posterior_draws(base.fit)["payoffs.deadline"].to_numpy()[rows]
    assert not np.array_equal(drawn.payoffs.deadline, own)
    np.testing.assert_array_equal(drawn.payoffs.audience.tokyo, again.payoffs.audience.tokyo)
    draws = posterior_draws(base.fit)
    assert set(np.unique(drawn.payoffs.deadline)) <= set(draws["payoffs.deadline"])
    assert len(np.unique(drawn.payoffs.deadline)) > 100  # each replication its own draw
    for key in ("seoul.lift", "conduct.order"):  # the conduct is drawn with the keys
        values = np.asarray(lookup(drawn.model_params, key)[1])
        assert values.shape == (250,) and set(np.unique(values)) <= set(draws[key]), key
    seen = []
    original = blocks.build_model

    def spy(block_config, scenario, **changes):
        seen.append(np.asarray(block_config.payoffs.deadline).copy())
        return original(block_config, scenario, **changes)

    monkeypatch.setattr(blocks, "build_model", spy)
    simulate(base)
    np.testing.assert_array_equal(np.concatenate(seen), drawn.payoffs.deadline)


def test_a_posterior_run_keeps_the_values_each_replication_drew(tmp_path):
    # the folder said only which fit the run drew from: once calibrate rewrote the posterior,
    # the same command drew other values and nothing in the folder told which ones it had
    from sim.experiment.factory import posterior_config
    from sim.experiment.job import DRAWS

    base = config("run.replications=30", "run.posterior=true")
    summary = run_into(base, tmp_path)
    kept = pd.read_parquet(tmp_path / DRAWS)
    drawn = posterior_config(base)
    assert list(kept["replication"]) == list(range(30)) and DRAWS in summary.files
    for key in kept.columns.drop("replication"):
        np.testing.assert_array_equal(kept[key], np.asarray(lookup(drawn, key)[1]), key)
    assert set(kept.columns) == {"replication", *fit_values(base.fit)}
    run_into(config("run.replications=30"), tmp_path)  # the point estimate: no draws
    assert not (tmp_path / DRAWS).exists()


def test_the_summary_round_trips_through_json_and_rejects_junk(tmp_path):
    summary = run_into(config("run.replications=50"), tmp_path)
    assert RunSummary.from_dict(summary.to_dict()) == summary
    data = summary.to_dict()
    for broken in ({**data, "schema": 1}, {**data, "files": {"a": "big"}}, {"seed": 1}, [1]):
        with pytest.raises(ValueError):
            RunSummary.from_dict(broken)


def test_every_key_of_summary_json_is_documented(tmp_path):
    # results/README.md calls its keys stable, and `patron_presses` was missing from it
    run_into(config("run.replications=20"), tmp_path)
    table = (Path(__file__).parents[1] / "results" / "README.md").read_text()
    part = table.split("## `summary.json`")[1].split("\n## ")[0]
    named = {word for key in re.findall(r"`([a-z_.]+)`", part) for word in key.split(".")}
    written = json.loads((tmp_path / "summary.json").read_text())
    simulated = {f"simulated.{k}" for k in written["simulated"]}
    missing = [k for k in sorted(set(written) | simulated) if k.split(".")[-1] not in named]
    assert missing == []


def test_the_run_summary_names_the_scenarios_agreement_not_gsomia(tmp_path):
    summary = run_into(config("run.replications=50"), tmp_path)
    assert "GSOMIA terminated" in format_summary(summary)
    assert summary.patron_presses == ["seoul", "tokyo"] and "pressing" not in format_summary(
        summary
    )
    text = format_summary(dataclasses.replace(summary, notice_label="the 1965 treaty"))
    assert "the 1965 treaty put on notice" in text and "GSOMIA" not in text


def test_the_summary_says_what_alarms_a_reactive_patron():
    summary = simulate(config("scenario=lithuania_2021", "run.replications=20")).summary
    assert summary.patron_alarm == {"domains": ["diplomatic", "trade"], "sides": ["beijing"]}
    assert RunSummary.from_dict(json.loads(json.dumps(summary.to_dict()))) == summary
    older = {k: v for k, v in summary.to_dict().items() if k != "patron_alarm"}
    assert RunSummary.from_dict(older).patron_alarm == {"domains": ["security"], "sides": []}


def test_the_summary_keys_rules_by_the_scenarios_side_names():
    # thaad_2016's sides are seoul and beijing: strategy@tokyo configures Beijing's rule.
    summary = simulate(
        config("scenario=thaad_2016", "strategy@tokyo=tit_for_tat", "run.replications=20")
    ).summary
    assert summary.rules == {"seoul": "fictitious_play", "beijing": "tit_for_tat"}
    assert list(summary.rules) == list(summary.simulated.median_first_retaliation_week)
    assert "rules seoul fictitious_play/beijing tit_for_tat," in format_summary(summary)
    # Washington backed Seoul against Beijing: the summary says whom it pressed
    assert summary.patron_presses == ["beijing"]
    assert summary.patron_alarm == {"domains": ["security"], "sides": []}  # the default
    assert "US reactive, pressing beijing alone)" in format_summary(summary)
    assert RunSummary.from_dict(json.loads(json.dumps(summary.to_dict()))) == summary
    # No agreement is put on notice in this case: no outcome rows (they read "never_noticed
    # 100.0% <- real", as if a perfect prediction), the path rows stay.
    text = format_summary(summary)
    assert "no outcome rule" in text and "never_noticed" not in text and "%" not in text
    assert "put on notice " not in text and "median peak tension" in text
    # three decimals, simulated and real alike ("1" read beside another case's "0.82")
    assert re.search(r"median peak tension\s+[01]\.\d{3}\s+[01]\.\d{3}$", text, re.MULTILINE)


def test_a_model_too_big_for_memory_is_refused_with_an_estimate():
    with pytest.raises(
        ConfigError,
        match=r"10000000 replications x 62 weeks with trajectories "
        r"in one model need about \d+\.\d GB of memory, and .* is available",
    ):
        build_model(config(), replications=10_000_000)


def test_a_seed_given_apart_from_the_config_is_checked():
    with pytest.raises(ConfigError, match=r"seed=-1 must be a whole number from 0"):
        build_model(config(), replications=1, rng=-1)


def test_a_large_run_says_what_it_will_need(tmp_path):
    from sim.experiment.launch import prepare_run

    launch = prepare_run(["run.replications=1000000", f"hydra.run.dir={tmp_path / 'big'}"])
    launch.release()
    assert len(launch.notes) == 1
    assert re.fullmatch(
        r"large run: about \d+ MB of memory, \d+ MB of disk and \d+ minutes", launch.notes[0]
    )
    assert launch.arguments[-1] == f"hydra.run.dir='{tmp_path / 'big'}'"


@pytest.mark.parametrize(
    ("size", "shown"),
    [(0, "0 MB"), (260_000, "0.26 MB"), (2.6e6, "2.6 MB"), (3.5e8, "350 MB"), (1.2e9, "1.2 GB")],
)
def test_sizes_under_a_megabyte_are_not_shown_as_none(size, shown):
    # "needs about ... 0 MB of disk, and 0 MB is free" read as if it should pass
    from sim.experiment.budget import RunBudget, gigabytes

    assert gigabytes(size) == shown
    small = RunBudget(memory=2.66e8, disk=3.3e5, seconds=0.1)
    assert small.describe() == "about 266 MB of memory, 0.33 MB of disk and under a second"


def test_a_temporary_file_left_by_kill_9_goes_with_the_next_job(tmp_path):
    tmp_path.joinpath(".trajectories.parquet.4242.tmp").write_bytes(b"\0" * 1000)
    run_into(config("run.replications=20"), tmp_path)
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


def test_a_posterior_of_other_keys_than_the_fits_is_refused(tmp_path, monkeypatch):
    # A fit rewritten with other keys and no posterior left the old draws, which were used.
    from sim.core import fitted
    from sim.experiment.factory import posterior_config

    for path in fitted.fit_folder().glob("gsomia_2019.*"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(fitted, "fit_folder", lambda: tmp_path)
    base = config("run.replications=10", "run.posterior=true")
    assert posterior_config(base).run.posterior is False  # the shipped pair agrees
    draws = pd.read_parquet(tmp_path / "gsomia_2019.posterior.parquet")
    draws.rename(columns={"payoffs.deadline": "tokyo.activity"}).to_parquet(
        tmp_path / "gsomia_2019.posterior.parquet"
    )
    with pytest.raises(ConfigError, match="is not the posterior of the fit 'gsomia_2019'"):
        posterior_config(base)


def test_a_fitted_value_out_of_range_names_the_fits_file(monkeypatch):
    # It advised only "set it on the command line", as if the value had been typed there.
    import dataclasses

    from sim.experiment import config as config_module

    base = default_config(["run.progress=false"])
    bad = dataclasses.replace(base, payoffs=dataclasses.replace(base.payoffs, deadline=-3.0))
    with pytest.raises(ConfigError) as typed:  # not the fit's value: the message as before
        config_module.validate(bad)
    assert "conf/fit" not in str(typed.value)
    fitted = {**config_module.fit_values("gsomia_2019"), "payoffs.deadline": -3.0}
    monkeypatch.setattr(
        config_module, "fit_values", lambda name, path=None: fitted
    )  # a fit file saying -3
    with pytest.raises(ConfigError) as problem:
        config_module.validate(bad)
    assert problem.value.problem == (
        "payoffs.deadline=-3.0 is outside the allowed range [0.0, 1000.0], as the fit "
        "'gsomia_2019' sets it (conf/fit/gsomia_2019.yaml)"
    )
    assert problem.value.advice == (
        "correct that file or run `escalation calibrate` again, or set it on the command "
        "line, e.g. payoffs.deadline=0.0"
    )


def test_a_posterior_run_is_identified_by_its_draws_file_too(tmp_path, monkeypatch):
    from sim.core import fitted
    from sim.experiment import identity

    for path in fitted.fit_folder().glob("gsomia_2019.*"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(fitted, "fit_folder", lambda: tmp_path)
    base = config("run.replications=10", "run.posterior=true")
    point = config("run.replications=10")
    before = identity.config_digest(base)
    assert identity.config_digest(point) == config_hash(point)  # no file behind a point run
    draws = pd.read_parquet(tmp_path / "gsomia_2019.posterior.parquet")
    draws.iloc[::-1].to_parquet(tmp_path / "gsomia_2019.posterior.parquet")
    assert identity.config_digest(base) != before


def test_a_later_start_names_the_measures_earlier_events_put_in_force():
    # started in June 2019, the real column read "never" for measures enacted months before
    from sim.experiment.factory import load_real

    later = build_scenario(config("scenario.start=2019-06-03").scenario)
    with pytest.warns(UserWarning) as caught:
        load_real(later)
    advice = (
        "add +scenario.initial_measures.seoul=[court_rulings,asset_seizure] "
        "+scenario.initial_measures.tokyo=[consultations,arbitration]"
    )
    assert [str(w.message).endswith(advice) for w in caught] == [True]
    given = config(
        "scenario.start=2019-06-03",
        "+scenario.initial_measures.seoul=[court_rulings,asset_seizure]",
        "+scenario.initial_measures.tokyo=[consultations,arbitration]",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_real(build_scenario(given.scenario))


def test_a_sweep_cells_progress_bar_names_its_cell():
    # a joblib sweep's cells drew their bars on one line by turns, unnamed: one bar seemed to
    # jump from 50% to 11% to 60%
    from sim.experiment.job import progress_bar

    for parts, desc in ((1, "[cell 2/3] weeks"), (5, "[cell 2/3] weeks of 5 blocks")):
        bar = progress_bar(62 * parts, parts, "[cell 2/3] ")
        assert bar.desc == desc
        bar.close()
    assert progress_bar(62).desc == "weeks"


def test_a_sweep_whose_cells_fit_one_by_one_but_not_together_is_refused(tmp_path):
    """20 cells of 4.1 GB each passed the check with 71 GB free, each cell on its own."""
    import shutil as disks

    from sim.core.errors import ConfigError
    from sim.experiment.budget import RunBudget, sweep_budget
    from sim.experiment.launch import claim

    free = disks.disk_usage(tmp_path).free
    cell = RunBudget(memory=1e6, disk=0.6 * free, seconds=60.0)
    assert sweep_budget([cell, cell]) == RunBudget(1e6, 1.2 * free, 120.0)
    with pytest.raises(ConfigError, match=r"^the sweep's 2 cells need about 1 MB of memory, "):
        claim(tmp_path / "sweep", [cell, cell])
    assert not (tmp_path / "sweep").exists()
    _, lock = claim(tmp_path / "one", [cell])  # one such cell fits
    lock.release()


def test_a_sweeps_banner_and_size_note_read_every_cell(tmp_path, capsys):
    """Said "2 cells of 50 replications" and nothing of the second cell's 10,000,000."""
    from sim.cli import start_sweep
    from sim.experiment.launch import prepare_sweep

    overrides = ["run.replications=50,10000000", f"hydra.sweep.dir={tmp_path}"]
    launch = prepare_sweep(overrides, "config")
    try:
        start_sweep(launch)
    finally:
        launch.release()
    assert capsys.readouterr().out.startswith("sweep: 2 cells of 50 to 10000000 replications")
    assert launch.notes == [
        f"large cells: 1, the largest needing {launch.jobs[1].budget.describe()}"
    ]


def test_the_printed_shares_carry_their_intervals_and_a_median_week_its_never_share():
    """Shares were printed bare (a sweep gives their intervals), and "median week of Seoul's
    first retaliation 27" hid that 75% of the runs never retaliated."""
    from sim.core.metrics import wilson_interval

    summary = simulate(
        config(
            "run.replications=400",
            "strategy@seoul=tit_for_tat",
            "strategy@tokyo=grim_trigger",
            "us=absent",
        )
    ).summary
    text = format_summary(summary)
    sim = summary.simulated
    kept = sim.outcome_shares["noticed_then_kept"]
    low, high = wilson_interval(round(kept * 400), 400)
    assert "  noticed_then_kept" in text
    assert f"{kept:.1%} [{float(low):.1%}, {float(high):.1%}]  <- real" in text
    low, high = wilson_interval(round(sim.share_noticed * 400), 400)
    assert (
        f"put on notice {sim.share_noticed:.1%} [{float(low):.1%}, {float(high):.1%}]"
        in " ".join(text.split())
    )
    never = sim.share_never_retaliating["seoul"]
    assert 0.5 < never < 1  # tit for tat waits for a retaliation that mostly never comes
    week = sim.median_first_retaliation_week["seoul"]
    assert "median week of seoul's first retaliation" in text
    assert f"{week:g}; {round(100 * never)}% never" in text


def test_a_cell_left_by_another_launch_counts_as_still_to_run(tmp_path):
    """A resumed sweep's disk check skipped every cell with a summary, also one of other
    settings, which the sweep then ran again unchecked (20 cells of 4.1 GB accepted)."""
    from sim.experiment.identity import holds_run
    from sim.experiment.launch import check_job, compose

    done = config("run.replications=20")
    run_into(done, tmp_path / "0")
    same = check_job(compose(["run.progress=false", "run.replications=20"], "config"), "config", {})
    other = check_job(
        compose(["run.progress=false", "run.replications=20", "run.seed=7"], "config"), "config", {}
    )
    assert same.config == done
    assert holds_run(tmp_path / "0", same.run)
    assert not holds_run(tmp_path / "0", other.run)
    assert not holds_run(tmp_path / "1", same.run)  # nothing there yet


def test_a_damaged_fit_record_or_posterior_is_one_line_naming_the_file(tmp_path, monkeypatch):
    """A broken conf/fit/NAME.json ended run and compare in a JSONDecodeError traceback (run
    after simulating every replication), a truncated posterior file in an ArrowInvalid one."""
    from sim.core import fitted
    from sim.core.errors import ConfigError

    (tmp_path / "fit").mkdir()
    for path in fitted.fit_folder().glob("gsomia_2019.*"):
        shutil.copy(path, tmp_path / "fit" / path.name.replace("gsomia_2019", "bk"))
    record = tmp_path / "fit" / "bk.json"
    assert fitted.fit_record("bk", [tmp_path])["scenario"] == "gsomia_2019"
    record.write_text("{ broken")
    with pytest.raises(ConfigError, match=r"bk.json: cannot be read \(Expecting property name"):
        fitted.fit_record("bk", [tmp_path])
    record.write_text("[1, 2]")
    with pytest.raises(ConfigError, match=r"bk.json: cannot be read \(not a JSON object\)"):
        fitted.fit_record("bk", [tmp_path])
    monkeypatch.setattr(fitted, "fit_folder", lambda: tmp_path / "fit")
    draws = tmp_path / "fit" / "bk.posterior.parquet"
    assert len(fitted.posterior_draws("bk")) > 0
    draws.write_bytes(draws.read_bytes()[:1000])
    with pytest.raises(ConfigError, match=r"bk.posterior.parquet: cannot be read .*calibrate"):
        fitted.posterior_draws("bk")


def test_runs_drawing_from_a_posterior_that_did_not_converge_are_warned(tmp_path, monkeypatch):
    """A calibration reported its chains "NOT converged"; runs drew from them without a word."""
    import json

    from sim.core import fitted
    from sim.experiment.factory import posterior_config

    for path in fitted.fit_folder().glob("gsomia_2019.*"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(fitted, "fit_folder", lambda: tmp_path)
    base = config("run.replications=10", "run.posterior=true")
    record = tmp_path / "gsomia_2019.json"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a record without the field (the shipped one): silent
        posterior_config(base)
    for converged, said in ((True, False), (False, True)):
        record.write_text(
            json.dumps(json.loads(record.read_text()) | {"posterior_converged": converged})
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            posterior_config(base)
        warned = [str(w.message) for w in caught if "did not converge" in str(w.message)]
        assert bool(warned) is said, warned


def test_a_fit_of_ones_own_gives_its_posterior_draws_and_resumes(tmp_path, capsys):
    """A fit written with calibrate.conf_dir and found through hydra.searchpath ran its point
    estimate, but run.posterior=true looked for its draws in the shipped conf/fit only:
    "needs posterior draws of the fit 'mine'", although they were beside its preset."""
    from own_fit import SHIPPED, own_fit

    from sim.cli import main
    from sim.experiment.job import DRAWS

    extra = own_fit(tmp_path / "extra")
    draws = pd.read_parquet(SHIPPED.with_suffix(".posterior.parquet"))
    draws.iloc[[7] * 5].to_parquet(extra / "mine.posterior.parquet")  # one draw, five times
    command = [
        "run",
        "-m",
        "run.seed=1,2",
        "fit=mine",
        "run.posterior=true",
        "run.replications=6",
        "run.progress=false",
        f"hydra.searchpath=[file://{tmp_path / 'extra'}]",
        f"hydra.sweep.dir={tmp_path / 'out'}",
    ]
    main(command)
    for cell in ("0", "1"):
        drawn = pd.read_parquet(tmp_path / "out" / cell / DRAWS)
        assert len(drawn) == 6
        for key in draws.columns:  # every replication got the one draw of mine's file
            assert (drawn[key] == draws[key].iloc[7]).all(), key
    capsys.readouterr()
    main(command)  # the launch's identity of each cell is the job's: both are kept
    assert capsys.readouterr().out.count("already complete") == 2
    # without its draws, the advice writes mine's again, not the shipped default's
    (extra / "mine.posterior.parquet").unlink()
    with pytest.raises(SystemExit):
        main([*command[:-1], f"hydra.sweep.dir={tmp_path / 'again'}"])
    advice = f"run `escalation calibrate calibrate.fit=mine calibrate.conf_dir={extra.parent}` with"
    assert advice in capsys.readouterr().err


def test_a_record_or_draws_readable_but_wrong_inside_are_one_line_naming_the_file(
    tmp_path, monkeypatch
):
    """A record without its count of parameters ended compare in KeyError: 'parameters'; one
    holding "no" for posterior_converged passed unwarned. An empty draws file ended run in
    ValueError: high <= 0, a column of text in a traceback, a draw out of range in a line that
    printed the whole array, without the file, and only once the runs were drawn."""
    from sim.core import fitted
    from sim.experiment.factory import posterior_config

    for path in fitted.fit_folder().glob("gsomia_2019.*"):
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.setattr(fitted, "fit_folder", lambda: tmp_path)
    record = tmp_path / "gsomia_2019.json"
    shipped = json.loads(record.read_text())
    assert fitted.record_problem(shipped) is None
    wrong = [
        ({"parameters": "twelve"}, "its 'parameters' is \"twelve\", not a count of parameters"),
        ({"parameters": True}, "its 'parameters' is true, not a count of parameters"),
        ({"keys": "seoul.activity"}, "its 'keys' is \"seoul.activity\", not a list of fitted"),
        ({"posterior_converged": "no"}, "its 'posterior_converged' is \"no\", not true or false"),
        ({"tied": ["a"]}, "its 'tied' is [\"a\"], not a mapping of keys to keys"),
    ]
    for change, said in wrong:
        record.write_text(json.dumps(shipped | change))
        with pytest.raises(
            ConfigError, match=re.escape(f"gsomia_2019.json: cannot be read ({said}")
        ):
            fitted.fit_record()
    record.write_text(json.dumps({k: v for k, v in shipped.items() if k != "parameters"}))
    with pytest.raises(ConfigError, match=re.escape("(it has no 'parameters'); restore it")):
        fitted.fit_record()
    record.write_text(json.dumps(shipped))
    base = config("run.replications=10", "run.posterior=true")
    path = tmp_path / "gsomia_2019.posterior.parquet"
    draws = pd.read_parquet(path)
    posterior_config(base)  # the shipped draws pass
    text = draws.astype({"seoul.activity": str})
    nan = draws.copy()
    nan.loc[3, "seoul.lift"] = np.nan
    high = draws.copy()
    high.loc[5, "seoul.activity"] = 1.5
    cases = [
        (draws.iloc[:0], "holds no posterior draws"),
        (text, "the draws of seoul.activity are not numbers"),
        (nan, "a draw of seoul.lift is missing or not finite"),
        (high, "draws of seoul.activity from "),
    ]
    for table, said in cases:
        table.to_parquet(path)
        with pytest.raises(ConfigError, match=re.escape(said)) as caught:
            posterior_config(base)
        assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)
    assert "to 1.5 leave its allowed range [0.0, 1.0]" in str(caught.value)


def test_a_fit_of_ones_own_with_a_shipped_fits_name_is_said_to_be_hidden(tmp_path):
    """A copy named gsomia_2019 on the search path lost to conf/fit without a word: the run
    said "point estimate (fit gsomia_2019)" and ran the shipped values."""
    from sim.core.fitted import fit_folder, hidden_fits
    from sim.experiment.launch import check_job, compose

    (tmp_path / "fit").mkdir()
    shutil.copy(fit_folder() / "gsomia_2019.yaml", tmp_path / "fit")
    mine = tmp_path / "fit" / "gsomia_2019.yaml"
    assert hidden_fits("gsomia_2019", [fit_folder().parent, tmp_path]) == [mine]
    assert hidden_fits("none", [tmp_path]) == []  # nothing of that name there
    composed = compose(["run.progress=false", f"hydra.searchpath=[file://{tmp_path}]"], "config")
    with pytest.warns(UserWarning, match=f"{mine} is not used: the shipped fit 'gsomia_2019'"):
        check_job(composed, "config", {})


def test_a_relative_search_path_holds_in_a_job_that_changes_its_folder(tmp_path, monkeypatch):
    """With hydra.job.chdir=true a relative search path was read from the job's folder: the
    sweep's cells "differ from the one the launch checked", a run with a value set by hand
    said "point estimate" without it."""
    from own_fit import own_fit

    from sim.cli import main

    own_fit(tmp_path / "extra")
    monkeypatch.chdir(tmp_path)
    common = ["fit=mine", "hydra.searchpath=[file://extra]", "hydra.job.chdir=true"]
    common += ["run.replications=5", "run.weeks=3", "run.progress=false"]
    main(["run", "-m", "run.seed=1,2", *common, f"hydra.sweep.dir={tmp_path / 'sweep'}"])
    assert (tmp_path / "sweep" / "sweep.parquet").is_file()
    main(["run", "seoul.activity=0.3", *common, f"hydra.run.dir={tmp_path / 'one'}"])
    summary = json.loads((tmp_path / "one" / "summary.json").read_text())
    assert "seoul.activity=0.3 set by hand" in json.dumps(summary)


def test_a_case_with_another_patron_names_it_in_the_header_and_the_caption(tmp_path):
    # the header read "US reactive" and the fan's caption "US reactive, pressure 0.5" whoever
    # the case's patron was
    case = renamed_case(tmp_path, {"washington": "brussels"})
    summary = simulate(config(f"scenario.name={case}", "run.replications=20")).summary
    assert summary.patron == "brussels"
    assert ", Brussels reactive)" in format_summary(summary)
    assert "; Brussels reactive, pressure " in summary.caption()
    assert RunSummary.from_dict(json.loads(json.dumps(summary.to_dict()))) == summary
    shipped = simulate(config("run.replications=20")).summary
    assert ", US reactive)" in format_summary(shipped) and "; US reactive, " in shipped.caption()
