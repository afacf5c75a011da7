// The offline prompt reader as a new user meets it: a four-clause prompt gives exactly the four
// rules asked for, each showing the words that asked for it, and validation finds the planted
// defects (docs/sample-data.md).
import { test, expect } from "@playwright/test";
import { alice } from "./users";

const PROMPT = "emails must be valid, customer ids unique, no negative lifetime values, country is one of US, DE, FR, GB, JP";

test("a four-clause prompt gives the four rules asked for, with their clauses", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/generate?table=main.sales.customers");
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled();
  await page.getByLabel("What must be true of this table's data?").fill(PROMPT);
  await page.getByLabel("Rows to profile").fill("1000");
  await page.getByRole("button", { name: "Generate rules" }).click();
  await page.getByRole("tab", { name: "Table" }).click();

  // One row per rule; exactly four come from the prompt.
  const rules = page.getByRole("table", { name: "Rules" });
  await expect(rules).toBeVisible({ timeout: 30_000 });
  const fromPrompt = rules.locator("tbody tr").filter({ has: page.getByRole("cell", { name: "prompt", exact: true }) });
  await expect(fromPrompt).toHaveCount(4);
  const row = (name: string) => rules.getByRole("row").filter({ has: page.getByRole("rowheader", { name, exact: true }) });
  await expect(row("email_does_not_match_pattern_email_address")).toContainText("is_valid_email");
  await expect(row("customer_id_is_not_unique")).toContainText("is_unique");
  await expect(row("lifetime_value_less_than_limit")).toContainText("limit=0");
  await expect(row("country_is_not_in_the_list")).toContainText("'US'");

  // A rule opened in place shows the clause that asked for it, not the whole prompt.
  await page.getByRole("button", { name: "Edit country_is_not_in_the_list" }).click();
  const clause = page.locator("mark.prompt-clause");
  await expect(clause).toHaveText("country is one of US, DE, FR, GB, JP");
  await page.getByRole("button", { name: "Edit lifetime_value_less_than_limit" }).click();
  await expect(clause).toHaveText("no negative lifetime values");

  // Validation: the documented counts.
  await page.getByRole("button", { name: /^Validate \d+ rules$/ }).click();
  const results = page.getByRole("table", { name: "Rule results" });
  await expect(results).toBeVisible({ timeout: 30_000 });
  const violations = (rule: string) =>
    results.getByRole("row").filter({ has: page.getByRole("rowheader", { name: rule, exact: true }) }).locator("td").nth(4);
  await expect(violations("email_does_not_match_pattern_email_address")).toHaveText("20");
  await expect(violations("customer_id_is_not_unique")).toHaveText("20");
  await expect(violations("lifetime_value_less_than_limit")).toHaveText("25");
});

test("a clause the reader cannot use is said, with what to try", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/generate?table=main.sales.orders");
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled();
  await page.getByLabel("What must be true of this table's data?").fill("order ids are unique and be careful with refunds");
  await page.getByLabel("Rows to profile").fill("1000");
  await page.getByRole("button", { name: "Generate rules" }).click();
  await expect(page.locator(".prompt-notes")).toContainText("not understood: \u201cbe careful with refunds\u201d", { timeout: 30_000 });
  await expect(page.locator(".prompt-notes")).toContainText("try");
});

test("what is typed before the page comes alive is kept", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  // Hold the app's code back, so the first keystrokes land on the server-rendered page.
  await page.route("**/*.wasm", async (route) => {
    await new Promise((done) => setTimeout(done, 1500));
    await route.continue();
  });
  await page.goto("/generate?table=main.sales.customers");
  await page.getByLabel("What must be true of this table's data?").fill("order of typing test: emails must be valid");
  await page.getByLabel("Rows to profile").fill("1000");
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled({ timeout: 30_000 });
  await expect(page.getByLabel("What must be true of this table's data?")).toHaveValue("order of typing test: emails must be valid");
  await expect(page.getByLabel("Rows to profile")).toHaveValue("1000");
});
