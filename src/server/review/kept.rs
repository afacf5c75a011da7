//! Which kept impact preview a caller is shown: counts only, and only to callers who may read
//! every table its rules read (it was run with someone else's rights). A preview kept before the
//! tables were recorded is shown only to whoever ran it.

use super::readable::ReadableCache;
use crate::model::review::ImpactPreview;
use crate::server::caller::Caller;
use crate::server::jobs::withhold::{NOT_PREVIEWED, NOT_PREVIEWED_KEPT};
use crate::server::workspace::Workspace;

/// The preview as it is kept with the review: counts only. Row values are shown to whoever ran
/// the preview (read as them); another reviewer may not be allowed to see them. A rule that was
/// not previewed says so without naming the tables it reads.
pub fn kept_preview(preview: &ImpactPreview) -> ImpactPreview {
    let mut kept = preview.clone();
    kept.start_failing_samples.clear();
    kept.stop_failing_samples.clear();
    for rule in &mut kept.rules {
        rule.samples.clear();
        if rule
            .skipped
            .as_deref()
            .is_some_and(|s| s.starts_with(NOT_PREVIEWED))
        {
            rule.skipped = Some(NOT_PREVIEWED_KEPT.into());
        }
    }
    kept
}

/// The kept preview if the caller may see it, else why not.
pub async fn visible_preview(
    readable: &ReadableCache,
    workspace: &dyn Workspace,
    caller: &Caller,
    preview: ImpactPreview,
) -> Result<ImpactPreview, String> {
    let Some(reads) = preview.reads.clone() else {
        if preview.computed_by.eq_ignore_ascii_case(&caller.email) {
            return Ok(preview);
        }
        return Err(format!(
            "the newest preview was run by {} before the app recorded which tables its rules read, so it is shown only to them; run a preview of your own",
            preview.computed_by
        ));
    };
    if reads.is_empty() {
        return Ok(preview);
    }
    let answers = readable
        .readable(workspace, caller, reads.iter().cloned())
        .await;
    if reads.iter().all(|t| answers.get(t) == Some(&true)) {
        Ok(preview)
    } else {
        Err(format!(
            "the newest preview, run by {}, has rules that read tables you may not read, so its counts are not shown to you; run a preview of your own",
            preview.computed_by
        ))
    }
}
