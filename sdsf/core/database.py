"""Telling "the database is down" from a bug, for pages (503) and commands (a French message).

A driver error (``OperationalError``, ``InterfaceError``) is also what a wrong query or a locked
SQLite file raises: those must keep their traceback. So the error is called an outage only
when a fresh connection cannot even be opened.
"""

from django.db import InterfaceError, OperationalError, connections

CONNECTION_ERRORS = (OperationalError, InterfaceError)
PROBE_TIMEOUT = 3  # seconds

UNAVAILABLE_MESSAGE = (
    "La base de données ne répond pas : l'opération s'est arrêtée sans rien enregistrer "
    "à moitié. Réessayez dans quelques minutes ; si cela dure, prévenez l'administrateur."
)
COMMAND_HINT = (
    "Vérifiez DATABASE_URL et que le serveur de base de données est démarré et joignable."
)


def reachable(alias: str = "default") -> bool:
    """Whether a new connection to the database opens and answers ``SELECT 1``.

    The connection is the driver's own, outside Django's connection and pool: the probe leaves
    any transaction of the caller alone and answers within seconds when the server is away
    (a pool would wait its whole timeout for a connection first).
    """
    connection = connections[alias]
    params = connection.get_connection_params()
    try:
        if connection.vendor == "postgresql":
            raw = connection.Database.connect(**params, connect_timeout=PROBE_TIMEOUT)
        else:
            raw = connection.get_new_connection(params)
        try:
            raw.cursor().execute("SELECT 1")
        finally:
            raw.close()
    except Exception:
        return False
    return True


def is_outage(error: BaseException, alias: str = "default") -> bool:
    return isinstance(error, CONNECTION_ERRORS) and not reachable(alias)
