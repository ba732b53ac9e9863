"""The terminal game's text: a role's weekly briefing, the moves on offer, a played week."""

from collections.abc import Sequence

from sim.core.scenario import Scenario
from sim.reports.game_results import Briefing, MovePreview, NoticeClock, WeekReport
from sim.reports.labels import pressure_aimed, role_name
from sim.reports.text import signed, week_count

GAUGE_WIDTH = 10


def gauge(value: float, width: int = GAUGE_WIDTH) -> str:
    """A bar gauge for a value in [0, 1], e.g. ``[#####-----] 0.52``."""
    filled = round(min(max(value, 0.0), 1.0) * width)
    return f"[{'#' * filled}{'-' * (width - filled)}] {value:.2f}"


def notice_text(clock: NoticeClock) -> str:
    """The notice's state in words: the weeks to its lapse, or the week the agreement ended."""
    who = role_name(clock.actor)
    if clock.ended_week is not None:
        return (
            f"{clock.label} ended in week {clock.ended_week + 1}: {who} kept its notice to the end"
        )
    return f"{clock.label} lapses in {week_count(clock.weeks_left)} unless {who} withdraws it"


def format_options(options: dict[str, str], previews: Sequence[MovePreview] = ()) -> str:
    """The moves on offer: key letter, name, the concrete step, and what it would pay."""
    width = max(len(name) for name in options)
    pays = {p.move: p for p in previews}
    lines = []
    for name, concrete in options.items():
        line = f"  {name[0]}  {name:<{width}}  {concrete}"
        if (p := pays.get(name)) is not None:
            line += f"\n     {'':<{width}}pays {signed(p.total, 2)} if the other holds "
            line += f"({signed(p.low, 2)} to {signed(p.high, 2)}): "
            line += ", ".join(f"{t} {signed(v, 2)}" for t, v in p.terms.items())
        lines.append(line)
    return "\n".join(lines)


def format_briefing(brief: Briefing, scenario: Scenario) -> str:
    """The block a person reads before choosing a move this week."""
    role = role_name(brief.role)
    head = f"== Week {brief.week + 1}/{brief.weeks}, Monday {brief.date}: you play {role} "
    lines = [head.ljust(78, "=")]
    label = "Last week"
    for text in brief.last_week.values() or ["(the game starts: nothing has happened yet)"]:
        lines.append(f"{label:<12}{text}")
        label = ""
    lines += [f"{'Event':<12}{text}" for text in brief.injected]
    lines.append(f"{'Tension':<12}{gauge(brief.tension)}")
    if brief.notice is not None:
        lines.append(f"{'Notice':<12}{notice_text(brief.notice)}")
    label = "In force"
    width = max(len(role_name(a)) for a in scenario.sides) + 1
    for ally in scenario.sides:
        repertoire = scenario.measures[ally]
        named = set(brief.in_force[ally])
        ids = [m.id.replace("_", " ") for m in repertoire.measures if m.name in named]
        measures = ", ".join(ids) or "nothing"
        lines.append(
            f"{label:<12}{role_name(ally):<{width}} {len(ids)}/{repertoire.size}  {measures}"
        )
        label = ""
    alone = pressure_aimed(scenario)
    aimed = f"  (on {alone})" if alone else ""
    lines.append(f"{'US pressure':<12}{gauge(brief.pressure)}{aimed}")
    last = "" if brief.last_payoff is None else f" ({signed(brief.last_payoff, 2)} last week)"
    summed = "" if brief.role == "washington" else ", your weekly payoffs summed"
    lines.append(f"{'Your score':<12}{signed(brief.payoff or 0.0)} so far{summed}{last}")
    lines += ["Your options this week:", format_options(brief.options, brief.previews)]
    return "\n".join(lines)


def format_report(report: WeekReport, weeks: int, humans: tuple[str, ...] = ()) -> str:
    """One played week: its date, every capital's named move and the tension after it."""
    lines = [f"week {report.week + 1}/{weeks} ({report.date})  tension {gauge(report.tension)}"]
    for actor, text in report.described.items():
        who = f"{role_name(actor)}{' (person)' if actor in humans else ''}"
        lines.append(f"    {who}: {text}")
    lines += [f"    Event: {text}" for text in report.injected]
    return "\n".join(lines)
