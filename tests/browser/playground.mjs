// Opens the GraphiQL playground of a running gateway in headless Debian
// Chromium (driven by playwright-core, no browser download) and checks what
// a person would: the page renders, the schema loads into the docs
// explorer, the default query and a query given in the URL run and their
// results appear in the page. It fails if any request leaves the gateway's
// origin, if the Content-Security-Policy refuses anything, or if the page
// throws. tests/with-gateway.sh starts the gateway and sets GATEWAY_URL;
// this script starts nothing but the browser.
//
// The screenshot is kept in test-artifacts/playground.png.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

// The query this test runs through ?query=, and what its result must show:
// real data from the three sandbox emulators (SynergyCRM's first contact,
// Solos's first project, r_keeper's countries), Cyrillic intact.
const TEST_QUERY = `query PlaygroundSmokeTest {
  contacts(first: 2) { nodes { firstName lastName } }
  projects(first: 1) { nodes { name } }
  countries { name }
}`;
const TEST_EXPECTED = ['"firstName": "Иван"', '"lastName": "Иванов"', '"name": "Внедрение CRM', '"name": "Россия"'];

// What the result of the playground's default query (the editor's content
// on a first visit, playground/src/default-query.js) must show: the root
// fields of the schema, among them the contract's node(id:).
const DEFAULT_QUERY_MARKER = 'query RootFields';
const DEFAULT_EXPECTED = ['"name": "node"'];

// A root query field and its description (schema.graphqls), which the docs
// explorer must show once the schema has loaded.
const DOCS_FIELD = 'node';
const DOCS_DESCRIPTION = 'Any entity of any CRM by its global ID.';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps trying to reach
// Google's hosts, which the test machines cannot (and must not) reach.
const CHROMIUM_ARGS = [
  '--no-sandbox', // runs as root in CI
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
const TIMEOUT = 30_000;

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = resolve(here, '../../test-artifacts');

const base = process.env.GATEWAY_URL;
if (!base) {
  console.error('browser: GATEWAY_URL is not set (run through tests/with-gateway.sh)');
  process.exit(2);
}
const origin = new URL(base).origin;

const results = [];
async function check(name, fn) {
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ok    ${name}`);
  } catch (err) {
    results.push({ name, ok: false });
    console.log(`  FAIL  ${name}\n        ${String(err?.message ?? err).split('\n').join('\n        ')}`);
  }
}

// Monaco draws text with non-breaking spaces, one element per line.
const normalize = (s) => s.replace(/\u00a0/g, ' ').replace(/\s+/g, ' ');

async function responseText(page) {
  return normalize(await page.locator('.graphiql-response').innerText());
}

async function waitForResult(page, expected) {
  await page.waitForFunction(
    (want) => {
      const el = document.querySelector('.graphiql-response');
      const text = (el?.innerText ?? '').replace(/\u00a0/g, ' ').replace(/\s+/g, ' ');
      return want.every((w) => text.includes(w));
    },
    expected,
    { timeout: TIMEOUT },
  );
}

// newPage opens a page in a fresh profile-less context that records every
// request leaving the origin (and aborts it), CSP refusals and page errors.
async function newPage(browser, problems) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  await context.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.origin !== origin) {
      problems.push(`request left the origin: ${route.request().method()} ${u.href}`);
      return route.abort('blockedbyclient');
    }
    return route.continue();
  });
  const page = await context.newPage();
  page.on('request', (req) => {
    const u = req.url();
    if (!u.startsWith(origin + '/') && !u.startsWith('data:') && !u.startsWith('blob:')) {
      problems.push(`request left the origin: ${req.method()} ${u}`);
    }
  });
  page.on('websocket', (ws) => problems.push(`websocket opened: ${ws.url()}`));
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content Security Policy|Refused to/i.test(text)) problems.push(`CSP: ${text}`);
    else if (msg.type() === 'error') problems.push(`console error: ${text}`);
  });
  return { context, page };
}

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
try {
  // First visit: the default query.
  {
    const problems = [];
    const { context, page } = await newPage(browser, problems);
    const introspection = page.waitForResponse(
      (r) => r.url() === `${origin}/graphql` && r.request().method() === 'POST' && /__schema/.test(r.request().postData() ?? ''),
      { timeout: TIMEOUT },
    );
    let pageResponse;
    await check('the playground page loads with a strict CSP', async () => {
      pageResponse = await page.goto(`${origin}/playground`, { waitUntil: 'load', timeout: TIMEOUT });
      if (pageResponse.status() !== 200) throw new Error(`status ${pageResponse.status()}`);
      const csp = pageResponse.headers()['content-security-policy'] ?? '';
      if (!/script-src 'self'(;|$)/.test(csp) || !/connect-src 'self'/.test(csp)) throw new Error(`CSP: ${csp}`);
    });
    await check('GraphiQL renders with the default query', async () => {
      await page.locator('.graphiql-query-editor').waitFor({ timeout: TIMEOUT });
      await page.waitForFunction(
        (marker) => document.querySelector('.graphiql-query-editor')?.innerText.replace(/\u00a0/g, ' ').includes(marker),
        DEFAULT_QUERY_MARKER,
        { timeout: TIMEOUT },
      );
    });
    await check('the schema is fetched from the gateway', async () => {
      const r = await introspection;
      if (r.status() !== 200) throw new Error(`introspection status ${r.status()}`);
      const body = await r.json();
      if (!body?.data?.__schema?.queryType) throw new Error(`introspection answer: ${JSON.stringify(body).slice(0, 200)}`);
    });
    await check('the docs explorer shows the schema', async () => {
      await page.getByRole('button', { name: 'Show Documentation Explorer' }).click({ timeout: TIMEOUT });
      const docs = page.locator('.graphiql-doc-explorer');
      // Root types → Query → its fields, with the schema's descriptions.
      await docs.getByText('Query', { exact: true }).first().click({ timeout: TIMEOUT });
      await docs.getByText(DOCS_FIELD, { exact: true }).first().waitFor({ timeout: TIMEOUT });
      await docs.getByText(DOCS_DESCRIPTION).first().waitFor({ timeout: TIMEOUT });
    });
    await check('the default query runs and its result is shown', async () => {
      const answer = page.waitForResponse(
        (r) => r.url() === `${origin}/graphql` && /RootFields/.test(r.request().postData() ?? ''),
        { timeout: TIMEOUT },
      );
      await page.locator('.graphiql-execute-button').click({ timeout: TIMEOUT });
      const r = await answer;
      if (r.status() !== 200) throw new Error(`status ${r.status()}: ${await r.text()}`);
      await waitForResult(page, DEFAULT_EXPECTED);
    });
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: resolve(artifacts, 'playground.png') });
    await check('no request left the origin and nothing was refused', async () => {
      if (problems.length) throw new Error(problems.join('\n'));
    });
    await context.close();
  }

  // A query given in the URL.
  {
    const problems = [];
    const { context, page } = await newPage(browser, problems);
    await page.goto(`${origin}/playground?query=${encodeURIComponent(TEST_QUERY)}`, { waitUntil: 'load', timeout: TIMEOUT });
    await check('a query from ?query= runs and its result is shown', async () => {
      await page.waitForFunction(
        () => document.querySelector('.graphiql-query-editor')?.innerText.replace(/\u00a0/g, ' ').includes('PlaygroundSmokeTest'),
        undefined,
        { timeout: TIMEOUT },
      );
      const answer = page.waitForResponse(
        (r) => r.url() === `${origin}/graphql` && /PlaygroundSmokeTest/.test(r.request().postData() ?? ''),
        { timeout: TIMEOUT },
      );
      await page.locator('.graphiql-execute-button').click({ timeout: TIMEOUT });
      const r = await answer;
      if (r.status() !== 200) throw new Error(`status ${r.status()}: ${await r.text()}`);
      try {
        await waitForResult(page, TEST_EXPECTED);
      } catch (err) {
        throw new Error(`${err.message}\nresponse pane: ${await responseText(page)}`);
      }
    });
    await page.screenshot({ path: resolve(artifacts, 'playground-query.png') });
    await check('no request left the origin and nothing was refused (URL query)', async () => {
      if (problems.length) throw new Error(problems.join('\n'));
    });
    await context.close();
  }
} finally {
  await browser.close();
}

const failed = results.filter((r) => !r.ok).length;
console.log(`browser: ${results.length - failed} passed, ${failed} failed`);
console.log(`browser: screenshots in ${artifacts}`);
process.exit(failed ? 1 : 0);
