"""Loads published checks with DQX 0.17's own storage handlers and prints them (JSON on the last
line) with DQX's rule_set_fingerprint of what it loaded.

argv: file <path>
    | lakebase <sqlalchemy url> <database.schema.table> <run_config_name>
    | table <job.json>: {"warehouse_dir", "statements": [sql...], "location", "run_config_name",
      "fingerprints": [...]} runs the statements on a local Spark session (the app's own publish
      SQL), then loads the newest batch and each named fingerprint with TableChecksStorageHandler;
      "answers" holds the rows of every statement that returned some.
"""
import json
import sys
from unittest.mock import MagicMock

from databricks.labs.dqx.checks_storage import (
    FileChecksStorageHandler,
    LakebaseChecksStorageHandler,
    TableChecksStorageHandler,
)
from databricks.labs.dqx.config import (
    FileChecksStorageConfig,
    LakebaseChecksStorageConfig,
    TableChecksStorageConfig,
)
from databricks.labs.dqx.rule_fingerprint import compute_rule_set_fingerprint_by_metadata


def spark_session(warehouse=None):
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master("local[1]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "true")
    )
    if warehouse:
        builder = builder.config("spark.sql.warehouse.dir", warehouse)
    return builder.getOrCreate()


extra = {}
kind = sys.argv[1]
if kind == "file":
    checks = FileChecksStorageHandler().load(FileChecksStorageConfig(location=sys.argv[2]))
    spark_session()
elif kind == "lakebase":
    from sqlalchemy import create_engine

    spark_session()
    engine = create_engine(sys.argv[2], connect_args={"sslmode": "require"})
    handler = LakebaseChecksStorageHandler(MagicMock(), MagicMock(), engine=engine)
    config = LakebaseChecksStorageConfig(location=sys.argv[3], instance_name="test", run_config_name=sys.argv[4])
    checks = handler.load(config)
else:
    job = json.load(open(sys.argv[2]))
    spark = spark_session(job["warehouse_dir"])
    answers = []
    for sql in job["statements"]:
        rows = spark.sql(sql).collect()
        answers.append([[None if v is None else str(v) for v in row] for row in rows])
    # The workspace client only answers "the table exists" (DQX asks Unity Catalog).
    handler = TableChecksStorageHandler(MagicMock(), spark)
    location, run_config_name = job["location"], job["run_config_name"]
    checks = handler.load(TableChecksStorageConfig(location=location, run_config_name=run_config_name))
    extra["answers"] = answers
    extra["by_fingerprint"] = {
        fp: handler.load(
            TableChecksStorageConfig(location=location, run_config_name=run_config_name, rule_set_fingerprint=fp)
        )
        for fp in job.get("fingerprints", [])
    }
print(
    json.dumps(
        {"checks": checks, "rule_set_fingerprint": compute_rule_set_fingerprint_by_metadata(checks), **extra},
        default=str,
    )
)
