"""`kubectl exec`, `attach`, `cp` and `run -it --rm` against one real `mcp run` shared by the
module, as a user types them; the official Python client's `stream`; port-forward refused.

Every test reaches the Docker containers mcp's engine runs for a Pod, as a user of a
cluster reaches the kubelet's: it applies the Pod `web` (the local image `mcp-test/pod:1`,
never pulled) with kubectl, waits for it with `kubectl wait --for=condition=Ready`, then
streams into its containers: `app` sleeps, `reader` echoes what it reads on its stdin
(`stdin: true`), and the init container `setup` has run to its end, so nothing of it runs.
`kubectl run -it --rm` makes, attaches to and deletes a Pod of its own. Each test works in
a namespace of its own, deleted at its end (the engine stops and removes what it ran);
the shutdown test runs an `mcp run` of its own and finds its Pod's container still
running once mcp has exited.
"""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import time
from pathlib import Path
from typing import Any

import docker
import pytest
import websocket
from kubernetes.stream import stream as kube_stream
from support.launcher import McpLauncher
from support.polling import wait_until

from e2e.test_kubernetes_clients import KUBECTL
from e2e.test_kubernetes_pods import kubeconfig
from e2e.test_pods_running import apply, core_api, docker_containers, docker_id, ns, wait_ready

pytestmark = pytest.mark.e2e

__all__ = ["core_api", "kubeconfig", "ns"]  # fixtures, used by name

# A short grace: `sleep` and the reading shell, PID 1 each, ignore SIGTERM, and the
# namespace's deletion at the end of a test need not wait long for them.
WEB = """\
apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: setup
    image: IMAGE
    command: ["true"]
  containers:
  - name: app
    image: IMAGE
    command: [sleep, "3600"]
  - name: reader
    image: IMAGE
    command: [sh, -c, "while read line; do echo got:$line; done"]
    stdin: true
"""


def run(kubeconfig: Path, ns: str, *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [KUBECTL, "--kubeconfig", str(kubeconfig), "-n", ns, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )


@pytest.fixture
def web(kubeconfig: Path, ns: str, tmp_path: Path, pod_image: str) -> dict[str, Any]:
    """The Pod `web` in `ns`, applied and Ready: `app` and `reader` running on Docker."""
    apply(kubeconfig, ns, tmp_path, WEB, pod_image)
    return wait_ready(kubeconfig, ns, "web")


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
    # kubelet's, printed as kubectl prints it from a cluster (after its SPDY fallback): the
    # init container has exited, and an exec reaches only what runs.
    unknown = run(kubeconfig, ns, "exec", "web", "-c", "nope", "--", "ls")
    assert unknown.returncode == 1
    assert "container nope is not valid for pod web" in unknown.stderr
    stopped = run(kubeconfig, ns, "exec", "web", "-c", "setup", "--", "ls")
    assert stopped.returncode == 1
    assert stopped.stderr.strip() == (
        'error: unable to upgrade connection: container not found ("setup")'
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


def test_attach_to_a_container_that_reads_stdin(kubeconfig: Path, ns: str, web: Any) -> None:
    """`kubectl attach -i`: each line typed reaches the container's stdin and its answer
    comes back; the end of stdin detaches, with success. A line at a time, each answer read
    before the next, as a user types: without `stdinOnce` the end of stdin detaches the
    output at once (so Docker's attach does), and an answer still on its way is not shown."""
    argv = [KUBECTL, "--kubeconfig", str(kubeconfig), "-n", ns, "attach", "-i", "web"]
    session = subprocess.Popen(
        [*argv, "-c", "reader"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,  # read below by its file descriptor: nothing may wait in a buffer
    )
    try:
        assert session.stdin is not None
        assert session.stdout is not None
        for line in (b"a\n", b"b\n"):
            session.stdin.write(line)
            assert _read_until(session.stdout.fileno(), b"\n") == b"got:" + line
        rest, stderr = session.communicate(timeout=20)  # closes stdin
        assert (session.returncode, rest) == (0, b""), stderr
    finally:
        if session.poll() is None:
            session.kill()
        session.communicate()


def test_port_forward_is_refused_clearly(kubeconfig: Path, ns: str, web: Any) -> None:
    # kubectl forwards to running Pods only: `web` runs, so it asks mcp, which refuses.
    done = run(kubeconfig, ns, "port-forward", "pod/web", "0:80")
    assert done.returncode == 1
    assert "mcp does not serve port-forward" in done.stderr


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


def test_the_python_clients_stream(core_api: Any, ns: str, web: Any) -> None:
    assert _exec(core_api, ns, ["echo", "hi"]) == ("hi\n", "", 0)
    assert _exec(core_api, ns, ["sh", "-c", "echo err >&2; exit 4"]) == ("", "err\n", 4)


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
    kubeconfig: Path, ns: str, docker_client: docker.DockerClient, pod_image: str
) -> None:
    """`kubectl run -it --rm`: kubectl creates the Pod, waits for it to run, attaches to its
    shell on a terminal, waits for it to complete once the shell exits, and deletes it; the
    engine then removes its Docker containers."""
    leader, follower = pty.openpty()
    argv = [KUBECTL, "--kubeconfig", str(kubeconfig), "-n", ns, "run", "shell", "-it", "--rm"]
    argv += [f"--image={pod_image}", "--restart=Never", "--", "sh"]
    process = subprocess.Popen(argv, stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    try:

        def created() -> dict[str, Any] | None:
            shown = run(kubeconfig, ns, "get", "pod", "shell", "-o", "json")
            return json.loads(shown.stdout) if shown.returncode == 0 else None

        pod = wait_until(created, timeout=20)
        assert pod["spec"]["containers"][0]["stdin"] is True
        os.write(leader, b"echo $((6*7))\r")
        assert b"42" in _read_until(leader, b"42\r\n")
        os.write(leader, b"exit\r")
        tail = _read_until(leader, b'pod "shell" deleted')
        assert process.wait(timeout=30) == 0, tail
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    assert run(kubeconfig, ns, "get", "pod", "shell").returncode == 1  # removed
    wait_until(
        lambda: docker_containers(docker_client, pod["metadata"]["uid"]) == [],
        timeout=20,
        message="the Pod's Docker containers removed",
    )


def test_shutdown_ends_a_session_with_word_of_it(
    mcp_launcher: McpLauncher,
    docker_client: docker.DockerClient,
    pod_image: str,
    tmp_path: Path,
) -> None:
    """SIGTERM while `kubectl exec -i` waits on its command: kubectl hears that mcp is
    shutting down and exits, well within the grace period; mcp exits cleanly and the Pod's
    container runs on (a control plane's restart never stops workloads)."""
    process = mcp_launcher.start()
    kubeconfig = mcp_launcher.data_dir / "kubeconfig"
    apply(kubeconfig, "default", tmp_path, WEB, pod_image)
    app = docker_id(wait_ready(kubeconfig, "default", "web"), "app")
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
        assert docker_client.api.inspect_container(app)["State"]["Running"]
    finally:
        if session.poll() is None:
            session.kill()
        session.communicate()
