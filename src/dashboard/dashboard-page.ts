import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** A file the page loads, held in memory: it is small, and it never changes while the process runs. */
export interface PageAsset {
  body: Buffer;
  contentType: string;
}

const require = createRequire(import.meta.url);
const PAGE_DIRECTORY = join(import.meta.dirname, 'page');

/** The page's own files (copied next to the compiled code by the build) and uPlot's, from its package. */
const SOURCES: Record<string, { path: string; contentType: string }> = {
  'dashboard.js': { path: join(PAGE_DIRECTORY, 'dashboard.js'), contentType: 'text/javascript; charset=utf-8' },
  'dashboard.css': { path: join(PAGE_DIRECTORY, 'dashboard.css'), contentType: 'text/css; charset=utf-8' },
  'uPlot.iife.min.js': { path: require.resolve('uplot/dist/uPlot.iife.min.js'), contentType: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { path: require.resolve('uplot/dist/uPlot.min.css'), contentType: 'text/css; charset=utf-8' },
};

/**
 * The dashboard page and its assets. The HTML names each asset with a version (a hash of all of
 * them), so a browser may cache the assets for good and still loads new ones after an upgrade.
 */
export class DashboardPage {
  readonly html: string;
  readonly version: string;
  private readonly assets = new Map<string, PageAsset>();

  constructor() {
    const hash = createHash('sha256');
    for (const [name, { path, contentType }] of Object.entries(SOURCES)) {
      const body = readFileSync(path);
      hash.update(name).update(body);
      this.assets.set(name, { body, contentType });
    }
    this.version = hash.digest('hex').slice(0, 12);
    this.html = readFileSync(join(PAGE_DIRECTORY, 'index.html'), 'utf8').replaceAll('{{VERSION}}', this.version);
  }

  asset(name: string): PageAsset | undefined {
    return this.assets.get(name);
  }
}
