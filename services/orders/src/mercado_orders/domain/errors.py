"""What can go wrong with an order, in the domain's words."""

from dataclasses import dataclass
from decimal import Decimal


class OrdersError(Exception):
    """Base of every orders domain error."""

    code = "orders_error"


class OrderNotFound(OrdersError):
    """No such order, or not one the caller may see."""

    code = "order_not_found"

    def __init__(self, order_id: str) -> None:
        super().__init__(f"Order {order_id} does not exist.")


class IllegalTransition(OrdersError):
    """The lifecycle does not allow this move from the current status."""

    code = "illegal_transition"

    def __init__(self, order_id: str, current: str, wanted: str) -> None:
        super().__init__(f"Order {order_id} is {current}; it cannot become {wanted}.")
        self.current = current


class OrderNotEditable(OrdersError):
    """Lines can only change while the order is still `received`."""

    code = "order_not_editable"

    def __init__(self, order_id: str, current: str) -> None:
        super().__init__(
            f"Order {order_id} is {current}; its items can only change while it is received."
        )


@dataclass(frozen=True)
class LineProblem:
    """Why one requested line cannot be ordered as asked."""

    product_id: str
    reason: str
    current_price: Decimal | None = None
    available: int | None = None


class OrderRefused(OrdersError):
    """Some lines cannot be ordered as asked; each problem names its line."""

    code = "order_refused"

    def __init__(self, message: str, problems: list[LineProblem]) -> None:
        super().__init__(message)
        self.problems = problems


class UnknownProducts(OrderRefused):
    """A line names a product the catalogue does not have (or no longer sells)."""

    code = "unknown_product"


class PriceChanged(OrderRefused):
    """A line's price is not the catalogue's current price."""

    code = "price_changed"


class InsufficientStock(OrderRefused):
    """Inventory answered that a line cannot be served."""

    code = "insufficient_stock"


class CatalogueUnavailable(OrdersError):
    """Inventory cannot be reached and the local catalogue does not know a product yet."""

    code = "catalogue_unavailable"

    def __init__(self, product_ids: list[str]) -> None:
        super().__init__(
            "Inventory cannot be reached and these products are not known here yet: "
            f"{', '.join(product_ids)}. Try again in a moment."
        )


class IdempotencyKeyReused(OrdersError):
    """The same Idempotency-Key came back with a different request."""

    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used for a different request; use a new key."
        )


class CustomerInactive(OrdersError):
    """The customer's account was disabled or deleted."""

    code = "customer_inactive"

    def __init__(self, customer_id: str, state: str) -> None:
        super().__init__(f"Customer {customer_id} is {state} and cannot place orders.")
