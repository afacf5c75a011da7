#!/usr/bin/env python3
"""Validates resources/databricks.yml against the Databricks CLI's own bundle schema, so a typo in
a resource field fails CI rather than a deployment. Skips (exit 0, saying so) when the schema file
is absent, as in a user's clone. Usage: validate_bundle.py [SCHEMA]"""
import json
import os
import sys

import jsonschema
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCHEMA = os.path.join(HERE, "..", "..", "shared", "reference", "bundle-jsonschema.json")


def main() -> int:
    schema_path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SCHEMA
    if not os.path.exists(schema_path):
        print(f"skipped: no bundle schema at {schema_path}")
        return 0
    with open(schema_path, encoding="utf-8") as f:
        # The schema's interpolation patterns use Unicode classes (Go regexp: \p{L}, \p{N}),
        # which Python's re lacks; they are read as ASCII letters and digits.
        text = f.read()
        text = text.replace("[\\\\p{L}\\\\p{N}]", "[a-zA-Z0-9]").replace("\\\\p{L}", "[a-zA-Z]")
        schema = json.loads(text)
    with open(os.path.join(HERE, "databricks.yml"), encoding="utf-8") as f:
        bundle = yaml.safe_load(f)
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(bundle), key=lambda e: list(e.absolute_path))
    for error in errors:
        # Inside oneOf/anyOf, the branch that got furthest names the real problem.
        while error.context:
            error = max(error.context, key=lambda c: len(list(c.absolute_path)))
        place = "/".join(str(p) for p in error.absolute_path) or "(top)"
        print(f"databricks.yml: {place}: {error.message[:300]}", file=sys.stderr)
    # Notebooks named by tasks must exist.
    missing = []
    for job in (bundle.get("resources", {}).get("jobs") or {}).values():
        for task in job.get("tasks", []):
            path = task.get("notebook_task", {}).get("notebook_path")
            if path and not os.path.exists(os.path.join(HERE, path)):
                missing.append(path)
    for path in missing:
        print(f"databricks.yml: notebook {path} does not exist", file=sys.stderr)
    if errors or missing:
        return 1
    print("databricks.yml: valid against the bundle schema")
    return 0


if __name__ == "__main__":
    sys.exit(main())
