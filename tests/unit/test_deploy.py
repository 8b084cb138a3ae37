"""deploy/: the compose file and the Procfile describe the same topology, and migrations run first."""

from __future__ import annotations

from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
QUEUES = {"interactive", "batch", "ingest", "maintenance"}
SERVICES = {"postgres", "redis", "chroma"}


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))["services"]


def _procfile() -> dict[str, str]:
    lines = (DEPLOY / "Procfile").read_text(encoding="utf-8").splitlines()
    return dict(line.split(": ", 1) for line in lines if line and not line.startswith("#"))


def test_every_polku_process_waits_for_the_migration_to_finish() -> None:
    services = _compose()
    assert services["migrate"]["command"][:3] == ["polku", "db", "upgrade"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name, svc in services.items():
        if name in SERVICES or name == "migrate":
            continue
        assert svc["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name


def test_one_worker_per_queue_and_the_rest_of_the_topology() -> None:
    services = _compose()
    queues = {svc["command"][3] for svc in services.values() if svc.get("command", [])[:2] == ["polku", "worker"]}
    assert queues == QUEUES
    assert set(services) >= SERVICES and {"api", "beat"} <= set(services)
    assert "--workers" in services["api"]["command"]
    assert services["chroma"]["command"][:2] == ["chroma", "run"]
    env = services["api"]["environment"]
    assert env["POLKU_CHROMA_URL"].startswith("http://chroma") and env["POLKU_DATABASE_URL"].startswith("postgresql")


def test_the_procfile_lists_the_same_processes() -> None:
    procs = _procfile()
    assert procs["release"] == "polku db upgrade"
    assert {cmd.split("--queues ")[1] for cmd in procs.values() if cmd.startswith("polku worker")} == QUEUES
    assert procs["web"].startswith("polku serve") and "--workers" in procs["web"]
    assert procs["beat"].startswith("celery -A copilot.worker beat")
