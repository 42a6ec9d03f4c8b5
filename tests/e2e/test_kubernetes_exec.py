"""`kubectl exec`, `attach`, `cp` and `run -it --rm` against one real `mcp run` shared by the
module, as a user types them; the official Python client's `stream`; port-forward refused.

Nothing runs Pods on Docker yet, so each test plays the engine's part by hand: it applies
the Pod with kubectl, then makes the Docker container a Pod's container would be, named and
labelled as `mcp.sandbox` says with this run's cluster id (from etcd), and removes it at
the end. Each test works in a namespace of its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import secrets
import select
import signal
import struct
import subprocess
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import docker
import docker.errors
import pytest
import websocket
from kubernetes import client as kube_client
from kubernetes import config as kube_config
from kubernetes.stream import stream as kube_stream
from support.launcher import McpLauncher
from support.polling import wait_until

from e2e.test_kubernetes_clients import KUBECTL, kubectl
from mcp.sandbox import PodRef, container_labels, container_name

pytestmark = pytest.mark.e2e

APP = """\
apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: {image}
    command: [sleep, "3600"]
  - name: reader
    image: {image}
    command: [sh, -c, "while read line; do echo got:$line; done"]
    stdin: true
"""
# The app container's program, as a kubelet would run it: sleeping, with `tar` linked for
# `kubectl cp` (the test image links only the applets other tests need).
SLEEPING = "busybox ln -s busybox /bin/tar; exec sleep 3600"
READING = "while read line; do echo got:$line; done"


@pytest.fixture(scope="module")
def kubeconfig(shared_launcher: McpLauncher) -> Path:
    return shared_launcher.data_dir / "kubeconfig"


@pytest.fixture(scope="module")
def cluster_id(shared_launcher: McpLauncher) -> str:
    (found,) = shared_launcher.cluster_ids()
    return found


@pytest.fixture
def ns(kubeconfig: Path) -> str:
    name = f"ex-{secrets.token_hex(4)}"
    made = kubectl(kubeconfig, "create", "namespace", name)
    assert made.returncode == 0, made.stderr
    return name


MakeContainer = Callable[..., str]


@pytest.fixture
def pod_container(
    docker_client: docker.DockerClient, cluster_id: str, busybox_image: str
) -> Iterator[MakeContainer]:
    """A maker of the Docker container a Pod's container would be (started); each is
    force-removed at the end of the test."""
    made: list[str] = []

    def make(
        pod: dict[str, Any], container: str, script: str, *, stdin: bool = False, tty: bool = False
    ) -> str:
        metadata = pod["metadata"]
        ref = PodRef(metadata["name"], metadata["namespace"], metadata["uid"])
        name = container_name(ref, container, 0)
        docker_client.api.create_container(
            busybox_image,
            ["sh", "-c", script],
            name=name,
            labels=container_labels(ref, container, cluster_id=cluster_id),
            stdin_open=stdin,
            tty=tty,
        )
        made.append(name)
        docker_client.api.start(name)
        return name

    yield make
    for name in made:
        with contextlib.suppress(docker.errors.NotFound):
            docker_client.api.remove_container(name, force=True)


def run(kubeconfig: Path, ns: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KUBECTL, "--kubeconfig", str(kubeconfig), "-n", ns, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )


def apply_web(kubeconfig: Path, ns: str, image: str, tmp_path: Path) -> dict[str, Any]:
    manifest = tmp_path / "web.yaml"
    manifest.write_text(APP.format(image=image))
    applied = run(kubeconfig, ns, "apply", "-f", str(manifest))
    assert applied.returncode == 0, applied.stderr
    shown = run(kubeconfig, ns, "get", "pod", "web", "-o", "json")
    assert shown.returncode == 0, shown.stderr
    pod: dict[str, Any] = json.loads(shown.stdout)
    return pod


@pytest.fixture
def web(
    kubeconfig: Path, ns: str, busybox_image: str, tmp_path: Path, pod_container: MakeContainer
) -> dict[str, Any]:
    """The Pod `web` in `ns`, its `app` container running on Docker (`reader` is not)."""
    pod = apply_web(kubeconfig, ns, busybox_image, tmp_path)
    pod_container(pod, "app", SLEEPING)
    return pod


def test_exec_prints_a_commands_output(kubeconfig: Path, ns: str, web: Any) -> None:
    done = run(kubeconfig, ns, "exec", "web", "-c", "app", "--", "echo", "hi")
    assert (done.returncode, done.stdout, done.stderr) == (0, "hi\n", "")


def test_a_commands_exit_code_is_kubectls(kubeconfig: Path, ns: str, web: Any) -> None:
    done = run(kubeconfig, ns, "exec", "web", "-c", "app", "--", "sh", "-c", "echo out; exit 3")
    assert (done.returncode, done.stdout) == (3, "out\n")
    assert done.stderr.strip() == "command terminated with exit code 3"


def test_stdin_is_piped_in_and_its_end_reaches_the_command(
    kubeconfig: Path, ns: str, web: Any
) -> None:
    done = run(kubeconfig, ns, "exec", "-i", "web", "-c", "app", "--", "cat", input="data\n")
    assert (done.returncode, done.stdout) == (0, "data\n"), done.stderr
    many = "".join(f"line {n}\n" for n in range(20000))  # more than one frame each way
    counted = run(kubeconfig, ns, "exec", "-i", "web", "-c", "app", "--", "wc", "-l", input=many)
    assert (counted.returncode, counted.stdout.strip()) == (0, "20000"), counted.stderr


def test_refusals_are_printed_in_upstreams_words(kubeconfig: Path, ns: str, web: Any) -> None:
    # kubectl knows the Pod's containers, and says so itself; the server's answer is the
    # kubelet's, printed as kubectl prints it from a cluster (after its SPDY fallback).
    unknown = run(kubeconfig, ns, "exec", "web", "-c", "nope", "--", "ls")
    assert unknown.returncode == 1
    assert "container nope is not valid for pod web" in unknown.stderr
    stopped = run(kubeconfig, ns, "exec", "web", "-c", "reader", "--", "ls")
    assert stopped.returncode == 1
    assert stopped.stderr.strip() == (
        'error: unable to upgrade connection: container not found ("reader")'
    )
    missing = run(kubeconfig, ns, "exec", "nope", "--", "ls")
    assert missing.returncode == 1
    assert missing.stderr.strip() == 'Error from server (NotFound): pods "nope" not found'


def _read_until(fd: int, wanted: bytes, timeout: float = 20.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no {wanted!r} in {seen!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the other side of the terminal is gone
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_exec_on_a_terminal(kubeconfig: Path, ns: str, web: Any) -> None:
    """`kubectl exec -it` from a terminal: raw mode, the terminal's size, a shell's prompt,
    the shell's exit ending kubectl."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
    argv = [KUBECTL, "--kubeconfig", str(kubeconfig), "-n", ns, "exec", "-it", "web", "-c", "app"]
    process = subprocess.Popen(
        [*argv, "--", "sh"], stdin=follower, stdout=follower, stderr=follower, close_fds=True
    )
    os.close(follower)
    try:
        os.write(leader, b"echo $((6*7))\r")
        assert b"42" in _read_until(leader, b"42\r\n")
        os.write(leader, b"stty size\r")
        assert b"33 111" in _read_until(leader, b"33 111")
        os.write(leader, b"exit 5\r")
        assert process.wait(timeout=20) == 5
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)


def test_cp_copies_a_file_in_and_out(kubeconfig: Path, ns: str, web: Any, tmp_path: Path) -> None:
    source = tmp_path / "notes.txt"
    source.write_bytes(b"copied over exec\n" * 1000)
    into = run(kubeconfig, ns, "cp", "-c", "app", str(source), f"{ns}/web:/tmp/notes.txt")
    assert into.returncode == 0, into.stderr
    shown = run(kubeconfig, ns, "exec", "web", "-c", "app", "--", "wc", "-c", "/tmp/notes.txt")
    assert shown.stdout.split()[0] == "17000"
    back = tmp_path / "back.txt"
    out = run(kubeconfig, ns, "cp", "-c", "app", f"{ns}/web:/tmp/notes.txt", str(back))
    assert out.returncode == 0, out.stderr
    assert back.read_bytes() == source.read_bytes()


def test_attach_to_a_container_that_reads_stdin(
    kubeconfig: Path, ns: str, web: Any, pod_container: MakeContainer
) -> None:
    pod_container(web, "reader", READING, stdin=True)
    done = run(kubeconfig, ns, "attach", "-i", "web", "-c", "reader", input="a\nb\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "got:a\ngot:b\n"


def test_port_forward_is_refused_clearly(kubeconfig: Path, ns: str, web: Any) -> None:
    _set_status(kubeconfig, ns, "web", "Running")  # kubectl forwards to running Pods only
    done = run(kubeconfig, ns, "port-forward", "pod/web", "0:80")
    assert done.returncode == 1
    assert "mcp does not serve port-forward" in done.stderr


@pytest.fixture
def core(kubeconfig: Path) -> Iterator[Any]:
    made = kube_config.new_client_from_config(config_file=str(kubeconfig))  # type: ignore[no-untyped-call]  # the package ships no types
    with made:
        yield kube_client.CoreV1Api(made)


def _exec(core: Any, ns: str, command: list[str]) -> Any:
    """The client's `stream` of an exec, run to its end. Not preloaded: the client's
    preloading leaves its socket open, which the test's warnings-as-errors would catch."""
    session = kube_stream(
        core.connect_get_namespaced_pod_exec,
        "web",
        ns,
        container="app",
        command=command,
        stderr=True,
        stdin=False,
        stdout=True,
        tty=False,
        _preload_content=False,
    )
    try:
        session.run_forever(timeout=20)
        return session.read_stdout(), session.read_stderr(), session.returncode
    finally:
        session.close()
        _shut(session.sock)


def _shut(ws: websocket.WebSocket) -> None:
    """Close `ws` for good: websocket-client 1.9's `close()` does nothing once it has
    answered the server's close (it then counts as disconnected), leaving its socket open."""
    ws.close()
    ws.shutdown()  # type: ignore[no-untyped-call]  # websocket-client leaves it untyped


def test_the_python_clients_stream(core: Any, ns: str, web: Any) -> None:
    assert _exec(core, ns, ["echo", "hi"]) == ("hi\n", "", 0)
    assert _exec(core, ns, ["sh", "-c", "echo err >&2; exit 4"]) == ("", "err\n", 4)


def test_v4_for_clients_that_offer_only_it(
    kubeconfig: Path, ns: str, web: Any, shared_launcher: McpLauncher
) -> None:
    """An older client: v4 only, its exit code as a `Status` on the error channel."""
    url = shared_launcher.processes[0].url.replace("http://", "ws://")
    query = "command=sh&command=-c&command=echo%20v4%3B%20exit%206&stdout=true&container=app"
    ws = websocket.create_connection(
        f"{url}/api/v1/namespaces/{ns}/pods/web/exec?{query}",
        subprotocols=["v4.channel.k8s.io"],
        timeout=20,
    )
    messages: list[bytes] = []
    try:
        assert ws.subprotocol == "v4.channel.k8s.io"
        while True:
            opcode, data = ws.recv_data()
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                break
            messages.append(data)
    finally:
        _shut(ws)
    assert b"\x01v4\n" in messages
    status = json.loads(next(m for m in messages if m[:1] == b"\x03")[1:])
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "6"}]


def test_run_it_rm(
    kubeconfig: Path,
    ns: str,
    docker_client: docker.DockerClient,
    pod_container: MakeContainer,
    busybox_image: str,
) -> None:
    """`kubectl run -it --rm`: kubectl creates the Pod, waits for it to run, attaches, and
    deletes it at the end. The test plays the engine: the container on Docker, the status."""
    leader, follower = pty.openpty()
    argv = [KUBECTL, "--kubeconfig", str(kubeconfig), "-n", ns, "run", "shell", "-it", "--rm"]
    argv += [f"--image={busybox_image}", "--restart=Never", "--", "sh"]
    process = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    try:

        def created() -> dict[str, Any] | None:
            shown = run(kubeconfig, ns, "get", "pod", "shell", "-o", "json")
            return json.loads(shown.stdout) if shown.returncode == 0 else None

        pod = wait_until(created, timeout=20)
        assert pod["spec"]["containers"][0]["stdin"] is True
        shell = pod_container(pod, "shell", "exec sh", stdin=True, tty=True)
        _set_status(kubeconfig, ns, "shell", "Running")
        os.write(leader, b"echo $((6*7))\r")
        assert b"42" in _read_until(leader, b"42\r\n")
        os.write(leader, b"exit\r")

        def exited() -> bool | None:
            return docker_client.api.inspect_container(shell)["State"]["Status"] == "exited" or None

        # kubectl then waits for the Pod to complete: the engine would report it so.
        wait_until(exited, timeout=20)
        _set_status(kubeconfig, ns, "shell", "Succeeded")
        tail = _read_until(leader, b'pod "shell" deleted')
        assert process.wait(timeout=30) == 0, tail
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    assert run(kubeconfig, ns, "get", "pod", "shell").returncode == 1  # removed


def _set_status(kubeconfig: Path, ns: str, name: str, phase: str) -> None:
    """The Pod's status as the engine would write it for `phase`."""
    ready = "True" if phase == "Running" else "False"
    status = {
        "status": {
            "phase": phase,
            "conditions": [{"type": "Ready", "status": ready}],
        }
    }
    patched = run(
        kubeconfig,
        ns,
        "patch",
        "pod",
        name,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps(status),
    )
    assert patched.returncode == 0, patched.stderr


def test_shutdown_ends_a_session_with_word_of_it(
    mcp_launcher: McpLauncher,
    docker_client: docker.DockerClient,
    busybox_image: str,
    tmp_path: Path,
) -> None:
    """SIGTERM while `kubectl exec -i` waits on its command: kubectl hears that mcp is
    shutting down and exits, well within the grace period; mcp exits cleanly and the
    container runs on."""
    process = mcp_launcher.start()
    kubeconfig = mcp_launcher.data_dir / "kubeconfig"
    pod = apply_web(kubeconfig, "default", busybox_image, tmp_path)
    (cluster,) = mcp_launcher.cluster_ids()
    ref = PodRef("web", "default", pod["metadata"]["uid"])
    name = container_name(ref, "app", 0)
    docker_client.api.create_container(
        busybox_image,
        ["sleep", "3600"],
        name=name,
        labels=container_labels(ref, "app", cluster_id=cluster),
    )
    docker_client.api.start(name)
    argv = [KUBECTL, "--kubeconfig", str(kubeconfig), "exec", "-i", "web", "-c", "app", "--"]
    session = subprocess.Popen(
        [*argv, "cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert session.stdin is not None
        assert session.stdout is not None
        session.stdin.write(b"before\n")
        session.stdin.flush()
        assert session.stdout.readline() == b"before\n"  # the session is up
        began = time.monotonic()
        process.signal(signal.SIGTERM)
        _, stderr = session.communicate(timeout=20)
        assert session.returncode == 1
        assert b"mcp is shutting down" in stderr
        assert process.wait(timeout=20) == 0
        assert time.monotonic() - began < 10  # the grace period
        assert docker_client.api.inspect_container(name)["State"]["Running"]
    finally:
        if session.poll() is None:
            session.kill()
        session.communicate()
        docker_client.api.remove_container(name, force=True)
