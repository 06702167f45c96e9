#!/usr/bin/python3
"""tests/criu/rpc.py RPC_BINARY: runtime.c's criu messages (tests/criu/rpc.c)
held against criu's own protobuf definitions, pycriu's rpc_pb2 (Debian's
criu package): the requests ocirun writes must read back as the fields
meant, and criu's answers (made here with rpc_pb2) must read in ocirun as
criu meant them.  Prints "ok - ..." / "FAIL - ..." lines and exits 1 on a
failure, 77 when pycriu is not there."""
import os, random, subprocess, sys, tempfile

try:
    from pycriu import rpc_pb2 as rpc
except Exception as e:  # no criu package, or no python3-protobuf
    print("skip - pycriu's rpc_pb2: %s" % e)
    sys.exit(77)

binary = sys.argv[1]
failed = 0


def check(name, got, want):
    global failed
    if got == want:
        print("ok - %s" % name)
    else:
        failed = 1
        print("FAIL - %s: got %r, want %r" % (name, got, want))


def opts(hexline):
    o = rpc.criu_opts()
    o.MergeFromString(bytes.fromhex(hexline))
    return o


root = tempfile.mkdtemp()
os.makedirs(os.path.join(root, "linked"))
os.symlink("linked", os.path.join(root, "link"))
lines = subprocess.run([binary, "encode", root], capture_output=True, text=True, check=True).stdout.split()
dump, restore, misc = (opts(x) for x in lines)

check("dump: image and work dir fds, log", (dump.images_dir_fd, dump.work_dir_fd, dump.log_level, dump.log_file), (5, 6, 4, "dump.log"))
check("dump: runc's fixed options", (dump.manage_cgroups, dump.notify_scripts, dump.orphan_pts_master), (True, True, True))
check("dump: the flags", (dump.tcp_established, dump.ext_unix_sk, dump.shell_job, dump.file_locks, dump.auto_dedup, dump.lazy_pages),
      (True,) * 6)
check("dump: --manage-cgroups-mode full", dump.manage_cgroups_mode, rpc.FULL)
check("dump: empty_ns (network always, pid asked)", dump.empty_ns, 0x40000000 | 0x20000000)
check("dump: the config file (org.criu.config)", dump.config_file, "/etc/x.conf")
net = os.stat("/proc/self/ns/net").st_ino
check("dump: the joined network namespace is external", list(dump.external), ["net[%d]:extRootNetNS" % net])
check("dump: --page-server", (dump.ps.address, dump.ps.port), ("10.0.0.1", 27))
check("dump: --parent-path", (dump.parent_img, dump.track_mem), ("../pre", True))
devs = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/fuse"]
check("dump: external mounts (a bind at a symlinked destination, devices, a masked file)",
      [(m.key, m.val) for m in dump.ext_mnt],
      [("/linked/in", "/linked/in"), ("/data", "/data")] + [(d, d) for d in devs] + [("/proc/version", "/dev/null")])
check("restore: external mounts (the sources on this host)", [(m.key, m.val) for m in restore.ext_mnt],
      [("/linked/in", "/tmp"), ("/data", "/bundle/rel")] + [(d, d) for d in devs] + [("/dev/null", "/dev/null")])
check("a negative int32, inherit_fd, cg_root, join_ns",
      (misc.images_dir_fd, [(i.key, i.fd) for i in misc.inherit_fd], [(c.ctrl, c.path) for c in misc.cg_root],
       [(j.ns, j.ns_file) for j in misc.join_ns]),
      (-1, [("pipe:[42]", 2)], [("", "/a b")], [("mnt", "/proc/1/ns/mnt")]))

# criu's answers: made with rpc_pb2, read by runtime.c
rnd = random.Random(19)
want, msgs = [], []
for k in range(60):
    r = rpc.criu_resp()
    r.type = rnd.choice([rpc.DUMP, rpc.RESTORE, rpc.PRE_DUMP, rpc.NOTIFY, rpc.VERSION, rpc.FEATURE_CHECK])
    r.success = rnd.random() < 0.8
    pid, version, feats, script, msg = 0, 0, 0, "", ""
    if rnd.random() < 0.3:
        r.cr_errno = rnd.randrange(0, 200)
    if r.type == rpc.NOTIFY:
        script = rnd.choice(["setup-namespaces", "post-restore", "orphan-pts-master", "post-dump", "network-lock"])
        r.notify.script = script
        if rnd.random() < 0.7:
            pid = rnd.randrange(1, 1 << 22)
            r.notify.pid = pid
    if r.type == rpc.RESTORE and r.success:
        pid = rnd.randrange(1, 1 << 22)
        r.restore.pid = pid
    if r.type == rpc.VERSION:
        r.version.major_number, r.version.minor_number = 3, rnd.randrange(0, 20)
        r.version.gitid = "v3.%d" % r.version.minor_number
        version = 30000 + r.version.minor_number * 100
        if rnd.random() < 0.5:
            r.version.sublevel = rnd.randrange(0, 9)
            version += r.version.sublevel
    if r.type == rpc.FEATURE_CHECK:
        r.features.mem_track = rnd.random() < 0.5
        r.features.lazy_pages = rnd.random() < 0.5
        feats = (2 if r.features.mem_track else 0) | (4 if r.features.lazy_pages else 0)
    if not r.success and rnd.random() < 0.5:
        msg = "Error (criu/x.c:%d): it failed" % k
        r.cr_errmsg = msg + "\n"
    msgs.append(r.SerializeToString().hex())
    want.append("%d %d %d %d %d %d %s|%s" % (r.type, r.success, r.cr_errno, pid, version, feats, script, msg))
got = subprocess.run([binary, "decode"], input="\n".join(msgs) + "\n", capture_output=True, text=True, check=True).stdout.split("\n")
bad = [(i, got[i], want[i]) for i in range(len(want)) if got[i] != want[i]]
check("criu's answers read as rpc_pb2 made them (60 of them)", bad[:3], [])
broken = ["0a", "08", "2a05", "0880808080808080808080"]
got = subprocess.run([binary, "decode"], input="\n".join(broken) + "\n", capture_output=True, text=True, check=True).stdout.split("\n")
check("truncated or malformed answers are errors", [g.startswith("error: ") for g in got[:4]], [True] * 4)
sys.exit(failed)
