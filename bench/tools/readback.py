#!/usr/bin/env python3
"""GET /records/{id} latency over one keep-alive connection: one JSON line with p50/p99/mean ms and status counts.

    readback.py --url http://127.0.0.1:P --ids FILE [--check DIR] [--clients N]   (FILE: one id per line, in order)
--check DIR: for ids with a saved DIR/{id}.json, the body must equal it byte for byte.
--clients N: N threads, each with its own connection, take the ids in turn (default 1).
"""
import argparse
import http.client
import json
import os
import statistics
import sys
import threading
import time
from urllib.parse import urlsplit


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--ids", required=True)
    p.add_argument("--check")
    p.add_argument("--label", default="")
    p.add_argument("--clients", type=int, default=1)
    a = p.parse_args()
    u = urlsplit(a.url)
    ids = [l.strip() for l in open(a.ids) if l.strip()]
    times, statuses, counts = [], {}, {"mismatches": 0, "checked": 0}
    lock = threading.Lock()
    queue = iter(ids)

    def client():
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        while True:
            with lock:
                rid = next(queue, None)
            if rid is None:
                return
            t0 = time.perf_counter()
            conn.request("GET", f"/records/{rid}")
            r = conn.getresponse()
            body = r.read()
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                times.append(elapsed)
                statuses[r.status] = statuses.get(r.status, 0) + 1
                if a.check and os.path.exists(os.path.join(a.check, rid + ".json")):
                    counts["checked"] += 1
                    if open(os.path.join(a.check, rid + ".json"), "rb").read() != body:
                        counts["mismatches"] += 1

    threads = [threading.Thread(target=client) for _ in range(a.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    checked, mismatches = counts["checked"], counts["mismatches"]
    times.sort()
    q = lambda f: times[min(len(times) - 1, int(round(f * (len(times) - 1))))]
    print(json.dumps({"kind": "readback", "label": a.label, "n": len(times), "clients": a.clients, "p50_ms": round(q(0.5), 2),
                      "p99_ms": round(q(0.99), 2), "mean_ms": round(statistics.mean(times), 2),
                      "max_ms": round(times[-1], 2), "statuses": statuses, "checked": checked,
                      "mismatches": mismatches}))


if __name__ == "__main__":
    sys.exit(main())
