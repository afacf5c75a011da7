"""Runs SQL statements on a local Apache Spark session, the way a Databricks SQL warehouse would
(ANSI mode, UTC), for the Spark-parity tests: reads a JSON job on stdin
({"setup": [sql...], "statements": [sql...]}) and prints one JSON answer per statement on stdout
({"columns": [...], "rows": [[text|null, ...]]} or {"error": "..."}), cells rendered as text like
the Statement Execution API's JSON_ARRAY format."""

import json
import os
import sys

os.environ.setdefault("PYSPARK_SUBMIT_ARGS", "--driver-memory 1g pyspark-shell")

from pyspark.sql import SparkSession  # noqa: E402


def text(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def main():
    job = json.load(sys.stdin)
    warehouse = job.get("warehouse_dir", "/tmp/dqx-spark-warehouse")
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("dqx-spark-parity")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", warehouse)
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    for sql in job.get("setup", []):
        spark.sql(sql)
    answers = []
    for sql in job["statements"]:
        try:
            frame = spark.sql(sql)
            columns = frame.columns
            rows = [[text(v) for v in row] for row in frame.collect()]
            answers.append({"columns": columns, "rows": rows})
        except Exception as error:  # every failure is an answer, the test decides
            lines = [line for line in str(error).splitlines() if line.strip()]
            answers.append({"error": lines[0][:2000] if lines else repr(error)[:2000]})
    spark.stop()
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
