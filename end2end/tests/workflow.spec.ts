// The rule workflow as alice lives it: generate from a prompt, edit in the form, see the JSON
// follow, break an argument and see the error at its field, validate and read the planted
// defects' counts (docs/sample-data.md); and bob cannot see alice's runs.
import { test, expect, Page } from "@playwright/test";
import { alice, bob } from "./users";

async function generate(page: Page, prompt: string) {
  // Typed before hydration, text would be reset: wait until the page is live.
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled();
  await page.getByLabel("What must be true of this table's data?").fill(prompt);
  await page.getByLabel("Rows to profile").fill("1000");
  await page.getByRole("button", { name: "Generate rules" }).click();
  // Cards, not the table a longer rule set opens on.
  await page.getByRole("tab", { name: "Form" }).click();
}

function card(page: Page, name: RegExp) {
  return page.locator("li.rule-card", { has: page.getByRole("heading", { name }) });
}

test("alice generates, edits and validates rules for main.sales.customers", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/generate?table=main.sales.customers");
  await expect(page.getByText("1,000 rows · 7 columns")).toBeVisible();
  // An untouched form shows no error.
  await expect(page.getByText("the rule set is empty")).toHaveCount(0);
  await expect(page.getByText("No rules yet", { exact: true })).toBeVisible();
  await generate(page, "emails must be valid and customer ids unique");

  // The prompt's two rules, marked as coming from the prompt.
  const email = card(page, /email_does_not_match_pattern_email_address/);
  const unique = card(page, /customer_id_is_not_unique/);
  await expect(email).toBeVisible({ timeout: 30_000 });
  await expect(email.getByText("from prompt")).toBeVisible();
  await expect(email.getByLabel("Function")).toHaveValue("is_valid_email");
  await expect(unique.getByLabel("Function")).toHaveValue("is_unique");
  await expect(page).toHaveURL(/generation=local-/);
  await expect(page.getByRole("table", { name: "Column profile" }).getByRole("rowheader", { name: "lifetime_value" })).toBeVisible();

  // Edit in the form; the JSON view follows.
  await unique.getByLabel("Name").fill("customer_ids_are_unique");
  await page.getByRole("tab", { name: "JSON / YAML" }).click();
  await expect(page.getByLabel("Rules as text")).toHaveValue(/"name": "customer_ids_are_unique"/);
  await page.getByRole("tab", { name: "Form" }).click();

  // An invalid argument: the error is shown at its field, and validation waits for a fix.
  const renamed = card(page, /customer_ids_are_unique/);
  await renamed.getByLabel("Function").selectOption("is_in_range");
  await expect(renamed.locator(".field", { has: page.getByLabel("min_limit", { exact: true }) }))
    .toContainText("missing required argument 'min_limit'");
  const validate = page.getByRole("button", { name: /^Validate \d+ rules$/ });
  await expect(validate).toBeDisabled();
  await expect(page.getByText(/Fix the \d+ errors? in the rules first/)).toBeVisible();
  await page.getByRole("button", { name: "Undo" }).click();
  await expect(card(page, /customer_ids_are_unique/).getByLabel("Function")).toHaveValue("is_unique");

  // Validate: the planted defects are found, with the documented counts.
  await expect(validate).toBeEnabled();
  await validate.click();
  const results = page.getByRole("table", { name: "Rule results" });
  await expect(results).toBeVisible({ timeout: 30_000 });
  const violations = async (rule: string) =>
    results.getByRole("row").filter({ has: page.getByRole("rowheader", { name: rule, exact: true }) }).locator("td").nth(4);
  await expect(await violations("email_does_not_match_pattern_email_address")).toHaveText("20");
  await expect(await violations("customer_ids_are_unique")).toHaveText("20");
  await expect(await violations("ip_address_does_not_match_pattern_ipv4_address")).toHaveText("16");
  // Failures first: the first rows fail, passing rules come last.
  await expect(results.locator("tbody tr").first()).toContainText("fail");
  await expect(results.locator("tbody tr").last()).toContainText("pass");
  // The chart's bars run from the most violations down, each label's start shown.
  const labels = await page.getByRole("img", { name: "Violations per rule" }).locator("text.bar-value").allTextContents();
  const values = labels.map((v) => Number(v.replace(/,/g, "")));
  expect(values).toEqual([...values].sort((a, b) => b - a));
  await expect(page.getByText("Rows checked")).toBeVisible();
  await expect(page.getByRole("img", { name: "Violations per rule" })).toBeVisible();
  await expect(page).toHaveURL(/validation=local-/);

  // Results and edits survive navigating away and back.
  await page.getByRole("link", { name: "Runs", exact: true }).click();
  const runs = page.getByRole("table", { name: "Your runs" });
  // This generation and this validation are listed (other tests' runs may be there too).
  await expect(runs.getByRole("row").filter({ hasText: "main.sales.customers" }).filter({ hasText: "Validation" }).first()).toBeVisible();
  await expect(runs.getByRole("row").filter({ hasText: "main.sales.customers" }).filter({ hasText: "Generation" }).first()).toBeVisible();
  await page.goBack();
  await expect(page.getByRole("table", { name: "Rule results" })).toBeVisible({ timeout: 30_000 });
  await page.getByRole("tab", { name: "Form" }).click();
  await expect(card(page, /customer_ids_are_unique/)).toBeVisible();
});

test("a run of alice's is not visible to bob", async ({ page, request }) => {
  const started = await request.post("/api/start_generation", {
    headers: alice,
    data: { table: "main.sales.orders", prompt: "order ids are unique" },
  });
  expect(started.status()).toBe(200);
  const { run_id } = await started.json();

  const asBob = await request.post("/api/run_status", { headers: bob, data: { run_id } });
  expect(asBob.status()).toBe(404);
  expect((await asBob.json()).kind).toBe("not_found");

  await page.setExtraHTTPHeaders(bob);
  await page.goto(`/runs/${run_id}`);
  await expect(page.getByRole("alert")).toContainText(`no run ${run_id} of yours`);
  await page.goto("/runs");
  await expect(page.getByText("No runs yet.")).toBeVisible();

  await page.setExtraHTTPHeaders(alice);
  await page.goto("/runs");
  await expect(page.getByRole("table", { name: "Your runs" }).locator(`a[href="/runs/${run_id}"]`)).toBeVisible();
});

test("bad input is explained next to the action and nothing is lost", async ({ page }) => {
  await page.setExtraHTTPHeaders(bob);
  await page.goto("/generate?table=main.sales.customers");
  // Empty prompt: told what to write.
  await page.getByRole("button", { name: "Generate rules" }).click();
  await expect(page.getByText("Describe what good data means first")).toBeVisible();
  // Out-of-range sample size: the server's reason, the prompt kept.
  // Typed before hydration, text would be reset: wait until the page is live.
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled();
  await page.getByLabel("What must be true of this table's data?").fill("emails must be valid");
  await page.getByLabel("Rows to profile").fill("5");
  await page.getByRole("button", { name: "Generate rules" }).click();
  // Cards, not the table a longer rule set opens on.
  await page.getByRole("tab", { name: "Form" }).click();
  await expect(page.getByRole("alert")).toContainText("between 10 and");
  await expect(page.getByLabel("What must be true of this table's data?")).toHaveValue("emails must be valid");
  // A table bob may not read.
  await page.goto("/generate?table=finance.ledger.transactions");
  await expect(page.getByRole("alert").first()).toContainText("you don't have USE CATALOG on finance");
  // One refusal, and no step offers what bob cannot do (issue 29, item 12).
  await expect(page.getByRole("alert")).toHaveCount(1);
  await expect(page.getByRole("button", { name: "Generate rules" })).toHaveCount(0);
  await expect(page.getByRole("button", { name: "Save draft" })).toHaveCount(0);
  await expect(page.getByText("Pick a table you may read to go on.")).toBeVisible();
});
