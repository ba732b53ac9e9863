"""The start page: join a room (team), open a class room (instructor), or play alone."""

import solara

from sim.play.settings import RoomError, RoomSettings, scenario_names
from sim.play.web.common import (
    Markdown,
    Notice,
    attempt,
    client_address,
    link,
    query,
    use_typed,
)
from sim.play.web.forms import SettingsForm
from sim.play.web.state import REGISTRY
from sim.reports.labels import role_name, role_of_name


@solara.component
def Home():
    """Choose: play alone, open a class room (instructor), or join a room (team)."""
    router = solara.use_router()
    code = use_typed(query(router).get("room", ""))
    role, set_role = solara.use_state(None)  # no default: a team that forgot took Seoul
    team = use_typed("")
    notice, set_notice = solara.use_state(None)

    def start_solo(settings: RoomSettings) -> None:
        room = REGISTRY.create(settings, client_address())
        seat = room.claim(room.game.humans[0])
        router.push(link("/team", room=room.code, seat=seat))

    def open_room(settings: RoomSettings) -> None:
        room = REGISTRY.create(settings, client_address())
        router.push(link("/instructor", room=room.code, key=room.instructor_key))

    offered = [role_name(a) for a in REGISTRY.roles_to_join(code.value)]
    chosen = role if role in offered else None  # a role of another case, chosen before the code

    def join() -> None:
        if chosen is None:
            raise RoomError("choose your team's role in the Role box first")
        room, seat = REGISTRY.join(
            code.current, role_of_name(chosen), client_address(), team.current
        )
        router.push(link("/team", room=room.code, seat=seat))

    solara.Title("Escalation classroom")
    others = len(scenario_names()) - 1
    Markdown(
        "Play the 2018-2019 dispute between **Seoul**, **Tokyo** and **Washington** week by "
        "week, alone against the model or as teams in a class, and compare your path with "
        f"what really happened. The Scenario box offers {others} other disputes between two "
        "states with Washington as the patron (THAAD, 2016-2017: Seoul and Beijing; and "
        "more), each with role briefs, events to inject and discussion prompts."
    )
    with solara.Div(classes=["ec-grid"]):
        with solara.Card("Join a room (team)"):
            Markdown("Type the code the instructor shows and pick your team's role.")
            solara.InputText(
                "Room code", value=code.value, on_value=code.set, continuous_update=True
            )
            solara.Select(
                "Role",
                values=offered,
                value=chosen,
                on_value=set_role,
            )
            solara.InputText(
                "Team name (optional)", value=team.value, on_value=team.set, continuous_update=True
            )
            solara.Button("Join", color="primary", on_click=lambda: attempt(join, set_notice))
            Notice(notice)
        with solara.Card("Open a class room (instructor)"):
            Markdown("Choose the settings and which roles teams play; the model plays the rest.")
            SettingsForm(False, open_room, "Open room")
        with solara.Card("Play alone"):
            Markdown("One role is yours; the model plays the other two.")
            SettingsForm(True, start_solo, "Start game")
