"""DQX 0.17's own verdicts on action conditions, and its reading of action_json: reads
{"cases": [{"condition", "metrics"}], "actions": [action_json]} from the file named by argv[1] and
prints {"verdicts": [true | false | "error"], "actions": [what ActionSerializer writes back]}: the
verdicts as ConditionEvaluator.validate and .evaluate give them, each action loaded with
ActionSerializer.from_dict and serialized again with to_dict."""

import json
import sys

from databricks.labs.dqx.actions.conditions import ConditionEvaluator
from databricks.labs.dqx.actions.serializer import ActionSerializer
from databricks.labs.dqx.errors import InvalidConditionError


def verdict(condition, metrics):
    try:
        ConditionEvaluator.validate(condition)
        return ConditionEvaluator.evaluate(condition, metrics)
    except InvalidConditionError:
        return "error"


with open(sys.argv[1], encoding="utf-8") as f:
    given = json.load(f)
verdicts = [verdict(c["condition"], c["metrics"]) for c in given["cases"]]
actions = [ActionSerializer.to_dict(ActionSerializer.from_dict(a)) for a in given.get("actions", [])]
print(json.dumps({"verdicts": verdicts, "actions": actions}))
