"""Multipart uploads: a file and its plain form fields parsed as one set of arguments."""

from __future__ import annotations

from typing import Any

import flask
from marshmallow import Schema
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict


class MultipartParser(FlaskParser):
    """webargs' Flask parser, whose "files" location also holds the plain fields of the multipart body.

    OpenAPI has one request body per operation: a schema at location "files" documents the file and
    its fields together as multipart/form-data, so they are parsed together too. A blueprint opts in
    with `blp.ARGUMENTS_PARSER = MultipartParser()`; its JSON and query arguments are parsed as before.
    """

    def load_files(self, req: flask.Request, schema: Schema) -> Any:
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)
