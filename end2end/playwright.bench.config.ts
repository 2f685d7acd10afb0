// The designer benchmark: not part of `./x test`. Run it with
//   npx playwright test --config playwright.bench.config.ts
// It signs in first (the same `auth.setup.ts` as the tests), then runs `bench/*.bench.ts`;
// the server allows 100,000 steps per run.
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

export default defineConfig({
  ...base,
  timeout: 300_000,
  // The For Each benchmark runs 10,000 iterations in one run.
  webServer: { ...(base.webServer as object), env: { ...((base.webServer as any).env ?? {}), OUTFLOW_FLOW_STEP_LIMIT: '100000' } } as any,
  projects: [
    { name: 'setup', testDir: './tests', testMatch: /auth\.setup\.ts/ },
    { name: 'bench', testDir: './bench', testMatch: '*.bench.ts', dependencies: ['setup'], use: { storageState: `${__dirname}/.auth/admin.json` } },
  ],
});
