"""Where a Pod may run and how it resolves names, validated in upstream's words.

A port of pkg/apis/core/validation's ValidateTolerations, validateSchedulingGates,
validatePodDNSConfig (with RelaxedDNSSearchValidation's underscores) and
ValidateHostAliases. Pure.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from mcp.kinds import apimachinery
from mcp.kinds.apimachinery import Problems, duplicate, invalid, not_supported, required

TOLERATION_OPERATORS = ("Equal", "Exists")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
IP_ERROR = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
MAX_DNS_NAMESERVERS, MAX_DNS_SEARCH_PATHS, MAX_DNS_SEARCH_CHARS = 3, 32, 2048


def tolerations(listed: list[dict[str, Any]], path: str) -> Problems:
    """ValidateTolerations."""
    problems: Problems = []
    for index, toleration in enumerate(listed):
        at = f"{path}[{index}]"
        key, operator = toleration.get("key", ""), toleration.get("operator", "")
        value, effect = toleration.get("value", ""), toleration.get("effect", "")
        if key:
            problems += [invalid(f"{at}.key", key, m) for m in apimachinery.is_qualified_name(key)]
        if not key and operator != "Exists":
            detail = (
                'operator must be Exists when `key` is empty, which means "match all values '
                'and all keys"'
            )
            problems.append(invalid(f"{at}.operator", operator, detail))
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            detail = "effect must be 'NoExecute' when `tolerationSeconds` is set"
            problems.append(invalid(f"{at}.effect", effect, detail))
        if operator in ("Equal", ""):
            messages = apimachinery.is_valid_label_value(value)
            if messages:
                problems.append(invalid(f"{at}.operator", value, ";".join(messages)))
        elif operator == "Exists":
            if value:
                detail = "value must be empty when `operator` is 'Exists'"
                problems.append(invalid(f"{at}.operator", value, detail))
        else:
            problems.append(not_supported(f"{at}.operator", operator, TOLERATION_OPERATORS))
        if effect and effect not in TAINT_EFFECTS:
            problems.append(not_supported(f"{at}.effect", effect, TAINT_EFFECTS))
    return problems


def scheduling_gates(gates: list[dict[str, Any]], path: str) -> Problems:
    problems: Problems = []
    seen: set[str] = set()
    for index, gate in enumerate(gates):
        name = gate.get("name", "")
        problems += [
            invalid(f"{path}[{index}]", name, m) for m in apimachinery.is_qualified_name(name)
        ]
        if name in seen:
            problems.append(duplicate(f"{path}[{index}]", name))
        seen.add(name)
    return problems


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def dns_config(config: dict[str, Any] | None, policy: str, path: str) -> Problems:
    """validatePodDNSConfig."""
    if policy == "None":
        if config is None:
            return [required(path, "must provide `dnsConfig` when `dnsPolicy` is None")]
        if not config.get("nameservers"):
            detail = "must provide at least one DNS nameserver when `dnsPolicy` is None"
            return [required(f"{path}.nameservers", detail)]
    if config is None:
        return []
    problems: Problems = []
    nameservers = config.get("nameservers") or []
    if len(nameservers) > MAX_DNS_NAMESERVERS:
        detail = f"must not have more than {MAX_DNS_NAMESERVERS} nameservers"
        problems.append(invalid(f"{path}.nameservers", nameservers, detail))
    for index, server in enumerate(nameservers):
        if not _is_ip(server):
            problems.append(invalid(f"{path}.nameservers[{index}]", server, IP_ERROR))
    searches = config.get("searches") or []
    if len(searches) > MAX_DNS_SEARCH_PATHS:
        detail = f"must not have more than {MAX_DNS_SEARCH_PATHS} search paths"
        problems.append(invalid(f"{path}.searches", searches, detail))
    if len(" ".join(searches)) > MAX_DNS_SEARCH_CHARS:
        detail = (
            f"must not have more than {MAX_DNS_SEARCH_CHARS} characters (including spaces) "
            "in the search list"
        )
        problems.append(invalid(f"{path}.searches", searches, detail))
    for index, search in enumerate(searches):
        if search == ".":
            continue  # AllowRelaxedDNSSearchValidation, on since 1.34
        trimmed = search.removesuffix(".")
        problems += [
            invalid(f"{path}.searches[{index}]", trimmed, m)
            for m in is_dns1123_subdomain_with_underscore(trimmed)
        ]
    for index, option in enumerate(config.get("options") or []):
        if not option.get("name"):
            problems.append(required(f"{path}.options[{index}]", "must not be empty"))
    return problems


SUBDOMAIN_UNDERSCORE_LABEL = "_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?"
SUBDOMAIN_UNDERSCORE_FMT = f"{SUBDOMAIN_UNDERSCORE_LABEL}(\\.{SUBDOMAIN_UNDERSCORE_LABEL})*"
SUBDOMAIN_UNDERSCORE_RE = re.compile(SUBDOMAIN_UNDERSCORE_FMT)
SUBDOMAIN_UNDERSCORE_ERROR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', "
    "'-' or '.', and must start and end with an alphanumeric character"
)


def is_dns1123_subdomain_with_underscore(value: str) -> list[str]:
    """IsDNS1123SubdomainWithUnderscore: a DNS search domain (RelaxedDNSSearchValidation)."""
    errors = []
    if len(value) > 253:
        errors.append(apimachinery.max_len_error(253))
    if not SUBDOMAIN_UNDERSCORE_RE.fullmatch(value):
        fmt = SUBDOMAIN_UNDERSCORE_FMT
        errors.append(apimachinery.regex_error(SUBDOMAIN_UNDERSCORE_ERROR, fmt, "example.com"))
    return errors


def host_aliases(aliases: list[dict[str, Any]], path: str) -> Problems:
    problems: Problems = []
    for index, alias in enumerate(aliases):
        ip = alias.get("ip", "")
        if not _is_ip(ip):
            problems.append(invalid(f"{path}[{index}].ip", ip, IP_ERROR))
        for name_index, hostname in enumerate(alias.get("hostnames") or []):
            at = f"{path}[{index}].hostnames[{name_index}]"
            problems += [
                invalid(at, hostname, m) for m in apimachinery.is_dns1123_subdomain(hostname)
            ]
    return problems
