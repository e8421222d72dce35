"""The web app: FastAPI routers (one per page family, each page with its JSON twin), templates, middleware.
It imports kb, and ingest through its public entry points only."""
