"""Kubernetes label selectors: parse `kubectl -l` syntax, match label sets, print canonically.

Owns the selector grammar: comma-separated requirements, each one of `key=value`,
`key==value`, `key!=value`, `key in (v1,v2)`, `key notin (v1,v2)`, `key` (the key
exists) and `!key` (it does not); the empty string selects everything. As in
Kubernetes, `!=` and `notin` also match objects without the key. Keys must pass
`rules.label_key_problem` and values `rules.label_value_problem`.

Pure: no I/O, no trio. `parse` raises nothing but `Invalid` whatever string it gets, with
one `("labelSelector", message)` entry naming the bad part; a parsed `Selector` is
immutable, and equal selectors print the same (`str(parse(str(s))) == str(s)`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal, NoReturn

from mcp import rules
from mcp.errors import Invalid

FIELD = "labelSelector"

# The grammar as one JSON Schema pattern, for the OpenAPI documents: a string matches it
# exactly when `parse` accepts it (but for a key prefix over 253 characters).
_S = r"[ \t\r\n]*"
_KEY = rules.LABEL_KEY_SCHEMA["pattern"][1:-1]
_VALUE = rules.LABEL_VALUE_SCHEMA["pattern"][1:-1]
_LISTED = _VALUE[3:-2]  # a value in parentheses is not empty: the pattern without its (?:...)?
_TERM = (
    rf"{_S}(?:!{_S}{_KEY}|{_KEY}(?:{_S}(?:=|==|!=){_S}{_VALUE}"
    rf"|[ \t\r\n]+(?:in|notin){_S}\({_S}{_LISTED}{_S}(?:,{_S}{_LISTED}{_S})*\))?){_S}"
)
SCHEMA: dict[str, Any] = {"type": "string", "pattern": rf"^(?:{_S}|{_TERM}(?:,{_TERM})*)$"}

Operator = Literal["exists", "!", "=", "!=", "in", "notin"]

# One character each, except "==" and "!=" (the lexer looks one ahead). '<' and '>' are
# Kubernetes' gt/lt, which mcp does not support: lexing them as operators gives a clear
# error instead of an odd "invalid key".
_SYMBOLS = frozenset("!=(),<>")
_SPACE = frozenset(" \t\r\n")
_TOKEN_SYMBOLS = frozenset({"!", "=", "==", "!=", "(", ")", ",", "<", ">"})
_END = ""  # the token after the last one (the lexer never yields an empty word)


@dataclass(frozen=True, order=True)
class Requirement:
    """One condition on one label.

    Attributes:
        key: the label key.
        operator: `exists`, `!` (does not exist), `=`, `!=`, `in` or `notin`.
        values: sorted and without duplicates; one value for `=` and `!=`, at least one
            for `in` and `notin`, none for `exists` and `!`.
    """

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether `labels` satisfy this requirement."""
        present = self.key in labels
        match self.operator:
            case "exists":
                return present
            case "!":
                return not present
            case "=" | "in":
                return present and labels[self.key] in self.values
            case "!=" | "notin":
                return not present or labels[self.key] not in self.values
        raise AssertionError(self.operator)  # pragma: no cover - Literal is exhaustive

    def __str__(self) -> str:
        match self.operator:
            case "exists":
                return self.key
            case "!":
                return f"!{self.key}"
            case "=" | "!=":
                return f"{self.key}{self.operator}{self.values[0]}"
            case "in" | "notin":
                return f"{self.key} {self.operator} ({','.join(self.values)})"
        raise AssertionError(self.operator)  # pragma: no cover - Literal is exhaustive


@dataclass(frozen=True)
class Selector:
    """A conjunction of requirements; no requirements selects everything.

    Attributes:
        requirements: sorted and without duplicates, so equal selectors compare equal.
    """

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether an object with `labels` is selected.

        Args:
            labels: the object's labels.

        Returns:
            True if every requirement holds.
        """
        return all(requirement.matches(labels) for requirement in self.requirements)

    def __str__(self) -> str:
        return ",".join(str(requirement) for requirement in self.requirements)


def parse(text: str) -> Selector:
    """Parse a label selector in `kubectl -l` syntax.

    Args:
        text: the selector, e.g. `app=web,tier in (front,back),!canary`.

    Returns:
        The selector, in canonical order.

    Raises:
        Invalid: one `("labelSelector", message)` entry naming the bad part.
    """
    if not isinstance(text, str):
        raise Invalid([(FIELD, "must be a string")])
    parser = _Parser(text)
    requirements: set[Requirement] = set()
    if parser.peek() == _END:
        return Selector()
    while True:
        requirements.add(parser.requirement())
        token = parser.take()
        if token == _END:
            return Selector(tuple(sorted(requirements)))
        if token != ",":
            parser.fail(f"expected ',' or the end after a requirement, found {_show(token)}")


class _Parser:
    def __init__(self, text: str) -> None:
        self._tokens = list(_lex(text))
        self._next = 0

    def peek(self) -> str:
        return self._tokens[self._next] if self._next < len(self._tokens) else _END

    def take(self) -> str:
        token = self.peek()
        self._next += 1
        return token

    def fail(self, message: str) -> NoReturn:
        raise Invalid([(FIELD, message)])

    def requirement(self) -> Requirement:
        token = self.take()
        if token == "!":
            return Requirement(self.key(self.take(), after="'!'"), "!")
        key = self.key(token, after=None)
        operator = self.peek()
        if operator in (",", _END):
            return Requirement(key, "exists")
        self.take()
        if operator in ("=", "==", "!="):
            value = self.peek()
            # `key=` (nothing before ',' or the end) is the empty value, as in Kubernetes.
            value = "" if value in (",", _END) else self.take()
            return Requirement(key, "!=" if operator == "!=" else "=", (self.value(value),))
        if operator in ("in", "notin"):
            kind: Operator = "in" if operator == "in" else "notin"
            return Requirement(key, kind, self.values(key, operator))
        if operator in ("<", ">"):
            self.fail(f"operator {_show(operator)} is not supported")
        self.fail(
            f"expected '=', '==', '!=', 'in', 'notin', ',' or the end after key {_show(key)}, "
            f"found {_show(operator)}"
        )

    def key(self, token: str, *, after: str | None) -> str:
        if token == _END or token in _TOKEN_SYMBOLS:
            where = f" after {after}" if after else ""
            self.fail(f"expected a label key{where}, found {_show(token)}")
        if problem := rules.label_key_problem(token):
            self.fail(f"invalid key {_show(token)}: {problem}")
        return token

    def value(self, token: str) -> str:
        if token in _TOKEN_SYMBOLS:
            self.fail(f"expected a label value, found {_show(token)}")
        if problem := rules.label_value_problem(token):
            self.fail(f"invalid value {_show(token)}: {problem}")
        return token

    def values(self, key: str, operator: str) -> tuple[str, ...]:
        where = _show(f"{key} {operator} (...)")
        if (token := self.take()) != "(":
            self.fail(f"expected '(' after {_show(f'{key} {operator}')}, found {_show(token)}")
        values: set[str] = set()
        while True:
            token = self.take()
            if token == ")" and not values:
                self.fail(f"the list of values in {where} must not be empty")
            if token in (",", ")", _END):
                self.fail(f"expected a value in {where}, found {_show(token)}")
            values.add(self.value(token))
            token = self.take()
            if token == ")":
                return tuple(sorted(values))
            if token != ",":
                self.fail(f"expected ',' or ')' in {where}, found {_show(token)}")


def _lex(text: str) -> Iterator[str]:
    """Split `text` into symbols and words; whitespace only separates."""
    at, end = 0, len(text)
    while at < end:
        char = text[at]
        if char in _SPACE:
            at += 1
        elif char in _SYMBOLS:
            pair = text[at : at + 2]
            if pair in ("==", "!="):
                yield pair
                at += 2
            else:
                yield char
                at += 1
        else:
            start = at
            while at < end and text[at] not in _SPACE and text[at] not in _SYMBOLS:
                at += 1
            yield text[start:at]


def _show(token: str) -> str:
    if token == _END:
        return "the end"
    text = repr(token)
    return text if len(text) <= 40 else text[:37] + "..."
