"""Fixtures the API test modules share: each module gets its own API settings and client over the
session's demo store."""

from __future__ import annotations

import pytest

from tests.support.api import client, derived_ctx


@pytest.fixture(scope="module")
def api_ctx(demo_ctx, tmp_path_factory):  # type: ignore[no-untyped-def]
    return derived_ctx(demo_ctx, tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def api(api_ctx):  # type: ignore[no-untyped-def]
    return client(api_ctx)
