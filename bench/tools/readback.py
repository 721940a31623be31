#!/usr/bin/env python3
"""GET /records/{id} latency over one keep-alive connection: one JSON line with p50/p99/mean ms and status counts.

    readback.py --url http://127.0.0.1:P --ids FILE [--check DIR]   (FILE: one id per line, read in that order)
--check DIR: for ids with a saved DIR/{id}.json, the body must equal it byte for byte.
"""
import argparse
import http.client
import json
import os
import statistics
import sys
import time
from urllib.parse import urlsplit


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", required=True)
    p.add_argument("--ids", required=True)
    p.add_argument("--check")
    p.add_argument("--label", default="")
    a = p.parse_args()
    u = urlsplit(a.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    ids = [l.strip() for l in open(a.ids) if l.strip()]
    times, statuses, mismatches, checked = [], {}, 0, 0
    for rid in ids:
        t0 = time.perf_counter()
        conn.request("GET", f"/records/{rid}")
        r = conn.getresponse()
        body = r.read()
        times.append((time.perf_counter() - t0) * 1000)
        statuses[r.status] = statuses.get(r.status, 0) + 1
        if a.check and os.path.exists(os.path.join(a.check, rid + ".json")):
            checked += 1
            if open(os.path.join(a.check, rid + ".json"), "rb").read() != body:
                mismatches += 1
    times.sort()
    q = lambda f: times[min(len(times) - 1, int(round(f * (len(times) - 1))))]
    print(json.dumps({"kind": "readback", "label": a.label, "n": len(times), "p50_ms": round(q(0.5), 2),
                      "p99_ms": round(q(0.99), 2), "mean_ms": round(statistics.mean(times), 2),
                      "max_ms": round(times[-1], 2), "statuses": statuses, "checked": checked,
                      "mismatches": mismatches}))


if __name__ == "__main__":
    sys.exit(main())
