"""inventory's gRPC API (mercado.inventory.v1.Inventory): the availability check orders
asks before it accepts an order, and one product; public, as their REST twins are."""

from typing import Any

from mercado.inventory.v1 import inventory_pb2, inventory_pb2_grpc
from mercado_inventory.domain.products import Product
from mercado_inventory.domain.reservations import Line
from mercado_inventory.entrypoints.schemas import AvailabilityCheck, availability_json
from mercado_inventory.service_layer import catalogue, stock
from mercado_inventory.service_layer.dependencies import Dependencies
from mercado_platform.rpc.calls import parse, resource_id
from mercado_platform.rpc.messages import timestamp
from mercado_platform.service import GrpcService


class InventoryServicer(inventory_pb2_grpc.InventoryServicer):
    """The same use cases as the REST views, messages in and out."""

    def __init__(self, inventory: Dependencies) -> None:
        self.inventory = inventory

    def CheckAvailability(  # noqa: N802 (the generated base class names it)
        self, request: inventory_pb2.CheckAvailabilityRequest, _context: Any
    ) -> inventory_pb2.CheckAvailabilityResponse:
        """Whether each line could be reserved now, with the current price."""
        items = [{"product_id": i.product_id, "quantity": i.quantity} for i in request.items]
        body = parse(AvailabilityCheck, {"items": items})
        lines = [Line(str(item.product_id), item.quantity) for item in body.items]
        answers = stock.check_availability(self.inventory.uow(), lines)
        found = [inventory_pb2.LineAvailability(**availability_json(a)) for a in answers]
        return inventory_pb2.CheckAvailabilityResponse(
            available=all(line.available for line in found), items=found
        )

    def GetProduct(  # noqa: N802
        self, request: inventory_pb2.GetProductRequest, _context: Any
    ) -> inventory_pb2.Product:
        """One product with its stock levels."""
        product_id = resource_id(request.product_id, "product_id")
        return product_message(catalogue.get_product(self.inventory.uow(), product_id))


def product_message(product: Product) -> inventory_pb2.Product:
    """A product as the gRPC API shows it (REST's product_json, field for field)."""
    return inventory_pb2.Product(
        id=product.id,
        sku=product.sku,
        name=product.name,
        description=product.description,
        price=str(product.price),
        active=product.active,
        on_hand=product.on_hand,
        reserved=product.reserved,
        available=product.available,
        minimum=product.minimum,
        maximum=product.maximum,
        created_at=timestamp(product.created_at),
        updated_at=timestamp(product.updated_at),
    )


INVENTORY = GrpcService(
    inventory_pb2.DESCRIPTOR.services_by_name["Inventory"],
    inventory_pb2_grpc.add_InventoryServicer_to_server,
    InventoryServicer,
)
