# Databricks notebook source
# MAGIC %md
# MAGIC # DQX scheduled monitoring (one job per schedule, `dqx-monitor <table>`)
# MAGIC Runs a table's **published** active rule set exactly as a team's pipelines load it (DQX's
# MAGIC `load_checks` from the checks location the app publishes to), applies it with DQX's
# MAGIC `DQMetricsObserver` and appends the summary metrics to DQX's metrics table, then evaluates the
# MAGIC table's alerts with DQX's own actions (loaded from DQX's actions table under the table's
# MAGIC name, their state kept in DQX's action-events table, which the app's manual runs share). It writes metrics only — never rows — and exits with the run's metrics (counts).

# COMMAND ----------

import json
import re

from databricks.labs.dqx.actions.manager import DQActionManager
from databricks.labs.dqx.config import (
    ActionEventsConfig,
    ExtraParams,
    InputConfig,
    OutputConfig,
    TableActionsStorageConfig,
)
from databricks.labs.dqx.engine import DQEngine
from databricks.labs.dqx.metrics_observer import DQMetricsObserver
from databricks.sdk import WorkspaceClient

PARAMETERS = [
    ("table_name", ""),
    ("checks_location", ""),
    ("run_config_name", ""),
    ("metrics_table", ""),
    # "delta" for a Unity Catalog table; a storage path may be written as parquet (tests).
    ("metrics_format", "delta"),
    ("actions_location", ""),
    # DQX's action-events table: alert state (frequency, notify-on) shared with the app's runs.
    ("action_events_location", ""),
    ("owner", ""),
    ("run_id", ""),
]
for name, default in PARAMETERS:
    dbutils.widgets.text(name, default)  # noqa: F821
p = {name: dbutils.widgets.get(name).strip() for name, _ in PARAMETERS}  # noqa: F821

# The observer's name marks these rows as the app's scheduled runs in DQX's metrics table.
RUN_NAME = "dqx-manager-schedule"

# COMMAND ----------


def load_actions(location: str, run_config_name: str, ws: WorkspaceClient) -> list:
    """The table's DQX actions: from DQX's actions table (catalog.schema.table), or a local
    JSON/YAML file (tests); none when no location is set."""
    if not location:
        return []
    if location.startswith("/") and not location.startswith("/Volumes/"):
        return DQActionManager.load_actions_from_local_file(location)
    manager = DQActionManager(ws, spark)  # noqa: F821
    return manager.load_actions(TableActionsStorageConfig(location=location, run_config_name=run_config_name))


# A condition may read a rule's count, `<rule>_error_count` / `<rule>_warning_count`. DQX's
# conditions see only observed metrics, so each is observed as a custom metric counting the rows
# whose results name the rule, as DQX counts a check in check_metrics (0 when no row does).
RULE_COUNT = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)_(error|warning)_count\b")


def rule_count_metrics(loaded: list) -> list[str]:
    """The custom metrics the actions' conditions read, once each."""
    wanted = {}
    for action in loaded:
        for rule, kind in RULE_COUNT.findall(getattr(action, "condition", None) or ""):
            column = "_errors" if kind == "error" else "_warnings"
            name = f"{rule}_{kind}_count"
            wanted[name] = f"count(case when exists({column}, x -> x.name = '{rule}') then 1 end) as {name}"
    return list(wanted.values())


HEALTH_VARIABLE = re.compile(r"\bhealth_[A-Za-z0-9_]+\b")


def reads_health(action) -> bool:
    """Whether the action's condition reads health's variables."""
    return bool(HEALTH_VARIABLE.search(getattr(action, "condition", None) or ""))


ws = WorkspaceClient()
table_name = p["table_name"]
run_config_name = p["run_config_name"] or table_name
# Health's alerts (conditions over health_… variables) are the health job's to evaluate.
actions = [a for a in load_actions(p["actions_location"], table_name, ws) if not reads_health(a)]
# The job passes its run id ({{job.run_id}}), so the metrics rows name the job run.
observer = DQMetricsObserver(name=RUN_NAME, custom_metrics=rule_count_metrics(actions) or None)
metadata = {"dqx_manager.trigger": "schedule"}
if p["owner"]:
    metadata["dqx_manager.owner"] = p["owner"]
engine = DQEngine(
    ws,
    spark=spark,  # noqa: F821
    observer=observer,
    extra_params=ExtraParams(user_metadata=metadata, run_id_overwrite=p["run_id"] or None),
    actions=actions,
    action_events_config=(
        ActionEventsConfig(location=p["action_events_location"], run_config_name=table_name)
        if actions and p["action_events_location"]
        else None
    ),
)

# COMMAND ----------

engine.apply_checks_by_metadata_and_save_in_table(
    input_config=InputConfig(location=table_name),
    metrics_config=OutputConfig(location=p["metrics_table"], format=p["metrics_format"] or "delta", mode="append"),
    checks_location=p["checks_location"],
    run_config_name=run_config_name,
)

# Counts only: what the run observed, for the job's output.
if p["metrics_table"].startswith("/"):
    written = spark.read.format(p["metrics_format"] or "delta").load(p["metrics_table"])  # noqa: F821
else:
    written = spark.table(p["metrics_table"])  # noqa: F821
metrics = {
    row["metric_name"]: row["metric_value"]
    for row in written.where(written.run_id == observer.id).select("metric_name", "metric_value").collect()
}
dbutils.notebook.exit(  # noqa: F821
    json.dumps({"run_id": observer.id, "table_name": table_name, "metrics": metrics, "actions": len(actions)})
)
