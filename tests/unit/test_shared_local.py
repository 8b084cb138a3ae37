"""The process-local shared state (the embedded default): the same rules as the Redis one, no network."""

from __future__ import annotations

import pytest

from copilot.core.context import SCORES, AppContext
from copilot.core.errors import PolkuError
from copilot.core.settings import Settings
from copilot.core.shared import LocalState


def test_a_local_bucket_spends_the_burst_refuses_and_refills() -> None:
    clock = [0.0]
    state = LocalState(clock=lambda: clock[0])
    assert [state.take("k", rate=2.0, burst=2) for _ in range(3)] == [0.0, 0.0, 0.5]
    clock[0] = 0.5
    assert state.take("k", rate=2.0, burst=2) == 0.0


def test_once_keys_and_records_expire_by_their_own_time_to_live() -> None:
    clock = [0.0]
    state = LocalState(clock=lambda: clock[0])
    assert state.first_time("short", ttl_s=10) and state.first_time("long", ttl_s=100)
    state.put_json("rec", {"a": 1}, ttl_s=10)
    clock[0] = 50.0
    assert state.first_time("short", ttl_s=10)  # expired
    assert not state.first_time("long", ttl_s=100)
    assert state.get_json("rec") is None


def test_records_are_bounded() -> None:
    state = LocalState(record_capacity=2)
    for key in "abc":
        state.put_json(key, {"k": key}, ttl_s=60)
    assert state.get_json("a") is None and state.get_json("c") == {"k": "c"}


def test_a_local_lock_is_exclusive_per_key_and_says_so() -> None:
    state = LocalState()
    with state.lock("conversation:t1", hold_s=1, wait_s=0):
        with pytest.raises(PolkuError) as busy, state.lock("conversation:t1", hold_s=1, wait_s=0):
            pass
        assert busy.value.code == "conflict"
        with state.lock("conversation:t2", hold_s=1, wait_s=0):
            pass
    with state.lock("conversation:t1", hold_s=1, wait_s=0):
        pass


def test_without_redis_a_version_moves_with_this_processs_own_changes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    ctx = AppContext(settings=Settings(data_dir=tmp_path, _env_file=None), version_check_s=0.0)  # type: ignore[call-arg]
    first = ctx.version(SCORES)
    assert ctx.version(SCORES) == first  # nothing changed
    ctx.bump(SCORES)  # the caller changed what it holds
    assert ctx.version(SCORES) == first + 1
    ctx.shared.bump(SCORES)  # a change this context did not make itself
    assert ctx.version(SCORES) == first + 2
    assert ctx.shared.kind == "local"
