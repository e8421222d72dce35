"""Collections (reading paths): the editor's pages, the reader's page with its print view and PDF, JSON twins.

Who is reading is the logged-in account (:func:`reader_id`); building collections needs the editor role
(:func:`is_editor`). Every change to a collection is written to the audit log.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from kb.errors import KBError
from kb.library import collections as paths
from kb.models import Role
from kb.text.fields import CONTROLS, MAX_ROW_ID
from web.auth import EditorUser, LoginRequired, actor, current_user, requires
from web.collection_pdf import collection_pdf
from web.deps import RowId, app_state
from web.templating import render, ui_lang

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
ACTIVE_COOKIE = "kb_collection"  # the collection that "add to collection" buttons add to
YEAR = 365 * 24 * 3600


def reader_id(request: Request) -> str | None:
    """Who is reading: the logged-in account's name; None for a visitor let in by KB_ANONYMOUS_READ."""
    user = current_user(request)
    return user.name if user.logged_in else None


def is_editor(request: Request) -> bool:
    """Whether the user may build collections: editors and admins."""
    return current_user(request).role >= Role.EDITOR


def _audit(request: Request, action: str, target: str) -> None:
    """Collection changes are state changes: who, what, which collection."""
    app_state(request).store.catalog.audit(actor(request), action, target)


def _back(target: str, fallback: str) -> str:
    """Only same-site paths, so a crafted form cannot send the user elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else fallback


def picker(request: Request) -> dict:
    """For the search page: the collections, the active one, and what it already holds."""
    if not is_editor(request):
        return {"collections": [], "active": None, "held": set()}
    state = app_state(request)
    found = paths.all_collections(state.store.catalog)
    chosen = request.cookies.get(ACTIVE_COOKIE, "")
    active = next((c for c in found if str(c.id) == chosen), None)
    if active is None and found:
        active = max(found, key=lambda c: c.updated_at)
    held = {(i.kind, i.ref) for i in paths.get(state.store.catalog, active.id).items} if active else set()
    return {"collections": found, "active": active, "held": held}


def collection_view(request: Request, collection_id: int) -> dict:
    state = app_state(request)
    found = paths.get(state.store.catalog, collection_id)
    reader = reader_id(request)
    read = paths.read_items(state.store.catalog, collection_id, reader) if reader else set()
    data = found.as_json()
    for item in data["items"]:
        item["read"] = item["id"] in read
    data["read_count"] = sum(item["read"] for item in data["items"])
    return data


# -- pages ---------------------------------------------------------------------------------
@router.get("/collections", response_class=HTMLResponse, dependencies=[requires(Role.READER)])
def collections_page(request: Request):
    state = app_state(request)
    found = paths.all_collections(state.store.catalog)
    return render(request, "collections.html", {"collections": found, "editor": is_editor(request)})


@router.post("/collections")
def create_collection(
    request: Request,
    user: EditorUser,
    name: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
    featured: Annotated[str, Form()] = "",
):
    state = app_state(request)
    new_id = paths.create(state.store.catalog, name, description, actor=user.actor, featured=bool(featured))
    _audit(request, "create collection", f"collection {new_id}")
    response = RedirectResponse(f"/collections/{new_id}/edit", status_code=303)
    response.set_cookie(ACTIVE_COOKIE, str(new_id), max_age=YEAR, httponly=True, samesite="lax")
    return response


@router.get("/collections/{collection_id}", response_class=HTMLResponse, dependencies=[requires(Role.READER)])
def collection_page(request: Request, collection_id: RowId):
    view = collection_view(request, collection_id)
    return render(request, "collection.html", {"c": view, "editor": is_editor(request)})


@router.get("/collections/{collection_id}/pdf", dependencies=[requires(Role.READER)])
def collection_pdf_page(request: Request, collection_id: RowId):
    body = collection_pdf(collection_view(request, collection_id), ui_lang(request))
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="samling-{collection_id}.pdf"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def _mark_read(request: Request, collection_id: int, item_id: int, read: bool) -> None:
    """Reading progress belongs to an account: a visitor let in by KB_ANONYMOUS_READ is asked to log in."""
    reader = reader_id(request)
    if reader is None:
        raise LoginRequired()
    state = app_state(request)
    paths.mark_read(state.store.catalog, collection_id, item_id, reader, read)


@router.post("/collections/{collection_id}/items/{item_id}/read", dependencies=[requires(Role.READER)])
def mark_read(request: Request, collection_id: RowId, item_id: RowId, read: Annotated[str, Form()] = "1"):
    _mark_read(request, collection_id, item_id, read == "1")
    return RedirectResponse(f"/collections/{collection_id}#item-{item_id}", status_code=303)


@router.get("/collections/{collection_id}/edit", response_class=HTMLResponse, dependencies=[requires(Role.EDITOR)])
def edit_page(request: Request, collection_id: RowId):
    return render(request, "collection_edit.html", {"c": collection_view(request, collection_id)})


@router.post("/collections/{collection_id}/edit", dependencies=[requires(Role.EDITOR)])
def save_collection(
    request: Request,
    collection_id: RowId,
    name: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
    featured: Annotated[str, Form()] = "",
):
    state = app_state(request)
    paths.update(state.store.catalog, collection_id, name, description, bool(featured))
    _audit(request, "edit collection", f"collection {collection_id}")
    return RedirectResponse(f"/collections/{collection_id}/edit", status_code=303)


@router.post("/collections/{collection_id}/delete", dependencies=[requires(Role.EDITOR)])
def delete_collection(request: Request, collection_id: RowId):
    state = app_state(request)
    paths.delete(state.store.catalog, collection_id)
    _audit(request, "delete collection", f"collection {collection_id}")
    return RedirectResponse("/collections", status_code=303)


@router.post("/collections/active", dependencies=[requires(Role.EDITOR)])
def choose_active(
    request: Request, collection: Annotated[int, Form(ge=1, le=MAX_ROW_ID)], next: Annotated[str, Form()] = "/"
):
    response = RedirectResponse(_back(next, "/"), status_code=303)
    response.set_cookie(ACTIVE_COOKIE, str(collection), max_age=YEAR, httponly=True, samesite="lax")
    return response


def _add_item(request: Request, collection_id: int, kind: str, ref: str, intro: str) -> int:
    state = app_state(request)
    item_id = paths.add_item(state.store.catalog, collection_id, kind, ref, intro)
    _audit(request, "add to collection", f"collection {collection_id}: {kind} {ref}")
    return item_id


@router.post("/collections/items", dependencies=[requires(Role.EDITOR)])
def add_item(
    request: Request,
    collection: Annotated[int, Form(ge=1, le=MAX_ROW_ID)],
    kind: Annotated[str, Form()],
    ref: Annotated[str, Form()],
    intro: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
):
    """The one-click "add to collection" of the search results."""
    item_id = _add_item(request, collection, kind, ref, intro)
    target = _back(next, f"/collections/{collection}/edit")
    response = RedirectResponse(target if next else f"{target}#item-{item_id}", status_code=303)
    response.set_cookie(ACTIVE_COOKIE, str(collection), max_age=YEAR, httponly=True, samesite="lax")
    return response


@router.post("/collections/{collection_id}/items/{item_id}", dependencies=[requires(Role.EDITOR)])
def change_item(
    request: Request,
    collection_id: RowId,
    item_id: RowId,
    action: Annotated[str, Form()],
    intro: Annotated[str, Form()] = "",
):
    """Save an item's introduction, move it up or down, or remove it."""
    state = app_state(request)
    catalog = state.store.catalog
    if action == "intro":
        paths.set_intro(catalog, collection_id, item_id, intro)
    elif action in ("up", "down"):
        paths.move_item(catalog, collection_id, item_id, -1 if action == "up" else 1)
    elif action == "remove":
        paths.remove_item(catalog, collection_id, item_id)
    else:
        raise KBError(f"Unknown action {action!r}; use intro, up, down or remove.")
    what = "remove from collection" if action == "remove" else f"edit collection item ({action})"
    _audit(request, what, f"collection {collection_id}: item {item_id}")
    anchor = "" if action == "remove" else f"#item-{item_id}"
    return RedirectResponse(f"/collections/{collection_id}/edit{anchor}", status_code=303)


# -- JSON twins ----------------------------------------------------------------------------
# What kb.text.fields.text accepts, said in the schema: no control or bidirectional characters; a name on one line
NO_CONTROLS = f"^[^{CONTROLS}]*$"
ONE_LINE_NOT_BLANK = f"^[^{CONTROLS}\\n\\r]*[^{CONTROLS}\\s][^{CONTROLS}\\n\\r]*$"


class CollectionIn(BaseModel):
    name: Annotated[str, Field(pattern=ONE_LINE_NOT_BLANK, max_length=paths.MAX_NAME)]
    description: Annotated[str, Field(pattern=NO_CONTROLS, max_length=paths.MAX_TEXT)] = ""
    featured: bool = False


class ItemIn(BaseModel):
    kind: paths.ItemKind
    ref: str
    intro: Annotated[str, Field(pattern=NO_CONTROLS, max_length=paths.MAX_TEXT)] = ""


class ReadIn(BaseModel):
    read: bool = True


@api.get("/collections", dependencies=[requires(Role.READER)])
def api_collections(request: Request) -> list[dict]:
    state = app_state(request)
    return [c.as_json() for c in paths.all_collections(state.store.catalog)]


@api.post("/collections", status_code=201)
def api_create(request: Request, user: EditorUser, body: CollectionIn) -> dict:
    state = app_state(request)
    catalog = state.store.catalog
    new_id = paths.create(catalog, body.name, body.description, actor=user.actor, featured=body.featured)
    _audit(request, "create collection", f"collection {new_id}")
    return collection_view(request, new_id)


@api.get("/collections/{collection_id}", dependencies=[requires(Role.READER)])
def api_collection(request: Request, collection_id: RowId) -> dict:
    """The collection, its items in order, and which of them the logged-in reader has read."""
    return collection_view(request, collection_id)


@api.post("/collections/{collection_id}/items", status_code=201, dependencies=[requires(Role.EDITOR)])
def api_add_item(request: Request, collection_id: RowId, body: ItemIn) -> dict:
    item_id = _add_item(request, collection_id, body.kind, body.ref, body.intro)
    return {"id": item_id, "collection": collection_view(request, collection_id)}


@api.post("/collections/{collection_id}/items/{item_id}/read", dependencies=[requires(Role.READER)])
def api_mark_read(request: Request, collection_id: RowId, item_id: RowId, body: ReadIn) -> dict:
    _mark_read(request, collection_id, item_id, body.read)
    return collection_view(request, collection_id)


routers = (router, api)  # the pages, and their JSON twins under /api
