// Review before a version counts (the sample workspace: dq-approvers, carol, reviews every
// table): alice imports a change and submits it, neither she nor bob may approve it, carol opens
// it from her queue, reads the diff and the impact preview on the same sample as the active
// version, and approves; alice then sees it active and published in History.
import { test, expect } from "@playwright/test";
import { alice, bob, carol } from "./users";

const table = "main.sales.customers";
const idRule = { name: "customer_id_present", criticality: "error", check: { function: "is_not_null", arguments: { column: "customer_id" } } };
const change = [
  "- name: customer_id_present",
  "  criticality: error",
  "  check: {function: is_not_null, arguments: {column: customer_id}}",
  "- name: email_present",
  "  criticality: error",
  "  check: {function: is_not_null, arguments: {column: email}}",
  `  user_metadata: {examples: '{"pass": [{"email": "a@example.com"}], "fail": [{"email": null}]}'}`,
  "",
].join("\n");

test("alice submits, bob cannot approve, carol previews the impact and approves", async ({ page, request }) => {
  // The active version: customer ids present (saved by alice, approved by carol).
  const base = await request.post("/api/save_rule_set", { headers: alice, data: { table, rules: [idRule] } });
  expect(base.status()).toBe(200);
  const v1 = (await base.json()).version;
  expect((await request.post("/api/submit_rule_set", { headers: alice, data: { table, version: v1 } })).status()).toBe(200);
  expect((await request.post("/api/approve_rule_set", { headers: carol, data: { table, version: v1, expected_status: "pending" } })).status()).toBe(200);

  // alice imports the change (a draft) and submits it from its review page.
  await page.setExtraHTTPHeaders(alice);
  await page.goto(`/history?table=${table}`);
  await page.getByText("Import a rule set").click();
  await page.getByLabel("Or paste DQX rules").fill(change);
  await page.getByRole("button", { name: "Check" }).click();
  await expect(page.getByText("2 rules, valid.")).toBeVisible();
  await page.getByRole("button", { name: "Import as a new version" }).click();
  const imported = page.getByText(/Imported as version (\d+)\./);
  await expect(imported).toBeVisible();
  const v2 = Number((await imported.textContent())!.match(/version (\d+)/)![1]);
  await page.goto(`/review?table=${table}&version=${v2}`);
  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByText(/^Pending review · by alice@example\.com/)).toBeVisible();
  // Her own version: the button is disabled and says why.
  await expect(page.getByRole("button", { name: `Approve version ${v2}` })).toBeDisabled();
  await expect(page.getByText(/you wrote this version/)).toBeVisible();

  // bob reads main.sales but approves nothing: the server refuses him.
  const byBob = await request.post("/api/approve_rule_set", { headers: bob, data: { table, version: v2, expected_status: "pending" } });
  expect(byBob.status()).toBe(403);
  expect((await byBob.json()).message).toContain("not an approver");

  // carol: the queue, the diff, the impact preview, the approval.
  await page.setExtraHTTPHeaders(carol);
  await page.goto("/review");
  await page.getByRole("link", { name: `${table} v${v2}` }).click();
  await expect(page.getByText(`Changes against the active version ${v1}`)).toBeVisible();
  await expect(page.getByText(`From version ${v1} to ${v2}: 1 added, 0 removed, 0 changed, 1 unchanged.`)).toBeVisible();
  await expect(page.locator("ul.diff-added")).toContainText("email_present: is_not_null");
  // The rule's examples and the verdicts it gives them.
  await expect(page.getByText("Every example gets the verdict its rule promises.")).toBeVisible();
  await expect(page.getByRole("table", { name: "Examples and their verdicts" }).getByRole("row")).toHaveCount(3);
  await page.getByRole("button", { name: "Run impact preview" }).click();
  const impact = page.getByRole("region", { name: "Impact preview" });
  // docs/sample-data.md: 1,000 customers, 20 NULL e-mails.
  await expect(impact).toContainText("On 1,000 rows", { timeout: 30_000 });
  await expect(impact).toContainText(`against v${v1} (active): pass rate 100% → 98%, failing rows 0 → 20; 20 rows start failing, 0 stop failing.`);
  const email = impact.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "email_present" }) });
  await expect(email).toContainText("added");
  await expect(email).toContainText("— → 20");
  const ids = impact.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "customer_id_present" }) });
  await expect(ids).toContainText("unchanged");
  await expect(ids).toContainText("0 → 0");
  await page.getByRole("button", { name: `Approve version ${v2}` }).click();
  await expect(page.getByText(/^Approved · by alice@example\.com .* · approved by carol@example\.com .* · active$/)).toBeVisible();

  // alice sees it active, approved by carol.
  await page.setExtraHTTPHeaders(alice);
  await page.goto(`/history?table=${table}`);
  const versions = page.getByRole("table", { name: "Saved versions" });
  const newest = versions.getByRole("row").filter({ has: page.getByRole("rowheader", { name: `v${v2}` }) });
  await expect(newest).toContainText("✓ active");
  await expect(newest).toContainText("approved by carol@example.com");
  // Published for pipelines (locally: the data folder's published/ file).
  await expect(newest).toContainText("published to 1 of 1 targets");
});
