"""The customer.* events, shaped exactly as their contracts say."""

from mercado_platform.messaging.events import Event
from mercado_users.domain.addresses import Address
from mercado_users.domain.model import User

SOURCE = "/mercado/users"


def _event(event_type: str, customer_id: str, data: dict) -> Event:
    return Event(event_type, {"customer_id": customer_id, **data}, SOURCE, subject=customer_id)


def _profile(user: User) -> dict:
    return {
        "login": user.login,
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
    }


def registered(user: User) -> Event:
    """customer.registered: a new account."""
    return _event("customer.registered", user.id, _profile(user))


def updated(user: User) -> Event:
    """customer.updated: the whole current profile."""
    return _event("customer.updated", user.id, _profile(user))


def addresses_changed(user_id: str, addresses: list[Address]) -> Event:
    """customer.address_changed: the whole current address list."""
    return _event(
        "customer.address_changed",
        user_id,
        {"addresses": [address_data(address) for address in addresses]},
    )


def disabled(user: User) -> Event:
    """customer.disabled, with the administrator's reason when one was given."""
    reason = {"reason": user.disabled_reason} if user.disabled_reason else {}
    return _event("customer.disabled", user.id, reason)


def deleted(user_id: str) -> Event:
    """customer.deleted: every read model erases the customer's personal data."""
    return _event("customer.deleted", user_id, {})


def address_data(address: Address) -> dict:
    """One address as events carry it."""
    return {
        "address_id": address.id,
        "label": address.label,
        "street": address.street,
        "number": address.number,
        "complement": address.complement,
        "city": address.city,
        "state": address.state,
        "postal_code": address.postal_code,
        "country": address.country,
        "is_default": address.is_default,
    }
