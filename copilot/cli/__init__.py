"""The `polku` command line. Each area registers its commands in its own module below."""

from __future__ import annotations

import importlib

from copilot.cli.app import app, run

# Modules that add commands to `app`; each is small and owns one area.
COMMAND_MODULES = [
    "copilot.cli.crm",
    "copilot.cli.demo",
    "copilot.cli.retrieval",
    "copilot.cli.eval",
    "copilot.cli.tasks",
    "copilot.cli.scores",
    "copilot.cli.serve",
    "copilot.cli.trust",
    "copilot.cli.redteam",
    "copilot.cli.slack",
    "copilot.cli.jobs",
]

for _name in COMMAND_MODULES:
    importlib.import_module(_name)


def main() -> None:
    run()


__all__ = ["app", "main"]
