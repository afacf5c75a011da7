// The Validator page: the active saved version of a table, validated against its data.
import { test, expect } from "@playwright/test";
import { alice, carol } from "./users";

test("alice validates the active saved rules of main.hr.employees", async ({ page, request }) => {
  const rules = [
    { name: "salary_in_band", criticality: "error",
      check: { function: "is_in_range", arguments: { column: "salary", min_limit: 30000, max_limit: 250000 } } },
  ];
  const saved = await request.post("/api/save_rule_set", { headers: alice, data: { table: "main.hr.employees", rules } });
  expect(saved.status()).toBe(200);
  const { version } = await saved.json();
  // The sample workspace reviews every table: alice submits, carol approves.
  const submitted = await request.post("/api/submit_rule_set", { headers: alice, data: { table: "main.hr.employees", version } });
  expect(submitted.status()).toBe(200);
  const approved = await request.post("/api/approve_rule_set", { headers: carol, data: { table: "main.hr.employees", version, expected_status: "pending" } });
  expect(approved.status()).toBe(200);

  await page.setExtraHTTPHeaders(alice);
  await page.goto("/validate?table=main.hr.employees");
  await expect(page.getByText(new RegExp(`Version ${version} by alice@example.com .* — active`))).toBeVisible();
  await page.getByRole("button", { name: `Validate version ${version} (1 rules)` }).click();
  const results = page.getByRole("table", { name: "Rule results" });
  await expect(results).toBeVisible({ timeout: 30_000 });
  // docs/sample-data.md: 10 salaries outside 30,000–250,000.
  const row = results.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "salary_in_band", exact: true }) });
  await expect(row.locator("td").nth(4)).toHaveText("10");
  await expect(page.getByText("Rows checked")).toBeVisible();
});
