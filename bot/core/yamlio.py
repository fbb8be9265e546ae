"""Read YAML while remembering the line of every key, so errors can name `file:line`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

try:  # the C parser is several times faster; fall back quietly where libyaml is missing
    _BaseLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _BaseLoader = yaml.SafeLoader

PathKey = tuple[str | int, ...]


class _TextLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """SafeLoader that reads every plain scalar as text (only `null`/`~` stay special).

    Content is prose: `no`, `999` or `2026-13-01` must not silently become False, an
    int or a crash; the typed models convert what should be a date and report the line
    of what cannot.
    """


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


class YamlSyntaxError(ValueError):
    """The file is not valid YAML; `line` is 1-based."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message


@dataclass(frozen=True)
class LocatedYaml:
    """Parsed YAML plus the 1-based line of every mapping key and list item."""

    path: Path
    data: Any
    lines: dict[PathKey, int]
    duplicate_keys: tuple[tuple[PathKey, int], ...] = ()

    def line_of(self, loc: PathKey) -> int:
        """The line of `loc`, or of its closest located parent (a missing key points at its parent)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return 1


def load_located(path: Path) -> LocatedYaml:
    """Parse one YAML file; raises YamlSyntaxError with the line of the problem."""
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=_TextLoader)
        data = yaml.load(text, Loader=_TextLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlSyntaxError(path, line, f"invalid YAML: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(path, 1, f"invalid YAML: {exc}") from exc
    lines: dict[PathKey, int] = {(): 1}
    duplicates: list[tuple[PathKey, int]] = []
    if node is not None:
        lines[()] = node.start_mark.line + 1
        _index_lines(node, (), lines, duplicates)
    return LocatedYaml(path, data, lines, tuple(duplicates))


def _index_lines(
    node: yaml.Node, loc: PathKey, lines: dict[PathKey, int], duplicates: list[tuple[PathKey, int]]
) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = (str(key_node.value),)
            child = loc + key
            if child in lines:
                duplicates.append((child, key_node.start_mark.line + 1))
            lines[child] = key_node.start_mark.line + 1
            _index_lines(value_node, child, lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*loc, index)
            lines[child] = item.start_mark.line + 1
            _index_lines(item, child, lines, duplicates)
