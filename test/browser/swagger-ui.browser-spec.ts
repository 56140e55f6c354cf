import { existsSync } from 'node:fs';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { model, startGateway, type Gateway } from '../support/gateway-harness.js';

// Debian's Chromium, installed by .ci/run; playwright-core never downloads a browser.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// Set SWAGGER_UI_SCREENSHOT=/tmp/swagger-ui.png to see what the browser saw.
const SCREENSHOT = process.env.SWAGGER_UI_SCREENSHOT;
const MISSING_CHROMIUM = `${CHROMIUM} is missing: the Swagger UI test needs Debian's Chromium (apt-get install -y chromium; .ci/run installs it)`;

/** The operation block Swagger UI renders for `METHOD /path`. */
function operation(page: Page, method: string, path: string): Locator {
  return page.locator(`.opblock.opblock-${method.toLowerCase()}`).filter({
    has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
  });
}

describe('Swagger UI at /docs in a real browser (headless Chromium)', () => {
  let gateway: Gateway;
  let browser: Browser | undefined;
  let docs: Page | undefined;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway({ models: [model('groq', 'openai/gpt-oss-120b'), model('cerebras', 'gpt-oss-120b')] });
    // Without Chromium every test below fails with MISSING_CHROMIUM: never a silent skip.
    if (!existsSync(CHROMIUM)) return;
    // A fresh temporary profile per launch (Playwright's default).
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    docs = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    docs.on('pageerror', (error) => pageErrors.push(error.message));
    await docs.goto(`${gateway.url}/docs`);
  }, 60_000);

  afterAll(async () => {
    if (docs && SCREENSHOT) await docs.screenshot({ path: SCREENSHOT, fullPage: true });
    await browser?.close();
    await gateway?.close();
  });

  function page(): Page {
    if (!docs) throw new Error(MISSING_CHROMIUM);
    return docs;
  }

  it('renders the title and an operation block for every endpoint', async () => {
    const ui = page();
    await expect.poll(() => ui.locator('.opblock').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await ui.locator('.info .title').innerText({ timeout: 5_000 })).toContain('LLM Gateway');

    const rendered = await ui
      .locator('.opblock')
      .evaluateAll((blocks) =>
        blocks.map(
          (block) =>
            `${block.querySelector('.opblock-summary-method')?.textContent?.trim()} ${block
              .querySelector('.opblock-summary-path')
              ?.getAttribute('data-path')}`,
        ),
      );
    // At least these; endpoints added later show up too without breaking this test.
    for (const expected of ['GET /', 'GET /models', 'GET /usage', 'POST /chat', 'GET /health/live', 'GET /health/ready']) {
      expect(rendered).toContain(expected);
    }
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('GET /models: Try it out, Execute shows the live 200 response with the models', async () => {
    const models = operation(page(), 'GET', '/models');
    await expect.poll(() => models.count(), { timeout: 15_000 }).toBe(1);
    await models.locator('.opblock-summary').first().click();
    await models.locator('button.try-out__btn').click();
    await models.locator('button.execute').click();

    const live = models.locator('.live-responses-table .response');
    await live.first().waitFor({ timeout: 10_000 });
    expect((await live.locator('.response-col_status').first().innerText()).trim()).toBe('200');
    const body = await live.locator('.response-col_description pre').first().innerText();
    expect(body).toContain('"models"');
    expect(body).toContain('groq/openai/gpt-oss-120b');
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
