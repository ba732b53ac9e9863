"""The briefs' numbers are the game's: written from its settings, and equal to what it pays."""

import pytest

from sim.experiment.config import default_config
from sim.play.brief import BEGIN, END, brief_for, num, settings_section, with_settings
from sim.play.game import Game

#: The cases that ship briefs, and their roles.
BRIEFED = {
    "gsomia_2019": ("seoul", "tokyo", "washington"),
    "thaad_2016": ("seoul", "beijing", "washington"),
    "senkaku_2010": ("tokyo", "beijing", "washington"),
    "australia_2020": ("canberra", "beijing", "washington"),
    "scarborough_2012": ("manila", "beijing", "washington"),
    "lithuania_2021": ("vilnius", "beijing", "washington"),
}


@pytest.fixture(scope="module")
def default_games():
    return {
        case: Game(default_config([f"scenario={case}", "run.weeks=4"]), [roles[0]])
        for case, roles in BRIEFED.items()
    }


@pytest.mark.parametrize(("case", "role"), [(c, r) for c, roles in BRIEFED.items() for r in roles])
def test_the_shipped_briefs_hold_the_default_games_numbers(default_games, case, role):
    # A new fit changes them: `python -m sim.play.brief [scenario=CASE]` writes them again.
    game = default_games[case]
    text = game.materials.briefs[role]
    shipped = text.split(BEGIN)[1].split(END)[0].strip()
    cost = game.materials.pressure_cost
    expected = settings_section(role, game.config, game.scenario, cost, "the default game's")
    assert shipped == expected, "run python -m sim.play.brief to write the briefs' numbers again"


def test_a_rooms_brief_gives_its_own_settings():
    # The briefs quoted the hand-set values while games ran the fit (Tokyo's voters: +1.2
    # in the brief, 95.3 in the game); each room's brief now says its own.
    config = default_config(["run.weeks=4"])
    weight = config.model_params.payoffs.audience.tokyo  # the fit's value, whatever it is
    assert num(weight) != "1.2"
    fitted = brief_for(Game(config, ["tokyo"]), "tokyo")
    hand_set = brief_for(Game(default_config(["run.weeks=4", "fit=none"]), ["tokyo"]), "tokyo")
    assert fitted is not None and hand_set is not None
    assert f"by {num(weight)} × its intensity" in fitted and "by 1.2 × its intensity" in hand_set
    assert "These are this game's settings." in fitted
    assert fitted.count(BEGIN) == 1 and fitted.count(END) == 1
    assert with_settings("a\n" + BEGIN + "\nold\n" + END + "\nb", "new") == (
        f"a\n{BEGIN}\nnew\n{END}\nb"
    )


def test_the_voters_and_pressure_terms_are_those_the_preview_pays():
    # With every retaliation a measure, and only the mildest (an order of 20), the preview's
    # terms for a retaliation from nothing in force are the brief's figures for Tokyo's first
    # measure.
    config = default_config(
        ["run.weeks=4", "tokyo.signal=0", "conduct.burst=0", "conduct.order=20"]
        + ["us=constant", "us.pressure=1"]
    )
    game = Game(config, ["tokyo"])
    game.submit("tokyo", "hold")
    game.advance()  # Washington's pressure of week 1 is felt in week 2
    [retaliate] = [p for p in game.previews("tokyo") if p.move == "retaliate"]
    payoffs = config.model_params.payoffs
    first = game.scenario.measures["tokyo"].measures[0]
    assert retaliate.terms["audience"] == pytest.approx(
        payoffs.audience["tokyo"] * first.intensity, rel=1e-3
    )
    weight = getattr(payoffs.domains, first.domain)
    assert retaliate.terms["pressure"] == pytest.approx(
        -payoffs.pressure["tokyo"] * weight, rel=1e-3
    )
    brief = brief_for(game, "tokyo")
    assert brief is not None
    assert f"`{first.id}` +{num(payoffs.audience['tokyo'] * first.intensity)}" in brief
    assert f"{num(payoffs.pressure['tokyo'] * weight)} × *p* for a {first.domain}" in brief


@pytest.mark.parametrize(
    ("value", "shown"), [(0.0, "0%"), (0.004, "under 1%"), (0.005, "under 1%"), (0.25, "25%")]
)
def test_a_share_that_rounds_to_nothing_reads_under_one_percent(value, shown):
    # Tokyo's fitted lifting share, 0.005 at its floor, read "0%" in its brief.
    from sim.play.brief import share

    assert share(value) == shown


def test_the_briefs_lists_render_as_lists_on_the_page():
    # Nested two spaces deep, the measures' numbered list and Tokyo's bullets ran together on
    # the classroom page, whose Markdown (Python-Markdown) wants four.
    import markdown

    from sim.play.materials import load_materials

    for case, roles in BRIEFED.items():
        briefs = load_materials(case).briefs
        assert set(briefs) == set(roles), case
        for role, text in briefs.items():
            assert_renders_as_lists(markdown.markdown(text, extensions=["tables"]), role)


def assert_renders_as_lists(html: str, role: str) -> None:
    """The measures' numbered list and the bullets are lists on the page, not run-on text."""
    assert "<ol>" in html or role == "washington", role
    assert "- <strong>" not in html and "\n- " not in html.replace("\n-->", ""), role


def test_writing_the_briefs_again_covers_every_case_that_has_them(tmp_path, monkeypatch, capsys):
    # After a new fit, `python -m sim.play.brief` wrote 2019's briefs alone; THAAD's went stale.
    import shutil

    from sim.core.folders import scenarios_root
    from sim.play.brief import main

    shipped = {}
    for case in BRIEFED:
        shutil.copytree(scenarios_root() / case, tmp_path / case)
        for path in (tmp_path / case / "briefs").glob("*.md"):
            shipped[path] = path.read_text()
            path.write_text(with_settings(shipped[path], "stale"))
    monkeypatch.setenv("ESCALATION_SCENARIOS", str(tmp_path))
    assert main([]) == 0
    assert {path: path.read_text() for path in shipped} == shipped
    assert capsys.readouterr().out.count("wrote the settings of") == len(shipped) == 18
    for path in shipped:
        path.write_text(with_settings(shipped[path], "stale"))
    assert main(["scenario=thaad_2016"]) == 0  # one case, the others left as they are
    assert [p.parent.parent.name for p in shipped if p.read_text() == shipped[p]] == [
        "thaad_2016"
    ] * 3
