"""The jobs' result-building logic, without Spark: `python3 -m unittest discover -s resources/notebooks`."""

import unittest

from dqx_results import generation_document, rule_name, validation_document


def rule(name, function, column, criticality="error"):
    r = {"criticality": criticality, "check": {"function": function, "arguments": {"column": column}}}
    if name:
        r["name"] = name
    return r


class ValidationDocument(unittest.TestCase):
    def test_counts_are_keyed_by_rule_name_not_function(self):
        rules = [rule("email_present", "is_not_null", "email"), rule("country_present", "is_not_null", "country")]
        doc = validation_document(
            "main.sales.customers", rules, [None, None], total_rows=100, invalid_rows=7, rows_with_warnings=0,
            violations_by_name={"email_present": 5, "country_present": 2, "is_not_null": 99},
            samples_by_name={"email_present": [{"email": None, "_message": "Column 'email' value is null"}]},
            validated_at="2026-11-29T00:00:00Z", duration_ms=10,
        )
        counts = {r["rule_name"]: r["violation_count"] for r in doc["rule_results"]}
        self.assertEqual(counts, {"email_present": 5, "country_present": 2})
        self.assertEqual(doc["failed"], 2)
        self.assertEqual(doc["valid_rows"], 93)
        self.assertEqual(doc["pass_rate"], 93.0)
        self.assertEqual(len(doc["rule_results"][0]["sample_violations"]), 1)

    def test_unnamed_rules_use_the_name_dqx_resolved(self):
        rules = [rule(None, "is_not_null", "email", "warn")]
        doc = validation_document(
            "t", rules, ["email_is_null"], 10, 0, 3, {"email_is_null": 3}, {}, "now", 1,
        )
        result = doc["rule_results"][0]
        self.assertEqual(result["rule_name"], "email_is_null")
        self.assertEqual(result["status"], "warn")
        self.assertEqual(doc["warnings"], 1)
        self.assertEqual(doc["invalid_rows"], 0)

    def test_a_rule_dqx_could_not_apply_is_an_error_with_its_message(self):
        rules = [rule("bad", "is_in_range", "x")]
        doc = validation_document("t", rules, [None], 5, 0, 0, {}, {}, "now", 1, rule_errors={"bad": "missing min_limit"})
        self.assertEqual(doc["rule_results"][0]["status"], "error")
        self.assertEqual(doc["rule_results"][0]["message"], "missing min_limit")

    def test_an_empty_table_passes(self):
        doc = validation_document("t", [rule("a", "is_not_null", "a")], [None], 0, 0, 0, {}, {}, "now", 1)
        self.assertEqual(doc["pass_rate"], 100.0)
        self.assertEqual(doc["passed"], 1)

    def test_default_names_follow_dqx_normalisation(self):
        self.assertEqual(rule_name(rule(None, "is_not_null", "Customer Id")), "customer_id_is_not_null")


class GenerationDocument(unittest.TestCase):
    def test_shape_matches_the_contract(self):
        doc = generation_document("t", "ids unique", [rule("a", "is_not_null", "a")], [], 10, 20, 10, ["a", "b"], "dqx")
        self.assertEqual(set(doc), {"table_name", "user_prompt", "summary", "rules", "column_profiles", "metadata"})
        self.assertEqual(doc["metadata"]["rules_generated"], 1)
        self.assertEqual(doc["metadata"]["column_count"], 2)


if __name__ == "__main__":
    unittest.main()
