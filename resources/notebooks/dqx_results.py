"""Result documents of the DQX jobs (ARCHITECTURE §5), built from plain Python values so they can
be tested without Spark. The notebooks compute the numbers with Spark and DQX; these functions only
shape them.

Counts are keyed by **rule name** — the name DQX writes into `_errors` / `_warnings` — never by
function name or by column (the older app counted by function name, so two rules of one function
shared a count, and looked for columns that do not exist, so every rule showed 0).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional

SAMPLE_ROWS_PER_RULE = 10


def normalize(text: str) -> str:
    """DQX's name normalisation: lower case, runs of non-alphanumerics become one `_`."""
    return re.sub(r"[^a-zA-Z0-9]+", "_", text[:255].lower()).rstrip("_")


def rule_name(rule: Dict[str, Any], resolved: Optional[str] = None) -> str:
    """The rule's name: its own, else the one DQX resolved, else a default from function and column."""
    name = rule.get("name")
    if isinstance(name, str) and name.strip():
        return name
    if resolved:
        return resolved
    check = rule.get("check") or {}
    args = check.get("arguments") or {}
    column = args.get("column") or "_".join(str(c) for c in args.get("columns") or [])
    return normalize(f"{column}_{check.get('function', 'check')}")


def rule_columns(rule: Dict[str, Any]) -> Optional[List[str]]:
    args = (rule.get("check") or {}).get("arguments") or {}
    if isinstance(args.get("column"), str):
        return [args["column"]]
    if isinstance(args.get("columns"), list):
        return [str(c) for c in args["columns"]]
    return None


def rule_status(criticality: str, violations: int, error: Optional[str]) -> str:
    if error:
        return "error"
    if violations == 0:
        return "pass"
    return "warn" if criticality == "warn" else "fail"


def validation_document(
    table_name: str,
    rules: List[Dict[str, Any]],
    resolved_names: List[Optional[str]],
    total_rows: int,
    invalid_rows: int,
    rows_with_warnings: int,
    violations_by_name: Dict[str, int],
    samples_by_name: Dict[str, List[Dict[str, Any]]],
    validated_at: str,
    duration_ms: int,
    rule_errors: Optional[Dict[str, str]] = None,
) -> Dict[str, Any]:
    """The validation result: one entry per rule, its violations looked up by its name."""
    rule_errors = rule_errors or {}
    results = []
    for rule, resolved in zip(rules, resolved_names + [None] * (len(rules) - len(resolved_names))):
        name = rule_name(rule, resolved)
        criticality = rule.get("criticality", "error")
        count = int(violations_by_name.get(name, 0))
        error = rule_errors.get(name)
        results.append(
            {
                "rule_name": name,
                "function": (rule.get("check") or {}).get("function", ""),
                "columns": rule_columns(rule),
                "criticality": criticality,
                "status": rule_status(criticality, count, error),
                "violation_count": count,
                "sample_violations": list(samples_by_name.get(name, []))[:SAMPLE_ROWS_PER_RULE],
                "message": error or "",
            }
        )
    valid_rows = total_rows - invalid_rows
    return {
        "success": True,
        "table_name": table_name,
        "validated_at": validated_at,
        "total_rules": len(results),
        "passed": sum(1 for r in results if r["status"] == "pass"),
        "failed": sum(1 for r in results if r["status"] in ("fail", "error")),
        "warnings": sum(1 for r in results if r["status"] == "warn"),
        "total_rows": total_rows,
        "valid_rows": valid_rows,
        "invalid_rows": invalid_rows,
        "rows_with_warnings": rows_with_warnings,
        "pass_rate": round(100.0 * valid_rows / total_rows, 2) if total_rows else 100.0,
        "rule_results": results,
        "duration_ms": duration_ms,
    }


def profile_entries(profiles: Iterable[Any]) -> List[Dict[str, Any]]:
    """DQX `DQProfile` objects (or dicts) as `{column, name, description, parameters}`."""
    out = []
    for p in profiles:
        get = (lambda k: p.get(k)) if isinstance(p, dict) else (lambda k: getattr(p, k, None))
        out.append(
            {
                "column": get("column"),
                "name": get("name"),
                "description": get("description"),
                "parameters": {k: str(v) for k, v in (get("parameters") or {}).items()},
            }
        )
    return out


def generation_document(
    table_name: str,
    user_prompt: str,
    rules: List[Dict[str, Any]],
    profiles: List[Dict[str, Any]],
    row_count: int,
    total_row_count: int,
    sample_limit: Optional[int],
    columns: List[str],
    generator: str,
) -> Dict[str, Any]:
    """The generation result."""
    return {
        "table_name": table_name,
        "user_prompt": user_prompt,
        "summary": f"Profiled {row_count} of {total_row_count} rows of {table_name}: {len(rules)} rules proposed.",
        "rules": rules,
        "column_profiles": profiles,
        "metadata": {
            "row_count": row_count,
            "total_row_count": total_row_count,
            "sample_limit": sample_limit,
            "column_count": len(columns),
            "columns": columns,
            "rules_generated": len(rules),
            "generator": generator,
        },
    }
