import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, missingChromium } from '../support/chromium.js';
import { startGateway, type Gateway } from '../support/gateway-harness.js';

// Set SWAGGER_UI_SCREENSHOT=/tmp/swagger-ui.png to see what the browser saw.
const SCREENSHOT = process.env.SWAGGER_UI_SCREENSHOT;

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
    // The built-in catalog, as a new user has it: its real limits are what a "Try it out" body must
    // fit in (the providers are the simulator).
    gateway = await startGateway();
    // Without Chromium every test below fails with missingChromium: never a silent skip.
    browser = await launchChromium();
    if (!browser) return;
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
    if (!docs) throw missingChromium('the Swagger UI test');
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

  /**
   * Opens the operation, clicks "Try it out" and "Execute" with what Swagger UI filled in, and
   * returns the live response it shows, with the request body it sent (none for a GET).
   */
  async function tryItOut(method: string, path: string): Promise<{ status: string; body: string; sent: string | undefined }> {
    const block = operation(page(), method, path);
    await expect.poll(() => block.count(), { timeout: 15_000 }).toBe(1);
    await block.locator('.opblock-summary').first().click();
    await block.locator('button.try-out__btn').click();
    const editor = block.locator('textarea.body-param__text');
    const sent = method === 'GET' ? undefined : await editor.inputValue({ timeout: 5_000 });
    await block.locator('button.execute').click();

    const live = block.locator('.live-responses-table .response');
    await live.first().waitFor({ timeout: 10_000 });
    return {
      status: (await live.locator('.response-col_status').first().innerText()).trim(),
      body: await live.locator('.response-col_description pre').first().innerText(),
      sent,
    };
  }

  it('GET /models: Try it out, Execute shows the live 200 response with the models', async () => {
    const { status, body } = await tryItOut('GET', '/models');
    expect(status).toBe('200');
    expect(body).toContain('"models"');
    expect(body).toContain('groq/openai/gpt-oss-120b');
    expect(pageErrors).toEqual([]);
  }, 30_000);

  /** The first example of the operation's request body in the served document. */
  async function firstExample(path: string): Promise<unknown> {
    const document = (await (await fetch(`${gateway.url}/docs-json`)).json()) as {
      paths: Record<string, { post: { requestBody: { content: Record<string, { examples: Record<string, { value: unknown }> }> } } }>;
    };
    return Object.values(document.paths[path]!.post.requestBody.content['application/json']!.examples)[0]!.value;
  }

  // The request bodies below are the ones Swagger UI fills in by itself (nothing is typed): the
  // document's first example, which test/e2e/openapi-examples.e2e-spec.ts also sends.
  it('POST /chat: Try it out, Execute with the example body shows a 200 SSE answer', async () => {
    const { status, body, sent } = await tryItOut('POST', '/chat');
    expect(JSON.parse(sent ?? '')).toEqual(await firstExample('/chat'));
    expect(status).toBe('200');
    expect(body).toContain('event: meta');
    expect(body).toContain('event: done');
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('POST /v1/chat/completions: Try it out, Execute with the example body shows a 200 chat.completion', async () => {
    const { status, body, sent } = await tryItOut('POST', '/v1/chat/completions');
    expect(JSON.parse(sent ?? '')).toEqual(await firstExample('/v1/chat/completions'));
    expect(status).toBe('200');
    expect(body).toContain('"object": "chat.completion"');
    expect(pageErrors).toEqual([]);
  }, 30_000);

  it('POST /v1/responses: Try it out, Execute with the example body shows a 200 response object', async () => {
    const { status, body, sent } = await tryItOut('POST', '/v1/responses');
    expect(JSON.parse(sent ?? '')).toEqual(await firstExample('/v1/responses'));
    expect(status).toBe('200');
    expect(body).toContain('"object": "response"');
    expect(body).toContain('"status": "completed"');
    expect(pageErrors).toEqual([]);
  }, 30_000);
});
