"""The partner directory on the web: organisations, people, hand corrections, personal data, register uploads.

Pages and their JSON twins under /api are built from the same kb.directory.organisations data. Every route declares
its role (web.auth): reading pages is for readers, uploading a register for editors, and merging,
splitting, correcting, exporting and erasing for admins. Every change is a POST (with the CSRF token).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from ingest.erasure import erase_person
from kb.directory import organisations as directory
from kb.directory.names import ORG_TYPES
from kb.errors import KBError
from kb.models import Role
from kb.store.people import export_person
from kb.text import fields
from web.auth import AdminUser, actor, requires
from web.deps import Page, RowId, app_state
from web.templating import render

router = APIRouter()
READER = requires(Role.READER)
EDITOR = requires(Role.EDITOR)


# -- organisations --------------------------------------------------------------------------
def _list(request: Request, q: str, country: str, org_type: str, page: int) -> dict:
    state = app_state(request)
    view = directory.list_page(state.store.catalog, q, country, org_type if org_type in ORG_TYPES else "", page)
    return {**view, "q": q, "country": country, "org_type": org_type}


@router.get("/organisations", response_class=HTMLResponse, include_in_schema=False, dependencies=[READER])
def organisations_page(request: Request, q: str = "", country: str = "", org_type: str = "", page: Page = 1):
    view = _list(request, q, country, org_type, max(page, 1))
    return render(request, "organisations.html", {**view, "org_types": ORG_TYPES})


@router.get("/api/organisations", tags=["api"], dependencies=[READER])
def api_organisations(request: Request, q: str = "", country: str = "", org_type: str = "", page: Page = 1) -> dict:
    """The partner directory: organisations de-duplicated across reports and registers, most projects first."""
    return _list(request, q, country, org_type, max(page, 1))


def _organisation(request: Request, organisation_id: int) -> dict:
    state = app_state(request)
    return directory.organisation_page(state.store.catalog, organisation_id)


@router.get(
    "/organisations/{organisation_id}", response_class=HTMLResponse, include_in_schema=False, dependencies=[READER]
)
def organisation_page(request: Request, organisation_id: RowId, done: str = ""):
    return render(request, "organisation.html", {**_organisation(request, organisation_id), "done": done})


@router.get("/api/organisations/{organisation_id}", tags=["api"], dependencies=[READER])
def api_organisation(request: Request, organisation_id: RowId) -> dict:
    """One organisation: its names, projects, roles, countries and contacts with the date each was last seen."""
    return _organisation(request, organisation_id)


@router.post("/organisations/{organisation_id}/merge", include_in_schema=False)
def merge_organisations(request: Request, user: AdminUser, organisation_id: RowId, other: Annotated[str, Form()]):
    other_id = fields.row_id(other, "number of the organisation to merge with (its page address ends with it)")
    state = app_state(request)
    merged = directory.merge(state.store.catalog, organisation_id, other_id, actor(request))
    return RedirectResponse(f"/organisations/{merged}?done=merged", status_code=303)


@router.post("/organisations/{organisation_id}/split", include_in_schema=False)
def split_organisation(request: Request, user: AdminUser, organisation_id: RowId, alias: Annotated[str, Form()]):
    state = app_state(request)
    apart = directory.split(state.store.catalog, organisation_id, alias, actor(request))
    return RedirectResponse(f"/organisations/{apart}?done=split", status_code=303)


# -- people ---------------------------------------------------------------------------------
def _person(request: Request, key: str) -> dict:
    state = app_state(request)
    return directory.person_page(state.store.catalog, key)


@router.get("/people/{key}", response_class=HTMLResponse, include_in_schema=False, dependencies=[READER])
def person_page(request: Request, key: str, done: str = ""):
    return render(request, "person.html", {**_person(request, key), "done": done})


@router.get("/api/people/{key}", tags=["api"], dependencies=[READER])
def api_person(request: Request, key: str) -> dict:
    """A contact person: every project they were named in, with the date each was last seen in its source."""
    return _person(request, key)


@router.post("/people/{key}/correct", include_in_schema=False)
def correct_person(
    request: Request,
    user: AdminUser,
    key: str,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    organisation: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
):
    state = app_state(request)
    values = {"name": name, "role": role, "organisation": organisation, "email": email, "phone": phone}
    new_key = directory.correct_person(state.store.catalog, key, values, actor(request))
    return RedirectResponse(f"/people/{new_key}?done=corrected", status_code=303)


def _email_of(request: Request, key: str) -> str:
    email = _person(request, key)["person"]["email"]
    if not email:
        raise KBError("This person has no e-mail address; correct the contact in the report's review form instead.")
    return email


@router.post("/people/{key}/export", tags=["api"])
@router.post("/api/people/{key}/export", tags=["api"])
def export_person_data(request: Request, user: AdminUser, key: str):
    """Everything stored about the person, as a JSON download (written to the audit log)."""
    email = _email_of(request, key)
    state = app_state(request)
    data = export_person(state.store, email, actor(request))
    return JSONResponse(
        data, headers={"Content-Disposition": f'attachment; filename="person-{key}.json"', "Cache-Control": "no-store"}
    )


@router.post("/people/{key}/erase", include_in_schema=False)
def erase_person_page(request: Request, user: AdminUser, key: str, confirm: Annotated[str, Form()] = ""):
    if confirm != "yes":
        raise KBError("Tick the box to confirm that the person is to be erased.")
    email = _email_of(request, key)
    state = app_state(request)
    erase_person(state.store, email, actor(request))
    return RedirectResponse("/organisations?erased=1", status_code=303)


@router.post("/api/people/{key}/erase", tags=["api"])
def api_erase_person(request: Request, user: AdminUser, key: str) -> dict:
    """Erase the person from contacts, passages, the directory, the vector index and the original PDFs
    (each redacted, or withheld until an admin uploads a redacted copy when it cannot be)."""
    email = _email_of(request, key)
    state = app_state(request)
    return erase_person(state.store, email, actor(request)).as_json()


routers = (router,)
