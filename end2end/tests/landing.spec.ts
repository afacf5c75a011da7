// Issue 29 (10): the landing page lists the tables with rules that the user may read, with where
// their rules stand, and the same list is the table picker of Validate and History.
import { test, expect } from "@playwright/test";
import { alice, bob } from "./users";

const table = "finance.ledger.transactions";
const rule = {
  name: "txn_id_present", criticality: "error",
  check: { function: "is_not_null", arguments: { column: "txn_id" } },
};

test("the landing page lists alice's tables with rules and hides them from bob", async ({ page, request }) => {
  const saved = await request.post("/api/save_rule_set", { headers: alice, data: { table, rules: [rule] } });
  expect(saved.status()).toBe(200);
  const { version } = await saved.json();

  await page.setExtraHTTPHeaders(alice);
  await page.goto("/");
  const list = page.getByRole("region", { name: "Your tables with rules" });
  const row = list.getByRole("row").filter({ has: page.getByRole("rowheader", { name: table }) });
  await expect(row).toBeVisible();
  await expect(row).toContainText(`v${version} · Draft`);
  await expect(row).toContainText("None yet");
  await expect(row).toContainText("Not validated yet");
  // The catalog browser is still there below it.
  await expect(page.getByRole("region", { name: "Catalogs" })).toBeVisible();

  // The same list picks the table on Validate and History.
  await page.goto("/validate");
  await page.getByRole("region", { name: "Pick a table with rules" }).getByRole("link", { name: table }).click();
  await expect(page).toHaveURL(new RegExp(`/validate\\?table=finance\\.ledger\\.transactions&version=${version}`));
  await expect(page.getByRole("button", { name: `Validate version ${version} (1 rules)` })).toBeVisible();
  await page.goto("/history");
  await page.getByRole("region", { name: "Pick a table with rules" }).getByRole("link", { name: table }).click();
  await expect(page).toHaveURL(/\/history\?table=finance\.ledger\.transactions$/);
  await expect(page.getByRole("table", { name: "Saved versions" })).toBeVisible();
  // One version: nothing to compare it with, so no comparison of it with itself.
  await expect(page.getByRole("heading", { name: "Compare versions" })).toHaveCount(0);

  // bob may not read finance: the table is not named to him at all.
  await page.setExtraHTTPHeaders(bob);
  await page.goto("/");
  await expect(page.getByRole("region", { name: "Your tables with rules" })).toBeVisible();
  await expect(page.getByText(table)).toHaveCount(0);
});
