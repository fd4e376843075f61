"""Small documents for engine tests: one OpenAPI description with many operations."""

from __future__ import annotations

import textwrap
from pathlib import Path

OPENAPI = """
openapi: 3.0.3
info: {title: Pets, version: '1'}
servers:
- url: https://api.example.com/v1
paths:
  /pets:
    get:
      operationId: listPets
      parameters:
      - {name: tags, in: query, schema: {type: array, items: {type: string}}}
      - {name: limit, in: query, schema: {type: integer}}
      responses: {'200': {description: ok}}
    post:
      operationId: createPet
      requestBody:
        content:
          application/json: {schema: {type: object}}
      responses: {'201': {description: created}}
  /pets/{petId}:
    parameters:
    - {name: petId, in: path, required: true, schema: {type: string}}
    get:
      operationId: getPet
      responses: {'200': {description: ok}}
    delete:
      operationId: deletePet
      responses: {'204': {description: gone}}
  /status:
    get:
      operationId: getStatus
      responses: {'200': {description: ok}}
  /login:
    post:
      operationId: login
      requestBody:
        content:
          application/x-www-form-urlencoded: {schema: {type: object}}
      responses: {'200': {description: ok}}
  /upload:
    post:
      operationId: upload
      requestBody:
        content:
          multipart/form-data: {schema: {type: object}}
      responses: {'200': {description: ok}}
  /text:
    post:
      operationId: postText
      requestBody:
        content:
          text/plain: {schema: {type: string}}
      responses: {'200': {description: ok}}
  /xml:
    post:
      operationId: postXml
      requestBody:
        content:
          application/xml: {schema: {type: string}}
      responses: {'200': {description: ok}}
  /styles/{simple}/{label}/{matrix}:
    get:
      operationId: pathStyles
      parameters:
      - {name: simple, in: path, required: true, style: simple, explode: false}
      - {name: label, in: path, required: true, style: label, explode: false}
      - {name: matrix, in: path, required: true, style: matrix, explode: true}
      responses: {'200': {description: ok}}
  /query:
    get:
      operationId: queryStyles
      parameters:
      - {name: formNo, in: query, style: form, explode: false}
      - {name: formYes, in: query, style: form, explode: true}
      - {name: space, in: query, style: spaceDelimited, explode: false}
      - {name: pipe, in: query, style: pipeDelimited, explode: false}
      - {name: deep, in: query, style: deepObject, explode: true}
      - {name: reserved, in: query, allowReserved: true}
      - {name: plain, in: query}
      - name: filter
        in: query
        content:
          application/json: {schema: {type: object}}
      responses: {'200': {description: ok}}
  /headers:
    get:
      operationId: headerStyles
      parameters:
      - {name: X-Obj, in: header, explode: true}
      - {name: X-List, in: header}
      - {name: session, in: cookie}
      responses: {'200': {description: ok}}
"""


def write(tmp_path: Path, arazzo: str, openapi: str = OPENAPI, name: str = "wf.arazzo.yaml"
          ) -> Path:
    (tmp_path / "api.openapi.yaml").write_text(textwrap.dedent(openapi))
    path = tmp_path / name
    path.write_text(textwrap.dedent(arazzo))
    return path


HEADER = """\
arazzo: 1.0.1
info: {title: test, version: '1'}
sourceDescriptions:
- {name: api, url: ./api.openapi.yaml, type: openapi}
"""


def doc(tmp_path: Path, body: str, *, header: str = HEADER, openapi: str = OPENAPI) -> Path:
    """``header`` + ``body`` (dedented) written next to the OpenAPI description."""
    return write(tmp_path, header + textwrap.dedent(body), openapi)
