"""The one place where the inventory's domain errors become HTTP problems."""

from flask import Blueprint, Response

from mercado_inventory.domain import errors
from mercado_platform.errors import problem

STATUS = {
    errors.ProductNotFound: 404,
    errors.DuplicateSku: 409,
    errors.ExceedsMaximum: 409,
    errors.BelowReserved: 409,
    errors.ProductHasReservations: 409,
    errors.InvalidStockLimits: 422,
    errors.DuplicateProduct: 422,
}


def answer_domain_errors(blueprint: Blueprint) -> Blueprint:
    """Make `blueprint` answer the inventory's errors as problem+json with their code."""

    def as_problem(exc: errors.InventoryError) -> Response:
        return problem(STATUS.get(type(exc), 409), exc.code, str(exc))

    blueprint.register_error_handler(errors.InventoryError, as_problem)
    return blueprint
