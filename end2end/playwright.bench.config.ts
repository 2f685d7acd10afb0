// The designer benchmark: not part of `./x test`. Run it with
//   npx playwright test --config playwright.bench.config.ts
// It signs in first (the same `auth.setup.ts` as the tests), then runs `bench/*.bench.ts`.
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

export default defineConfig({
  ...base,
  timeout: 300_000,
  projects: [
    { name: 'setup', testDir: './tests', testMatch: /auth\.setup\.ts/ },
    { name: 'bench', testDir: './bench', testMatch: '*.bench.ts', dependencies: ['setup'], use: { storageState: `${__dirname}/.auth/admin.json` } },
  ],
});
