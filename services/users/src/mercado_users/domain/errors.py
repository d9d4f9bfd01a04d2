"""What can go wrong in the users domain, named; the edge turns these into HTTP answers."""


class UsersError(Exception):
    """Base of every domain error; the message is for people."""

    code = "users_error"


class LoginTaken(UsersError):
    """Another account already uses this login."""

    code = "login_taken"


class EmailTaken(UsersError):
    """Another account already uses this e-mail address."""

    code = "email_taken"


class WeakPassword(UsersError):
    """The password breaks the password policy; `reasons` says how."""

    code = "weak_password"

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("The password does not meet the password policy.")
        self.reasons = reasons


class InvalidCredentials(UsersError):
    """Login or password is wrong, or the account does not exist: deliberately one error."""

    code = "invalid_credentials"


class AccountInactive(UsersError):
    """The account is disabled or deleted."""

    code = "account_inactive"


class LoginThrottled(UsersError):
    """Too many failed logins for this account or client address; try again later."""

    code = "too_many_failed_logins"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins; try again in {retry_after} s.")
        self.retry_after = retry_after


class InvalidRefreshToken(UsersError):
    """The refresh token is unknown, expired, revoked or already used."""

    code = "invalid_refresh_token"


class UserNotFound(UsersError):
    """No account has this id."""

    code = "user_not_found"


class AddressNotFound(UsersError):
    """The customer has no address with this id."""

    code = "address_not_found"


class TooManyAddresses(UsersError):
    """The customer already has the most addresses allowed."""

    code = "too_many_addresses"


class SelfLockout(UsersError):
    """An administrator tried to disable their own account or drop their own admin role."""

    code = "self_lockout"


class WrongPassword(UsersError):
    """The current password given to confirm a change is wrong."""

    code = "wrong_password"


class AccountDeleted(UsersError):
    """The account was deleted; nothing more can be done with it."""

    code = "account_deleted"
