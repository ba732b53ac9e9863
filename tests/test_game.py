"""The game in-process: what each week does, the payoff preview, the notice clock, record/replay."""

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.experiment.config import default_config
from sim.play.game import Game, GameError
from sim.play.preview import TERMS
from sim.play.record import record, replay
from sim.reports.game_results import NoticeClock

# (Seoul's move, Tokyo's move): how many measures each side has in force after the week. A
# person's retaliation enacts the mildest measure not yet in force; a cooperation lifts the
# last reversible one (Seoul's first three measures cannot be lifted: cooperating from them is
# a gesture).
WEEKS = [
    (("retaliate", "hold"), {"seoul": 1, "tokyo": 0}),
    (("retaliate", "retaliate"), {"seoul": 2, "tokyo": 1}),
    (("cooperate", "cooperate"), {"seoul": 2, "tokyo": 0}),
    (("hold", "retaliate"), {"seoul": 2, "tokyo": 1}),
    (("retaliate", "hold"), {"seoul": 3, "tokyo": 1}),
]


@pytest.fixture(scope="module")
def config():
    return default_config(["run.seed=5", "run.weeks=8", "run.replications=100"])


@pytest.fixture
def duo(config):
    return Game(config, ["seoul", "tokyo"])


def test_each_week_does_what_both_people_chose(duo):
    for week, ((seoul, tokyo), rungs) in enumerate(WEEKS):
        assert duo.week == week
        duo.submit("seoul", seoul)
        duo.submit("tokyo", tokyo)
        assert duo.ready
        report = duo.advance()
        assert report.moves["seoul"] == seoul and report.moves["tokyo"] == tokyo
        assert {a: len(duo.in_force(a)) for a in rungs} == rungs
    described = duo.timeline[0].described["seoul"]
    assert described == duo.scenario.measures["seoul"].measures[0].name


def test_a_missing_move_is_a_hold_and_marked_as_default(duo):
    duo.advance()
    assert duo.timeline[0].moves == {**duo.timeline[0].moves, "seoul": "hold", "tokyo": "hold"}
    assert [m.get("default") for m in duo.moves_log] == [True, True]


@pytest.mark.parametrize(
    ("actor", "choice", "reason"),
    [
        ("washington", "press", "played by the model"),
        ("seoul", "surrender", "not a move for seoul"),
        ("beijing", "hold", "played by the model"),
    ],
)
def test_refusals(duo, actor, choice, reason):
    with pytest.raises(GameError if reason == "played by the model" else ValueError, match=reason):
        duo.submit(actor, choice)


def test_a_second_move_in_a_week_is_refused(duo):
    duo.submit("seoul", "r")
    with pytest.raises(GameError, match="already moved"):
        duo.submit("seoul", "h")


def test_the_payoff_preview_is_the_models_own_payoff_by_term(duo):
    """Terms add up to the total, and the total is what the week then pays."""
    previews = {p.move: p for p in duo.previews("seoul")}
    assert set(previews) == {"cooperate", "hold", "retaliate"}
    for preview in previews.values():
        assert set(preview.terms) == set(TERMS)
        assert sum(preview.terms.values()) == pytest.approx(preview.total)
        assert preview.low <= preview.total <= preview.high
    # the audience rewards the intensity a retaliation is expected to bring into force
    outlook = duo.model.capitals["seoul"].outlook
    gain = outlook.intensity[0, 2] - outlook.intensity[0, 1]
    audience = duo.config.payoffs.audience.seoul
    assert previews["retaliate"].terms["audience"] == pytest.approx(audience * gain)
    assert previews["hold"].terms["audience"] == 0.0
    duo.submit("seoul", "retaliate")
    duo.submit("tokyo", "hold")
    report = duo.advance()
    # the preview feels the pressure the week will feel: it is what the week then pays
    assert report.payoffs["seoul"] == pytest.approx(previews["retaliate"].total)


def test_washington_scores_calm_allies_and_cheap_pressure(config):
    game = Game(config, ["washington"])
    game.submit("washington", "press")
    report = game.advance()
    expected = 1.0 - report.tension - game.materials.pressure_cost * 1.0
    assert report.payoffs["washington"] == pytest.approx(expected)
    assert game.total_score("washington") == pytest.approx(expected)


def test_the_notice_clock_counts_down_once_notice_is_given(config):
    game = Game(config, ["seoul"])
    rule = game.scenario.notice
    steps = game.scenario.measures["seoul"].index(rule.measure) + 1
    for _ in range(steps):  # Seoul's measures in order, up to the notice
        game.inject("seoul", "escalate", "step")
    # the week's end counts the notice as given this week: the clock shows it from now on
    assert game.notice_clock() == NoticeClock(rule.actor, rule.label, 0, rule.lapse_weeks)
    for week, left in enumerate([rule.lapse_weeks, rule.lapse_weeks - 1]):
        game.submit("seoul", "hold")
        game.advance()
        clock = game.notice_clock()
        assert clock is not None and clock.actor == rule.actor and clock.given_week == 0
        assert clock.weeks_left == left, week
    game.submit("seoul", "cooperate")  # withdraw the notice
    game.advance()
    assert game.notice_clock() is None and game.outcome() == "noticed_then_kept"


def test_an_injection_changes_measures_and_is_replayed(config):
    game = Game(config, ["seoul"])
    game.inject("tokyo", "escalate", "Tokyo hardens", at="2026-01-05T09:00:00+00:00")
    assert len(game.in_force("tokyo")) == 1
    game.submit("seoul", "h")
    game.advance()
    assert game.timeline[0].injected == ["Tokyo hardens"]
    again = replay(record(game))
    assert [r.moves for r in again.timeline] == [r.moves for r in game.timeline]
    assert again.injections == game.injections
    assert again.injections[0]["time"] == "2026-01-05T09:00:00+00:00"  # kept, not the replay's


def test_an_event_that_names_a_measure_moves_that_one_or_is_refused(config):
    # A ready-made event's text names a measure; it moved the side's next step instead.
    game = Game(config, ["seoul"])
    whitelist = game.scenario.measures["tokyo"].measures[3]
    assert whitelist.id == "whitelist_removal"
    game.inject("tokyo", "escalate", "Korea leaves the white list", measure="whitelist_removal")
    assert game.in_force("tokyo") == [whitelist.name]
    with pytest.raises(GameError, match="already in force, so the event would change nothing"):
        game.inject("tokyo", "escalate", "again", measure="whitelist_removal")
    with pytest.raises(
        GameError, match="it lifts is not in force, so the event would change nothing"
    ):
        game.inject("tokyo", "deescalate", "licences", measure="export_controls")
    with pytest.raises(GameError, match="cannot be lifted"):
        game.inject("seoul", "escalate", "rulings", measure="court_rulings")
        game.inject("seoul", "deescalate", "undo", measure="court_rulings")
    with pytest.raises(GameError, match="tokyo has no measure 'embargo'"):
        game.inject("tokyo", "escalate", "embargo", measure="embargo")
    game.submit("seoul", "h")
    game.advance()
    again = replay(record(game))  # the record keeps the measure, and the replay moves it
    assert again.injections == game.injections
    assert again.injections[0]["measure"] == "whitelist_removal"
    assert [r.tension for r in again.timeline] == [r.tension for r in game.timeline]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.sampled_from(["c", "h", "r", None]), min_size=1, max_size=8))
def test_replay_gives_the_same_game(config, moves):
    game = Game(config, ["seoul"])
    for move in moves:
        if move is not None:
            game.submit("seoul", move)
        game.advance()
    again = replay(record(game))
    assert [r.tension for r in again.timeline] == [r.tension for r in game.timeline]
    assert again.outcome() == game.outcome()
    assert again.total_score("seoul") == game.total_score("seoul")
    # every move with the time it was made, the default holds' too (stamped at the replay)
    assert again.moves_log == game.moves_log


def test_the_debrief_covers_exactly_the_weeks_played(config):
    game = Game(config, ["washington"])
    for choice in ("press", "engage", "abstain", "press"):
        game.submit("washington", choice)
        game.advance()
    debrief = game.debrief(200)
    assert debrief.weeks_played == 4 and len(debrief.model_fan) == 4
    assert len(debrief.tension) == len(debrief.dates) == len(debrief.real_tension) == 4
    assert sum(debrief.model_outcome_shares.values()) == pytest.approx(1.0)
    assert debrief.real_outcome_by_end == "never_noticed"  # 2019's notice came in week 42
    assert 0.0 <= debrief.peak_tension_percentile <= 1.0
    assert debrief.payoffs["washington"] == pytest.approx(game.total_score("washington"))
    # the model's Washington over the same 4 weeks scores about as much: not 62 weeks' worth
    assert abs(debrief.model_median_payoffs["washington"]) < 4.0 + 1e-9


def midrank(values: np.ndarray, x: float) -> float:
    """The share of ``values`` below ``x`` plus half the share equal to it, by hand."""
    return ((values < x).sum() + 0.5 * (values == x).sum()) / values.size


def test_the_debriefs_numbers_are_those_of_the_models_runs(config):
    """Percentiles, medians and the outcome's share, from the model's own runs by hand."""
    from sim.core.metrics import replication_table
    from sim.experiment.factory import build_model

    game = Game(config, ["seoul"])
    for _ in range(3):
        game.submit("seoul", "r")
        game.advance()
    debrief = game.debrief(300)
    assert debrief == game.debrief(300)  # same seed, same numbers
    model = build_model(
        game.config, game.scenario, replications=300, weeks=3, keep_trajectories=True, rng=game.seed
    ).run()
    runs = model.recorder
    peak = max(week.tension for week in game.timeline)
    assert debrief.peak_tension_percentile == midrank(runs.tension.max(axis=0), peak)
    assert debrief.peak_tension_ties == np.mean(runs.tension.max(axis=0) == peak)
    seoul = runs.payoff["seoul"].sum(axis=0)
    assert debrief.model_median_payoffs["seoul"] == pytest.approx(np.median(seoul))
    own = game.total_score("seoul")
    assert debrief.payoff_percentiles["seoul"] == midrank(seoul, own)
    cost = game.materials.pressure_cost  # Washington's week: 1 - tension - cost * pressure
    washington = (1.0 - runs.tension - cost * runs.pressure).sum(axis=0)
    assert debrief.model_median_payoffs["washington"] == pytest.approx(np.median(washington))
    outcomes = replication_table(model)["outcome"].astype(str)
    assert debrief.outcome_share_in_model == (outcomes == game.outcome()).mean()
    assert debrief.model_outcome_shares["terminated"] == (outcomes == "terminated").mean()


def test_nothing_played_gives_an_empty_debrief(config):
    debrief = Game(config, ["seoul"]).debrief(50)
    assert debrief.weeks_played == 0 and debrief.model_fan == []


def test_the_game_and_the_terminal_load_neither_matplotlib_nor_the_cli():
    import subprocess
    import sys

    code = (
        "import sys, sim.play.game, sim.play.record, sim.play.terminal; "
        "bad = [m for m in ('matplotlib', 'sim.cli') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("case", "roles"),
    [
        ("gsomia_2019", ("seoul", "tokyo", "washington")),
        ("thaad_2016", ("seoul", "beijing", "washington")),
        ("senkaku_2010", ("tokyo", "beijing", "washington")),
    ],
)
def test_a_class_plays_every_case_with_its_own_roles(case, roles):
    # A class could play only 2019: the other cases' sides were refused as roles.
    from sim.play.settings import RoomError, RoomSettings, case_roles, scenario_names

    assert case in scenario_names() and case_roles(case) == roles
    every = RoomSettings(scenario=case).validated()  # no roles given: every role of the case
    assert every.humans == roles
    assert (
        RoomSettings(humans=tuple(reversed(roles[:2])), scenario=case).validated().humans
        == (roles[:2])
    )  # in the case's order
    stranger = next(r for r in ("seoul", "tokyo", "beijing") if r not in roles)
    listed = ", ".join(roles)
    with pytest.raises(RoomError, match=f"no such role {stranger} in {case}: roles are {listed}$"):
        RoomSettings(humans=(roles[0], stranger), scenario=case).validated()


def test_the_game_takes_the_case_s_sides_as_roles():
    game = Game(default_config(["scenario=thaad_2016", "run.replications=1"]), {"beijing"})
    assert game.roles == ("seoul", "beijing", "washington") and game.humans == ("beijing",)


def test_in_a_case_where_the_patron_presses_beijing_the_ally_previews_no_pressure():
    game = Game(
        default_config(["scenario=thaad_2016", "run.replications=1"]), {"seoul", "washington"}
    )
    game.submit("washington", "press")
    game.submit("seoul", "hold")
    game.advance()  # Washington pressed in week 0: felt in week 1
    # The ally has no pressure term at all (the guide says so; it showed "pressure +0.00"), and
    # neither side a deadline term: no notice can be given in this case.
    assert all(list(p.terms) == list(TERMS[:4]) for p in game.previews("seoul"))
    previews = game.previews("beijing")
    assert all(list(p.terms) == list(TERMS[:5]) for p in previews)
    for p in previews:  # the terms add up to what the move pays
        assert sum(p.terms.values()) == pytest.approx(p.total)
    beijing = {p.move: p.terms["pressure"] for p in previews}
    assert beijing["retaliate"] < 0 < beijing["cooperate"]  # the pressure reaches Beijing


def test_the_notices_deadline_is_a_term_of_its_own_in_the_preview(config):
    # It was folded into the stage game's term ("stage +7.03"), which the brief lists apart.
    game = Game(config, ["seoul"])
    game.inject("seoul", "escalate", "Seoul gives notice", measure="gsomia_notice")
    for _ in range(5):
        game.submit("seoul", "hold")
        game.advance()
    previews = {p.move: p for p in game.previews("seoul")}
    assert list(previews["hold"].terms) == list(TERMS)
    assert previews["cooperate"].terms["deadline"] > 0 == previews["hold"].terms["deadline"]
    for p in previews.values():
        assert sum(p.terms.values()) == pytest.approx(p.total)
    fresh = Game(config, ["seoul"])
    stage = {p.move: p.terms["stage"] for p in fresh.previews("seoul")}
    assert {m: p.terms["stage"] for m, p in previews.items()} == stage  # the 2x2 game alone


def test_an_injected_notice_shows_its_clock_at_once_and_the_week_keeps_it(config):
    """The countdown appeared only after the week was played; it now runs from the injection,
    with the weeks the week's end then counts."""
    game = Game(config, ["seoul"])
    game.advance()
    assert game.notice_clock() is None
    game.inject("seoul", "escalate", "Seoul gives notice", measure="gsomia_notice")
    lapse = game.scenario.notice.lapse_weeks
    injected = game.notice_clock()
    assert injected is not None and (injected.given_week, injected.weeks_left) == (1, lapse)
    game.advance()
    assert game.notice_clock() == injected  # the week's end counts it the same way
    game.advance()
    assert game.notice_clock().weeks_left == lapse - 1


@pytest.mark.parametrize(("week", "asked"), [(0, True), (2, False)])
def test_the_prompt_about_injected_events_needs_one_in_the_weeks_played(config, week, asked):
    """An event injected in the week the game was ended is not on the chart, nor asked about."""
    from sim.play.debrief import debrief_data

    game = Game(config, ["seoul"])
    for _ in range(week):
        game.advance()
    game.inject("tokyo", "escalate", "Tokyo hardens")
    for _ in range(2 - week):
        game.advance()
    data = debrief_data(game, game.debrief(20), "seoul")
    assert any("injected events" in p for p in data.prompts) is asked
    assert len(data.injected) == int(asked)


def test_a_saved_record_keeps_every_digit_of_its_config(tmp_path):
    """A replay recomputes the game from the record's config: it is written bit for bit,
    not with the tidied floats of the result files."""
    from sim.experiment.config import default_config
    from sim.play.record import load, save

    config = default_config(["seoul.noise=0.12345678901234567", "us.pressure=0.30000000000000004"])
    game = Game(config, ["seoul"])
    game.advance()
    again = load(save(game, tmp_path / "game.json"))
    assert again.config.model_params.seoul.noise == 0.12345678901234567
    assert again.config.us.pressure == 0.30000000000000004


def test_two_events_of_one_week_share_one_label_on_both_charts(config):
    # The live chart and the debrief drew E2 over E1 when two events fell in one week.
    from sim.figures.classroom import event_labels
    from sim.figures.debrief import plot_debrief
    from sim.play.debrief import debrief_data

    monday, next_monday = dt.date(2019, 1, 7), dt.date(2019, 1, 14)
    assert event_labels([monday, monday, next_monday]) == {monday: "E1, E2", next_monday: "E3"}
    game = Game(config, ["seoul"])
    game.inject("tokyo", "escalate", "Tokyo hardens")
    game.inject("seoul", "escalate", "Seoul answers")
    for _ in range(3):
        game.advance()
    data = debrief_data(game, game.debrief(50), "seoul")
    assert data is not None
    labels = [t.get_text() for t in plot_debrief(data).axes[0].texts if t.get_text()[:1] == "E"]
    assert labels == ["E1, E2"]


def test_event_labels_of_neighbouring_weeks_take_separate_rows_on_the_live_chart():
    # In a 78-week case "E1, E2" in week 1 and "E3" in week 2 were drawn on one line, E3 over
    # ", E2"; labels far apart share the first row.
    from types import SimpleNamespace

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.transforms import Bbox

    from sim.figures.classroom import label_rows, make_tension_chart_data, plot_tension_chart

    assert label_rows([7.0, 14.0, 70.0], ["E1, E2", "E3", "E4"], 1.0) == [0, 1, 0]
    assert label_rows([7.0, 14.0], ["E1", "E2"], 50.0) == [0, 0]  # room enough on one line
    start = dt.date(2016, 7, 4)
    status = SimpleNamespace(
        dates=[(start + dt.timedelta(weeks=w)).isoformat() for w in range(78)],
        timeline=[SimpleNamespace(tension=0.1)] * 3,
        real_tension=None,
        injections=[SimpleNamespace(week=w) for w in (1, 1, 2)],
        ended=False,
        week=3,
        tension=0.1,
        years="2016-2017",
    )
    figure = plot_tension_chart(make_tension_chart_data(status, show_real=False))
    FigureCanvasAgg(figure).draw()
    boxes = [t.get_window_extent() for t in figure.axes[0].texts]
    assert [t.get_text() for t in figure.axes[0].texts] == ["E1, E2", "E3"]
    assert not Bbox.intersection(*boxes), boxes


def test_the_debrief_chart_ticks_the_mondays_its_steps_change_on(config):
    # Matplotlib put a tick every four days, so no step met a tick; a median at 0 hid under
    # the axis, and the E1 label sat on the bands.
    import matplotlib.dates as mdates

    from sim.figures.debrief import plot_debrief
    from sim.play.debrief import debrief_data

    game = Game(config, ["seoul"])
    game.inject("tokyo", "escalate", "Tokyo hardens")
    for _ in range(5):
        game.advance()
    data = debrief_data(game, game.debrief(50), "seoul")
    assert data is not None
    figure = plot_debrief(data)
    ax = figure.axes[0]
    figure.canvas.draw()
    ticks = [mdates.num2date(t) for t in ax.get_xticks()]
    assert ticks and all(t.weekday() == 0 for t in ticks)  # Mondays, when weeks begin
    assert ax.get_ylim()[0] < 0
    [label] = [t for t in ax.texts if t.get_text() == "E1"]
    assert label.get_bbox_patch() is not None
    # the bands, the median and 2019 ran one week past the game's line (held twice)
    ends = {
        line.get_label(): mdates.date2num(line.get_xdata()[-1])
        for line in ax.get_lines()
        if len(line.get_xdata())  # the legend's stand-ins have none
    }
    assert ends["this game (Seoul)"] == ends["simulated median"] == ends["real 2018"]
    assert mdates.num2date(ends["simulated median"]).date() == game.scenario.week_start(5)


def test_a_case_without_a_notice_names_no_outcome_and_still_prompts():
    # THAAD's debrief chart said "your game: never noticed, as in 100% of the model's runs",
    # and its debrief had no prompt to discuss (the case has no classroom.yaml).
    from sim.figures.debrief import plot_debrief
    from sim.play.debrief import debrief_data, debrief_text
    from sim.reports.labels import NO_NOTICE, outcome_words

    game = Game(default_config(["scenario=thaad_2016", "run.weeks=3"]), ["beijing"])
    for _ in range(3):
        game.advance()
    data = debrief_data(game, game.debrief(30), "beijing")
    assert data is not None
    title = plot_debrief(data).axes[0].get_title()
    assert "never noticed" not in title and NO_NOTICE in title
    assert any("90% band, if it does" in p for p in data.prompts)
    # it sent the reader to "Washington's role brief" for the pressure cost; THAAD has none
    text = debrief_text(data)
    assert "role brief" not in text and "less 0.25 times its pressure" in text
    assert outcome_words(game.outcome(), False) == f"none ({NO_NOTICE})"
    assert outcome_words("noticed_then_kept", True) == "noticed then kept"


@pytest.mark.parametrize(("weeks", "span"), [(1, "the week of 2018-10-29"), (3, "the weeks of")])
def test_the_debrief_names_the_weeks_played(config, weeks, span):
    # one week read "Weeks played: 1 (2018-10-29 to 2018-10-29)"
    from sim.play.debrief import debrief_data, debrief_text

    game = Game(config, ["seoul"])
    for _ in range(weeks):
        game.advance()
    text = debrief_text(debrief_data(game, game.debrief(20), "seoul"))
    assert f"Weeks played: {weeks} ({span}" in text
    assert "2018-10-29 to 2018-10-29" not in text
    # which values agents and model runs used: only the record's config said it
    used = "the values fitted to 2018-2019 (the fit gsomia_2019)"
    assert f"The agents and the model's runs use {used}." in text


def test_the_class_debrief_speaks_of_the_game_and_lists_the_players_as_a_sentence(config):
    # "Played by people: Seoul and Tokyo and Washington"; the projector's class debrief said
    # "where your game stopped" and headed the scores "your game"
    from sim.play.debrief import debrief_data, debrief_text

    game = Game(config, ["seoul", "tokyo", "washington"])
    for _ in range(2):
        game.advance()
    debrief = game.debrief(20)
    class_text = debrief_text(debrief_data(game, debrief, None))
    team_text = debrief_text(debrief_data(game, debrief, "seoul"))
    assert "Played by people: Seoul, Tokyo and Washington." in class_text
    assert "your game" not in class_text
    assert "| capital | the game |" in class_text and "where the game stopped" in class_text
    assert "| capital | your game |" in team_text and "where your game stopped" in team_text


def test_length_limits_and_the_notice_clock_say_what_is_allowed_in_words():
    # "keep the team name under 30 characters" accepted 30; "lapses in 13 week(s)"
    from sim.play.room_state import clean
    from sim.play.settings import RoomError
    from sim.reports.briefing import format_briefing
    from sim.reports.text import listing

    assert clean("x" * 30, 30, "team name") == "x" * 30
    with pytest.raises(
        RoomError, match=r"keep the team name to at most 30 characters \(it has 31\)"
    ):
        clean("x" * 31, 30, "team name")
    assert [listing(n) for n in (["A"], ["A", "B"], ["A", "B", "C"])] == [
        "A",
        "A and B",
        "A, B and C",
    ]
    game = Game(default_config(["run.weeks=20"]), ["seoul"])
    game.inject("seoul", "escalate", "notice", measure="gsomia_notice")
    shown = format_briefing(game.briefing("seoul"), game.scenario)
    assert "lapses in 13 weeks" in shown and "week(s)" not in shown


def test_after_the_lapse_the_notice_stays_and_the_briefing_says_so():
    # The game offered, paid and recorded "Seoul suspends its notice to end GSOMIA" after the
    # pact had lapsed, and its briefing said nothing of the lapse.
    game = Game(default_config(["run.seed=5", "run.weeks=20", "run.replications=10"]), ["seoul"])
    game.inject("seoul", "escalate", "Seoul gives notice", measure="gsomia_notice")
    game.inject("seoul", "escalate", "Seoul drills", measure="dokdo_drills")
    lapse = game.scenario.notice.lapse_weeks
    for _ in range(lapse + 1):
        game.submit("seoul", "hold")
        game.advance()
    assert game.outcome() == "terminated"
    clock = game.notice_clock()
    assert clock is not None and clock.ended_week == lapse and clock.weeks_left == 0
    assert "gsomia" not in game.options("seoul")["cooperate"].lower()
    with pytest.raises(GameError, match="the agreement has lapsed: gsomia_notice stays in force"):
        game.inject("seoul", "deescalate", "Seoul withdraws", measure="gsomia_notice")
    game.submit("seoul", "cooperate")
    game.advance()
    seoul = game.scenario.measures["seoul"]
    assert game.in_force("seoul") == [seoul.measures[seoul.index("gsomia_notice")].name]
    assert "drills" in game.timeline[-1].described["seoul"]  # the drills were lifted instead


def test_a_second_notice_is_clocked_from_its_own_week():
    # The clock named the first notice's week for a second one ("given in week 7" for a notice
    # of week 9), and then the week it lapsed from that.
    game = Game(default_config(["run.seed=5", "run.weeks=20", "run.replications=10"]), ["seoul"])
    game.inject("seoul", "escalate", "Seoul gives notice", measure="gsomia_notice")
    game.submit("seoul", "hold")
    game.advance()
    game.inject("seoul", "deescalate", "Seoul withdraws it", measure="gsomia_notice")
    for _ in range(2):
        game.submit("seoul", "hold")
        game.advance()
    game.inject("seoul", "escalate", "Seoul gives notice again", measure="gsomia_notice")
    game.submit("seoul", "hold")
    game.advance()
    clock = game.notice_clock()
    assert clock is not None and clock.given_week == 3
    assert clock.weeks_left == game.scenario.notice.lapse_weeks  # counted from week 3 too


def test_a_notice_an_event_lifts_stops_its_clock_and_a_new_one_starts_afresh():
    """An instructor's de-escalating event lifted Seoul's running notice; the page still
    counted it down, and a notice given again that week lapsed on the first one's clock."""

    def play(regive: bool) -> Game:
        game = Game(default_config(["run.weeks=30", "run.progress=false"]), ["seoul", "tokyo"])
        for week in range(9):
            if week == 8:
                game.inject("seoul", "deescalate", "Seoul floats a joint fund")
                assert game.notice_clock() is None  # withdrawn now, not at the week's end
            retaliate = week < 7 or (week == 8 and regive)
            game.submit("seoul", "retaliate" if retaliate else "hold")
            game.submit("tokyo", "hold")
            game.advance()
        return game

    kept = play(regive=False)
    assert kept.outcome() == "noticed_then_kept" and kept.notice_clock() is None
    again = play(regive=True)
    clock = again.notice_clock()
    assert (clock.given_week, clock.weeks_left) == (8, 13)  # the new notice's own 13 weeks
    for _ in range(12):
        again.submit("seoul", "hold")
        again.submit("tokyo", "hold")
        again.advance()
    assert again.outcome() == "pending" and again.notice_clock().weeks_left == 1


def lithuania(people: set[str]) -> Game:
    """A Lithuania 2021 game with the model's reactive Washington (us.delay 1)."""
    return Game(default_config(["scenario=lithuania_2021", "run.seed=4"]), people)


def play(game: Game, moves: dict[str, str], weeks: int) -> list[str]:
    """Advance ``weeks`` weeks with ``moves`` each week (then holds); Washington's lines."""
    for week in range(weeks):
        for actor in game.humans:
            game.submit(actor, moves.get(actor, "hold") if week == 0 else "hold")
        game.advance()
    return [report.described["washington"] for report in game.timeline]


def test_in_lithuania_beijings_lasting_countermeasure_brings_the_models_patron_to_press():
    # Neither side has a security measure there, so the default alarm never rang: the model's
    # Washington read "engages Beijing (pressure 0.1)" in every week whatever happened.
    lines = play(lithuania({"vilnius", "beijing"}), {"beijing": "retaliate"}, 4)
    calm = "Washington abstains (its calm level, pressure 0.1)"
    assert lines == [calm, calm, "Washington presses Beijing (pressure 0.6)"] + lines[3:]
    assert lines[3] == "Washington presses Beijing (pressure 0.6)"


def test_a_patron_pressing_below_its_calm_level_does_not_read_as_calm():
    # With the slider under the baseline (0.05 < 0.1) the pressing weeks read "abstains (its
    # calm level, pressure 0.05)": any pressure up to the baseline had counted as calm.
    game = Game(
        default_config(["scenario=lithuania_2021", "run.seed=4", "us.pressure=0.05"]),
        {"vilnius", "beijing"},
    )
    lines = play(game, {"beijing": "retaliate"}, 3)
    assert lines[:2] == ["Washington abstains (its calm level, pressure 0.1)"] * 2
    assert lines[2] == "Washington engages Beijing (pressure 0.05)"


def test_in_lithuania_vilniuss_own_measures_do_not_alarm_the_patron():
    game = lithuania({"vilnius", "beijing"})
    lines = play(game, {"vilnius": "retaliate"}, 4)
    assert game.in_force("vilnius") and not game.in_force("beijing")
    assert lines == ["Washington abstains (its calm level, pressure 0.1)"] * 4
    assert [r.moves["washington"] for r in game.timeline] == ["abstain"] * 4
