"""Uploads over real HTTP (uvicorn on loopback): limits before reading, a bounded queue, hostile
files that never slow search down, hostile names that never reach a path."""

from __future__ import annotations

import json
import shutil
import socket
from dataclasses import replace
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import sample
from tests.live_server import create_account, log_in, serve, wait_for_job
from tests.pdfs import slow_pdf, text_pdf, truncated_pdf
from web.app import create_app

pytestmark = pytest.mark.slow

QUESTION = "Vilka erfarenheter finns av att köpa elbussar tillsammans med andra kommuner?"


@pytest.fixture(scope="module")
def live(tmp_path_factory, indexed_settings, embedder):
    """The app on a copy of the sample reports: 1 MiB uploads, a 6 s reading limit, a queue of two;
    the client is logged in as an editor (uploads need one) and sends the CSRF header."""
    data = tmp_path_factory.mktemp("uploads") / "data"
    shutil.copytree(indexed_settings.data_dir, data, ignore=shutil.ignore_patterns("writer.lock"))
    settings = replace(
        indexed_settings,
        data_dir=data,
        max_file_mb=1,
        parse_timeout_s=6.0,
        upload_queue=2,
        uploads_per_hour=1000,
        cookie_secure=False,  # logged in over plain http
    )
    editor = create_account(settings, "editor")
    with serve(create_app(settings, embedder)) as url, httpx.Client(base_url=url, timeout=60) as client:
        log_in(client, *editor)
        client.settings = settings
        yield client


def _upload(client: httpx.Client, name: str, content: bytes) -> httpx.Response:
    return client.post("/api/uploads", files={"file": (name, content, "application/pdf")})


def _broken_pdf(tmp_path, name: str) -> bytes:
    return truncated_pdf(sample("example_greenfleet_final_report_en.pdf"), tmp_path / name).read_bytes()


def test_search_answers_while_a_hostile_pdf_is_being_read(live, tmp_path):
    """While a PDF that keeps the reader busy is read, searches keep answering with the right lesson."""
    job = _upload(live, "slow.pdf", slow_pdf(tmp_path / "slow.pdf", salt="search").read_bytes()).json()
    wait_for_job(live, job["id"], until=("reading",))
    answered = 0
    while live.get(f"/api/jobs/{job['id']}").json()["state"] == "reading":
        found = live.get("/api/search", params={"q": QUESTION})
        assert found.status_code == 200
        assert found.json()["groups"][0]["report"]["acronym"] == "GreenFleet"
        answered += 1
    assert answered >= 3, "search was blocked while the hostile file was read"
    assert wait_for_job(live, job["id"]) == {**job, "state": "failed", "message": "took too long"}


def test_a_full_upload_queue_is_refused_with_503(live, tmp_path):
    """With the worker busy and the queue full, one more upload gets 503, a reason and Retry-After, and is not kept."""
    busy = _upload(live, "slow.pdf", slow_pdf(tmp_path / "slow.pdf", salt="queue").read_bytes()).json()
    wait_for_job(live, busy["id"], until=("reading",))
    queued = [_upload(live, f"q{n}.pdf", _broken_pdf(tmp_path, f"q{n}.pdf") + bytes([n])) for n in range(2)]
    assert [r.status_code for r in queued] == [202, 202]
    refused = _upload(live, "more.pdf", _broken_pdf(tmp_path, "more.pdf") + b"more")
    assert refused.status_code == 503 and refused.headers["retry-after"] == "60"
    assert refused.headers["x-content-type-options"] == "nosniff"  # the security headers are on refusals too
    assert "default-src 'self'" in refused.headers["content-security-policy"]
    assert refused.json() == {"error": "2 uploads are already waiting to be read; try again in a minute."}
    register = live.post(
        "/api/registers",
        files={"file": ("projektbanken.json", _register(3), "application/json")},
        data={"format": "projektbanken"},
    )
    assert register.status_code == 503 and register.headers["retry-after"] == "60"
    for job in [busy] + [r.json() for r in queued]:
        assert wait_for_job(live, job["id"])["state"] == "failed"
    assert list((live.settings.data_dir / "uploads").iterdir()) == []


def test_a_body_declared_too_large_is_refused_before_it_is_read(live):
    """A logged-in editor's request declaring 50 MiB gets 413 at once, without the server waiting for a
    single byte of body."""
    url = urlsplit(str(live.base_url))
    cookies = "; ".join(f"{name}={value}" for name, value in live.cookies.items())
    with socket.create_connection((url.hostname, url.port), timeout=15) as conn:
        conn.sendall(
            f"POST /api/uploads HTTP/1.1\r\nHost: {url.netloc}\r\nCookie: {cookies}\r\n"
            f"X-CSRF-Token: {live.headers['X-CSRF-Token']}\r\n".encode()
            + b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 52428800\r\n\r\n"
        )
        answer = conn.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_streamed_body_is_cut_off_at_the_limit(live):
    """A body sent without a declared length (chunked) is refused with 413 once it passes the limit."""

    def body():
        yield b"--b\r\nContent-Disposition: form-data; name=file; filename=big.pdf\r\n\r\n%PDF-1.4\n"
        for _ in range(3):
            yield b"0" * (1024 * 1024)
        yield b"\r\n--b--\r\n"

    try:
        answer = live.post("/api/uploads", content=body(), headers={"Content-Type": "multipart/form-data; boundary=b"})
    except httpx.WriteError:  # the server may close the connection before the client stops sending
        return
    assert answer.status_code == 413


def _raw_request(live, head: str, body: bytes = b"", cookies: bool = False) -> bytes:
    """Send a request's head (and the start of a body) over a raw socket; the server's answer, read at once."""
    url = urlsplit(str(live.base_url))
    cookie = "; ".join(f"{name}={value}" for name, value in live.cookies.items()) if cookies else ""
    with socket.create_connection((url.hostname, url.port), timeout=15) as conn:
        conn.sendall(f"{head}\r\nHost: {url.netloc}\r\n".encode())
        conn.sendall((f"Cookie: {cookie}\r\n" if cookie else "").encode() + b"\r\n" + body)
        return conn.recv(65536)


def test_an_anonymous_large_body_is_refused_before_it_is_read(live):
    """Nobody logged in can make the server read a large body: a 95 MB login is a 413 in JSON and an upload
    a 401, answered before a byte of body arrives; an editor without the CSRF token gets 403 the same way."""
    login = _raw_request(
        live, "POST /api/login HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 99614720", b'{"name'
    )
    assert login.startswith(b"HTTP/1.1 413") and b"application/json" in login and b'{"error":' in login
    upload = "POST /api/uploads HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 52428800"
    assert _raw_request(live, upload).startswith(b"HTTP/1.1 401")
    assert _raw_request(live, upload, cookies=True).startswith(b"HTTP/1.1 403")  # no X-CSRF-Token header


def test_a_streamed_body_to_a_small_route_is_cut_off_at_64_kib(live):
    """A chunked body to a route that takes no file is refused with 413 once it passes 64 KiB."""

    def body():
        yield b'{"name": "'
        for _ in range(16):
            yield b"x" * 65536

    try:
        answer = httpx.post(
            str(live.base_url) + "/api/login", content=body(), headers={"Content-Type": "application/json"}
        )
    except httpx.WriteError:  # the server may close the connection before the client stops sending
        return
    assert answer.status_code == 413 and "KiB" in answer.json()["error"]


HOSTILE_NAMES = {
    "parent directories": "../../../../tmp/owned.pdf",
    "NUL byte": "report.pdf\x00.sh",
    "right-to-left override": "invoice\u202efdp.exe",
    "isolates": "\u2066evil\u2069\u2067x\u2069.pdf",
    "300 characters": "x" * 300 + ".pdf",
    "markup": '<img src=x onerror="alert(1)">.pdf',
    "backslashes": "..\\..\\windows\\win.ini",
}


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES.keys())
def test_a_hostile_file_name_never_reaches_a_path_and_is_shown_escaped(live, tmp_path, name):
    """The upload is stored under a generated name; its shown name has no path, control or bidi
    characters, is at most 120 characters, and the job page escapes it."""
    before = {p for p in tmp_path.parent.rglob("*")}
    job = _upload(live, name, _broken_pdf(tmp_path, "x.pdf") + name.encode("utf-8", "replace")).json()
    shown = job["filename"]
    assert not set(shown) & set("/\\\x00\u202e\u2066\u2067\u2069") and 0 < len(shown) <= 120
    page = live.get(f"/jobs/{job['id']}").text
    assert "<img" not in page and 'onerror="alert' not in page
    if "<" in name:
        assert "&lt;img" in page
    wait_for_job(live, job["id"])
    created = {p for p in tmp_path.parent.rglob("*")} - before
    assert all(".." not in p.name and "owned" not in p.name and "win.ini" not in p.name for p in created)
    assert not (live.settings.data_dir.parent / "owned.pdf").exists()
    assert list((live.settings.data_dir / "uploads").iterdir()) == []


def test_a_download_has_a_safe_disposition_and_nosniff(live, tmp_path):
    """An ingested report with a hostile name downloads as an attachment under a quoted, clean name, with nosniff."""
    pdf = text_pdf(
        tmp_path / "r.pdf",
        [
            "Cykelgarage vid stationer - slutrapport",
            "5 Lärdomar\nCykelgaragen vid stationerna användes mer än väntat när de låg inom femtio meter från "
            "perrongen. Den viktigaste lärdomen är att låsbara platser och belysning betydde mer för pendlarna än "
            "laddning för elcyklar, och att driften måste vara upphandlad innan garaget öppnar.",
        ],
    )
    name = '"; filename=evil.html\r\nX-Injected: 1\u202e.pdf'
    job = wait_for_job(live, _upload(live, name, pdf.read_bytes()).json()["id"])
    assert job["state"] == "done", job
    download = live.get(f"/reports/{job['report_id']}/pdf", params={"download": "1"})
    disposition = download.headers["content-disposition"]
    kind, encoded = disposition.split("; filename*=utf-8''")
    assert kind == "attachment" and not set(encoded) & set('"; \r\n\u202e')
    assert "x-injected" not in download.headers
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-type"] == "application/pdf"


def _register(count: int) -> bytes:
    """A Projektbanken export of ``count`` projects: variations on two themes, and one on solar roofs."""
    themes = [
        "Byarna i Exempelby får fibernät där operatörerna inte bygger, för företag och hushåll",
        "Företag i skärgården utvecklar gemensamma paket för turister under lågsäsongen",
    ]
    records = [
        {
            "ärende-id": str(92000000 + n),
            "stödmottagare": f"Exempelkommun {n}",
            "projektnamn": f"Projekt {n}",
            "projektbeskrivning": f"{themes[n % 2]}, etapp {n}.",
            "projekt_starttid": "2018-01-01",
            "projekt_sluttid": "2020-12-31",
        }
        for n in range(count - 1)
    ]
    records.append(
        dict(
            records[0],
            **{
                "ärende-id": "92999999",
                "projektnamn": "Solceller på kommunens tak",
                "projektbeskrivning": "Kommunen sätter solcellsanläggningar på skolor och idrottshallar.",
            },
        )
    )
    return json.dumps(records, ensure_ascii=False).encode()


def test_search_answers_while_a_large_register_is_imported(live):
    """A register of 300 projects is accepted at once (202) and embedded in the background: searches keep
    answering meanwhile, the import's progress climbs to the end, and then its projects are found."""
    sent = live.post(
        "/api/registers",
        files={"file": ("projektbanken.json", _register(300), "application/json")},
        data={"format": "projektbanken"},
    )
    assert sent.status_code == 202
    job = sent.json()
    assert (job["kind"], job["total"], job["result"]) == ("register", 300, None)
    answered, progress = 0, []
    while (job := live.get(f"/api/jobs/{job['id']}").json())["state"] not in ("done", "failed"):
        progress.append(job["done"])
        found = live.get("/api/search", params={"q": QUESTION})
        assert found.status_code == 200
        assert found.json()["groups"][0]["report"]["acronym"] == "GreenFleet"
        answered += 1
    assert job["state"] == "done" and job["result"] == {"added": 300, "updated": 0, "unchanged": 0}
    assert answered >= 3, "search was blocked while the register was imported"
    assert progress == sorted(progress) and len(set(progress)) >= 2 and job["done"] == 300
    solar = live.get("/api/search", params={"q": "Vi vill sätta solceller på kommunala byggnader"}).json()
    assert [p["file"] for p in solar["projects"] if p["kind"] == "register"][0] == "projektbanken:92999999"
    assert list((live.settings.data_dir / "uploads").iterdir()) == []
