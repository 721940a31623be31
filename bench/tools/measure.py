#!/usr/bin/env python3
"""Runs a command and reports its wall time, exit code and peak RSS as one JSON line.

Peak RSS is the larger of the last VmHWM read from /proc/PID/status (polled every 50 ms) and the kernel's
ru_maxrss for the process from wait4(), so a short peak just before exit is not missed.

    measure.py --log FILE -- command args...
"""
import argparse
import json
import os
import subprocess
import sys
import time


def vm_hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True, help="file that receives the command's stdout and stderr")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before the command is killed")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    with open(args.log, "ab") as log:
        start = time.monotonic()
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        hwm, timed_out = 0, False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            hwm = max(hwm, vm_hwm_kb(proc.pid))
            if time.monotonic() - start > args.timeout:
                proc.kill()
                timed_out = True
            time.sleep(0.05)
        elapsed = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"exit": code, "timed_out": timed_out, "seconds": round(elapsed, 3),
                      "peak_rss_kb": max(hwm, usage.ru_maxrss)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
