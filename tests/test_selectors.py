"""Label selectors: the grammar, what each requirement matches, errors, and the canonical form."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcp import rules, selectors
from mcp.errors import Invalid
from mcp.selectors import Requirement, Selector

PROPERTY = settings(max_examples=200, deadline=None)

WEB = {"app": "web", "tier": "front"}
DB = {"app": "db", "tier": "back", "canary": ""}
BARE: dict[str, str] = {}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", Selector(), id="empty"),
        pytest.param("  \t\n", Selector(), id="whitespace-only"),
        pytest.param("app=web", Selector((Requirement("app", "=", ("web",)),)), id="equals"),
        pytest.param("app==web", Selector((Requirement("app", "=", ("web",)),)), id="double"),
        pytest.param("app!=web", Selector((Requirement("app", "!=", ("web",)),)), id="not-eq"),
        pytest.param("app=", Selector((Requirement("app", "=", ("",)),)), id="empty-value"),
        pytest.param("app", Selector((Requirement("app", "exists"),)), id="exists"),
        pytest.param("!app", Selector((Requirement("app", "!"),)), id="not-exists"),
        pytest.param(
            "app in (web,db,web)",
            Selector((Requirement("app", "in", ("db", "web")),)),
            id="in-sorted-deduplicated",
        ),
        pytest.param(
            "app notin (web)", Selector((Requirement("app", "notin", ("web",)),)), id="notin"
        ),
        pytest.param(
            " tier in ( a , b ) , ! canary ,app = web ",
            Selector(
                (
                    Requirement("app", "=", ("web",)),
                    Requirement("canary", "!"),
                    Requirement("tier", "in", ("a", "b")),
                )
            ),
            id="whitespace-and-sorting",
        ),
        pytest.param(
            "app=web,app=web", Selector((Requirement("app", "=", ("web",)),)), id="duplicate"
        ),
        pytest.param(
            "example.com/app=x",
            Selector((Requirement("example.com/app", "=", ("x",)),)),
            id="prefix",
        ),
        pytest.param(
            "in in (in,notin)",
            Selector((Requirement("in", "in", ("in", "notin")),)),
            id="keywords-as-key-and-values",
        ),
    ],
)
def test_parse(text: str, expected: Selector) -> None:
    assert selectors.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "selected"),
    [
        pytest.param("", [WEB, DB, BARE], id="empty-selects-all"),
        pytest.param("app=web", [WEB], id="equals"),
        pytest.param("app!=web", [DB, BARE], id="not-equals-includes-missing-key"),
        pytest.param("app in (web,db)", [WEB, DB], id="in"),
        pytest.param("app notin (web)", [DB, BARE], id="notin-includes-missing-key"),
        pytest.param("canary", [DB], id="exists-with-empty-value"),
        pytest.param("!canary", [WEB, BARE], id="not-exists"),
        pytest.param("canary=", [DB], id="empty-value"),
        pytest.param("canary!=", [WEB, BARE], id="not-empty-value"),
        pytest.param("app=web,tier=back", [], id="conjunction"),
        pytest.param("tier,app!=db", [WEB], id="exists-and-not-equals"),
    ],
)
def test_matches(text: str, selected: list[dict[str, str]]) -> None:
    selector = selectors.parse(text)
    assert [labels for labels in (WEB, DB, BARE) if selector.matches(labels)] == selected


@pytest.mark.parametrize(
    ("text", "message_has"),
    [
        pytest.param(",", "expected a label key, found ','", id="lone-comma"),
        pytest.param("app,", "found the end", id="trailing-comma"),
        pytest.param(",app", "found ','", id="leading-comma"),
        pytest.param("app,,tier", "found ','", id="double-comma"),
        pytest.param("!", "after '!'", id="bang-alone"),
        pytest.param("!!app", "after '!'", id="double-bang"),
        pytest.param("!app=x", "after a requirement, found '='", id="bang-with-value"),
        pytest.param("app web", "found 'web'", id="two-words"),
        pytest.param("app=web tier", "found 'tier'", id="missing-comma"),
        pytest.param("app=web=db", "found '='", id="two-equals"),
        pytest.param("app=(web)", "expected a label value, found '('", id="paren-value"),
        pytest.param("app in ()", "must not be empty", id="in-empty"),
        pytest.param("app notin ()", "must not be empty", id="notin-empty"),
        pytest.param("app in web", "expected '(' after 'app in'", id="in-no-paren"),
        pytest.param("app in (web", "found the end", id="in-unclosed"),
        pytest.param("app in (web,)", "found ')'", id="in-trailing-comma"),
        pytest.param("app in (web db)", "found 'db'", id="in-missing-comma"),
        pytest.param("app in (web))", "found ')'", id="in-extra-paren"),
        pytest.param("app>1", "'>' is not supported", id="gt"),
        pytest.param("app<1", "'<' is not supported", id="lt"),
        pytest.param("App Name", "found 'Name'", id="space-in-key"),
        pytest.param("-app", "invalid key '-app'", id="bad-key"),
        pytest.param("a/b/c=x", "invalid key 'a/b/c'", id="bad-key-slashes"),
        pytest.param("Example.com/app", "invalid key 'Example.com/app': prefix", id="bad-prefix"),
        pytest.param("app=-web", "invalid value '-web'", id="bad-value"),
        pytest.param("app in (ok,b@d)", "invalid value 'b@d'", id="bad-value-in-list"),
        pytest.param("app=" + "v" * 64, "invalid value", id="value-too-long"),
        pytest.param("(", "expected a label key, found '('", id="paren"),
        pytest.param("=web", "expected a label key, found '='", id="no-key"),
    ],
)
def test_invalid(text: str, message_has: str) -> None:
    with pytest.raises(Invalid) as caught:
        selectors.parse(text)
    [(field, message)] = caught.value.errors
    assert field == "labelSelector"
    assert message_has in message


def test_not_a_string() -> None:
    with pytest.raises(Invalid, match="must be a string"):
        selectors.parse(5)  # type: ignore[arg-type]  # a caller bypassing the types


def test_long_bad_parts_are_shortened_in_messages() -> None:
    with pytest.raises(Invalid) as caught:
        selectors.parse("x" * 10_000 + "!")
    assert len(str(caught.value)) < 300


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        pytest.param("", "", id="empty"),
        pytest.param("app==web", "app=web", id="double-equals"),
        pytest.param(" b , a ", "a,b", id="sorted"),
        pytest.param("app notin ( z ,y )", "app notin (y,z)", id="values-sorted"),
        pytest.param("! app", "!app", id="bang-space"),
        pytest.param("app = ", "app=", id="empty-value"),
        pytest.param("app != ", "app!=", id="not-empty-value"),
    ],
)
def test_canonical_form(text: str, canonical: str) -> None:
    assert str(selectors.parse(text)) == canonical


# --- properties -----------------------------------------------------------------------------

LABEL_NAMES = st.from_regex(r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?", fullmatch=True)
DNS_LABELS = st.from_regex(r"[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?", fullmatch=True)
PREFIXES = st.lists(DNS_LABELS, min_size=1, max_size=3).map(".".join)
KEYS = st.one_of(
    st.sampled_from(["app", "tier", "in", "notin", "example.com/app"]),
    LABEL_NAMES,
    st.builds(lambda prefix, name: f"{prefix}/{name}", PREFIXES, LABEL_NAMES),
)
VALUES = st.one_of(st.sampled_from(["", "web", "db", "in"]), LABEL_NAMES)
SPACE = st.sampled_from(["", " ", "  ", "\t", "\n"])


@st.composite
def requirement_texts(draw: st.DrawFn) -> str:
    """One requirement as a user might type it, with optional whitespace between tokens."""

    def gap() -> str:
        return draw(SPACE)

    key = draw(KEYS)
    kind = draw(st.sampled_from(["exists", "!", "=", "==", "!=", "in", "notin"]))
    if kind == "exists":
        return key
    if kind == "!":
        return f"!{gap()}{key}"
    if kind in ("=", "==", "!="):
        return f"{key}{gap()}{kind}{gap()}{draw(VALUES)}"
    values = draw(st.lists(VALUES.filter(bool), min_size=1, max_size=4))
    inner = f"{gap()},{gap()}".join(values)
    return f"{key} {gap()}{kind}{gap()}({gap()}{inner}{gap()})"


SELECTOR_TEXTS = st.lists(requirement_texts(), max_size=5).flatmap(
    lambda parts: st.sampled_from([",", " ,", ", ", "\t,\n"]).map(lambda comma: comma.join(parts))
)
LABEL_SETS = st.dictionaries(KEYS, VALUES, max_size=5)


@PROPERTY
@given(st.text())
def test_any_text_parses_or_raises_invalid(text: str) -> None:
    try:
        selector = selectors.parse(text)
    except Invalid as error:
        errors = error.errors
    else:
        errors = [("labelSelector", "")]
        assert selectors.parse(str(selector)) == selector
    assert [field for field, _ in errors] == ["labelSelector"]


@PROPERTY
@given(st.lists(st.sampled_from(["a", "b", "=", "==", "!=", "!", "(", ")", ",", " ", "in"])))
def test_token_soup_parses_or_raises_invalid(tokens: list[str]) -> None:
    text = "".join(tokens)
    try:
        selector = selectors.parse(text)
    except Invalid:
        return
    assert selectors.parse(str(selector)) == selector


@PROPERTY
@given(SELECTOR_TEXTS, LABEL_SETS)
def test_round_trip_keeps_meaning(text: str, labels: dict[str, str]) -> None:
    selector = selectors.parse(text)
    again = selectors.parse(str(selector))
    assert again == selector
    assert str(again) == str(selector)
    assert again.matches(labels) == selector.matches(labels)


@PROPERTY
@given(st.lists(requirement_texts(), min_size=1, max_size=5), LABEL_SETS)
def test_selector_is_the_conjunction_of_its_requirements(
    parts: list[str], labels: dict[str, str]
) -> None:
    whole = selectors.parse(",".join(parts)).matches(labels)
    assert whole == all(selectors.parse(part).matches(labels) for part in parts)


@PROPERTY
@given(KEYS, VALUES, LABEL_SETS)
def test_negations_are_complements(key: str, value: str, labels: dict[str, str]) -> None:
    def matches(text: str) -> bool:
        return selectors.parse(text).matches(labels)

    assert matches(f"{key}={value}") != matches(f"{key}!={value}")
    assert matches(key) != matches(f"!{key}")
    if value:
        assert matches(f"{key} in ({value})") != matches(f"{key} notin ({value})")
        assert matches(f"{key} in ({value})") == matches(f"{key}={value}")


@PROPERTY
@given(KEYS)
def test_generated_keys_are_valid_label_keys(key: str) -> None:
    assert rules.label_key_problem(key) is None
