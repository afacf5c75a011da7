# Databricks notebook source
# MAGIC %md
# MAGIC # DQX rule validation (job `dqx-validate-rules`)
# MAGIC Applies DQX rules to a table and returns the validation document of ARCHITECTURE §5. The table is
# MAGIC read once (cached); violations are counted per **rule name** from DQX's `_errors` and
# MAGIC `_warnings` columns in one aggregation. The job runs as the app's service principal, so its
# MAGIC document carries **counts only**: the app reads sample rows again as the user on the SQL
# MAGIC warehouse, where Unity Catalog applies the user's own masks and row filters.

# COMMAND ----------

import json
import time
from datetime import datetime, timezone

from databricks.labs.dqx.engine import DQEngine
from databricks.sdk import WorkspaceClient
from pyspark.sql import functions as F

from dqx_results import validation_document

for name, default in [("table_name", ""), ("rules", "[]"), ("requested_by", "")]:
    dbutils.widgets.text(name, default)  # noqa: F821

table_name = dbutils.widgets.get("table_name")  # noqa: F821
rules = json.loads(dbutils.widgets.get("rules") or "[]")  # noqa: F821

# COMMAND ----------

started = time.time()
engine = DQEngine(WorkspaceClient())
status = engine.validate_checks(rules)
if status.has_errors:
    dbutils.notebook.exit(json.dumps({"success": False, "table_name": table_name, "error": str(status)}))  # noqa: F821

source = spark.table(table_name)  # noqa: F821
annotated = engine.apply_checks_by_metadata(source, rules).cache()
empty = F.array().cast("array<struct<name:string,message:string>>")
errors = F.coalesce(F.col("_errors"), empty)
warnings = F.coalesce(F.col("_warnings"), empty)

totals = annotated.agg(
    F.count(F.lit(1)).alias("rows"),
    F.sum(F.when(F.size(errors) > 0, 1).otherwise(0)).alias("invalid"),
    F.sum(F.when((F.size(errors) == 0) & (F.size(warnings) > 0), 1).otherwise(0)).alias("warned"),
).first()

# One row per (row, rule it violated); counted per name (a name counts once per row, as DQX).
hits = annotated.select(F.monotonically_increasing_id().alias("__row"), F.explode(F.concat(errors, warnings)).alias("hit"))
per_name = hits.select("__row", F.col("hit.name").alias("__rule")).distinct().groupBy("__rule").count()
violations = {row["__rule"]: int(row["count"]) for row in per_name.collect()}

resolved = [getattr(r, "name", None) for r in getattr(engine, "build_checks_by_metadata", lambda c: [])(rules)] if hasattr(engine, "build_checks_by_metadata") else []
document = validation_document(
    table_name=table_name,
    rules=rules,
    resolved_names=resolved,
    total_rows=int(totals["rows"]),
    invalid_rows=int(totals["invalid"] or 0),
    rows_with_warnings=int(totals["warned"] or 0),
    violations_by_name=violations,
    samples_by_name={},
    validated_at=datetime.now(timezone.utc).isoformat(),
    duration_ms=int((time.time() - started) * 1000),
)
annotated.unpersist()
dbutils.notebook.exit(json.dumps(document, default=str))  # noqa: F821
