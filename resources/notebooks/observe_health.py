# Databricks notebook source
# MAGIC %md
# MAGIC # DQX health observation (one job per health scope, `dqx-health <scope>`)
# MAGIC Observes each table the app listed for the scope — tables its owner could read, none with a
# MAGIC row filter or column mask — with one cheap pass: when its data last changed (Delta history;
# MAGIC maintenance such as OPTIMIZE is not a change), its row count, its columns, and one sampled
# MAGIC statement of null, distinct and mean figures. Each observation is appended to DQX's metrics
# MAGIC table (`OBSERVATION_TABLE_SCHEMA`) as `health.*` metrics under the run name
# MAGIC `dqx-manager-health`, which the app reads back and judges against each table's history.
# MAGIC Counts and figures only — never rows.

# COMMAND ----------

import datetime
import json
import re

from databricks.labs.dqx.actions.manager import DQActionManager
from databricks.labs.dqx.config import ActionEventsConfig, ExtraParams, TableActionsStorageConfig
from databricks.labs.dqx.engine import DQEngine
from databricks.labs.dqx.metrics_observer import OBSERVATION_TABLE_SCHEMA, DQMetricsObserver
from databricks.sdk import WorkspaceClient

PARAMETERS = [
    ("scope_id", ""),
    ("scope", ""),
    ("owner", ""),
    # The app's list of tables (JSON); nothing else is read.
    ("tables", "[]"),
    ("metrics_table", ""),
    # "delta" for a Unity Catalog table; a storage path may be written as parquet (tests).
    ("metrics_format", "delta"),
    # DQX's actions and action-events tables: the tables' health alerts (empty: none).
    ("actions_location", ""),
    ("action_events_location", ""),
    ("run_id", ""),
]
for name, default in PARAMETERS:
    dbutils.widgets.text(name, default)  # noqa: F821
p = {name: dbutils.widgets.get(name).strip() for name, _ in PARAMETERS}  # noqa: F821

# The same names the app writes and reads (src/model/health/metrics.rs).
RUN_NAME = "dqx-manager-health"
HISTORY_ENTRIES = 30
SAMPLE_ROWS = 100_000
MAX_COLUMNS = 200
NUMERIC = re.compile(r"^(tinyint|smallint|int|bigint|float|double|decimal)\b")
NO_DATA_CHANGE = re.compile(
    r"^(OPTIMIZE|VACUUM|REORG|FSCK|UPGRADE|SET |UNSET |ALTER |ANALYZE|COMPUTE STATISTICS)|TBLPROPERTIES|COLUMN|CONSTRAINT|PROTOCOL"
)
# What an observation shows by itself, for DQX's actions (src/model/health/alerting.rs).
JOB_VARIABLES = {"health_row_count", "health_minutes_since_change"}
HEALTH_VARIABLE = re.compile(r"\bhealth_[A-Za-z0-9_]+\b")
TABLE_NAME = re.compile(r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+$")

# COMMAND ----------


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def quoted_table(table: str) -> str:
    return ".".join(quote(part) for part in table.split("."))


def change_times(table: str) -> list:
    """Times (seconds since the epoch) of the data changes in the table's recent Delta history;
    none for a table without one (a view, a foreign table)."""
    try:
        history = spark.sql(f"DESCRIBE HISTORY {quoted_table(table)} LIMIT {HISTORY_ENTRIES}").collect()  # noqa: F821
    except Exception:  # noqa: BLE001 - no Delta history: freshness learns nothing, the rest stands
        return []
    times = set()
    for entry in history:
        operation = (entry["operation"] or "").strip().upper()
        if NO_DATA_CHANGE.search(operation) or entry["timestamp"] is None:
            continue
        stamp = entry["timestamp"]
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=datetime.timezone.utc)
        times.add(int(stamp.timestamp()))
    return sorted(times)


def observe(table: str, observed_at: int) -> dict:
    """One observation: the metric names and values the app reads."""
    fields = spark.table(quoted_table(table)).schema.fields  # noqa: F821
    columns = [{"name": f.name, "data_type": f.dataType.simpleString(), "nullable": f.nullable} for f in fields]
    row_count = spark.sql(f"SELECT count(*) AS n FROM {quoted_table(table)}").collect()[0]["n"]  # noqa: F821
    measured = columns[:MAX_COLUMNS]
    figures = ["count(*) AS n"]
    for i, c in enumerate(measured):
        q = quote(c["name"])
        figures += [f"count({q}) AS c{i}", f"approx_count_distinct({q}) AS d{i}"]
        figures.append(f"avg(CAST({q} AS DOUBLE)) AS m{i}" if NUMERIC.match(c["data_type"]) else f"CAST(NULL AS DOUBLE) AS m{i}")
    projection = ", ".join(quote(c["name"]) for c in measured) or "1 AS one"
    sample = spark.sql(  # noqa: F821
        f"SELECT {', '.join(figures)} FROM (SELECT {projection} FROM {quoted_table(table)} LIMIT {SAMPLE_ROWS}) AS s"
    ).collect()[0]
    sampled = sample["n"] or 0
    metrics = {
        "health.row_count": str(row_count),
        "health.sampled_rows": str(sampled),
        "health.columns": json.dumps(columns, separators=(",", ":")),
    }
    changes = change_times(table)
    if changes:
        metrics["health.last_change"] = str(changes[-1])
        metrics["health.minutes_since_change"] = str(max(observed_at - changes[-1], 0) // 60)
        metrics["health.changes"] = json.dumps(changes)
    if sampled:
        for i, c in enumerate(measured):
            non_null = min(sample[f"c{i}"] or 0, sampled)
            prefix = f"health.column.{c['name']}."
            metrics[prefix + "null_rate"] = repr((sampled - non_null) / sampled)
            if non_null:
                metrics[prefix + "distinct_ratio"] = repr(min((sample[f"d{i}"] or 0) / non_null, 1.0))
            if sample[f"m{i}"] is not None:
                metrics[prefix + "mean"] = repr(float(sample[f"m{i}"]))
    return metrics


def health_actions(table: str, ws) -> list:
    """The table's DQX actions whose conditions read health's variables (only those the job
    gives; the app refuses the others in a workspace)."""
    location = p["actions_location"]
    if not location:
        return []
    if location.startswith("/") and not location.startswith("/Volumes/"):
        loaded = DQActionManager.load_actions_from_local_file(location)
    else:
        manager = DQActionManager(ws, spark)  # noqa: F821
        loaded = manager.load_actions(TableActionsStorageConfig(location=location, run_config_name=table))
    out = []
    for action in loaded:
        names = set(HEALTH_VARIABLE.findall(getattr(action, "condition", None) or ""))
        if names and names <= JOB_VARIABLES:
            out.append(action)
    return out


def alert(table: str, observed: dict, ws) -> int:
    """Evaluates the table's health alerts over this observation with DQX's own actions (their
    frequency and status-change state kept in DQX's action-events table); how many fired."""
    variables = {"health_row_count": int(observed["health.row_count"])}
    if "health.minutes_since_change" in observed:
        variables["health_minutes_since_change"] = int(observed["health.minutes_since_change"])
    # An alert on what this observation could not tell (no Delta history: no staleness) waits.
    actions = [
        a
        for a in health_actions(table, ws)
        if set(HEALTH_VARIABLE.findall(getattr(a, "condition", None) or "")) <= variables.keys()
    ]
    if not actions:
        return 0
    engine = DQEngine(
        ws,
        spark=spark,  # noqa: F821
        # DQX evaluates actions only with an observer; health's metrics are the ones given below.
        observer=DQMetricsObserver(name=RUN_NAME),
        extra_params=ExtraParams(
            user_metadata={"dqx_manager.trigger": "schedule"}, run_id_overwrite=run_id, run_time_overwrite=now.isoformat()
        ),
        actions=actions,
        action_events_config=(
            ActionEventsConfig(location=p["action_events_location"], run_config_name=table)
            if p["action_events_location"]
            else None
        ),
    )
    return len(engine.evaluate_actions(variables, input_location=table))


# COMMAND ----------

tables = [t for t in json.loads(p["tables"] or "[]") if TABLE_NAME.match(t)]
now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
run_id = f"health-{p['scope_id']}-{p['run_id'] or int(now.timestamp())}"
ws = WorkspaceClient()
rows, failed, observations = [], {}, {}
for table in tables:
    try:
        observed = observe(table, int(now.timestamp()))
    except Exception as error:  # noqa: BLE001 - one table's failure does not stop the others
        failed[table] = str(error).splitlines()[0][:300] if str(error) else type(error).__name__
        continue
    observations[table] = observed
    for metric_name, metric_value in observed.items():
        rows.append(
            (run_id, RUN_NAME, table, None, None, None, None, metric_name, metric_value,
             now, "_errors", "_warnings",
             {"dqx_manager.trigger": "schedule", "dqx_manager.owner": p["owner"]})
        )

if rows:
    frame = spark.createDataFrame(rows, schema=OBSERVATION_TABLE_SCHEMA)  # noqa: F821
    if p["metrics_format"] == "parquet":
        frame.write.format("parquet").mode("append").save(p["metrics_table"])
    else:
        frame.write.format("delta").mode("append").saveAsTable(p["metrics_table"])

# Alerts once the observations are kept, so an alert always points at a stored observation.
fired, alert_errors = 0, {}
for table, observed in observations.items():
    try:
        fired += alert(table, observed, ws)
    except Exception as error:  # noqa: BLE001 - one table's alerts do not stop the others'
        alert_errors[table] = str(error).splitlines()[0][:300] if str(error) else type(error).__name__

if tables and len(failed) == len(tables):
    raise RuntimeError(f"no table could be observed: {json.dumps(failed)[:1000]}")

dbutils.notebook.exit(  # noqa: F821
    json.dumps({"run_id": run_id, "observed": len(tables) - len(failed), "failed": failed, "rows": len(rows), "fired": fired, "alert_errors": alert_errors})
)
