"""A regular expression said the way a person would: the customer-code pattern of settings (``customers.code_pattern``,
CUS001) shown to clerks who do not read regular expressions.

:func:`describe` understands the patterns an admin is likely to configure — literal prefixes, ``\\d{n}``,
``[A-Z]{n}``, ``[0-9]{m,n}``, ``+``, optional parts (``-?``, ``(-\\d{2})?``), alternatives (``(KH|KS)``, or whole
anchored alternatives ``^KH\\d{5}$|^KS\\d{6}$``) and the anchors — and says them in words: ``^KH\\d{5}$`` is
「应为 KH 加 5 位数字」 / "should be KH followed by 5 digits". A pattern it can read but not word honestly (a class such
as ``[A-HJ-NP-Z]``, ``\\w``, a negated class) is shown as an example that matches (「应形如「KHA123」」); only what it
cannot read at all (look-arounds, back-references, inline flags, word boundaries) is quoted as written. Every
description is checked: the example it implies must match the pattern, else the pattern is quoted.

This module imports nothing else of the product.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Kind = Literal["words", "example", "pattern"]


@dataclass(frozen=True)
class Said:
    """What a value should look like, in Chinese and English, and how it was said."""

    zh: str
    en: str
    kind: Kind


class _Unsupported(Exception):
    """A construct this module does not read (the pattern is then quoted)."""


class _NoWords(Exception):
    """Readable, but not to be put in words honestly (an example is shown instead)."""


# ---------------------------------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class _Lit:
    char: str


@dataclass(frozen=True)
class _Class:
    chars: frozenset[str]  # the printable ASCII characters it takes
    words: tuple[str, str, str, str] | None  # (zh word, zh unit, en singular, en plural); None: no honest words


@dataclass(frozen=True)
class _Group:
    alternatives: tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class _Repeat:
    node: object
    low: int
    high: int | None  # None: no upper bound


@dataclass(frozen=True)
class _Branch:
    """One top-level alternative: its nodes and its anchors."""

    nodes: tuple[object, ...]
    start: bool
    end: bool


_PRINTABLE = [chr(c) for c in range(32, 127)]
_DIGITS = frozenset("0123456789")
_UPPER = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LOWER = frozenset("abcdefghijklmnopqrstuvwxyz")
_ANY = frozenset(_PRINTABLE)
# The classes staff configure, by the ASCII characters they take.
_CLASS_WORDS: dict[frozenset[str], tuple[str, str, str, str]] = {
    _DIGITS: ("数字", "位", "digit", "digits"),
    frozenset("123456789"): ("非零数字", "位", "non-zero digit", "non-zero digits"),
    _UPPER: ("大写字母", "个", "capital letter", "capital letters"),
    _LOWER: ("小写字母", "个", "lower-case letter", "lower-case letters"),
    _UPPER | _LOWER: ("字母", "个", "letter", "letters"),
    _UPPER | _DIGITS: ("大写字母或数字", "个", "capital letter or digit", "capital letters or digits"),
    _UPPER | _LOWER | _DIGITS: ("字母或数字", "个", "letter or digit", "letters or digits"),
}
_DOT = _Class(_ANY, ("任意字符", "个", "character of any kind", "characters of any kind"))
# Escapes that stand for one literal character.
_LITERAL_ESCAPES = set(r"\.^$*+?{}[]()|-/#&~ '\"!%,:;<=>@_`")


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0

    def peek(self, ahead: int = 0) -> str:
        i = self.pos + ahead
        return self.text[i] if i < len(self.text) else ""

    def branches(self) -> list[_Branch]:
        """Top-level alternatives, each with its own anchors (``^…$``, ``\\A…\\Z``)."""
        out = []
        while True:
            start = self._anchor(("^", r"\A"))
            nodes = self.sequence()
            end = bool(nodes) and nodes[-1] == "END"
            if end:
                nodes = nodes[:-1]
            if "END" in nodes:
                raise _Unsupported("an end anchor inside the pattern")
            out.append(_Branch(tuple(nodes), start, end))
            if self.peek() == "|":
                self.pos += 1
                continue
            if self.peek():
                raise _Unsupported(f"unexpected {self.peek()!r}")
            return out

    def _anchor(self, spellings: tuple[str, ...]) -> bool:
        for s in spellings:
            if self.text.startswith(s, self.pos):
                self.pos += len(s)
                return True
        return False

    def sequence(self) -> list[object]:
        nodes: list[object] = []
        while self.peek() and self.peek() not in "|)":
            if self._anchor(("$", r"\Z", r"\z")):
                nodes.append("END")
                continue
            atom = self.atom()
            nodes.append(self.quantified(atom))
        return nodes

    def atom(self) -> object:
        c = self.peek()
        if c == "(":
            return self.group()
        if c == "[":
            return self.klass()
        if c == ".":
            self.pos += 1
            return _DOT
        if c == "\\":
            return self.escape()
        if c in "^*+?{":
            raise _Unsupported(f"{c!r} where a character was expected")
        if not c.isprintable():
            raise _Unsupported("a control character")
        self.pos += 1
        return _Lit(c)

    def group(self) -> _Group:
        self.pos += 1
        if self.peek() == "?":
            if self.text.startswith("?:", self.pos):
                self.pos += 2
            elif self.text.startswith("?P<", self.pos):
                close = self.text.find(">", self.pos)
                if close < 0:
                    raise _Unsupported("unterminated group name")
                self.pos = close + 1
            else:  # look-arounds, inline flags, conditionals, comments
                raise _Unsupported("(?…) construct")
        alternatives = [tuple(self.sequence())]
        while self.peek() == "|":
            self.pos += 1
            alternatives.append(tuple(self.sequence()))
        if self.peek() != ")":
            raise _Unsupported("unbalanced parenthesis")
        self.pos += 1
        if any("END" in alt for alt in alternatives):
            raise _Unsupported("an anchor inside a group")
        return _Group(tuple(alternatives))

    def klass(self) -> _Class:
        close = self.pos + 1
        if self.text.startswith("^", close):
            close += 1
        if self.text.startswith("]", close):
            close += 1
        while close < len(self.text) and self.text[close] != "]":
            close += 2 if self.text[close] == "\\" else 1
        if close >= len(self.text):
            raise _Unsupported("unterminated class")
        source = self.text[self.pos : close + 1]
        self.pos = close + 1
        body = source[1:-1]
        if "[:" in body or "--" in body or "&&" in body or "~~" in body:
            raise _Unsupported("set operations in a class")
        chars = frozenset(c for c in _PRINTABLE if re.fullmatch(source, c))
        # A negated class or \w \s \W \S \D take much more than ASCII (Chinese characters, spaces…): no honest words.
        honest = not body.startswith("^") and not re.search(r"\\[wsWSD]", body)
        return _Class(chars, _CLASS_WORDS.get(chars) if honest else None)

    def escape(self) -> object:
        c = self.peek(1)
        self.pos += 2
        if c == "d":
            return _Class(_DIGITS, _CLASS_WORDS[_DIGITS])
        if c in "wsDWS":
            return _Class(frozenset(x for x in _PRINTABLE if re.fullmatch("\\" + c, x)), None)
        if c in _LITERAL_ESCAPES:
            return _Lit(c)
        raise _Unsupported(f"escape \\{c}")  # back-references, \b, \n, \x…: not read

    def quantified(self, atom: object) -> object:
        c = self.peek()
        low: int
        high: int | None
        if c == "*":
            low, high = 0, None
        elif c == "+":
            low, high = 1, None
        elif c == "?":
            low, high = 0, 1
        elif c == "{":
            m = re.compile(r"\{(\d*)(,?)(\d*)\}").match(self.text, self.pos)
            if m is None or not (m[1] or m[3]):
                raise _Unsupported("a brace that is not a repetition")
            low = int(m[1] or 0)
            high = low if not m[2] else (int(m[3]) if m[3] else None)
            self.pos = m.end() - 1
        else:
            return atom
        self.pos += 1
        if self.peek() in ("?", "+"):  # lazy or possessive: the same set of texts
            self.pos += 1
        return _Repeat(atom, low, high)


# ---------------------------------------------------------------------------------------------------- examples


def _pick(chars: frozenset[str], k: int) -> str:
    """A representative character of a class; digits-only classes count up (12345) so an example looks real."""
    if chars and chars <= _DIGITS:
        order = [d for d in "1234567890" if d in chars]
        return order[k % len(order)]
    for pool in ("ABCDEFGHJKLMNPQRSTUVWXYZ", "1234567890", "abcdefghijkmnpqrstuvwxyz"):
        for c in pool:
            if c in chars:
                return c
    for c in _PRINTABLE:
        if c in chars:
            return c
    raise _Unsupported("a class that takes no printable character")


def _example(nodes: tuple[object, ...]) -> str:
    out = []
    for node in nodes:
        if isinstance(node, _Lit):
            out.append(node.char)
        elif isinstance(node, _Class):
            out.append(_pick(node.chars, 0))
        elif isinstance(node, _Group):
            out.append(_example(node.alternatives[0]))
        elif isinstance(node, _Repeat):
            count = node.low if node.low else (1 if node.high is None or node.high >= 1 else 0)
            if isinstance(node.node, _Class):
                out.append("".join(_pick(node.node.chars, k) for k in range(count)))
            else:
                out.append(_example((node.node,)) * count)
    return "".join(out)


# ---------------------------------------------------------------------------------------------------- words


@dataclass(frozen=True)
class _Part:
    zh: str
    en: str
    optional: bool = False
    en_optional: str = ""  # "an optional '-'", for a single optional part inside a sequence


def _is_cjk(c: str) -> bool:
    return "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff"


def _is_latin(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _spaced(*pieces: str) -> str:
    """Concatenate Chinese text, with a space between Chinese characters and Latin letters or digits."""
    out = ""
    for piece in pieces:
        if out and piece and ((_is_cjk(out[-1]) and _is_latin(piece[0])) or (_is_latin(out[-1]) and _is_cjk(piece[0]))):
            out += " "
        out += piece
    return out


def _literal(text: str) -> _Part:
    if all(_is_latin(c) for c in text):
        return _Part(text, text, en_optional=f"an optional {text}")
    return _Part(f"「{text}」", f"'{text}'", en_optional=f"an optional '{text}'")


def _counted(words: tuple[str, str, str, str], low: int, high: int | None) -> _Part:
    zh, unit, one, many = words
    if high == low:
        if low == 0:
            raise _NoWords("a part repeated zero times")
        return _Part(f"{low} {unit}{zh}", f"a {one}" if low == 1 else f"{low} {many}", en_optional=f"an optional {one}")
    if high is None:
        if low == 0:
            return _Part(f"零或多{unit}{zh}", f"zero or more {many}")
        if low == 1:
            return _Part(f"1 {unit}或多{unit}{zh}", f"one or more {many}")
        return _Part(f"至少 {low} {unit}{zh}", f"at least {low} {many}")
    if low == 0:
        return _Part(f"最多 {high} {unit}{zh}", f"up to {high} {many}")
    return _Part(f"{low}～{high} {unit}{zh}", f"{low} to {high} {many}")


def _parts(nodes: tuple[object, ...]) -> list[_Part]:
    parts: list[_Part] = []
    run = ""  # consecutive literal characters are one literal

    def flush() -> None:
        nonlocal run
        if run:
            parts.append(_literal(run))
            run = ""

    for node in nodes:
        if isinstance(node, _Lit):
            run += node.char
            continue
        if isinstance(node, _Repeat) and isinstance(node.node, _Lit) and node.low == node.high and node.low > 0:
            run += node.node.char * node.low
            continue
        flush()
        if isinstance(node, _Repeat) and node.low == 0 and node.high == 1:
            inner = _parts((node.node,))
            if not inner or any(p.optional for p in inner):
                raise _NoWords("an optional part of no words, or of optional parts")
            parts.append(_optional(inner))
        elif isinstance(node, _Class):
            parts.append(_counted(_words(node), 1, 1))
        elif isinstance(node, _Repeat) and isinstance(node.node, _Class):
            parts.append(_counted(_words(node.node), node.low, node.high))
        elif isinstance(node, _Group):
            if len(node.alternatives) == 1:
                parts.extend(_parts(node.alternatives[0]))
            else:
                parts.append(_either([_parts(alt) for alt in node.alternatives]))
        else:
            raise _NoWords("a repeated group or literal")
    flush()
    return parts


def _words(node: _Class) -> tuple[str, str, str, str]:
    if node.words is None:
        raise _NoWords("a class without words")
    return node.words


def _optional(inner: list[_Part]) -> _Part:
    if len(inner) == 1 and inner[0].en_optional:
        return _Part(inner[0].zh, inner[0].en, optional=True, en_optional=inner[0].en_optional)
    return _Part(_joined(inner, "和"), " and ".join(p.en for p in inner), optional=True)


def _either(alternatives: list[list[_Part]]) -> _Part:
    if any(not alt or any(p.optional for p in alt) for alt in alternatives):
        raise _NoWords("an empty or optional alternative")
    zh = [_joined(alt, "加") for alt in alternatives]
    en = [" followed by ".join(p.en for p in alt) for alt in alternatives]
    if any(len(alt) > 1 for alt in alternatives):
        zh, en = [f"（{z}）" for z in zh], [f"({e})" for e in en]
    return _Part(_spaced(*_interleave(zh, "或")), " or ".join(en))


def _interleave(items: list[str], joiner: str) -> list[str]:
    out: list[str] = []
    for i, item in enumerate(items):
        if i:
            out.append(joiner)
        out.append(item)
    return out


def _joined(parts: list[_Part], joiner: str) -> str:
    return _spaced(*_interleave([p.zh for p in parts], joiner))


def _sequence(parts: list[_Part]) -> tuple[str, str]:
    """A sequence in words; optional parts at its end become 「，其后可再加 …」 / ", optionally followed by …"."""
    tail: list[_Part] = []
    while parts and parts[-1].optional and len(parts) > 1:
        tail.insert(0, parts.pop())
    zh_items, en_items = [], []
    for p in parts:
        if p.optional:
            zh_items.append(_spaced("可选的", p.zh) if p.en_optional else f"可选的（{p.zh}）")
            en_items.append(p.en_optional or f"optionally ({p.en})")
        else:
            zh_items.append(p.zh)
            en_items.append(p.en)
    zh = _spaced(*_interleave(zh_items, "加"))
    en = " followed by ".join(en_items)
    for p in tail:
        zh = _spaced(zh, "，其后可再加", p.zh)
        en += f", optionally followed by {p.en}"
    return zh, en


_FRAMES = {  # (start anchor, end anchor) -> zh before, zh after, en before
    (True, True): ("应为", "", "should be "),
    (True, False): ("应以", "开头", "should start with "),
    (False, True): ("应以", "结尾", "should end with "),
    (False, False): ("应包含", "", "should contain "),
}


def _in_words(branches: list[_Branch]) -> Said:
    anchors = {(b.start, b.end) for b in branches}
    if len(anchors) != 1:
        raise _NoWords("alternatives anchored differently")
    before, after, en_before = _FRAMES[anchors.pop()]
    said = [_sequence(_parts(b.nodes)) for b in branches]
    if any(not zh for zh, _ in said):
        raise _NoWords("an empty alternative")
    zh = _spaced(*_interleave([z for z, _ in said], "，或"))
    return Said(_spaced(before, zh, after), en_before + ", or ".join(e for _, e in said), "words")


def _quoted(pattern: str) -> Said:
    return Said(f"应符合正则表达式「{pattern}」", f"should match the regular expression '{pattern}'", "pattern")


@lru_cache(maxsize=64)
def describe(pattern: str) -> Said:
    """What a text matching ``pattern`` (as :func:`re.search` applies it) looks like, said for people."""
    try:
        compiled = re.compile(pattern)
        branches = _Parser(pattern).branches()
        example = _example(branches[0].nodes)
    except (re.error, _Unsupported):
        return _quoted(pattern)
    if not example or not compiled.search(example):  # nothing to show, or we misread it: say it as written
        return _quoted(pattern)
    try:
        return _in_words(branches)
    except _NoWords:
        pass
    if branches[0].start and branches[0].end:
        return Said(f"应形如「{example}」", f"should look like '{example}'", "example")
    return Said(f"应包含形如「{example}」的内容", f"should contain something like '{example}'", "example")
