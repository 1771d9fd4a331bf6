"""The case file as bytes → text → data: strict YAML, within limits, before any work.

A case file comes from colleagues and from strangers, so reading it is guarded first and
interpreted second; every refusal is one :class:`~gridplan.errors.CaseError` line:

- **a file, of bounded size**: a regular file (not a folder, FIFO or device) of at most
  :data:`MAX_CASE_BYTES`, checked before reading and never read beyond that;
- **UTF-8 text**: a UTF-16 file (byte-order mark), a binary file (a NUL byte) or bytes that
  do not decode are named with the offset of the first bad byte;
- **strict YAML** (:class:`CaseLoader`, a ``SafeLoader``: no tags that run code): a key given
  twice in one mapping is an error naming the key and both lines (PyYAML lets the last one win
  silently); integers are YAML 1.2 style (no ``0o``-less octal ``010`` → 8, no sexagesimal
  ``1:30`` → 90, which YAML 1.1 reads silently);
- **bounded structure**: at most :data:`MAX_DEPTH` levels of nesting and :data:`MAX_NODES`
  nodes *after* expanding aliases, counted on the composed node graph (where an alias is one
  shared node) before any Python object is built. A "billion laughs" alias bomb is a few
  hundred bytes whose expansion no validator, ``repr``, ``json.dumps`` or hash walk could
  survive; it is refused here in milliseconds. An alias inside its own anchor (a cycle) too.

The same reader serves :func:`gridplan.case.load.load_case` and the batch input hashing
(:func:`gridplan.batch.runs.run_hash`), so neither walks what the other would refuse.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..errors import CaseError, Described

MAX_CASE_BYTES = 4 * 1024 * 1024
"""Largest case file read (the shipped ones are under 20 kB; profiles belong in CSV files)."""
MAX_NODES = 200_000
"""Most YAML nodes a case may hold once its aliases are expanded (the five-city case: ~3,000)."""
MAX_DEPTH = 40
"""Deepest nesting of mappings and lists (a case needs about 6)."""

_MERGE = "tag:yaml.org,2002:merge"
_YAML12_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*|0x[0-9a-fA-F_]+|0b[01_]+)")


class CaseYAMLError(yaml.YAMLError):
    """A refusal of the case loader, carrying its CaseError's field, value and expectation."""

    def __init__(self, where: str, value, expected: str):
        super().__init__(f"{where}: {value!r}; {expected}")
        self.where, self.value, self.expected = where, value, expected


def _line(node) -> str:
    return f"line {node.start_mark.line + 1}"


class CaseLoader(yaml.SafeLoader):
    """``SafeLoader`` with duplicate keys refused, YAML 1.2 integers, and the structure bounded
    (depth while composing, expanded node count before constructing)."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        """Refuse nesting deeper than MAX_DEPTH (PyYAML composes recursively: a deep enough
        document would end in a RecursionError)."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise CaseYAMLError(f"line {mark.line + 1}", Described(f"more than {MAX_DEPTH} levels of nesting"),
                                    f"a case nested at most {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def get_single_data(self):
        """The one document, its expanded size checked before any object is constructed."""
        node = self.get_single_node()
        if node is None:
            return None
        expanded_size(node)
        return self.construct_document(node)

    def construct_mapping(self, node, deep=False):
        """A key written twice in one mapping is an error (keys brought in by a ``<<`` merge may
        be overridden: that is what a merge is for)."""
        if isinstance(node, MappingNode):
            _refuse_duplicate_keys(self, node)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node):
        """YAML 1.2 integers: ``010`` and ``1:30`` are refused rather than read as 8 and 90."""
        text = self.construct_scalar(node)
        if not _YAML12_INT.fullmatch(text):
            raise _ambiguous_number(node, text)
        try:
            return super().construct_yaml_int(node)
        except ValueError:  # more digits than Python converts (4,300)
            raise CaseYAMLError(_line(node), Described(f"an integer of {len(text)} characters"),
                                "a number of sensible size") from None


    def construct_yaml_float(self, node):
        """No base-60 floats either (``1:30.5`` would be 90.5)."""
        text = self.construct_scalar(node)
        if ":" in text:
            raise _ambiguous_number(node, text)
        return super().construct_yaml_float(node)


CaseLoader.add_constructor("tag:yaml.org,2002:int", CaseLoader.construct_yaml_int)
CaseLoader.add_constructor("tag:yaml.org,2002:float", CaseLoader.construct_yaml_float)


def _ambiguous_number(node, text: str) -> CaseYAMLError:
    return CaseYAMLError(_line(node), text, "a number written plainly (YAML 1.1 reads a leading 0 as octal and "
                                            "a colon as base 60): write e.g. 10 or 90, or quote it")


def _refuse_duplicate_keys(loader: CaseLoader, node: MappingNode) -> None:
    seen: dict[Any, Any] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE or not isinstance(key_node, ScalarNode):
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            first = seen.setdefault(key, key_node)
        except TypeError:
            continue  # an unhashable key: SafeLoader refuses it itself
        if first is not key_node:
            raise CaseYAMLError(_line(key_node), key,
                                f"each key once per mapping (also given at line {first.start_mark.line + 1})")


def expanded_size(root) -> int:
    """Nodes of the document with every alias expanded, computed once per shared node (so in
    time linear in the file) and stopped at MAX_NODES; a node inside itself is refused."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise CaseYAMLError(_line(node), Described("an alias inside its own anchor"), "a case without cycles")
        if len(open_nodes) >= 2 * MAX_DEPTH:  # aliases nest anchors: bound the expanded depth too
            raise CaseYAMLError(_line(node), Described(f"more than {2 * MAX_DEPTH} levels once aliases are expanded"),
                                f"a case nested at most {MAX_DEPTH} levels deep")
        open_nodes.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            children = node.value
        elif isinstance(node, MappingNode):
            children = [n for pair in node.value for n in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > MAX_NODES:
                raise CaseYAMLError(_line(node), Described(f"more than {MAX_NODES:,} YAML nodes once aliases are expanded"),
                                    f"a case of at most {MAX_NODES:,} nodes (an alias bomb?)")
        open_nodes.discard(key)
        sizes[key] = total
        return total

    return size(root)


# --------------------------------------------------------------------------- bytes and text


def read_case_bytes(path: Path) -> bytes:
    """The bytes of a case file: a regular file of at most :data:`MAX_CASE_BYTES` (checked before
    reading, and never more than that read: a FIFO or a growing file cannot stall the load)."""
    path = Path(path)
    if not path.exists():
        raise CaseError(path, "<file>", str(path), "an existing case file")
    if path.is_dir():
        raise CaseError(path, "<file>", Described("a folder"), "a case file (.yaml), not a folder")
    if not path.is_file():
        raise CaseError(path, "<file>", Described("a special file"), "a regular case file (.yaml)")
    try:
        size = path.stat().st_size
        if size > MAX_CASE_BYTES:
            raise CaseError(path, "<file>", Described(f"{size:,} bytes"), _too_big())
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CASE_BYTES + 1)
    except OSError as exc:
        raise CaseError(path, "<file>", Described(exc.strerror or exc.__class__.__name__),
                        "a readable case file") from None
    if len(raw) > MAX_CASE_BYTES:
        raise CaseError(path, "<file>", Described(f"more than {MAX_CASE_BYTES:,} bytes"), _too_big())
    return raw


def _too_big() -> str:
    return f"a case file of at most {MAX_CASE_BYTES:,} bytes (profiles belong in CSV files)"


def case_text(raw: bytes, file) -> str:
    """UTF-8 text (a UTF-8 byte-order mark is allowed): a UTF-16 file, a binary file (a NUL byte)
    or bytes that are not UTF-8 are refused with the offset of the first bad byte."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise CaseError(file, "<file>", Described("a UTF-16 file (byte-order mark)"), "UTF-8 text: save it as UTF-8")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise CaseError(file, "<file>", Described(f"a NUL byte at offset {nul} (a binary file)"), "a YAML text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CaseError(file, "<file>", Described(f"byte 0x{raw[exc.start]:02x} at offset {exc.start}"),
                        "UTF-8 text: save the file as UTF-8") from None
    return text.removeprefix("\ufeff")


def parse_case_text(raw: bytes, file) -> Any:
    """Bytes of a case file → its data, by :class:`CaseLoader`. An empty document is refused
    here: it is a file that holds no case, not a case without fields."""
    text = case_text(raw, file)
    loader = None
    try:
        loader = CaseLoader(text)  # the reader refuses control characters right here
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, file) from None
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        raise CaseError(file, "<root>", Described("an empty document"), "a mapping of case fields (name, year, ...)")
    return data


def read_case_data(path: Path) -> Any:
    """The parsed YAML of a case file: :func:`read_case_bytes` then :func:`parse_case_text`."""
    return parse_case_text(read_case_bytes(path), path)


def _yaml_error(exc: yaml.YAMLError, text: str, file) -> CaseError:
    """A YAML error as one CaseError at its line."""
    if isinstance(exc, CaseYAMLError):
        return CaseError(file, exc.where, exc.value, exc.expected)
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        char = chr(exc.character) if isinstance(exc.character, int) else exc.character
        return CaseError(file, f"line {line}", char, "printable text (no control characters)")
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}" if mark else "<yaml>"
    return CaseError(file, where, getattr(exc, "problem", None) or str(exc), "valid YAML")
