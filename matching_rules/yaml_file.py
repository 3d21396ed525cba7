"""Reading a config file's YAML strictly: UTF-8, and no key written twice.

Both config files (sources and rules) are read here, so both refuse the same mistakes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

_MERGE_TAG = "tag:yaml.org,2002:merge"


class YamlFileError(ValueError):
    """The file cannot be read as YAML; the message names the file."""


class KeyWrittenTwice(YamlFileError):
    """A key written twice in one mapping: YAML would keep the last silently (``phone: mobile``
    then ``phone: landline``: which was meant?). ``loc`` is its path in ``raw``, the parsed data,
    so the caller names it in its own terms; ``lines`` are where the two are written."""

    def __init__(self, path: Path, raw: Any, loc: tuple[Any, ...], lines: tuple[int, int]) -> None:
        key = ".".join(map(str, loc))
        super().__init__(f"{path}: key {key!r} written twice (lines {lines[0]} and {lines[1]})")
        self.raw, self.loc, self.lines = raw, loc, lines


def read_yaml(path: Path, what: str) -> Any:
    """The data of the YAML file at ``path`` (``what`` it is, for the messages)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise YamlFileError(f"{path}: cannot read the {what} ({e.strerror})") from e
    except UnicodeDecodeError as e:
        raise YamlFileError(_not_utf8(path, what, e)) from None
    try:
        return _parse(text, path)
    except yaml.YAMLError as e:
        raise YamlFileError(f"{path}: not valid YAML: {e}") from e


def _not_utf8(path: Path, what: str, e: UnicodeDecodeError) -> str:
    """Say so, rather than guess: a YAML file is UTF-8, and a guessed encoding could misread names."""
    utf16 = e.object[:2] in (b"\xff\xfe", b"\xfe\xff")
    found = "it is UTF-16" if utf16 else f"byte {e.object[e.start]:#04x} at offset {e.start}"
    return f"{path}: the {what} is not UTF-8 ({found}); save it as UTF-8"


def _parse(text: str, path: Path) -> Any:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        # Before constructing it, which writes merged ("<<") keys into their mappings.
        twice = _key_twice(node, (), set()) if node is not None else None
        raw = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    if twice is not None:
        raise KeyWrittenTwice(path, raw, *twice)
    return raw


def _key_twice(
    node: yaml.Node, loc: tuple[Any, ...], seen: set[int]
) -> tuple[tuple[Any, ...], tuple[int, int]] | None:
    """The first mapping key written twice under ``node``: where, and the lines of both."""
    if id(node) in seen:  # an alias of a node already walked (or of one holding it)
        return None
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        items = list(enumerate(node.value))
    elif isinstance(node, yaml.MappingNode):
        lines: dict[tuple[str, Any], int] = {}
        for key, _value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != _MERGE_TAG:
                line = key.start_mark.line + 1
                if (key.tag, key.value) in lines:
                    return (*loc, key.value), (lines[key.tag, key.value], line)
                lines[key.tag, key.value] = line
        items = [(getattr(key, "value", "?"), value) for key, value in node.value]
    else:
        return None
    for step, child in items:
        found = _key_twice(child, (*loc, step), seen)
        if found is not None:
            return found
    return None


def problem(err: Mapping[str, Any]) -> str:
    """One pydantic validation error as a config file's reader should read it: "unknown key"
    for a key the model does not have, and a validator's own words without pydantic's
    "Value error, " before them."""
    if err["type"] == "extra_forbidden":
        return "unknown key"
    return str(err["msg"]).removeprefix("Value error, ")
