"""DQX 0.17's own validate_checks over everything the app wrote, as a pipeline would read it:
argv[1] is a JSON list of {"label", "kind", "value"} where kind is "rules" (a JSON list),
"yaml" or "json" (an export's text) or "file" (a published file, loaded with
FileChecksStorageHandler). Prints one JSON object on its last line: label -> {count, has_errors,
errors}."""
import json
import sys

import yaml
from databricks.labs.dqx.checks_storage import FileChecksStorageHandler
from databricks.labs.dqx.config import FileChecksStorageConfig
from databricks.labs.dqx.engine import DQEngineCore


def checks_of(entry):
    kind, value = entry["kind"], entry["value"]
    if kind == "rules":
        return value
    if kind == "yaml":
        return yaml.safe_load(value)
    if kind == "json":
        return json.loads(value)
    return FileChecksStorageHandler().load(FileChecksStorageConfig(location=value))


verdicts = {}
for entry in json.load(open(sys.argv[1])):
    checks = checks_of(entry)
    status = DQEngineCore.validate_checks(checks)
    verdicts[entry["label"]] = {
        "count": len(checks),
        "has_errors": status.has_errors,
        "errors": [str(e) for e in status.errors],
    }
print(json.dumps(verdicts))
