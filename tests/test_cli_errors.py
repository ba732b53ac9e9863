"""Bad input ends in one line, exit 2, and no folder: the reliability pass's cases (issue 12).

The command runs in this process (`sim.cli.main`), from an empty folder, so each case also
checks that nothing was written. Every case here was a traceback, a silent wrong result or a
left-behind folder before.
"""

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from one_line import refused
from renamed_case import renamed_case

from sim.cli import main
from sim.experiment.store import FolderLock

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def empty(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["run.weeks=-5"], "run.weeks=-5 is outside the allowed range"),
        (["run.weeks=40000"], "run.weeks=40000 is outside the allowed range [1, 5200]"),
        (["run.weeks=100"], "run.weeks=100 is beyond the scenario's span: it has 62 weeks"),
        (["run.weeks=1e9"], "run.weeks: Value '1000000000.0' of type 'float'"),
        (["run.seed=-1"], "run.seed=-1 is outside the allowed range"),
        (["payoffs.stage.seoul=5"], "payoffs.stage.seoul must be a 2x2 matrix"),
        (["payoffs.stage.seoul=[[1,2],[3,nan]]"], "payoffs.stage.seoul.1.1=nan is not a finite"),
        (["strategy@seoul=q_learning", "seoul.initial=nan"], "seoul.initial=nan is not a finite"),
        (["+seoul.nois=0.9"], "seoul.nois is not a config key; did you mean seoul.noise?"),
        (["+run.replicatons=10"], "run.replicatons is not a config key; did you mean"),
        (["+run.foo=1"], "run.foo is not a config key"),
        (["us.presure=0.5"], "us.presure is not a config key; did you mean us.pressure?"),
        (  # said only "beijing is not a config key; the config has scenario, ..."
            ["scenario=thaad_2016", "beijing.noise=0.05"],
            "beijing is not a config key; a side's options are set by slot: beijing is this "
            "case's second side, so use tokyo.KEY",
        ),
        (  # a side of another case than the one composed: the slots in general
            ["beijing.noise=0.05"],
            "beijing is not a config key; a side's options are set by slot, seoul.KEY for the "
            "case's first side and tokyo.KEY for its second (in thaad_2016, Seoul and Beijing)",
        ),
        (["strategy@seoul=chaos"], "Could not find 'strategy/chaos'; choose one of"),
        (["scenario.start=0001-01-01"], "is 105347 weeks; a run may span at most 5200 weeks"),
        (["scenario.name=atlantis"], "no scenario 'atlantis'"),
        (["-m", "us.pressure=0.5,1.5"], "sweep cell 2 of 2 (us.pressure=1.5): us.pressure=1.5 is"),
        (["-m", "run.seed=1,-1"], "sweep cell 2 of 2 (run.seed=-1): run.seed=-1 is outside"),
        (["run.replications=abc"], "; run.replications takes a whole number (e.g. 1000)"),
        (["us.pressure=high"], "; us.pressure takes a number (e.g. 0.5)"),
        (["run.trajectories=maybe"], "; run.trajectories takes true or false"),
        (["~us"], "us has no value, and every job needs one (did ~us remove it?); set us=OPTION"),
        (["~run.seed"], "every job has run.seed: set it instead (run.seed=VALUE)"),
        (["us.pressure==0.5"], "cannot read the override 'us.pressure==0.5' ("),
        (  # said Hydra's "Could not override 'experiment'. No match in the defaults list."
            ["experiment=us_pressure"],
            "experiment=NAME: a preset is added, not picked: +experiment=NAME, with -m for",
        ),
        (["explore=morris"], "explore=NAME: the exploration presets are escalation explore's"),
        (  # said "run `escalation calibrate` first", after the progress bar had started
            ["run.posterior=true", "fit=none"],
            "run.posterior=true draws from a fit's posterior, and fit=none runs the hand-set",
        ),
        (  # the draws replaced the value, while the saved config showed it
            ["run.posterior=true", "seoul.activity=0.5"],
            "so seoul.activity=0.5 would not be used: drop run.posterior=true",
        ),
    ],
)
def test_bad_overrides_end_in_one_line_and_leave_no_folder(empty, capsys, overrides, message):
    line = refused(capsys, "run", *overrides)
    assert message in line
    assert list(empty.iterdir()) == [], "a folder was left behind"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["us.presure=1"], "us.presure is not a config key; did you mean us.pressure?"),
        (["explore.desing.n=8"], "explore.desing is not a config key; did you mean"),
        (["explore=sobl"], "Could not find 'explore/sobl'; choose one of"),
        (["scenario=nosuch"], "Could not find 'scenario/nosuch'; choose one of"),
        (  # said "explore.ranges.seoul is empty; add the key with +...", which led nowhere
            ["explore.ranges.seoul.noies=[0,0.05]"],
            "explore.ranges.seoul.noies is not a config key; did you mean "
            "explore.ranges.seoul.noise?",
        ),
        (  # accepted: its chunk ran, the others never did, and the rerun it advised did not help
            ["explore.chunk=3"],
            "escalation explore does not read explore.chunk: the sweep sets each job's chunk",
        ),
    ],
)
def test_bad_explore_overrides_end_in_one_line_and_leave_no_folder(
    empty, capsys, overrides, message
):
    line = refused(capsys, "explore", "explore.design.n=8", *overrides)
    assert message in line
    assert list(empty.iterdir()) == [], "a folder was left behind"


@pytest.mark.parametrize(
    ("train", "message"),
    [
        ("shipped", "holds 67 of the 67 rows compared (the earliest: 2018-10-30 seoul"),
        ("missing.csv", "train_events: no events file at missing.csv"),
        ("bad.csv", "bad.csv, line 2: date '28/12/2018' is not valid (expected YYYY-MM-DD)"),
    ],
)
def test_a_bad_training_file_is_the_one_line_before_the_compared_files_warnings(
    empty, capsys, train, message
):
    """A warning about the compared file (here a move id it lacks) came first, and the
    training file's error after it."""
    shipped = (ROOT / "scenarios/gsomia_2019/events.csv").read_text().splitlines()
    edited = [line for line in shipped if "conditionally_suspend" not in line]  # no suspension
    (empty / "edited.csv").write_text("\n".join(edited) + "\n")
    (empty / "bad.csv").write_text(f"{shipped[0]}\n28/12/2018{shipped[1][10:]}\n")
    train = ROOT / "scenarios/gsomia_2019/events.csv" if train == "shipped" else train
    # the folder in the warning's text keeps it from being shown once per process only
    line = refused(capsys, "compare", f"events={empty / 'edited.csv'}", f"train_events={train}")
    assert message in line
    assert sorted(p.name for p in empty.iterdir()) == ["bad.csv", "edited.csv"]


@pytest.mark.parametrize(("port", "message"), [("99999", "choose a port from 1 to 65535")])
def test_a_bad_classroom_port_ends_in_one_line(capsys, port, message):
    assert message in refused(capsys, "classroom", "--port", port)


@pytest.mark.parametrize(
    ("command", "options", "message"),
    [
        ("play", ["--weeks", "x"], "argument --weeks: 'x' is not a whole number of weeks"),
        ("play", ["--bogus"], "unrecognized arguments: --bogus"),
        ("classroom", ["--port", "abc"], "argument --port: invalid int value: 'abc'"),
        ("classroom links", ["--bogus"], "unrecognized arguments: --bogus"),
        ("classroom export", ["--bogus"], "unrecognized arguments: --bogus"),
    ],
)
def test_usage_errors_of_the_plain_commands_end_in_one_line(
    empty, capsys, command, options, message
):
    line = refused(capsys, *command.split(), *options)  # no argparse usage block before it
    assert line == f"error: {message}; `escalation {command} --help` lists the options"
    assert not any(empty.iterdir())


def test_a_classroom_port_in_use_ends_in_one_line(capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert "cannot listen on 127.0.0.1:" in refused(capsys, "classroom", "--port", str(port))


@pytest.mark.parametrize("command", ["run", "compare", "calibrate", "explore"])
def test_a_flag_hydra_does_not_take_is_one_line(capsys, command):
    # Hydra's parser printed its usage block, nine lines, before the error.
    line = refused(capsys, command, "--bogus", "run.replications=5")
    assert line == (
        f"error: unrecognized argument --bogus; `escalation {command} --help` lists the options"
    )


def test_where_scenarios_are_looked_for_is_named_when_none_is_found(capsys, monkeypatch, tmp_path):
    line = refused(capsys, "run", "scenario=/elsewhere/case", "run.replications=5")
    assert line.endswith("; a scenario folder elsewhere is given as scenario.name=PATH")
    monkeypatch.setenv("ESCALATION_SCENARIOS", str(tmp_path / "nowhere"))
    line = refused(capsys, "run", "run.replications=5")  # said "(known scenarios: )"
    assert line == (
        f"error: no scenario 'gsomia_2019': ESCALATION_SCENARIOS={tmp_path / 'nowhere'} is not "
        "a folder; point it at a folder of scenario folders, or unset it for the shipped ones"
    )
    (tmp_path / "mine").mkdir()  # a folder of one's own cases: the shipped ones are not in it
    monkeypatch.setenv("ESCALATION_SCENARIOS", str(tmp_path / "mine"))
    line = refused(capsys, "run", "run.replications=5")  # did not say why 2019's was missing
    assert line.endswith(
        f"; ESCALATION_SCENARIOS={tmp_path / 'mine'} stands in for the shipped cases: unset it "
        "for them"
    )


@pytest.mark.parametrize("override", ["strategy@beijing=tit_for_tat", "strategy=random"])
def test_a_rule_set_by_side_name_is_told_the_slots(capsys, override):
    # "Could not override 'strategy@beijing'." and nothing more
    line = refused(capsys, "run", "scenario=thaad_2016", override, "run.replications=5")
    if override.startswith("strategy@beijing"):  # a side of the case composed: its own slot
        assert line == (
            "error: strategy@beijing: a rule is set by slot: beijing is this case's second side, "
            "so use strategy@tokyo=RULE"
        )
    else:
        assert line.startswith("error: strategy: a rule is set by slot, strategy@seoul=RULE for ")


@pytest.mark.parametrize(
    ("override", "said"),
    [
        (
            "strategy@athens=tit_for_tat",
            "strategy@athens: a rule is set by slot: athens is this case's first side, so use "
            "strategy@seoul=RULE",
        ),
        (
            "athens.signal=0.5",
            "athens is not a config key; a side's options are set by slot: athens is this "
            "case's first side, so use seoul.KEY",
        ),
        (
            "+ankara.signal=0.5",
            "ankara is not a config key; a side's options are set by slot: ankara is this "
            "case's second side, so use tokyo.KEY",
        ),
    ],
)
def test_a_case_of_ones_own_is_told_its_own_slots(capsys, tmp_path, override, said):
    # the answer was 2016's example (Seoul and Beijing), or the config's top-level keys
    case = renamed_case(tmp_path, {"seoul": "athens", "tokyo": "ankara"})
    line = refused(capsys, "run", f"scenario.name={case}", override, "run.replications=5")
    assert line == f"error: {said}"
    # read as Hydra reads the line: the path wins over a preset given after it, quoted or not
    for case_given in (f"scenario.name={case}", f"scenario.name='{case}'"):
        line = refused(capsys, "run", case_given, "scenario=thaad_2016", override)
        assert line == f"error: {said}"
    if not override.startswith("strategy@"):  # explore's own command line, and its inputs
        line = refused(capsys, "explore", f"scenario.name={case}", override)
        assert line == f"error: {said}"
        key = override.lstrip("+").split("=")[0]
        side, slot = key.split(".")[0], {"athens": "seoul", "ankara": "tokyo"}[key.split(".")[0]]
        which = "first" if slot == "seoul" else "second"
        line = refused(capsys, "explore", f"scenario.name={case}", f"explore.inputs=[{key}]")
        assert line == (
            f"error: explore: {key} is not a parameter of this model (a side's inputs are named "
            f"by slot: {side} is this case's {which} side, so use {key.replace(side, slot)})"
        )


def test_a_full_disk_is_one_line_and_other_system_errors_stay_tracebacks():
    # A run filling its disk ended in 83 lines and two tracebacks.
    import errno

    from sim.cli import one_line

    full = OSError(errno.ENOSPC, "No space left on device", "/data/out/tension_fan.png")
    assert one_line(full) == (
        "the disk is full while writing /data/out/tension_fan.png; free some space, or write "
        "elsewhere (hydra.run.dir=PATH, hydra.sweep.dir=PATH)"
    )
    assert one_line(OSError(errno.EIO, "Input/output error")) is None  # a fault: its traceback


def test_a_classroom_host_that_is_no_address_ends_in_one_line(capsys):
    line = refused(capsys, "classroom", "--host", "999.1.1.1", "--port", "18769")
    assert line.startswith("error: --host 999.1.1.1 is not an address of this machine")


@pytest.mark.parametrize("command", ["classroom", "classroom links", "classroom export"])
def test_a_rooms_database_that_cannot_be_one_ends_in_one_line(tmp_path, capsys, command):
    # A file that is not a database, or a folder, gave sqlite3's traceback.
    junk = tmp_path / "notes.sqlite"
    junk.write_text("my notes\n")
    port = ["--port", "18770"] if command == "classroom" else []
    for place in (junk, tmp_path) if command == "classroom" else (junk,):
        line = refused(capsys, *command.split(), "--db", str(place), *port)
        assert line.startswith(f"error: cannot use {place} as the rooms database (")
    assert junk.read_text() == "my notes\n"


@pytest.mark.parametrize(
    ("group", "text", "message"),
    [
        (  # 110 lines of traceback
            "payoffs",
            "stage: [\n",
            "payoffs/mine.yaml, line 2: not valid YAML (expected the node content, but found",
        ),
        (  # "In 'fit/mine': ConfigKeyError raised while composing config:", cut there
            "fit",
            "# @package _global_\nfit: mine\nseoul:\n  activty: 0.3\n",
            "fit/mine: seoul.activty is not a config key; did you mean seoul.activity?",
        ),
    ],
)
def test_a_broken_preset_of_ones_own_is_named_in_one_line(empty, capsys, group, text, message):
    (empty / "extra" / group).mkdir(parents=True)
    (empty / "extra" / group / "mine.yaml").write_text(text)
    search = f"hydra.searchpath=[file://{empty / 'extra'}]"
    line = refused(capsys, "run", search, f"{group}=mine", f"hydra.run.dir={empty / 'out'}")
    assert message in line
    assert not (empty / "out").exists()


def test_a_fitted_value_out_of_range_in_a_fit_of_ones_own_names_its_file(empty, capsys):
    # A fit found through hydra.searchpath got only "set it on the command line", as if the
    # value had been typed there; the shipped conf/fit presets were named already.
    (empty / "extra" / "fit").mkdir(parents=True)
    mine = empty / "extra" / "fit" / "mine.yaml"
    mine.write_text("# @package _global_\nfit: mine\nseoul:\n  lift: 7.5\n")
    search = f"hydra.searchpath=[file://{empty / 'extra'}]"
    line = refused(capsys, "run", search, "fit=mine", f"hydra.run.dir={empty / 'out'}")
    assert line == (
        "error: seoul.lift=7.5 is outside the allowed range [0.0, 1.0], as the fit 'mine' sets "
        f"it ({mine}); correct that file or run `escalation calibrate` again, or set it on the "
        "command line, e.g. seoul.lift=0.0"
    )
    assert not (empty / "out").exists()
    # typed on the command line, the same value is the user's, not the fit's
    line = refused(capsys, "run", search, "fit=mine", "seoul.lift=8.5")
    assert line.startswith("error: seoul.lift=8.5 is outside") and "mine.yaml" not in line


def broken_scenario(root, change_yaml=None, events=None):
    folder = root / "gsomia_2019"  # a scenario's name is its folder's
    shutil.copytree(ROOT / "scenarios" / "gsomia_2019", folder)
    if change_yaml is not None:
        path = folder / "scenario.yaml"
        text = path.read_bytes()
        path.write_bytes(change_yaml(text))
    if events is not None:
        (folder / "events.csv").write_bytes(events)
    return folder


EVENTS = (ROOT / "scenarios" / "gsomia_2019" / "events.csv").read_bytes()
HEADER = EVENTS.split(b"\n", 1)[0] + b"\n"


@pytest.mark.parametrize(
    ("change_yaml", "events", "message"),
    [
        (lambda t: t.replace(b"lapse_weeks: 13", b"lapse_weeks: [13"), None, "not valid YAML"),
        (lambda t: t.replace(b"intensity: 0.60", b"intensity: high"), None, "'high'"),
        (
            lambda t: t.replace(b"name: gsomia_2019", b"name: thaad_2016"),
            None,
            "scenario.yaml: name 'thaad_2016' must be the folder's name, 'gsomia_2019'",
        ),
        (
            lambda t: t.replace(b"start: 2018-10-29", b"start: 2018-11-31"),
            None,
            "scenario.yaml: start: '2018-11-31' is not a date in YYYY-MM-DD form",
        ),
        (lambda t: t.replace(b"lapse_weeks: 13", b"lapse_weeks: thirteen"), None, "lapse_weeks"),
        (lambda t: bytes(range(256)) * 4, None, "scenario.yaml: not UTF-8 text (byte 128)"),
        (lambda t: t.replace(b"events: events.csv", b"events: ../../outside.csv"), None, "outside"),
        (
            lambda t: t.replace(b"reversible: false", b'reversible: "false"', 1),
            None,
            "measure 'court_rulings': reversible is 'false'; write true or false",
        ),
        (
            lambda t: t.replace(b"  label: GSOMIA", b"  lable: GSOMIA"),
            None,
            "outcome has an unknown key 'lable' (did you mean 'label'?)",
        ),
        (
            lambda t: t.replace(b"end: 2019-12-30", b"end: 2018-10-01"),
            None,
            "end 2018-10-01 is before start 2018-10-29",
        ),
        (  # drew "['a', 'b']" as the figures' title
            lambda t: re.sub(rb"(?m)^title: .*$", b"title: [a, b]", t, count=1),
            None,
            "title is a list, not text; write it as text (in quotes if need be)",
        ),
        (
            lambda t: t.replace(b"gesture: Tokyo offers working-level talks", b"gesture: 5"),
            None,
            "measures.tokyo: gesture is a number, not text",
        ),
        (None, bytes(range(256)) * 4, "events.csv, line 2: not UTF-8 text (byte 128 of the file)"),
        (None, EVENTS.replace(b"Tokyo protests", "Tokyo protest\xe9".encode("latin-1")), "UTF-8"),
        (None, HEADER + b"2019-01-01,seoul,legal,pressure,x," + b"a" * 131_073 + b",u\n", "field"),
        (None, HEADER, "no events"),
        (
            None,
            HEADER
            + b'2019-01-10,tokyo,legal,pressure,x,"open,u\n2019-01-11,tokyo,legal,pressure,y,z,u\n',
            "events.csv, line 2: expected 7 fields (the row runs to line 3: is a quote left open?)",
        ),
        (
            lambda t: t.replace(b"lapse_weeks: 13", b"lapse_weeks: [13"),
            None,
            "scenario.yaml, line ",
        ),
        (
            lambda t: t.replace(b"intensity: 0.60", b"intensity: 1.6", 1),
            None,
            "measures.tokyo: measure 'export_controls': intensity 1.6 is not in (0, 1]",
        ),
        (  # blamed line 32 of events.csv, listing seoul twice among the actors
            lambda t: t.replace(b"patron: washington", b"patron: seoul").replace(
                b"  - {id: washington_peak_pressure", b"  # "
            ),
            None,
            "scenario.yaml: patron 'seoul' is also a side; name a third actor",
        ),
        (  # named neither the file nor the milestone
            lambda t: t.replace(b"measure: export_controls}", b"measure: export_control}", 1),
            None,
            "scenario.yaml: milestone 'tokyo_export_controls': tokyo has no measure "
            "'export_control'; its measures are: consultations, arbitration, export_controls, "
            "whitelist_removal; did you mean 'export_controls'?",
        ),
        (  # a Python tuple of every id, and no file
            lambda t: t.replace(b"      - id: arbitration", b"      - id: consultations", 1),
            None,
            "measures.tokyo: tokyo lists the measure id consultations more than once",
        ),
    ],
)
def test_malformed_scenario_files_end_in_one_line(
    empty, capsys, monkeypatch, change_yaml, events, message
):
    root = empty.parent / f"{empty.name}-scenarios"
    broken_scenario(root, change_yaml, events)
    (root / "outside.csv").write_bytes(EVENTS)
    monkeypatch.setenv("ESCALATION_SCENARIOS", str(root))
    line = refused(capsys, "run", "scenario.name=gsomia_2019", "run.replications=10")
    assert message in line
    assert "Date" not in line and "date,actor" not in line, "the outside file's content leaked"
    assert list(empty.iterdir()) == []


def test_a_folder_another_run_is_writing_is_refused(empty, capsys):
    with FolderLock(empty / "run"):
        line = refused(capsys, "run", f"hydra.run.dir={empty / 'run'}", "run.replications=10")
    assert "is being written by escalation process" in line
    assert list((empty / "run").iterdir()) == []  # the refused run wrote nothing; the lock went


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    from sim.experiment.config import default_config
    from sim.experiment.job import run_into

    folder = tmp_path_factory.mktemp("finished")
    run_into(default_config(["run.replications=30", "run.progress=false"]), folder)
    return folder


def copy_of(folder, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


def test_plot_refuses_a_corrupt_summary(finished_run, tmp_path, capsys):
    folder = copy_of(finished_run, tmp_path)
    (folder / "summary.json").write_bytes(b"\xff\xfe not json")
    assert "summary.json is not a run summary" in refused(capsys, "plot", str(folder))


def test_plot_refuses_a_folder_without_its_tables(finished_run, tmp_path, capsys):
    folder = copy_of(finished_run, tmp_path)
    for table in folder.glob("*.parquet"):
        table.unlink()
    assert "lacks replications.parquet, which its summary.json lists" in refused(
        capsys, "plot", str(folder)
    )


def test_plot_refuses_a_folder_that_mixes_two_runs(finished_run, tmp_path, capsys):
    folder = copy_of(finished_run, tmp_path)
    summary = json.loads((folder / "summary.json").read_text())
    summary["files"]["replications.parquet"] += 1
    (folder / "summary.json").write_text(json.dumps(summary))
    assert "the folder mixes two runs" in refused(capsys, "plot", str(folder))


def test_plot_redraws_a_finished_run(finished_run, tmp_path, capsys):
    folder = copy_of(finished_run, tmp_path)
    (folder / "tension_fan.png").unlink()
    main(["plot", str(folder)])
    assert capsys.readouterr().out.strip() == f"figure: {folder / 'tension_fan.png'}"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["files"]["tension_fan.png"] == (folder / "tension_fan.png").stat().st_size


def test_plot_of_a_sweep_without_manifest_says_what_to_do(tmp_path, capsys):
    (tmp_path / "0").mkdir()
    (tmp_path / "manifest.json").write_text("{}")
    assert "is not a sweep manifest" in refused(capsys, "plot", str(tmp_path))


@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_plot_help_is_help_and_a_missing_path_is_an_error(capsys, flag):
    # --help was refused as a path ("error: usage: ...", exit 2), unlike every other command
    main(["plot", flag])
    out, err = capsys.readouterr()
    assert out.startswith("usage: escalation plot PATH") and err == ""
    assert refused(capsys, "plot") == (
        "error: usage: escalation plot PATH (a sweep, run or exploration folder)"
    )


def test_plot_of_a_folder_that_is_no_result_leaves_it_as_it_was(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine\n")
    line = refused(capsys, "plot", str(tmp_path))
    assert line == (
        f"error: {tmp_path} holds no explore.json, manifest.json or summary.json: give the "
        "folder of a finished sweep, run or exploration"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]  # no .lock left


def test_plot_of_an_explorations_chunk_names_the_exploration(tmp_path, capsys):
    # a chunk has a .hydra folder: it read as a run that "did not finish"
    chunk = tmp_path / "chunks" / "0"
    (chunk / ".hydra").mkdir(parents=True)
    (tmp_path / "explore.json").write_text("{}")
    assert refused(capsys, "plot", str(chunk)) == (
        f"error: {chunk} is one chunk of the exploration in {tmp_path}: plot that folder"
    )


def test_plot_of_an_unfinished_run_says_it_did_not_finish(tmp_path, capsys):
    (tmp_path / ".hydra").mkdir()
    assert refused(capsys, "plot", str(tmp_path)).endswith(
        "holds no summary.json: the run did not finish"
    )


def test_a_file_where_the_result_folder_should_be_is_refused(empty, capsys):
    (empty / "afile").write_text("mine\n")
    line = refused(capsys, "run", f"hydra.run.dir={empty / 'afile' / 'run'}", "run.replications=10")
    assert line == (
        f"error: cannot write results into {empty / 'afile' / 'run'}: {empty / 'afile'} is a "
        "file; choose another (hydra.run.dir=PATH, or hydra.sweep.dir=PATH for a sweep)"
    )
    assert (empty / "afile").read_text() == "mine\n"


@pytest.mark.skipif(not os.access("/proc", os.W_OK), reason="only root may write under /proc")
def test_a_virtual_file_system_is_refused_as_a_result_folder(empty, capsys):
    line = refused(capsys, "run", "hydra.run.dir=/proc/escalation-results", "run.replications=10")
    assert line.startswith(
        "error: cannot write results into /proc/escalation-results: /proc is on a virtual file "
        "system with no disk behind it; choose another"
    )


def test_an_empty_config_node_says_how_to_add_a_key(empty, capsys):
    line = refused(capsys, "run", "scenario.initial_measures.tokyo=[arbitration]")
    assert line.endswith(
        "scenario.initial_measures is empty; add the key with +scenario.initial_measures.tokyo=..."
    )


@pytest.mark.parametrize(
    ("command", "overrides", "message"),
    [
        (
            "compare",
            ["compare.rolling=true", "compare.origin=2030-01-07"],
            "compare.origin=2030-01-07 leaves no week to forecast: the scored weeks run from "
            "2018-10-29 to the week of 2019-12-23; choose an origin no later than 2019-12-23",
        ),
        (
            "calibrate",
            ["calibrate.rolling=true", "calibrate.origin=2030-01-07"],
            "calibrate.origin=2030-01-07 leaves no week to forecast",
        ),
        (  # was moved to week 4 without a word
            "compare",
            ["compare.rolling=true", "compare.origin=2017-01-02"],
            "compare.origin=2017-01-02 is before the scored weeks, which start 2018-10-29; "
            "choose an origin from 2018-11-26 (week 5)",
        ),
        (
            "calibrate",
            ["calibrate.loco=true", "calibrate.cases=[gsomia_2019]"],
            "calibrate.cases=[gsomia_2019]: leaving one case out needs at least two cases",
        ),
        (
            "calibrate",
            ["calibrate.loco=true", "calibrate.cases=[gsomia_2019,thaad_2016,gsomia_2019]"],
            "calibrate.cases names gsomia_2019 more than once",
        ),
        (
            "calibrate",
            ["calibrate.loco=true", "calibrate.cases=[gsomia_2019,atlantis]"],
            "calibrate.cases: no scenario 'atlantis'",
        ),
        ("calibrate", ["calibrate.fit=../../evil"], "calibrate.fit=../../evil is not a plain name"),
        (  # it replaced the hand-set values, and fit=none runs still said "hand-set"
            "calibrate",
            ["calibrate.fit=none"],
            "calibrate.fit=none would overwrite conf/fit/none.yaml, the hand-set values",
        ),
        (  # unused without writing, and still a wrong value
            "calibrate",
            ["calibrate.fit=../evil", "calibrate.write=false"],
            "calibrate.fit=../evil is not a plain name",
        ),
    ],
)
def test_analysis_options_are_checked_before_anything_is_fitted(
    empty, capsys, command, overrides, message
):
    conf = Path(shutil.copytree(ROOT / "conf", empty.parent / f"{empty.name}-conf"))
    writes = "calibrate.write=false" not in overrides  # conf_dir is read only then
    extra = (
        [*([f"calibrate.conf_dir={conf}"] if writes else []), "calibrate.posterior=false"]
        if command == "calibrate"
        else []
    )
    line = refused(capsys, command, *overrides, *extra, f"hydra.run.dir={empty / 'out'}")
    assert message in line  # and nothing else was said: no "fitting ..." line came first
    assert not (empty / "out").exists()
    assert sorted(p.name for p in conf.rglob("*")) == sorted(
        p.name for p in (ROOT / "conf").rglob("*")
    ), "a fit was written"


def test_a_fit_folder_that_takes_no_files_is_refused_before_the_fit(empty, capsys):
    # It fitted first, then died writing, with a traceback and the fit lost.
    blocked = empty / "conf"
    blocked.write_text("a file where the fit's folder would go\n")
    line = refused(
        capsys,
        "calibrate",
        f"calibrate.conf_dir={blocked}",
        "calibrate.posterior=false",
        f"hydra.run.dir={empty / 'out'}",
    )
    assert line.startswith(f"error: cannot write the fit into {blocked / 'fit'} (")
    assert line.endswith("; choose another calibrate.conf_dir, or set calibrate.write=false")
    assert not (empty / "out").exists()


COMPARE_FILES = ["comparison.json", "comparison.md", "tension_fan.png", "forecasts.parquet"]
CALIBRATE_FILES = ["calibration.json", "calibration.md", "loco.png", "posterior.png"]


@pytest.mark.parametrize(
    ("command", "stale", "bad"),
    [
        ("compare", COMPARE_FILES, ["compare.rolling=true", "compare.origin=2030-01-07"]),
        ("compare", COMPARE_FILES, ["compare.origin=2019-06-03"]),  # read only when rolling
        ("calibrate", CALIBRATE_FILES, ["calibrate.rolling=true", "calibrate.origin=2030-01-07"]),
        ("calibrate", CALIBRATE_FILES, ["calibrate.cases=[gsomia_2019]"]),  # read only with loco
    ],
)
def test_a_refused_command_leaves_its_folder_and_earlier_report_as_they_were(
    empty, capsys, command, stale, bad
):
    """Bad input is refused before the folder is touched: the earlier report stays whole.

    (The checks used to run inside the job, after it had removed the earlier report and
    written its own config, so the folder lost a report for a command that never ran. A job
    that fails on its own still removes the earlier report first.)
    """
    folder = empty / "reused"
    folder.mkdir()
    for name in stale:  # the files an earlier run of the command wrote here
        (folder / name).write_text("an earlier run\n")
    (folder / "notes.txt").write_text("mine\n")
    # were the check to come late, calibrate would fit and write its preset: keep it in a copy
    conf = Path(shutil.copytree(ROOT / "conf", empty / "conf"))
    extra = [f"calibrate.conf_dir={conf}", "calibrate.posterior=false"]
    refused(capsys, command, *bad, f"hydra.run.dir={folder}", *(extra * (command == "calibrate")))
    assert sorted(p.name for p in folder.iterdir()) == sorted([*stale, "notes.txt"])
    assert all((folder / name).read_text() == "an earlier run\n" for name in stale)


def test_a_run_into_a_comparisons_folder_leaves_no_comparison_beside_its_own_files(empty, capsys):
    # One folder, one command's report: a run into a compare folder kept comparison.json.
    folder = empty / "reused"
    folder.mkdir()
    others = ["comparison.json", "comparison.md", "event_raster.png", "calibration.json"]
    for name in others:
        (folder / name).write_text("an earlier command\n")
    main(["run", "run.replications=20", f"hydra.run.dir={folder}"])
    left = {p.name for p in folder.iterdir()}
    assert not left & set(others), left
    assert {"summary.json", "tension_fan.png"} <= left  # the run's own files, tension_fan too
    said = capsys.readouterr().out.splitlines()  # and it says what it replaced, before its own
    assert said[:2] == [
        f"replaced escalation compare's results in {folder}: comparison.json, comparison.md, "
        "event_raster.png",
        f"replaced escalation calibrate's results in {folder}: calibration.json",
    ]


@pytest.mark.parametrize(
    ("held", "command", "says"),
    [
        ("summary.json", ["run", "-m", "us.pressure=0,1"], "a single run (summary.json)"),
        ("manifest.json", ["run"], "a sweep (manifest.json)"),
        ("manifest.json", ["compare"], "a sweep (manifest.json)"),
    ],
)
def test_a_run_and_a_sweep_do_not_share_a_folder(empty, capsys, held, command, says):
    # Both mixed: a sweep removed a run's figure while the run's summary still listed it.
    folder = empty / "taken"
    folder.mkdir()
    (folder / held).write_text("the earlier result\n")
    option = "hydra.sweep.dir" if "-m" in command else "hydra.run.dir"
    line = refused(capsys, *command, "run.replications=5", f"{option}={folder}")
    assert (
        line
        == f"error: {folder} holds the results of {says}; choose another folder ({option}=PATH)"
    )
    assert [p.name for p in folder.iterdir()] == [held]


@pytest.mark.parametrize(
    ("held", "command", "says"),
    [
        ("explore.json", ["run", "run.replications=5"], "an exploration (explore.json)"),
        ("explore.json", ["compare", "run.replications=5"], "an exploration (explore.json)"),
        ("explore.json", ["run", "-m", "us.pressure=0,1"], "an exploration (explore.json)"),
        ("summary.json", ["explore", "explore=morris"], "a single run (summary.json)"),
        ("manifest.json", ["explore", "explore=morris"], "a sweep (manifest.json)"),
        # an exploration or a sweep wrote its files beside a calibration's or comparison's
        ("calibration.json", ["explore", "explore=morris"], "a calibration (calibration.json)"),
        ("comparison.json", ["explore", "explore=morris"], "a comparison (comparison.json)"),
        ("calibration.json", ["run", "-m", "us.pressure=0,1"], "a calibration (calibration.json)"),
    ],
)
def test_an_exploration_shares_its_folder_with_no_run_or_sweep(empty, capsys, held, command, says):
    # A sweep into an exploration's folder removed its figures while explore.md still showed
    # them; an exploration into a run's or a sweep's folder wrote its files beside theirs.
    folder = empty / "taken"
    folder.mkdir()
    (folder / held).write_text("the earlier result\n")
    sweep = "-m" in command or command[0] == "explore"
    option = "hydra.sweep.dir" if sweep else "hydra.run.dir"
    line = refused(capsys, *command, f"{option}={folder}")
    assert (
        line
        == f"error: {folder} holds the results of {says}; choose another folder ({option}=PATH)"
    )
    assert [p.name for p in folder.iterdir()] == [held]


def test_play_refuses_a_record_path_it_cannot_write_before_the_game(empty, capsys):
    (empty / "afile").write_text("mine\n")
    line = refused(
        capsys, "play", "--as", "seoul", "--weeks", "2", "--record", str(empty / "afile" / "g.json")
    )
    assert line == (
        f"error: cannot write the record {empty / 'afile' / 'g.json'}: {empty / 'afile'} is a "
        "file; give --record a .json file or a folder you can write"
    )


def test_play_refuses_a_replay_that_is_not_text(empty, capsys):
    (empty / "game.json").write_bytes(b"\xff\xfe\x00garbage")
    line = refused(capsys, "play", "--replay", str(empty / "game.json"))
    assert line == f"error: {empty / 'game.json'} is not a JSON game record: it is not UTF-8 text"


def test_a_sweep_preset_without_m_is_one_job_and_says_so(tmp_path):
    """`run +experiment=us_pressure` ran one job of the preset's base config, silently."""
    from sim.experiment.launch import prepare_run

    launch = prepare_run(["+experiment=us_pressure", f"hydra.run.dir={tmp_path / 'one'}"])
    launch.release()
    assert launch.notes == [
        "note: this is one job; the preset sweeps us.pressure only with -m "
        "(escalation run -m +experiment=NAME)"
    ]
    launch = prepare_run(["+experiment=calibrated_2019", f"hydra.run.dir={tmp_path / 'two'}"])
    launch.release()
    assert launch.notes == []  # a preset that sweeps nothing


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("compare", "escalation compare does not read run.progress: it shows no progress bar"),
        ("calibrate", "escalation calibrate does not read run.progress: of the run options it"),
        ("explore", "escalation explore does not read run.progress: of the run options it"),
    ],
)
def test_run_progress_is_refused_where_nothing_reads_it(empty, capsys, command, says):
    # accepted silently, while calibrate's refusal of the other run keys said it read
    # "run.seed alone"
    assert says in refused(capsys, command, "run.progress=false")
    assert list(empty.iterdir()) == []


def test_a_bad_run_weeks_is_the_one_line_even_when_the_case_warns(tmp_path, capsys):
    # a case whose measures list an id no row uses warned first, then gave the error
    case = tmp_path / "thaad_2016"
    shutil.copytree(Path(__file__).parents[1] / "scenarios" / "thaad_2016", case)
    text = (case / "scenario.yaml").read_text()
    (case / "scenario.yaml").write_text(text.replace("events: [", "events: [never_used, ", 1))
    line = refused(capsys, "run", f"scenario.name={case}", "run.weeks=1000")
    assert "run.weeks=1000 is beyond the scenario's span" in line


def test_a_saved_config_given_as_the_config_path_says_how_to_repeat_the_run(tmp_path, capsys):
    # Hydra's usual rerun said only "the configuration is a dict, not a job's config"
    (tmp_path / "config.yaml").write_text("run:\n  seed: 3\n  replications: 20\n")
    line = refused(capsys, "run", "--config-path", str(tmp_path), "--config-name", "config")
    assert line == (
        "error: the configuration is a dict, not one of escalation's own configs; to repeat a "
        "run, give its overrides again (its .hydra/overrides.yaml lists them)"
    )


@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_file_where_a_sweep_cells_folder_goes_is_one_line_before_any_cell(empty, capsys, command):
    """The sweep ran its first cell, then stopped in a 40-line traceback (FileExistsError)."""
    (empty / "sweep").mkdir()
    (empty / "sweep" / "1").write_text("not a folder")
    argv = [command, "-m", "us.pressure=0,0.5", "run.replications=20", "hydra.sweep.dir=sweep"]
    line = refused(capsys, *argv)
    assert "sweep/1 is a file; choose another" in line
    assert sorted(p.name for p in (empty / "sweep").iterdir()) == ["1"]


@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_list_given_to_hydras_own_keys_is_one_line_before_any_folder(empty, capsys, command):
    # Hydra refused it only after the launch had announced the sweep and written its manifest
    swept = "hydra.sweeper.params.us.pressure=0,0.5"
    line = refused(capsys, command, "-m", swept, f"hydra.sweep.dir={empty / 'out'}")
    assert line.startswith(f"error: {swept}: Hydra's own settings cannot be swept; sweep a model")
    assert not (empty / "out").exists()


def test_a_search_path_to_no_folder_is_named(empty, capsys):
    # Hydra only warned "is not available" and then could not find the fit looked for there,
    # in an error naming the fit: "Could not find 'fit/mine'; choose one of gsomia_2019, none"
    nowhere = empty / "nosuch"
    search = f"hydra.searchpath=[file://{nowhere}]"
    line = refused(capsys, "run", "fit=mine", search, f"hydra.run.dir={empty / 'out'}")
    assert line.startswith(f"error: hydra.searchpath: {nowhere} is not a folder; give the folder")
    assert not (empty / "out").exists()


@pytest.mark.parametrize("command", ["run", "explore"])
def test_a_fitted_value_that_is_no_number_or_out_of_range_names_the_fit_in_any_command(
    empty, capsys, command
):
    # explore said "set it on the command line" without the file, and a fit's .nan said only
    # "give a finite value", in every command
    (empty / "extra" / "fit").mkdir(parents=True)
    mine = empty / "extra" / "fit" / "mine.yaml"
    search = f"hydra.searchpath=[file://{empty / 'extra'}]"
    out = f"hydra.{'sweep' if command == 'explore' else 'run'}.dir={empty / 'out'}"
    for value, says in ((".nan", "nan is not a finite number"), ("1.5", "1.5 is outside")):
        mine.write_text(f"# @package _global_\nfit: mine\nseoul:\n  lift: {value}\n")
        line = refused(capsys, command, search, "fit=mine", out)
        assert line.startswith(f"error: seoul.lift={says}")
        assert f", as the fit 'mine' sets it ({mine}); correct that file" in line
    assert not (empty / "out").exists()
