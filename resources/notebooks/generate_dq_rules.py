# Databricks notebook source
# MAGIC %md
# MAGIC # DQX rule generation (job `dqx-generate-rules`)
# MAGIC Profiles a table (at most `sample_limit` rows) with DQX's own profiler and generator, on explicit
# MAGIC request only (the app profiles on the SQL warehouse as the user by default). It runs as the
# MAGIC app's service principal, so it does **not** call a model: AI-assisted generation is the user's
# MAGIC own `ai_query` call, made by the app. Returns the generation document of ARCHITECTURE §5
# MAGIC through `dbutils.notebook.exit`.

# COMMAND ----------

import json
import time

from databricks.labs.dqx.profiler.generator import DQGenerator
from databricks.labs.dqx.profiler.profiler import DQProfiler
from databricks.sdk import WorkspaceClient

from dqx_results import generation_document, profile_entries

for name, default in [("table_name", ""), ("user_prompt", ""), ("sample_limit", "10000"), ("requested_by", "")]:
    dbutils.widgets.text(name, default)  # noqa: F821 (provided by Databricks)

table_name = dbutils.widgets.get("table_name")  # noqa: F821
user_prompt = dbutils.widgets.get("user_prompt")  # noqa: F821
sample_limit = int(dbutils.widgets.get("sample_limit") or "10000")  # noqa: F821
if not table_name:
    raise ValueError("table_name is required")

# COMMAND ----------

started = time.time()
ws = WorkspaceClient()
df = spark.table(table_name)  # noqa: F821
total_rows = df.count()
sample = df.limit(sample_limit)
_, profiles = DQProfiler(ws).profile(sample)
generator = DQGenerator(ws)
rules = generator.generate_dq_rules(profiles)
used = "databricks-labs-dqx profiler (job)"
for rule in rules:
    rule.setdefault("user_metadata", {})["source"] = rule.get("user_metadata", {}).get("source", "profile")

document = generation_document(
    table_name=table_name,
    user_prompt=user_prompt,
    rules=rules,
    profiles=profile_entries(profiles),
    row_count=min(total_rows, sample_limit),
    total_row_count=total_rows,
    sample_limit=sample_limit,
    columns=df.columns,
    generator=used,
)
print(f"generated {len(rules)} rules in {time.time() - started:.1f}s")
dbutils.notebook.exit(json.dumps(document, default=str))  # noqa: F821
