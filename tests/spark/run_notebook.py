"""Runs one of the bundle's job notebooks for real on a local Spark session with DQX 0.17, for the
job tests: reads {"notebook", "params", "tables": {"db.table": "/path.parquet"}} as JSON on stdin,
registers the tables, runs "statements" ([{"sql", "args"}], the app's own SQL) (optionally working
in "cwd", and letting DQX's actions reach a local webhook receiver with "allow_loopback_webhooks"), supplies the `spark` and `dbutils` (widgets, notebook.exit) the Databricks
runtime would, executes the notebook's source and prints its exit document as JSON — with, for a
generation document, DQX's own `validate_checks` verdict on the rules it returned."""

import json
import os
import sys
from unittest.mock import MagicMock

from pyspark.sql import SparkSession


class NotebookExit(Exception):
    def __init__(self, value):
        super().__init__("notebook exit")
        self.value = value


class Widgets:
    def __init__(self, params):
        self.params = params
        self.defaults = {}

    def text(self, name, default, *_):
        self.defaults[name] = default

    def get(self, name):
        return self.params.get(name, self.defaults.get(name, ""))


class Notebook:
    @staticmethod
    def exit(value):
        raise NotebookExit(value)


class DbUtils:
    def __init__(self, params):
        self.widgets = Widgets(params)
        self.notebook = Notebook()


def allow_loopback_webhooks():
    """Lets DQX's actions deliver to a receiver on this machine over http (the app's
    DQX_WEBHOOK_ALLOW_LOOPBACK, for tests): DQX's URL guard, called by its webhook client, is
    switched off."""
    from databricks.labs.dqx.actions import delivery

    delivery.validate_webhook_url = lambda *_args, **_kwargs: None


def main():
    job = json.load(sys.stdin)
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("dqx-job-test")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", job.get("warehouse_dir", "/tmp/dqx-job-warehouse"))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    for name, path in job["tables"].items():
        database = name.split(".")[0]
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {database}")
        spark.sql(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM parquet.`{path}`")
    # Statements the app would run on a warehouse (its own text and named parameters), so a
    # test proves Spark takes them and DQX reads what they wrote.
    for statement in job.get("statements", []):
        spark.sql(statement["sql"], args=statement.get("args") or None)

    # The workspace client only identifies the caller to DQX; no workspace is reached.
    import databricks.sdk

    databricks.sdk.WorkspaceClient = MagicMock
    if job.get("allow_loopback_webhooks"):
        allow_loopback_webhooks()
    if job.get("cwd"):
        os.chdir(job["cwd"])
    notebook = job["notebook"]
    sys.path.insert(0, os.path.dirname(notebook))
    with open(notebook, encoding="utf-8") as f:
        source = f.read()
    scope = {"spark": spark, "dbutils": DbUtils(job["params"]), "__name__": "__main__"}
    # What the notebook prints goes to stderr; stdout carries only the answer.
    answer_out, sys.stdout = sys.stdout, sys.stderr
    try:
        exec(compile(source, notebook, "exec"), scope)
        answer = {"error": "the notebook ended without dbutils.notebook.exit"}
    except NotebookExit as done:
        document = json.loads(done.value)
        answer = {"document": document}
        if "rules" in document:
            from databricks.labs.dqx.engine import DQEngine

            status = DQEngine.validate_checks(document["rules"])
            answer["validate_checks"] = {"has_errors": status.has_errors, "errors": [str(e) for e in status.errors]}
    spark.stop()
    json.dump(answer, answer_out, default=str)


if __name__ == "__main__":
    main()
