"""Collections (reading paths): the editor's pages, the reader's page with its print view and PDF, JSON twins.

Who is reading and who may edit is decided in two functions, :func:`reader_id` and :func:`is_editor`,
so that sign-in can replace them in one place.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from kb import collections as paths
from kb.errors import KBError
from web.app import render, ui_lang
from web.collection_pdf import collection_pdf
from web.state import AppState

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api", tags=["api"])
READER_COOKIE = "kb_reader"
ACTIVE_COOKIE = "kb_collection"  # the collection that "add to collection" buttons add to
YEAR = 365 * 24 * 3600


def reader_id(request: Request) -> str:
    """Who is reading: for now an anonymous id kept in a cookie (to become the signed-in user)."""
    known = request.cookies.get(READER_COOKIE) or getattr(request.state, "new_reader", None)
    if known:
        return known
    request.state.new_reader = uuid.uuid4().hex
    return request.state.new_reader


def is_editor(request: Request) -> bool:
    """Whether the visitor may build collections (to become the signed-in user's editor role)."""
    return True


def _remember_reader(request: Request, response: Response) -> Response:
    new = getattr(request.state, "new_reader", None)
    if new:
        response.set_cookie(READER_COOKIE, new, max_age=YEAR, httponly=True, samesite="lax")
    return response


def _state(request: Request) -> AppState:
    return request.app.state.kb


def _back(target: str, fallback: str) -> str:
    """Only same-site paths, so a crafted form cannot send the user elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else fallback


def picker(request: Request) -> dict:
    """For the search page: the collections, the active one, and what it already holds."""
    if not is_editor(request):
        return {"collections": [], "active": None, "held": set()}
    state = _state(request)
    with state.lock:
        found = paths.all_collections(state.store.catalog)
        chosen = request.cookies.get(ACTIVE_COOKIE, "")
        active = next((c for c in found if str(c.id) == chosen), None)
        if active is None and found:
            active = max(found, key=lambda c: c.updated_at)
        held = {(i.kind, i.ref) for i in paths.get(state.store.catalog, active.id).items} if active else set()
    return {"collections": found, "active": active, "held": held}


def collection_view(request: Request, collection_id: int) -> dict:
    state = _state(request)
    with state.lock:
        found = paths.get(state.store.catalog, collection_id)
        read = paths.read_items(state.store.catalog, collection_id, reader_id(request))
    data = found.as_json()
    for item in data["items"]:
        item["read"] = item["id"] in read
    data["read_count"] = sum(item["read"] for item in data["items"])
    return data


# -- pages ---------------------------------------------------------------------------------
@router.get("/collections", response_class=HTMLResponse)
def collections_page(request: Request):
    state = _state(request)
    with state.lock:
        found = paths.all_collections(state.store.catalog)
    return render(request, "collections.html", {"collections": found, "editor": is_editor(request)})


@router.post("/collections")
def create_collection(
    request: Request,
    name: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
    featured: Annotated[str, Form()] = "",
):
    state = _state(request)
    with state.lock:
        new_id = paths.create(state.store.catalog, name, description, actor="web", featured=bool(featured))
        state.store.catalog.audit("web", "create collection", f"collection {new_id}")
    response = RedirectResponse(f"/collections/{new_id}/edit", status_code=303)
    response.set_cookie(ACTIVE_COOKIE, str(new_id), max_age=YEAR, httponly=True, samesite="lax")
    return response


@router.get("/collections/{collection_id}", response_class=HTMLResponse)
def collection_page(request: Request, collection_id: int):
    view = collection_view(request, collection_id)
    return _remember_reader(request, render(request, "collection.html", {"c": view, "editor": is_editor(request)}))


@router.get("/collections/{collection_id}/pdf")
def collection_pdf_page(request: Request, collection_id: int):
    body = collection_pdf(collection_view(request, collection_id), ui_lang(request))
    return Response(
        body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="samling-{collection_id}.pdf"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/collections/{collection_id}/items/{item_id}/read")
def mark_read(request: Request, collection_id: int, item_id: int, read: Annotated[str, Form()] = "1"):
    state = _state(request)
    with state.lock:
        paths.mark_read(state.store.catalog, collection_id, item_id, reader_id(request), read == "1")
    response = RedirectResponse(f"/collections/{collection_id}#item-{item_id}", status_code=303)
    return _remember_reader(request, response)


@router.get("/collections/{collection_id}/edit", response_class=HTMLResponse)
def edit_page(request: Request, collection_id: int):
    return render(request, "collection_edit.html", {"c": collection_view(request, collection_id)})


@router.post("/collections/{collection_id}/edit")
def save_collection(
    request: Request,
    collection_id: int,
    name: Annotated[str, Form()],
    description: Annotated[str, Form()] = "",
    featured: Annotated[str, Form()] = "",
):
    state = _state(request)
    with state.lock:
        paths.update(state.store.catalog, collection_id, name, description, bool(featured))
    return RedirectResponse(f"/collections/{collection_id}/edit", status_code=303)


@router.post("/collections/{collection_id}/delete")
def delete_collection(request: Request, collection_id: int):
    state = _state(request)
    with state.lock:
        paths.delete(state.store.catalog, collection_id)
        state.store.catalog.audit("web", "delete collection", f"collection {collection_id}")
    return RedirectResponse("/collections", status_code=303)


@router.post("/collections/active")
def choose_active(request: Request, collection: Annotated[int, Form()], next: Annotated[str, Form()] = "/"):
    response = RedirectResponse(_back(next, "/"), status_code=303)
    response.set_cookie(ACTIVE_COOKIE, str(collection), max_age=YEAR, httponly=True, samesite="lax")
    return response


@router.post("/collections/items")
def add_item(
    request: Request,
    collection: Annotated[int, Form()],
    kind: Annotated[str, Form()],
    ref: Annotated[str, Form()],
    intro: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
):
    """The one-click "add to collection" of the search results."""
    state = _state(request)
    with state.lock:
        item_id = paths.add_item(state.store.catalog, collection, kind, ref, intro)
    target = _back(next, f"/collections/{collection}/edit")
    response = RedirectResponse(target if next else f"{target}#item-{item_id}", status_code=303)
    response.set_cookie(ACTIVE_COOKIE, str(collection), max_age=YEAR, httponly=True, samesite="lax")
    return response


@router.post("/collections/{collection_id}/items/{item_id}")
def change_item(
    request: Request,
    collection_id: int,
    item_id: int,
    action: Annotated[str, Form()],
    intro: Annotated[str, Form()] = "",
):
    """Save an item's introduction, move it up or down, or remove it."""
    state = _state(request)
    catalog = state.store.catalog
    with state.lock:
        if action == "intro":
            paths.set_intro(catalog, collection_id, item_id, intro)
        elif action in ("up", "down"):
            paths.move_item(catalog, collection_id, item_id, -1 if action == "up" else 1)
        elif action == "remove":
            paths.remove_item(catalog, collection_id, item_id)
        else:
            raise KBError(f"Unknown action {action!r}; use intro, up, down or remove.")
    anchor = "" if action == "remove" else f"#item-{item_id}"
    return RedirectResponse(f"/collections/{collection_id}/edit{anchor}", status_code=303)


# -- JSON twins ----------------------------------------------------------------------------
class CollectionIn(BaseModel):
    name: str
    description: str = ""
    featured: bool = False


class ItemIn(BaseModel):
    kind: str
    ref: str
    intro: str = ""


class ReadIn(BaseModel):
    read: bool = True


@api.get("/collections")
def api_collections(request: Request) -> list[dict]:
    state = _state(request)
    with state.lock:
        return [c.as_json() for c in paths.all_collections(state.store.catalog)]


@api.post("/collections", status_code=201)
def api_create(request: Request, body: CollectionIn) -> dict:
    state = _state(request)
    with state.lock:
        new_id = paths.create(state.store.catalog, body.name, body.description, actor="api", featured=body.featured)
        state.store.catalog.audit("api", "create collection", f"collection {new_id}")
    return collection_view(request, new_id)


@api.get("/collections/{collection_id}")
def api_collection(request: Request, collection_id: int):
    """The collection, its items in order, and which of them the current reader has read."""
    return _remember_reader(request, JSONResponse(collection_view(request, collection_id)))


@api.post("/collections/{collection_id}/items", status_code=201)
def api_add_item(request: Request, collection_id: int, body: ItemIn) -> dict:
    state = _state(request)
    with state.lock:
        item_id = paths.add_item(state.store.catalog, collection_id, body.kind, body.ref, body.intro)
    return {"id": item_id, "collection": collection_view(request, collection_id)}


@api.post("/collections/{collection_id}/items/{item_id}/read")
def api_mark_read(request: Request, collection_id: int, item_id: int, body: ReadIn):
    state = _state(request)
    with state.lock:
        paths.mark_read(state.store.catalog, collection_id, item_id, reader_id(request), body.read)
    return _remember_reader(request, JSONResponse(collection_view(request, collection_id)))


def install(app: FastAPI) -> None:
    app.include_router(api)
    app.include_router(router)
    app.state.templates.env.globals["collection_picker"] = picker
