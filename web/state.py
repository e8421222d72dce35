"""What the web app keeps open for its lifetime: the store, the searcher, the upload jobs."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from kb.search.ranking import Searcher
from kb.settings import Settings
from kb.store.writer import Store
from web.index_repair import IndexRepair
from web.jobs import Jobs


@dataclass
class AppState:
    settings: Settings
    store: Store
    searcher: Searcher
    lock: threading.RLock  # one SQLite connection and one chroma client, shared by request threads
    jobs: Jobs
    repair: IndexRepair | None = None  # None: the index is taken as ready (tests that build a state by hand)
