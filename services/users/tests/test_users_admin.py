"""Administration: listing with filters and paging, roles, disabling; only for admins."""

import uuid

import pytest


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/users"),
        ("get", "/api/users/{id}"),
        ("post", "/api/users/{id}/roles/admin"),
        ("delete", "/api/users/{id}/roles/customer"),
        ("post", "/api/users/{id}/disable"),
    ],
)
def test_a_customer_token_cannot_call_admin_endpoints(api, client, method, path):
    customer = api.account()
    url = path.format(id=customer.id)
    response = getattr(client, method)(url, json={}, headers=customer.headers)
    assert response.status_code == 403 and response.get_json()["code"] == "insufficient_scope"
    assert getattr(client, method)(url, json={}).status_code == 401
    me = client.get("/api/users/me", headers=customer.headers).get_json()
    assert me["roles"] == ["customer"] and me["status"] == "active"


def test_listing_filters_by_role_status_and_search_and_pages(api, client):
    admin = api.admin()
    for n in range(4):
        api.register(f"buyer{n}", email=f"buyer{n}@shop.example")
    seller = api.account("seller1")
    client.post(f"/api/users/{seller.id}/roles/staff", headers=admin.headers)

    def logins(query: str) -> list[str]:
        response = client.get(f"/api/users?{query}", headers=admin.headers)
        assert response.status_code == 200, response.get_json()
        return [user["login"] for user in response.get_json()["items"]]

    assert logins("role=staff") == ["seller1"]
    assert logins("role=admin") == [admin.login]
    assert logins("q=shop.example") == [f"buyer{n}" for n in range(4)]
    assert logins("q=BUYER2") == ["buyer2"]
    assert logins("q=%25") == [], "LIKE wildcards are searched literally"
    page = client.get("/api/users?q=buyer&limit=3", headers=admin.headers).get_json()
    assert len(page["items"]) == 3 and page["next"] == "/api/users?q=buyer&limit=3&offset=3"
    assert client.get(page["next"], headers=admin.headers).get_json()["next"] is None
    client.post(f"/api/users/{seller.id}/disable", json={}, headers=admin.headers)
    assert logins("status=disabled") == ["seller1"]


@pytest.mark.parametrize("query", ["role=emperor", "status=sleeping", "limit=500", "q=", "sort=x"])
def test_bad_listing_queries_are_422(api, client, query):
    admin = api.admin()
    response = client.get(f"/api/users?{query}", headers=admin.headers)
    assert response.status_code == 422 and response.get_json()["code"] == "validation_failed"


def test_grant_and_revoke_roles(api, client):
    admin = api.admin()
    user = api.account()
    granted = client.post(f"/api/users/{user.id}/roles/admin", headers=admin.headers)
    assert granted.get_json()["roles"] == ["admin", "customer"]
    again = client.post(f"/api/users/{user.id}/roles/admin", headers=admin.headers)
    assert again.status_code == 200 and again.get_json()["roles"] == ["admin", "customer"]
    revoked = client.delete(f"/api/users/{user.id}/roles/admin", headers=admin.headers)
    assert revoked.get_json()["roles"] == ["customer"]
    unknown = client.post(f"/api/users/{user.id}/roles/emperor", headers=admin.headers)
    assert unknown.status_code == 404 and unknown.get_json()["code"] == "unknown_role"
    nobody = client.post(f"/api/users/{uuid.uuid4()}/roles/staff", headers=admin.headers)
    assert nobody.status_code == 404 and nobody.get_json()["code"] == "user_not_found"


def test_admin_cannot_lock_themselves_out(api, client):
    admin = api.admin()
    own_role = client.delete(f"/api/users/{admin.id}/roles/admin", headers=admin.headers)
    assert own_role.status_code == 409 and own_role.get_json()["code"] == "self_lockout"
    own_account = client.post(f"/api/users/{admin.id}/disable", json={}, headers=admin.headers)
    assert own_account.status_code == 409


def test_disabled_account_cannot_log_in_refresh_or_use_its_token(api, client):
    admin = api.admin()
    user = api.account()
    response = client.post(
        f"/api/users/{user.id}/disable", json={"reason": "chargebacks"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "disabled"
    assert response.get_json()["disabled_reason"] == "chargebacks"
    login = api.login(user.login)
    assert login.status_code == 403 and login.get_json()["code"] == "account_inactive"
    assert api.login(user.login, "wrong password 1").status_code == 401, "no hint without password"
    refresh = client.post("/api/auth/refresh", json={"refresh_token": user.refresh_token})
    assert refresh.status_code == 401
    me = client.get("/api/users/me", headers=user.headers)
    assert me.status_code == 403 and me.get_json()["code"] == "account_inactive"


def test_disable_takes_a_json_body_and_refuses_a_malformed_one(api, client):
    admin = api.admin()
    user = api.account()
    bad = client.post(f"/api/users/{user.id}/disable", json={"reason": 7}, headers=admin.headers)
    assert bad.status_code == 422
    assert (
        client.get(f"/api/users/{user.id}", headers=admin.headers).get_json()["status"] == "active"
    )
