# A test notebook (run by run_notebook.py, as the bundle's are): DQX 0.17's own DQMetricsObserver
# over one table and rule set, exiting with the summary metrics DQX observed, and whether DQX's
# OBSERVATION_TABLE_SCHEMA accepts the app's metric rows (widget "rows", JSON) as they are.
import json
from datetime import datetime

from databricks.labs.dqx.engine import DQEngine
from databricks.labs.dqx.metrics_observer import OBSERVATION_TABLE_SCHEMA, DQMetricsObserver
from databricks.sdk import WorkspaceClient

table = dbutils.widgets.get("table_name")  # noqa: F821 (supplied by the runner)
checks = json.loads(dbutils.widgets.get("rules"))  # noqa: F821
ours = json.loads(dbutils.widgets.get("rows"))  # noqa: F821

observer = DQMetricsObserver()
engine = DQEngine(WorkspaceClient(), spark=spark, observer=observer)  # noqa: F821
checked, observation = engine.apply_checks_by_metadata(spark.table(table), checks)  # noqa: F821
checked.count()
observed = {k: (v if isinstance(v, str) else int(v)) for k, v in observation.get.items()}

columns = [
    "run_id", "run_name", "input_location", "output_location", "quarantine_location",
    "checks_location", "rule_set_fingerprint", "metric_name", "metric_value", "run_time",
    "error_column_name", "warning_column_name", "user_metadata",
]
rows = []
for row in ours:
    row = dict(row)
    row["run_time"] = datetime.fromisoformat(row["run_time"].replace("Z", "+00:00"))
    rows.append([row[c] for c in columns])
accepted = spark.createDataFrame(rows, schema=OBSERVATION_TABLE_SCHEMA)  # noqa: F821
read_back = {r["metric_name"]: r["metric_value"] for r in accepted.collect()}
dbutils.notebook.exit(json.dumps({"observed": observed, "accepted": read_back}))  # noqa: F821
