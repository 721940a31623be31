#!/usr/bin/env python3
"""Turns the JSON lines run.sh collected (one per measurement) into the Markdown tables of bench/RESULTS.md.

Medians across rounds; a measurement with a non-2xx status, a socket error, a missing file or a failed check is
listed under "Failures" and makes the exit code 1, so a broken run cannot pass as a result.

    report.py results.jsonl > table.md
"""
import json
import statistics
import sys
from collections import defaultdict

VARIANT_ORDER = ["ceiling", "respaldo", "respaldo-serial", "native", "fastapi"]
VARIANT_NAMES = {
    "ceiling": "Ceiling (Kestrel, no disk)",
    "respaldo": "Respaldo (durable)",
    "respaldo-serial": "Respaldo, `Storage:SyncPipeline=Serial`",
    "native": "Respaldo Native AOT (durable)",
    "fastapi": "FastAPI baseline (no fsync)",
}
TOOL_NAMES = {
    "respaldo": "Respaldo `backup`",
    "native": "Respaldo Native AOT `backup`",
    "aws-cli": "`aws s3 cp --recursive` + `rm`",
}


def ms(us):
    return f"{us / 1000:.2f}"


def mb(kb):
    return f"{kb / 1024:.0f}" if kb else "–"


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def ratio(a, b):
    return f"{a / b:.2f}" if a and b else "–"


def wrk_failures(row):
    """Why a wrk measurement cannot be trusted, or None."""
    problems = []
    bad = {s: n for s, n in row["status"].items() if not 200 <= int(s) < 300}
    if bad:
        problems.append("non-2xx responses " + ", ".join(f"{n}× {s}" for s, n in sorted(bad.items())))
    errors = {k: v for k, v in row["errors"].items() if v}
    if errors:
        problems.append("socket errors " + ", ".join(f"{k} {v}" for k, v in errors.items()))
    if row["requests"] == 0:
        problems.append("no request completed")
    return "; ".join(problems) or None


def intake_table(rows, out, failures):
    by = defaultdict(list)
    for r in rows:
        by[(r["conns"], r["variant"])].append(r)
    conns_list = sorted({r["conns"] for r in rows})
    out.append("### Intake: `POST /store_data/`\n")
    out.append("| connections | variant | req/s | p50 ms | p99 ms | × ceiling | × FastAPI | peak RSS MB | rounds |")
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for conns in conns_list:
        rps = {v: med([r["rps"] for r in by[(conns, v)]]) for v in VARIANT_ORDER}
        for variant in VARIANT_ORDER:
            group = by[(conns, variant)]
            if not group:
                continue
            p50 = med([r["p50_us"] for r in group])
            p99 = med([r["p99_us"] for r in group])
            rss = max((r.get("rss_kb") or 0) for r in group)
            out.append(f"| {conns} | {VARIANT_NAMES[variant]} | {rps[variant]:,.0f} | {ms(p50)} | {ms(p99)} "
                       f"| {ratio(rps[variant], rps['ceiling'])} "
                       f"| {ratio(rps[variant], rps['fastapi']) if variant != 'fastapi' else '1.00'} "
                       f"| {mb(rss)} | {len(group)} |")
    out.append("")
    for conns in conns_list:
        overlapped = med([r["rps"] for r in by[(conns, "respaldo")]])
        serial = med([r["rps"] for r in by[(conns, "respaldo-serial")]])
        if overlapped and serial:
            out.append(f"- {conns} connections: serial ÷ overlapped sync pipeline = {serial / overlapped:.2f} (medians)")
    out.append("")
    for r in rows:
        why = r.get("failed") or wrk_failures(r)
        if why:
            failures.append(f"intake {r['variant']} c={r['conns']} round {r['round']}: {why}")


def probe_table(rows, out, failures):
    out.append("### S3 server check: small PUTs/s the server takes, direct and through the latency proxy\n")
    out.append("| server | path | concurrency | PUT/s | p50 ms | p99 ms | ideal through proxy (conc ÷ latency) |")
    out.append("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        ideal = f"{r['ideal_rps']:,.0f}" if r.get("ideal_rps") else "–"
        out.append(f"| {r['server']} | {r['path']} | {r['conns']} | {r['rps']:,.0f} | {ms(r['p50_us'])} | {ms(r['p99_us'])} | {ideal} |")
        why = wrk_failures(r)
        if why:
            failures.append(f"S3 probe {r['server']} {r['path']} c={r['conns']}: {why}")
    for r in rows:
        if r.get("verdict"):
            out.append(f"\n{r['verdict']}")
    out.append("")


def backup_table(rows, title, out, failures, probes):
    # How much faster the server took PUTs at the same concurrency without the proxy: near 1, the server set the pace.
    capacity = {r["conns"]: r["rps"] for r in probes if r["path"] == "direct"}
    out.append(f"### {title}\n")
    out.append("| records | tool | seconds | files/s | × aws s3 cp + rm | s per 1k records | peak RSS MB | rounds | server headroom |")
    out.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    by = defaultdict(list)
    for r in rows:
        by[(r["records"], r["tool"])].append(r)
    for records in sorted({r["records"] for r in rows}):
        fps = {tool: med([r["records"] / r["seconds"] for r in by[(records, tool)] if r["seconds"]])
               for tool in TOOL_NAMES}
        for tool in TOOL_NAMES:
            group = by[(records, tool)]
            if not group:
                continue
            seconds = med([r["seconds"] for r in group])
            rss = max((r.get("peak_rss_kb") or 0) for r in group)
            out.append(f"| {records:,} | {TOOL_NAMES[tool]} | {seconds:.1f} | {fps[tool]:,.0f} "
                       f"| {ratio(fps[tool], fps['aws-cli']) if tool != 'aws-cli' else '1.00'} "
                       f"| {seconds / records * 1000:.2f} | {mb(rss) if tool != 'aws-cli' else mb(rss) + ' (CLI)'} | {len(group)} "
                       f"| {headroom(capacity.get(group[0].get('conns')), fps[tool])} |")
    out.append("")
    for r in rows:
        if r.get("failed"):
            failures.append(f"{title.lower()} {r['tool']} {r['records']} records round {r.get('round', 1)}: {r['failed']}")


def headroom(capacity, achieved):
    if not capacity or not achieved:
        return "–"
    text = f"{capacity / achieved:.1f}×"
    return text if capacity >= 1.5 * achieved else f"**{text} (server-bound)**"


def status_table(rows, out, failures):
    out.append("### `GET /status` latency against the backlog\n")
    out.append("| records pending | start-up s | req/s | p50 ms | p99 ms | p99 × empty spool | peak RSS MB |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|")
    rows = sorted(rows, key=lambda r: r["pending"])
    empty = next((r["p99_us"] for r in rows if r["pending"] == 0), None)
    for r in rows:
        out.append(f"| {r['pending']:,} | {r['startup_s']:.1f} | {r['rps']:,.0f} | {ms(r['p50_us'])} | {ms(r['p99_us'])} "
                   f"| {ratio(r['p99_us'], empty)} | {mb(r.get('rss_kb'))} |")
        why = r.get("failed") or wrk_failures(r)
        if why:
            failures.append(f"status with {r['pending']} pending: {why}")
    if rows and rows[-1].get("body"):
        body = " ".join(rows[-1]["body"][:240].split())
        out.append(f"\n`GET /status` with {rows[-1]['pending']:,} pending answered: `{body}`")
    out.append("")


def memory_table(rows, out):
    intake = [r for r in rows if r["kind"] == "intake" and r["variant"] == "respaldo" and r.get("rss_kb")]
    backups = [r for r in rows if r["kind"] in ("backup", "growth") and r["tool"] == "respaldo" and r.get("peak_rss_kb")]
    if not intake and not backups:
        return
    out.append("### Memory: Respaldo's peak RSS (VmHWM)\n")
    out.append("| load | peak RSS MB |")
    out.append("|---|---:|")
    for conns in sorted({r["conns"] for r in intake}):
        out.append(f"| intake, {conns} connections (serve process) | {mb(max(r['rss_kb'] for r in intake if r['conns'] == conns))} |")
    for records in sorted({r["records"] for r in backups}):
        out.append(f"| backup of {records:,} records (backup process) | {mb(max(r['peak_rss_kb'] for r in backups if r['records'] == records))} |")
    out.append("")


def aot_table(kinds, out, failures):
    """Issue 11's figures, side by side from this run, each with its target."""
    intake = [r for r in kinds["intake"] if r["conns"] == 32]
    startup = {r["name"]: r for r in kinds["startup"]}
    size = kinds["size"][0]["bytes"] if kinds["size"] else None
    backups = [r for r in kinds["aot-backup"] if r["tool"] == "native" and not r.get("failed")]

    def peak(variant):
        return max((r.get("rss_kb") or 0 for r in intake if r["variant"] == variant), default=0)

    def rps(variant):
        return med([r["rps"] for r in intake if r["variant"] == variant])

    def verdict(ok):
        return "met" if ok else "**missed**"

    out.append("### Native AOT (issue 11): the figures and their targets, same run\n")
    out.append("| figure | Native AOT | compared with | ratio | target | |")
    out.append("|---|---:|---|---:|---|---|")
    if intake:
        native, fastapi, jit = peak("native"), peak("fastapi"), peak("respaldo")
        out.append(f"| peak RSS of `serve`, durable intake at 32 connections | {mb(native)} MB | FastAPI {mb(fastapi)} MB, JIT {mb(jit)} MB "
                   f"| {ratio(native, fastapi)} × FastAPI | ≤ 1.00 × FastAPI | {verdict(native and fastapi and native <= fastapi)} |")
        n, j = rps("native"), rps("respaldo")
        out.append(f"| durable intake req/s at 32 connections (median) | {n or 0:,.0f} | JIT {j or 0:,.0f} "
                   f"| {ratio(n, j)} × JIT | ≥ 1.00 × JIT | {verdict(n and j and n >= j)} |")
    if startup.get("native") and startup.get("aws-version"):
        n, a, j = startup["native"]["median"], startup["aws-version"]["median"], startup.get("jit", {}).get("median")
        rounds = len(startup["native"]["seconds"])
        out.append(f"| `backup` of an empty spool, wall time (median of {rounds}) | {n * 1000:.0f} ms | `aws --version` {a * 1000:.0f} ms"
                   f"{f', JIT {j * 1000:.0f} ms' if j else ''} | {ratio(n, a)} × aws | ≤ 0.25 × aws | {verdict(n <= 0.25 * a)} |")
        for r in startup.values():
            if any(r["exits"]):
                failures.append(f"startup {r['name']}: exit codes {r['exits']}")
    if size:
        out.append(f"| executable size | {size / 1048576:.1f} MiB | | | ≤ 40 MiB | {verdict(size <= 40 * 1048576)} |")
    for r in backups:
        out.append(f"| peak RSS of a {r['records']:,}-record backup (through the proxy) | {mb(r['peak_rss_kb'])} MB | "
                   f"{r['records'] / r['seconds']:,.0f} files/s | | ≤ 64 MB | {verdict(r['peak_rss_kb'] <= 64 * 1024)} |")
    out.append("")
    for r in kinds["aot-backup"]:
        if r.get("failed"):
            failures.append(f"aot backup {r['tool']} {r['records']} records: {r['failed']}")


def main():
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    out, failures = [], []
    kinds = defaultdict(list)
    for r in rows:
        kinds[r["kind"]].append(r)
    if kinds["intake"]:
        intake_table(kinds["intake"], out, failures)
    if kinds["s3probe"]:
        probe_table(kinds["s3probe"], out, failures)
    if kinds["backup"]:
        backup_table(kinds["backup"], "Backup through the latency proxy", out, failures, kinds["s3probe"])
    if kinds["growth"]:
        backup_table(kinds["growth"], "Growth: backup time against the backlog", out, failures, kinds["s3probe"])
    if kinds["status"]:
        status_table(kinds["status"], out, failures)
    if kinds["startup"] or kinds["size"] or kinds["aot-backup"]:
        aot_table(kinds, out, failures)
    memory_table(rows, out)
    for r in kinds["note"]:
        out.append(f"- {r['text']}")
    for r in kinds["failure"]:
        failures.append(f"{r['section']}: {r['text']}")
    if kinds["note"]:
        out.append("")
    if failures:
        out.append("### Failures (the run exits non-zero)\n")
        out.extend(f"- {f}" for f in failures)
        out.append("")
    print("\n".join(out))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
