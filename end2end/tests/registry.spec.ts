// Issue 31: alice writes a registry rule on the Registry page and binds it by the column tag
// class = money (the dialog shows the matching tables first); carol approves the rule and the
// binding; both tagged tables show it inherited on their History pages, and a validation of
// orders runs it beside the table's own rule.
import { test, expect } from "@playwright/test";
import { alice, carol } from "./users";

test("a registry rule bound by tag, approved by carol, is inherited by both tables and validated", async ({ page, request }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/registry");
  // Typed values are the page's once it is live (hydration resets fields filled before).
  await expect(page.getByRole("button", { name: "Save registry rule" })).toBeEnabled();
  await page.getByLabel("Name").fill("amount_present");
  await page.getByLabel("Dimension").selectOption("completeness");
  await page.getByLabel("Description").fill("every amount is present");
  await page.getByRole("button", { name: "Save registry rule" }).click();
  await expect(page).toHaveURL(/\/registry\?rule=amount_present$/);
  await expect(page.getByText("v1 · Draft")).toBeVisible();
  await page.getByRole("button", { name: "Submit version 1" }).click();
  await expect(page.getByText("v1 · Pending review")).toBeVisible();

  await expect(page.getByRole("button", { name: "Bind", exact: true })).toBeEnabled();
  await page.getByLabel("Tag", { exact: true }).fill("class=money");
  await page.getByLabel("{{ col }} is").fill("tagged:class=money");
  await page.getByRole("button", { name: "Show matching tables" }).click();
  await expect(page.getByText("Matching tables: finance.ledger.transactions, main.sales.orders")).toBeVisible();
  await page.getByRole("button", { name: "Bind", exact: true }).click();
  await expect(page.getByText(/Bound as b[0-9a-f]{12} \(Pending review\); it covers 2 table/)).toBeVisible();

  // carol approves the rule, then the binding (she approves every table).
  await page.setExtraHTTPHeaders(carol);
  await page.goto("/registry?rule=amount_present");
  await page.getByRole("button", { name: "Approve version 1" }).click();
  await expect(page.getByText("v1 · Approved")).toBeVisible();
  await page.getByRole("button", { name: /^Approve binding b[0-9a-f]{12}$/ }).click();
  await expect(page.getByText(/in force \(v1\)/)).toBeVisible();
  await page.goto("/registry");
  await expect(page.getByRole("link", { name: "amount_present" })).toBeVisible();

  for (const table of ["main.sales.orders", "finance.ledger.transactions"]) {
    await page.goto(`/history?table=${table}`);
    const inherited = page.getByRole("region", { name: "Inherited rules" });
    await expect(inherited).toContainText("amount_present_amount");
    await expect(inherited.getByRole("link", { name: "registry:amount_present@1" })).toHaveAttribute("href", "/registry?rule=amount_present");
  }

  // A validation of orders' own rule runs the inherited one with it.
  const own = [{ name: "order_id_present", criticality: "error", check: { function: "is_not_null", arguments: { column: "order_id" } } }];
  const started = await request.post("/api/start_validation", { headers: alice, data: { table: "main.sales.orders", rules: own } });
  expect(started.status()).toBe(200);
  const runId = (await started.json()).run_id;
  let status: any;
  for (let i = 0; i < 200; i++) {
    status = await (await request.post("/api/run_status", { headers: alice, data: { run_id: runId } })).json();
    if (status.state === "completed" || status.state === "failed") break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(status.state).toBe("completed");
  expect(status.validation.total_rules).toBe(2);
  expect(JSON.stringify(status.validation)).toContain("amount_present_amount");
  expect(JSON.stringify(status.validation)).toContain("order_id_present");
});
