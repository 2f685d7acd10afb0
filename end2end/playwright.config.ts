// Playwright drives Debian's Chromium (no browser download) against a real `outflow serve`
// started on a fresh temporary database for the whole run: SQLite in a temporary folder, or
// the empty PostgreSQL database OUTFLOW_E2E_DATABASE_URL names.
import { defineConfig } from '@playwright/test';

const port = Number(process.env.OUTFLOW_E2E_PORT ?? 3917);
const bin = process.env.OUTFLOW_BIN ?? `${__dirname}/../target/bin/outflow-dev`;
export const adminKey = 'e2e-admin-key-0123456789abcdef';
const database = process.env.OUTFLOW_E2E_DATABASE_URL ? ` --database-url "${process.env.OUTFLOW_E2E_DATABASE_URL}"` : '';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ],
    },
  },
  // `setup` signs the admin in once; every spec then starts with that session.
  projects: [
    { name: 'setup', testMatch: /.*\.setup\.ts/ },
    { name: 'chromium', dependencies: ['setup'], use: { storageState: `${__dirname}/.auth/admin.json` } },
  ],
  webServer: {
    command: `bash -c 'exec "${bin}" serve --addr 127.0.0.1:${port} --data-dir "$(mktemp -d)"${database}'`,
    url: `http://127.0.0.1:${port}/healthz`,
    env: { OUTFLOW_BOOTSTRAP_API_KEY: adminKey, RUST_LOG: 'warn' },
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
