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
# DQX leaves `_errors` / `_warnings` NULL on rows without any; count hits per row as 0 then.
error_hits = F.when(F.col("_errors").isNull(), 0).otherwise(F.size("_errors"))
warning_hits = F.when(F.col("_warnings").isNull(), 0).otherwise(F.size("_warnings"))

totals = annotated.agg(
    F.count(F.lit(1)).alias("rows"),
    F.sum(F.when(error_hits > 0, 1).otherwise(0)).alias("invalid"),
    F.sum(F.when((error_hits == 0) & (warning_hits > 0), 1).otherwise(0)).alias("warned"),
).first()

# One row per (row, rule it violated); counted per name (a name counts once per row, as DQX).
numbered = annotated.select(F.monotonically_increasing_id().alias("__row"), "_errors", "_warnings")
hits = numbered.select("__row", F.explode("_errors").alias("hit")).unionByName(
    numbered.select("__row", F.explode("_warnings").alias("hit"))
)
per_name = hits.select("__row", F.col("hit.name").alias("__rule")).distinct().groupBy("__rule").count()
violations = {row["__rule"]: int(row["count"]) for row in per_name.collect()}

# The app names every rule (DQX's default names, resolved before the job starts), so counts are
# looked up by the names the rules carry.
document = validation_document(
    table_name=table_name,
    rules=rules,
    resolved_names=[],
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
