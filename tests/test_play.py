"""`escalation play`: scripted games through the real command, records, replays, the debrief."""

import dataclasses
import datetime as dt
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from one_line import refused
from PIL import Image
from renamed_case import renamed_case

from sim.experiment.config import config_from_dict, default_config
from sim.figures.debrief import make_debrief_data, plot_debrief
from sim.play.debrief import debrief_paths
from sim.play.game import Game, GameError
from sim.play.real import real_outcome_after
from sim.play.record import load as load_game
from sim.play.terminal import ask_move, parse_args, record_path
from sim.reports.briefing import format_options, gauge
from sim.reports.debrief import debrief_markdown
from sim.reports.text import share, signed

ROOT = Path(__file__).resolve().parents[1]

# Seoul's script for 12 weeks, with a refused answer ("x"), a help request and an empty line.
SEOUL_SCRIPT = ["r", "x", "h", "retaliate", "?", "c", "", "h", "r", "r", "h", "c", "h", "r", "h"]
SEOUL_MOVES = ["retaliate", "hold", "retaliate", "cooperate", "hold", "retaliate", "retaliate"]
SEOUL_MOVES += ["hold", "cooperate", "hold", "retaliate", "hold"]


def play(*args: str, script: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m sim play ARGS`` fed by ``script`` (one answer a line) on stdin."""
    return subprocess.run(
        [sys.executable, "-m", "sim", "play", *args],
        cwd=ROOT,
        input=None if script is None else "".join(f"{line}\n" for line in script),
        stdin=subprocess.DEVNULL if script is None else None,
        capture_output=True,
        text=True,
        timeout=120,
    )


def load(path: Path) -> dict:
    return json.loads(path.read_text())


def play_here(*argv: str, script: list[str] = ()) -> tuple[int, str]:
    """``escalation play ARGV`` in this process, fed by ``script``; its status and output.

    The end-to-end game above runs the command in a subprocess; the rest play in process,
    which is many times faster and goes through the same `sim.play.terminal.main`.
    """
    from sim.play.terminal import main as play_main

    answers, out = iter(script), io.StringIO()

    def read(prompt: str) -> str:  # as input() does when the piped answers run out
        answer = next(answers, None)
        if answer is None:
            raise EOFError
        return answer

    return play_main(list(argv), read=read, out=out), out.getvalue()


@pytest.fixture(scope="module")
def seoul_game(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seoul")
    done = play(
        "--as", "seoul", "--weeks", "12", "--record", str(folder), "run.seed=3", script=SEOUL_SCRIPT
    )
    assert done.returncode == 0, done.stderr
    return folder, done


def test_briefing_shows_what_a_player_needs(seoul_game):
    out = seoul_game[1].stdout
    assert "Week 1/12, Monday 2018-10-29: you play Seoul" in out
    assert "Week 12/12, Monday 2019-01-14" in out
    assert "Tension     [" in out and "US pressure [" in out and "Your score" in out
    assert "alone)" not in out  # in 2019 Washington pressed both sides
    assert "In force    Seoul  1/7  court rulings" in out
    # options name the concrete ladder move
    assert "r  retaliate  Korea's Supreme Court orders Japanese firms" in out
    assert "r  retaliate  A Korean court approves seizing" in out
    assert "scenarios/gsomia_2019/briefs/seoul.md" in out


def test_invalid_input_is_refused_with_a_reason_and_asked_again(seoul_game):
    out = seoul_game[1].stdout
    assert "refused: 'x' is not a move for seoul: choose one of cooperate, hold, retaliate" in out
    assert "refused: '' is not a move" not in out  # an Enter alone is asked again, kindly
    assert "  type a move (c/h/r), or ? for what each one does" in out
    assert "type the letter or the word" in out  # the help answer
    assert "Traceback" not in seoul_game[1].stderr


def test_game_reaches_the_debrief(seoul_game):
    folder, done = seoul_game
    assert "The game is over." in done.stdout
    assert "# Debrief for Seoul" in done.stdout and "## Scores" in done.stdout
    assert "In the real case: **noticed then kept**" in done.stdout
    debrief = load(folder / "debrief.json")
    assert debrief["humans"] == ["seoul"] and debrief["seed"] == 3
    assert len(debrief["tension"]) == len(debrief["real_tension"]) == 12
    # a person's retaliation enacts the next measure: five, less the one lifted in week 9,
    # reach the white list (fourth) but never the GSOMIA notice (fifth)
    assert debrief["outcome"] == "never_noticed"
    assert "**never noticed**" in (folder / "debrief.md").read_text()
    assert debrief["weeks_played"] == 12 and debrief["schema"] == 2
    assert set(debrief["payoffs"]) == {"seoul", "tokyo", "washington"}


def test_record_holds_config_seed_roles_and_timed_moves(seoul_game):
    record = load(seoul_game[0] / "game.json")
    assert record["seed"] == 3 and record["humans"] == ["seoul"]
    config = config_from_dict(record["config"])
    assert config.run.seed == 3 and config.run.weeks == 12
    assert [m["move"] for m in record["moves"]] == SEOUL_MOVES
    assert [m["week"] for m in record["moves"]] == list(range(12))
    assert {m["actor"] for m in record["moves"]} == {"seoul"}
    for move in record["moves"]:
        assert dt.datetime.fromisoformat(move["time"]).tzinfo is not None
    assert [w["moves"]["seoul"] for w in record["timeline"]] == SEOUL_MOVES
    assert record["outcome"] == "never_noticed"  # as the debrief's test counts it


def test_debrief_figure_is_a_real_image(seoul_game):
    image = Image.open(seoul_game[0] / "debrief.png")
    assert image.format == "PNG"
    assert image.size[0] > 600 and image.size[1] > 300
    assert len(image.convert("L").getcolors(maxcolors=100_000)) > 20


def test_replay_reproduces_the_game_without_asking(seoul_game, tmp_path, capsys):
    folder, _ = seoul_game
    status, shown = play_here("--replay", str(folder / "game.json"), "--record", str(tmp_path))
    assert status == 0
    assert "Replayed 12 weeks: the same timeline as recorded." in shown
    assert "warning" not in capsys.readouterr().err
    original, replayed = load(folder / "game.json"), load(tmp_path / "game.json")
    assert replayed["timeline"] == original["timeline"]
    assert replayed["outcome"] == original["outcome"]
    assert replayed["moves"] == original["moves"]  # each move keeps the time it was made
    assert replayed["created"] == original["created"]
    assert load(tmp_path / "debrief.json") == load(folder / "debrief.json")
    assert "Seoul's move" not in shown


def test_two_people_play_seoul_and_tokyo(tmp_path):
    script = ["r", "h", "h", "r", "c", "retaliate", "hold", "hold"]
    status, shown = play_here(
        "--as", "seoul", "--as", "tokyo", "--weeks", "4", "--record", str(tmp_path / "duo.json"),
        "--no-figure", "run.seed=3", script=script,
    )  # fmt: skip
    assert status == 0
    assert "you play Tokyo" in shown and "you play Seoul" in shown
    record = load(tmp_path / "duo.json")
    assert record["humans"] == ["seoul", "tokyo"]
    assert [(m["actor"], m["move"]) for m in record["moves"][:2]] == [
        ("seoul", "retaliate"),
        ("tokyo", "hold"),
    ]
    tokyo = [w["moves"]["tokyo"] for w in record["timeline"]]
    assert tokyo == ["hold", "retaliate", "retaliate", "hold"]
    assert (tmp_path / "duo_debrief_seoul.md").is_file()
    assert "Your score (Tokyo)" in (tmp_path / "duo_debrief_tokyo.md").read_text()
    assert not (tmp_path / "duo_debrief_seoul.png").exists()


def test_washington_played_by_a_person(tmp_path):
    script = ["p", "surrender", "engage", "a"]
    status, shown = play_here(
        "--as", "washington", "--weeks", "3", "--record", str(tmp_path), "--no-figure",
        script=script,
    )  # fmt: skip
    assert status == 0
    assert "p  press    Washington presses its allies (pressure 1)" in shown
    assert "refused: 'surrender' is not a move for washington" in shown
    assert "Your score  +0.0 so far" in shown  # Washington's score (docs/model.md)
    record = load(tmp_path / "game.json")
    assert [w["pressure"] for w in record["timeline"]] == [1.0, 0.3, 0.0]
    assert [w["moves"]["washington"] for w in record["timeline"]] == ["press", "engage", "abstain"]


@pytest.mark.parametrize(
    ("case", "role", "other"),
    [
        ("thaad_2016", "beijing", "seoul"),
        ("senkaku_2010", "tokyo", "beijing"),
        ("australia_2020", "canberra", "beijing"),
        ("scarborough_2012", "manila", "beijing"),
        ("lithuania_2021", "vilnius", "beijing"),
    ],
)
def test_another_case_is_played_with_its_own_sides(tmp_path, case, role, other):
    argv = ["--as", role, f"scenario={case}", "--weeks", "3", "--record", str(tmp_path)]
    status, shown = play_here(*argv, "--no-figure", script=["r", "h", "c"])
    assert status == 0
    record = load(tmp_path / "game.json")
    assert record["humans"] == [role]
    assert [w["moves"][role] for w in record["timeline"]] == ["retaliate", "hold", "cooperate"]
    assert set(record["timeline"][0]["moves"]) == {role, other, "washington"}
    assert "US pressure" in shown and "(on Beijing alone)" in shown  # patron_presses
    debrief = load(tmp_path / "debrief.json")
    assert set(debrief["payoffs"]) == {role, other, "washington"}
    text = (tmp_path / "debrief.md").read_text()
    assert f"Your score ({role.title()})" in text
    assert "This case has no notice to give or keep" in text and "| outcome |" not in text
    # whose values the runs use, in years a student reads, not the fit's name alone
    assert "use the values fitted to 2018-2019 (the fit gsomia_2019)" in text
    assert f"{role.title()}'s brief: scenarios/{case}/briefs/{role}.md" in shown


def test_washington_names_whom_it_presses_in_each_case():
    """Where the patron presses Beijing alone, its moves and last week's line say so."""
    thaad = Game(default_config(["scenario=thaad_2016", "run.weeks=2"]), ["seoul", "washington"])
    options = thaad.options("washington")
    assert options["press"] == "Washington presses Beijing (pressure 1)"
    assert options["engage"] == "Washington engages Beijing (pressure 0.3)"
    thaad.submit("washington", "press")
    thaad.advance()
    assert thaad.timeline[0].described["washington"].startswith("Washington presses Beijing")
    assert "its allies" not in str(thaad.briefing("seoul"))
    gsomia = Game(default_config(["run.weeks=2"]), ["washington"])
    assert gsomia.options("washington")["press"] == "Washington presses its allies (pressure 1)"


def test_a_record_in_the_old_wording_replays_as_the_same_game(tmp_path, capsys):
    argv = ["--as", "washington", "scenario=thaad_2016", "--weeks", "2", "--record", str(tmp_path)]
    status, shown = play_here(*argv, "--no-figure", script=["p", "e"])
    assert status == 0
    assert "Washington presses Beijing" in shown and "its allies" not in shown
    record = load(tmp_path / "game.json")
    for week in record["timeline"]:  # as versions before this one wrote it
        week["described"]["washington"] = "Washington presses its allies (pressure 1)"
    (tmp_path / "old.json").write_text(json.dumps(record))
    status, again = play_here("--replay", str(tmp_path / "old.json"), "--no-figure")
    assert status == 0
    assert "the same timeline as recorded" in again
    assert "differs" not in capsys.readouterr().err


def test_a_role_the_case_does_not_have_is_refused_in_one_line(tmp_path):
    done = play("--as", "tokyo", "scenario=thaad_2016", "--record", str(tmp_path), script=[])
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: no such role tokyo in thaad_2016: roles are seoul, beijing, washington"
    ]


@pytest.mark.parametrize(("ending", "why"), [([], "the input ended"), (["q"], "you quit")])
def test_a_game_left_early_keeps_a_valid_partial_record(tmp_path, ending, why):
    argv = ["--as", "seoul", "--weeks", "12", "--record", str(tmp_path), "run.seed=3"]
    status, shown = play_here(*argv, "--no-figure", script=["r", "h", "r", *ending])
    assert status == 0
    assert f"Game left after 3 of 12 weeks ({why})" in shown
    record = load(tmp_path / "game.json")
    assert len(record["timeline"]) == 3
    assert record["outcome"] == load(tmp_path / "debrief.json")["outcome"]  # the weeks played
    assert [m["move"] for m in record["moves"]] == ["retaliate", "hold", "retaliate"]
    debrief = load(tmp_path / "debrief.json")  # the weeks played, beside 3-week model runs
    assert debrief["weeks_played"] == 3 and len(debrief["model_fan"]) == 3
    game = load_game(tmp_path / "game.json")
    assert [r.tension for r in game.timeline] == [w["tension"] for w in record["timeline"]]
    assert not game.finished


def test_too_many_weeks_name_the_option_the_player_typed(tmp_path, capsys):
    line = refused(capsys, "play", "--as", "seoul", "--weeks", "100", "--record", str(tmp_path))
    assert line.startswith("error: --weeks 100: run.weeks=100 is beyond the scenario's span")
    assert line.endswith("; give --weeks 62 or less")  # advised "lower run.weeks"
    assert not (tmp_path / "game.json").exists()


def test_bad_override_is_one_clear_error(tmp_path, capsys):
    line = refused(capsys, "play", "--as", "seoul", "--record", str(tmp_path), "us.pressure=3")
    assert line.startswith("error: us.pressure=3.0 is outside the allowed range")
    assert not (tmp_path / "game.json").exists()


def test_posterior_draws_are_refused_in_a_game(tmp_path, capsys):
    # A game is one run: run.posterior=true crashed it with a broadcasting traceback after its
    # header, and left a record of 0 weeks behind.
    line = refused(capsys, "play", "--as", "seoul", "--record", str(tmp_path), "run.posterior=true")
    assert line.startswith("error: run.posterior=true draws each model run's values")
    assert line.endswith("drop run.posterior (use it with escalation run or compare)")
    assert not (tmp_path / "game.json").exists()


def test_a_debrief_cut_short_leaves_no_files_that_look_whole(tmp_path, monkeypatch, finished_game):
    # Ctrl-C while the debrief was written left debrief.md pointing at a debrief.png never made.
    from sim.experiment import store
    from sim.play.debrief import debrief_paths
    from sim.play.terminal import show_debrief

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "write_figure", interrupted)  # after the JSON and the Markdown
    record, out = tmp_path / "game.json", io.StringIO()
    with pytest.raises(KeyboardInterrupt):
        show_debrief(finished_game, record, out)
    assert not any(path.exists() for path in debrief_paths(record).values())
    assert f"Write them with: escalation play --replay {record}" in out.getvalue()


def test_a_game_stopped_by_sigterm_says_where_its_record_is(tmp_path):
    # SIGTERM mid-game printed only "error: terminated" where Ctrl-C says how to replay.
    from sim.console import Terminated
    from sim.play.terminal import main as play_main

    answers = iter(["h"])

    def read(prompt: str) -> str:
        answer = next(answers, None)
        if answer is None:
            raise Terminated
        return answer

    out = io.StringIO()
    argv = ["--as", "seoul", "--weeks", "3", "--record", str(tmp_path)]
    assert play_main(argv, read=read, out=out) == 143
    assert "Game left after 1 of 3 weeks (terminated)" in out.getvalue()
    assert f"Replay it with: escalation play --replay {tmp_path / 'game.json'}" in out.getvalue()
    assert len(load(tmp_path / "game.json")["timeline"]) == 1


@pytest.mark.parametrize("setting", ["us.pressure=0.8", "us=constant", "+us.delay=2"])
def test_us_settings_are_refused_when_a_person_plays_washington(tmp_path, capsys, setting):
    """us.pressure=0.8 was taken and did nothing (press is pressure 1), as the README showed."""
    args = ("play", "--as", "washington", "--record", str(tmp_path), setting)
    line = refused(capsys, *args)
    assert line.startswith(f"error: {setting} sets the model's Washington, and a person plays")
    assert not (tmp_path / "game.json").exists()


@pytest.fixture(scope="module")
def finished_game():
    game = Game(default_config(["run.seed=3", "run.weeks=12", "run.replications=200"]), ["seoul"])
    for move in SEOUL_MOVES:
        game.submit("seoul", move)
        game.advance()
    return game


@pytest.mark.parametrize(
    ("value", "shown"),
    [(0.0, "[----------] 0.00"), (0.52, "[#####-----] 0.52"), (1.0, "[##########] 1.00")],
)
def test_gauge(value, shown):
    assert gauge(value) == shown


def test_ask_move_refuses_until_valid_and_stops_on_quit(default):
    game = Game(default, ["tokyo"])
    answers, out = iter(["maybe", "retaliate"]), io.StringIO()
    assert ask_move(game, "tokyo", lambda _: next(answers), out) == "retaliate"
    assert "refused: 'maybe' is not a move for tokyo" in out.getvalue()
    game.advance()
    assert ask_move(game, "tokyo", lambda _: "q", out) is None


def test_settings_are_taken_anywhere_on_the_line():
    line = "--as beijing scenario=thaad_2016 --weeks 4 run.seed=1 --no-figure payoffs=chicken"
    args = parse_args(line.split())
    assert args.roles == ["beijing"] and args.weeks == 4 and args.no_figure
    assert args.overrides == ["scenario=thaad_2016", "run.seed=1", "payoffs=chicken"]


def test_record_and_debrief_paths(tmp_path, monkeypatch):
    from sim.play import terminal

    # two games begun in the same second were given one folder, and one game was lost
    monkeypatch.setattr(terminal, "GAMES_DIR", tmp_path / "games")
    first, second = record_path(None), record_path(None)
    assert first != second and first.parent.is_dir() and second.parent.is_dir()
    assert record_path(str(tmp_path)) == tmp_path / "game.json"
    assert record_path(str(tmp_path / "a.json")) == tmp_path / "a.json"
    assert debrief_paths(tmp_path / "game.json")["png"] == tmp_path / "debrief.png"
    assert debrief_paths(tmp_path / "a.json")["md"] == tmp_path / "a_debrief.md"


def test_counts_take_the_singular_for_one_only():
    from sim.reports.text import cell_count, plural, week_count

    assert [week_count(n) for n in (0, 1, 2)] == ["0 weeks", "1 week", "2 weeks"]
    assert cell_count(1) == "1 cell" and cell_count(11) == "11 cells"
    assert plural(1, "parameter") == "1 parameter" and plural(6, "parameter") == "6 parameters"


def test_signed_numbers_never_read_minus_zero():
    assert signed(-0.001, 2) == "+0.00" and signed(-0.04) == "+0.0"
    assert signed(-0.006, 2) == "-0.01" and signed(0.25, 2) == "+0.25" and signed(3.21) == "+3.2"


def test_the_debrief_names_the_notice_by_the_scenario_and_counts_one_week(default):
    game = Game(default_config(["run.seed=3", "run.weeks=1"]), ["seoul"])
    game.advance()
    data = make_debrief_data(
        game.debrief(50), game.scenario, game.real, "seoul", pressure_cost=0.25
    )
    text = debrief_markdown(data)
    assert "the same 1 week:" in text and "1 weeks" not in text
    meanings = " ".join(data.outcome_meaning.values())
    assert "gsomia" not in meanings and "Seoul withdrew the GSOMIA notice" in meanings
    assert "Seoul never gave the GSOMIA notice" in meanings
    # a label with its article (the default "the agreement"): "never gave the the agreement"
    from sim.reports.labels import outcome_meanings

    words = " ".join(outcome_meanings("athens", 8, "the ferry pact").values())
    assert "Athens never gave the ferry pact notice" in words and "the the" not in words


@pytest.mark.parametrize(
    ("percentile", "ties", "said"),
    [
        (
            0.5,
            0.8,
            "higher than in 10.0% of the model's runs over the same weeks, the same as in "
            "80.0%, lower than in 10.0%.",
        ),
        (
            0.434,
            0.868,
            "higher than in 0.0% of the model's runs over the same weeks, the same as "
            "in 86.8%, lower than in 13.2%.",
        ),
        (0.25, 0.0, "higher than in 25.0% of the model's runs over the same weeks."),
    ],
)
def test_the_peak_tension_line_says_ties_apart(default, percentile, ties, said):
    """A peak most runs share reads as "the same as", not as a mid-rank "higher than 43%"."""
    game = Game(default, ["seoul"])
    game.advance()
    data = make_debrief_data(
        game.debrief(50), game.scenario, game.real, "seoul", pressure_cost=0.25
    )
    data = dataclasses.replace(data, peak_percentile=percentile, peak_ties=ties)
    assert f"Peak tension {data.peak_tension:.2f}: {said}" in debrief_markdown(data)


def test_the_debrief_says_what_the_real_case_did_to_its_measures_in_the_weeks_played(gsomia):
    """It showed the real line and one peak: students had to open the README for the story."""
    game = Game(default_config(["run.seed=3"]), ["seoul"])
    game.play_agents_to_end()
    data = make_debrief_data(
        game.debrief(50), game.scenario, game.real, "seoul", pressure_cost=0.25
    )
    steps = [(f"{date:%Y-%m-%d}", side, what) for date, side, what in data.real_steps]
    notice = "Seoul gives notice to end the GSOMIA intelligence-sharing pact with Japan"
    drills = "Seoul stages military drills around the Dokdo/Takeshima islets"
    august = [what for day, side, what in steps if day == "2019-08-19"]
    assert august == [notice, drills]  # the notice of 08-22 before the drills of 08-25
    assert ("2019-11-18", "seoul", "Seoul suspends its notice to end GSOMIA") in steps
    enacted = sum(bin(int(m)).count("1") for s in gsomia.sides for m in game.real.enacted[s])
    lifted = sum(bin(int(m)).count("1") for s in gsomia.sides for m in game.real.lifted[s])
    assert len(data.real_steps) == enacted + lifted
    assert [d for d, _, _ in data.real_steps] == sorted(d for d, _, _ in data.real_steps)
    # within a week in the order of the events: Tokyo's export controls (07-01) before the
    # boycott that answered them (07-05), which the sides' order had put first
    july = [side for date, side, _ in data.real_steps if f"{date:%Y-%m-%d}" == "2019-07-01"]
    assert july == ["tokyo", "seoul"]
    pressed = int((game.real.pressure > 0).sum())
    assert len(data.real_pressed) == pressed > 0
    text = debrief_markdown(data)
    assert f"## What really happened in these {data.weeks} weeks" in text
    assert "- Week of 2019-11-18 (Seoul): Seoul suspends its notice to end GSOMIA." in text
    assert f"- Washington engaged or pressed in {pressed} of these weeks, the first" in text
    quiet = debrief_markdown(dataclasses.replace(data, real_steps=(), real_pressed=()))
    assert "- No measure came into force or was lifted in the real case." in quiet
    assert "- Washington neither engaged nor pressed in these weeks." in quiet
    one = dataclasses.replace(data, played=data.played[:1], real_pressed=data.real_pressed[:1])
    text = debrief_markdown(one)  # it read "in these 1 week"
    assert "## What really happened in this week" in text
    assert "- Washington engaged or pressed that week." in text


def test_previews_in_the_terminal_never_show_minus_zero(default):
    game = Game(default, ["seoul"])
    text = format_options(game.options("seoul"), game.previews("seoul"))
    assert "-0.00" not in text and "+0.00" in text


def test_debrief_data_holds_the_game_beside_the_model_and_2019(finished_game):
    debrief = finished_game.debrief(200)
    data = make_debrief_data(
        debrief, finished_game.scenario, finished_game.real, "seoul", pressure_cost=0.25
    )
    assert data.weeks == 12 and data.who == "Seoul"
    np.testing.assert_array_equal(data.played, [r.tension for r in finished_game.timeline])
    fan = np.array(debrief.model_fan)
    np.testing.assert_array_equal(data.fan.median, fan[:, 2])
    np.testing.assert_array_equal(data.fan.band90[0], fan[:, 0])
    np.testing.assert_array_equal(data.fan.band90[1], fan[:, 4])
    np.testing.assert_allclose(data.fan.real, finished_game.real.tension[:12])
    above = int((data.played > fan[:, 4] + 1e-12).sum())
    assert data.weeks_above_90 == above
    assert data.outcome == "never_noticed"  # as test_game_reaches_the_debrief counts it
    assert len(finished_game.in_force("seoul")) == 4  # rulings, seizure, boycott, white list
    assert data.real_outcome == "noticed_then_kept"
    assert data.real_outcome_by_end == "never_noticed"  # 2019's notice came in week 42
    text = debrief_markdown(data)
    assert f"**{data.outcome.replace('_', ' ')}**" in text and "![" in text
    assert "Your score (Seoul)" in text
    figure = plot_debrief(data)
    assert isinstance(figure, Figure)
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert "this game (Seoul)" in labels and "real 2018-2019" in labels
    figure.clf()


@pytest.mark.parametrize(
    ("weeks", "outcome"), [(10, "never_noticed"), (43, "pending"), (62, "noticed_then_kept")]
)
def test_real_outcome_after_a_number_of_weeks(finished_game, weeks, outcome):
    assert real_outcome_after(finished_game.real, finished_game.scenario, weeks) == outcome


def test_top_level_help_lists_play():
    done = subprocess.run(
        [sys.executable, "-m", "sim", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0 and "play --as ROLE" in done.stdout


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (0.0, "0%"),
        (0.003, "0.3%"),
        (0.42, "42%"),
        (0.994, "99%"),
        (0.999, "99.9%"),
        (0.99996, "over 99.9%"),
        (1.0, "100%"),
    ],
)
def test_share_keeps_small_shares_and_the_last_bit_visible(value, shown):
    assert share(value) == shown


@pytest.mark.parametrize("handover", [True, False])
def test_several_players_get_a_cleared_screen_between_turns(handover):
    # Two players on one keyboard: Seoul's answer stayed on screen above Tokyo's prompt.
    from sim.play.terminal import CLEAR, compose, play_weeks

    game = Game(compose(["run.seed=1"], 1), ["seoul", "tokyo"])
    answers = iter(["", "", "h", "", "r"] if handover else ["h", "r"])
    prompts: list[str] = []
    out = io.StringIO()

    def read(prompt: str) -> str:
        prompts.append(prompt)
        cleared.append(out.getvalue().count(CLEAR))
        return next(answers)

    cleared: list[int] = []
    assert play_weeks(game, read, out, lambda: None, handover=handover) == "finished"
    assert game.timeline[0].moves["tokyo"] == "retaliate"
    if handover:
        # the header (briefs, the record's place) stays until the players say they read it
        assert prompts[0].startswith("Read the above") and cleared[0] == 0
        assert prompts[1].startswith("Pass the keyboard to Seoul")
        assert prompts[3].startswith("Pass the keyboard to Tokyo")
        assert out.getvalue().count(CLEAR) == 4  # before and after each hand-over
    else:
        assert CLEAR not in out.getvalue() and len(prompts) == 2


def test_the_live_chart_draws_the_last_week_played_as_a_line():
    # The last week played was a lone dot on the live chart and a line on the debrief's.
    import datetime as dt

    from sim.figures.classroom import TensionChartData, plot_tension_chart

    dates = [dt.date(2019, 1, 7) + dt.timedelta(weeks=w) for w in range(6)]
    data = TensionChartData(
        dates, [0.1, 0.3, 0.3], [0.1, 0.2, 0.4], [], (dates[3], 0.3), "2018-2019"
    )
    ax = plot_tension_chart(data).axes[0]
    game, real = ax.lines[0], ax.lines[1]
    assert list(game.get_xdata())[-1] == dates[3] and list(game.get_ydata())[-1] == 0.3
    assert list(real.get_xdata())[-1] == dates[3] and list(real.get_ydata())[-1] == 0.4
    assert game.get_markevery() == [0, 1, 2]  # the dots stay on the weeks played


def test_chart_labels_clear_the_legend_and_every_date_names_its_year():
    # the live chart's E1 sat under the legend; its ticks read "Nov 15 Dec 15 Jan" with
    # "2019-Jan" in the corner under a game of October to December
    import datetime as dt
    import re

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from sim.figures.classroom import TensionChartData, plot_tension_chart

    dates = [dt.date(2018, 10, 29) + dt.timedelta(weeks=w) for w in range(10)]
    data = TensionChartData(
        dates, [0.1, 0.3], None, [dates[0], dates[1]], (dates[2], 0.3), "2018-2019"
    )
    figure = plot_tension_chart(data)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()  # lays the figure out, as the PNG does
    renderer, ax = canvas.get_renderer(), figure.axes[0]
    legend = ax.get_legend().get_window_extent(renderer)
    labels = [t for t in ax.texts if t.get_text().startswith("E")]
    assert len(labels) == 2
    assert not any(t.get_window_extent(renderer).overlaps(legend) for t in labels)
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(re.search(r"\d\d [A-Z][a-z]{2}\n201[89]$", t) for t in ticks), ticks
    assert ax.xaxis.get_offset_text().get_text() == ""


@pytest.fixture(scope="module")
def short_game(tmp_path_factory):
    """A two-week game of Seoul's (no figure): its folder, record and debrief."""
    folder = tmp_path_factory.mktemp("short")
    status, _ = play_here(
        "--as", "seoul", "--weeks", "2", "--record", str(folder), "--no-figure", script=["r", "c"]
    )
    assert status == 0
    return folder


def test_a_record_is_never_written_over(short_game, capsys):
    # Retyping a classmate's command, even one stopped at once, used to replace their game.
    kept = {p.name: p.read_bytes() for p in short_game.iterdir()}
    record = short_game / "game.json"
    expected = (
        f"error: {record} already exists; a game is never written over: give --record a new "
        "file or folder (or remove that one first)"
    )
    for target in (short_game, record):
        assert refused(capsys, "play", "--as", "tokyo", "--record", str(target)) == expected
    assert refused(capsys, "play", "--replay", str(record), "--record", str(record)) == expected
    assert {p.name: p.read_bytes() for p in short_game.iterdir()} == kept
    # a file that is no record is not called one ("already holds a game record")
    (short_game / "notes.json").write_text('{"mine": 1}')
    line = refused(capsys, "play", "--as", "tokyo", "--record", str(short_game / "notes.json"))
    assert line.startswith(f"error: {short_game / 'notes.json'} already exists; ")
    (short_game / "notes.json").unlink()


def test_a_record_folder_replays_its_game_json(short_game, tmp_path):
    # The folder --record was given could not be replayed: "Is a directory".
    status, shown = play_here("--replay", str(short_game), "--record", str(tmp_path), "--no-figure")
    assert status == 0 and "the same timeline as recorded" in shown


def edited(record: dict, how: str) -> object:
    """The record ``record`` after one hand edit, named ``how``."""
    if how == "a list":
        return []
    data = json.loads(json.dumps(record))
    seoul = [m for m in data["moves"] if m["actor"] == "seoul"]
    if how == "a move deleted":
        data["moves"].remove(seoul[1])
    elif how == "a move twice":
        data["moves"].append(dict(seoul[1]))
    elif how == "a week beyond the game":
        seoul[0]["week"] = 50
    elif how == "a week as text":
        seoul[0]["week"] = "0"
    elif how == "moves as text":
        data["moves"] = "x"
    elif how == "no timeline":
        data["timeline"] = None
    elif how == "a seed as text":
        data["seed"] = "abc"
    elif how == "another move":
        seoul[0]["move"] = "cooperate" if seoul[0]["move"] != "cooperate" else "hold"
    elif how == "pressure out of range":
        data["config"]["us"]["pressure"] = 7.0
    elif how == "another move, no version":  # passed with a warning naming "version unknown"
        seoul[0]["move"] = "cooperate" if seoul[0]["move"] != "cooperate" else "hold"
        del data["version"]
    elif how == "no version":  # replayed, where the instructor guide says it is refused
        del data["version"]
    elif how == "a move after the last week":  # replayed, the move never reached
        data["moves"].append(dict(seoul[1], week=2))
    elif how == "another outcome":  # was accepted without a word
        data["outcome"] = "terminated" if data["outcome"] != "terminated" else "never_noticed"
    elif how == "an injection beyond the game":  # was replayed, the event never reached
        data["injections"] = [dict(week=50, actor="tokyo", direction="escalate", text="x")]
    elif how == "an injection's text not text":
        data["injections"] = [dict(week=1, actor="tokyo", direction="escalate", text=3)]
    elif how == "a role the game lacks":
        data["humans"] = ["pyongyang"]
        for move in data["moves"]:
            move["actor"] = "pyongyang"
    return data


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("a list", "is not a whole game record: it holds a JSON list, not a game record's object"),
        ("a move deleted", "no move of seoul in week 2 of the 2 played (the record's week 1): it"),
        ("a move twice", "2 moves of seoul in week 2 of the 2 played (the record's week 1): it"),
        ("a week beyond the game", "moves[0]: 'week' must be a whole number from 0 to 2"),
        ("a week as text", "moves[0]: 'week' must be a whole number from 0 to 2"),
        ("moves as text", "is not a whole game record: 'moves' must be a list of objects"),
        ("no timeline", "is not a whole game record: 'timeline' must be a list of objects"),
        ("a seed as text", "'seed' must be a whole number of at least 0"),
        ("another move", "its moves give another game than its timeline from week 1: the file "),
        ("another move, no version", "is not a whole game record: it has no 'version'"),
        ("no version", "is not a whole game record: it has no 'version'"),
        (
            "a move after the last week",
            "is not a whole game record: moves[2] is for week 2, after the game's last (week 1)",
        ),
        ("another outcome", "its moves give another game than its outcome: the file was edited"),
        (
            "an injection beyond the game",
            "injections[0]: 'week' must be a whole number from 0 to 2",
        ),
        ("an injection's text not text", "injections[0]: 'text' must be text"),
        (  # blamed the moves: "moves[0]: 'actor' must be one of ['pyongyang']"
            "a role the game lacks",
            "'humans' names pyongyang, no role of this game (its roles: seoul, tokyo, washington)",
        ),
        (
            "pressure out of range",
            "in the record's configuration, us.pressure=7.0 is outside the allowed range "
            "[0.0, 1.0]; a record replays as it was saved: put the value back in the file",
        ),
    ],
)
def test_a_cut_or_edited_record_is_refused_and_its_debrief_kept(
    short_game, tmp_path, capsys, how, says
):
    # These replayed with holds the players never chose, or failed with Python's own words.
    record = tmp_path / "game.json"
    record.write_text(json.dumps(edited(load(short_game / "game.json"), how)))
    (tmp_path / "debrief.md").write_text("the debrief of the game as played")
    line = refused(capsys, "play", "--replay", str(record))
    assert line.startswith(f"error: {record}") and says in line
    assert "command line" not in line
    assert (tmp_path / "debrief.md").read_text() == "the debrief of the game as played"


def test_another_versions_record_that_differs_replays_with_both_versions_named(
    short_game, tmp_path, capsys
):
    data = edited(load(short_game / "game.json"), "another move")
    data["version"] = "0.0.1"
    (tmp_path / "game.json").write_text(json.dumps(data))
    (tmp_path / "debrief.png").write_bytes(b"the figure of the game as first replayed")
    status, shown = play_here("--replay", str(tmp_path / "game.json"), "--no-figure")
    assert status == 0
    assert not (tmp_path / "debrief.png").exists()  # the new debrief.md does not show it
    assert capsys.readouterr().err.strip() == (
        "warning: the replay differs from the record (its timeline from week 1): the record "
        "was made by version 0.0.1 of escalation-sim, this is "
        f"{load(short_game / 'game.json')['version']}"
    )
    assert "the same timeline" not in shown and (tmp_path / "debrief.md").is_file()


def test_a_replay_names_its_outcome_in_words_and_roles_take_any_case(short_game, tmp_path):
    status, shown = play_here("--replay", str(short_game / "game.json"), "--no-figure")
    outcome = next(line for line in shown.splitlines() if line.startswith("Outcome: "))
    assert status == 0 and "_" not in outcome
    assert outcome == f"Outcome: {load(short_game / 'game.json')['outcome'].replace('_', ' ')}"
    status, _ = play_here(
        "--as", "Seoul", "--weeks", "1", "--record", str(tmp_path), "--no-figure", script=["h"]
    )
    assert status == 0 and load(tmp_path / "game.json")["humans"] == ["seoul"]


def test_a_malformed_events_file_is_refused_before_the_first_week(tmp_path, capsys):
    # The whole game was played, then the debrief failed on the file with no debrief written.
    import shutil

    folder = tmp_path / "gsomia_2019"  # a scenario's name is its folder's
    shutil.copytree(ROOT / "scenarios" / "gsomia_2019", folder)
    events = folder / "events.csv"
    events.write_text(events.read_text().replace("2018-11-21,seoul", "2019-02-30,seoul", 1))
    argv = ["play", "--as", "seoul", "--weeks", "2", "--record", str(tmp_path / "rec")]
    line = refused(capsys, *argv, f"scenario.name={folder}")
    assert line == f"error: {events}, line 4: date '2019-02-30' is not valid (expected YYYY-MM-DD)"
    assert not (tmp_path / "rec").exists()


def test_the_header_names_the_agents_rules_in_words(default, tmp_path):
    from sim.play.transcript import format_header

    header = format_header(Game(default, ["seoul"]), tmp_path / "game.json")
    assert "agents play Tokyo (fictitious play) and Washington (reactive policy)" in header
    # and with which values: a fit of one's own was played without a word of it
    assert "(seed 2019, the values fitted to 2018-2019 (the fit gsomia_2019))." in header
    hand_set = dataclasses.replace(default, fit="none")
    assert "(seed 2019, the hand-set values)." in format_header(Game(hand_set, ["seoul"]), tmp_path)


def test_a_replay_after_the_case_changed_blames_the_case_not_the_record(tmp_path, capsys):
    # after an intensity in the case's scenario.yaml changed, the untouched record was refused
    # as "edited after the game"
    case = tmp_path / "thaad_2016"
    shutil.copytree(Path("scenarios/thaad_2016"), case)
    record = tmp_path / "game"
    status, _ = play_here(
        "--as",
        "beijing",
        "--weeks",
        "3",
        f"scenario.name={case}",
        "--record",
        str(record),
        "--no-figure",
        script=["r", "r", "r"],
    )
    assert status == 0 and "case" in load(record / "game.json")
    yaml_file = case / "scenario.yaml"
    yaml_file.write_text(yaml_file.read_text().replace("intensity: 0.2\n", "intensity: 0.22\n", 1))
    line = refused(capsys, "play", "--replay", str(record / "game.json"), "--no-figure")
    said = (
        f"error: {record / 'game.json'}: the case {case} has changed since the game was played "
        "(its scenario.yaml, events file or classroom.yaml differ), so the same moves give "
        "another game; replay it with the case as it was"
    )
    assert line == said
    # classroom.yaml too: Washington's pressure cost is in the game's scores
    yaml_file.write_text(yaml_file.read_text().replace("intensity: 0.22\n", "intensity: 0.2\n", 1))
    status, _ = play_here(
        "--as",
        "washington",
        "--weeks",
        "2",
        f"scenario.name={case}",
        "--record",
        str(tmp_path / "us"),
        "--no-figure",
        script=["p", "p"],
    )
    assert status == 0
    (case / "classroom.yaml").write_text("washington_score:\n  pressure_cost: 0.9\n")
    from sim.play.materials import load_materials

    load_materials.cache_clear()  # read once a process; a replay is a process of its own
    line = refused(capsys, "play", "--replay", str(tmp_path / "us" / "game.json"), "--no-figure")
    assert line == said.replace(str(record), str(tmp_path / "us"))


def test_a_case_with_another_patron_is_refused_with_what_to_do(tmp_path):
    # the refusal said only to use run or compare, while the docs gave every case's roles
    case = renamed_case(tmp_path, {"washington": "brussels"})
    config = default_config([f"scenario.name={case}", "run.progress=false"])
    with pytest.raises(GameError) as refused:
        Game(config, ["seoul"])
    assert str(refused.value) == (
        "the game plays only a patron named washington; scenario gsomia_2019 has brussels: use "
        "`escalation run` or `compare` for this case, or name its patron washington in its "
        "scenario.yaml to play it"
    )
