// Every page on a 390 px phone screen (issue 29, item 6): nothing is wider than the screen (wide
// tables scroll inside their own box), the navigation is a menu across the top, the catalog
// columns stack; and the review page's states (item 7) read plainly: a first version is a list,
// a decided version shows its outcome instead of the buttons.
import { test, expect, Page } from "@playwright/test";
import { alice, carol } from "./users";

const table = "main.sales.orders";
const rule = (column: string) => ({
  name: `${column}_present`, criticality: "error",
  check: { function: "is_not_null", arguments: { column } },
});

async function noOverflow(page: Page, where: string) {
  // Let the page come alive and settle before measuring.
  await page.waitForLoadState("networkidle");
  const { scroll, width } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
  }));
  expect(scroll, `${where} is ${scroll} px wide on a ${width} px screen`).toBeLessThanOrEqual(width);
}

test.use({ viewport: { width: 390, height: 844 } });

test("no page is wider than a 390 px screen", async ({ page, request }) => {
  const saved = await request.post("/api/save_rule_set", { headers: alice, data: { table, rules: [rule("order_id"), rule("amount")] } });
  expect(saved.status()).toBe(200);
  const version = (await saved.json()).version;

  await page.setExtraHTTPHeaders(alice);
  for (const path of [
    "/",
    "/?catalog=main&schema=sales",
    `/?table=${table}`,
    "/generate",
    "/validate",
    `/validate?table=${table}`,
    `/history?table=${table}`,
    "/history",
    "/review",
    `/review?table=${table}&version=${version}`,
    "/runs",
  ]) {
    await page.goto(path);
    await noOverflow(page, path);
  }
  // The navigation is across the top, above the content.
  const nav = await page.locator(".side-nav").boundingBox();
  const content = await page.locator(".content").boundingBox();
  expect(nav!.y + nav!.height).toBeLessThanOrEqual(content!.y + 1);

  // The workflow with rules, results and a chart.
  await page.goto(`/generate?table=${table}`);
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled();
  await page.getByLabel("What must be true of this table's data?").fill("no negative amounts; status is one of new, paid, shipped, delivered, cancelled");
  await page.getByLabel("Rows to profile").fill("1000");
  await page.getByRole("button", { name: "Generate rules" }).click();
  await expect(page.getByRole("button", { name: /^Validate \d+ rules$/ })).toBeEnabled({ timeout: 30_000 });
  await page.getByRole("button", { name: /^Validate \d+ rules$/ }).click();
  await expect(page.getByRole("table", { name: "Rule results" })).toBeVisible({ timeout: 30_000 });
  await noOverflow(page, "the workflow with results");
  await page.getByRole("tab", { name: "Form" }).click();
  await noOverflow(page, "the rule cards");
});

test("the review page says first version, and shows a decision's outcome instead of its buttons", async ({ page, request }) => {
  const reviewed = "main.hr.employees";
  const saved = await request.post("/api/save_rule_set", { headers: alice, data: { table: reviewed, rules: [rule("employee_id")] } });
  const version = (await saved.json()).version;
  expect((await request.post("/api/submit_rule_set", { headers: alice, data: { table: reviewed, version } })).status()).toBe(200);

  // No test approves a version of this table elsewhere: nothing is active on it.
  await page.setExtraHTTPHeaders(carol);
  await page.goto(`/review?table=${reviewed}&version=${version}`);
  await expect(page.getByRole("heading", { name: "First version" })).toBeVisible();
  await expect(page.getByText("Nothing is active for this table yet")).toBeVisible();
  await expect(page.getByText(/version 0/)).toHaveCount(0);
  // The controls are stacked: Reject is below Approve, not beside it.
  const approve = await page.getByRole("button", { name: `Approve version ${version}` }).boundingBox();
  const reject = await page.getByRole("button", { name: `Reject version ${version}` }).boundingBox();
  expect(reject!.y).toBeGreaterThan(approve!.y + approve!.height);
  await noOverflow(page, "a version under review");

  await page.getByRole("button", { name: `Approve version ${version}` }).click();
  await expect(page.getByRole("status").filter({ hasText: /^Approved by carol@example\.com at .*; it is the active version\.$/ })).toBeVisible();
  await expect(page.getByRole("button", { name: /^Approve version/ })).toHaveCount(0);
  await expect(page.getByLabel("Or reject it, saying why (required)")).toHaveCount(0);
  await expect(page.getByText(/From version \d+ to \d+/)).toHaveCount(0);
  await expect(page.getByText(/This version is the active one/)).toBeVisible();
});
