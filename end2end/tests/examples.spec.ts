// Rules that prove themselves (issue 33): generated rules carry examples and the editor runs
// them; an example edited in the rule's form to one its rule lets through is named at once, and
// submitting the version for review is refused, naming the rule and the example.
import { test, expect } from "@playwright/test";
import { alice } from "./users";

test("an example edited in the form is run, named when wrong, and blocks submit", async ({ page }) => {
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/generate?table=main.sales.orders");
  await expect(page.getByRole("button", { name: "Generate rules" })).toBeEnabled();
  await page.getByLabel("What must be true of this table's data?").fill("order ids must be unique");
  await page.getByLabel("Rows to profile").fill("1000");
  await page.getByRole("button", { name: "Generate rules" }).click();

  const check = page.getByRole("region", { name: "Examples" });
  await expect(check).toContainText(/All \d+ examples get the verdict their rule promises, on the embedded engine\./, { timeout: 30_000 });

  await page.getByRole("tab", { name: "Form" }).click();
  const card = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: /: order_ts_in_future$/ }) });
  const mustFail = card.getByLabel("Rows that must fail");
  await expect(mustFail).toHaveValue(/2999-01-01/);
  // A date in the past is not in the future: the rule lets it through.
  await mustFail.fill('{"order_ts": "2020-01-01 00:00:00"}');
  await mustFail.blur();
  await expect(check).toContainText("1 example of", { timeout: 15_000 });
  await expect(check).toContainText("the rule order_ts_in_future lets through its “fail” example");
  await expect(check).toContainText("2020-01-01 00:00:00");

  await page.getByRole("button", { name: "Submit for review" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "order_ts_in_future" })).toContainText("before submitting for review", { timeout: 15_000 });
});
