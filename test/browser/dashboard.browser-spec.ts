// The dashboard in a real browser (headless Chromium) against a gateway whose providers are the
// simulator: traffic with a fallback, a 429 cooldown and an open circuit, then what a person sees.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAccessKey, hashAccessKey } from '../../src/access/access-key.js';
import { launchChromium, missingChromium } from '../support/chromium.js';
import { untilFreshMinute } from '../support/gateway-client.js';
import { hello, model, postChat, startGateway, type Gateway } from '../support/gateway-harness.js';

const require = createRequire(import.meta.url);
// DASHBOARD_SCREENSHOTS=docs/images writes the README's screenshots; by default they go to a temporary directory.
const SCREENSHOTS = process.env.DASHBOARD_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'dashboard-screenshots-'));

describe('the dashboard at /dashboard in a real browser (headless Chromium)', () => {
  let gateway: Gateway;
  let browser: Browser | undefined;
  let page: Page | undefined;
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const failedRequests: string[] = [];

  beforeAll(async () => {
    gateway = await startGateway({
      models: [
        model('groq', 'openai/gpt-oss-120b', { model: 'gpt-oss-120b', priority: 1, limits: { requestsPerMinute: 30, tokensPerMinute: 60_000, requestsPerDay: 1_000, tokensPerDay: 500_000 } }),
        model('cerebras', 'gpt-oss-120b', { priority: 2, limits: { requestsPerMinute: 30, tokensPerMinute: 60_000, requestsPerDay: 14_400, tokensPerDay: 1_000_000 } }),
        model('cerebras', 'qwen-3.8-27b', { priority: 3 }),
      ],
      env: { ROTATION_STRATEGY: 'priority', CIRCUIT_BREAKER_MIN_REQUESTS: '3', CIRCUIT_BREAKER_COOLDOWN_MS: '120000', CIRCUIT_BREAKER_MAX_COOLDOWN_MS: '120000' },
    });
    browser = await launchChromium();
    if (!browser) return;
    page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) failedRequests.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  function browserPage(): Page {
    if (!page) throw missingChromium('the dashboard test');
    return page;
  }

  it('shows every deployment as available before any traffic, with its limits as empty bars', async () => {
    const view = browserPage();
    await view.goto(`${gateway.url}/dashboard`);
    const cards = view.locator('#deployments .card');
    await expect.poll(() => cards.count(), { timeout: 10_000 }).toBe(3);
    for (const key of ['groq/openai/gpt-oss-120b', 'cerebras/gpt-oss-120b', 'cerebras/qwen-3.8-27b']) {
      await expect.poll(() => view.locator(`.card[data-key="${key}"] .state`).getAttribute('data-state')).toBe('available');
    }
    expect(await view.locator('.card[data-key="groq/openai/gpt-oss-120b"] .bar').count()).toBe(4);
    expect(await view.locator('#open-warning').isVisible()).toBe(true);
    expect(await view.locator('#key-form').isVisible()).toBe(false);
    expect(await view.locator('#groups li[data-model="gpt-oss-120b"]').textContent()).toContain('groq/openai/gpt-oss-120b, cerebras/gpt-oss-120b');
    expect(await view.locator('#groups li[data-model="gpt-oss-120b"] .next').textContent()).toBe('Next: groq/openai/gpt-oss-120b');
  });

  it('shows a fallback, a 429 cooldown and an open circuit as they happen, and draws the charts', async () => {
    // The minute bars count this UTC minute: the requests and the reading must fall in the same one.
    await untilFreshMinute();
    const view = browserPage();
    // Groq answers 429: the request falls back to Cerebras, and Groq cools down for a minute.
    gateway.sim.setBehaviour('groq', 'openai/gpt-oss-120b', { kind: 'error', status: 429, headers: { 'retry-after': '60' } });
    expect((await postChat(gateway, { ...hello, model: 'gpt-oss-120b', stream: false })).status).toBe(200);
    // qwen fails three times in a row: its circuit opens.
    gateway.sim.setBehaviour('cerebras', 'qwen-3.8-27b', { kind: 'error', status: 500 });
    for (let i = 0; i < 3; i++) expect((await postChat(gateway, { ...hello, model: 'qwen-3.8-27b', stream: false })).status).toBe(502);
    for (let i = 0; i < 4; i++) expect((await postChat(gateway, { ...hello, model: 'cerebras/gpt-oss-120b', stream: false })).status).toBe(200);
    // A client's text reaches the page (the model it asked for): shown as text, never run as markup.
    const hostile = '<img src=x onerror="document.body.dataset.owned=1">';
    expect((await postChat(gateway, { ...hello, model: hostile, stream: false })).status).toBe(404);

    // No reload: the page picks the changes up by itself.
    await expect.poll(() => view.locator('.card[data-key="groq/openai/gpt-oss-120b"] .state').getAttribute('data-state'), { timeout: 10_000 }).toBe('cooling');
    await expect.poll(() => view.locator('.card[data-key="cerebras/qwen-3.8-27b"] .state').getAttribute('data-state')).toBe('open');
    expect(await view.locator('.card[data-key="cerebras/gpt-oss-120b"] .state').getAttribute('data-state')).toBe('available');
    // The rotation's next pick moves past the deployment cooling down; the model whose one circuit is open has none.
    expect(await view.locator('#groups li[data-model="gpt-oss-120b"] .next').textContent()).toBe('Next: cerebras/gpt-oss-120b');
    expect(await view.locator('#groups li[data-model="qwen-3.8-27b"] .next').textContent()).toBe('Next: none has room now');

    const fellBack = view.locator('#requests tbody tr').filter({ hasText: 'groq/openai/gpt-oss-120b: rate_limited' });
    expect(await fellBack.count()).toBe(1);
    expect(await fellBack.locator('td').nth(3).textContent()).toBe('cerebras/gpt-oss-120b');
    expect(await view.locator('#requests tbody tr').filter({ hasText: 'failed (upstream_error)' }).count()).toBe(3);
    await expect.poll(() => view.locator('#requests tbody tr').filter({ hasText: hostile }).count()).toBe(1);
    expect(await view.locator('#requests img').count()).toBe(0);
    expect(await view.evaluate(() => document.body.dataset.owned)).toBeUndefined();

    // The Cerebras card's minute bar has filled: 5 requests of 30.
    const minuteBar = view.locator('.card[data-key="cerebras/gpt-oss-120b"] .bar[data-window="requests / minute"]');
    await expect.poll(() => minuteBar.textContent()).toContain('5 / 30');
    expect(await minuteBar.locator('.used').evaluate((element) => (element as HTMLElement).style.width)).toBe('16.7%');

    // Its recent pace, over the five answers it gave.
    expect(await view.locator('.card[data-key="cerebras/gpt-oss-120b"] .meta').last().textContent()).toMatch(/^last 5 minutes, 5 answers: first token p50 \d+ ms, p95 \d+ ms; then [\d,]+ tokens\/s \(median\)$/);

    for (const id of ['chart-requests', 'chart-tokens', 'chart-fallbacks', 'chart-ttft']) {
      expect(await view.locator(`#${id} canvas`).count()).toBe(1);
    }
    expect(await view.locator('#chart-ttft .u-legend').textContent()).toContain('cerebras/gpt-oss-120b p50');

    mkdirSync(SCREENSHOTS, { recursive: true });
    await view.screenshot({ path: join(SCREENSHOTS, 'dashboard-desktop.png'), fullPage: true });
    await view.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => view.locator('#chart-requests canvas').evaluate((canvas) => canvas.getBoundingClientRect().width)).toBeLessThanOrEqual(390);
    await view.screenshot({ path: join(SCREENSHOTS, 'dashboard-phone.png'), fullPage: true });
    expect(await view.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  }, 40_000);

  it('has no accessibility violation axe-core finds (labels, contrast, roles, keyboard), at desktop and phone width', async () => {
    const view = browserPage();
    // Evaluated over the DevTools protocol, which the page's CSP does not govern (a script tag would be refused).
    await view.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
    for (const width of [1280, 390]) {
      await view.setViewportSize({ width, height: 900 });
      const violations = await view.evaluate(async () => {
        const { violations } = await (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: Array<{ id: string; nodes: unknown[] }> }> } }).axe.run(document);
        return violations.map((violation) => `${violation.id} (${violation.nodes.length})`);
      });
      expect(violations).toEqual([]);
    }
  });

  it('runs under the gateway\'s Content-Security-Policy without an error', () => {
    browserPage();
    expect(pageErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});

describe('the dashboard of a gateway with access keys', () => {
  let gateway: Gateway;
  let browser: Browser | undefined;
  const admin = generateAccessKey();
  const team = generateAccessKey();

  beforeAll(async () => {
    const keysFile = join(mkdtempSync(join(tmpdir(), 'dashboard-keys-')), 'keys.json');
    writeFileSync(keysFile, JSON.stringify([{ name: 'ops', sha256: hashAccessKey(admin), admin: true }, { name: 'team-a', sha256: hashAccessKey(team), limits: { requestsPerMinute: 10 } }]));
    gateway = await startGateway({ models: [model('cerebras', 'gpt-oss-120b')], env: { GATEWAY_API_KEYS: keysFile } });
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('asks for an admin key, refuses another key, then shows the data without the open-gateway warning (keyboard only for the second try)', async () => {
    if (!browser) throw missingChromium('the dashboard test');
    expect((await postChat(gateway, { ...hello, stream: false }, { 'x-api-key': team })).status).toBe(200);
    const view = await browser.newPage({ viewport: { width: 1024, height: 900 } });
    await view.goto(`${gateway.url}/dashboard`);
    const form = view.locator('#key-form');
    await expect.poll(() => form.isVisible(), { timeout: 10_000 }).toBe(true);
    expect(await view.locator('#content').isVisible()).toBe(false);

    await view.getByLabel('Admin access key').fill(team);
    await view.getByRole('button', { name: 'Show the dashboard' }).click();
    await expect.poll(() => view.locator('#key-error').textContent()).toContain('"admin": true');

    // With the keyboard alone: the refused key's form has the focus, Tab reaches the button.
    expect(await view.evaluate(() => document.activeElement?.id)).toBe('admin-key');
    await view.keyboard.type(admin);
    await view.keyboard.press('Tab');
    expect(await view.evaluate(() => document.activeElement?.textContent)).toBe('Show the dashboard');
    await view.keyboard.press('Enter');
    await expect.poll(() => view.locator('#deployments .card').count(), { timeout: 10_000 }).toBe(1);
    expect(await view.locator('#open-warning').isVisible()).toBe(false);
    expect(await view.locator('#key-form').isVisible()).toBe(false);
    expect(await view.locator('#clients tbody tr[data-client="team-a"]').textContent()).toContain('1 / 10');
    expect(await view.locator('#requests tbody tr').first().locator('td').nth(1).textContent()).toBe('team-a');
    // Kept for the tab: a reload does not ask again.
    await view.reload();
    await expect.poll(() => view.locator('#deployments .card').count(), { timeout: 10_000 }).toBe(1);
    expect(await view.locator('#key-form').isVisible()).toBe(false);
  });
});

