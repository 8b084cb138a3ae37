"""Browser tests: the real app (API + web pages) under uvicorn, a host site for the widget, headless Chromium.

Chromium comes from Debian (`bash .ci/browser.sh`); Playwright drives it with ``executable_path``
because `playwright install` cannot download browsers here. A missing browser fails the tests loudly.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import uvicorn

from copilot.core.context import AppContext
from integrations.api import create_app
from integrations.web import mount_web
from tests.conftest import NOW
from tests.support.api import KEYS, ORIGIN, derived_ctx

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class HostSite:
    """A stand-in for a customer's website: pages the tests write, each embedding the widget with one tag.

    Its pages carry a strict CSP (scripts and requests only to the Polku server, no inline styles), so the
    widget is shown to work on a careful site without loosening its policy.
    """

    origin: str
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)

    def page(self, path: str, api: str, *, token: str | None = None, strict: bool = True, lang: str = "en") -> str:
        attrs = f' data-customer-token="{token}"' if token else ""
        html = (f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>"
                "<title>Kaarna customer site</title></head>"
                "<body><h1>Kaarna</h1><p>HR software for Finnish organisations. Questions? Use the chat.</p>"
                f"<script src='{api}/web/static/widget.js' data-key='{KEYS['widget']}'{attrs} defer></script>"
                "</body></html>")
        # strict=False: no CSP at all, so an XSS test sees what the widget alone lets through
        csp = f"default-src 'none'; script-src {api}; connect-src {api}; style-src 'self'" if strict else ""
        self.pages[path] = (html, csp)
        return self.origin + path


@dataclass
class Site:
    base: str
    ctx: AppContext
    host: HostSite


def _serve_host(port: int, host: HostSite) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body, csp = host.pages.get(self.path.split("?")[0], ("not found", "default-src 'none'"))
            self.send_response(200 if self.path.split("?")[0] in host.pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if csp:
                self.send_header("Content-Security-Policy", csp)
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@contextmanager
def running_site(base: AppContext, tmp: Path) -> Iterator[Site]:
    """The app `polku serve` runs, with the web pages mounted, on a free port; plus the host site."""
    host_port = _free_port()
    host = HostSite(origin=f"http://127.0.0.1:{host_port}")
    ctx = derived_ctx(base, tmp, allowed_origins=[ORIGIN, host.origin])
    app = create_app(ctx, clock=lambda: NOW, warm=True)
    mount_web(app, ctx)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the app did not start under uvicorn", pytrace=False)
        time.sleep(0.05)
    http = _serve_host(host_port, host)
    try:
        yield Site(base=f"http://127.0.0.1:{port}", ctx=ctx, host=host)
    finally:
        http.shutdown()
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def site(demo_ctx: AppContext, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with running_site(demo_ctx, tmp_path_factory.mktemp("web")) as running:
        yield running


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium. Install it with "
                    "`bash .ci/browser.sh` (or `apt-get install -y chromium`).", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield browser
        browser.close()


@contextmanager
def browser_page(browser, site: Site):  # type: ignore[no-untyped-def]
    """A fresh browser context; page errors are collected so a test can assert there were none."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site.base)
    context.set_default_timeout(30_000)
    pg = context.new_page()
    pg.errors = []
    pg.on("pageerror", lambda exc: pg.errors.append(str(exc)))
    try:
        yield pg
    finally:
        context.close()


@pytest.fixture
def page(browser, site: Site):  # type: ignore[no-untyped-def]
    with browser_page(browser, site) as pg:
        yield pg


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
