#!/usr/bin/env python3
"""Times short commands exactly (a blocking wait4, no polling), interleaved, and reports each one's wall times.

    startup.py --rounds 5 --log FILE --name NAME -- cmd args... [--name NAME -- cmd args...]...

Prints one JSON line per command: {"name", "seconds": [...], "median", "exits": [...], "peak_rss_kb"}.
Round r runs every command once before round r+1 starts, so a slow moment of the machine hits all of them.
"""
import json
import os
import statistics
import subprocess
import sys
import time


def parse(argv):
    rounds, log, commands, i = 5, "/dev/null", [], 0
    while i < len(argv):
        if argv[i] == "--rounds":
            rounds, i = int(argv[i + 1]), i + 2
        elif argv[i] == "--log":
            log, i = argv[i + 1], i + 2
        elif argv[i] == "--name":
            name, i = argv[i + 1], i + 2
            assert argv[i] == "--", "--name NAME must be followed by -- and the command"
            j = i + 1
            while j < len(argv) and argv[j] != "--name":
                j += 1
            commands.append((name, argv[i + 1:j]))
            i = j
        else:
            raise SystemExit(f"unknown argument {argv[i]}")
    return rounds, log, commands


def run_once(command, log):
    start = time.monotonic()
    proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return time.monotonic() - start, os.waitstatus_to_exitcode(status), usage.ru_maxrss


def main():
    rounds, log_path, commands = parse(sys.argv[1:])
    results = {name: {"name": name, "seconds": [], "exits": [], "peak_rss_kb": 0} for name, _ in commands}
    with open(log_path, "ab") as log:
        for name, command in commands:  # one untimed run each: page cache warm for all alike
            run_once(command, log)
        for _ in range(rounds):
            for name, command in commands:
                seconds, code, rss = run_once(command, log)
                r = results[name]
                r["seconds"].append(round(seconds, 4))
                r["exits"].append(code)
                r["peak_rss_kb"] = max(r["peak_rss_kb"], rss)
    for r in results.values():
        r["median"] = statistics.median(r["seconds"])
        print(json.dumps(r))


if __name__ == "__main__":
    main()
