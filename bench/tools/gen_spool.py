#!/usr/bin/env python3
"""Writes N spool files directly, in the exact on-disk record format (README "On-disk format"), much faster than
posting them: `{id}.json` holding {"id","receivedAt","nombre","edad","profesion"} as System.Text.Json writes it
(UTF-8, no \\u escapes, receivedAt with millisecond precision and trailing zeros trimmed, like DateTimeOffset).

The ids are UUIDv7 whose first 48 bits are receivedAt. Records are spread over --hours consecutive UTC hours ending
--end-hours-ago hours before now, --count / --hours per hour, so a Bundle backup writes at least --hours bundles.
A fixed --seed gives identical records (ids and bytes) on every call. No fsync: the caller syncs if it matters.

    gen_spool.py --dir DIR --count 10000 [--hours 1] [--end-hours-ago 1] [--seed 1]
"""
import argparse
import datetime as dt
import json
import os
import random
import uuid

PROFESIONES = ["Ingeniera", "Médico", "Profesora", "Carpintero", "Abogada", "Enfermero", "Arquitecta", "Panadero"]


def uuid7(ms: int, rnd: random.Random) -> uuid.UUID:
    rand_a = rnd.getrandbits(12)
    rand_b = rnd.getrandbits(62)
    value = (ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)


def received_at(ms: int) -> str:
    t = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc)
    frac = f"{ms % 1000:03d}".rstrip("0")
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (f".{frac}" if frac else "") + "+00:00"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--hours", type=int, default=1)
    p.add_argument("--end-hours-ago", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.dir, exist_ok=True)
    now_hour = int(dt.datetime.now(dt.timezone.utc).timestamp()) // 3600 * 3600
    first_hour_ms = (now_hour - (a.end_hours_ago + a.hours - 1) * 3600) * 1000
    per_hour = -(-a.count // a.hours)
    step = max(1, 3_600_000 // per_hour)
    for i in range(a.count):
        ms = first_hour_ms + (i // per_hour) * 3_600_000 + (i % per_hour) * step
        rid = uuid7(ms, rnd)
        record = {"id": str(rid), "receivedAt": received_at(ms), "nombre": f"Persona {i}", "edad": i % 100,
                  "profesion": PROFESIONES[i % len(PROFESIONES)]}
        data = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode()
        with open(os.path.join(a.dir, f"{rid}.json"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
