// Changing generated rules in words (issue 33): an instruction on main.sales.orders becomes a
// proposal shown hunk by hunk; one hunk is rejected, the rest applied, and the rules validate.
import { test, expect } from "@playwright/test";
import { alice } from "./users";

test("an instruction becomes a diff; one hunk rejected, the rest applied and validated", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/generate?table=main.sales.orders");
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled();
  await page.getByLabel("What must be true of this table's data?").fill("order ids must be unique");
  await page.getByLabel("Rows to profile").fill("1000");
  await page.getByRole("button", { name: "Generate rules" }).click();
  await page.getByRole("tab", { name: "Table" }).click();
  const rules = page.getByRole("table", { name: "Rules" });
  await expect(rules).toBeVisible({ timeout: 30_000 });
  const row = (name: string) => rules.getByRole("row").filter({ has: page.getByRole("rowheader", { name, exact: true }) });
  await expect(row("order_ts_in_future")).toHaveCount(1);

  await page.getByLabel("Change the rules in words").fill("make the amount check a warning and allow up to 20000; drop the future check");
  await page.getByRole("button", { name: "Propose changes" }).click();
  const proposal = page.getByRole("region", { name: "Proposed changes" });
  await expect(proposal).toBeVisible({ timeout: 30_000 });
  const hunk = (name: string) => proposal.getByRole("listitem").filter({ has: page.getByRole("checkbox", { name, exact: true }) });
  const range = hunk("changed amount_isnt_in_range");
  await expect(range).toContainText("max_limit");
  await expect(range).toContainText("20000");
  await expect(range).toContainText("warn");
  await expect(hunk("removed order_ts_in_future")).toContainText("is_not_in_future");

  // Keep the future check: reject its removal, apply the rest.
  await proposal.getByRole("checkbox", { name: "removed order_ts_in_future" }).uncheck();
  await proposal.getByRole("button", { name: "Apply selected changes" }).click();
  await expect(page.getByText(/Applied \d+ changes? of \d+ \(1 rejected\)/)).toBeVisible();
  await expect(row("order_ts_in_future")).toHaveCount(1);
  await expect(row("amount_isnt_in_range")).toContainText("20000");

  await page.getByRole("button", { name: /^Validate \d+ rules$/ }).click();
  const results = page.getByRole("table", { name: "Rule results" });
  await expect(results).toBeVisible({ timeout: 30_000 });
  await expect(results.getByRole("rowheader", { name: "amount_isnt_in_range", exact: true })).toBeVisible();
});
