"""The P2 baseline: a bare FastAPI JSON endpoint, served by uvicorn as the services are (uvloop,
httptools, no access log), answering a body the size of ``GET /v1/users/me``'s."""

from __future__ import annotations

from fastapi import FastAPI

app = FastAPI()

_USER: dict[str, object] = {
    "user": {
        "id": "7405952013320699904",
        "name": "Bench",
        "primary_email": "p2@example.com",
        "tos_accepted_at": None,
        "created_at": "2026-11-29T12:00:00Z",
    }
}


@app.get("/v1/users/me")
async def me() -> dict[str, object]:
    return _USER
