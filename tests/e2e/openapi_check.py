"""Validates an OpenAPI 3.0 document: against the OpenAPI Initiative's JSON Schema for 3.0
(openapi-3.0-schema.json, https://spec.openapis.org/oas/3.0/schema/2021-09-28, through Debian's
python3-jsonschema), plus what a schema cannot say and openapi-spec-validator checks: every
$ref resolves, every {name} of a path is a declared path parameter, operationIds are unique."""

import json
import pathlib
import re

import jsonschema

SCHEMA = json.loads((pathlib.Path(__file__).parent / "openapi-3.0-schema.json").read_text())
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _resolve(doc, ref):
    assert ref.startswith("#/"), f"external $ref {ref!r}"
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"$ref {ref!r} does not resolve"
        node = node[part]
    return node


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def _parameters(doc, item, operation):
    params = []
    for p in item.get("parameters", []) + operation.get("parameters", []):
        params.append(_resolve(doc, p["$ref"]) if "$ref" in p else p)
    return params


def validate(doc):
    """Raises AssertionError (or jsonschema.ValidationError) naming the first problem."""
    validator = jsonschema.Draft4Validator(SCHEMA)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "schema: " + "; ".join(
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:5])
    for ref in _refs(doc):
        _resolve(doc, ref)
    seen_ids = set()
    for path, item in doc["paths"].items():
        templated = set(re.findall(r"{([^}]+)}", path))
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            op_id = operation.get("operationId")
            assert op_id not in seen_ids, f"operationId {op_id!r} used twice"
            seen_ids.add(op_id)
            params = _parameters(doc, item, operation)
            declared = {p["name"] for p in params if p["in"] == "path"}
            assert declared == templated, f"{method.upper()} {path}: path parameters {declared} != {templated}"
            keys = [(p["name"], p["in"]) for p in params]
            assert len(keys) == len(set(keys)), f"{method.upper()} {path}: a parameter is declared twice"
