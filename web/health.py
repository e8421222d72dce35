"""The one health check, for deployments (docker compose, the image's HEALTHCHECK): the catalog answers."""

from __future__ import annotations

from fastapi import APIRouter

from kb.models import Role
from web.auth import requires
from web.deps import CatalogDep

router = APIRouter(include_in_schema=False)


@router.get("/healthz", dependencies=[requires(Role.PUBLIC)])
def healthz(catalog: CatalogDep) -> dict:
    figures = catalog.stats()
    return {"status": "ok", "reports": figures["reports"], "chunks": figures["chunks"]}


routers = (router,)
