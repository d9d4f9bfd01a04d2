"""What can go wrong in the users domain, named; the edge turns these into HTTP answers."""


class UsersError(Exception):
    """Base of every domain error; the message is for people."""


class LoginTaken(UsersError):
    """Another account already uses this login."""


class EmailTaken(UsersError):
    """Another account already uses this e-mail address."""


class WeakPassword(UsersError):
    """The password breaks the password policy; `reasons` says how."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("The password does not meet the password policy.")
        self.reasons = reasons


class InvalidCredentials(UsersError):
    """Login or password is wrong, or the account does not exist: deliberately one error."""


class AccountInactive(UsersError):
    """The account is disabled or deleted."""


class LoginThrottled(UsersError):
    """Too many failed logins for this account or client address; try again later."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins; try again in {retry_after} s.")
        self.retry_after = retry_after


class InvalidRefreshToken(UsersError):
    """The refresh token is unknown, expired, revoked or already used."""


class UserNotFound(UsersError):
    """No account has this id."""


class AddressNotFound(UsersError):
    """The customer has no address with this id."""


class TooManyAddresses(UsersError):
    """The customer already has the most addresses allowed."""


class SelfLockout(UsersError):
    """An administrator tried to disable their own account or drop their own admin role."""


class WrongPassword(UsersError):
    """The current password given to confirm a change is wrong."""


class AccountDeleted(UsersError):
    """The account was deleted; nothing more can be done with it."""
