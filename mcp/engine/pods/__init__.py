"""The Pod engine: what the kubelet does for a Pod, on Docker.

    decide         every decision of a pass from one look at the Pod's Docker containers:
                   sandbox, init containers in order, apps, restarts under back-off,
                   old attempts, deletion (`decide.decide`), pure
    status         the Pod's `status` from one look at Docker (`status.pod_status`) and
                   the phase the engine acts on (`status.generated_phase`), pure
    containers     each container's v1 status from its Docker containers, the reason the
                   engine could not run it and the prober's results
                   (`containers.container_statuses`, `containers.apply_probes`), pure
    conditions     the verdicts read off v1 container statuses: phase, conditions, QoS
                   class, restart rules (`conditions.get_phase` and friends), pure
    env            a container's environment (`env.container_env`), pure
    dockerspec     what Docker is asked to make for a container (`dockerspec.container_config`:
                   command, resources, user, security) and the ports the infra container
                   publishes (`dockerspec.host_ports`), pure
    volumes        the files of configMap, secret, downwardAPI and projected volumes
                   (`volumes.volume_files`), pure
    downward       the Pod's fields and resources as env and files read them, pure
    sources        the ConfigMaps and Secrets those read, from the watch cache
    atomic_writer  writes a volume's files as the kubelet does (`..data` swapped at once)
    volume_dirs    the host directories of a Pod's volumes, made, mounted (tmpfs) and
                   torn down as the kubelet's volume plugins do (`volume_dirs.set_up`)
    probing        the prober's workers as data: thresholds, the startup gate, started,
                   ready and the kill liveness asks for, the events' words, pure
    net_probes     httpGet, tcpSocket and grpc probes from the host to the Pod's IP
    prober         one Pod's probe workers on trio (`prober.open_prober`): `sync` with what
                   runs, `results` for the status, `must_restart` for the kills

Ported from the kubelet (pkg/kubelet, pkg/api/v1/pod, pkg/apis/core/v1/helper/qos,
pkg/securitycontext, pkg/volume, pkg/probe) and cri-dockerd, with the feature gates as
they default today; each module names the upstream functions it follows.
"""
