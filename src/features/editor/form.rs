//! The form view: one card per rule with a name, criticality, the function (from the supported
//! list), typed fields for that function's arguments (columns offered from the table), and a
//! filter; every problem the validator finds is shown at its field.

use super::fields::{arg_to_text, examples_to_lines, lines_to_examples, text_to_arg};
use super::state::{Editor, field_within};
use crate::model::rules::functions::{ArgKind, FUNCTIONS, Param, find};
use leptos::prelude::*;
use serde_json::{Map, Value};

/// The id of the `<datalist>` of the table's columns.
pub const COLUMNS_LIST_ID: &str = "table-columns";

/// Fields a card shows; problems elsewhere in the rule are shown at the top of the card.
const SHOWN_FIELDS: &[&str] = &[
    "name",
    "criticality",
    "check.function",
    "check.arguments",
    "check.for_each_column",
    "filter",
    "user_metadata.examples",
];

fn set_or_remove(obj: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    match value {
        Some(v) => {
            obj.insert(key.to_string(), v);
        }
        None => {
            obj.remove(key);
        }
    }
}

/// The `check.arguments` object of a rule, created when missing.
fn arguments_mut(rule: &mut Value) -> Option<&mut Map<String, Value>> {
    let check = rule
        .as_object_mut()?
        .entry("check")
        .or_insert_with(|| Value::Object(Map::new()));
    check
        .as_object_mut()?
        .entry("arguments")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
}

/// Problems of the rule at `field`, as text, for one field.
#[component]
fn FieldProblems(editor: Editor, index: Memo<Option<usize>>, field: String) -> impl IntoView {
    let problems = move || {
        index
            .get()
            .map(|i| editor.problems_at(i, &field))
            .unwrap_or_default()
    };
    view! {
        {move || problems().into_iter().map(|p| {
            let class = match p.severity {
                crate::model::rules::validate::Severity::Error => "field-error",
                crate::model::rules::validate::Severity::Warning => "field-warning",
            };
            let hint = p.suggestion.clone().map(|s| format!(" (did you mean {s}?)")).unwrap_or_default();
            let word = if class == "field-error" { "Error: " } else { "Warning: " };
            view! { <p class=class>{word}{p.message.clone()}{hint}</p> }
        }).collect_view()}
    }
}

/// One argument of the rule's function.
#[component]
fn ArgumentField(
    editor: Editor,
    id: u64,
    index: Memo<Option<usize>>,
    param: Param,
) -> impl IntoView {
    let field_id = format!("rule-{id}-{}", param.name);
    let kind = param.kind;
    let value = move || {
        editor
            .rule(id)
            .and_then(|r| {
                r.pointer(&format!("/check/arguments/{}", param.name))
                    .cloned()
            })
            .map(|v| arg_to_text(kind, &v))
            .unwrap_or_default()
    };
    let set = move |text: String| {
        editor.update(id, |rule| {
            if let Some(args) = arguments_mut(rule) {
                set_or_remove(args, param.name, text_to_arg(kind, &text));
            }
        })
    };
    let label = if param.required {
        param.name.to_string()
    } else {
        format!("{} (optional)", param.name)
    };
    let hint = match kind {
        ArgKind::ColumnList | ArgKind::StrList => "comma-separated",
        ArgKind::LimitList => "comma-separated; quote text: 'new'",
        ArgKind::Limit => "a number, a date, or SQL ('text' quoted)",
        ArgKind::Map => "JSON object",
        _ => "",
    };
    let input = match kind {
        ArgKind::Bool => view! {
            <select id=field_id.clone() prop:value=value on:change=move |ev| set(event_target_value(&ev))>
                <option value="">"default"</option>
                <option value="true">"true"</option>
                <option value="false">"false"</option>
            </select>
        }
        .into_any(),
        ArgKind::Column => view! {
            <input id=field_id.clone() type="text" class="mono" list=COLUMNS_LIST_ID autocomplete="off" spellcheck="false"
                prop:value=value on:input=move |ev| set(event_target_value(&ev))/>
        }
        .into_any(),
        _ => view! {
            <input id=field_id.clone() type="text" class="mono" autocomplete="off" spellcheck="false" placeholder=hint
                prop:value=value on:input=move |ev| set(event_target_value(&ev))/>
        }
        .into_any(),
    };
    view! {
        <div class="field">
            <label for=field_id.clone()>{label}</label>
            {input}
            <FieldProblems editor index field=format!("check.arguments.{}", param.name)/>
        </div>
    }
}

/// The rule's examples: rows that must pass and rows that must fail, one JSON object a line,
/// kept as `user_metadata.examples` (changed when a box loses focus, so typing is not rewritten).
#[component]
fn ExamplesField(editor: Editor, id: u64, index: Memo<Option<usize>>) -> impl IntoView {
    let lines = move || {
        let rule = editor.rule(id).unwrap_or(Value::Null);
        examples_to_lines(
            rule.pointer("/user_metadata/examples")
                .and_then(Value::as_str),
        )
    };
    let set = move |pass: Option<String>, fail: Option<String>| {
        let (old_pass, old_fail) = lines();
        let text = lines_to_examples(&pass.unwrap_or(old_pass), &fail.unwrap_or(old_fail));
        editor.update(id, |rule| {
            let Some(obj) = rule.as_object_mut() else {
                return;
            };
            let meta = obj
                .entry("user_metadata")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Some(meta) = meta.as_object_mut() {
                set_or_remove(meta, "examples", text.clone().map(Value::String));
            }
            if obj
                .get("user_metadata")
                .and_then(Value::as_object)
                .is_some_and(Map::is_empty)
            {
                obj.remove("user_metadata");
            }
        })
    };
    let pass_id = format!("rule-{id}-examples-pass");
    let fail_id = format!("rule-{id}-examples-fail");
    view! {
        <fieldset class="field wide examples-field">
            <legend>"Examples (optional): one row a line, as JSON — columns not named are NULL"</legend>
            <div class="field">
                <label for=pass_id.clone()>"Rows that must pass"</label>
                <textarea id=pass_id.clone() class="mono" rows="2" spellcheck="false"
                    placeholder="{\"currency\": \"EUR\"}"
                    prop:value=move || lines().0
                    on:change=move |ev| set(Some(event_target_value(&ev)), None)></textarea>
            </div>
            <div class="field">
                <label for=fail_id.clone()>"Rows that must fail"</label>
                <textarea id=fail_id.clone() class="mono" rows="2" spellcheck="false"
                    placeholder="{\"currency\": null}"
                    prop:value=move || lines().1
                    on:change=move |ev| set(None, Some(event_target_value(&ev)))></textarea>
            </div>
            <FieldProblems editor index field="user_metadata.examples".to_string()/>
        </fieldset>
    }
}

/// A rule's card.
#[component]
pub fn RuleCard(editor: Editor, id: u64) -> impl IntoView {
    let index = Memo::new(move |_| editor.index_of(id));
    let rule = move || editor.rule(id).unwrap_or(Value::Null);
    let text_at = move |pointer: &str| {
        rule()
            .pointer(pointer)
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    };
    let function = Memo::new(move |_| text_at("/check/function"));
    let is_object = move || rule().is_object();
    let heading = move || {
        let n = index.get().map(|i| i + 1).unwrap_or_default();
        let name = text_at("/name");
        if name.is_empty() {
            format!("Rule {n}")
        } else {
            format!("Rule {n}: {name}")
        }
    };
    let source = move || text_at("/user_metadata/source");
    let note = move || {
        let key = crate::model::rules::diff::rule_key(&rule());
        editor.notes.with(|n| n.get(&key).cloned())
    };
    let reason = move || text_at("/user_metadata/reason");
    // A prompt rule names the words of the prompt that asked for it.
    let clause = move || text_at("/user_metadata/clause");
    let other_problems = move || {
        let Some(i) = index.get() else {
            return Vec::new();
        };
        editor.validation.with(|v| {
            v.problems
                .iter()
                .filter(|p| p.rule_index == Some(i))
                .filter(|p| !SHOWN_FIELDS.iter().any(|f| field_within(&p.field, f)))
                .map(|p| p.located())
                .collect::<Vec<_>>()
        })
    };
    let has_error = move || {
        index.get().is_some_and(|i| {
            editor.validation.with(|v| {
                v.problems.iter().any(|p| {
                    p.rule_index == Some(i)
                        && p.severity == crate::model::rules::validate::Severity::Error
                })
            })
        })
    };
    let set_top = move |key: &'static str, text: String| {
        editor.update(id, |rule| {
            if let Some(obj) = rule.as_object_mut() {
                let value = (!text.trim().is_empty()).then(|| Value::String(text.clone()));
                set_or_remove(obj, key, value);
            }
        })
    };
    let set_function = move |name: String| {
        editor.update(id, |rule| {
            let keep: Vec<&str> = find(&name)
                .map(|spec| spec.params.iter().map(|p| p.name).collect())
                .unwrap_or_default();
            if let Some(args) = arguments_mut(rule) {
                args.retain(|k, _| keep.contains(&k.as_str()));
            }
            if let Some(check) = rule.get_mut("check").and_then(Value::as_object_mut) {
                check.insert("function".into(), Value::String(name.clone()));
            }
        })
    };
    let name_id = format!("rule-{id}-name");
    let crit_id = format!("rule-{id}-criticality");
    let fn_id = format!("rule-{id}-function");
    let filter_id = format!("rule-{id}-filter");
    let options = move || {
        let current = function.get();
        let known = FUNCTIONS.iter().any(|f| f.supported && f.name == current);
        let mut names: Vec<String> = FUNCTIONS
            .iter()
            .filter(|f| f.supported)
            .map(|f| f.name.to_string())
            .collect();
        if !known {
            names.insert(0, current.clone());
        }
        names
            .into_iter()
            .map(|n| {
                let selected = n == current;
                view! { <option value=n.clone() selected=selected>{n.clone()}</option> }
            })
            .collect_view()
    };
    let arguments = move || {
        let name = function.get();
        find(&name)
            .map(|spec| {
                spec.params
                    .iter()
                    .map(|p| view! { <ArgumentField editor id index param=*p/> })
                    .collect_view()
            })
            .map(IntoAny::into_any)
            .unwrap_or_else(|| {
                view! { <p class="muted">"Pick a function to see its arguments."</p> }.into_any()
            })
    };
    view! {
        <li class="rule-card" class:has-error=has_error>
            <header class="rule-card-head">
                <h3>{heading}</h3>
                {move || (!source().is_empty()).then(|| view! { <span class="tag">{format!("from {}", source())}</span> })}
                <span class="rule-actions">
                    <button type="button" class="icon" title="Move up" aria-label=move || format!("Move {} up", heading()) on:click=move |_| editor.shift(id, -1)>"↑"</button>
                    <button type="button" class="icon" title="Move down" aria-label=move || format!("Move {} down", heading()) on:click=move |_| editor.shift(id, 1)>"↓"</button>
                    <button type="button" class="secondary" aria-label=move || format!("Duplicate {}", heading()) on:click=move |_| editor.duplicate(id)>"Duplicate"</button>
                    <button type="button" class="secondary danger" aria-label=move || format!("Delete {}", heading()) on:click=move |_| editor.remove(id)>"Delete"</button>
                </span>
            </header>
            {move || {
                let (clause, reason) = (clause(), reason());
                if !clause.is_empty() {
                    Some(view! { <p class="rule-reason">"Asked for in the prompt: " <mark class="prompt-clause">{clause}</mark></p> }.into_any())
                } else {
                    (!reason.is_empty()).then(|| view! { <p class="rule-reason">{reason}</p> }.into_any())
                }
            }}
            {move || note().map(|n| view! { <p class="rule-note"><strong>"Analysis: "</strong>{n}</p> })}
            {move || other_problems().into_iter().map(|m| view! { <p class="field-error">{m}</p> }).collect_view()}
            <Show when=is_object fallback=|| view! { <p class="field-error">"This rule is not a mapping; fix it in the text view."</p> }>
                <div class="rule-fields">
                    <div class="field">
                        <label for=name_id.clone()>"Name"</label>
                        <input id=name_id.clone() type="text" class="mono" autocomplete="off" spellcheck="false"
                            placeholder="generated by DQX when empty"
                            prop:value=move || text_at("/name") on:input=move |ev| set_top("name", event_target_value(&ev))/>
                        <FieldProblems editor index field="name".to_string()/>
                    </div>
                    <div class="field">
                        <label for=crit_id.clone()>"Criticality"</label>
                        <select id=crit_id.clone() prop:value=move || text_at("/criticality") on:change=move |ev| set_top("criticality", event_target_value(&ev))>
                            <option value="error">"error"</option>
                            <option value="warn">"warn"</option>
                        </select>
                        <FieldProblems editor index field="criticality".to_string()/>
                    </div>
                    <div class="field">
                        <label for=fn_id.clone()>"Function"</label>
                        <select id=fn_id.clone() class="mono" on:change=move |ev| set_function(event_target_value(&ev))>
                            {options}
                        </select>
                        <FieldProblems editor index field="check.function".to_string()/>
                    </div>
                    {arguments}
                    <div class="field wide">
                        <label for=filter_id.clone()>"Filter (optional)"</label>
                        <input id=filter_id.clone() type="text" class="mono" autocomplete="off" spellcheck="false"
                            placeholder="SQL condition; rows that do not match are not checked"
                            prop:value=move || text_at("/filter") on:input=move |ev| set_top("filter", event_target_value(&ev))/>
                        <FieldProblems editor index field="filter".to_string()/>
                    </div>
                    <ExamplesField editor id index/>
                </div>
            </Show>
        </li>
    }
}
