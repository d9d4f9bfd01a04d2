import pytest
from flask import Blueprint, jsonify
from sqlalchemy import insert, select

from mercado_platform.db import Database
from mercado_platform.migrations import upgrade
from mercado_platform.pagination import PageQuery, fetch_page, page_body
from mercado_platform.service import dependencies
from mercado_platform.validation import validate

from .test_database import VERSIONS, metadata, notes


class NotesQuery(PageQuery):
    contains: str | None = None


@pytest.fixture
def client(make_app, database_url):
    upgrade(database_url, VERSIONS, metadata)
    with Database(database_url).engine.begin() as connection:
        connection.execute(insert(notes), [{"body": f"note {i}"} for i in range(1, 46)])
    blueprint = Blueprint("notes", __name__)

    @blueprint.get("/notes")
    @validate(query=NotesQuery)
    def list_notes(query: NotesQuery):
        statement = select(notes.c.body).order_by(notes.c.id)
        if query.contains:
            statement = statement.where(notes.c.body.contains(query.contains))
        with dependencies()() as uow:  # the test service's dependencies are its units of work
            items, more = fetch_page(uow.session, statement, query)
        return jsonify(page_body(items, query, more))

    return make_app([blueprint], database_url=database_url).test_client()


def test_first_page_uses_the_default_limit_and_links_the_next(client):
    body = client.get("/notes").get_json()
    assert body["items"] == [f"note {i}" for i in range(1, 21)]
    assert (body["limit"], body["offset"]) == (20, 0)
    assert body["next"] == "/notes?offset=20"


def test_following_next_links_walks_every_item_once(client):
    seen, url, pages = [], "/notes?limit=20&contains=note", 0
    while url:
        body = client.get(url).get_json()
        seen += body["items"]
        url, pages = body["next"], pages + 1
    assert seen == [f"note {i}" for i in range(1, 46)]
    assert pages == 3


def test_filters_are_kept_in_the_next_link(client):
    body = client.get("/notes?contains=note%201&limit=5").get_json()
    assert body["items"] == ["note 1", "note 10", "note 11", "note 12", "note 13"]
    assert body["next"] == "/notes?contains=note+1&limit=5&offset=5"


def test_last_page_has_no_next(client):
    body = client.get("/notes?offset=40&limit=10").get_json()
    assert body["items"] == [f"note {i}" for i in range(41, 46)]
    assert body["next"] is None


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "limit=ten"])
def test_out_of_range_paging_is_a_422(client, query):
    response = client.get(f"/notes?{query}")
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_failed"
