"""`/api/users/me/addresses`: a customer's own addresses, one of them the default."""

from flask import Blueprint, Response, jsonify

from mercado_platform.auth import requires
from mercado_platform.openapi import answers
from mercado_platform.pagination import PageQuery, page_body
from mercado_platform.service import dependencies
from mercado_platform.validation import validate
from mercado_users.domain.addresses import Address
from mercado_users.domain.errors import (
    AccountInactive,
    AddressNotFound,
    TooManyAddresses,
    UserNotFound,
)
from mercado_users.entrypoints.context import address_body, caller_id
from mercado_users.entrypoints.schemas import AddressChanges, NewAddress
from mercado_users.service_layer import addresses
from mercado_users.service_layer.dependencies import Dependencies

ROOT = "/api/users/me/addresses"
blueprint = Blueprint("addresses", __name__)
ADDRESS_LINKS = {
    operation: {"address_id": "$response.body#/id"}
    for operation in (
        "addresses.get_address",
        "addresses.change_address",
        "addresses.delete_address",
    )
}


@blueprint.get(ROOT)
@requires("profile")
@validate(query=PageQuery)
@answers(200, UserNotFound, AccountInactive)
def list_addresses(query: PageQuery) -> Response:
    """The caller's addresses, oldest first, a page at a time."""
    users: Dependencies = dependencies()
    book = addresses.list_addresses(users.uow(), caller_id())
    page = book[query.offset : query.offset + query.limit]
    more = len(book) > query.offset + query.limit
    return jsonify(page_body([address_body(a) for a in page], query, more))


@blueprint.post(ROOT)
@requires("profile")
@validate(body=NewAddress)
@answers(201, UserNotFound, AccountInactive, TooManyAddresses, links=ADDRESS_LINKS)
def add_address(body: NewAddress) -> tuple[Response, int, dict[str, str]]:
    """Add an address; the first one, or one sent with `is_default: true`, is the default."""
    users: Dependencies = dependencies()
    address = addresses.add_address(users.uow(), caller_id(), Address(**body.model_dump()))
    return jsonify(address_body(address)), 201, {"Location": f"{ROOT}/{address.id}"}


@blueprint.get(f"{ROOT}/<id:address_id>")
@requires("profile")
@answers(200, UserNotFound, AccountInactive, AddressNotFound)
def get_address(address_id: str) -> Response:
    """One of the caller's addresses."""
    users: Dependencies = dependencies()
    return jsonify(address_body(addresses.get_address(users.uow(), caller_id(), address_id)))


@blueprint.patch(f"{ROOT}/<id:address_id>")
@requires("profile")
@validate(body=AddressChanges)
@answers(200, UserNotFound, AccountInactive, AddressNotFound)
def change_address(address_id: str, body: AddressChanges) -> Response:
    """Change an address; `is_default: true` makes it the default."""
    users: Dependencies = dependencies()
    changes = body.model_dump(exclude_unset=True)
    address = addresses.change_address(users.uow(), caller_id(), address_id, changes)
    return jsonify(address_body(address))


@blueprint.delete(f"{ROOT}/<id:address_id>")
@requires("profile")
@answers(204, UserNotFound, AccountInactive, AddressNotFound)
def delete_address(address_id: str) -> tuple[str, int]:
    """Delete an address; if it was the default, the oldest remaining one takes over."""
    users: Dependencies = dependencies()
    addresses.remove_address(users.uow(), caller_id(), address_id)
    return "", 204
