"""apimachinery's validation, in its words: what kube-apiserver says about a bad name,
label, annotation, finalizer or namespace, so that kubectl prints what a cluster makes it.

A port of k8s.io/apimachinery 0.37: `pkg/util/validation` (IsDNS1123Label,
IsDNS1123Subdomain, IsConfigMapKey and their messages; IsQualifiedName and
IsValidLabelValue are `pkg/api/validate/content`'s, which count lengths in bytes),
`pkg/util/validation/field` (an error's body: `Invalid value: "x": ...`, `Required value`,
`Too long: ...`, and the list's aggregate), and how `pkg/api/validation`
(ValidateObjectMeta, ValidateAnnotations, ValidateOwnerReferences, ValidateFinalizers) and
`pkg/apis/meta/v1/validation` (ValidateLabels) put them together, with core/v1's finalizer
rule (`pkg/apis/core/validation`, validateKubeFinalizerName).

A problem is `(field path, body)`, the body as upstream's `field.Error.ErrorBody()`.
The rules themselves (patterns, lengths) are `mcp.rules`'; only the words are upstream's
here. mcp's own paths word the same rules their own way (`rules.*_problem`). Pure: no
I/O, nothing from mcp but `rules`.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from mcp import rules

Problem = tuple[str, str]
Problems = list[Problem]
# A ValidateNameFunc: why `name` may not name an object; `prefix` for a generateName.
NameRule = Callable[[str, bool], list[str]]


class Forbidden(Exception):
    """An admission plugin's refusal of an object, answered 403 as `<resource> "<name>" is
    forbidden: <the exception's message>`."""


# --- field.Error bodies --------------------------------------------------------------------

# Go's strconv.Quote escapes for these; other control characters are \xNN.
_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_GO_ESCAPES["\v"] = "\\v"


def go_quote(text: str) -> str:
    """`text` as Go's `%q` writes it (strconv.Quote): printable characters as they are,
    `"` and `\\` escaped, control characters as `\\n` or `\\x00`, other unprintable ones
    as `\\u00ad`. A lone surrogate (JSON can carry one) is U+FFFD, as Go decodes it."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        elif char.isprintable():  # Go's unicode.IsPrint: not Other, not Separator but ' '
            out.append(char)
        elif char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def rfc3339(moment: datetime) -> str:
    """metav1.Time as JSON: RFC 3339 to the second, in UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def go_duration(nanoseconds: int) -> str:
    """Go's `time.Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`."""
    sign, left = ("-" if nanoseconds < 0 else ""), abs(nanoseconds)
    if left == 0:
        return "0s"
    if left < 1_000_000_000:
        unit, precision = ("ns", 0) if left < 1000 else ("µs", 3) if left < 10**6 else ("ms", 6)
        whole, fraction = _fraction(left, precision)
        return f"{sign}{whole}{fraction}{unit}"
    seconds, fraction = _fraction(left, 9)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{seconds}{fraction}s"
    if minutes or hours:
        text = f"{minutes}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return f"{sign}{text}"


def _fraction(value: int, precision: int) -> tuple[int, str]:
    """`value / 10**precision`: the whole part and `.digits` without trailing zeros."""
    whole, part = divmod(value, 10**precision)
    digits = f"{part:0{precision}d}".rstrip("0") if precision else ""
    return whole, f".{digits}" if digits else ""


def _go_float(number: float) -> str:
    """Go's `%v` of a float64: the shortest digits that read back as it (Python's repr
    finds the same), in exponent form when the exponent is below -4 or at least 6
    (`1e+06`, `123456`, `0.0001`, `1e-05`)."""
    if number == 0:
        return "-0" if math.copysign(1, number) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(number)).normalize().as_tuple()
    assert isinstance(exponent, int)  # finite: JSON carries no NaN or infinity
    digits = "".join(map(str, digit_tuple))
    minus = "-" if sign else ""
    point = len(digits) - 1 + exponent  # the power of ten of the first digit
    if point < -4 or point >= 6:
        mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
        return f"{minus}{mantissa}e{'-' if point < 0 else '+'}{abs(point):02d}"
    if point < 0:
        return f"{minus}0.{'0' * (-point - 1)}{digits}"
    whole = digits[: point + 1].ljust(point + 1, "0")
    fraction = digits[point + 1 :]
    return f"{minus}{whole}{'.' + fraction if fraction else ''}"


def go_json(value: Any) -> str:
    """`value` as Go's json.Marshal writes it: compact, `<`, `>` and `&` escaped. Keys in
    the order given: pass a struct's in its field order, a map's sorted."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def go_value(value: Any) -> str:
    """A bad value as `field.Error` shows it: numbers and booleans as `%v`, strings as
    `%q`, anything else as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    return go_json(value)


def _body(kind: str, detail: str) -> str:
    return f"{kind}: {detail}" if detail else kind


def invalid(field: str, value: Any, detail: str = "") -> Problem:
    """`field.Invalid`: `Invalid value: "x": detail`. Never pass a secret's value."""
    return field, _body(f"Invalid value: {go_value(value)}", detail)


def required(field: str, detail: str = "") -> Problem:
    """`field.Required`: `Required value[: detail]`."""
    return field, _body("Required value", detail)


def forbidden(field: str, detail: str) -> Problem:
    """`field.Forbidden`: `Forbidden: detail`."""
    return field, _body("Forbidden", detail)


def too_long(field: str, max_bytes: int) -> Problem:
    """`field.TooLong`: `Too long: may not be more than N bytes` (the value not shown)."""
    unit = "byte" if max_bytes == 1 else "bytes"
    return field, f"Too long: may not be more than {max_bytes} {unit}"


def duplicate(field: str, value: Any, detail: str = "") -> Problem:
    """`field.Duplicate`: `Duplicate value: "x"[: detail]`."""
    return field, _body(f"Duplicate value: {go_value(value)}", detail)


def not_found(field: str, value: Any) -> Problem:
    """`field.NotFound`: `Not found: "x"`."""
    return field, f"Not found: {go_value(value)}"


def not_supported(field: str, value: Any, supported: Sequence[str]) -> Problem:
    """`field.NotSupported`: `Unsupported value: "x": supported values: "a", "b"`."""
    listed = ", ".join(go_quote(choice) for choice in supported)
    return field, _body(f"Unsupported value: {go_value(value)}", f"supported values: {listed}")


def one_of(field: str, value: str, supported: Sequence[str]) -> Problems:
    """An enum field as upstream checks one: `Required value` when empty, else one of
    `supported` (`Unsupported value`)."""
    if not value:
        return [required(field)]
    return [] if value in supported else [not_supported(field, value, supported)]


def aggregate(problems: Problems) -> str:
    """The problems as `ErrorList.ToAggregate().Error()` writes them: `field: body`, each
    once; one alone, several as `[a, b]`."""
    errors = list(dict.fromkeys(f"{field}: {body}" for field, body in problems))
    return errors[0] if len(errors) == 1 else f"[{', '.join(errors)}]"


# --- util/validation messages ----------------------------------------------------------------

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_ERROR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character"
)
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character"
)
LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_KEY_ERROR = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with "
    "an alphanumeric character"
)
LABEL_VALUE_FMT = "(" + LABEL_KEY_FMT + ")?"
LABEL_VALUE_ERROR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character"
)
CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
CONFIG_KEY_ERROR = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"
CONFIG_KEY_RE = re.compile(CONFIG_KEY_FMT)


def regex_error(message: str, fmt: str, *examples: str) -> str:
    """RegexError: the message, its examples, and the pattern (Go's, as upstream shows it)."""
    if not examples:
        return f"{message} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{example}', " for example in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def inclusive_range_error(low: int, high: int) -> str:
    """util/validation's InclusiveRangeError."""
    return f"must be between {low} and {high}, inclusive"


def max_len_error(length: int) -> str:
    """util/validation's MaxLenError (DNS names, config keys)."""
    return f"must be no more than {length} characters"


def max_bytes_error(length: int) -> str:
    """content's MaxLenError (label keys and values, and a key's prefix)."""
    return f"must be no more than {length} bytes"


def empty_error() -> str:
    return "must be non-empty"


def _size(text: str) -> int:
    """Go's len(): bytes of UTF-8 (a lone surrogate as the 3 of Go's U+FFFD)."""
    return len(text.encode("utf-8", "surrogatepass"))


def _dns1123_subdomain(value: str, too_long: Callable[[int], str]) -> list[str]:
    errors = []
    if _size(value) > rules.DNS1123_SUBDOMAIN_MAX:
        errors.append(too_long(rules.DNS1123_SUBDOMAIN_MAX))
    if not rules.DNS1123_SUBDOMAIN_RE.fullmatch(value):
        errors.append(regex_error(DNS1123_SUBDOMAIN_ERROR, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errors


def is_dns1123_subdomain(value: str) -> list[str]:
    """IsDNS1123Subdomain: why `value` is not a DNS-1123 subdomain (an object's name)."""
    return _dns1123_subdomain(value, max_len_error)


def is_dns1123_label(value: str) -> list[str]:
    """IsDNS1123Label: why `value` is not a DNS-1123 label (a namespace's name)."""
    errors = []
    if _size(value) > rules.DNS1123_LABEL_MAX:
        errors.append(max_len_error(rules.DNS1123_LABEL_MAX))
    if not rules.DNS1123_LABEL_RE.fullmatch(value):
        if rules.DNS1123_SUBDOMAIN_RE.fullmatch(value):
            # A valid subdomain but not a label: within the length checked above, dots.
            errors.append("must not contain dots")
        else:
            errors.append(regex_error(DNS1123_LABEL_ERROR, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errors


def is_qualified_name(value: str) -> list[str]:
    """IsQualifiedName (content.IsLabelKey): why `value` is not a label key, an
    annotation key or a finalizer: `[prefix/]name`, the prefix a DNS-1123 subdomain."""
    errors: list[str] = []
    parts = value.split("/")
    if len(parts) > 2:
        return [
            "a valid label key "
            + regex_error(LABEL_KEY_ERROR, LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    name = parts[-1]
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part " + empty_error())
        else:
            errors += ["prefix part " + m for m in _dns1123_subdomain(prefix, max_bytes_error)]
    if not name:
        errors.append("name part " + empty_error())
    elif _size(name) > rules.LABEL_NAME_MAX:
        errors.append("name part " + max_bytes_error(rules.LABEL_NAME_MAX))
    if not rules.LABEL_NAME_RE.fullmatch(name):
        errors.append(
            "name part "
            + regex_error(LABEL_KEY_ERROR, LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
        )
    return errors


def is_valid_label_value(value: str) -> list[str]:
    """IsValidLabelValue (content.IsLabelValue): empty, or a label key's name part."""
    errors = []
    if _size(value) > rules.LABEL_VALUE_MAX:
        errors.append(max_bytes_error(rules.LABEL_VALUE_MAX))
    if value and not rules.LABEL_NAME_RE.fullmatch(value):
        errors.append(
            regex_error(LABEL_VALUE_ERROR, LABEL_VALUE_FMT, "MyValue", "my_value", "12345")
        )
    return errors


def is_config_map_key(value: str) -> list[str]:
    """IsConfigMapKey: a ConfigMap's or a Secret's key."""
    errors = []
    if _size(value) > rules.DNS1123_SUBDOMAIN_MAX:
        errors.append(max_len_error(rules.DNS1123_SUBDOMAIN_MAX))
    if not CONFIG_KEY_RE.fullmatch(value):
        errors.append(
            regex_error(CONFIG_KEY_ERROR, CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name")
        )
    if value in (".", ".."):
        errors.append(f"must not be '{value}'")
    elif value.startswith(".."):
        errors.append("must not start with '..'")
    return errors


# --- names ----------------------------------------------------------------------------------


def _mask_trailing_dash(name: str) -> str:
    # As upstream's maskTrailingDash, which drops the last two characters, not one.
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    """NameIsDNSSubdomain: most kinds' names; a generateName may end with '-'."""
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    """NameIsDNSLabel: a namespace's name (ValidateNamespaceName)."""
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


# names.SimpleNameGenerator: at most 58 characters of the base, then 5 random ones
# from utilrand's alphabet (no vowels, no 0, 1 or 3: no words, no look-alikes).
GENERATED_BASE_MAX = 58
GENERATED_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def generate_name(base: str) -> str:
    """A name from a `generateName`, as upstream's SimpleNameGenerator makes it."""
    suffix = "".join(random.choices(GENERATED_ALPHABET, k=5))  # unique enough, not secret
    return base[:GENERATED_BASE_MAX] + suffix


# --- ObjectMeta -----------------------------------------------------------------------------

# metav1's FinalizerOrphanDependents and FinalizerDeleteDependents, and core/v1's
# FinalizerKubernetes: the standard finalizers, the only ones without a domain prefix.
ORPHAN, FOREGROUND = "orphan", "foregroundDeletion"
STANDARD_FINALIZERS = frozenset({"kubernetes", ORPHAN, FOREGROUND})
TOTAL_ANNOTATION_SIZE_LIMIT = rules.ANNOTATIONS_MAX_BYTES
UNQUALIFIED_FINALIZER = "name is neither a standard finalizer name nor is it fully qualified"
# ValidateOwnerReferences' banned owners: an Event owns nothing.
BANNED_OWNERS = frozenset({("", "v1", "Event")})


def _string_map(field: str, values: Any) -> tuple[Problems, dict[str, str]]:
    """Problems with a map's values that are not strings (decoding would refuse them), and
    the string pairs, for the checks below."""
    if not isinstance(values, Mapping):
        return [invalid(field, values, "must be a map of strings")], {}
    problems = [
        invalid(field, v, "must be a string") for v in values.values() if not isinstance(v, str)
    ]
    return problems, {k: v for k, v in values.items() if isinstance(v, str)}


def label_problems(labels: Any, field: str = "metadata.labels") -> Problems:
    """metav1 ValidateLabels: every key a qualified name, every value a label value."""
    if labels is None:
        return []
    problems, pairs = _string_map(field, labels)
    for key, value in pairs.items():
        problems += [invalid(field, key, message) for message in is_qualified_name(key)]
        problems += [invalid(field, value, message) for message in is_valid_label_value(value)]
    return problems


def annotation_problems(annotations: Any, field: str = "metadata.annotations") -> Problems:
    """ValidateAnnotations: keys are qualified names whatever their case; keys and values
    take at most 256 KiB in all."""
    if annotations is None:
        return []
    problems, pairs = _string_map(field, annotations)
    for key in pairs:
        problems += [invalid(field, key, message) for message in is_qualified_name(key.lower())]
    if sum(_size(key) + _size(value) for key, value in pairs.items()) > TOTAL_ANNOTATION_SIZE_LIMIT:
        problems.append(too_long(field, TOTAL_ANNOTATION_SIZE_LIMIT))
    return problems


def finalizer_name_problems(name: str, field: str, *, index_field: str | None = None) -> Problems:
    """A finalizer's name: a qualified name (ValidateFinalizerName) and, without a prefix,
    a standard one (core/v1's validateKubeFinalizerName, at `index_field` when given)."""
    problems = [invalid(field, name, message) for message in is_qualified_name(name)]
    if "/" not in name and name not in STANDARD_FINALIZERS:
        problems.append(invalid(index_field or field, name, UNQUALIFIED_FINALIZER))
    return problems


def _finalizer_problems(finalizers: Any, field: str) -> tuple[Problems, Problems]:
    """ValidateFinalizers (at `field`), and core/v1's rule for each (at `field[i]`, which
    upstream checks after the rest of the metadata)."""
    if finalizers is None:
        return [], []
    if not isinstance(finalizers, list):
        return [invalid(field, finalizers, "must be a list of names")], []
    names: Problems = []
    standard: Problems = []
    for index, name in enumerate(finalizers):
        if not isinstance(name, str):
            names.append(invalid(f"{field}[{index}]", name, "must be a string"))
            continue
        names += [invalid(field, name, message) for message in is_qualified_name(name)]
        if "/" not in name and name not in STANDARD_FINALIZERS:
            standard.append(invalid(f"{field}[{index}]", name, UNQUALIFIED_FINALIZER))
    if ORPHAN in finalizers and FOREGROUND in finalizers:
        detail = f"finalizer {ORPHAN} and {FOREGROUND} cannot be both set"
        names.append(invalid(field, finalizers, detail))
    return names, standard


REFERENCE_STRINGS = ("apiVersion", "kind", "name", "uid")
REFERENCE_BOOLEANS = ("controller", "blockOwnerDeletion")


def _as_go_reference(reference: dict[str, Any]) -> dict[str, Any]:
    """An OwnerReference as Go marshals it: its fields in their order, the optional
    booleans only when set."""
    shown: dict[str, Any] = {key: reference.get(key, "") for key in REFERENCE_STRINGS}
    return shown | {key: reference[key] for key in REFERENCE_BOOLEANS if key in reference}


def _reference_type_problems(path: str, reference: dict[str, Any]) -> Problems:
    """What decoding an OwnerReference would refuse: fields of the wrong type."""
    problems = [
        invalid(f"{path}.{key}", reference[key], "must be a string")
        for key in REFERENCE_STRINGS
        if not isinstance(reference.get(key, ""), str)
    ]
    return problems + [
        invalid(f"{path}.{key}", reference[key], "must be a boolean")
        for key in REFERENCE_BOOLEANS
        if not isinstance(reference.get(key, False), bool)
    ]


def _owner_reference_problems(path: str, reference: dict[str, Any]) -> Problems:
    """validateOwnerReference: the owner named fully, and not a banned kind."""
    problems: Problems = []
    api_version = reference.get("apiVersion", "")
    parts = api_version.split("/")  # schema.ParseGroupVersion
    group, version = ("", parts[0]) if len(parts) == 1 else (parts[0], parts[-1])
    if not api_version:
        problems.append(required(f"{path}.apiVersion", "must not be empty"))
    elif len(parts) > 2 or not version:
        detail = "must be <group>/<version> or <version>"
        problems.append(invalid(f"{path}.apiVersion", api_version, detail))
    problems += [
        required(f"{path}.{key}", "must not be empty")
        for key in ("kind", "name", "uid")
        if not reference.get(key)
    ]
    kind = reference.get("kind", "")
    if (group, version, kind) in BANNED_OWNERS:
        detail = f"{group}/{version}, Kind={kind} is disallowed from being an owner"
        problems.append(invalid(path, _as_go_reference(reference), detail))
    return problems


def owner_reference_problems(references: Any, field: str = "metadata.ownerReferences") -> Problems:
    """ValidateOwnerReferences: each names its owner fully, and at most one is the managing
    controller."""
    if references is None:
        return []
    if not isinstance(references, list):
        return [invalid(field, references, "must be a list of references")]
    problems: Problems = []
    controller = ""
    for index, reference in enumerate(references):
        path = f"{field}[{index}]"
        if not isinstance(reference, dict):
            problems.append(invalid(path, reference, "must be an object"))
            continue
        if wrong := _reference_type_problems(path, reference):
            problems += wrong
            continue
        problems += _owner_reference_problems(path, reference)
        if reference.get("controller") is True:
            current = f"{reference.get('kind', '')}/{reference.get('name', '')}"
            if not controller:
                controller = current
                continue
            detail = (
                'Only one reference can have Controller set to true. Found "true" in '
                f"references for {controller} and {current}"
            )
            shown = [_as_go_reference(r) if isinstance(r, dict) else r for r in references]
            problems.append(invalid(field, shown, detail))
    return problems


def object_meta_problems(
    metadata: Mapping[str, Any],
    *,
    namespaced: bool,
    name_rule: NameRule = name_is_dns_subdomain,
    field: str = "metadata",
) -> Problems:
    """Why an object's metadata may not be created, as core/v1's ValidateObjectMeta (which
    is apimachinery's, then a standard name for each unprefixed finalizer).

    Args:
        metadata: the metadata after name generation: `name` is the name the object gets.
        namespaced: whether the kind is namespaced; a cluster-scoped object's namespace
            is already cleared (as upstream's BeforeCreate does), so it is not checked.
        name_rule: the kind's ValidateNameFunc.
        field: where the metadata is.

    Returns:
        The problems, in upstream's order.
    """
    problems: Problems = []
    generate_name = metadata.get("generateName")
    if generate_name:
        if isinstance(generate_name, str):
            messages = name_rule(generate_name, True)
            problems += [invalid(f"{field}.generateName", generate_name, m) for m in messages]
        else:
            problems.append(invalid(f"{field}.generateName", generate_name, "must be a string"))
    name = metadata.get("name")
    if not name:
        problems.append(required(f"{field}.name", "name or generateName is required"))
    elif not isinstance(name, str):
        problems.append(invalid(f"{field}.name", name, "must be a string"))
    else:
        problems += [invalid(f"{field}.name", name, m) for m in name_rule(name, False)]
    namespace = metadata.get("namespace")
    if namespaced and not namespace:
        problems.append(required(f"{field}.namespace"))
    elif namespaced and isinstance(namespace, str):
        problems += [
            invalid(f"{field}.namespace", namespace, m) for m in name_is_dns_label(namespace, False)
        ]
    elif not namespaced and namespace:
        problems.append(forbidden(f"{field}.namespace", "not allowed on this type"))
    problems += label_problems(metadata.get("labels"), f"{field}.labels")
    problems += annotation_problems(metadata.get("annotations"), f"{field}.annotations")
    problems += owner_reference_problems(
        metadata.get("ownerReferences"), f"{field}.ownerReferences"
    )
    names, standard = _finalizer_problems(metadata.get("finalizers"), f"{field}.finalizers")
    return problems + names + standard
