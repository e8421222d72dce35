"""Path parameters shared by routers: ids bounded to SQLite's integer range, so a huge id is a 422, not a 500."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

RowId = Annotated[int, Path(ge=1, le=2**63 - 1, description="A stored row's id (SQLite's integer range)")]
Page = Annotated[int, Query(ge=1, le=1_000_000, description="A page of a listing, from 1")]
