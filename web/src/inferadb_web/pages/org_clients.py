"""/orgs/{org}/clients and /orgs/{org}/clients/{client}: backend clients, creating one, deactivating or
deleting it, and its certificates ("Generate key pair", "Upload public key", revoke, delete).

A generated private key is in the answer to the POST that made it and nowhere else: the page shows it
once with a download link (a ``data:`` URL, so it never goes back through the server) and the console
keeps no copy; that answer is ``Cache-Control: no-store`` like every console page.
"""

from __future__ import annotations

import base64
import re
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from inferadb_web.api import ApiResult
from inferadb_web.pages.common import (
    console_of,
    form_status,
    is_id,
    listing,
    not_found,
    posted_form,
    submit,
)
from inferadb_web.pages.org_collections import create_named, list_page
from inferadb_web.pages.org_context import is_admin, load_org_item
from inferadb_web.routing import ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


@router.get("/orgs/{org}/clients")
async def clients_page(request: Request, org: str) -> Response:
    return await list_page(request, org, "clients", "Clients")


@router.post("/orgs/{org}/clients")
async def create_client(request: Request, org: str) -> Response:
    form = await posted_form(request, org)
    if isinstance(form, Response):
        return form

    async def page(status: int, values: dict[str, str], errors: dict[str, str]) -> Response:
        return await list_page(request, org, "clients", "Clients", status, values, errors)

    return await create_named(request, org, "clients", "client_created", form, page)


def _download_of(certificate: dict[str, Any], private_key: str) -> dict[str, str]:
    name = _UNSAFE_FILENAME.sub("-", str(certificate.get("kid") or certificate.get("id") or "client")).strip("-")
    return {
        "pem": private_key,
        "href": "data:application/x-pem-file;base64," + base64.b64encode(private_key.encode()).decode(),
        "filename": f"{name or 'client'}.pem",
    }


async def _client_page(
    request: Request,
    org: str,
    client: str,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    generated: dict[str, Any] | None = None,
) -> Response:
    loaded = await load_org_item(request, org, client, "clients", "client", "Client")
    if isinstance(loaded, Response):
        return loaded
    organization, found_client = loaded
    console = console_of(request)
    base = f"/v1/organizations/{org}/clients/{client}"
    certificates = await listing(request, f"{base}/certificates", "certificates")
    private_key = None
    if generated is not None:
        private_key = _download_of(generated.get("certificate", {}), str(generated.get("private_key", "")))
    return console.render(
        request,
        "org_client.html",
        status,
        org=organization,
        section="clients",
        client=found_client,
        certificates=certificates,
        can_manage=is_admin(organization),
        generated=generated.get("certificate") if generated else None,
        private_key=private_key,
        errors=errors or {},
        values=values or {},
    )


@router.get("/orgs/{org}/clients/{client}")
async def client_page(request: Request, org: str, client: str) -> Response:
    return await _client_page(request, org, client)


@router.get("/orgs/{org}/clients/{client}/certificates")
async def certificates_page(request: Request, org: str, client: str) -> Response:
    """Reloading the page that showed a private key shows the client, never the key again."""
    if not is_id(org, client):
        return not_found(request)
    return console_of(request).redirect(f"/orgs/{org}/clients/{client}")


@router.post("/orgs/{org}/clients/{client}/certificates")
async def add_certificate(request: Request, org: str, client: str) -> Response:
    form = await posted_form(request, org, client)
    if isinstance(form, Response):
        return form
    console = console_of(request)
    upload = form.get("mode") == "upload"
    prefix = "upload_" if upload else "generate_"
    values = {
        f"{prefix}name": form.get(f"{prefix}name", ""),
        "public_key": form.get("public_key", "") if upload else "",
    }
    body: dict[str, Any] = {"name": values[f"{prefix}name"]}
    if upload:
        body["public_key"] = values["public_key"]
    here = f"/orgs/{org}/clients/{client}"
    result = await console.api.call(
        request, "POST", f"/v1/organizations/{org}/clients/{client}/certificates", json=body
    )
    if result.status == 401:
        return console.to_login(here)
    if result.ok and upload:
        return console.redirect(here, flash="certificate_added")
    if result.ok:
        return await _client_page(request, org, client, generated=result.data)
    details = result.details
    errors = {f"{prefix}name": details["name"]} if "name" in details else {}
    if "public_key" in details:
        errors["public_key"] = details["public_key"]
    if not errors:
        errors[f"{prefix}form"] = result.message
    return await _client_page(request, org, client, form_status(result), errors, values)


@router.post("/orgs/{org}/clients/{client}/certificates/{certificate}/{action}")
async def change_certificate(request: Request, org: str, client: str, certificate: str, action: str) -> Response:
    if action not in ("revoke", "delete"):
        return not_found(request)
    form = await posted_form(request, org, client, certificate)
    if isinstance(form, Response):
        return form
    path = f"/v1/organizations/{org}/clients/{client}/certificates/{certificate}"
    here = f"/orgs/{org}/clients/{client}"

    async def refused(result: ApiResult) -> Response:
        return await _client_page(request, org, client, form_status(result), {"certificates": result.message})

    if action == "revoke":
        return await submit(request, "POST", f"{path}/revoke", here=here, flash="certificate_revoked", refused=refused)
    return await submit(request, "DELETE", path, here=here, flash="certificate_deleted", refused=refused)


@router.post("/orgs/{org}/clients/{client}/{action}")
async def change_client(request: Request, org: str, client: str, action: str) -> Response:
    if action not in ("deactivate", "delete"):
        return not_found(request)
    form = await posted_form(request, org, client)
    if isinstance(form, Response):
        return form
    path = f"/v1/organizations/{org}/clients/{client}"
    here = f"/orgs/{org}/clients/{client}"

    async def refused(result: ApiResult) -> Response:
        return await _client_page(request, org, client, form_status(result), {"client": result.message})

    if action == "deactivate":
        return await submit(
            request, "POST", f"{path}/deactivate", here=here, flash="client_deactivated", refused=refused
        )
    to = f"/orgs/{org}/clients"
    return await submit(request, "DELETE", path, here=here, to=to, flash="client_deleted", refused=refused)
