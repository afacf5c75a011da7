// Issue 30: a schedule and an alert on main.sales.orders set on its Monitor page; the scheduled
// run appears in the trend and the alert in the delivery log (a local webhook receives it), and
// bob, who may read the table, sees the runs alice's schedule started.
import { test, expect } from "@playwright/test";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { alice, bob, carol } from "./users";

const table = "main.sales.orders";
const rule = {
  name: "amount_not_negative", criticality: "error",
  check: { function: "is_not_less_than", arguments: { column: "amount", limit: 0 } },
};

test("a schedule and an alert: the run in the trend, the alert delivered, the runs shown to bob", async ({ page, request }) => {
  test.setTimeout(180_000);
  const received: Array<Record<string, unknown>> = [];
  const receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => { received.push(JSON.parse(body)); res.writeHead(200); res.end("ok"); });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const port = (receiver.address() as AddressInfo).port;

  const saved = await request.post("/api/save_rule_set", { headers: alice, data: { table, rules: [rule] } });
  expect(saved.status()).toBe(200);
  const { version } = await saved.json();
  expect((await request.post("/api/submit_rule_set", { headers: alice, data: { table, version } })).status()).toBe(200);
  const approved = await request.post("/api/approve_rule_set", {
    headers: carol, data: { table, version, expected_status: "pending" },
  });
  expect(approved.status()).toBe(200);

  await page.setExtraHTTPHeaders(alice);
  await page.goto(`/monitor?table=${table}`);
  const schedule = page.getByRole("region", { name: "Schedule" });
  await schedule.getByLabel("Cron (minute hour day month weekday)").fill("* * * * *");
  await schedule.getByLabel("Time zone").fill("Europe/Berlin");
  await schedule.getByRole("button", { name: "Save schedule" }).click();
  await expect(schedule.getByRole("status")).toContainText("Next run");
  await expect(schedule.getByRole("status")).toContainText("set by alice@example.com");

  const alerts = page.getByRole("region", { name: "Alerts" });
  await alerts.getByLabel("Name").fill("orders have errors");
  await alerts.getByLabel("URL (https)").fill(`http://127.0.0.1:${port}/hook/secret-token`);
  await alerts.getByRole("button", { name: "Save alert" }).click();
  const listed = alerts.getByRole("table", { name: "Alerts of the table" });
  await expect(listed).toContainText("error_row_count > 0");
  await expect(listed).not.toContainText("secret-token");

  // The schedule fires within a minute; the run is recorded, then its alert delivered.
  await expect.poll(async () => {
    const reply = await request.post("/api/run_history", { headers: alice, data: { table } });
    const history = await reply.json();
    return history.runs.filter((r: { trigger: string }) => r.trigger === "schedule").length;
  }, { timeout: 120_000, intervals: [2_000] }).toBeGreaterThan(0);
  await expect.poll(() => received.length, { timeout: 30_000 }).toBeGreaterThan(0);
  expect(received[0].table).toBe(table);
  expect((received[0].observed_metrics as Record<string, number>).error_row_count).toBe(80);

  await page.reload();
  await expect(page.getByRole("img", { name: /Pass rate per run/ })).toBeVisible();
  const runs = page.getByRole("table", { name: "Runs of the table, newest first" });
  await expect(runs.getByRole("row").filter({ hasText: "schedule" }).first()).toContainText("alice@example.com");
  await expect(page.getByRole("table", { name: "Alert deliveries, newest first" })).toContainText("sent");

  // bob did not start these runs, but may read the table: he sees them, and the overview.
  await page.setExtraHTTPHeaders(bob);
  await page.goto(`/monitor?table=${table}`);
  const bobsRow = page.getByRole("table", { name: "Runs of the table, newest first" }).getByRole("row").filter({ hasText: "schedule" }).first();
  await expect(bobsRow).toContainText("alice@example.com");
  // Counts only: to see rows, bob checks the version again, read as himself.
  await expect(bobsRow.getByRole("link", { name: `Check v${version} as you` }))
    .toHaveAttribute("href", `/validate?table=${encodeURIComponent(table)}&version=${version}`);
  await page.goto("/monitor");
  const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: table }) });
  await expect(row.getByRole("img", { name: /Pass rate of main\.sales\.orders over its last/ })).toBeVisible();
  await expect(row).toContainText("amount_not_negative");

  // No more runs every minute for the specs after this one.
  expect((await request.post("/api/delete_schedule", { headers: alice, data: { table } })).status()).toBe(200);
  receiver.close();
});
