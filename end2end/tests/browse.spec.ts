// Browsing the embedded local workspace as different users, with and without JavaScript.
import { test, expect } from "@playwright/test";
import { alice, bob } from "./users";

test("alice browses to main.sales.customers and sees sample rows", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/");
  await expect(page.getByLabel("Signed in as")).toContainText("alice@example.com");
  await expect(page.getByLabel("Signed in as")).toContainText("Local");

  const catalogs = page.getByRole("region", { name: "Catalogs" });
  await expect(catalogs.getByRole("link", { name: "finance", exact: true })).toBeVisible();
  await catalogs.getByRole("link", { name: "main", exact: true }).click();

  const schemas = page.getByRole("region", { name: "Schemas" });
  await schemas.getByRole("link", { name: "sales", exact: true }).click();

  const tables = page.getByRole("region", { name: "Tables", exact: true });
  await tables.getByRole("link", { name: "customers", exact: true }).click();

  await expect(page).toHaveURL(/[?&]table=main\.sales\.customers/);
  const grid = page.getByRole("table", { name: /Sample rows of main\.sales\.customers/ });
  await expect(grid).toBeVisible();
  await expect(grid.getByRole("columnheader", { name: /email/ })).toBeVisible();
  // 100 rows by default, plus the header row.
  await expect(grid.getByRole("row")).toHaveCount(101);
  // The planted NULL email in row 4 (customer_id 4) is shown as NULL, not as an empty cell.
  await expect(grid.getByRole("cell", { name: "NULL", exact: true }).first()).toBeVisible();
  // Columns and the row count are described.
  await expect(page.getByText("1,000 rows")).toBeVisible();
  await expect(page.getByRole("rowheader", { name: "lifetime_value" })).toBeVisible();
});

test("the sample size can be changed and is kept in the URL", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/?table=main.hr.employees");
  await page.getByRole("spinbutton", { name: "Rows to show" }).fill("7");
  await page.getByRole("button", { name: "Show rows" }).click();
  await expect(page).toHaveURL(/limit=7/);
  const grid = page.getByRole("table", { name: /Sample rows of main\.hr\.employees/ });
  await expect(grid.getByRole("row")).toHaveCount(8);
});

test("bob is not offered finance, and a direct sample call on it is refused", async ({ page, request }) => {
  await page.setExtraHTTPHeaders(bob);
  await page.goto("/");
  await expect(page.getByLabel("Signed in as")).toContainText("bob@example.com");
  const catalogs = page.getByRole("region", { name: "Catalogs" });
  await expect(catalogs.getByRole("link", { name: "main", exact: true })).toBeVisible();
  await expect(catalogs.getByRole("link", { name: "finance", exact: true })).toHaveCount(0);

  // main.hr is not offered either: bob may use only main.sales.
  await catalogs.getByRole("link", { name: "main", exact: true }).click();
  const schemas = page.getByRole("region", { name: "Schemas" });
  await expect(schemas.getByRole("link", { name: "sales", exact: true })).toBeVisible();
  await expect(schemas.getByRole("link", { name: "hr", exact: true })).toHaveCount(0);

  const refused = await request.post("/api/sample_table", {
    headers: bob,
    data: { table: "finance.ledger.transactions" },
  });
  expect(refused.status()).toBe(403);
  const body = await refused.json();
  expect(body.kind).toBe("permission_denied");
  expect(body.message).toContain("finance");
  expect(body.request_id).toBeTruthy();

  // The same call as alice succeeds, so the refusal is about bob, not the table.
  const allowed = await request.post("/api/sample_table", {
    headers: alice,
    data: { table: "finance.ledger.transactions", limit: 3 },
  });
  expect(allowed.status()).toBe(200);
  expect((await allowed.json()).rows).toHaveLength(3);
});

test("bob opening a table he may not read sees a clear error in the page", async ({ page }) => {
  await page.setExtraHTTPHeaders(bob);
  await page.goto("/?table=main.hr.employees");
  await expect(page.getByRole("alert").first()).toContainText("USE SCHEMA on main.hr");
});

test("an unknown forwarded token is refused with 401", async ({ request }) => {
  const res = await request.post("/api/whoami", {
    headers: { "x-forwarded-access-token": "not-a-local-token" },
    data: {},
  });
  expect(res.status()).toBe(401);
  const text = await res.text();
  expect(text).not.toContain("not-a-local-token");
});

test("a malformed table name gets a message naming the problem", async ({ request }) => {
  const res = await request.post("/api/describe_table", { headers: alice, data: { table: "customers" } });
  expect(res.status()).toBe(400);
  expect((await res.json()).message).toContain("three parts");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the table page renders completely on the server", async ({ page }) => {
    await page.goto("/?table=main.sales.customers&limit=5");
    await expect(page.getByLabel("Signed in as")).toContainText("dev@localhost");
    const grid = page.getByRole("table", { name: /Sample rows of main\.sales\.customers/ });
    await expect(grid.getByRole("row")).toHaveCount(6);
    // Navigation links work as plain links.
    await page.getByRole("region", { name: "Catalogs" }).getByRole("link", { name: "finance", exact: true }).click();
    await expect(page.getByRole("region", { name: "Schemas" }).getByRole("link", { name: "ledger" })).toBeVisible();
  });
});

test("bob opening a finance table sees one refusal and no action he cannot take", async ({ page }) => {
  await page.setExtraHTTPHeaders(bob);
  await page.goto("/?table=finance.ledger.transactions");
  const refusals = page.getByRole("alert");
  await expect(refusals).toHaveCount(1);
  await expect(refusals).toContainText("finance");
  await expect(page.getByRole("link", { name: "Generate rules for this table" })).toHaveCount(0);
  // The columns above the preview name the refusal without repeating it.
  await expect(page.getByRole("region", { name: "Schemas" })).toContainText("Not available to you");
});
