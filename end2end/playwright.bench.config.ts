// The designer benchmark: not part of `./x test`. Run it with
//   npx playwright test --config playwright.bench.config.ts
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

export default defineConfig({ ...base, testDir: './bench', testMatch: '*.bench.ts', timeout: 300_000 });
