"""What every endpoint of the API shares: its error body, documented in the OpenAPI schema."""

from ninja import Schema


class Message(Schema):
    """The body of every error answer: one French sentence."""

    detail: str


# What every endpoint may answer besides its data: 400 a parameter out of range, 401 no session,
# 403 no permission, 404 a territory or object outside the caller's scope.
ERRORS = {400: Message, 401: Message, 403: Message, 404: Message}
