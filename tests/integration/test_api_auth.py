"""REST API access: every role's allowed and forbidden routes, the widget key's origin binding, signed
customer tokens, CORS, and rate limits (on the demo store; nothing here writes to it)."""

from __future__ import annotations

import pytest

from copilot.core.permissions import PERMISSIONS, Perm
from integrations.api.auth import DEV_ADMIN_KEY, sign_customer_token
from tests.support.api import ORIGIN, client, customers, derived_ctx, staff, token, widget

# One request per permission that the role gate judges first: allowed roles then fail validation
# (422), forbidden ones get 403; so the matrix runs fast and writes nothing.
PROBES: dict[Perm, tuple[str, str, dict | None]] = {
    Perm.ask: ("POST", "/v1/ask", {}),
    Perm.search: ("POST", "/v1/search", {}),
    Perm.brief: ("GET", "/v1/accounts/acc-00001/brief?language=xx", None),
    Perm.email_draft: ("POST", "/v1/emails/draft", {}),
    Perm.variants: ("POST", "/v1/variants", {}),
    Perm.campaign: ("POST", "/v1/jobs/campaign", {}),
    Perm.jobs_read: ("GET", "/v1/jobs/" + "j" * 41, None),
    Perm.next_actions: ("GET", "/v1/next-actions?limit=0", None),
    Perm.scores_read: ("GET", "/v1/scores?limit=-1", None),
    Perm.funnel: ("GET", "/v1/funnel?by=nothing", None),
    Perm.health: ("GET", "/v1/health-board?top=0", None),
    Perm.crm_read: ("GET", "/v1/crm/accounts/acc-00001?limit=0", None),
    Perm.crm_write: ("POST", "/v1/crm/activities", {}),
    Perm.consent_read: ("GET", "/v1/consents/" + "c" * 65, None),
    Perm.consent_write: ("POST", "/v1/consents", {}),
    Perm.feedback: ("POST", "/v1/feedback", {}),
    Perm.reply: ("POST", "/v1/tickets/" + "t" * 65 + "/reply", None),
    Perm.widget: ("POST", "/v1/widget/ask", {}),
}
STAFF_ROLES = ("admin", "sales", "support", "marketing")


@pytest.fixture(scope="module")
def api(demo_ctx, tmp_path_factory):  # type: ignore[no-untyped-def]
    return client(derived_ctx(demo_ctx, tmp_path_factory.mktemp("api")))


def test_every_permission_has_a_probe() -> None:
    # maintenance (ingest and purge jobs) has no REST route: the CLI and the workers run those
    assert set(PROBES) | {Perm.tiers_apply, Perm.maintenance} == set(PERMISSIONS)


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_role_table_decides_each_staff_route(api, role: str) -> None:  # type: ignore[no-untyped-def]
    for perm, (method, path, body) in PROBES.items():
        r = api.request(method, path, json=body, headers=staff(role))
        allowed = any(r.value == role for r in PERMISSIONS[perm])
        assert r.status_code == (422 if allowed else 403), (role, perm, r.text)
        if not allowed:
            assert r.json()["error"]["code"] == "forbidden"


def test_the_rules_the_issue_names(api) -> None:  # type: ignore[no-untyped-def]
    activity = {"account_id": "acc-00001", "kind": "note", "subject": "x"}
    r = api.post("/v1/crm/activities", json=activity, headers={**staff("marketing"), "Idempotency-Key": "k1"})
    assert r.status_code == 403  # marketing never writes CRM records
    r = api.post("/v1/variants", json={"contact_id": "con-000001", "element": "subject"}, headers=staff("support"))
    assert r.status_code == 403  # support runs no campaigns
    for role in ("sales", "support", "marketing"):
        assert api.post("/v1/tiers/apply", headers=staff(role)).status_code == 403
    lead = {"lead_id": "lead-nope", "status": "contacted"}  # the service's own rule: lead changes are sales'
    r = api.post("/v1/crm/leads/status", json=lead, headers={**staff("support"), "Idempotency-Key": "k2"})
    assert r.status_code == 403 and "may not set lead status" in r.json()["error"]["message"]


def test_widget_key_may_call_widget_routes_only(api) -> None:  # type: ignore[no-untyped-def]
    for perm, (method, path, body) in PROBES.items():
        r = api.request(method, path, json=body, headers=widget())
        assert r.status_code == (422 if perm is Perm.widget else 403), (perm, r.text)


@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong-key-wrong-key"}, {"X-API-Key": DEV_ADMIN_KEY},
                                     {"Authorization": "Bearer wrong-key"}])
def test_missing_unknown_and_dev_keys_are_401(api, headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    r = api.post("/v1/ask", json={"question": "hei"}, headers=headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"


def test_bearer_header_works_too(api) -> None:  # type: ignore[no-untyped-def]
    r = api.get("/v1/crm/accounts/acc-00001", headers={"Authorization": "Bearer " + staff("support")["X-API-Key"]})
    assert r.status_code == 200 and r.json()["account"]["id"] == "acc-00001"


@pytest.mark.parametrize("origin", ["https://evil.example", "https://www.kaarna.example.evil.example", None])
def test_widget_key_from_a_wrong_origin_is_403(api, origin: str | None) -> None:  # type: ignore[no-untyped-def]
    headers = widget(origin=origin or "")
    if origin is None:
        headers.pop("Origin")
    r = api.post("/v1/widget/ask", json={"question": "What does Kaarna HR Core cost?"}, headers=headers)
    assert r.status_code == 403 and "origin" in r.json()["error"]["message"]


def test_staff_key_on_widget_route_is_403(api) -> None:  # type: ignore[no-untyped-def]
    r = api.post("/v1/widget/ask", json={"question": "hei"}, headers={**staff("admin"), "Origin": ORIGIN})
    assert r.status_code == 403


def test_signed_customer_token_valid_expired_tampered(api, demo_ctx) -> None:  # type: ignore[no-untyped-def]
    (contact, account, _), (other, _, _) = customers(demo_ctx)
    ok = api.get("/v1/widget/account", headers=widget(token(contact)))
    assert ok.status_code == 200 and ok.json()["account"]["id"] == account
    assert "tier" not in ok.json()["account"] and "notes" not in ok.json()["account"]
    good = token(contact)
    bad = {
        "expired": token(contact, ttl=-5),
        "tampered contact": good.replace(contact, other, 1),
        "tampered expiry": good.replace(".", ".9", 1),
        "bad signature": good[:-4] + ("0000" if not good.endswith("0000") else "1111"),
        "other secret": sign_customer_token("another-secret", contact, int(good.split(".")[-2])),
        "too long-lived": token(contact, ttl=10 * 86_400),
        "malformed": "not-a-token",
        "unknown contact": token("con-does-not-exist"),
    }
    for why, tok in bad.items():
        r = api.get("/v1/widget/account", headers=widget(tok))
        assert r.status_code == 401, why
        assert r.json()["error"]["code"] == "unauthorized", why


def test_visitor_has_no_account(api) -> None:  # type: ignore[no-untyped-def]
    assert api.get("/v1/widget/account", headers=widget()).status_code == 401


def test_cors_only_for_allowed_origins(api) -> None:  # type: ignore[no-untyped-def]
    pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key,content-type"}
    good = api.options("/v1/widget/ask", headers={"Origin": ORIGIN, **pre})
    assert good.status_code == 200 and good.headers["access-control-allow-origin"] == ORIGIN
    evil = api.options("/v1/widget/ask", headers={"Origin": "https://evil.example", **pre})
    assert "access-control-allow-origin" not in evil.headers
    r = api.get("/healthz", headers={"Origin": "https://evil.example"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    r = api.get("/healthz", headers={"Origin": ORIGIN})
    assert r.headers["access-control-allow-origin"] == ORIGIN


def test_rate_limit_answers_429_with_retry_after(demo_ctx, tmp_path) -> None:  # type: ignore[no-untyped-def]
    api = client(derived_ctx(demo_ctx, tmp_path, api_rate_burst=3, api_rate_per_s=0.01, widget_rate_burst=1,
                             widget_rate_per_s=0.5))
    codes = [api.get("/v1/consents/con-000001", headers=staff("sales")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    r = api.get("/v1/consents/con-000001", headers=staff("sales"))
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 60
    assert r.json()["error"]["code"] == "rate_limited"
    assert api.get("/v1/consents/con-000001", headers=staff("admin")).status_code == 200  # per key
    first = api.post("/v1/widget/feedback", json={"audit_id": "aud-none", "rating": "up"}, headers=widget())
    assert first.status_code == 404
    second = api.post("/v1/widget/feedback", json={"audit_id": "aud-none", "rating": "up"}, headers=widget())
    assert second.status_code == 429 and second.headers["retry-after"] == "2"
