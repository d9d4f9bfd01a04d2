"""What can go wrong in the inventory, named; the HTTP edge turns these into problems."""


class InventoryError(Exception):
    """Base of the inventory's own errors; `code` is stable for clients."""

    code = "inventory_error"


class ProductNotFound(InventoryError):
    code = "product_not_found"


class DuplicateSku(InventoryError):
    code = "duplicate_sku"


class InvalidStockLimits(InventoryError):
    code = "invalid_stock_limits"


class ExceedsMaximum(InventoryError):
    code = "exceeds_maximum"


class BelowReserved(InventoryError):
    code = "below_reserved"


class ProductHasReservations(InventoryError):
    code = "product_has_reservations"


class DuplicateProduct(InventoryError):
    code = "duplicate_product"


class ReservationNotFound(InventoryError):
    code = "reservation_not_found"


class CannotCommit(InventoryError):
    code = "cannot_commit"
