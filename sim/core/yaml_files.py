"""The YAML files people write by hand (scenario.yaml, classroom.yaml), read strictly.

Plain ``yaml.safe_load`` keeps the last of two equal keys without a word, so a key pasted twice
silently replaces the first; here it is refused with both lines. Every problem reading the file
(not UTF-8, not YAML, not a mapping) is one `ScenarioError` that names the file, and the line
when YAML knows it.
"""

import difflib
from pathlib import Path

import yaml

from sim.core.errors import ScenarioError

TIMESTAMP = "tag:yaml.org,2002:timestamp"


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A mapping gives the same key twice; ``problem`` names it and its first line."""


class StrictLoader(yaml.SafeLoader):
    """`yaml.SafeLoader` that refuses a mapping giving a key twice and keeps dates as text.

    A date is left for the reader to check (`sim.core.scenario.parse_date`), so that
    ``start: 2015-11-31`` is refused as a bad ``start`` rather than by YAML with no key named,
    and a date with a time is not taken for a date.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        """The mapping, after checking that no key is given twice (merged keys excepted)."""
        first: dict[object, int] = {}
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue  # the constructor itself refuses keys that are not scalars
            key = self.construct_object(key_node)
            if key in first:
                said = f"the key {key!r} is given twice (also on line {first[key]}); keep one"
                raise DuplicateKeyError(problem=said, problem_mark=key_node.start_mark)
            first[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != TIMESTAMP]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_mapping(path: Path, keys: str) -> dict:
    """The mapping the YAML file ``path`` holds, or a one-line `ScenarioError` naming it.

    ``keys`` names the keys expected at the top level, for the message when the file holds
    something other than a mapping.
    """
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=StrictLoader)
    except UnicodeDecodeError as problem:
        raise ScenarioError(
            f"{path}: not UTF-8 text (byte {problem.start}); save the file as UTF-8"
        ) from None
    except DuplicateKeyError as problem:
        mark = problem.problem_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise ScenarioError(f"{path}{line}: {problem.problem}") from None
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise ScenarioError(f"{path}{line}: not valid YAML text ({problem.problem})") from None
    except yaml.YAMLError as problem:
        first = str(problem).splitlines()[0] if str(problem) else type(problem).__name__
        raise ScenarioError(f"{path}: not valid YAML text ({first})") from None
    if not isinstance(raw, dict):
        raise ScenarioError(f"{path}: expected a mapping of keys ({keys})")
    return raw


def check_keys(raw: dict, allowed: tuple[str, ...], place: str) -> None:
    """Raise `ScenarioError` naming ``place`` for the first key of ``raw`` not in ``allowed``."""
    for key in raw:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ScenarioError(
                f"{place} has an unknown key {key!r}{hint}; allowed keys: {', '.join(allowed)}"
            )
