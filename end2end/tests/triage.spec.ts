// Why rows fail (issue 33): after a validation of main.sales.orders, the triage names the two
// days that hold the NULL currencies (docs/sample-data.md).
import { test, expect } from "@playwright/test";
import { alice } from "./users";

test("the triage of a finished validation names the days the NULL currencies came in", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/generate?table=main.sales.orders");
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled();
  await page.getByLabel("What must be true of this table's data?").fill("currency is required");
  await page.getByRole("button", { name: "Generate rules" }).click();
  await page.getByRole("tab", { name: "Table" }).click();
  await expect(page.getByRole("table", { name: "Rules" })).toBeVisible({ timeout: 30_000 });
  await page.getByRole("button", { name: /^Validate \d+ rules$/ }).click();
  await expect(page.getByRole("table", { name: "Rule results" })).toBeVisible({ timeout: 30_000 });

  await page.getByRole("button", { name: "Find where failures concentrate" }).click();
  const findings = page.getByRole("list", { name: "Findings for currency_is_null_or_empty" });
  await expect(findings).toContainText("Failures cluster in time", { timeout: 30_000 });
  await expect(findings).toContainText("2024-03-14 or 2024-03-15");
});
