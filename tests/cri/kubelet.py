#!/usr/bin/python3
"""kubelet.py - play kubelet against containerd's CRI plugin for one runtime handler.

    /usr/bin/python3 tests/cri/kubelet.py --socket SOCK --handler NAME \
        --runtime-root DIR --log-root DIR [--pause-image REF] [--image REF]

Runs the pod lifecycle kubelet performs (sandbox, containers, exec, logs,
resources, stats, restart, stop, removal) through the CRI runtime.v1 API of
the containerd at SOCK, with pods on the runtime handler NAME, and checks
every step from the host (/proc, cgroupfs, mountinfo, the runtime's state
directory DIR) or from inside the containers.  Prints one line a check,
"ok - NAME: what" or "FAIL - NAME: what: details", informational lines
starting with "#", and ends with "N passed, M failed".  Exit status 0 only
when nothing failed.

With --systemd (tests/vm/systemd-guest.sh's "cri" part: containerd's
runtimes with SystemdCgroup = true, systemd as PID 1, cgroup v2) it runs a
reduced scenario instead: one pod on the node's network whose cgroup_parent
is a slice as kubelet's systemd driver names it
(kubepods-burstable-pod<uid, - as _>.slice), one container; the sandbox's
and the container's transient units cri-containerd-<id>.scope (state,
slice, cgroup), namespace sharing, ExecSync, an UpdateContainerResources
seen in the unit (MemoryMax, CPUQuotaPerSecUSec) and in the cgroup files,
and the stop and removal leaving no process, unit or cgroup directory.
--unit-props LIST prints those units' properties for a comparison.

The Python stubs are generated from tests/cri/api.proto into a temporary
directory at start (needs Debian's python3-grpcio and python3-grpc-tools, so
run it with /usr/bin/python3), or imported from CRI_STUBS=DIR when that is
set (generated elsewhere: then python3-grpcio and python3-protobuf suffice).
Must run as root on the containerd's host.
"""

import argparse
import base64
import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
CGROOT = "/sys/fs/cgroup"
RFC3339NANO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$")
RPC_TIMEOUT = 60


def load_stubs():
    """Generate api_pb2/api_pb2_grpc from api.proto into a temp dir and import them
    (or, with CRI_STUBS=DIR in the environment, import those already generated
    in DIR: a machine without grpc_tools, as the systemd VM's guest)."""
    if os.environ.get("CRI_STUBS"):
        sys.path.insert(0, os.environ["CRI_STUBS"])
        import api_pb2  # noqa: E402
        import api_pb2_grpc  # noqa: E402
        return api_pb2, api_pb2_grpc
    out = tempfile.mkdtemp(prefix="cri-stubs.")
    try:
        subprocess.run([sys.executable, "-m", "grpc_tools.protoc", "-I", HERE,
                        "--python_out=" + out, "--grpc_python_out=" + out,
                        os.path.join(HERE, "api.proto")],
                       check=True, capture_output=True, text=True)
        sys.path.insert(0, out)
        import api_pb2  # noqa: E402
        import api_pb2_grpc  # noqa: E402
        return api_pb2, api_pb2_grpc
    except subprocess.CalledProcessError as e:
        sys.exit("kubelet.py: protoc failed: " + e.stderr.strip())
    finally:
        shutil.rmtree(out, ignore_errors=True)


import grpc  # noqa: E402

pb, pb_grpc = load_stubs()


# ------------------------------------------------------------------ results --

class Abort(Exception):
    """A step failed in a way that makes the rest of the scenario pointless."""


class Results:
    def __init__(self, handler):
        self.handler = handler
        self.passed = 0
        self.failed = 0

    def ok(self, what):
        self.passed += 1
        print(f"ok - {self.handler}: {what}", flush=True)

    def fail(self, what, details):
        self.failed += 1
        details = " ".join(str(details).split())
        if len(details) > 600:
            details = details[:600] + "..."
        print(f"FAIL - {self.handler}: {what}: {details}", flush=True)

    def check(self, cond, what, details=""):
        if cond:
            self.ok(what)
        else:
            self.fail(what, details or "check failed")
        return bool(cond)

    def eq(self, got, want, what):
        return self.check(got == want, what, f"got {got!r}, want {want!r}")

    def note(self, text):
        text = " ".join(str(text).split())
        print(f"# {self.handler}: {text}", flush=True)


def rpc_error(e):
    if isinstance(e, grpc.RpcError):
        return f"{e.code().name}: {e.details()}"
    return repr(e)


# ------------------------------------------------------------- host helpers --

def read(path, default=None):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        if default is None:
            raise
        return default


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        stat = read(f"/proc/{pid}/stat")
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def cmdline(pid):
    return read(f"/proc/{pid}/cmdline", "").split("\0")[:-1]


def ns_of(pid, ns):
    try:
        return os.readlink(f"/proc/{pid}/ns/{ns}")
    except OSError as e:
        return f"<{e.strerror}>"


def ppid_of(pid):
    for line in read(f"/proc/{pid}/status", "").splitlines():
        if line.startswith("PPid:"):
            return int(line.split()[1])
    return 0


def wait_for(fn, timeout, interval=0.1):
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= end:
            return v
        time.sleep(interval)


def procs_mentioning(words):
    """(pid, cmdline) of live processes whose command line holds any of words."""
    found = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        args = cmdline(d)
        line = " ".join(args)
        if any(w in line for w in words) and alive(d):
            found.append((int(d), line[:200]))
    return found


def mounts_mentioning(words):
    lines = read("/proc/self/mountinfo").splitlines()
    return [l.split(" ")[4] for l in lines if any(w in l for w in words)]


def cgroup_mounts():
    """{key: mountpoint} of cgroup hierarchies; key is the controller list of a
    v1 hierarchy ("cpu", "name=systemd", "cpu,cpuacct") or "" for cgroup2."""
    res = {}
    for line in read("/proc/self/mountinfo").splitlines():
        pre, post = line.split(" - ", 1)
        fstype, _src, opts = post.split(" ")[:3]
        mnt = pre.split(" ")[4]
        if fstype == "cgroup2":
            res.setdefault("", mnt)
        elif fstype == "cgroup":
            keep = [o for o in opts.split(",") if o not in ("rw", "ro") and not o.startswith(("clone_children", "noprefix", "release_agent", "xattr", "cpuset_v2_mode", "favordynmods", "nsdelegate", "memory_"))]
            res.setdefault(",".join(sorted(keep)), mnt)
    return res


def proc_cgroups(pid):
    """{key: path} from /proc/pid/cgroup, keys as in cgroup_mounts()."""
    res = {}
    for line in read(f"/proc/{pid}/cgroup", "").splitlines():
        _hid, ctrls, path = line.split(":", 2)
        res[",".join(sorted(ctrls.split(","))) if ctrls else ""] = path
    return res


def v1_resource_keys(mounts):
    return [k for k in mounts if k and not k.startswith("name=")]


def cgfile(mounts, ctrl, path, name):
    """Host path of a v1 controller file (ctrl may share a hierarchy)."""
    for k, m in mounts.items():
        if ctrl in k.split(","):
            return os.path.join(m, path.lstrip("/"), name)
    return None


def sandbox_oom_score_adj():
    """containerd gives pause -998; without CAP_SYS_RESOURCE (restrict_oom_score_adj)
    no lower than its own, which is ours."""
    cap = next(int(l.split()[1], 16) for l in read("/proc/self/status").splitlines() if l.startswith("CapEff:"))
    own = int(read("/proc/self/oom_score_adj").strip())
    return -998 if cap >> 24 & 1 else max(-998, own)


def nsenter(pid, flags, argv):
    r = subprocess.run(["nsenter", "-t", str(pid)] + flags + argv, capture_output=True, text=True, timeout=20)
    return r.returncode, r.stdout, r.stderr


# ----------------------------------------------------------------- websocket --
# The CRI streaming server (k8s.io/kubelet/pkg/cri/streaming, vendored in
# containerd 1.6 as pkg/cri/streaming) serves exec over SPDY/3.1 or over a
# WebSocket with the "v4.channel.k8s.io" subprotocol: every message starts
# with a channel byte (0 stdin, 1 stdout, 2 stderr, 3 status, 4 resize).  This
# is the WebSocket side, written on the standard library.

class WebSocket:
    GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    def __init__(self, url, protocol, timeout):
        u = urllib.parse.urlsplit(url)
        if u.scheme != "http":
            raise ValueError(f"unsupported scheme in {url}")
        self.sock = socket.create_connection((u.hostname, u.port or 80), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = u.path + ("?" + u.query if u.query else "")
        req = (f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
               f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: {protocol}\r\n"
               f"Origin: http://{u.netloc}\r\n\r\n")
        self.sock.sendall(req.encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"connection closed during the handshake: {buf!r}")
            buf += chunk
        head, self.buf = buf.split(b"\r\n\r\n", 1)
        lines = head.decode(errors="replace").split("\r\n")
        if not lines[0].startswith("HTTP/1.1 101"):
            raise ConnectionError(f"no upgrade: {lines[0]}")
        hdr = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
        want = base64.b64encode(hashlib.sha1((key + self.GUID).encode()).digest()).decode()
        if hdr.get("sec-websocket-accept") != want:
            raise ConnectionError(f"bad Sec-WebSocket-Accept {hdr.get('sec-websocket-accept')!r}")
        self.protocol = hdr.get("sec-websocket-protocol", "")

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def send(self, payload, opcode=2):
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            hdr = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            hdr = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            hdr = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(hdr + mask + body)

    def recv(self):
        """Next data message as bytes, or None once the server closed."""
        msg = b""
        while True:
            try:
                b0, b1 = self._need(2)
            except EOFError:
                return None
            opcode, n = b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._need(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._need(8))[0]
            mask = self._need(4) if b1 & 0x80 else None
            data = self._need(n)
            if mask:
                data = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
            if opcode == 8:
                with contextlib.suppress(OSError):
                    self.send(data[:2], opcode=8)
                return None
            if opcode == 9:
                self.send(data, opcode=10)
                continue
            if opcode == 10:
                continue
            msg += data
            if b0 & 0x80:
                return msg

    def close(self):
        with contextlib.suppress(OSError):
            self.sock.close()


def ws_exec(url, stdin_chunks, tty, timeout=30):
    """Drive an exec session; returns (stdout, stderr, status dict, protocol)."""
    ws = WebSocket(url, "v4.channel.k8s.io", timeout)
    out, err, status = b"", b"", None
    try:
        if tty:
            ws.send(b"\x04" + json.dumps({"Width": 100, "Height": 30}).encode())
            time.sleep(0.5)
        for chunk in stdin_chunks:
            ws.send(b"\x00" + chunk)
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = ws.recv()
            if m is None:
                break
            if not m:
                continue
            ch, data = m[0], m[1:]
            if ch == 1:
                out += data
            elif ch == 2:
                err += data
            elif ch == 3 and data:
                status = json.loads(data.decode())
    finally:
        ws.close()
    return out, err, status, ws.protocol


def ws_exit_code(status):
    if status is None:
        return None
    if status.get("status") == "Success":
        return 0
    for c in (status.get("details") or {}).get("causes") or []:
        if c.get("reason") == "ExitCode":
            return int(c.get("message"))
    return -1


# -------------------------------------------------------------------- kubelet --

class Kubelet:
    def __init__(self, args):
        self.a = args
        self.h = args.handler
        self.r = Results(args.handler)
        ch = grpc.insecure_channel("unix://" + args.socket)
        self.rt = pb_grpc.RuntimeServiceStub(ch)
        self.img = pb_grpc.ImageServiceStub(ch)
        self.mounts = cgroup_mounts()
        self.pods = []          # (sandbox id, cgroup parent) still to clean up

    # ---- plumbing

    def call(self, stub, name, req, timeout=RPC_TIMEOUT):
        return getattr(stub, name)(req, timeout=timeout)

    def sandbox_info(self, sid):
        st = self.call(self.rt, "PodSandboxStatus", pb.PodSandboxStatusRequest(pod_sandbox_id=sid, verbose=True))
        return st, json.loads(st.info.get("info", "{}") or "{}")

    def container_info(self, cid):
        st = self.call(self.rt, "ContainerStatus", pb.ContainerStatusRequest(container_id=cid, verbose=True))
        return st.status, json.loads(st.info.get("info", "{}") or "{}")

    def exec_sync(self, cid, cmd, timeout=10):
        return self.call(self.rt, "ExecSync", pb.ExecSyncRequest(container_id=cid, cmd=cmd, timeout=timeout),
                         timeout=timeout + 30)

    def wait_state(self, cid, state, timeout=20):
        def get():
            st, _ = self.container_info(cid)
            return st if st.state == state else None
        return wait_for(get, timeout, 0.2)

    # ---- kubelet's pod-level cgroups (cgroupfs driver)

    def make_pod_cgroup(self, parent):
        """Create the pod cgroup in every hierarchy, as kubelet's pod container
        manager does before RunPodSandbox (cpuset gets its parent's cpus/mems,
        as libcontainer does)."""
        for key, mnt in self.mounts.items():
            rel = parent.lstrip("/")
            parts = rel.split("/")
            for i in range(len(parts)):
                d = os.path.join(mnt, *parts[:i + 1])
                if not os.path.isdir(d):
                    os.mkdir(d)
                if "cpuset" in key.split(","):
                    for f in ("cpuset.cpus", "cpuset.mems"):
                        p = os.path.join(d, f)
                        if not read(p, "").strip():
                            with open(p, "w") as fh:
                                fh.write(read(os.path.join(os.path.dirname(d), f)).strip())

    def remove_pod_cgroup(self, parent):
        """kubelet removes the pod cgroup once the pod is gone; a leftover child
        (a container cgroup the runtime did not delete) makes rmdir fail."""
        leftovers = []
        for mnt in self.mounts.values():
            d = os.path.join(mnt, parent.lstrip("/"))
            if not os.path.isdir(d):
                continue
            kids = [k for k in os.listdir(d) if os.path.isdir(os.path.join(d, k))]
            if kids:
                leftovers.append(f"{d}: {' '.join(kids)}")
            for k in kids:
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.join(d, k))
            with contextlib.suppress(OSError):
                os.rmdir(d)
        return leftovers

    # ---- configs

    def pod_config(self, name, pid_mode):
        uid = str(uuid.uuid4())
        ns = "cri-test"
        logdir = os.path.join(self.a.log_root, f"{ns}_{name}_{uid}")
        os.makedirs(logdir, exist_ok=True)
        parent = f"{self.a.cgroup_base.rstrip('/')}/pod{uid}"
        nsopt = pb.NamespaceOption(network=pb.POD, pid=pid_mode, ipc=pb.POD)
        cfg = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=uid, namespace=ns, attempt=0),
            hostname=f"{name}-{self.h}",
            log_directory=logdir,
            dns_config=pb.DNSConfig(servers=["127.0.0.1"], searches=["cri.test"], options=["ndots:2"]),
            labels={"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": ns,
                    "io.kubernetes.pod.uid": uid, "cri-test": "1"},
            annotations={"kubernetes.io/config.source": "api", "cri-test/handler": self.h},
            linux=pb.LinuxPodSandboxConfig(
                cgroup_parent=parent,
                security_context=pb.LinuxSandboxSecurityContext(namespace_options=nsopt)))
        return cfg, parent

    def ctr_config(self, pod, name, args, attempt=0, env=None, resources=None, command=None):
        os.makedirs(os.path.join(pod.log_directory, name), exist_ok=True)
        nsopt = pod.linux.security_context.namespace_options
        return pb.ContainerConfig(
            metadata=pb.ContainerMetadata(name=name, attempt=attempt),
            image=pb.ImageSpec(image=self.a.image),
            command=command or [],
            args=args,
            envs=[pb.KeyValue(key=k, value=v) for k, v in (env or {}).items()],
            labels={"io.kubernetes.container.name": name, "io.kubernetes.pod.uid": pod.metadata.uid},
            annotations={"io.kubernetes.container.restartCount": str(attempt)},
            log_path=f"{name}/{attempt}.log",
            linux=pb.LinuxContainerConfig(
                resources=resources or pb.LinuxContainerResources(),
                security_context=pb.LinuxContainerSecurityContext(namespace_options=nsopt)))

    def create_start(self, sid, pod, cfg, what):
        t0 = time.monotonic()
        cid = self.call(self.rt, "CreateContainer", pb.CreateContainerRequest(
            pod_sandbox_id=sid, config=cfg, sandbox_config=pod)).container_id
        self.call(self.rt, "StartContainer", pb.StartContainerRequest(container_id=cid))
        st, info = self.container_info(cid)
        pid = info.get("pid", 0)
        self.r.check(st.state == pb.CONTAINER_RUNNING and pid > 0 and alive(pid),
                     f"{what}: CreateContainer + StartContainer, ContainerStatus RUNNING",
                     f"state {pb.ContainerState.Name(st.state)} pid {pid} reason {st.reason!r} message {st.message!r}")
        self.r.note(f"{what}: create+start took {time.monotonic() - t0:.2f}s")
        return cid, pid

    def run_pod(self, name, pid_mode):
        pod, parent = self.pod_config(name, pid_mode)
        self.make_pod_cgroup(parent)
        t0 = time.monotonic()
        try:
            sid = self.call(self.rt, "RunPodSandbox", pb.RunPodSandboxRequest(config=pod, runtime_handler=self.h)).pod_sandbox_id
        except grpc.RpcError as e:
            self.r.fail(f"{name}: RunPodSandbox", rpc_error(e))
            self.remove_pod_cgroup(parent)
            raise Abort()
        self.pods.append((sid, parent))
        self.r.ok(f"{name}: RunPodSandbox ({time.monotonic() - t0:.2f}s)")
        self.r.note(f"{name}: sandbox {sid}")
        st, info = self.sandbox_info(sid)
        pid = info.get("pid", 0)
        if not self.r.check(pid > 0 and alive(pid), f"{name}: pause process running",
                            f"pid {pid} from the verbose status"):
            raise Abort()
        return pod, parent, sid, pid, st, info

    # ---- checks reused by scenarios

    def check_cgroup(self, what, pid, want):
        """Every v1 resource controller of pid at exactly want (the cgroupsPath
        containerd derives from cgroup_parent); name=systemd and cgroup2 are noted."""
        cg = proc_cgroups(pid)
        bad = {k: cg.get(k) for k in v1_resource_keys(self.mounts) if cg.get(k) != want}
        if "" in self.mounts and not v1_resource_keys(self.mounts):
            bad = {"": cg.get("")} if cg.get("") != want else {}
        self.r.check(not bad, f"{what}: cgroup is {want} in every controller",
                     " ".join(f"{k}:{v}" for k, v in bad.items()))
        extra = [f"{k or 'cgroup2'}:{cg.get(k)}" for k in self.mounts if k not in v1_resource_keys(self.mounts)]
        self.r.note(f"{what}: other hierarchies: {' '.join(extra)}")

    def check_gone(self, what, pids, ids, parent, netns=None):
        """Nothing of ids left: processes, shims, mounts, cgroups, runtime state."""
        pids = [p for p in pids if p]
        left = wait_for(lambda: not [p for p in pids if alive(p)], 10)
        self.r.check(left, f"{what}: no process left (pause, containers)",
                     f"alive: {[(p, ' '.join(cmdline(p))) for p in pids if alive(p)]}")
        procs = wait_for(lambda: not procs_mentioning(ids), 10) or procs_mentioning(ids)
        self.r.check(procs is True, f"{what}: no containerd-shim or runtime process for the pod", f"{procs}")
        mnts = mounts_mentioning(ids + ([netns] if netns else []))
        self.r.check(not mnts, f"{what}: no mount of the sandbox or its containers (rootfs, shm, netns)", " ".join(mnts))
        if netns:
            self.r.check(not os.path.exists(netns), f"{what}: network namespace file removed", netns)
        cgs = []
        for mnt in self.mounts.values():
            d = os.path.join(mnt, parent.lstrip("/"))
            if os.path.isdir(d):
                cgs += [os.path.join(d, k) for k in os.listdir(d) if os.path.isdir(os.path.join(d, k))]
        self.r.check(not cgs, f"{what}: no cgroup directory left under {parent}", " ".join(cgs))
        st = [i for i in ids if os.path.exists(os.path.join(self.a.runtime_root, i))]
        self.r.check(not st, f"{what}: no state left in the runtime root", " ".join(st))

    def stop_remove_pod(self, name, sid, parent, pids, ids, netns):
        t0 = time.monotonic()
        try:
            self.call(self.rt, "StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=sid))
            self.r.ok(f"{name}: StopPodSandbox ({time.monotonic() - t0:.2f}s)")
        except grpc.RpcError as e:
            self.r.fail(f"{name}: StopPodSandbox", rpc_error(e))
        with contextlib.suppress(grpc.RpcError):
            st, _ = self.sandbox_info(sid)
            self.r.eq(pb.PodSandboxState.Name(st.status.state), "SANDBOX_NOTREADY", f"{name}: PodSandboxStatus after stop")
        try:
            self.call(self.rt, "StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=sid))
            self.r.ok(f"{name}: StopPodSandbox again is a no-op")
        except grpc.RpcError as e:
            self.r.fail(f"{name}: StopPodSandbox again is a no-op", rpc_error(e))
        try:
            self.call(self.rt, "RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=sid))
            self.r.ok(f"{name}: RemovePodSandbox")
        except grpc.RpcError as e:
            self.r.fail(f"{name}: RemovePodSandbox", rpc_error(e))
        self.pods = [p for p in self.pods if p[0] != sid]
        try:
            self.call(self.rt, "PodSandboxStatus", pb.PodSandboxStatusRequest(pod_sandbox_id=sid))
            self.r.fail(f"{name}: PodSandboxStatus after removal is NotFound", "the sandbox is still there")
        except grpc.RpcError as e:
            self.r.eq(e.code(), grpc.StatusCode.NOT_FOUND, f"{name}: PodSandboxStatus after removal is NotFound")
        items = self.call(self.rt, "ListPodSandbox", pb.ListPodSandboxRequest()).items
        self.r.check(sid not in [i.id for i in items], f"{name}: ListPodSandbox no longer lists it")
        ctrs = self.call(self.rt, "ListContainers", pb.ListContainersRequest(
            filter=pb.ContainerFilter(pod_sandbox_id=sid))).containers
        self.r.check(not ctrs, f"{name}: ListContainers has none of its containers", f"{[c.id for c in ctrs]}")
        self.check_gone(name, pids, [sid] + ids, parent, netns)
        left = self.remove_pod_cgroup(parent)
        self.r.check(not left, f"{name}: kubelet removes the pod cgroup {parent}", "; ".join(left))

    # ---- scenarios

    def runtime_and_images(self):
        v = self.call(self.rt, "Version", pb.VersionRequest(version="v1"))
        self.r.check(v.runtime_name == "containerd" and v.runtime_api_version == "v1",
                     "Version", f"{v}")
        self.r.note(f"Version: {v.runtime_name} {v.runtime_version} CRI {v.runtime_api_version}")
        s = self.call(self.rt, "Status", pb.StatusRequest())
        conds = {c.type: c for c in s.status.conditions}
        for t in ("RuntimeReady", "NetworkReady"):
            c = conds.get(t)
            self.r.check(c is not None and c.status, f"Status {t}",
                         f"{c.reason}: {c.message}" if c else "missing")
        names = {}
        for ref in (self.a.pause_image, self.a.image):
            try:
                # the CRI plugin learns of imported images through containerd's events
                def status(ref=ref):
                    im = self.call(self.img, "ImageStatus", pb.ImageStatusRequest(image=pb.ImageSpec(image=ref))).image
                    return im if im.id else None
                im = wait_for(status, 10, 0.2) or pb.Image()
            except grpc.RpcError as e:
                self.r.fail(f"ImageStatus {ref}", rpc_error(e))
                continue
            names[ref] = im.id
            self.r.check(im.id.startswith("sha256:") and ref in list(im.repo_tags) and im.size > 0,
                         f"ImageStatus {ref}", f"id {im.id!r} tags {list(im.repo_tags)} size {im.size}")
        ids = {i.id: list(i.repo_tags) for i in self.call(self.img, "ListImages", pb.ListImagesRequest()).images}
        self.r.check(all(i in ids for i in names.values()) and len(names) == 2,
                     "ListImages lists both local images", f"{ids}")

    def pod_main(self):
        """Pod "web": pid namespace per container (kubelet's default), an app
        and a sidecar container, exec, logs, resources, stats, a restart, a
        stop with a grace period, then the pod's stop and removal."""
        name = "web"
        pod, parent, sid, ppid, st, info = self.run_pod(name, pb.CONTAINER)
        ids, pids = [], [ppid]
        netns = ""
        for n in info.get("runtimeSpec", {}).get("linux", {}).get("namespaces", []):
            if n.get("type") == "network":
                netns = n.get("path", "")
        try:
            self.pod_main_body(name, pod, parent, sid, ppid, st, info, ids, pids, netns)
        except Abort:
            pass
        except Exception as e:  # keep going to the pod's removal
            self.r.fail(f"{name}: unexpected error", rpc_error(e))
        self.stop_remove_pod(name, sid, parent, pids, ids, netns or None)

    def pod_main_body(self, name, pod, parent, sid, ppid, st, info, ids, pids, netns):
        r = self.r
        s = st.status
        r.eq(pb.PodSandboxState.Name(s.state), "SANDBOX_READY", f"{name}: PodSandboxStatus state")
        r.check(s.network.ip != "", f"{name}: PodSandboxStatus has the pod IP", f"{s.network}")
        r.eq(info.get("runtimeHandler"), self.h, f"{name}: sandbox runs on handler {self.h}")
        r.check(os.path.isdir(os.path.join(self.a.runtime_root, sid)),
                f"{name}: the sandbox is in {self.h}'s state directory", os.path.join(self.a.runtime_root, sid))
        r.check(netns != "" and os.path.exists(netns) and ns_of(ppid, "net") != ns_of(os.getpid(), "net")
                and os.stat(netns).st_ino == os.stat(f"/proc/{ppid}/ns/net").st_ino,
                f"{name}: pause is in the pod's own network namespace {netns}",
                f"pause {ns_of(ppid, 'net')} host {ns_of(os.getpid(), 'net')}")
        r.eq(cmdline(ppid), ["/pause"], f"{name}: pause process command line")
        parent_exe = os.path.basename(os.readlink(f"/proc/{ppid_of(ppid)}/exe")) if ppid_of(ppid) else ""
        r.eq(parent_exe, "containerd-shim-runc-v2", f"{name}: pause is a child of the shim")
        rc, out, err = nsenter(ppid, ["-u"], ["hostname"])
        r.eq(out.strip(), pod.hostname, f"{name}: hostname in the pod's UTS namespace")
        rc, out, err = nsenter(ppid, ["-n"], ["cat", "/proc/net/dev"])
        ifs = sorted(l.split(":")[0].strip() for l in out.splitlines()[2:])
        r.eq(ifs, ["eth0", "lo"], f"{name}: pod network namespace holds lo and the test plugin's eth0")
        rc, out, err = nsenter(ppid, ["-n"], ["ip", "-o", "addr", "show", "dev", "lo"])
        r.check(" 127.0.0.1/8 " in out and rc == 0, f"{name}: lo is up with 127.0.0.1 (loopback plugin)", out + err)
        r.eq(read(f"/proc/{ppid}/oom_score_adj").strip(), str(sandbox_oom_score_adj()), f"{name}: pause oom_score_adj")
        self.check_cgroup(f"{name}: pause", ppid, f"{parent}/{sid}")

        # app container
        res = pb.LinuxContainerResources(cpu_period=100000, cpu_quota=20000, cpu_shares=512,
                                         memory_limit_in_bytes=64 << 20, oom_score_adj=900)
        app_args = ["sh", "-c", "echo hello from app; echo app to stderr >&2; trap 'echo got TERM; exit 0' TERM; "
                    "while true; do sleep 1; done"]
        cfg = self.ctr_config(pod, "app", app_args, env={"FOO": "bar baz", "EMPTY": ""}, resources=res)
        cid, cpid = self.create_start(sid, pod, cfg, f"{name}/app")
        ids.append(cid)
        pids.append(cpid)
        if not cpid or not alive(cpid):
            raise Abort()
        for ns in ("net", "ipc", "uts"):
            r.eq(ns_of(cpid, ns), ns_of(ppid, ns), f"{name}/app: joins the pod's {ns} namespace")
        r.check(ns_of(cpid, "pid") != ns_of(ppid, "pid"), f"{name}/app: own pid namespace (pid CONTAINER)")
        r.check(ns_of(cpid, "mnt") != ns_of(ppid, "mnt"), f"{name}/app: own mount namespace")
        r.check(os.path.isdir(os.path.join(self.a.runtime_root, cid)),
                f"{name}/app: the container is in {self.h}'s state directory")
        r.eq(read(f"/proc/{cpid}/oom_score_adj").strip(), "900", f"{name}/app: oom_score_adj from the resources")
        self.check_cgroup(f"{name}/app", cpid, f"{parent}/{cid}")
        cg = proc_cgroups(cpid)
        mem = next((cg[k] for k in cg if "memory" in k.split(",")), None)
        cpu = next((cg[k] for k in cg if "cpu" in k.split(",")), None)

        def cgv(ctrl, path, f):
            p = cgfile(self.mounts, ctrl, path or "", f)
            return read(p, "").strip() if p else "<no controller>"
        r.eq(cgv("memory", mem, "memory.limit_in_bytes"), str(64 << 20), f"{name}/app: memory.limit_in_bytes set at create")
        r.eq(cgv("cpu", cpu, "cpu.shares"), "512", f"{name}/app: cpu.shares set at create")
        r.eq(cgv("cpu", cpu, "cpu.cfs_quota_us"), "20000", f"{name}/app: cpu.cfs_quota_us set at create")

        # from inside
        def ex(cmd, timeout=10):
            return self.exec_sync(cid, cmd, timeout)
        x = ex(["hostname"])
        r.eq(x.stdout.decode().strip(), pod.hostname, f"{name}/app: hostname from inside")
        x = ex(["cat", "/etc/hostname"])
        r.eq(x.stdout.decode().strip(), pod.hostname, f"{name}/app: /etc/hostname from the sandbox")
        x = ex(["cat", "/etc/resolv.conf"])
        rv = x.stdout.decode()
        r.check("nameserver 127.0.0.1" in rv and "search cri.test" in rv and "options ndots:2" in rv,
                f"{name}/app: /etc/resolv.conf from dns_config", rv)
        x = ex(["sh", "-c", "cat /proc/self/mountinfo"])
        mi = x.stdout.decode()
        want = [" /etc/hosts ", " /etc/hostname ", " /etc/resolv.conf ", " /dev/shm "]
        r.check(all(w in mi for w in want), f"{name}/app: /etc/hosts, /etc/hostname, /etc/resolv.conf and /dev/shm mounted",
                f"missing {[w for w in want if w not in mi]}")
        x = ex(["cat", "/proc/1/cmdline"])
        r.check(x.stdout.startswith(b"sh\0-c\0echo hello from app"), f"{name}/app: is pid 1 of its pid namespace", x.stdout[:80])
        x = ex(["sh", "-c", "cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' ' | sort | tr '\\n' ' '"])
        r.eq(x.stdout.decode().strip(), "eth0 lo", f"{name}/app: sees the pod's interfaces")

        # ExecSync
        x = ex(["sh", "-c", "echo out; echo err >&2; exit 0"])
        r.check(x.stdout == b"out\n" and x.stderr == b"err\n" and x.exit_code == 0,
                f"{name}/app: ExecSync stdout, stderr, exit code 0", f"{x}")
        x = ex(["sh", "-c", "exit 7"])
        r.eq(x.exit_code, 7, f"{name}/app: ExecSync exit code 7")
        try:
            x = ex(["/no/such/exec"])
            r.check(x.exit_code != 0, f"{name}/app: ExecSync of a missing binary fails",
                    f"exit {x.exit_code} out {x.stdout!r} err {x.stderr!r}")
            r.note(f"{name}/app: ExecSync of a missing binary: exit {x.exit_code} stderr {x.stderr.decode(errors='replace')[:200]!r}")
        except grpc.RpcError as e:
            r.check("/no/such/exec" in (e.details() or ""), f"{name}/app: ExecSync of a missing binary fails", rpc_error(e))
            r.note(f"{name}/app: ExecSync of a missing binary: {rpc_error(e)}")
        x = ex(["env"])
        env = x.stdout.decode().splitlines()
        r.check("FOO=bar baz" in env and "EMPTY=" in env and f"HOSTNAME={pod.hostname}" in env
                and any(l.startswith("PATH=") for l in env),
                f"{name}/app: ExecSync sees the container env (FOO, EMPTY, HOSTNAME, PATH)", " | ".join(env))
        x = ex(["id"])
        r.check(x.stdout.decode().startswith("uid=0(root) gid=0(root)"), f"{name}/app: ExecSync runs as root", x.stdout)
        t0 = time.monotonic()
        try:
            x = self.exec_sync(cid, ["sleep", "30"], timeout=2)
            dt = time.monotonic() - t0
            r.note(f"{name}/app: ExecSync timeout 2s returned exit {x.exit_code} after {dt:.2f}s")
            r.check(1.5 <= dt < 8, f"{name}/app: ExecSync timeout 2s honoured", f"{dt:.2f}s exit {x.exit_code}")
        except grpc.RpcError as e:
            dt = time.monotonic() - t0
            r.note(f"{name}/app: ExecSync timeout 2s returned {rpc_error(e)} after {dt:.2f}s (containerd 1.6 kills the exec and returns an error)")
            r.check(1.5 <= dt < 8 and "timeout" in (e.details() or ""), f"{name}/app: ExecSync timeout 2s honoured",
                    f"{dt:.2f}s {rpc_error(e)}")
        x = ex(["ps", "-o", "pid,args"])
        r.check("sleep 30" not in x.stdout.decode(), f"{name}/app: the timed-out exec was killed", x.stdout.decode())

        # Exec through the streaming server
        self.streaming(name, cid)

        # logs
        logp = os.path.join(pod.log_directory, "app/0.log")
        st, _ = self.container_info(cid)
        r.eq(st.log_path, logp, f"{name}/app: ContainerStatus log_path")
        got = wait_for(lambda: "app to stderr" in read(logp, "") and "hello from app" in read(logp, ""), 10)
        lines = read(logp, "").splitlines()
        bad = []
        seen = set()
        for l in lines:
            m = re.match(r"^(\S+) (stdout|stderr) (F|P) (.*)$", l)
            if not m or not RFC3339NANO.match(m.group(1)):
                bad.append(l)
            else:
                seen.add((m.group(2), m.group(3), m.group(4)))
        r.check(got and not bad and ("stdout", "F", "hello from app") in seen and ("stderr", "F", "app to stderr") in seen,
                f"{name}/app: CRI log file lines '<RFC3339Nano> stdout|stderr F <text>'", f"{lines[:5]} bad {bad[:3]}")

        # sidecar: joins the same namespaces
        side = self.ctr_config(pod, "sidecar", ["sh", "-c", "while true; do sleep 1; done"])
        scid, spid = self.create_start(sid, pod, side, f"{name}/sidecar")
        ids.append(scid)
        pids.append(spid)
        if spid:
            for ns in ("net", "ipc", "uts"):
                r.eq(ns_of(spid, ns), ns_of(ppid, ns), f"{name}/sidecar: joins the pod's {ns} namespace")
            r.check(ns_of(spid, "pid") != ns_of(cpid, "pid"), f"{name}/sidecar: pid namespace apart from app's")
            ex(["sh", "-c", "echo shared > /dev/shm/cri-test"])
            x = self.exec_sync(scid, ["cat", "/dev/shm/cri-test"])
            r.eq(x.stdout, b"shared\n", f"{name}/sidecar: sees app's /dev/shm (pod IPC)")
        lst = self.call(self.rt, "ListContainers", pb.ListContainersRequest(
            filter=pb.ContainerFilter(pod_sandbox_id=sid))).containers
        r.eq(sorted((c.metadata.name, pb.ContainerState.Name(c.state)) for c in lst),
             [("app", "CONTAINER_RUNNING"), ("sidecar", "CONTAINER_RUNNING")], f"{name}: ListContainers")

        # UpdateContainerResources
        try:
            self.call(self.rt, "UpdateContainerResources", pb.UpdateContainerResourcesRequest(
                container_id=cid, linux=pb.LinuxContainerResources(
                    cpu_period=100000, cpu_quota=50000, cpu_shares=256, memory_limit_in_bytes=96 << 20,
                    oom_score_adj=900)))
            r.ok(f"{name}/app: UpdateContainerResources")
        except grpc.RpcError as e:
            r.fail(f"{name}/app: UpdateContainerResources", rpc_error(e))
        r.eq(cgv("memory", mem, "memory.limit_in_bytes"), str(96 << 20), f"{name}/app: memory.limit_in_bytes after update")
        r.eq(cgv("cpu", cpu, "cpu.cfs_quota_us"), "50000", f"{name}/app: cpu.cfs_quota_us after update")
        r.eq(cgv("cpu", cpu, "cpu.cfs_period_us"), "100000", f"{name}/app: cpu.cfs_period_us after update")
        r.eq(cgv("cpu", cpu, "cpu.shares"), "256", f"{name}/app: cpu.shares after update")
        st, _ = self.container_info(cid)
        r.eq(pb.ContainerState.Name(st.state), "CONTAINER_RUNNING", f"{name}/app: still running after the update")

        # ContainerStats
        ex(["sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"])
        try:
            cs = self.call(self.rt, "ContainerStats", pb.ContainerStatsRequest(container_id=cid)).stats
            m, c = cs.memory, cs.cpu
            r.check(cs.attributes.id == cid and c.timestamp > 0 and c.usage_core_nano_seconds.value > 0,
                    f"{name}/app: ContainerStats cpu usage", f"{c}")
            r.check(m.timestamp > 0 and 0 < m.working_set_bytes.value < (96 << 20) and m.usage_bytes.value > 0,
                    f"{name}/app: ContainerStats memory working set within the limit",
                    f"working_set {m.working_set_bytes.value} usage {m.usage_bytes.value}")
            r.note(f"{name}/app: stats cpu {c.usage_core_nano_seconds.value}ns memory ws {m.working_set_bytes.value} "
                   f"usage {m.usage_bytes.value} rss {m.rss_bytes.value} writable layer {cs.writable_layer.used_bytes.value}")
        except grpc.RpcError as e:
            r.fail(f"{name}/app: ContainerStats", rpc_error(e))

        # restart: a container that exits is removed and created again, attempt 1
        job_args = ["sh", "-c", "echo run; sleep 2; exit 3"]
        old = None
        for attempt in (0, 1):
            what = f"{name}/job attempt {attempt}"
            jc = self.ctr_config(pod, "job", job_args, attempt=attempt)
            jid, jpid = self.create_start(sid, pod, jc, what)
            ids.append(jid)
            pids.append(jpid)
            r.check(jid != old, f"{what}: new container id")
            old = jid
            jst = self.wait_state(jid, pb.CONTAINER_EXITED, 15)
            r.check(jst is not None and jst.exit_code == 3 and jst.finished_at > jst.started_at > 0
                    and jst.reason == "Error", f"{what}: exits, EXITED with code 3 reason Error",
                    f"{jst}" if jst else "not exited")
            lp = os.path.join(pod.log_directory, f"job/{attempt}.log")
            r.check(read(lp, "").rstrip().endswith("stdout F run"), f"{what}: its own log file job/{attempt}.log", read(lp, "")[:200])
            self.check_cgroup_gone_after_exit(what, parent, jid)
            try:
                self.call(self.rt, "RemoveContainer", pb.RemoveContainerRequest(container_id=jid))
                r.ok(f"{what}: RemoveContainer")
            except grpc.RpcError as e:
                r.fail(f"{what}: RemoveContainer", rpc_error(e))
            r.check(not mounts_mentioning([jid]) and not os.path.exists(os.path.join(self.a.runtime_root, jid)),
                    f"{what}: no mount or runtime state left after removal",
                    f"{mounts_mentioning([jid])}")

        # StopContainer with a grace period: SIGTERM ignored, SIGKILL after it
        stub = self.ctr_config(pod, "stubborn", ["sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done"])
        bid, bpid = self.create_start(sid, pod, stub, f"{name}/stubborn")
        ids.append(bid)
        pids.append(bpid)
        wait_for(lambda: "ready" in read(os.path.join(pod.log_directory, "stubborn/0.log"), ""), 10)
        t0 = time.monotonic()
        try:
            self.call(self.rt, "StopContainer", pb.StopContainerRequest(container_id=bid, timeout=3))
            dt = time.monotonic() - t0
            bst, _ = self.container_info(bid)
            r.check(2.7 <= dt < 9 and bst.state == pb.CONTAINER_EXITED and bst.exit_code == 137,
                    f"{name}/stubborn: StopContainer timeout 3 ignores-TERM container killed after the grace period",
                    f"{dt:.2f}s state {pb.ContainerState.Name(bst.state)} exit {bst.exit_code}")
            r.note(f"{name}/stubborn: StopContainer(timeout=3) took {dt:.2f}s, exit {bst.exit_code} reason {bst.reason}")
        except grpc.RpcError as e:
            r.fail(f"{name}/stubborn: StopContainer timeout 3", rpc_error(e))
        r.check(not alive(bpid), f"{name}/stubborn: process gone after StopContainer")
        try:
            self.call(self.rt, "StopContainer", pb.StopContainerRequest(container_id=bid, timeout=3))
            r.ok(f"{name}/stubborn: StopContainer again is a no-op")
        except grpc.RpcError as e:
            r.fail(f"{name}/stubborn: StopContainer again is a no-op", rpc_error(e))

        # graceful stop of app: SIGTERM handled
        t0 = time.monotonic()
        try:
            self.call(self.rt, "StopContainer", pb.StopContainerRequest(container_id=cid, timeout=20))
            dt = time.monotonic() - t0
            ast, _ = self.container_info(cid)
            r.check(dt < 5 and ast.state == pb.CONTAINER_EXITED and ast.exit_code == 0,
                    f"{name}/app: StopContainer, SIGTERM handled, exit 0 before the grace period",
                    f"{dt:.2f}s state {pb.ContainerState.Name(ast.state)} exit {ast.exit_code}")
            r.check(read(logp, "").rstrip().endswith("stdout F got TERM"), f"{name}/app: its TERM trap ran (log)")
        except grpc.RpcError as e:
            r.fail(f"{name}/app: StopContainer", rpc_error(e))
        for what, i in ((f"{name}/stubborn", bid), (f"{name}/app", cid)):
            try:
                self.call(self.rt, "RemoveContainer", pb.RemoveContainerRequest(container_id=i))
                r.ok(f"{what}: RemoveContainer")
            except grpc.RpcError as e:
                r.fail(f"{what}: RemoveContainer", rpc_error(e))
            try:
                self.container_info(i)
                r.fail(f"{what}: ContainerStatus after removal is NotFound", "still there")
            except grpc.RpcError as e:
                r.eq(e.code(), grpc.StatusCode.NOT_FOUND, f"{what}: ContainerStatus after removal is NotFound")
            r.check(not mounts_mentioning([i]) and not os.path.exists(os.path.join(self.a.runtime_root, i)),
                    f"{what}: no mount or runtime state left after removal", f"{mounts_mentioning([i])}")
        # the sidecar is left running: StopPodSandbox must terminate it

    def check_cgroup_gone_after_exit(self, what, parent, cid):
        left = [os.path.join(m, parent.lstrip("/"), cid) for m in self.mounts.values()
                if os.path.isdir(os.path.join(m, parent.lstrip("/"), cid))]
        got = wait_for(lambda: not [d for d in left if os.path.isdir(d)], 5)
        self.r.check(got, f"{what}: its cgroup is removed once it exited",
                     " ".join(d for d in left if os.path.isdir(d)))

    def streaming(self, name, cid):
        r = self.r
        try:
            url = self.call(self.rt, "Exec", pb.ExecRequest(
                container_id=cid, cmd=["sh"], tty=True, stdin=True, stdout=True, stderr=False)).url
        except grpc.RpcError as e:
            r.fail(f"{name}/app: Exec returns a streaming URL", rpc_error(e))
            return
        r.check(re.match(r"^http://127\.0\.0\.1:\d+/exec/\S+$", url), f"{name}/app: Exec returns a streaming URL", url)
        try:
            out, err, status, proto = ws_exec(url, [b"tty; echo ws-$((6*7)); stty size; exit 5\n"], tty=True)
            text = out.decode(errors="replace").replace("\r", "")
            r.check(proto == "v4.channel.k8s.io" and "ws-42" in text and re.search(r"^/dev/pts/\d+$", text, re.M),
                    f"{name}/app: Exec with a tty over the streaming server (websocket): on /dev/pts, output",
                    f"protocol {proto!r} output {text!r}")
            r.check(re.search(r"^30 100$", text, re.M), f"{name}/app: Exec with a tty: window size from the resize channel",
                    f"output {text!r}")
            r.eq(ws_exit_code(status), 5, f"{name}/app: Exec with a tty: exit code 5 on the status channel")
        except Exception as e:
            r.fail(f"{name}/app: Exec with a tty over the streaming server (websocket)", repr(e))
        try:
            url = self.call(self.rt, "Exec", pb.ExecRequest(
                container_id=cid, cmd=["sh", "-c", "read l; echo got $l; echo e >&2; tty || true"],
                tty=False, stdin=True, stdout=True, stderr=True)).url
            out, err, status, proto = ws_exec(url, [b"line1\n"], tty=False)
            r.check(out == b"got line1\nnot a tty\n" and err == b"e\n" and ws_exit_code(status) == 0,
                    f"{name}/app: Exec without a tty: stdin, stdout, stderr apart, exit 0",
                    f"out {out!r} err {err!r} status {status}")
        except Exception as e:
            r.fail(f"{name}/app: Exec without a tty", rpc_error(e))

    def pod_shared_pid(self):
        """Pod "shared": shareProcessNamespace, pid namespace POD."""
        name = "shared"
        pod, parent, sid, ppid, st, info = self.run_pod(name, pb.POD)
        netns = next((n.get("path") for n in info.get("runtimeSpec", {}).get("linux", {}).get("namespaces", [])
                      if n.get("type") == "network"), None)
        ids, pids = [], [ppid]
        try:
            cfg = self.ctr_config(pod, "c", ["sh", "-c", "while true; do sleep 1; done"])
            cid, cpid = self.create_start(sid, pod, cfg, f"{name}/c")
            ids.append(cid)
            pids.append(cpid)
            if cpid:
                for ns in ("pid", "net", "ipc", "uts"):
                    self.r.eq(ns_of(cpid, ns), ns_of(ppid, ns), f"{name}/c: joins the pod's {ns} namespace")
                x = self.exec_sync(cid, ["cat", "/proc/1/cmdline"])
                self.r.eq(x.stdout, b"/pause\0", f"{name}/c: pid 1 seen from inside is the pause process")
                x = self.exec_sync(cid, ["ps", "-o", "pid,args"])
                lines = x.stdout.decode().splitlines()
                self.r.check(any(l.split(None, 1) == ["1", "/pause"] for l in lines)
                             and any("while true" in l for l in lines),
                             f"{name}/c: ps inside shows pause and the container", " | ".join(lines))
            self.leaver(name, pod, sid, parent, ppid, ids, pids)
            # no StopContainer first: StopPodSandbox must stop the running container
        except Abort:
            pass
        except Exception as e:
            self.r.fail(f"{name}: unexpected error", rpc_error(e))
        self.stop_remove_pod(name, sid, parent, pids, ids, netns)

    def leaver(self, name, pod, sid, parent, ppid, ids, pids):
        """In a shared pid namespace the end of a container's main process does
        not end its other processes: the shim then runs `<runtime> kill --all
        <id> 9` on the stopped container (and `delete` kills what is left, as
        runc does for a container without its own pid namespace)."""
        r = self.r
        what = f"{name}/leaver"
        cfg = self.ctr_config(pod, "leaver", ["sh", "-c", "sleep 600 & echo started; sleep 1; exit 0"])
        lid, lpid = self.create_start(sid, pod, cfg, what)
        ids.append(lid)
        pids.append(lpid)
        pidns = ns_of(ppid, "pid")

        def orphans():
            return [int(p) for p in os.listdir("/proc") if p.isdigit() and cmdline(p) == ["sleep", "600"]
                    and ns_of(p, "pid") == pidns and alive(p)]
        bg = wait_for(orphans, 5)
        pids.extend(bg)
        r.check(bg, f"{what}: its background process runs", "no 'sleep 600' in the pod's pid namespace")
        # when does the background process die, against the main process's end?
        died = None
        end = time.monotonic() + 15
        while bg and time.monotonic() < end:
            if not [p for p in bg if alive(p)]:
                died = time.time()
                break
            time.sleep(0.02)
        st = self.wait_state(lid, pb.CONTAINER_EXITED, 15)
        r.check(st is not None and st.exit_code == 0, f"{what}: main process exits, EXITED with code 0",
                f"{st}" if st else "not exited")
        left = [p for p in bg if alive(p)]
        lag = died - st.finished_at / 1e9 if died and st else None
        r.note(f"{what}: background process killed {lag:.2f}s after the main process ended" if lag is not None
               else f"{what}: background process still alive: {left}")
        r.check(lag is not None and lag < 1.0,
                f"{what}: the process it left behind is killed as soon as the main process ends (shim's kill --all)",
                f"killed {lag:.2f}s after" if lag is not None
                else f"pid {left} still alive")
        self.check_cgroup_gone_after_exit(what, parent, lid)
        try:
            self.call(self.rt, "RemoveContainer", pb.RemoveContainerRequest(container_id=lid))
            r.ok(f"{what}: RemoveContainer")
        except grpc.RpcError as e:
            r.fail(f"{what}: RemoveContainer", rpc_error(e))
        left = [p for p in bg if alive(p)]
        r.check(not left, f"{what}: nothing of it runs after RemoveContainer",
                f"pid {left} still alive in the pod")

    def pod_broken(self):
        """Pod "broken": a container whose command does not exist."""
        name = "broken"
        pod, parent, sid, ppid, st, info = self.run_pod(name, pb.CONTAINER)
        netns = next((n.get("path") for n in info.get("runtimeSpec", {}).get("linux", {}).get("namespaces", [])
                      if n.get("type") == "network"), None)
        ids, pids = [], [ppid]
        r = self.r
        try:
            cfg = self.ctr_config(pod, "bad", ["/no/such/binary", "arg"])
            cid = self.call(self.rt, "CreateContainer", pb.CreateContainerRequest(
                pod_sandbox_id=sid, config=cfg, sandbox_config=pod)).container_id
            ids.append(cid)
            r.ok(f"{name}/bad: CreateContainer")
            err = ""
            try:
                self.call(self.rt, "StartContainer", pb.StartContainerRequest(container_id=cid))
            except grpc.RpcError as e:
                err = rpc_error(e)
            st, info = self.container_info(cid)
            if info.get("pid"):
                pids.append(info["pid"])
            state = pb.ContainerState.Name(st.state)
            r.note(f"{name}/bad: StartContainer error: {err or '(none)'}")
            r.note(f"{name}/bad: ContainerStatus {state} exit {st.exit_code} reason {st.reason!r} message {st.message!r}")
            r.check(err != "" or st.state == pb.CONTAINER_EXITED, f"{name}/bad: StartContainer fails or the container exits",
                    f"state {state}")
            r.check(st.state in (pb.CONTAINER_EXITED, pb.CONTAINER_CREATED), f"{name}/bad: ContainerStatus EXITED or CREATED",
                    state)
            text = err + " " + st.reason + " " + st.message
            r.check("/no/such/binary" in text and re.search(r"no such file|not found", text, re.I),
                    f"{name}/bad: the error names the missing executable", text)
            try:
                self.call(self.rt, "RemoveContainer", pb.RemoveContainerRequest(container_id=cid))
                r.ok(f"{name}/bad: RemoveContainer")
            except grpc.RpcError as e:
                r.fail(f"{name}/bad: RemoveContainer", rpc_error(e))
            r.check(not procs_mentioning([cid]) and not mounts_mentioning([cid])
                    and not os.path.exists(os.path.join(self.a.runtime_root, cid)),
                    f"{name}/bad: nothing left of it (process, mount, runtime state)",
                    f"{procs_mentioning([cid])} {mounts_mentioning([cid])}")
            self.check_cgroup_gone_after_exit(f"{name}/bad", parent, cid)
        except Abort:
            pass
        except Exception as e:
            r.fail(f"{name}: unexpected error", rpc_error(e))
        self.stop_remove_pod(name, sid, parent, pids, ids, netns)

    # ---- the reduced systemd mode (--systemd): containerd with SystemdCgroup = true

    def systemctl(self, *args):
        r = subprocess.run(["systemctl"] + list(args), capture_output=True, text=True, timeout=60)
        return r.returncode, (r.stdout + r.stderr).strip()

    def unit_props(self, unit, *props):
        """{prop: value} of systemctl show UNIT -p ..."""
        _, out = self.systemctl("show", unit, "-p", ",".join(props))
        return dict(l.split("=", 1) for l in out.splitlines() if "=" in l)

    def check_scope(self, what, pid, slice_, cid):
        """pid is in cri-containerd-<cid>.scope, an active transient unit of
        slice_ whose cgroup is under the pod slice."""
        r = self.r
        unit = f"cri-containerd-{cid}.scope"
        p = self.unit_props(unit, "LoadState", "ActiveState", "Slice", "ControlGroup", "Transient")
        want_cg = f"{self.slice_path(slice_)}/{unit}"
        r.eq((p.get("LoadState"), p.get("ActiveState"), p.get("Transient"), p.get("Slice")),
             ("loaded", "active", "yes", slice_), f"{what}: unit {unit[:30]}...: loaded, active, transient, in the pod slice")
        r.eq(p.get("ControlGroup"), want_cg, f"{what}: the unit's ControlGroup is under the pod slice")
        r.eq(proc_cgroups(pid).get(""), want_cg, f"{what}: /proc/PID/cgroup is the unit's cgroup")
        if self.a.unit_props:
            # for a comparison between runtimes: ids and the pod's uid replaced
            uid = slice_[len("kubepods-burstable-pod"):-len(".slice")]
            # (DeviceAllow comes one line an entry: all of them, sorted)
            _, out = self.systemctl("show", unit, "-p", self.a.unit_props)
            text = "; ".join(sorted(out.splitlines()))
            r.note(f"{what.split(' ', 1)[-1]}: unit properties: {text.replace(cid, 'ID').replace(uid, 'UID')}")
            res = self.spec_of(cid).get("linux", {}).get("resources", {})
            r.note(f"{what.split(' ', 1)[-1]}: config.json linux.resources: {json.dumps(res, sort_keys=True, separators=(',', ':'))}")
            r.note(f"{what.split(' ', 1)[-1]}: cgroup files: " + " ".join(
                f"{f}={read(CGROOT + want_cg + '/' + f, '<none>').strip()}"
                for f in ("memory.max", "memory.swap.max", "memory.high", "cpu.max", "cpu.weight", "pids.max")))
        return unit, want_cg

    def spec_of(self, id_):
        """The config.json containerd gave the runtime (verbose status)."""
        try:
            _, info = self.container_info(id_)
        except grpc.RpcError:
            _, info = self.sandbox_info(id_)
        return info.get("runtimeSpec", {})

    @staticmethod
    def slice_path(slice_):
        """/a.slice/a-b.slice/a-b-c.slice for a-b-c.slice (systemd's nesting)."""
        parts = slice_[:-len(".slice")].split("-")
        return "".join("/" + "-".join(parts[:i + 1]) + ".slice" for i in range(len(parts)))

    def check_unit_gone(self, what, unit, cgdir):
        def gone():
            p = self.unit_props(unit, "LoadState", "ActiveState")
            return (p.get("LoadState") == "not-found" or p.get("ActiveState") == "inactive") and not os.path.isdir(cgdir)
        ok = wait_for(gone, 10, 0.2)
        p = self.unit_props(unit, "LoadState", "ActiveState")
        self.r.check(ok, f"{what}: no scope unit (LoadState not-found or inactive) and no cgroup directory left",
                     f"{p} cgroup {'left' if os.path.isdir(cgdir) else 'gone'}")

    def pod_systemd(self):
        """Pod "sd": kubelet's systemd cgroup driver, host network (the guest
        has no CNI plugins: no network namespace, no CNI call), an app
        container; its scopes, exec, an update of its limits, its stop and
        removal, then the pod's."""
        r = self.r
        name = "sd"
        uid = str(uuid.uuid4())
        ns = "cri-test"
        # kubelet's systemd driver: the pod cgroup [kubepods burstable pod<uid>]
        # is the slice kubepods-burstable-pod<uid, - as _>.slice
        slice_ = f"kubepods-burstable-pod{uid.replace('-', '_')}.slice"
        logdir = os.path.join(self.a.log_root, f"{ns}_{name}_{uid}")
        os.makedirs(logdir, exist_ok=True)
        nsopt = pb.NamespaceOption(network=pb.NODE, pid=pb.CONTAINER, ipc=pb.POD)
        pod = pb.PodSandboxConfig(
            metadata=pb.PodSandboxMetadata(name=name, uid=uid, namespace=ns, attempt=0),
            hostname="", log_directory=logdir,
            labels={"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": ns,
                    "io.kubernetes.pod.uid": uid, "cri-test": "1"},
            annotations={"kubernetes.io/config.source": "api", "cri-test/handler": self.h},
            linux=pb.LinuxPodSandboxConfig(
                cgroup_parent=slice_,
                security_context=pb.LinuxSandboxSecurityContext(namespace_options=nsopt)))
        slice_cg = CGROOT + self.slice_path(slice_)
        # kubelet starts the pod's slice before RunPodSandbox
        rc, out = self.systemctl("start", slice_)
        r.note(f"{name}: systemctl start {slice_}: exit {rc} {out}")
        t0 = time.monotonic()
        try:
            sid = self.call(self.rt, "RunPodSandbox", pb.RunPodSandboxRequest(config=pod, runtime_handler=self.h)).pod_sandbox_id
        except grpc.RpcError as e:
            r.fail(f"cri {name}: RunPodSandbox", rpc_error(e))
            self.systemctl("stop", slice_)
            return
        self.pods.append((sid, ""))
        r.ok(f"cri {name}: RunPodSandbox, cgroup_parent {slice_[:32]}... ({time.monotonic() - t0:.2f}s)")
        r.note(f"{name}: sandbox {sid}")
        ids, pids, units = [], [], []
        try:
            st, info = self.sandbox_info(sid)
            ppid = info.get("pid", 0)
            pids.append(ppid)
            r.check(st.status.state == pb.SANDBOX_READY and ppid > 0 and alive(ppid),
                    f"cri {name}: PodSandboxStatus READY, pause running",
                    f"state {pb.PodSandboxState.Name(st.status.state)} pid {ppid}")
            spec = info.get("runtimeSpec", {})
            r.note(f"{name}: sandbox cgroupsPath {spec.get('linux', {}).get('cgroupsPath')}")
            if not ppid or not alive(ppid):
                raise Abort()
            units.append(self.check_scope(f"cri {name}: sandbox", ppid, slice_, sid))

            res = pb.LinuxContainerResources(cpu_period=100000, cpu_quota=20000, cpu_shares=512,
                                             memory_limit_in_bytes=64 << 20)
            cfg = self.ctr_config(pod, "app", ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"],
                                  resources=res)
            t0 = time.monotonic()
            try:
                cid = self.call(self.rt, "CreateContainer", pb.CreateContainerRequest(
                    pod_sandbox_id=sid, config=cfg, sandbox_config=pod)).container_id
                ids.append(cid)
                r.ok(f"cri {name}/app: CreateContainer")
                self.call(self.rt, "StartContainer", pb.StartContainerRequest(container_id=cid))
            except grpc.RpcError as e:
                r.fail(f"cri {name}/app: CreateContainer + StartContainer", rpc_error(e))
                raise Abort()
            cst, cinfo = self.container_info(cid)
            cpid = cinfo.get("pid", 0)
            pids.append(cpid)
            if not r.check(cst.state == pb.CONTAINER_RUNNING and cpid > 0 and alive(cpid),
                           f"cri {name}/app: StartContainer, ContainerStatus RUNNING ({time.monotonic() - t0:.2f}s)",
                           f"state {pb.ContainerState.Name(cst.state)} pid {cpid} {cst.reason!r} {cst.message!r}"):
                raise Abort()
            r.note(f"{name}/app: container {cid} cgroupsPath {cinfo.get('runtimeSpec', {}).get('linux', {}).get('cgroupsPath')}")
            unit, cg = self.check_scope(f"cri {name}/app", cpid, slice_, cid)
            units.append((unit, cg))
            got = [ns_of(cpid, n) == ns_of(ppid, n) for n in ("net", "ipc", "uts")] + [ns_of(cpid, "pid") != ns_of(ppid, "pid")]
            r.check(all(got), f"cri {name}/app: shares pause's net, ipc and uts namespaces, has its own pid namespace",
                    " ".join(f"{n}:{ns_of(cpid, n)}/{ns_of(ppid, n)}" for n in ("net", "ipc", "uts", "pid")))
            cgf = CGROOT + cg

            def limits(mem, quota):
                p = self.unit_props(unit, "MemoryMax", "CPUQuotaPerSecUSec")
                want_q = f"{quota * 1000000 // 100000 // 1000}ms"   # per second, period 100000
                return (p.get("MemoryMax"), p.get("CPUQuotaPerSecUSec"),
                        read(cgf + "/memory.max", "").strip(), read(cgf + "/cpu.max", "").strip()), \
                       (str(mem), want_q, str(mem), f"{quota} 100000")
            g, w = limits(64 << 20, 20000)
            r.eq(g, w, f"cri {name}/app: limits at create: MemoryMax, CPUQuotaPerSecUSec; memory.max, cpu.max")
            try:
                x = self.exec_sync(cid, ["sh", "-c", "echo out-$((6*7)); echo err >&2; exit 3"])
                r.eq((x.stdout, x.stderr, x.exit_code), (b"out-42\n", b"err\n", 3),
                     f"cri {name}/app: ExecSync output and exit code")
            except grpc.RpcError as e:
                r.fail(f"cri {name}/app: ExecSync", rpc_error(e))
            try:
                self.call(self.rt, "UpdateContainerResources", pb.UpdateContainerResourcesRequest(
                    container_id=cid, linux=pb.LinuxContainerResources(
                        cpu_period=100000, cpu_quota=50000, cpu_shares=512, memory_limit_in_bytes=128 << 20)))
                r.ok(f"cri {name}/app: UpdateContainerResources")
                g, w = limits(128 << 20, 50000)
                r.eq(g, w, f"cri {name}/app: limits after the update: MemoryMax, CPUQuotaPerSecUSec; memory.max, cpu.max")
            except grpc.RpcError as e:
                r.fail(f"cri {name}/app: UpdateContainerResources", rpc_error(e))
            t0 = time.monotonic()
            try:
                self.call(self.rt, "StopContainer", pb.StopContainerRequest(container_id=cid, timeout=20))
                cst, _ = self.container_info(cid)
                r.check(cst.state == pb.CONTAINER_EXITED and cst.exit_code == 0 and not alive(cpid),
                        f"cri {name}/app: StopContainer: EXITED, exit 0 (SIGTERM handled)",
                        f"state {pb.ContainerState.Name(cst.state)} exit {cst.exit_code} after {time.monotonic() - t0:.2f}s")
            except grpc.RpcError as e:
                r.fail(f"cri {name}/app: StopContainer", rpc_error(e))
            self.check_unit_gone(f"cri {name}/app: after StopContainer", unit, cgf)
            try:
                self.call(self.rt, "RemoveContainer", pb.RemoveContainerRequest(container_id=cid))
                r.ok(f"cri {name}/app: RemoveContainer")
            except grpc.RpcError as e:
                r.fail(f"cri {name}/app: RemoveContainer", rpc_error(e))
        except Abort:
            pass
        except Exception as e:
            r.fail(f"cri {name}: unexpected error", rpc_error(e))
        t0 = time.monotonic()
        for call, req in (("StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=sid)),
                          ("RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=sid))):
            try:
                self.call(self.rt, call, req)
                r.ok(f"cri {name}: {call} ({time.monotonic() - t0:.2f}s)")
            except grpc.RpcError as e:
                r.fail(f"cri {name}: {call}", rpc_error(e))
        self.pods = [p for p in self.pods if p[0] != sid]
        pids = [p for p in pids if p]
        r.check(wait_for(lambda: not [p for p in pids if alive(p)], 10) and
                wait_for(lambda: not procs_mentioning([sid] + ids), 10),
                f"cri {name}: no process left (pause, app, shim)",
                f"{[p for p in pids if alive(p)]} {procs_mentioning([sid] + ids)}")
        for unit, cg in units[:1]:
            self.check_unit_gone(f"cri {name}: sandbox after RemovePodSandbox", unit, CGROOT + cg)
        kids = [k for k in os.listdir(slice_cg) if os.path.isdir(os.path.join(slice_cg, k))] if os.path.isdir(slice_cg) else []
        r.check(not kids, f"cri {name}: no cgroup directory left in the pod slice", " ".join(kids))
        # kubelet stops the pod's slice once the pod is gone
        rc, out = self.systemctl("stop", slice_)
        r.check(rc == 0 and wait_for(lambda: not os.path.isdir(slice_cg), 10),
                f"cri {name}: the pod slice stopped, its cgroup removed", f"exit {rc} {out}")

    def run_systemd(self):
        t0 = time.monotonic()
        try:
            self.pod_systemd()
        except grpc.RpcError as e:
            self.r.fail("cri: CRI connection", rpc_error(e))
        except Exception as e:
            self.r.fail("cri: unexpected error", rpc_error(e))
        finally:
            self.cleanup()
        self.r.note(f"took {time.monotonic() - t0:.1f}s")
        print(f"{self.r.passed} passed, {self.r.failed} failed", flush=True)
        return 0 if self.r.failed == 0 and self.r.passed > 0 else 1

    def cleanup(self):
        for sid, parent in list(self.pods):
            for call, req in (("StopPodSandbox", pb.StopPodSandboxRequest(pod_sandbox_id=sid)),
                              ("RemovePodSandbox", pb.RemovePodSandboxRequest(pod_sandbox_id=sid))):
                with contextlib.suppress(grpc.RpcError):
                    self.call(self.rt, call, req)
            if parent:
                self.remove_pod_cgroup(parent)
        self.pods = []

    def cleanup_leftovers(self):
        """--cleanup: stop and remove every pod this script made (label
        cri-test=1) and its pod cgroup; for a run that was interrupted."""
        items = self.call(self.rt, "ListPodSandbox", pb.ListPodSandboxRequest(
            filter=pb.PodSandboxFilter(label_selector={"cri-test": "1"}))).items
        for it in items:
            parent = ""
            with contextlib.suppress(grpc.RpcError, ValueError, AttributeError):
                _, info = self.sandbox_info(it.id)
                parent = info.get("config", {}).get("linux", {}).get("cgroup_parent", "")
            self.pods.append((it.id, parent))
        self.cleanup()
        print(f"# removed {len(items)} leftover pod(s)", flush=True)
        return 0

    def run(self):
        t0 = time.monotonic()
        try:
            self.runtime_and_images()
            for scenario in (self.pod_main, self.pod_shared_pid, self.pod_broken):
                try:
                    scenario()
                except Abort:
                    pass
                except Exception as e:
                    self.r.fail(f"{scenario.__name__}: unexpected error", rpc_error(e))
        except grpc.RpcError as e:
            self.r.fail("CRI connection", rpc_error(e))
        finally:
            self.cleanup()
        self.r.note(f"took {time.monotonic() - t0:.1f}s")
        print(f"{self.r.passed} passed, {self.r.failed} failed", flush=True)
        return 0 if self.r.failed == 0 and self.r.passed > 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--socket", required=True, help="containerd's gRPC socket")
    ap.add_argument("--handler", help="runtime handler (RuntimeClass) name")
    ap.add_argument("--runtime-root",
                    help="the handler's state root (the shim's Root option joined with the namespace k8s.io)")
    ap.add_argument("--log-root", help="where pod log directories go")
    ap.add_argument("--cleanup", action="store_true",
                    help="only stop and remove the pods a previous run left (label cri-test=1)")
    ap.add_argument("--pause-image", default="localhost/pause:1")
    ap.add_argument("--image", default="localhost/busybox:1")
    ap.add_argument("--cgroup-base", default="/kubepods/burstable", help="parent of the pod cgroups")
    ap.add_argument("--systemd", action="store_true",
                    help="the reduced systemd mode: containerd's runtimes with SystemdCgroup = true, the pod's "
                         "cgroup_parent a slice as kubelet's systemd driver names it, one pod with one container, "
                         "checked through systemctl (needs systemd as PID 1 and cgroup v2)")
    ap.add_argument("--unit-props", default="",
                    help="with --systemd: a comma-separated list of unit properties of the scopes to print "
                         "(ids replaced by ID, the pod's uid by UID)")
    args = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("kubelet.py: must run as root")
    if args.cleanup:
        args.handler = args.handler or "cleanup"
        sys.exit(Kubelet(args).cleanup_leftovers())
    if not (args.handler and args.runtime_root and args.log_root):
        ap.error("--handler, --runtime-root and --log-root are required")
    k = Kubelet(args)
    sys.exit(k.run_systemd() if args.systemd else k.run())


if __name__ == "__main__":
    main()
