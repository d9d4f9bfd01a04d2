"""How the inventory API answers its domain errors (the platform writes the problem+json)."""

from mercado_inventory.domain import errors
from mercado_platform.errors import DomainErrors

ERRORS: DomainErrors = {
    errors.InventoryError: 409,
    errors.ProductNotFound: 404,
    errors.InvalidStockLimits: 422,
    errors.DuplicateProduct: 422,
}
