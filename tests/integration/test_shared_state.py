"""The state API workers share, on the real Redis: token buckets, once-only keys, records, locks and
versions, and what happens when Redis cannot be reached."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import redis

from copilot.core.errors import PolkuError
from copilot.core.settings import Settings
from copilot.core.shared import LocalState, connect
from copilot.core.shared.redis_state import RedisState
from tests.support.shared_env import redis_url_fixture  # noqa: F401 - fixture

pytestmark = pytest.mark.redis
ROOT = Path(__file__).resolve().parents[2]


def _state(url: str, clock: list[float] | None = None) -> RedisState:
    """A state on its own client and connection pool, as another worker process would have."""
    return RedisState(redis.Redis.from_url(url), fallback=LocalState(),
                      clock=(lambda: clock[0]) if clock is not None else None)


def test_the_lua_bucket_spends_the_burst_then_refuses_then_refills(redis_url: str) -> None:
    clock = [1_000.0]
    state = _state(redis_url, clock)
    assert [state.take("caller", rate=2.0, burst=3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert state.take("caller", rate=2.0, burst=3) == pytest.approx(0.5)  # one token comes in 1/rate s
    clock[0] += 0.25
    assert state.take("caller", rate=2.0, burst=3) == pytest.approx(0.25)  # half a token earned so far
    clock[0] += 0.25
    assert state.take("caller", rate=2.0, burst=3) == 0.0  # refilled: one token
    assert state.take("caller", rate=2.0, burst=3) > 0
    clock[0] += 100
    assert [state.take("caller", rate=2.0, burst=3) for _ in range(4)].count(0.0) == 3  # full, never above burst
    assert state.take("someone-else", rate=2.0, burst=3) == 0.0  # per key


def test_a_bucket_expires_once_it_would_be_full_again(redis_url: str) -> None:
    clock = [50.0]
    state = _state(redis_url, clock)
    state.take("quiet", rate=0.5, burst=4)
    ttl_ms = state.client.pttl("polku:bucket:quiet")
    assert 1_000 < ttl_ms <= 3_000  # one token spent, earned back in 2 s, plus a second of slack


def test_on_redis_time_the_burst_is_the_burst(redis_url: str) -> None:
    state = _state(redis_url)  # Redis's own clock; at this rate nothing refills during the test
    waits = [state.take("caller", rate=0.001, burst=5) for _ in range(7)]
    assert waits[:5] == [0.0] * 5 and all(w > 900 for w in waits[5:])


def test_two_limiters_share_one_callers_burst(redis_url: str) -> None:
    clock = [7.0]
    first, second = _state(redis_url, clock), _state(redis_url, clock)
    allowed = sum((first if i % 2 else second).take("widget:k:1.2.3.4", rate=1.0, burst=10) == 0 for i in range(30))
    assert allowed == 10


def test_two_processes_share_one_callers_burst(redis_url: str) -> None:
    script = (
        "import redis\n"
        "from copilot.core.shared import LocalState\n"
        "from copilot.core.shared.redis_state import RedisState\n"
        f"s = RedisState(redis.Redis.from_url({redis_url!r}), fallback=LocalState(), clock=lambda: 1.0)\n"
        "print(sum(s.take('key:shared', rate=1.0, burst=12) == 0 for _ in range(20)))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    allowed = [int(p.communicate(timeout=60)[0]) for p in procs]
    assert sum(allowed) == 12, allowed


def test_an_unreachable_redis_falls_back_to_this_process_and_says_so_once(
        caplog: pytest.LogCaptureFixture) -> None:
    down = RedisState(redis.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.5),
                      fallback=LocalState())
    with caplog.at_level(logging.WARNING, logger="polku.shared"):
        waits = [down.take("caller", rate=0.001, burst=2) for _ in range(3)]
        assert waits[:2] == [0.0, 0.0] and waits[2] > 0  # the same rule, kept in this process
        assert down.first_time("event:1", ttl_s=60) and not down.first_time("event:1", ttl_s=60)
        down.put_json("r", {"a": 1}, ttl_s=60)
        assert down.get_json("r") == {"a": 1}
        with down.lock("conversation:t", hold_s=5, wait_s=1):
            pass
        assert down.bump("content") == 1
    warnings = [r for r in caplog.records if r.name == "polku.shared"]
    assert len(warnings) == 1 and "Redis unreachable" in warnings[0].getMessage()


def test_a_delivery_is_first_only_once_across_workers(redis_url: str) -> None:
    first, second = _state(redis_url), _state(redis_url)
    assert first.first_time("slack:event:Ev1", ttl_s=3600)
    assert not second.first_time("slack:event:Ev1", ttl_s=3600)
    assert not first.first_time("slack:event:Ev1", ttl_s=3600)
    assert 3_590_000 < first.client.pttl("polku:once:slack:event:Ev1") <= 3_600_000  # forgotten after the TTL


def test_records_are_shared_and_expire(redis_url: str) -> None:
    first, second = _state(redis_url), _state(redis_url)
    first.put_json("slack:answer:aud-1", {"ref": "aud-1", "text": "Hyvää päivää"}, ttl_s=60)
    assert second.get_json("slack:answer:aud-1") == {"ref": "aud-1", "text": "Hyvää päivää"}
    assert second.get_json("slack:answer:aud-2") is None
    assert 0 < first.client.pttl("polku:rec:slack:answer:aud-1") <= 60_000


def test_a_lock_keeps_out_other_workers_until_released(redis_url: str) -> None:
    first, second = _state(redis_url), _state(redis_url)
    with first.lock("conversation:thr-1", hold_s=30, wait_s=1):
        with pytest.raises(PolkuError) as refused, second.lock("conversation:thr-1", hold_s=30, wait_s=0.05):
            pass
        assert refused.value.code == "conflict" and "conversation is busy" in refused.value.message
        with second.lock("conversation:thr-2", hold_s=30, wait_s=0.05):  # another thread is free
            pass
    with second.lock("conversation:thr-1", hold_s=30, wait_s=0.05):
        pass


def test_a_waiting_worker_gets_the_lock_when_the_holder_releases_it(redis_url: str) -> None:
    first, second = _state(redis_url), _state(redis_url)
    order: list[str] = []
    holding, waiting = threading.Event(), threading.Event()

    def later() -> None:
        holding.wait()
        waiting.set()
        with second.lock("conversation:thr-3", hold_s=30, wait_s=30):
            order.append("second")

    thread = threading.Thread(target=later)
    thread.start()
    with first.lock("conversation:thr-3", hold_s=30, wait_s=1):
        holding.set()
        waiting.wait()
        order.append("first")
    thread.join(30)
    assert order == ["first", "second"]


def test_the_lock_of_a_worker_that_died_frees_itself(redis_url: str) -> None:
    first, second = _state(redis_url), _state(redis_url)
    abandoned = first.client.lock("polku:lock:conversation:thr-4", timeout=0.3)
    assert abandoned.acquire(blocking=False)  # and never released, as by a killed process
    with second.lock("conversation:thr-4", hold_s=30, wait_s=30):
        pass


def test_versions_move_for_everybody(redis_url: str) -> None:
    first, second = _state(redis_url), _state(redis_url)
    assert first.versions(["content", "scores"]) == {"content": 0, "scores": 0}
    assert second.bump("content") == 1 and first.bump("content") == 2
    assert first.versions(["content", "scores"]) == {"content": 2, "scores": 0}


def test_without_a_url_the_state_is_the_processs_own_and_needs_no_redis(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, _env_file=None)  # type: ignore[call-arg]
    assert isinstance(connect(settings), LocalState)
    assert connect(settings) is not connect(settings)  # a new app starts with full buckets, as before
    script = (
        "import sys\n"
        "from fastapi.testclient import TestClient\n"
        "from copilot.core.context import AppContext\n"
        "from copilot.core.settings import Settings\n"
        "from integrations.api import create_app\n"
        f"ctx = AppContext.create(Settings(data_dir={str(tmp_path)!r}, _env_file=None))\n"
        "api = TestClient(create_app(ctx))\n"
        "assert api.get('/v1/consents/con-1', headers={'X-API-Key': 'dev-admin-key'}).status_code == 404\n"
        "print('redis' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_a_redis_url_of_another_scheme_is_a_clear_setting_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="redis://"):
        Settings(data_dir=tmp_path, redis_url="http://127.0.0.1:6379", _env_file=None)  # type: ignore[call-arg]
