// The site is split by route (`--split`, in debug and release builds alike): the tables page, where everybody starts, loads only the
// main wasm; a page's own code arrives when the page is first shown, and then it works.
import { test, expect } from "@playwright/test";
import { alice } from "./users";

test("the tables page loads no page chunk; the generate page's arrives on navigation", async ({ page }) => {
  const wasm: string[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith(".wasm")) wasm.push(new URL(r.url()).pathname);
  });
  await page.setExtraHTTPHeaders(alice);
  await page.goto("/?table=main.sales.customers");
  await page.waitForLoadState("networkidle");
  expect(wasm).toContain("/pkg/dqx-manager.wasm");
  expect(wasm.filter((p) => p.includes("split___"))).toEqual([]);

  // A client-side navigation fetches the generate page's code, and the page then acts.
  await page.getByRole("link", { name: "Generate rules for this table" }).click();
  await expect(page.getByRole("heading", { name: "Generate rules", level: 1 })).toBeVisible();
  await expect.poll(() => wasm.some((p) => p.includes("split___generate_route_view"))).toBe(true);
  await expect(page.getByText("1,000 rows · 7 columns")).toBeVisible();
  await page.getByRole("button", { name: "Generate rules" }).click();
  await expect(page.getByText("Describe what good data means first")).toBeVisible();
});
