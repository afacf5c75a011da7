// Issue 32: alice turns health on for main.sales from the Monitor page's Health view; the first
// pass observes both tables as her and the grid shows each signal (learning its history yet); a
// table's page shows its signals and row count over its band; a tag scope (columns tagged
// class = money) covers main.sales.orders; bob sees the scope, never main.hr.
import { test, expect } from "@playwright/test";
import { alice, bob } from "./users";

test("health on for a schema: the grid, a table's signals, and what bob sees", async ({ page, request }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/monitor?view=health");
  const watch = page.getByRole("region", { name: "Watch a schema's health" });
  const turnOn = watch.getByRole("button", { name: "Turn health on" });
  await expect(turnOn).toBeEnabled();
  await watch.getByLabel("Tables (catalog.schema.table, * for any)").fill("main.sales.*");
  await turnOn.click();

  const scope = page.getByRole("region", { name: "Health of main.sales.*" });
  await expect(scope).toBeVisible();
  const grid = scope.getByRole("table");
  await expect(grid.getByRole("row", { name: /main\.sales\.customers/ })).toBeVisible();
  await expect(grid.getByRole("row", { name: /main\.sales\.orders/ })).toBeVisible();
  // The first pass runs at once: reload until it has observed.
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("region", { name: "Health of main.sales.*" }).getByText(/last observed/)).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByRole("region", { name: "Health of main.sales.*" }).getByText("Schema").first()).toBeVisible();

  await page.getByRole("link", { name: "main.sales.customers" }).click();
  await expect(page).toHaveURL(/view=health&table=main\.sales\.customers/);
  await expect(page.getByText(/^Volume: /)).toBeVisible();
  await expect(page.getByText(/^Column email: /)).toBeVisible();
  await expect(page.getByRole("img", { name: /Row count per observation: newest 1,000/ })).toBeVisible();

  // The row count is drawn over its band once there is history; the first pass has none yet.
  await expect(page.getByRole("img", { name: /0 of 1 points outside their band/ })).toBeVisible();

  // A tag scope: the tables one of whose columns carries class = money.
  await page.goto("/monitor?view=health");
  await expect(turnOn).toBeEnabled();
  await watch.getByLabel("Tables (catalog.schema.table, * for any)").fill("");
  await watch.getByLabel(/Or tables with a Unity Catalog tag/).fill("class = money");
  await watch.getByLabel("The tag is on").selectOption("column");
  await turnOn.click();
  const tagged = page.getByRole("region", { name: "Health of tag class = money" });
  await expect(tagged.getByRole("row", { name: /main\.sales\.orders/ })).toBeVisible();
  await expect(tagged.getByRole("row", { name: /main\.sales\.customers/ })).toHaveCount(0);

  const bobs = await request.post("/api/health_overview", { headers: bob, data: {} });
  expect(bobs.status()).toBe(200);
  const text = await bobs.text();
  expect(text).toContain("main.sales.customers");
  expect(text).not.toContain("main.hr");
});
