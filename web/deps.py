"""The dependencies routes declare (FastAPI's Annotated style): the app's state and store, the user, ids."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from kb.catalog.database import Catalog
from kb.text.fields import MAX_ROW_ID
from web.state import AppState


def app_state(request: Request) -> AppState:
    return request.app.state.kb


def catalog(request: Request) -> Catalog:
    return app_state(request).store.catalog


StateDep = Annotated[AppState, Depends(app_state)]
CatalogDep = Annotated[Catalog, Depends(catalog)]

# Ids bounded to SQLite's integer range: a huge id is a 422, not a 500.
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="A stored row's id (SQLite's integer range)")]
Page = Annotated[int, Query(ge=1, le=1_000_000, description="A page of a listing, from 1")]
