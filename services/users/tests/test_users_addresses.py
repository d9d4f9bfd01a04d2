"""A customer's addresses: CRUD, exactly one default, and nobody else's addresses."""

import uuid

import pytest

HOME = {
    "label": "home",
    "street": "Rua Augusta",
    "number": "100",
    "city": "São Paulo",
    "state": "SP",
    "postal_code": "01305-000",
    "country": "BR",
}
WORK = {
    "street": "Avenida Paulista",
    "number": "1578",
    "city": "São Paulo",
    "postal_code": "01310-200",
    "country": "BR",
}
ROOT = "/api/users/me/addresses"


def add(client, account, body):
    response = client.post(ROOT, json=body, headers=account.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def listed(client, account):
    return client.get(ROOT, headers=account.headers).get_json()["items"]


def test_first_address_is_the_default_and_the_default_moves(api, client):
    account = api.account()
    home = add(client, account, HOME)
    work = add(client, account, WORK)
    assert (home["is_default"], work["is_default"]) == (True, False)
    assert home["city"] == "São Paulo" and home["complement"] is None
    moved = client.patch(f"{ROOT}/{work['id']}", json={"is_default": True}, headers=account.headers)
    assert moved.status_code == 200 and moved.get_json()["is_default"] is True
    assert [a["is_default"] for a in listed(client, account)] == [False, True]
    third = add(client, account, {**HOME, "label": "parents", "is_default": True})
    assert [a["id"] for a in listed(client, account) if a["is_default"]] == [third["id"]]


def test_deleting_the_default_promotes_the_oldest_remaining(api, client):
    account = api.account()
    home, work = add(client, account, HOME), add(client, account, WORK)
    third = add(client, account, {**WORK, "label": "gym"})
    client.patch(f"{ROOT}/{third['id']}", json={"is_default": True}, headers=account.headers)
    assert client.delete(f"{ROOT}/{third['id']}", headers=account.headers).status_code == 204
    remaining = listed(client, account)
    assert [a["id"] for a in remaining] == [home["id"], work["id"]]
    assert [a["is_default"] for a in remaining] == [True, False]


def test_change_and_read_one_address(api, client):
    account = api.account()
    home = add(client, account, HOME)
    changed = client.patch(
        f"{ROOT}/{home['id']}",
        json={"complement": "apto 12", "number": None},
        headers=account.headers,
    )
    assert changed.get_json()["complement"] == "apto 12" and changed.get_json()["number"] is None
    one = client.get(f"{ROOT}/{home['id']}", headers=account.headers).get_json()
    assert one == changed.get_json()


def test_address_list_pages(api, client):
    account = api.account()
    for n in range(5):
        add(client, account, {**WORK, "label": f"a{n}"})
    page = client.get(f"{ROOT}?limit=2&offset=2", headers=account.headers).get_json()
    assert [a["label"] for a in page["items"]] == ["a2", "a3"]
    assert page["next"] == f"{ROOT}?limit=2&offset=4"


def test_a_customer_cannot_see_or_touch_another_customers_addresses(api, client):
    owner, intruder = api.account(), api.account()
    home = add(client, owner, HOME)
    path = f"{ROOT}/{home['id']}"
    assert client.get(path, headers=intruder.headers).status_code == 404
    assert client.patch(path, json={"city": "X"}, headers=intruder.headers).status_code == 404
    assert client.delete(path, headers=intruder.headers).status_code == 404
    assert listed(client, intruder) == []
    assert client.get(path, headers=owner.headers).get_json()["city"] == "São Paulo"


@pytest.mark.parametrize(
    "body",
    [
        {**HOME, "country": "Brazil"},
        {**HOME, "street": ""},
        {k: v for k, v in HOME.items() if k != "city"},
        {**HOME, "is_default": "yes"},
        {**HOME, "owner": str(uuid.uuid4())},
    ],
)
def test_malformed_addresses_are_422(api, client, body):
    account = api.account()
    response = client.post(ROOT, json=body, headers=account.headers)
    assert response.status_code == 422 and response.get_json()["code"] == "validation_failed"
    assert listed(client, account) == []


def test_unknown_address_is_404_with_a_code(api, client):
    account = api.account()
    response = client.delete(f"{ROOT}/{uuid.uuid4()}", headers=account.headers)
    assert response.status_code == 404 and response.get_json()["code"] == "address_not_found"
    assert client.get(f"{ROOT}/not-a-uuid", headers=account.headers).status_code == 404


def test_at_most_twenty_addresses(api, client):
    account = api.account()
    for n in range(20):
        add(client, account, {**WORK, "label": f"a{n}"})
    response = client.post(ROOT, json=WORK, headers=account.headers)
    assert response.status_code == 409 and response.get_json()["code"] == "too_many_addresses"


def test_addresses_need_a_token(client):
    assert client.get(ROOT).status_code == 401
    assert client.post(ROOT, json=HOME).status_code == 401
