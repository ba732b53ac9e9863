"""Which stored actions an undo takes back (`undone`): a room replays its actions without them."""

#: Actions of the game after an advance, which an undo of that advance takes back with it.
GAME_KINDS = ("move", "inject")


def undone(actions: list[dict]) -> set[int]:
    """Sequence numbers an undo takes back: the last week played, reopened for every team.

    That is the week's advance, the moves made in it before the advance (its teams choose
    again: left in, a week in which every team had moved would wait for nobody, stuck until the
    instructor advanced it with the same moves), and what was played after the advance (moves
    and events of the next week). Events injected during the undone week stay.

    Rooms saved before undo reopened the week hold undos without ``reopen``: those took back
    only the advance and what came after it, the week's moves standing, and they replay so,
    as the class saw them.
    """
    skipped: set[int] = set()
    for i, action in enumerate(actions):
        if action["kind"] != "undo":
            continue
        earlier = [a for a in actions[:i] if a["seq"] not in skipped]
        advances = [a["seq"] for a in earlier if a["kind"] == "advance"]
        if not advances:
            continue
        last, before = advances[-1], (advances[-2] if len(advances) > 1 else -1)
        skipped.add(last)
        skipped |= {
            a["seq"]
            for a in earlier
            if (a["seq"] > last and a["kind"] in GAME_KINDS)
            or (action.get("reopen") and before < a["seq"] < last and a["kind"] == "move")
        }
    return skipped
