"""YAML text to a tree of `Node`s that remember their line and column.

Built from libyaml's event stream, iteratively, because PyYAML's composers recurse
(the C one crashes the interpreter on 100,000 nested brackets). Bounded in depth,
in node count and in file size; aliases are shared, never copied, so an alias bomb
costs nothing; only the YAML core tags are accepted, so no Python object is ever built.
The only module that imports yaml.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import yaml

from .errors import SpecError, Where, shown
from .files import read_bytes
from .limits import MAX_BYTES, MAX_DEPTH, MAX_INT, MAX_INT_DIGITS, MAX_NODES

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CORE = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null")}
_constructor = yaml.SafeLoader("")  # its construct_yaml_* methods turn scalar nodes into values
_resolver = yaml.resolver.Resolver()


class Node(NamedTuple):
    value: object  # None, bool, int, float, str, list[Node], or dict[str, Node]
    line: int  # 1-based
    column: int  # 1-based
    keys: dict | None = None  # for mappings: key -> (line, column) of the key itself


def read_text(path: str) -> str:
    """A spec file's text, or a SpecError for a missing, huge, binary or non-UTF-8 file."""
    where = Where(path)
    data = read_bytes(path, MAX_BYTES, "a spec is a small text file")
    if b"\0" in data:
        raise SpecError(where, "is a binary file, not YAML text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise SpecError(Where(path, line, column), "is not UTF-8 text (byte 0x%02x)" % data[e.start]) from None


# `encoder[1]` names a layer's second output. In a flow list YAML wants it quoted,
# `["encoder[1]", "encoder[2]"]`; unquoted, `[encoder[1], encoder[2]]` (the form of gru-params
# before 0.2) is a syntax error to YAML, which reads the brackets as a nested list. That form is
# still read: before parsing, the brackets become two private-use characters, one character each
# so that columns stay true, turned back in every scalar; and the reader is told where it is, to
# say that other tools cannot read it (OLD_INDEX_FORM). Valid YAML reads the same either way.
_INDEX = re.compile(r"(?<=[\w.\-])\[(\d+)\]")
_OPEN, _CLOSE = "\ue000", "\ue001"
OLD_INDEX_FORM = ("`[encoder[1], encoder[2]]`: output references in a flow list are not YAML that other tools read "
                  "(PyYAML, yamllint, editors); quote them, `[\"encoder[1]\", \"encoder[2]\"]`, or write a block list")


def parse(text: str, path: str, language: str = "YAML", warnings: list | None = None) -> Node | None:
    """The single YAML document in `text` as a Node tree (None for an empty document).
    JSON is YAML too: `language` names it in syntax errors. Where the text writes output
    references in the old, unquoted form, a warning naming the line goes to `warnings`."""
    indexed = "[" in text and _INDEX.search(text) is not None and _OPEN not in text and _CLOSE not in text
    original = text
    if indexed:
        text = _INDEX.sub(_OPEN + r"\1" + _CLOSE, text)
    stack: list[list] = []  # open collections: [node, pending key node or None]
    anchors: dict[str, Node] = {}
    expanded: dict[int, int] = {}  # id(node) -> nodes it stands for, its aliases expanded
    root = None
    documents = count = 0
    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    starts = {yaml.SequenceStartEvent: "seq", yaml.MappingStartEvent: "map"}
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            kind = type(event)
            if kind is scalar:
                node = _scalar(event, path)
                if indexed and isinstance(node.value, str) and _OPEN in node.value:
                    node = node._replace(value=node.value.replace(_OPEN, "[").replace(_CLOSE, "]"))
                if event.anchor:
                    anchors[event.anchor] = node
            elif kind in ends:
                node = stack.pop()[0]
                if not stack:
                    root = node
                    continue
            elif kind in starts:
                if len(stack) >= MAX_DEPTH:
                    raise SpecError(_where(path, event), f"nests deeper than {MAX_DEPTH} levels")
                _check_tag(event, starts[kind], path)
                line, column = event.start_mark.line + 1, event.start_mark.column + 1
                node = Node([], line, column) if kind is yaml.SequenceStartEvent else Node({}, line, column, {})
                if event.anchor:
                    anchors[event.anchor] = node
                count += 1
                stack.append([node, None])
                continue
            elif kind is alias:
                if event.anchor not in anchors:
                    raise SpecError(_where(path, event), f"uses the undefined alias *{event.anchor}")
                node = anchors[event.anchor]
                if any(node is open_[0] for open_ in stack):
                    raise SpecError(_where(path, event), f"alias *{event.anchor} refers to a collection that contains it")
                # Shared here, but whoever reads the spec walks it once per use: count it so
                count += _expanded(node, expanded) - 1
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise SpecError(_where(path, event), "holds a second YAML document; a spec is one document")
                continue
            else:
                continue
            count += 1
            if count > MAX_NODES:
                raise SpecError(_where(path, event), f"has more than {MAX_NODES:,} YAML nodes (counting each use "
                                                     "of an alias in full)")
            if stack:
                _attach(stack, node, path)
            else:
                root = node
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        if "maximum nesting depth" in str(e.problem) and mark and 0 < mark.index < len(text):
            # libyaml 0.2.6 stops at 1,000 levels while reading ahead of the events that check
            # ours: the text up to there gives those events, and our error at its place
            parse(text[:mark.index], path, language)
            raise SpecError(Where(path, mark.line + 1, mark.column + 1), f"nests deeper than {MAX_DEPTH} levels") \
                from None
        where = Where(path, mark.line + 1, mark.column + 1) if mark else Where(path)
        opened = e.context_mark if e.problem and e.context and e.context_mark else None
        where_opened = (f" ({e.context.removeprefix('while ')} that starts at line {opened.line + 1}, "
                        f"column {opened.column + 1})") if opened and opened is not mark else ""
        raise SpecError(where, f"{language} syntax error: {e.problem or e.context}{where_opened}") from None
    except yaml.reader.ReaderError as e:  # a character YAML does not allow; position counts characters
        before = text[: e.position]
        where = Where(path, before.count("\n") + 1, e.position - before.rfind("\n"))
        code = ord(e.character) if isinstance(e.character, str) else e.character
        raise SpecError(where, f"{language} does not allow the character U+{code:04X} ({e.reason})") from None
    except yaml.YAMLError as e:
        raise SpecError(Where(path), f"{language} error: {e}") from None
    except UnicodeEncodeError as e:  # a lone surrogate, from text that was not UTF-8 to begin with
        raise SpecError(Where(path), f"is not valid Unicode text (U+{ord(e.object[e.start]):04X} at character "
                                     f"{e.start:,})") from None
    if indexed and warnings is not None:
        line = _unreadable_line(original)
        if line is not None:
            warnings.append(f"{path}:{line}: {OLD_INDEX_FORM}")
    return root


def _unreadable_line(text: str) -> int | None:
    """Where YAML itself fails on `text` (which parses once its output references are masked):
    the line of the old, unquoted form; None if YAML reads it as it is."""
    try:
        for _ in yaml.parse(text, Loader=_Loader):
            pass
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        return mark.line + 1 if mark else 1
    return None


def _expanded(node: Node, memo: dict[int, int]) -> int:
    """How many nodes `node` stands for, each alias inside it counted in full (memoized, so
    that the walk is linear in the text)."""
    todo = [node]
    while todo:
        n = todo[-1]
        items = n.value if isinstance(n.value, list) else list(n.value.values()) if isinstance(n.value, dict) else ()
        waiting = [c for c in items if id(c) not in memo]
        if waiting:
            todo += waiting
            continue
        todo.pop()
        memo[id(n)] = 1 + (len(items) if isinstance(n.value, dict) else 0) + sum(memo[id(c)] for c in items)
    return memo[id(node)]


def _attach(stack: list[list], node: Node, path: str) -> None:
    """Put `node` into the collection on top of the stack (as a key, a value or an item)."""
    if not stack:
        return
    top = stack[-1]
    parent = top[0]
    if isinstance(parent.value, list):
        parent.value.append(node)
    elif top[1] is None:  # a key
        if not isinstance(node.value, str):
            raise SpecError(Where(path, node.line, node.column), f"mapping keys must be names, got {describe(node)}")
        if node.value in parent.value:
            first = parent.keys[node.value][0]
            raise SpecError(Where(path, node.line, node.column), f"duplicate key `{node.value}` (first at line {first})")
        top[1] = node
    else:
        key = top[1]
        parent.value[key.value] = node
        parent.keys[key.value] = (key.line, key.column)
        top[1] = None


_PLAIN: dict[str, object] = {}  # plain scalar text -> its value; a spec repeats few words


def _scalar(event, path: str) -> Node:
    line, column = event.start_mark.line + 1, event.start_mark.column + 1
    if event.tag is None and event.implicit[0]:
        value = _PLAIN.get(event.value, _SLOW)
        if value is not _SLOW:
            return Node(value, line, column)
        node = _scalar_slow(event, path, line, column)
        if len(_PLAIN) < 4096:
            _PLAIN[event.value] = node.value
        return node
    return _scalar_slow(event, path, line, column)


def _scalar_slow(event, path: str, line: int, column: int) -> Node:
    tag = event.tag
    if tag is None or tag == "!":
        tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
    elif tag not in _SCALAR_TAGS:
        raise SpecError(Where(path, line, column), _tag_message(tag))
    if tag == f"{_CORE}str" or tag not in _SCALAR_TAGS:  # e.g. an implicit timestamp: keep the text
        return Node(event.value, line, column)
    name = tag[len(_CORE):]
    if name == "int":
        return Node(_integer(event.value, Where(path, line, column), tag, event), line, column)
    fast = _FAST.get(name)
    if fast is not None:
        value = fast(event.value)
        if value is not _SLOW:
            return Node(value, line, column)
    return Node(_construct(name, tag, event, Where(path, line, column)), line, column)


def _construct(name: str, tag: str, event, where: Where):
    """A scalar as PyYAML's SafeLoader reads it (0x1f, 1_000, yes, 1e3, ...)."""
    scalar = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)
    try:
        return getattr(_constructor, f"construct_yaml_{name}")(scalar)
    except (ValueError, yaml.YAMLError):
        raise SpecError(where, f"cannot read {shown(event.value)} as {name}") from None


def int64(text: str, read=int) -> int | None:
    """An integer literal read with `read`, or None when it is out of int64 range; checked by
    its length first, so that a long one (or a long 1:2:3 in base 60) is never converted.
    The one rule for YAML specs and JSON configs alike."""
    value = read(text) if len(text) <= MAX_INT_DIGITS else None
    return value if value is not None and -MAX_INT <= value <= MAX_INT else None


def _integer(text: str, where: Where, tag: str, event):
    value = int64(text, int if _DECIMAL.match(text) else lambda t: _construct("int", tag, event, where))
    if value is None:
        raise SpecError(where, f"the integer {shown(text)} is out of range: numbers in a spec fit in 64 bits "
                               f"(at most {MAX_INT:,})")
    return value


_SLOW = object()
_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)\Z")  # not 017: YAML 1.1 reads that as octal
_WORDS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
# The common spellings, read without PyYAML's constructor; the rest (yes, 1e3, ...) go to it.
_FAST = {
    "bool": lambda v: _WORDS.get(v, _SLOW),
    "null": lambda v: None,
}


def _check_tag(event, kind: str, path: str) -> None:
    if event.tag not in (None, "!", f"{_CORE}{kind}"):
        raise SpecError(_where(path, event), _tag_message(event.tag))


def _tag_message(tag: str) -> str:
    shown = tag.replace(_CORE, "!!")
    return f"unsupported YAML tag {shown}: a spec holds plain data (mappings, lists, numbers, text), never objects"


def _where(path: str, event) -> Where:
    return Where(path, event.start_mark.line + 1, event.start_mark.column + 1)


def describe(node: Node) -> str:
    """What a node holds, for messages: `a list`, `a mapping`, or its value in short."""
    if isinstance(node.value, list):
        return "a list"
    if isinstance(node.value, dict):
        return "a mapping"
    return shown(node.value)


def plain(node: Node, _memo: dict | None = None):
    """A node's value as plain Python data. An aliased node becomes one shared object, as in
    PyYAML, so an alias bomb stays as small as its text. A Node may also hold plain data
    already (a dict without `keys`, a list of non-Nodes), as sources/keras.py builds them."""
    if not isinstance(node.value, (list, dict)) or (node.keys is None if isinstance(node.value, dict) else
                                                    bool(node.value) and not isinstance(node.value[0], Node)):
        return node.value
    memo = {} if _memo is None else _memo
    key = id(node)
    if key in memo:
        return memo[key]
    if isinstance(node.value, list):
        memo[key] = out = []
        out.extend(plain(n, memo) for n in node.value)
    elif isinstance(node.value, dict):
        memo[key] = out = {}
        out.update((k, plain(n, memo)) for k, n in node.value.items())
    else:
        out = node.value
    return out
