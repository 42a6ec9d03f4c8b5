#!/usr/bin/env python3
"""Record what kubectl sends as protobuf, beside the JSON it prints for the same object.

For each case below, kubectl runs twice against a small local HTTP server that plays an
API server: first with `--dry-run=client -o json` (the object as JSON, as kubectl holds
it), then for real, when it POSTs the object as `application/vnd.kubernetes.protobuf`;
the server records that body and answers 201 with the JSON. (`kubectl run` goes through
the REST mapper's untyped client, which sends JSON: its fixture records that.) Each case
is written to
tests/apiserver/fixtures/protobuf/<name>.json: the command, kubectl's version, the
request line and Content-Type, the body (base64) and the JSON. The test
tests/apiserver/test_protobuf_fixtures.py decodes each body and compares.

Usage (re-record after bumping the pinned kubectl):

    .venv/bin/python scripts/capture_protobuf_fixtures.py [--kubectl PATH]
"""

from __future__ import annotations

import argparse
import base64
import json
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "tests/apiserver/fixtures/protobuf"
PROTOBUF = "application/vnd.kubernetes.protobuf"
# The files `--from-file` reads: text lands in `data`, bytes that are not UTF-8 in
# `binaryData` (base64 in JSON, raw bytes in protobuf).
FILES = {"app.properties": b"color=blue\nsize=large\n", "logo.bin": b"\x89PNG\x00\xff\xfe\x01"}
CASES: dict[str, list[str]] = {
    "configmap": [
        "create",
        "configmap",
        "app",
        "--from-literal=a=b",
        "--from-literal=empty=",
        "--from-file={dir}/app.properties",
        "--from-file={dir}/logo.bin",
    ],
    "secret-generic": [
        "create",
        "secret",
        "generic",
        "creds",
        "--from-literal=user=admin",
        "--from-literal=password=s3cr3t",
        "--from-file={dir}/logo.bin",
    ],
    "namespace": ["create", "namespace", "team-a"],
    "serviceaccount": ["create", "serviceaccount", "builder"],
    "deployment": ["create", "deployment", "web", "--image=busybox:1.36", "--replicas=2"],
    "job": ["create", "job", "hello", "--image=busybox:1.36", "--", "sh", "-c", "echo hi"],
    # Kinds with types of their own JSON: IntOrString, Quantity; and more groups.
    "service-clusterip": [
        "create",
        "service",
        "clusterip",
        "web",
        "--tcp=80:8080",
        "--tcp=443:https",
    ],
    "quota": ["create", "quota", "small", "--hard=cpu=1500m,memory=1Gi,pods=10"],
    "poddisruptionbudget": [
        "create",
        "poddisruptionbudget",
        "web",
        "--selector=app=web",
        "--min-available=50%",
    ],
    "role": ["create", "role", "reader", "--verb=get,list", "--resource=pods,configmaps"],
    "rolebinding": ["create", "rolebinding", "readers", "--role=reader", "--user=alice"],
    "cronjob": ["create", "cronjob", "tick", "--image=busybox:1.36", "--schedule=*/5 * * * *"],
    "ingress": ["create", "ingress", "web", "--rule=example.com/=web:80"],
    # A group the schemas leave out (scheduling.k8s.io): mcp must refuse it clearly.
    "priorityclass": ["create", "priorityclass", "high", "--value=1000"],
    "pod-run": [
        "run",
        "pod",
        "--image=busybox:1.36",
        "--env=A=B",
        "--port=80",
        "--labels=app=x",
    ],
}
# Just enough discovery for `kubectl run` and `create role`, which map resources through it
# (the other `create` subcommands use typed clients and ask nothing first).
DISCOVERY: dict[str, Any] = {
    "/api": {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []},
    "/apis": {"kind": "APIGroupList", "apiVersion": "v1", "groups": []},
    "/api/v1": {
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [
            {
                "name": "pods",
                "singularName": "pod",
                "namespaced": True,
                "kind": "Pod",
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                "shortNames": ["po"],
            },
            {
                "name": "configmaps",
                "singularName": "configmap",
                "namespaced": True,
                "kind": "ConfigMap",
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                "shortNames": ["cm"],
            },
        ],
    },
    "/version": {"major": "1", "minor": "37", "gitVersion": "v1.37.0"},
}


class Recorder(BaseHTTPRequestHandler):
    """Serves DISCOVERY, records each POST and answers it with `server.answer`."""

    protocol_version = "HTTP/1.1"
    server: RecordingServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the script prints one line per case

    def _send(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path in DISCOVERY:
            self._send(200, DISCOVERY[path])
        else:
            self._send(
                404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 404}
            )

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.requests.append(
            {
                "method": "POST",
                "path": self.path,
                "contentType": self.headers.get("Content-Type", ""),
                "accept": self.headers.get("Accept", ""),
                "body": base64.b64encode(body).decode(),
            }
        )
        self._send(201, self.server.answer)


class RecordingServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Recorder)
        self.requests: list[dict[str, str]] = []
        self.answer: Any = {}


def _kubectl(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)}: {done.stderr.strip()}")
    return done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubectl", default=str(Path(sys.executable).parent / "kubectl"))
    args = parser.parse_args()
    server = RecordingServer()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FIXTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for name, content in FILES.items():
            (work / name).write_bytes(content)
        (work / "kubeconfig").write_text("apiVersion: v1\nkind: Config\n")
        base = [
            args.kubectl,
            f"--server=http://127.0.0.1:{server.server_address[1]}",
            f"--kubeconfig={work / 'kubeconfig'}",  # not the user's: no context, no credentials
            f"--cache-dir={work / 'cache'}",
            "--namespace=default",
        ]
        version = json.loads(
            subprocess.run(
                [*base, "version", "--client", "-o", "json"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )["clientVersion"]["gitVersion"]
        for case, template in CASES.items():
            command = [part.replace("{dir}", str(work)) for part in template]
            # The flags go before a `--`, after which come the container's arguments.
            at = command.index("--") if "--" in command else len(command)
            printed = _kubectl(
                [*base, *command[:at], "--dry-run=client", "-o", "json", *command[at:]]
            )
            server.answer = json.loads(printed)
            server.requests.clear()
            _kubectl([*base, *command])
            (request,) = server.requests
            if request["contentType"] not in (PROTOBUF, "application/json"):
                raise SystemExit(f"{case}: kubectl sent {request['contentType']!r}")
            fixture = {
                "command": ["kubectl", *template],
                "kubectl": version,
                **request,
                "json": server.answer,
            }
            path = FIXTURES / f"{case}.json"
            path.write_text(json.dumps(fixture, indent=2, ensure_ascii=False) + "\n")
            print(f"{path.name}: {request['method']} {request['path']} {request['contentType']}")
    server.shutdown()


if __name__ == "__main__":
    main()
