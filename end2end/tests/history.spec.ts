// Saving rule sets and working with their history as alice: save drafts from the workflow (the
// sample workspace reviews every table), see the versions, diff two of them, restore one (a
// draft too), export one.
import { test, expect } from "@playwright/test";
import { alice } from "./users";

test("alice saves two versions, compares them, restores and exports", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/generate?table=main.sales.orders");
  await expect(page.getByLabel("Storage").first()).toContainText("Versions are saved on this machine");
  await expect(page.getByLabel("Storage").first()).not.toContainText("/");
  // Typed before hydration, text would be reset: wait until the page is live.
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled();
  await page.getByLabel("What must be true of this table's data?").fill("order ids are unique");
  await page.getByLabel("Rows to profile").fill("1000");
  await page.getByRole("button", { name: "Generate rules" }).click();
  // Cards, not the table a longer rule set opens on.
  await page.getByRole("tab", { name: "Form" }).click();
  await expect(page.locator("li.rule-card").first()).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText("Rules for this table are reviewed")).toBeVisible();
  await page.getByRole("button", { name: "Save draft" }).click();
  const saved = page.getByText(/Saved as draft version (\d+)/);
  await expect(saved).toBeVisible();
  const first = Number((await saved.textContent())!.match(/version (\d+)/)![1]);

  // A second version: one rule fewer, one changed.
  await page.getByRole("button", { name: /^Delete Rule 1:/ }).click();
  await page.locator("li.rule-card").first().getByLabel("Criticality").selectOption("warn");
  await page.getByRole("button", { name: "Save draft" }).click();
  await expect(page.getByText(`Saved as draft version ${first + 1}`)).toBeVisible();

  await page.goto("/history?table=main.sales.orders");
  const versions = page.getByRole("table", { name: "Saved versions" });
  await expect(versions.getByRole("rowheader", { name: `v${first + 1}` })).toBeVisible();
  const newest = versions.getByRole("row").filter({ has: page.getByRole("rowheader", { name: `v${first + 1}` }) });
  await expect(newest).toContainText("Draft");
  await expect(newest).toContainText("alice@example.com");
  await expect(newest).toContainText("order ids are unique");

  // The diff of the two newest versions, side by side.
  await expect(page.getByText(`From version ${first} to ${first + 1}: 0 added, 1 removed, 1 changed`)).toBeVisible();
  await expect(page.getByRole("table", { name: "Changed rules" })).toContainText("criticality");

  // Restore the first version (confirming): a new draft, waiting for review like any save.
  page.once("dialog", (d) => d.accept());
  await page.getByRole("button", { name: `Restore version ${first}` }).click();
  await expect(page.getByText(`Restored version ${first} as version ${first + 2} (a draft: submit it for review).`)).toBeVisible();
  const restored = versions.getByRole("row").filter({ has: page.getByRole("rowheader", { name: `v${first + 2}` }) });
  await expect(restored).toContainText("Draft");
  await expect(restored).toContainText(`restored from v${first}`);

  // Export as YAML: a DQX-loadable download.
  await page.getByRole("button", { name: `Export version ${first + 2} as YAML` }).click();
  const link = page.getByRole("link", { name: /Download main_sales_orders\.v\d+\.dqx-rules\.yaml/ });
  await expect(link).toBeVisible();
  const download = page.waitForEvent("download");
  await link.click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`main_sales_orders.v${first + 2}.dqx-rules.yaml`);
  await expect(page.locator("pre.rules-text")).toContainText("function: is_unique");
});

test("a pasted rule set is checked before anything is imported", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/history?table=main.hr.employees");
  await page.getByText("Import a rule set").click();
  await page.getByLabel("Or paste DQX rules").fill("- criticality: fatal\n  check:\n    function: is_not_null\n    arguments:\n      column: salary\n");
  await page.getByRole("button", { name: "Check" }).click();
  await expect(page.getByText(/rule 1.*criticality/)).toBeVisible();
  await expect(page.getByRole("button", { name: "Import as a new version" })).toBeDisabled();
  await page.getByLabel("Or paste DQX rules").fill("- criticality: warn\n  check:\n    function: is_not_null\n    arguments:\n      column: salary\n");
  await page.getByRole("button", { name: "Check" }).click();
  await expect(page.getByText("1 rules, valid.")).toBeVisible();
  await page.getByRole("button", { name: "Import as a new version" }).click();
  await expect(page.getByText(/Imported as version \d+\./)).toBeVisible();
  const newest = page.getByRole("table", { name: "Saved versions" }).getByRole("row").nth(1);
  await expect(newest).toContainText("Draft");
  await expect(newest).toContainText("alice@example.com");
});
