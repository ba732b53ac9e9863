"""`escalation compare`: the command end to end, its JSON, its baselines and its checks."""

import dataclasses
import itertools
import json
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from renamed_case import renamed_case

from sim.analysis.baselines import Logit, MoveData, fit_baselines
from sim.analysis.case import build_case, load_case_events
from sim.analysis.compare import (
    compare,
    fitted_space,
    load_training,
    model_acts,
    model_parameters,
    rolling_space,
    score_in_sample,
)
from sim.analysis.conduct_fit import fit_conduct
from sim.analysis.predictive import (
    burstiness,
    count_checks,
    dtw_distance,
    milestone_checks,
    outcome_probability,
    path_check,
)
from sim.analysis.space import Space
from sim.core.errors import ConfigError, EscalationError, EventsFileError
from sim.core.folders import CONF_DIR
from sim.core.moves import Move
from sim.experiment.config import default_config, parameter_source
from sim.reports.comparison import (
    comparison_markdown,
    events_name,
    fan_caption,
    format_comparison,
)

ROOT = Path(__file__).resolve().parents[1]
C, H, R = Move.COOPERATE, Move.HOLD, Move.RETALIATE
ROWS = ["model", "base_rates", "markov", "regime_break", "logit"]
FIGURES = ["tension_fan.png", "event_raster.png", "cumulative_gain.png"]
SUMMER = ["scenario.start=2019-06-24", "scenario.end=2019-08-26"]  # ten busy weeks


def escalation(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )


def config(*overrides: str, replications: int = 20):
    return default_config(
        ["run.progress=false", f"run.replications={replications}", *overrides], "compare"
    )


@pytest.fixture(scope="module")
def command(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare") / "out"
    done = escalation("compare", "run.replications=30", f"hydra.run.dir={folder}")
    return done, folder


def test_compare_writes_its_report_and_figures(command):
    done, folder = command
    assert done.returncode == 0, done.stderr
    for name in ["comparison.json", "comparison.md", *FIGURES]:
        assert (folder / name).stat().st_size > 0, name
    markdown = (folder / "comparison.md").read_text()
    for name in FIGURES:
        assert f"]({name})" in markdown
    assert "regime break" in done.stdout and "logit" in done.stdout
    assert f"results: {folder}" in done.stdout


def test_the_json_keeps_its_keys_and_adds_the_new_baselines(command):
    _, folder = command
    report = json.loads((folder / "comparison.json").read_text())
    loglik = report["loglik"]
    assert report["patron_presses"] == ["seoul", "tokyo"]
    assert set(ROWS) <= set(loglik)
    for name in ROWS:
        row = loglik[name]
        assert set(row) >= {"total", "per_actor", "parameters", "aic", "bic"}, name
        assert set(row["per_actor"]) == {"seoul", "tokyo"}
        assert row["total"] == pytest.approx(row["moves"] + row["acts"])
        assert row["moves"] == pytest.approx(sum(row["per_actor"].values()))
        n = 2 * report["weeks"]
        assert row["aic"] == pytest.approx(2 * row["parameters"] - 2 * row["total"])
        assert row["bic"] == pytest.approx(row["parameters"] * np.log(n) - 2 * row["total"])
        assert row["when_to_move"] + row["which_move"] == pytest.approx(row["moves"])
        assert row["when_to_move"] < 0 and row["which_move"] < 0
    baselines = {name: loglik[name] for name in ROWS[1:]}
    best_aic = min(baselines, key=lambda name: baselines[name]["aic"])
    assert loglik["best_baseline_aic"] == best_aic
    assert loglik["best_baseline_bic"] == min(baselines, key=lambda n: baselines[n]["bic"])
    assert loglik["margin_aic"] == pytest.approx(
        baselines[best_aic]["aic"] - loglik["model"]["aic"]
    )
    gain = (loglik["model"]["total"] - baselines[best_aic]["total"]) / (2 * report["weeks"])
    assert report["gain_nats_per_actor_week"] == pytest.approx(gain)
    assert [m["id"] for m in report["milestones"]] == [
        "tokyo_export_controls",
        "tokyo_whitelist_removal",
        "seoul_whitelist_removal",
        "seoul_gsomia_notice",
        "washington_peak_pressure",
        "seoul_gsomia_suspension",
    ]
    assert 0 <= report["outcome_probability"] <= 1
    assert report["outcome_probability"] == report["outcome_shares"].get(report["outcome"], 0.0)
    # followed past the end: no run is censored, the pending ones split into kept or terminated
    before, after = report["outcome_shares"], report["outcome_shares_settled"]
    assert report["outcome_probability_settled"] == after[report["outcome"]]
    assert after["pending"] == 0.0 and after["never_noticed"] == before["never_noticed"]
    moved = (after["noticed_then_kept"] - before["noticed_then_kept"]) + (
        after["terminated"] - before["terminated"]
    )
    assert moved == pytest.approx(before["pending"])
    assert after["noticed_then_kept"] >= before["noticed_then_kept"]
    assert after["terminated"] >= before["terminated"]
    assert set(report["path"]) == {"rmse", "dtw", "dtw_per_week", "band_coverage"}
    assert (report["weeks"], report["replications"], report["train_events"]) == (61, 30, None)


def test_the_model_row_counts_the_fits_parameters(command):
    _, folder = command
    report = json.loads((folder / "comparison.json").read_text())
    record = json.loads((CONF_DIR / "fit" / "gsomia_2019.json").read_text())
    assert report["loglik"]["model"]["parameters"] == record["parameters"] > 0
    for name, per_side in {"base_rates": 2, "markov": 8, "regime_break": 5, "logit": 14}.items():
        conduct = report["loglik"][name]["parameters"] - 2 * per_side
        assert conduct == 6, name  # each baseline also counts the conduct it shares


def test_a_hand_set_model_has_no_fitted_parameters(compare_default):
    record = json.loads((CONF_DIR / "fit" / "gsomia_2019.json").read_text())
    assert model_parameters(compare_default) == record["parameters"]
    hand_set = config("fit=none", *SUMMER)
    assert model_parameters(hand_set) == 0
    table, _, _ = score_in_sample(hand_set, build_case(hand_set))
    assert table.model.parameters == 0
    assert table.model.aic == pytest.approx(-2 * table.model.loglik)


def test_a_fit_counts_its_parameters_with_a_value_set_by_hand_and_under_any_name(
    compare_default, tmp_path, monkeypatch
):
    """k fell to 0 when a fitted value was set by hand (compare seoul.activity=0.38: AIC 226.0
    where the fit's own is 250.0) and for any fit but gsomia_2019, which flattered the model."""
    from sim.core import fitted

    record = json.loads((CONF_DIR / "fit" / "gsomia_2019.json").read_text())
    tweaked = config("seoul.activity=0.38", *SUMMER)
    assert model_parameters(tweaked) == record["parameters"]
    assert parameter_source(tweaked) == "point estimate, seoul.activity=0.38 set by hand"
    assert parameter_source(compare_default) == "point estimate"
    (tmp_path / "other.json").write_text(json.dumps({**record, "parameters": 7}))
    monkeypatch.setattr(fitted, "fit_folder", lambda: tmp_path)
    assert model_parameters(dataclasses.replace(compare_default, fit="other")) == 7
    with pytest.raises(ConfigError, match="the fit 'gone' has no record"):
        model_parameters(dataclasses.replace(compare_default, fit="gone"))
    extra = tmp_path / "extra"  # a folder hydra.searchpath adds: the record beside its preset
    (extra / "fit").mkdir(parents=True)
    (extra / "fit" / "mine.yaml").write_text("fit: mine\n")
    (extra / "fit" / "mine.json").write_text(json.dumps({**record, "parameters": 9}))
    assert fitted.fit_record("mine", [extra])["parameters"] == 9
    assert fitted.fit_record("mine") is None


def test_rolling_refits_search_the_committed_fits_box_and_scale(compare_default):
    # compare.rolling refitted in the schema's ranges on a linear scale, while the fit (and
    # calibrate.rolling) searched conf/calibrate.yaml's boxes on a log scale: the two commands
    # gave different rolling scores (-0.980 against -0.976 at 1 week).
    record = json.loads((CONF_DIR / "fit" / "gsomia_2019.json").read_text())
    shipped = yaml.safe_load((CONF_DIR / "calibrate.yaml").read_text())["params"]
    params = compare_default.model_params
    assert fitted_space(params, record).parameters == Space.of(params, shipped).parameters
    assert rolling_space(compare_default, record).parameters == Space.of(params, shipped).parameters
    # the hand-set model refits the same keys (it had no space, and no rolling scores)
    hand_set = dataclasses.replace(compare_default, fit="none")
    assert rolling_space(hand_set, None).parameters == Space.of(params, shipped).parameters
    assert any(p.log for p in fitted_space(params, record).parameters)
    older = {k: v for k, v in record.items() if k != "params"}  # a record without entries
    fallback = fitted_space(params, older).parameters
    assert [p.key for p in fallback] == record["keys"] and not any(p.log for p in fallback)


def write_events(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_train_events_fit_the_baselines_and_their_conduct_on_another_file(tmp_path, gsomia_case):
    lines = gsomia_case.events_path.read_text().splitlines()
    # The training file: 2019's case cut before the compared weeks (24 June to 1 September
    # 2019), as a case folder of its own; with any of their rows the baselines would not be
    # out of sample (a file of the same weeks without Tokyo's summer rows was used here)
    copy = tmp_path / "gsomia_2019"
    copy.mkdir()
    shipped = gsomia_case.events_path.parent / "scenario.yaml"
    (copy / "scenario.yaml").write_text(
        shipped.read_text().replace("end: 2019-12-30", "end: 2019-06-17")
    )
    kept = [lines[0], *(line for line in lines[1:] if line[:10] < "2019-06-24")]
    assert len(kept) < len(lines)
    train = write_events(copy / "events.csv", kept)
    compared = config(*SUMMER, f"train_events={train}")
    # The training file lacks Tokyo's two measures of the summer: one warning names both.
    lacking = re.escape(
        "'announce_export_controls_three_chemicals' (tokyo measure export_controls), "
    )
    with pytest.warns(UserWarning, match=lacking) as caught:
        result = compare(compared)
    # besides the advice that a June start leaves out what was in force by then
    assert len([w for w in caught if "put measures in force" not in str(w.message)]) == 1
    report = result.report
    assert report.train_events == str(train) and report.to_json()["train_events"] == str(train)
    text = format_comparison(report)
    assert text.splitlines()[0].endswith(f"; baselines fitted on {train}")
    # the committed fit is 2019's: in sample here, against baselines fitted elsewhere
    note = (
        "note: the model is the fit on gsomia_2019, in sample here, while the baselines are "
        f"fitted on {train}, out of sample"
    )
    assert note in text
    case = result.case
    with pytest.warns(UserWarning, match=lacking):
        training = load_training(compared, case)
    rates = report.in_sample.baselines[0]
    assert rates.name == "base_rates"
    moves = MoveData.of(case.real, case.scenario).moves
    trained = MoveData.of(training.real, training.scenario).moves
    expected = 0.0
    for i in range(2):
        counts = np.bincount(trained[:, i], minlength=3) + 0.5
        expected += np.log(counts[moves[:, i]] / counts.sum()).sum()
    assert rates.moves == pytest.approx(expected)
    # The acts scored are the compared case's, under the conduct fitted on the training file.
    conduct = fit_conduct((training.episode(),))
    acts = model_acts(conduct.apply(compared.model_params), case)
    assert rates.acts == pytest.approx(acts)
    assert rates.acts != pytest.approx(conduct.loglik)
    own, _, _ = score_in_sample(config(*SUMMER), case)
    assert own.baselines[0].moves != pytest.approx(rates.moves)
    assert report.in_sample.model.loglik == pytest.approx(own.model.loglik)


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    done = escalation("compare", f"events={tmp_path / 'missing.csv'}", f"hydra.run.dir={tmp_path}")
    assert done.returncode == 2
    assert done.stderr == f"error: no events file at {tmp_path / 'missing.csv'}\n"
    assert not (tmp_path / "comparison.json").exists()


HEADER = "date,actor,domain,direction,move,description,source"


@pytest.mark.parametrize(
    ("overrides", "lines", "fragment"),
    [
        (["run.weeks=10"], None, "run.weeks=10 does not apply to a comparison"),
        (["train_events=nowhere.csv"], None, "train_events: no events file at nowhere.csv"),
        (
            ["scenario.start=2019-01-07", "scenario.end=2019-03-25"],
            [HEADER, "2018-06-05,seoul,diplomatic,pressure,protest,Protest.,unverified"],
            "no event falls in the compared span",
        ),
        (
            [],
            [HEADER, "2019-03-05,washington,security,pressure,press,Press.,unverified"],
            "no move of seoul or tokyo falls in the compared span",
        ),
        ([], [HEADER, "2019-03-05,seoul,nowhere,pressure,x,X.,unverified"], "line 2: domain"),
        (
            [],  # a year mistyped by a century: 10,496 weeks, scored for minutes
            [
                HEADER,
                "2019-03-05,seoul,diplomatic,pressure,protest,Protest.,unverified",
                "2219-12-24,tokyo,diplomatic,pressure,protest,Protest.,unverified",
            ],
            "line 3: the event dated 2219-12-24 makes the compared span 10478 weeks from 2019-",
        ),
        (["+scenario.initial_measures.osaka=[x]"], None, "'osaka' is not a side"),
        (["events=scenarios"], None, "scenarios is a folder; give the events file in it"),
        (["train_events=scenarios"], None, "train_events: scenarios is a folder; give the"),
    ],
)
def test_bad_input_raises_one_clear_line(tmp_path, overrides, lines, fragment):
    if lines is not None:
        overrides = [*overrides, f"events={write_events(tmp_path / 'events.csv', lines)}"]
    with warnings.catch_warnings(record=True) as caught, pytest.raises(EscalationError) as error:
        warnings.simplefilter("always")
        compare(config(*overrides))
    assert fragment in str(error.value) and "\n" not in str(error.value)
    assert [str(w.message) for w in caught] == []  # the error is the one line, no warning first


@pytest.mark.parametrize(
    "scenario",
    ["thaad_2016", "senkaku_2010", "australia_2020", "scarborough_2012", "lithuania_2021"],
)
def test_the_other_cases_compare_too(scenario):
    result = compare(config(f"scenario={scenario}"))
    case, report = result.case, result.report
    assert report.scenario == scenario and report.sides == case.scenario.sides
    assert report.weeks == case.weeks == len(case.real.pressure)
    rows = report.in_sample.rows
    assert [r.name for r in rows] == ROWS
    assert all(np.isfinite(r.loglik) and r.loglik < 0 for r in rows)
    assert all(set(r.per_side) == set(case.scenario.sides) for r in rows)
    assert [m.id for m in report.milestones] == [m.id for m in case.scenario.milestones]
    data = json.loads(json.dumps(report.to_json()))
    assert set(data["loglik"]["model"]["per_actor"]) == set(case.scenario.sides)
    assert data["patron_presses"] == ["beijing"]  # Washington backed the ally against Beijing
    text = format_comparison(report)
    assert "the patron presses beijing alone" in text
    # no outcome rule: nothing to score, where it read "probability 100.0%"
    assert data["outcome_rule"] is None and data["outcome_probability"] is None
    assert f"outcome: not scored ({scenario} has no outcome rule" in text
    # the model is 2019's fit, out of sample; the baselines are in sample: the report says so
    assert data["model_fitted_on"] == "gsomia_2019"
    assert "note: the model is the fit on gsomia_2019, out of sample here" in text
    # the ally's pressure covariate never varies: the logit leaves it out, and out of its count
    logit = Logit().fit(MoveData.of(case.real, case.scenario))
    assert not logit.fitted[0][2][4] and logit.fitted[1][2][4]
    assert data["loglik"]["logit"]["parameters"] == logit.parameters + 6  # the conduct's six


@pytest.mark.parametrize(
    ("overrides", "source", "shown"),
    [
        ([], "point estimate", "parameters: the fit on gsomia_2019 (point estimate)"),
        (
            ["run.posterior=true"],
            "posterior draws, one per replication",
            "parameters: the fit on gsomia_2019 (posterior draws, one per replication)",
        ),
        (["fit=none"], "hand-set", "parameters: hand-set"),
        (  # values fitted under fictitious play, run under another rule: nothing said it
            ["strategy@seoul=tit_for_tat"],
            "point estimate, fitted under other rules: fictitious_play/fictitious_play",
            "parameters: the fit on gsomia_2019 (point estimate, fitted under other rules: "
            "fictitious_play/fictitious_play)",
        ),
    ],
)
def test_the_report_says_where_the_runs_parameters_come_from(overrides, source, shown):
    # The console and comparison.md said nothing of it: only .hydra/config.yaml did.
    settings = config(*overrides, replications=5)
    report = compare(settings).report
    assert report.to_json()["run_parameters"] == source
    assert f"; {shown})" in format_comparison(report).splitlines()[0]
    markdown = comparison_markdown(report)
    assert f"; {shown}." in markdown
    note = "The likelihood scores the point estimate; the simulated runs below draw their own."
    assert (note in markdown) == (source == "posterior draws, one per replication")
    # a fit of another name on the same case: the report said "the fit on gsomia_2019" alike
    if source == "point estimate":
        assert report.fit == "gsomia_2019" and report.to_json()["fit"] == "gsomia_2019"
        mine = format_comparison(dataclasses.replace(report, fit="mine"))
        assert "; parameters: the fit mine, made on gsomia_2019 (point estimate))" in mine
    # k = 0 for values set with 2019 in view flattered them by AIC and BIC without a word
    flatter = "their AIC and BIC flatter them"
    assert (flatter in format_comparison(report)) == (source == "hand-set")
    assert (flatter in markdown) == (source == "hand-set")
    # the fan said none of it: a fan from a posterior and a hand-set one looked the same
    us = f"US {settings.us.policy}, pressure {settings.us.pressure:g}"
    assert fan_caption(report).endswith(f"; {us}; {shown}; seed {settings.run.seed}")
    assert fan_caption(report).startswith("5 runs; Seoul ")


def test_train_events_of_another_case_fit_the_baselines_on_that_case():
    # A file inside another case's folder is that case (its actors, measures and span), its
    # sides matched by position: 2019's file was refused ("actor 'tokyo' is not valid").
    train = "scenarios/gsomia_2019/events.csv"
    report = compare(config("scenario=thaad_2016", f"train_events={train}")).report
    rows = report.in_sample.rows
    acts = [r.acts for r in rows]  # every row scores the acts under 2019's conduct
    assert max(acts) - min(acts) < 1e-3  # (the model's conduct is the committed fit's)
    rates = report.in_sample.baselines[0]
    assert rates.name == "base_rates"
    # base rates fitted on 2019's span (62 weeks, as leave-one-case-out trains on it; smoothed,
    # since trained elsewhere), scored on THAAD's weeks
    trained = load_case_events("gsomia_2019", None, "2018-10-29", "2019-12-30")
    assert trained.weeks == 62
    thaad = load_case_events("thaad_2016")
    scored = MoveData.of(thaad.real, thaad.scenario)
    fitted = fit_baselines(MoveData.of(trained.real, trained.scenario), None, 0.5)[0]
    values, _ = fitted.scored(scored, np.arange(scored.weeks))
    assert rates.moves == pytest.approx(float(values.sum()), rel=1e-9)
    assert "note:" not in format_comparison(report)


def test_train_events_in_a_copy_of_the_compared_case_are_read_as_that_copy(tmp_path):
    # A copy of 2019's folder under the same name, with its own span, given by path: it was
    # read as the shipped case's sequence, on the compared case's span, because the names match.
    copy = tmp_path / "gsomia_2019"
    shipped = Path("scenarios/gsomia_2019")
    copy.mkdir()
    (copy / "events.csv").write_text((shipped / "events.csv").read_text())
    text = (shipped / "scenario.yaml").read_text()
    (copy / "scenario.yaml").write_text(text.replace("start: 2018-10-29", "start: 2019-01-07"))
    compared = load_case_events("gsomia_2019", None, "2018-10-29", "2019-12-30")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # measures in force before the copy's start
        trained = load_training(config(f"train_events={copy / 'events.csv'}"), compared)
    assert trained.scenario.folder == copy.resolve()
    assert (trained.scenario.start.isoformat(), trained.weeks) == ("2019-01-07", 52)
    assert compared.weeks == 62


def test_messages_about_the_training_file_name_the_training_span(tmp_path):
    # A training file past its case's span was warned of as setting "the compared span".
    shipped = Path("scenarios/gsomia_2019/events.csv").read_text().splitlines()
    late = tmp_path / "train.csv"
    late.write_text("\n".join([*shipped, f"2021-06-01,{shipped[-1].split(',', 1)[1]}"]) + "\n")
    compared = load_case_events("gsomia_2019", None, "2018-10-29", "2019-12-30")
    with pytest.warns(UserWarning, match="so the training span is the file's own") as caught:
        load_training(config(f"train_events={late}"), compared)
    assert not any("compared span" in str(w.message) for w in caught)
    empty = tmp_path / "empty.csv"
    empty.write_text(f"{HEADER}\n2019-03-05,washington,security,pressure,press,Press.,unverified\n")
    with pytest.raises(EventsFileError, match="no move of seoul or tokyo falls in the training"):
        load_training(config(f"train_events={empty}"), compared)


def test_milestone_percentiles_are_mid_ranks_among_runs_where_it_happens(gsomia_case):
    scenario, real = gsomia_case.scenario, gsomia_case.real
    notice = next(m for m in scenario.milestones if m.id == "seoul_gsomia_notice")
    assert real.milestones["seoul_gsomia_notice"] == 42
    weeks = {m.column: [10.0, 20.0, 30.0, 40.0] for m in scenario.milestones}
    weeks[notice.column] = [30.0, 42.0, 42.0, 50.0, None, None]
    table = pd.DataFrame({k: v + [None] * (6 - len(v)) for k, v in weeks.items()})
    checks = {c.id: c for c in milestone_checks(scenario, real, table)}
    check = checks["seoul_gsomia_notice"]
    # Among the 4 runs with a notice: one earlier, two in the same week, one later.
    assert check.percentile == pytest.approx((1 + 0.5 * 2) / 4)
    assert check.never_share == pytest.approx(2 / 6)
    assert check.simulated_median_week == 42.0
    assert check.real_date == "2019-08-19" and check.real_week == 42
    export = checks["tokyo_export_controls"]
    assert real.milestones["tokyo_export_controls"] == 35
    assert export.percentile == 0.75 and export.never_share == pytest.approx(2 / 6)


@pytest.mark.parametrize(
    ("overrides", "at_start"),
    [
        # the 17+1 exit is the first week's event, at which the case's start was set
        (["scenario=lithuania_2021"], {"vilnius_exit_17_plus_1"}),
        # the captain's arrest and the postponed gas talks both fall in the first week
        (["scenario=senkaku_2010"], {"tokyo_captain_custody", "beijing_gas_talks_postponed"}),
        # a measure in force at the start: every run has it in week 0 too
        (
            ["scenario=lithuania_2021", "+scenario.initial_measures.vilnius=[taiwanese_office]"],
            {"vilnius_exit_17_plus_1", "vilnius_taiwanese_office"},
        ),
    ],
)
def test_a_milestone_of_the_first_week_is_set_by_the_start(overrides, at_start):
    report = compare(config(*overrides)).report
    checks = {m.id: m for m in report.milestones}
    assert {k for k, m in checks.items() if m.real_week == 0} == at_start
    for key, m in checks.items():
        if key in at_start:  # no percentile to read as a miss of the 5-95% bar
            assert m.percentile is None and m.unscored == "set by the start"
        else:
            assert m.unscored is None and 0 <= m.percentile <= 1
    text = format_comparison(report)
    for m in report.milestones:
        row = next(line for line in text.splitlines() if line.startswith(m.label))
        assert ("set by the start" in row) == (m.id in at_start)
    data = json.loads(json.dumps(report.to_json()))
    for m in data["milestones"]:
        assert (m["percentile"] is None) == (m["id"] in at_start)
        assert m["unscored"] == ("set by the start" if m["id"] in at_start else None)
    markdown = comparison_markdown(report)
    assert "is set by the start" in markdown and "neither a pass nor a miss" in markdown


def test_the_2019_milestones_all_keep_their_percentiles():
    report = compare(config()).report
    assert all(m.real_week and m.unscored is None for m in report.milestones)
    assert "set by the start" not in format_comparison(report) + comparison_markdown(report)


def test_dtw_and_the_path_check_by_hand():
    # Cost |a_i - b_j|; the cheapest monotone alignment of [0, 1, 3] with [1, 3, 3, 0] pairs
    # (0,1), (1,1), (3,3), (3,3), (3,0): 1 + 0 + 0 + 0 + 3 = 4.
    assert dtw_distance(np.array([0, 1, 3]), np.array([1, 3, 3, 0])) == pytest.approx(4.0)
    assert dtw_distance(np.array([0, 2, 2, 1]), np.array([0, 2, 1])) == 0.0
    assert dtw_distance(np.array([1, 3]), np.array([2])) == pytest.approx(2.0)
    real = np.array([0.1, 0.5, 0.9])
    fan = pd.DataFrame({"q05": [0.0, 0.2, 0.3], "q50": [0.1, 0.4, 0.5], "q95": [0.2, 0.6, 0.8]})
    check = path_check(real, fan)
    assert check.rmse == pytest.approx(np.sqrt((0.0 + 0.01 + 0.16) / 3))
    # |0.1-0.1| + |0.5-0.4| then |0.5-0.5| + |0.9-0.5|: 0 + 0.1 + 0 + 0.4.
    assert check.dtw == pytest.approx(0.5)
    assert check.dtw_per_week == pytest.approx(0.5 / 3)
    assert check.band_coverage == pytest.approx(2 / 3)


def test_burstiness_by_hand():
    moves = np.full((4, 12), H)
    moves[0, [0, 1, 2, 10]] = R  # gaps 1, 1, 8
    moves[1, [0, 3, 6, 9]] = C  # gaps 3, 3, 3: regular
    moves[2, [2, 7]] = R  # one gap: undefined
    moves[3, [0, 1, 2, 3, 11]] = [R, C, R, C, R]  # gaps 1, 1, 1, 8
    values = burstiness(moves)
    mean, sd = 10 / 3, np.sqrt((2 * (1 - 10 / 3) ** 2 + (8 - 10 / 3) ** 2) / 3)
    assert values[0] == pytest.approx((sd - mean) / (sd + mean))
    assert values[1] == -1.0
    assert np.isnan(values[2])
    mean, sd = 11 / 4, np.sqrt((3 * (1 - 11 / 4) ** 2 + (8 - 11 / 4) ** 2) / 4)
    assert values[3] == pytest.approx((sd - mean) / (sd + mean))


def test_counts_and_the_outcome_beside_the_runs(gsomia_case):
    real = gsomia_case.real
    sides = gsomia_case.scenario.sides
    retaliations = {s: int((real.moves[s] == R).sum()) for s in sides}
    simulated = {}
    for s in sides:
        runs = np.full((4, gsomia_case.weeks), H)
        for run, extra in enumerate([-2, 0, 0, 3]):
            runs[run, : retaliations[s] + extra] = R
        simulated[s] = runs
    checks = {(c.side, c.statistic): c for c in count_checks(real, sides, simulated)}
    seoul = checks[("seoul", "retaliations")]
    assert seoul.real == retaliations["seoul"]
    assert seoul.percentile == pytest.approx((1 + 0.5 * 2) / 4)
    assert seoul.simulated_median == retaliations["seoul"]
    assert checks[("tokyo", "cooperations")].simulated_median == 0
    assert checks[("tokyo", "cooperations")].percentile == 1.0
    outcomes = pd.DataFrame({"outcome": ["noticed_then_kept"] * 3 + ["terminated"]})
    share, shares = outcome_probability(outcomes, "noticed_then_kept")
    assert share == 0.75 and shares["terminated"] == 0.25
    assert outcome_probability(outcomes, "never_noticed")[0] == 0.0


def test_the_gain_and_posterior_figures_draw_their_numbers():
    from matplotlib.figure import Figure

    from sim.figures.comparison import (
        make_gain_data,
        make_posterior_data,
        plot_cumulative_gain,
        plot_posterior,
    )

    model = np.log(np.array([[0.5, 0.5], [0.25, 0.5], [0.5, 0.5]]))
    rates = np.log(np.full((3, 2), 0.5))
    dates = ["2019-01-07", "2019-01-14", "2019-01-21"]
    data = make_gain_data(dates, ("seoul", "tokyo"), model, {"base_rates": rates})
    np.testing.assert_allclose(data.gains["base_rates"]["seoul"], [0, np.log(0.5), np.log(0.5)])
    np.testing.assert_allclose(data.gains["base_rates"]["tokyo"], [0, 0, 0])
    figure = plot_cumulative_gain(data)
    assert isinstance(figure, Figure)
    # compare draws the best baseline alone; the title said "on each baseline"
    assert "gain on the base rates baseline, week by week" in figure.axes[0].get_title()
    both = make_gain_data(dates, ("seoul", "tokyo"), model, {"base_rates": rates, "x": rates})
    assert "gain on each baseline" in plot_cumulative_gain(both).axes[0].get_title()
    assert not figure.axes[0].texts  # equal acts terms: the curves are the whole gain
    # Unequal acts terms (a baseline that refits the conduct): the figure gives the total, as
    # the headline does; THAAD's curves ended near -20 nats beside a headline of -135.
    acts = make_gain_data(dates, ("seoul", "tokyo"), model, {"base_rates": rates}, acts=-3.5)
    (note,) = plot_cumulative_gain(acts).axes[0].texts
    moves = np.log(0.5)
    assert note.get_text() == (
        f"not drawn: the acts given the moves add -3.50 nats (moves {moves:+.2f}, "
        f"total {moves - 3.5:+.2f})"
    )
    draws = np.array([[0.2, 1.0], [0.3, 10.0], [0.4, 3.0]])
    shown = make_posterior_data(
        ["a", "b"], draws, [0.3, 3.0], [0.0, 0.01], [1.0, 100.0], [False, True], {"a": ["c"]}
    )
    assert shown.bounds == [(0.0, 1.0), (0.01, 100.0)] and shown.keys == ["a", "b"]
    figure = plot_posterior(shown)
    linear, logarithmic = figure.axes
    assert (linear.get_title(), logarithmic.get_title()) == ("a = c", "b")  # ties named
    assert (linear.get_xscale(), logarithmic.get_xscale()) == ("linear", "log")
    assert logarithmic.get_xlim() == pytest.approx((0.01, 100.0))
    assert sum(p.get_height() for p in logarithmic.patches) == 3  # every draw in a bin
    # an estimate on its box's bound drew its line under the frame, unseen: it is said
    edge = make_posterior_data(["a"], draws[:, :1], [0.0], [0.0], [1.0], [False], {})
    (said,) = plot_posterior(edge).axes[0].texts
    assert said.get_text() == "ML estimate\non its bound"
    assert not linear.texts and not logarithmic.texts  # 0.3 and 3.0 lie inside


@pytest.mark.parametrize("weeks", [20, 62])
def test_date_ticks_stay_distinct_on_short_and_long_cases(weeks):
    # A fixed year-month format labelled a 20-week case "2010-09, 2010-09, 2010-10, ...".
    import matplotlib.dates as mdates

    from sim.figures.comparison import make_gain_data, plot_cumulative_gain

    dates = pd.date_range("2010-09-06", periods=weeks, freq="7D").strftime("%Y-%m-%d")
    zeros = np.zeros((weeks, 2))
    figure = plot_cumulative_gain(make_gain_data(list(dates), ("a", "b"), zeros, {"x": zeros}))
    figure.canvas.draw()
    (ax,) = figure.axes
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert len(labels) >= 4 and all(a != b for a, b in itertools.pairwise(labels)), labels
    assert "gain on the x baseline, week by week" in ax.get_title()  # its one baseline, named
    # the years are said (the corner said "2011-Jan" alone), and the last week has its step
    assert ax.get_xlabel() == f"week starting: 06 Sep 2010 to {dates[-1][8:]} " + (
        pd.Timestamp(dates[-1]).strftime("%b %Y")
    )
    last = pd.Timestamp(dates[-1]) + pd.Timedelta(weeks=1)
    assert mdates.date2num(ax.lines[0].get_xdata()[-1]) == mdates.date2num(last)
    # the case's title on a line of its own: 2019's, beside the rest, ran off both edges
    title = "Japan-South Korea dispute, 2018-2019 (wartime labour, export controls, GSOMIA)"
    named = make_gain_data(list(dates), ("a", "b"), zeros, {"x": zeros}, case=title)
    figure = plot_cumulative_gain(named)
    figure.canvas.draw()
    heading = figure.axes[0].title
    assert heading.get_text().startswith(f"{title}\nThe model's")
    frame, box = figure.bbox, heading.get_window_extent()
    assert frame.x0 <= box.x0 and box.x1 <= frame.x1, (box, frame)


def test_the_models_when_to_move_is_its_chance_of_holding_against_the_real_moves(
    command, compare_default, gsomia_case
):
    _, folder = command
    row = json.loads((folder / "comparison.json").read_text())["loglik"]["model"]
    hold = gsomia_case.episode().score(compare_default.model_params).hold[:, 0]
    moves = MoveData.of(gsomia_case.real, gsomia_case.scenario).moves
    held = moves == Move.HOLD
    assert row["when_to_move"] == pytest.approx(
        np.log(hold[held]).sum() + np.log1p(-hold[~held]).sum()
    )


def test_the_event_raster_names_every_colour_it_draws():
    # The patron's abstain weeks were drawn near-white, a colour the legend did not list.
    from sim.figures.comparison import RASTER_CODES, RasterData, plot_event_raster

    codes = np.array([[0, 1, 2, 1], [1, 1, 2, 0], [3, 4, 5, 3]])
    data = RasterData(
        pd.DatetimeIndex(pd.date_range("2019-07-01", periods=4, freq="7D")),
        codes,
        ["real"],
        ("seoul", "tokyo", "washington"),
        [],
        "a case",
    )
    figure = plot_event_raster(data)
    (ax,) = figure.axes
    legend = ax.get_legend()
    shown = [text.get_text() for text in legend.get_texts()]
    assert set(shown) >= {RASTER_CODES[c] for c in np.unique(codes)}
    colours = [tuple(patch.get_facecolor()) for patch in legend.get_patches()]
    assert len(set(colours)) == len(colours)  # no two codes share a colour
    hold, abstain = colours[shown.index("hold")], colours[shown.index("abstain")]
    assert max(abs(a - b) for a, b in zip(hold, abstain, strict=True)) > 0.05  # told apart


@pytest.mark.parametrize(
    ("policy", "calm"), [("us=reactive", 0.1), ("us=constant", 0.0), ("us=absent", 0.0)]
)
def test_the_rasters_simulated_patron_abstains_in_its_calm_weeks(policy, calm):
    # A reactive Washington's baseline pressure 0.1 fell in 0 < p < 0.5 and every simulated
    # week was drawn "engage", while the real patron abstains in most weeks.
    from sim.figures.comparison import RASTER_CODES
    from sim.reports.comparison import raster_data

    result = compare(config(policy, "us.pressure=0.3", replications=6))
    raster = raster_data(result, 6)
    pressure = result.model.recorder.pressure[: raster.codes.shape[1], :6].T
    patron = [RASTER_CODES[c] for c in raster.codes[5::3].ravel()]  # each run's third row
    expected = np.where(pressure.ravel() <= calm, "abstain", "engage")
    assert patron == expected.tolist()
    if policy == "us=reactive":
        assert 0 < patron.count("abstain") < len(patron)  # calm weeks and alarmed weeks


def test_the_fan_draws_its_quantiles_and_the_real_path_where_they_are():
    from sim.core.scenario_yaml import load_scenario
    from sim.experiment.factory import load_real
    from sim.figures.fan import make_fan_data, plot_tension_fan

    scenario = load_scenario("gsomia_2019")
    real = load_real(scenario)
    weeks = 10
    dates = [scenario.week_start(w) for w in range(weeks)]
    level = np.linspace(0.1, 0.5, weeks)  # each quantile its own rising line
    quantiles = {"q05": 0.0, "q25": 0.1, "q50": 0.2, "q75": 0.3, "q95": 0.4}
    fan = pd.DataFrame({"date": dates} | {q: level + step for q, step in quantiles.items()})
    data = make_fan_data(fan, scenario, real)
    np.testing.assert_array_equal(data.median, level + 0.2)
    np.testing.assert_array_equal(data.band50[0], level + 0.1)
    np.testing.assert_array_equal(data.band50[1], level + 0.3)
    np.testing.assert_array_equal(data.band90[0], level)
    np.testing.assert_array_equal(data.band90[1], level + 0.4)
    np.testing.assert_array_equal(data.real, real.tension[:weeks])
    assert data.milestones == []  # 2019's first milestone falls after week 10
    ax = plot_tension_fan(data).axes[0]
    for band, (low, high) in zip(ax.collections[:2], (data.band90, data.band50), strict=True):
        heights = band.get_paths()[0].vertices[:, 1]
        assert np.isclose(heights.min(), low.min()) and np.isclose(heights.max(), high.max())
    lines = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    held = np.append(level, level[-1]) + 0.2  # the last week is held over its own width
    np.testing.assert_array_equal(lines["simulated median"], held)
    np.testing.assert_array_equal(lines["real 2018"][:-1], real.tension[:weeks])
    named = plot_tension_fan(make_fan_data(fan, scenario, real, events_name="mine.csv"))
    assert "mine.csv 2018" in [line.get_label() for line in named.axes[0].get_lines()]
    # both axes say what they hold (neither had a label), the dates with their years
    assert ax.get_ylabel().startswith("tension (0: no measure in force")
    assert ax.get_xlabel() == "week starting: 29 Oct 2018 to 31 Dec 2018"


@pytest.mark.parametrize("scenario_name", ["gsomia_2019", "thaad_2016"])
def test_milestone_labels_neither_overlap_nor_leave_the_frame(scenario_name):
    # Labels cycled through four rows: "Washington: peak pressure" ran past the fan's frame
    # and, written leftwards, over "Tokyo: white-list removal"; the raster's spilt the same way.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from sim.core.scenario_yaml import load_scenario
    from sim.experiment.factory import load_real
    from sim.figures.comparison import make_raster_data, plot_event_raster
    from sim.figures.fan import make_fan_data, plot_tension_fan

    scenario = load_scenario(scenario_name)
    real = load_real(scenario)
    weeks = scenario.weeks
    dates = [scenario.week_start(w) for w in range(weeks)]
    fan = pd.DataFrame({"date": dates} | {q: np.full(weeks, 0.5) for q in ("q05", "q25", "q50")})
    fan = fan.assign(q75=0.6, q95=0.7)
    moves = {side: np.zeros((weeks, 3), dtype=int) for side in scenario.sides}
    raster = make_raster_data(scenario, real, moves, np.zeros((weeks, 3)), 3)
    for figure in (
        plot_tension_fan(make_fan_data(fan, scenario, real, "a caption")),
        plot_event_raster(raster),
    ):
        renderer = FigureCanvasAgg(figure).get_renderer()
        figure.draw(renderer)
        ax = figure.axes[0]
        frame = ax.get_window_extent(renderer)
        boxes = [t.get_window_extent(renderer) for t in ax.texts]
        named = [w for w in real.milestones.values() if w is not None]
        assert len(boxes) in (len(set(named)), len(named))  # the fan's: one label a week
        for box in boxes:
            assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, (box, frame)
        for a, b in itertools.combinations(boxes, 2):
            assert not a.overlaps(b), (a, b)


@pytest.mark.parametrize("scenario_name", ["gsomia_2019", "thaad_2016"])
def test_the_fans_labels_sit_by_their_own_lines_above_the_paths(scenario_name):
    # In 2019 the real path at 1.0 crossed "Seoul: notice suspended", written leftwards far
    # from its line, which it shared with "Washington: peak pressure" (one week, two labels);
    # compare's long caption ran past the right edge; the last week shrank to a line.
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from sim.analysis.compare import compare
    from sim.figures.fan import make_fan_data, plot_tension_fan
    from sim.reports.comparison import fan_caption

    result = compare(config(f"scenario={scenario_name}"))
    case = result.case
    data = make_fan_data(result.fan, case.scenario, case.real, fan_caption(result.report))
    figure = plot_tension_fan(data)
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    ax = figure.axes[0]
    weeks = {w for w in case.real.milestones.values() if w is not None}
    assert len(ax.texts) == len(weeks)  # one label a line
    to_display = ax.transData.transform
    top = to_display((0, 1.0))[1]  # no path rises above tension 1
    lines = ax.collections[-len(weeks) :]
    for text, line in zip(ax.texts, lines, strict=True):
        box = text.get_window_extent(renderer)
        assert box.y0 > top, text.get_text()  # above every path
        x = line.get_paths()[0].vertices[0, 0]
        line_x, line_top = to_display((x, line.get_paths()[0].vertices[1, 1]))
        assert min(abs(box.x0 - line_x), abs(box.x1 - line_x)) < 2, text.get_text()
        assert box.y0 <= line_top <= box.y1  # its line rises to it
        for other in lines:  # and no other milestone's line crosses it
            other_x, other_top = to_display(other.get_paths()[0].vertices[1])
            if other is not line and box.x0 + 2 < other_x < box.x1 - 2:
                assert other_top < box.y0, (text.get_text(), other_x)
    frame = figure.get_window_extent(renderer)
    title = ax.title.get_window_extent(renderer)
    assert frame.x0 <= title.x0 and title.x1 <= frame.x1, (title, frame)
    real = next(line for line in ax.get_lines() if line.get_label().startswith("real"))
    dates = real.get_xdata()
    assert dates[-1] - dates[-2] == pd.Timedelta(weeks=1)  # the last week keeps its width


def test_a_file_reaching_past_the_declared_span_is_warned_of(tmp_path):
    """A mistyped year stretched the compared span over empty weeks without a word."""

    from sim.core.folders import scenarios_root

    folder = tmp_path / "gsomia_2019"  # a scenario's name is its folder's
    shutil.copytree(scenarios_root() / "gsomia_2019", folder)
    events = folder / "events.csv"
    lines = events.read_text().splitlines()
    events.write_text("\n".join([*lines, f"2021-06-01,{lines[-1].split(',', 1)[1]}"]) + "\n")
    with pytest.warns(UserWarning, match=r"line 70: 1 event\(s\) dated outside .* 136 weeks"):
        case = load_case_events(str(folder), events)
    assert case.weeks == 136  # the span stays the file's own, as documented
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a span set on the command line is the user's choice
        kept = load_case_events(str(folder), events, end="2019-12-30")
        load_case_events("gsomia_2019")  # the shipped file lies inside its span
    assert kept.weeks == 62 and kept.left_out == 1


def test_the_gain_figures_title_fits_in_the_figure():
    # The one-line title ran past the right edge of cumulative_gain.png ("... real move be").
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from sim.figures.comparison import GainData, plot_cumulative_gain

    dates = pd.date_range("2019-01-07", periods=20, freq="W-MON")
    gains = {
        name: {side: np.linspace(0, 3, 20) for side in ("seoul", "tokyo")}
        for name in ("base_rates", "markov", "regime_break", "logit")
    }
    figure = plot_cumulative_gain(GainData(dates, gains, 10, -1.5))
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    frame = figure.get_window_extent(renderer)
    title = figure.axes[0].title.get_window_extent(renderer)
    assert frame.x0 <= title.x0 and title.x1 <= frame.x1, (title, frame)


def test_train_events_holding_rows_compared_are_refused_and_a_copy_is_the_compared_file(
    tmp_path,
):
    # a copy of the case's file, or the case a shorter variant was cut from, was reported as
    # baselines "fitted on" it, out of sample: they had seen every row they were scored on
    from sim.analysis.compare import training_file

    shipped = Path("scenarios/gsomia_2019/events.csv")
    compared = load_case_events("gsomia_2019", None, "2018-10-29", "2019-12-30")
    copy = tmp_path / "copy.csv"
    copy.write_bytes(shipped.read_bytes())
    with pytest.warns(UserWarning, match="is the compared file: the baselines are fitted on it"):
        assert training_file(config(f"train_events={copy}"), compared) is None
    lines = shipped.read_text().splitlines()
    most = write_events(tmp_path / "most.csv", lines[:-1])  # all but the last row
    rows = len(lines) - 1
    refusal = (
        f"train_events={most} holds {rows - 1} of the {rows} rows compared (the earliest: "
        "2018-10-30 seoul sc_ruling_nippon_steel), so baselines fitted on it are not out of"
    )
    with pytest.raises(ConfigError, match=re.escape(refusal)):
        training_file(config(f"train_events={most}"), compared)
    assert training_file(config("train_events=scenarios/thaad_2016/events.csv"), compared)


def test_train_events_naming_the_compared_file_fits_the_baselines_in_sample():
    # it fitted them as if elsewhere (smoothed: the logit's moves -11.50 against -4.35 in
    # sample on a one-case file) and dropped the note that the baselines were in sample
    default = compare(config()).report
    with pytest.warns(UserWarning, match="is the compared file: the baselines are fitted on it"):
        same = compare(config("train_events=scenarios/gsomia_2019/events.csv")).report
    assert same.train_events is None
    assert [(r.moves, r.acts) for r in same.in_sample.rows] == [
        (r.moves, r.acts) for r in default.in_sample.rows
    ]


def test_a_file_of_a_few_weeks_is_compared_with_a_warning(tmp_path):
    # one row: Markov (k = 22) and the logit fitted on 2 side-weeks, BIC below AIC, silently
    one = write_events(
        tmp_path / "events.csv", [HEADER, "2019-07-01,tokyo,trade,retaliate,x,Controls.,http://a"]
    )
    with pytest.warns(UserWarning, match=r"covers 1 week\(s\) from 2019-07-01: the model is"):
        compare(config(f"events={one}"))


def test_an_edited_copy_of_the_fits_events_is_said_to_be_other_data(tmp_path):
    """An edited copy of 2019's file was compared without a word, its model fitted on the
    shipped file and its baselines on the copy; with train_events the note called the model
    "in sample here". A copy that differs only in its line endings is the same data."""
    shipped_path = Path("scenarios/gsomia_2019/events.csv")
    shipped = shipped_path.read_text().splitlines()
    same = tmp_path / "crlf.csv"
    same.write_bytes(("\r\n".join(shipped) + "\r\n").encode())
    kept = [line for line in shipped if "conditionally_suspend" not in line]
    edited = write_events(tmp_path / "edited.csv", kept)  # no suspension of the notice
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the move id the copy no longer has
        results = {path: compare(config(f"events={path}")) for path in (same, edited)}
    copies = {path: result.report for path, result in results.items()}
    # the fan's legend names the copy's file, where it called any file's path "real"
    assert [events_name(results[p].case) for p in (same, edited)] == [None, "edited.csv"]
    assert copies[same].own_events and "note:" not in format_comparison(copies[same])
    report = copies[edited]
    assert not report.own_events and report.to_json()["own_events"] is False
    assert report.fitted_events == "scenarios/gsomia_2019/events.csv"
    note = (
        "note: the events compared are not those the model's fit was made on "
        f"(scenarios/gsomia_2019/events.csv): the model and its conduct come from that file, the "
        f"baselines and theirs from {edited}"
    )
    assert note in format_comparison(report)
    assert "in sample here" not in format_comparison(dataclasses.replace(report, train_events="x"))
    assert "**Note:** The events compared are not those" in comparison_markdown(report)
    # the file is the one the fit's record names, so a fit made on a copy is held to the copy
    from sim.analysis.compare import fitted_events

    assert fitted_events({"scenario": "gsomia_2019", "events": str(edited)}) == edited
    assert fitted_events({"scenario": "gsomia_2019"}) == CONF_DIR.parent / shipped_path
    # another case: the fit's file is not its own, and the note of an out-of-sample model says so
    thaad = compare(config("scenario=thaad_2016")).report
    assert not thaad.own_events and "out of sample here" in format_comparison(thaad)


def test_a_case_with_another_patron_is_named_in_the_fans_caption(tmp_path):
    # the caption said "US reactive, pressure 0.5" whoever the case's patron was
    case = renamed_case(tmp_path, {"washington": "brussels"})
    report = compare(config(f"scenario.name={case}", replications=5)).report
    assert report.patron == "brussels"
    assert "; Brussels reactive, pressure " in fan_caption(report)
    assert "US" not in fan_caption(report)
