"""The FastAPI service Respaldo replaces, kept as the intake benchmark's baseline.

The original, fragile setup on purpose: pydantic validates the record and each record goes to its own JSON
file, written straight to its final name with no fsync, so a 200 does not mean the record survives a crash.
Run with Debian's python3 (python3-fastapi, python3-uvicorn):

    RESPALDO_BASELINE_DIR=/var/tmp/spool /usr/bin/python3 -m uvicorn fastapi_app:app \
        --app-dir bench/baseline --host 127.0.0.1 --port 8001 --no-access-log
"""
import json
import os
import uuid
from datetime import datetime, timezone

from fastapi import FastAPI
from pydantic import BaseModel

DATA_DIR = os.environ.get("RESPALDO_BASELINE_DIR", "data")
os.makedirs(DATA_DIR, exist_ok=True)

app = FastAPI()


class Data(BaseModel):
    nombre: str
    edad: int
    profesion: str


@app.post("/store_data/")
async def store_data(data: Data):
    record_id = str(uuid.uuid4())
    record = {"id": record_id, "receivedAt": datetime.now(timezone.utc).isoformat(), **data.dict()}
    path = os.path.join(DATA_DIR, f"{record_id}.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(record, f, ensure_ascii=False)
    return {"message": "Data stored successfully", "file": f"{record_id}.json"}
