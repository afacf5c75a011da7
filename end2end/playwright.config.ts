// Playwright against the app in local mode, on its own port and a fresh data folder, with
// Debian's Chromium (Playwright cannot download browsers here). scripts/test.sh builds first: the
// release server and the split site (`cargo leptos build --release --split`), so the tests drive
// what the bundle ships; E2E_PROFILE=debug runs them on a `cargo leptos build --split` instead.
import { defineConfig } from "@playwright/test";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const port = process.env.E2E_PORT ?? "3100";
const baseURL = `http://127.0.0.1:${port}`;
const profile = process.env.E2E_PROFILE ?? "release";

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: {
    baseURL,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command: path.join(root, "target", profile, "dqx-manager"),
    cwd: root,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      DQX_DATA_DIR: process.env.E2E_DATA_DIR ?? path.join(root, "target", "e2e", "data"),
      DQX_LISTEN_ADDR: `127.0.0.1:${port}`,
      LEPTOS_OUTPUT_NAME: "dqx-manager",
      LEPTOS_SITE_ROOT: path.join(root, "target", "site"),
      LEPTOS_SITE_PKG_DIR: "pkg",
      LEPTOS_ENV: "PROD",
      RUST_LOG: "warn,dqx_manager=info",
      // The monitor spec's webhook receiver listens on 127.0.0.1.
      DQX_WEBHOOK_ALLOW_LOOPBACK: "true",
    },
  },
});
