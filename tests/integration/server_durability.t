#!/usr/bin/python3
# lispos-server's durability (issue 20): writes acknowledged after a sync
# survive kill -9 of the server, round after round (20), while other
# clients keep writing; the store reopens consistent every time (every
# entry readable, ids never reused); and a clean stop (SIGTERM) loses
# nothing, synced or not.  The seed of the kill times is printed.
import os, random, sys, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from server_helper import Tap, Server

ROUNDS = int(os.environ.get("SERVER_KILL_ROUNDS", "20"))
seed = int(os.environ.get("SERVER_KILL_SEED", str(random.randrange(1 << 30))))
rng = random.Random(seed)
print("# seed %d (SERVER_KILL_SEED replays the kill times)" % seed)

t = Tap()
ok = t.ok
srv = Server("admin-pw", "--snapshot-interval", "1")
r = srv.init("--size", "64M")
ok(r.returncode == 0, "--init", r.stderr)
srv.start()
admin = srv.client().login("admin", "admin-pw")
for name in ("writer", "load"):
    admin.call("admin.user-add", name, name + "-pw")
admin.close()


def load(stop, port_server):
    """Puts as fast as it can, without sync, until stop or the server
    dies under it."""
    try:
        c = port_server.client().login("load", "load-pw")
        k = 0
        while not stop.is_set():
            c.call("store.put", "load %d" % k, ["n", k])
            k += 1
    except Exception:
        pass


acknowledged = {}               # id -> the text synced under it
problems = []
for rnd in range(ROUNDS):
    stop = threading.Event()
    loaders = [threading.Thread(target=load, args=(stop, srv))
               for _ in range(2)]
    for th in loaders:
        th.start()
    w = srv.client().login("writer", "writer-pw")
    for k in range(rng.randrange(1, 6)):
        text = "round %d item %d" % (rnd, k)
        err, eid = w.call("store.put", text, ["round", rnd])
        if err:
            problems.append(("put", rnd, err))
            continue
        err, res = w.call("sync")
        if err is None and res is True:
            acknowledged[eid] = text
        else:
            problems.append(("sync", rnd, err))
    # unsynced writes go on a little, then the kill
    for k in range(rng.randrange(0, 5)):
        w.send("store.put", ["unsynced %d" % k, []])
    time.sleep(rng.uniform(0, 0.3))
    srv.kill()
    stop.set()
    for th in loaders:
        th.join(timeout=30)
    srv.start()
    w = srv.client().login("writer", "writer-pw")
    missing = []
    for eid, text in acknowledged.items():
        err, res = w.call("store.get", eid)
        if err or not res or res["object"] != text:
            missing.append((eid, text, err, res and res.get("object")))
    if missing:
        problems.append(("lost after round %d" % rnd, missing[:5]))
    err, n = w.call("store.count", "t")
    err2, q = w.call("store.query", "t")
    if err or err2 or n != len(q) or [e[0] for e in q] != sorted(e[0] for e in q):
        problems.append(("inconsistent after round %d" % rnd, err, err2, n))
    w.close()
ok(not problems, "%d rounds of kill -9 under load: every write "
   "acknowledged after a sync is there (%d of them)" % (ROUNDS,
                                                          len(acknowledged)),
   problems[:3])

# ids are never reused, even for writes a kill lost
w = srv.client().login("writer", "writer-pw")
err, new = w.call("store.put", "after the kills", [])
ok(err is None and new > max(acknowledged), "a new entry's id is past every "
   "id given before", (new, max(acknowledged)))

# a clean stop loses nothing, synced or not
ids = [w.call("store.put", "unsynced %d" % k, ["k", k])[1] for k in range(50)]
ok(srv.stop() == 0, "SIGTERM: a clean stop")
srv.start()
w = srv.client().login("writer", "writer-pw")
got = [w.call("store.get", i)[1] for i in ids]
ok(all(g and g["object"] == "unsynced %d" % k for k, g in enumerate(got)),
   "after a clean stop every write is there, unsynced ones too")
w.close()
ok(srv.stop() == 0, "stopped")
srv.cleanup()
t.done()
