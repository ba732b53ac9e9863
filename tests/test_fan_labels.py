"""The fan chart's milestone labels: in rows above the paths, no label over another or a line.

Each milestone's dashed line rises to its label's row; a label written across a later line
must sit above that line's label, or the line runs through its text (a Senkaku debrief drew
"Tokyo: captain arrested; Beijing: gas talks postponed" with the next week's line through it).
"""

from hypothesis import given
from hypothesis import strategies as st

from sim.figures.fan import CHAR_WIDTH, _span, stacked_rows


def crossings(places: list[float], labels: list[str], rows: list[tuple[int, bool]]) -> int:
    """How many (label, line) pairs have the line rising through the label's text."""
    count = 0
    for i, (row, left) in enumerate(rows):
        low, high, _ = _span(places[i], CHAR_WIDTH * (len(labels[i]) + 2), leftwards=left)
        count += sum(low < p < high and rows[j][0] > row for j, p in enumerate(places) if j != i)
    return count


def overlaps(places: list[float], labels: list[str], rows: list[tuple[int, bool]]) -> int:
    """How many pairs of labels in one row share some width."""
    spans = [
        _span(x, CHAR_WIDTH * (len(label) + 2), leftwards=left)
        for x, label, (_, left) in zip(places, labels, rows, strict=True)
    ]
    return sum(
        rows[i][0] == rows[j][0] and not (spans[i][1] < spans[j][0] or spans[i][0] > spans[j][1])
        for i in range(len(places))
        for j in range(i + 1, len(places))
    )


def test_a_long_label_over_the_next_weeks_lines_sits_above_their_labels():
    places = [0.0, 0.2, 0.4]  # a five-week Senkaku debrief: weeks 0, 1 and 2
    labels = [
        "Tokyo: captain arrested; Beijing: gas talks postponed",
        "Beijing: high-level contacts frozen",
        "Beijing: rare-earth halt",
    ]
    rows = stacked_rows(places, labels)
    assert crossings(places, labels, rows) == 0, rows  # was 1: week 1's line through week 0's
    assert [row for row, _ in rows] == [2, 1, 0]


@given(
    st.lists(
        st.tuples(st.floats(0, 1), st.text(alphabet="abc :;", min_size=1, max_size=60)),
        min_size=1,
        max_size=8,
    )
)
def test_labels_in_one_row_never_overlap(milestones):
    places = [x for x, _ in milestones]
    labels = [label for _, label in milestones]
    rows = stacked_rows(places, labels)
    assert overlaps(places, labels, rows) == 0


@given(st.integers(2, 7), st.floats(0.05, 0.12))
def test_a_staircase_of_labels_each_over_the_next_line_has_no_crossing(n, gap):
    # every label reaches just past the next line: the only clean order puts the earliest top
    places = [i * gap for i in range(n)]
    chars = int(gap * 1.5 / CHAR_WIDTH) - 2
    labels = ["x" * chars] * n
    rows = stacked_rows(places, labels)
    if all(not left for _, left in rows):
        assert crossings(places, labels, rows) == 0, rows
