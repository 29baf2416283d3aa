from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from sidos.accounts.actions import user_for_token


class BearerToken(HttpBearer):
    """Authorization: Bearer <token>, tokens from `sidos create-api-token`."""

    def authenticate(self, request, token):
        user = user_for_token(token)
        if user is None:
            return None
        request.user = user
        return user


def require_permission(request, permission: str) -> None:
    """403 unless the token's user has the Django permission; roles grant them as in the staff app."""
    if not request.auth.has_perm(permission):
        raise AuthorizationError(message=f"you need the {permission} permission for this")
