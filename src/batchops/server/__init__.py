"""`batchops server`: the REST API and the web page, from one process.

Every route calls the same library functions as the CLI; this package only maps HTTP to
them (and their errors to status codes) and renders what they return.
"""

from batchops.server.app import create_app

__all__ = ["create_app"]
