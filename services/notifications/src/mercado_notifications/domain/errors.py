"""Named failures of the notifications domain."""


class NotificationsError(Exception):
    """Base of the notifications service's own errors."""


class NotificationNotFound(NotificationsError):
    """No notification with this id that the caller may see."""

    code = "notification_not_found"

    def __init__(self, notification_id: str) -> None:
        super().__init__(f"There is no notification {notification_id} for you.")


class DeliveryFailed(NotificationsError):
    """The mail server did not take the message; `permanent` when retrying cannot help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent
