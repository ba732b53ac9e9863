"""A room: one shared `Game` for a class, with an instructor and teams in seats.

Every live action names who acts (the instructor's key or a team's seat token), is refused
with a reason (`RoomError`) when it is not allowed, and otherwise becomes an action that
`sim.play.room_state.RoomState` applies, stores and announces to the room's pages.
"""

import secrets
import time

from sim.core.errors import EscalationError
from sim.play.game import parse_choice
from sim.play.materials import ScenarioEvent
from sim.play.room_state import (
    BAD_LINK,
    CONNECTED_SECONDS,
    INJECTION_TEXT_LENGTH,
    MESSAGE_LENGTH,
    NAME_LENGTH,
    NOTE_LENGTH,
    RoomState,
    clean,
    epoch_time,
    iso_time,
)
from sim.play.settings import RoomError, RoomSettings
from sim.reports.game_results import WeekReport
from sim.reports.labels import role_name

__all__ = ["BAD_LINK", "Room", "epoch_time", "iso_time"]


#: An instructor's advance this soon after the week began is taken for a repeated click.
ADVANCE_GUARD_SECONDS = 2.0


class Room(RoomState):
    """One shared game with the actions people may take in it, each checked for who acts."""

    def claim(self, role: str, name: str = "") -> str:
        """Give a team the seat for ``role`` and return its token (its way back in)."""
        with self.lock:
            if self.ended:
                raise RoomError(
                    f"the game is over: room {self.code} takes no more teams; its debrief is on "
                    f"the projector view, /projector?room={self.code}"
                )
            if role not in self.game.roles:
                raise RoomError(
                    f"{role_name(role)} is no role in room {self.code} "
                    f"({self.game.scenario.title}): teams play {self._people()}"
                )
            if role not in self.seats:
                raise RoomError(
                    f"{role_name(role)} is played by the model in room {self.code}; "
                    f"people play {self._people()}"
                )
            if self.seats[role].token is not None:
                raise RoomError(
                    f"{role_name(role)} is already taken by another team in room {self.code}. "
                    "If this is your team, reopen your seat link (the instructor can show it)"
                )
            name = clean(name, NAME_LENGTH, "team name")
            self._check_unique(role, name)
            token = secrets.token_urlsafe(16)
            self._act("claim", role=role, token=token, name=name)
            self.seats[role].seen = time.monotonic()
            return token

    def rename(self, token: str, name: str) -> str:
        """A team names itself (shown on every page and in the exports)."""
        with self.lock:
            role = self.role_of(token)
            name = clean(name, NAME_LENGTH, "team name")
            if not name:
                raise RoomError("write a name for your team")
            self._check_unique(role, name)
            self._act("rename", role=role, name=name)
            return name

    def _check_unique(self, role: str, name: str) -> None:
        """Refuse a team name another team of the room has, in any case.

        Pages, the log and the exports tell teams apart by their names.
        """
        for other, seat in self.seats.items():
            if other != role and name and seat.name.casefold() == name.casefold():
                raise RoomError(
                    f"the {role_name(other)} team is already called {name!r}: choose another name"
                )

    def touch(self, token: str) -> str:
        """A heartbeat from a team's page: its seat counts as connected; return its role."""
        with self.lock:
            role = self.role_of(token)
            seat = self.seats[role]
            was = self._connected(seat)
            seat.seen = time.monotonic()
            if not was:
                self._bump()
            return role

    def heartbeat(self, page: str) -> None:
        """A page of this room is open (any page: team, instructor, projector)."""
        with self.lock:
            self.pages[page] = time.monotonic()

    def reap(self, now: float | None = None) -> int:
        """Forget pages without a heartbeat for `CONNECTED_SECONDS`; the number still open."""
        now = time.monotonic() if now is None else now
        with self.lock:
            for page, seen in list(self.pages.items()):
                if now - seen > CONNECTED_SECONDS:
                    del self.pages[page]
            presence = {r: self._connected(s) for r, s in self.seats.items()}
            if presence != self._presence:
                self._presence = presence
                self._bump()
            return len(self.pages)

    def release(self, key: str, role: str) -> None:
        """Instructor: free a seat, so that its old link stops working and a team can rejoin."""
        with self.lock:
            self._instructor(key)
            if role not in self.seats:
                raise RoomError(f"{role_name(role)} has no seat in room {self.code}")
            self._act("release", role=role)

    def submit(
        self,
        token: str,
        choice: str,
        role: str | None = None,
        week: int | None = None,
        note: str = "",
    ) -> str:
        """A team's move for this week, with an optional "why" note; refused when not allowed.

        ``role`` is the role the page asked to move for and ``week`` the week it showed: a move
        for another team's role, or for a week that is already over, is refused.
        """
        with self.lock:
            own = self.role_of(token)
            if role is not None and role != own:
                raise RoomError(
                    f"your team plays {role_name(own)}: you cannot move for {role_name(role)}"
                )
            if (again := self._sent_already(own, choice, week)) is not None:
                return again  # a double click: the move counted once, and is not refused
            self._open()
            if week is not None and week != self.game.week:
                raise RoomError(
                    f"too late: week {week + 1} is over, it is now week {self.game.week + 1}"
                )
            if self.paused:
                raise RoomError("the instructor has paused the game: wait until it resumes")
            if own in self.game.pending:
                raise RoomError(f"{role_name(own)} has already moved this week")
            note = clean(note, NOTE_LENGTH, "note")
            try:
                move = parse_choice(own, choice)
            except EscalationError as problem:
                raise RoomError(str(problem)) from None
            self._act("move", role=own, move=move, note=note)
            if self.game.ready:
                self._act("advance", why="every team has moved")
            return move

    def _sent_already(self, role: str, choice: str, week: int | None) -> str | None:
        """The move itself when ``role`` already sent this very move for ``week``, else None."""
        try:
            move = parse_choice(role, choice)
        except EscalationError:
            return None
        week = self.game.week if week is None else week
        sent = [m for m in self.game.moves_log if m["actor"] == role and m["week"] == week]
        return move if sent and not sent[-1].get("default") and sent[-1]["move"] == move else None

    def advance(self, key: str, week: int | None = None) -> WeekReport | None:
        """Instructor: play this week now (a team that has not moved holds).

        ``week`` is the week the instructor's page showed: when it is already played (two
        tabs), or the week began less than `ADVANCE_GUARD_SECONDS` ago (a double click whose
        second click reached a page that had already caught up), nothing happens and None is
        returned.
        """
        with self.lock:
            self._instructor(key)
            if week is not None and (week != self.game.week or self.ended):
                return None
            recent = time.time() - self.week_started < ADVANCE_GUARD_SECONDS
            if week is not None and recent and self.game.timeline:
                return None  # the second click of a double click, however the page caught up
            self._open()
            if self.paused:
                raise RoomError("the game is paused: resume it before advancing")
            waiting = self.game.waiting_for()
            why = "the instructor advanced"
            if waiting:
                why += f" ({', '.join(role_name(r) for r in waiting)} held)"
            self._act("advance", why=why)
            return self.game.timeline[-1]

    def tick(self, now: float | None = None) -> bool:
        """Advance the week if its round timer has run out; whether it did."""
        with self.lock:
            deadline = self.deadline()
            if deadline is None or (time.time() if now is None else now) < deadline:
                return False
            self._act("advance", why="the round timer ran out")
            return True

    def deadline(self) -> float | None:
        """When this week's round ends (seconds since the epoch), or None without a timer.

        The clock waits for the first team: a room opened before the class would otherwise play
        its weeks, or end, before anyone joined (the first claim starts the round). A room whose
        every seat the instructor has freed waits again, for the next team to join.
        """
        if not self.round_seconds or self.paused or self.ended:
            return None
        if self.first_joined is None:
            return None
        return max(self.week_started, self.first_joined) + self.round_seconds

    def undo(self, key: str) -> None:
        """Instructor: take back the last week played; every team chooses its move again.

        The moves made in that week are cleared (see `sim.play.undo.undone`).
        """
        with self.lock:
            self._instructor(key)
            self._open()
            if not self.game.timeline:
                raise RoomError("no week has been played yet: nothing to undo")
            self._act("undo", reopen=True)

    def set_timer(self, key: str, seconds: int) -> None:
        """Instructor: a round timer (seconds per week; 0 for none), starting now."""
        with self.lock:
            self._instructor(key)
            self._open()
            RoomSettings(round_seconds=int(seconds)).validated()
            self._act("timer", seconds=int(seconds))

    def pause(self, key: str) -> None:
        """Instructor: stop moves, advances and the timer until `resume`."""
        with self.lock:
            self._instructor(key)
            self._open()
            if self.paused:
                raise RoomError("the game is already paused")
            self._act("pause")

    def resume(self, key: str) -> None:
        """Instructor: let teams move again."""
        with self.lock:
            self._instructor(key)
            self._open()
            if not self.paused:
                raise RoomError("the game is not paused")
            self._act("resume")

    def ready_events(self) -> list[ScenarioEvent]:
        """The scenario's ready-made events that `inject` would take now.

        Once injected, an event that names a measure is refused ("would change nothing"),
        yet the instructor's menu still offered it, selected.
        """
        usable = []
        with self.lock:
            for event in self.game.materials.injections:
                side = self.game.model.capitals[event.actor]
                up = event.direction == "escalate"
                try:
                    side.repertoire.event_step(int(side.mask[0]), up, event.measure)
                except EscalationError:
                    continue
                usable.append(event)
        return usable

    def inject(
        self, key: str, actor: str, direction: str, text: str, measure: str | None = None
    ) -> None:
        """Instructor: an event that moves ``actor``'s measures now, shown to every team.

        ``measure``: the one measure a ready-made event brings in or lifts (`Game.inject`).
        """
        with self.lock:
            self._instructor(key)
            self._open()
            text = clean(text, INJECTION_TEXT_LENGTH, "event")
            if not text:
                raise RoomError("write what happens: the event needs a description")
            if actor not in self.game.sides:
                sides = " or ".join(self.game.sides)
                raise RoomError(f"events move a side's measures: choose {sides}")
            if direction not in ("escalate", "deescalate"):
                raise RoomError(f"direction {direction!r}: choose escalate or deescalate")
            named = {"measure": measure} if measure is not None else {}
            self._act("inject", actor=actor, direction=direction, text=text, **named)

    def broadcast(self, key: str, text: str) -> None:
        """Instructor: a message every page of the room shows."""
        with self.lock:
            self._instructor(key)
            text = clean(text, MESSAGE_LENGTH, "message")
            if not text:
                raise RoomError("write a message first")
            self._act("broadcast", sender="instructor", to=None, text=text)

    def message(self, token: str, to: str, text: str) -> None:
        """A private message from one team to another (the instructor sees it too)."""
        with self.lock:
            sender = self.role_of(token)
            if to not in self.seats or to == sender:
                others = [role_name(r) for r in self.seats if r != sender]
                raise RoomError(f"write to another team: {', '.join(others) or 'there is none'}")
            text = clean(text, MESSAGE_LENGTH, "message")
            if not text:
                raise RoomError("write a message first")
            self._act("message", sender=sender, to=to, text=text)

    def end(self, token: str) -> None:
        """End the game now: the instructor, or the player of a single-player game."""
        with self.lock:
            if not self.is_instructor(token):
                role = self.role_of(token)
                if not self.settings.solo:
                    raise RoomError(
                        f"only the instructor can end the game ({role_name(role)} cannot)"
                    )
            self._open()
            self._act("end")
