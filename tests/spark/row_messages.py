# A test notebook (run by run_notebook.py, as the bundle's are): DQX 0.17's apply_checks_by_metadata
# over one table, exiting with every row's _errors and _warnings as (name, message) pairs, rows in
# the order of the widget "order_by" column, so a test can compare them with the app's engines.
import json

from databricks.labs.dqx.engine import DQEngine
from databricks.sdk import WorkspaceClient

table = dbutils.widgets.get("table_name")  # noqa: F821 (supplied by the runner)
checks = json.loads(dbutils.widgets.get("rules"))  # noqa: F821
order_by = dbutils.widgets.get("order_by")  # noqa: F821

annotated = DQEngine(WorkspaceClient()).apply_checks_by_metadata(spark.table(table), checks)  # noqa: F821


def items(results):
    return [{"name": r["name"], "message": r["message"]} for r in results or []]


rows = [
    {"errors": items(row["_errors"]), "warnings": items(row["_warnings"])}
    for row in annotated.orderBy(order_by).select("_errors", "_warnings").collect()
]
dbutils.notebook.exit(json.dumps({"rows": rows}))  # noqa: F821
