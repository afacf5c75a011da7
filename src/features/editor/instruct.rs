//! Changing the rules in words: an instruction is sent with the rules on screen to
//! `propose_edit`, the answer is shown hunk by hunk (added, removed, changed field by field) with
//! the words that asked for each, every hunk accepted or rejected on its own, and the accepted
//! ones applied as one undoable edit that the editor validates as any other.

use super::instruct_api::propose_edit;
use super::state::Editor;
use crate::model::edits::{MAX_INSTRUCTION_CHARS, ProposedEdit};
use crate::model::error::ApiError;
use crate::ui::diff_view::RuleHunk;
use crate::ui::notice::ErrorNotice;
use leptos::prelude::*;

/// The instruction box, its proposal and the hunks' choices.
#[component]
pub fn InstructionBox(
    editor: Editor,
    #[prop(into)] table: Signal<String>,
    hydrated: RwSignal<bool>,
) -> impl IntoView {
    let instruction = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error: RwSignal<Option<ApiError>> = RwSignal::new(None);
    let proposal: RwSignal<Option<ProposedEdit>> = RwSignal::new(None);
    // Whether each hunk is accepted, by position in the proposal.
    let accepted: RwSignal<Vec<bool>> = RwSignal::new(Vec::new());
    let outcome: RwSignal<Option<String>> = RwSignal::new(None);
    let propose = move |_| {
        let text = instruction.get_untracked();
        if text.trim().is_empty() {
            outcome.set(Some(
                "Say what to change first, for example \u{201c}make the amount check a warning\u{201d}."
                    .into(),
            ));
            return;
        }
        busy.set(true);
        error.set(None);
        outcome.set(None);
        proposal.set(None);
        let rules = editor.rules();
        let table = table.get_untracked();
        leptos::task::spawn_local(async move {
            match propose_edit(table, rules, text).await {
                Ok(p) => {
                    accepted.set(vec![true; p.changes.len()]);
                    proposal.set(Some(p));
                }
                Err(e) => error.set(Some(e)),
            }
            busy.set(false);
        });
    };
    let apply = move |_| {
        let Some(p) = proposal.get_untracked() else {
            return;
        };
        let chosen: Vec<_> = accepted.with_untracked(|a| {
            p.changes
                .iter()
                .zip(a)
                .filter(|(_, yes)| **yes)
                .map(|(c, _)| c.clone())
                .collect()
        });
        let count = chosen.len();
        let rejected = p.changes.len() - count;
        match editor.apply_edits(&chosen) {
            Ok(()) => {
                proposal.set(None);
                instruction.set(String::new());
                outcome.set(Some(format!(
                    "Applied {} of {} ({} rejected); the rules are checked above. Undo takes the whole edit back.",
                    crate::model::words::plural(count, "change"),
                    p.changes.len(),
                    rejected
                )));
            }
            Err(why) => outcome.set(Some(format!("Nothing applied: {why}."))),
        }
    };
    let hunks = move || {
        proposal.get().map(|p| {
            let items = p
                .changes
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let id = format!("hunk-{i}");
                    view! {
                        <li class=format!("hunk hunk-{}", c.kind.label())>
                            <div class="hunk-head">
                                <input type="checkbox" id=id.clone()
                                    prop:checked=move || accepted.with(|a| a.get(i).copied().unwrap_or(false))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        accepted.update(|a| if let Some(x) = a.get_mut(i) { *x = on });
                                    }/>
                                <label for=id>
                                    <strong>{c.kind.label()}</strong>" "<span class="mono">{c.rule_name.clone()}</span>
                                </label>
                                <span class="muted hunk-clause">{format!("\u{201c}{}\u{201d}", c.clause)}</span>
                            </div>
                            <RuleHunk before=c.before.clone() after=c.after.clone()/>
                        </li>
                    }
                })
                .collect_view();
            let empty = p.changes.is_empty();
            let reader = p.reader.clone();
            let not_understood = p.not_understood.clone();
            let notes = p.notes.clone();
            view! {
                <div class="proposal" role="region" aria-label="Proposed changes">
                    <p role="status">
                        {if empty { "No change proposed.".to_string() } else { format!("{} proposed by the {reader}. Untick what you do not want.", crate::model::words::plural(p.changes.len(), "change")) }}
                    </p>
                    {(!not_understood.is_empty()).then(|| view! {
                        <p class="notice">"Not understood: " {not_understood.iter().map(|c| format!("\u{201c}{c}\u{201d}")).collect::<Vec<_>>().join(", ")}</p>
                    })}
                    {(!notes.is_empty()).then(|| view! {
                        <ul class="prompt-notes" aria-label="Notes on the instruction">{notes.iter().map(|n| view! { <li>{n.clone()}</li> }).collect_view()}</ul>
                    })}
                    <ol class="hunks">{items}</ol>
                    {(!empty).then(|| view! {
                        <button type="button" class="primary" on:click=apply>"Apply selected changes"</button>
                        " "
                        <button type="button" class="secondary" on:click=move |_| proposal.set(None)>"Discard"</button>
                    })}
                </div>
            }
        })
    };
    view! {
        <div class="instruction" id="change-in-words">
            <div class="field wide">
                <label for="instruction">"Change the rules in words"</label>
                <textarea id="instruction" rows="2" maxlength=MAX_INSTRUCTION_CHARS.to_string()
                    placeholder="e.g. make the amount check a warning and allow up to 20000; drop the IP rule"
                    disabled=move || !hydrated.get()
                    prop:value=move || instruction.get() on:input=move |ev| instruction.set(event_target_value(&ev))></textarea>
            </div>
            <button type="button" class="secondary" on:click=propose disabled=move || !hydrated.get() || busy.get() || editor.is_empty()>
                {move || if busy.get() { "Reading…" } else { "Propose changes" }}
            </button>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            {move || outcome.get().map(|text| view! { <p class="notice" role="status">{text}</p> })}
            {hunks}
        </div>
    }
}
