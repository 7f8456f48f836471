"""Errors that are the request's, not the site's.

Datasette answers a table page asked to sort by a column it cannot sort by (one that does
not exist, or one metadata.yml does not offer: ``sortable_columns``) with status 500, as
if the server had failed. It is a bad request: 400, with Datasette's own error page or
JSON error, and the same message.
"""
from __future__ import annotations

from datasette import hookimpl
from datasette.views.base import DatasetteError

_BAD_SORT = "Cannot sort table by "


@hookimpl(tryfirst=True)
def handle_exception(datasette, request, exception):
    if (isinstance(exception, DatasetteError) and exception.status == 500
            and str(exception.message).startswith(_BAD_SORT)):
        exception.status = 400
    return None         # Datasette's handler writes the page, with this status
