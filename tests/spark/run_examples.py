# Runs rules' examples on real Spark with DQX 0.17: for each case, the example rows become a
# DataFrame of the table's columns (values cast from text to each column's type, columns not
# given NULL), DQX's apply_checks_by_metadata runs the one rule, and a row passes when it has no
# _errors and no _warnings. Input: a JSON file {columns: [[name, type]], cases: [{rule, rows}]};
# output (last line): {"passed": [[bool, ...], ...]}.
import json
import sys
from unittest.mock import MagicMock

from databricks.labs.dqx.engine import DQEngineCore
from databricks.sdk import WorkspaceClient
from pyspark.sql import SparkSession

spec = json.load(open(sys.argv[1]))
spark = SparkSession.builder.master("local[1]").config("spark.sql.session.timeZone", "UTC").getOrCreate()
engine = DQEngineCore(MagicMock(spec=WorkspaceClient), spark)
columns = spec["columns"]
text_schema = ", ".join(f"`{name}` string" for name, _ in columns) + ", __dqx_ex int"
casts = [f"CAST(`{name}` AS {kind}) AS `{name}`" for name, kind in columns] + ["__dqx_ex"]

passed = []
for case in spec["cases"]:
    rows = []
    for i, row in enumerate(case["rows"]):
        cells = []
        for name, _ in columns:
            value = row.get(name)
            cells.append(None if value is None else (value if isinstance(value, str) else json.dumps(value)))
        rows.append(tuple(cells) + (i,))
    frame = spark.createDataFrame(rows, text_schema).selectExpr(*casts)
    checked = engine.apply_checks_by_metadata(frame, [case["rule"]])
    verdicts = [
        (r["__dqx_ex"], not r["_errors"] and not r["_warnings"])
        for r in checked.select("__dqx_ex", "_errors", "_warnings").collect()
    ]
    passed.append([ok for _, ok in sorted(verdicts)])
print(json.dumps({"passed": passed}))
