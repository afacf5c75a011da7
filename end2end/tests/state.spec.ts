// State that tells the truth (issue 29, items 3-5), as alice lives it on main.hr.employees (a
// table no other test saves to): the prompt survives a reload and is saved with the version; a
// save without a change makes no new version and Submit submits the draft; results computed for
// other rules are marked out of date, with the action that computes them again.
import { test, expect, Page } from "@playwright/test";
import { alice } from "./users";

const table = "main.hr.employees";
const prompt = "hire dates must not be in the future";

async function generate(page: Page) {
  await page.goto(`/generate?table=${table}`);
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled();
  await page.getByLabel("What must be true of this table's data?").fill(prompt);
  await page.getByLabel("Rows to profile").fill("1000");
  await page.getByRole("button", { name: "Generate rules" }).click();
  await page.getByRole("tab", { name: "Form" }).click();
  await expect(page.locator("li.rule-card").first()).toBeVisible({ timeout: 30_000 });
}

test("the prompt survives a reload, an unchanged save is no new version, and Submit submits the draft", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await generate(page);

  // Reloaded: the rules and the prompt are both still there.
  await page.reload();
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled();
  await expect(page.getByLabel("What must be true of this table's data?")).toHaveValue(prompt);

  await page.getByRole("button", { name: "Save draft" }).click();
  const saved = page.getByText(/Saved as draft version (\d+)/);
  await expect(saved).toBeVisible();
  const version = Number((await saved.textContent())!.match(/version (\d+)/)![1]);
  // Saved again without a change: the same version answers.
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText(`Nothing changed since version ${version}, so nothing new was saved; it is still a draft.`)).toBeVisible();
  // Submit: that draft is submitted, no copy of it made.
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByText(`Submitted version ${version} for review.`)).toBeVisible();

  await page.goto(`/history?table=${table}`);
  const versions = page.getByRole("table", { name: "Saved versions" });
  const row = versions.getByRole("row").filter({ has: page.getByRole("rowheader", { name: `v${version}` }) });
  await expect(row).toContainText("Pending");
  await expect(row).toContainText(prompt);
  await expect(versions.getByRole("rowheader", { name: `v${version + 1}` })).toHaveCount(0);

  // Opened in the editor again, the prompt comes with the rules.
  await row.getByRole("link", { name: "Open in editor" }).click();
  await expect(page.getByLabel("What must be true of this table's data?")).toHaveValue(prompt);
});

test("results of other rules say so and offer to run again", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await generate(page);
  await page.getByRole("button", { name: /^Validate \d+ rules$/ }).click();
  await expect(page.getByRole("table", { name: "Rule results" })).toBeVisible({ timeout: 30_000 });
  await page.getByRole("button", { name: /^Analyse \d+ rules$/ }).click();
  await expect(page.getByRole("img", { name: /Quality score/ })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText("Rules changed")).toHaveCount(0);

  // One rule fewer: both results are about the rules as they were.
  await page.getByRole("button", { name: /^Delete Rule 1:/ }).click();
  const validation = page.locator(".notice.stale", { hasText: "since this validation" });
  const analysis = page.locator(".notice.stale", { hasText: "since this analysis" });
  await expect(validation).toBeVisible();
  await expect(analysis).toBeVisible();

  // Still marked after a reload (the draft remembers which rules were validated).
  await page.reload();
  await expect(validation).toBeVisible({ timeout: 30_000 });

  await validation.getByRole("button", { name: "Validate again" }).click();
  await expect(validation).toHaveCount(0, { timeout: 30_000 });
  await expect(page.getByRole("table", { name: "Rule results" })).toBeVisible();

  // Analysed again: the analysis is about the rules on screen.
  await page.getByRole("button", { name: /^Analyse \d+ rules$/ }).click();
  await expect(analysis).toHaveCount(0, { timeout: 30_000 });
});
