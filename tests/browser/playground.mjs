// Opens the GraphiQL playground of a running gateway in headless Debian
// Chromium (driven by playwright-core, no browser download) and checks what
// a person would: the page renders, the schema loads into the docs
// explorer, grouped by CRM; every example tab runs, each of its
// operations, and its result appears without errors, Cyrillic unboxed; a
// query given in the URL runs. With a gateway that asks for an API key
// (BROWSER_API_KEY set: tests/browser/run-auth.sh), the Headers tab shows
// where the key goes, and the examples run once it is there. It fails if
// any request leaves the gateway's origin, if the Content-Security-Policy
// refuses anything, or if the page throws. tests/with-gateway.sh starts
// the gateway and sets GATEWAY_URL; this script starts nothing but the
// browser.
//
// Screenshots are kept in test-artifacts/: one per example tab
// (playground-tab-N-<operation>.png), the docs explorer, the URL query.
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

// The example tabs (playground/src/examples.js), in order: each tab's
// operations, run one after the other, and what each result must show.
// The r_keeper flow creates a client, then adds a contact and an address
// to it: the test puts the new client's id in $clientId as a person would.
const TABS = [
  {
    title: 'AllThreeCRMs',
    ops: [{ name: 'AllThreeCRMs', expect: ['"deals"', '"stage"', '"name": "ООО ', '"projects"', '"payments"', '"name": "Россия"', '"cities"'] }],
  },
  {
    title: 'DealsWithCompanyAndStage',
    ops: [{ name: 'DealsWithCompanyAndStage', expect: ['"totalCount"', '"stage"', '"company"', '"contact"', '"endCursor"'] }],
  },
  {
    title: 'ProjectsWithPayments',
    ops: [{ name: 'ProjectsWithPayments', expect: ['"projects"', '"payments"', '"sum"'] }],
  },
  {
    title: 'CountriesCitiesStreets',
    ops: [
      { name: 'CountriesCitiesStreets', expect: ['"name": "Россия"', '"name": "Москва"', '"streets"', '"name": "10-я Текстильщиков"'] },
      { name: 'Client', expect: ['"lastName": "Безногов"', '"contacts"', '"addresses"'] },
      { name: 'CreateClient', expect: ['"createClient"', '"firstName": "Ольга"'], capture: 'clientId' },
      { name: 'AddContact', expect: ['"value": "+7 999 123-45-67"'], sameClient: true },
      { name: 'AddAddress', expect: ['"street"', '"name": "10-я Текстильщиков"', '"house": "12"', '"apartments": "34"'], sameClient: true },
    ],
  },
];

// The docs explorer's groups and a root field each must list.
const DOC_GROUPS = [
  { backend: 'synergy', title: 'SynergyCRM', field: 'deals' },
  { backend: 'solos', title: 'Solos CRM', field: 'projects' },
  { backend: 'rkeeper', title: 'r_keeper WebDelivery CRM', field: 'countries' },
  { backend: 'core', title: 'Across CRMs', field: 'node' },
];
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
const apiKey = process.env.BROWSER_API_KEY; // set: the gateway asks for this key
const suffix = apiKey ? '-apikey' : '';

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

// waitForResult waits until the response pane shows every expected piece.
// The pane shows only the lines in view, so it is read from the editor's
// model, all of it.
async function waitForResult(page, expected) {
  await page.waitForFunction(
    (want) => {
      const model = globalThis.__MONACO?.editor.getModels().find((m) => m.uri.path.endsWith('response.json'));
      const text = model?.getValue() ?? '';
      return want.every((w) => text.includes(w));
    },
    expected,
    { timeout: TIMEOUT },
  );
}

async function modelValue(page, suffix) {
  return page.evaluate(
    (s) => globalThis.__MONACO?.editor.getModels().find((m) => m.uri.path.endsWith(s))?.getValue() ?? '',
    suffix,
  );
}

// Boxes Monaco draws around letters it finds "ambiguous" (Cyrillic О, с,
// А look like Latin ones): the editors must be told not to (Monaco
// computes the boxes in the background, so the options are what is
// checked for sure), and none may be on screen.
async function unicodeBoxes(page) {
  return page.evaluate(() => {
    const m = globalThis.__MONACO;
    const boxing = m.editor.getEditors().filter((e) => {
      const o = e.getOption(m.editor.EditorOption.unicodeHighlighting);
      return o.ambiguousCharacters !== false || o.nonBasicASCII !== false;
    }).length;
    return boxing + document.querySelectorAll('.graphiql-container .unicode-highlight').length;
  });
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
    else if (msg.type() === 'error' && !(apiKey && /401/.test(text))) problems.push(`console error: ${text}`);
  });
  return { context, page };
}

// run executes the named operation of the active tab: with several
// operations in the editor the ▶ button asks which one.
async function run(page, opName, several) {
  const answer = page.waitForResponse(
    (r) => r.url() === `${origin}/graphql` && r.request().method() === 'POST' &&
      JSON.parse(r.request().postData() ?? '{}').operationName === opName,
    { timeout: TIMEOUT },
  );
  // GraphiQL parses the editor's document a moment after a tab switch; until
  // then the ▶ button still knows the previous tab's operations.
  const button = several ? '.graphiql-execute-button[aria-haspopup="menu"]' : '.graphiql-execute-button';
  await page.locator(button).click({ timeout: TIMEOUT });
  if (several) await page.getByRole('menuitem', { name: opName, exact: true }).click({ timeout: TIMEOUT });
  return answer;
}

// setVariable changes one member of the variables editor, through the
// editor's model, as typing would.
async function setVariable(page, name, value) {
  await page.evaluate(
    ([n, v]) => {
      const model = globalThis.__MONACO.editor.getModels().find((m) => m.uri.path.endsWith('variables.json'));
      const vars = JSON.parse(model.getValue());
      vars[n] = v;
      model.setValue(JSON.stringify(vars, null, 2));
    },
    [name, value],
  );
}

mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
try {
  const problems = [];
  const { context, page } = await newPage(browser, problems);
  const config = page.waitForResponse((r) => r.url() === `${origin}/playground/config.json`, { timeout: TIMEOUT });
  await check('the playground page loads with a strict CSP and reads its config', async () => {
    const resp = await page.goto(`${origin}/playground`, { waitUntil: 'load', timeout: TIMEOUT });
    if (resp.status() !== 200) throw new Error(`status ${resp.status()}`);
    const csp = resp.headers()['content-security-policy'] ?? '';
    if (!/script-src 'self'(;|$)/.test(csp) || !/connect-src 'self'/.test(csp)) throw new Error(`CSP: ${csp}`);
    const c = await (await config).json();
    if (c.mode !== 'sandbox' || c.sandbox?.rkeeper?.clientIds?.length < 1) throw new Error(`config: ${JSON.stringify(c).slice(0, 300)}`);
    if (apiKey ? c.auth?.headers?.Authorization !== 'Bearer <your API key>' : c.auth?.headers) {
      throw new Error(`auth: ${JSON.stringify(c.auth)}`);
    }
  });

  await check('GraphiQL opens on the example tabs, one per CRM and one across the three', async () => {
    await page.locator('.graphiql-query-editor').waitFor({ timeout: TIMEOUT });
    await page.waitForFunction(
      (titles) => {
        const tabs = [...document.querySelectorAll('.graphiql-tab')].map((t) => t.innerText.replace(/\s+/g, ' ').trim());
        return titles.every((t, i) => (tabs[i] ?? '').includes(t)) && tabs.length === titles.length;
      },
      TABS.map((t) => t.title),
      { timeout: TIMEOUT },
    );
  });

  if (apiKey) {
    await check('the Headers tab shows where the API key goes', async () => {
      // The editors' models are filled once GraphiQL has restored its tabs.
      const want = '"Authorization": "Bearer <your API key>"';
      await page
        .waitForFunction(
          (w) => globalThis.__MONACO?.editor.getModels().find((m) => m.uri.path.endsWith('headers.json'))?.getValue().includes(w),
          want,
          { timeout: TIMEOUT },
        )
        .catch(async () => {
          throw new Error(`headers editor: ${await modelValue(page, 'headers.json')}`);
        });
      await page.locator('.graphiql-editor-tool').getByText('"Authorization"').first().waitFor({ timeout: TIMEOUT });
      await page.screenshot({ path: resolve(artifacts, 'playground-headers-apikey.png') });
    });
    await check('with the placeholder the gateway answers 401', async () => {
      const r = await run(page, TABS[0].ops[0].name, false);
      if (r.status() !== 401) throw new Error(`status ${r.status()}`);
      await waitForResult(page, ['"UNAUTHENTICATED"']);
    });
  }

  for (const [i, tab] of TABS.entries()) {
    await check(`tab ${i + 1} (${tab.title}): every operation runs and its result shows, without errors or boxed Cyrillic`, async () => {
      await page.locator('.graphiql-tab').nth(i).locator('button').first().click({ timeout: TIMEOUT });
      await page.waitForFunction(
        (t) => globalThis.__MONACO?.editor.getModels().find((m) => m.uri.path.endsWith('operation.graphql'))?.getValue().includes(`query ${t}`),
        tab.ops[0].name,
        { timeout: TIMEOUT },
      );
      if (apiKey) {
        const h = await modelValue(page, 'headers.json');
        if (!h.includes('<your API key>')) throw new Error(`headers of tab ${i + 1}: ${h}`);
        await page.evaluate((key) => {
          const model = globalThis.__MONACO.editor.getModels().find((m) => m.uri.path.endsWith('headers.json'));
          model.setValue(JSON.stringify({ Authorization: `Bearer ${key}` }, null, 2));
        }, apiKey);
        if (i === 0) {
          // The schema could not be read with the placeholder: read it again.
          const schema = page.waitForResponse(
            (r) => r.url() === `${origin}/graphql` && /__schema/.test(r.request().postData() ?? ''),
            { timeout: TIMEOUT },
          );
          await page.getByRole('button', { name: 'Re-fetch GraphQL schema' }).click({ timeout: TIMEOUT });
          const r = await schema;
          if (r.status() !== 200) throw new Error(`the schema with the key: ${r.status()}`);
        }
      }
      let created = '';
      for (const op of tab.ops) {
        if (op.sameClient) {
          if (!created) throw new Error('no client was created');
          await setVariable(page, 'clientId', created);
        }
        const r = await run(page, op.name, tab.ops.length > 1);
        const body = await r.json();
        if (r.status() !== 200 || body.errors) throw new Error(`${op.name}: status ${r.status()}: ${JSON.stringify(body).slice(0, 400)}`);
        try {
          await waitForResult(page, op.expect);
        } catch (err) {
          throw new Error(`${op.name}: ${err.message}\nresponse pane: ${(await responseText(page)).slice(0, 600)}`);
        }
        const shown = await modelValue(page, 'response.json');
        if (shown.includes('"errors"')) throw new Error(`${op.name}: the result shows errors: ${shown.slice(0, 400)}`);
        if (op.capture) created = body.data.createClient.client.id;
        if (op.sameClient && !shown.includes(`"id": "${created}"`)) throw new Error(`${op.name} did not change the new client`);
        const boxes = await unicodeBoxes(page);
        if (boxes) throw new Error(`${op.name}: ${boxes} characters boxed as ambiguous`);
      }
      await page.screenshot({ path: resolve(artifacts, `playground-tab-${i + 1}-${tab.title}${suffix}.png`) });
    });
  }

  await check('the docs explorer groups root fields and types by CRM', async () => {
    await page.getByRole('button', { name: 'Show Documentation Explorer' }).click({ timeout: TIMEOUT });
    const docs = page.locator('.graphiql-doc-explorer');
    for (const g of DOC_GROUPS) {
      const group = docs.locator(`.crm-docs-group[data-backend="${g.backend}"]`);
      await group.locator('.crm-docs-group-title', { hasText: g.title }).waitFor({ timeout: TIMEOUT });
      await group.locator('[data-kind="queries"]').getByText(g.field, { exact: true }).first().waitFor({ timeout: TIMEOUT });
    }
    // A type of one CRM is listed under it and under no other.
    await page.screenshot({ path: resolve(artifacts, `playground-docs${suffix}.png`) });
    const synergyTypes = docs.locator('.crm-docs-group[data-backend="synergy"] [data-kind="types"]');
    await synergyTypes.locator('summary').click();
    await synergyTypes.getByText('Deal', { exact: true }).first().waitFor({ timeout: TIMEOUT });
    if (await docs.locator('.crm-docs-group[data-backend="rkeeper"] [data-kind="types"]').getByText('Deal', { exact: true }).count()) {
      throw new Error('Deal is listed under r_keeper');
    }
    // A root field links to its documentation.
    await docs.locator('.crm-docs-group[data-backend="core"]').getByText(DOCS_FIELD, { exact: true }).first().click({ timeout: TIMEOUT });
    await docs.getByText(DOCS_DESCRIPTION).first().waitFor({ timeout: TIMEOUT });
  });

  await check('no request left the origin and nothing was refused', async () => {
    if (problems.length) throw new Error(problems.join('\n'));
  });
  await context.close();

  // A query given in the URL.
  if (!apiKey) {
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
      if (await unicodeBoxes(page)) throw new Error('Cyrillic is boxed');
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
