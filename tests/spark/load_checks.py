"""Loads published checks with DQX 0.17's own storage handlers and prints them (JSON on the last
line) with DQX's rule_set_fingerprint of what it loaded.

argv: file <path>  |  lakebase <sqlalchemy url> <database.schema.table> <run_config_name>
"""
import json
import sys
from unittest.mock import MagicMock

from databricks.labs.dqx.checks_storage import FileChecksStorageHandler, LakebaseChecksStorageHandler
from databricks.labs.dqx.config import FileChecksStorageConfig, LakebaseChecksStorageConfig
from databricks.labs.dqx.rule_fingerprint import compute_rule_set_fingerprint_by_metadata

kind = sys.argv[1]
if kind == "file":
    checks = FileChecksStorageHandler().load(FileChecksStorageConfig(location=sys.argv[2]))
else:
    from pyspark.sql import SparkSession
    from sqlalchemy import create_engine

    SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
    engine = create_engine(sys.argv[2], connect_args={"sslmode": "require"})
    handler = LakebaseChecksStorageHandler(MagicMock(), MagicMock(), engine=engine)
    config = LakebaseChecksStorageConfig(location=sys.argv[3], instance_name="test", run_config_name=sys.argv[4])
    checks = handler.load(config)
if kind == "file":
    from pyspark.sql import SparkSession

    SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
print(json.dumps({"checks": checks, "rule_set_fingerprint": compute_rule_set_fingerprint_by_metadata(checks)}, default=str))
