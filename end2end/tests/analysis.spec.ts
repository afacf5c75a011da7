// Analysing generated rules offline and adding a recommended rule with one click.
import { test, expect } from "@playwright/test";
import { alice } from "./users";

test("alice analyses the generated rules and adds a recommended rule", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/generate?table=main.sales.customers");
  // Typed before hydration, text would be reset: wait until the page is live.
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled();
  await page.getByLabel("What must be true of this table's data?").fill("customer ids unique");
  await page.getByLabel("Rows to profile").fill("1000");
  await page.getByRole("button", { name: "Generate rules" }).click();
  // Cards, not the table a longer rule set opens on.
  await page.getByRole("tab", { name: "Form" }).click();
  await expect(page.locator("li.rule-card").first()).toBeVisible({ timeout: 30_000 });
  const before = await page.locator("li.rule-card").count();

  await page.getByRole("button", { name: /^Analyse \d+ rules$/ }).click();
  await expect(page.getByRole("img", { name: /Quality score [\d.]+ of 10/ })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByText("offline analysis (no model)")).toBeVisible();
  const recommendation = page.locator(".recommendations li", { hasText: "email has 20 NULL values" });
  await expect(recommendation).toBeVisible();
  // Per-rule notes appear next to the rules.
  await expect(page.locator(".rule-note").first()).toBeVisible();

  await recommendation.getByRole("button", { name: "Add rule" }).click();
  await expect(recommendation.getByRole("button", { name: "Added" })).toBeDisabled();
  await expect(page.locator("li.rule-card")).toHaveCount(before + 1);
  await expect(page.locator("li.rule-card").last().getByRole("heading")).toContainText("email_is_null");
  await expect(page.getByText(/\d+ rules, valid/)).toBeVisible();
});
