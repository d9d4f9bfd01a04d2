"""The password policy: long enough, not trivially guessable, not built from the login."""

MIN_LENGTH, MAX_LENGTH = 10, 128
NOTORIOUS = frozenset(
    {
        "password123",
        "password1234",
        "passw0rd123",
        "welcome123",
        "letmein1234",
        "iloveyou123",
        "qwerty12345",
        "1q2w3e4r5t",
        "mercado123",
    }
)


def policy_violations(password: str, *, login: str, email: str) -> list[str]:
    """Why `password` is not acceptable for this account; empty when it is."""
    reasons = []
    if len(password) < MIN_LENGTH:
        reasons.append(f"must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        reasons.append(f"must be at most {MAX_LENGTH} characters long")
    if not any(c.isalpha() for c in password) or all(c.isalpha() for c in password):
        reasons.append("must mix letters with digits, spaces or symbols")
    lowered = password.lower()
    if lowered in NOTORIOUS or len(set(lowered)) < 4:
        reasons.append("is too easy to guess")
    own_words = {login.lower(), email.lower().partition("@")[0]}
    if any(len(word) >= 3 and word in lowered for word in own_words):
        reasons.append("must not contain the login or the e-mail name")
    return reasons
