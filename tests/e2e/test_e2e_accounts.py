"""Users as a client meets them: register, log in, permissions, profile and addresses."""

from .client import PASSWORD, Client, register


def test_register_login_and_own_profile(api, customer):
    me = customer.get("/api/users/me")
    assert me.status_code == 200
    assert (me.json()["id"], me.json()["login"]) == (customer.id, customer.login)
    again = Client(api).post(
        "/api/users",
        json={
            "login": customer.login.upper(),
            "email": "other@example.com",
            "password": PASSWORD,
            "full_name": "X",
        },
    )
    assert (again.status_code, again.json()["code"]) == (409, "login_taken")
    wrong = Client(api).post(
        "/api/auth/token", json={"login": customer.login, "password": "x" * 12}
    )
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_credentials")


def test_permissions_follow_roles(api, admin, customer):
    assert Client(api).get("/api/orders").status_code == 401
    refused = customer.post("/api/products", json={"sku": "nope", "name": "n", "price": "1.00"})
    assert refused.status_code == 403
    assert customer.get("/api/users").status_code == 403
    assert admin.post(f"/api/users/{customer.id}/roles/staff").status_code in (200, 204)
    fresh = Client(api).post("/api/auth/refresh", json={"refresh_token": customer.refresh})
    assert fresh.status_code == 200, fresh.text
    assert "inventory:write" in fresh.json()["scope"].split()


def test_addresses_keep_exactly_one_default(customer):
    home = {"street": "Rua A", "number": "10", "city": "Recife", "postal_code": "50000-000"}
    first = customer.post("/api/users/me/addresses", json={**home, "country": "BR"})
    assert first.status_code == 201, first.text
    second = customer.post(
        "/api/users/me/addresses", json={**home, "street": "Rua B", "country": "BR"}
    )
    assert second.status_code == 201
    listed = customer.get("/api/users/me/addresses").json()["items"]
    assert [a["is_default"] for a in listed].count(True) == 1
    assert next(a for a in listed if a["is_default"])["id"] == first.json()["id"]


def test_new_customers_are_separate_people(api):
    one, other = register(api), register(api)
    assert one.id != other.id
