#!/usr/bin/env python3
"""Posts exactly N records to POST /store_data/ over keep-alive connections and checks every answer is 201.

Used to fill a spool for the backup benchmarks: the files are then exactly what the service writes.
Standard library only. Exit 0 when all N were acknowledged, 1 otherwise.

    post_records.py --url http://127.0.0.1:8000 --count 20000 [--connections 32]
"""
import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit

PROFESIONES = ["Ingeniera", "Médico", "Profesora", "Carpintero", "Abogada", "Enfermero", "Arquitecta", "Panadero"]


def body(i: int) -> bytes:
    record = {"nombre": f"Persona {i}", "edad": i % 100, "profesion": PROFESIONES[i % len(PROFESIONES)]}
    return json.dumps(record, ensure_ascii=False).encode()


async def worker(host, port, path, queue, statuses):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            try:
                i = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            payload = body(i)
            writer.write(
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ")[1])
            headers = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:] if l)}
            if "content-length" in headers:
                await reader.readexactly(int(headers["content-length"]))
            elif headers.get("transfer-encoding", "").lower() == "chunked":
                while True:
                    size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                    await reader.readexactly(size + 2)
                    if size == 0:
                        break
            statuses[status] = statuses.get(status, 0) + 1
            if headers.get("connection", "").lower() == "close":
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    url = urlsplit(args.url)
    queue = asyncio.Queue()
    for i in range(args.count):
        queue.put_nowait(i)
    statuses = {}
    start = time.monotonic()
    await asyncio.gather(*(worker(url.hostname, url.port, "/store_data/", queue, statuses)
                           for _ in range(min(args.connections, args.count))))
    elapsed = time.monotonic() - start
    ok = statuses.get(201, 0)
    print(json.dumps({"posted": args.count, "created": ok, "statuses": statuses, "seconds": round(elapsed, 2)}))
    return 0 if ok == args.count else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
