"""An organization's lists of named things (vaults, clients, teams): the list page of vaults and clients,
and creating one from a name and an optional description, then going to its own page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from inferadb_web.api import ApiResult
from inferadb_web.pages.common import LIST_LIMIT, console_of, failed, field_errors, form_status, submit
from inferadb_web.pages.org_context import is_admin, load_org

# The list page again after a refusal: (status, values, errors) → the page.
ListPage = Callable[[int, dict[str, str], dict[str, str]], Awaitable[Response]]


async def list_page(
    request: Request,
    org_id: str,
    collection: str,
    title: str,
    status: int = 200,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """``/orgs/{org}/{collection}`` (templates/org_{collection}.html): the API's list, and the create form
    for an OWNER or ADMIN."""
    org = await load_org(request, org_id)
    if isinstance(org, Response):
        return org
    console = console_of(request)
    path = f"/v1/organizations/{org_id}/{collection}"
    result = await console.api.call(request, "GET", path, params={"limit": LIST_LIMIT})
    if not result.ok:
        return failed(request, result, title, f"/orgs/{org_id}/{collection}")
    return console.render(
        request,
        f"org_{collection}.html",
        status,
        org=org,
        section=collection,
        can_create=is_admin(org),
        values=values or {},
        errors=errors or {},
        **{collection: result.data.get(collection, [])},
    )


async def create_named(
    request: Request, org_id: str, collection: str, flash: str, form: dict[str, str], page: ListPage
) -> Response:
    """POST ``/v1/organizations/{org}/{collection}`` with the form's name and description: to the new
    thing's page with ``flash``, else ``page`` again with the API's messages by field."""
    values = {"name": form.get("name", ""), "description": form.get("description", "")}
    body: dict[str, Any] = {"name": values["name"]}
    if values["description"].strip():
        body["description"] = values["description"]
    key = collection.removesuffix("s")  # the API answers {"vault": {...}}, {"client": …}, {"team": …}

    async def refused(result: ApiResult) -> Response:
        return await page(form_status(result), values, field_errors(result, "name"))

    def created(result: ApiResult) -> str:
        return f"/orgs/{org_id}/{collection}/{result.data.get(key, {}).get('id')}"

    path = f"/v1/organizations/{org_id}/{collection}"
    here = f"/orgs/{org_id}/{collection}"
    return await submit(request, "POST", path, json=body, here=here, to=created, flash=flash, refused=refused)
