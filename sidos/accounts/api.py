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
