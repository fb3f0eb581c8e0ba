// A REST client as an integrator would write it: types generated from the
// gateway's OpenAPI document by openapi-typescript, calls made with
// openapi-fetch. It runs against a sandbox gateway (GATEWAY_URL) and checks
// a list, a read by id, a filter, the next page, create, update with
// If-Match, delete, a conditional GET and a problem document.
import createClient from 'openapi-fetch';
import type { components, paths } from '../gen/api.js';

type Problem = components['schemas']['rest.Problem'];

const base = process.env.GATEWAY_URL;
if (!base) {
  console.error('rest-client: GATEWAY_URL is not set (run through tests/with-gateway.sh)');
  process.exit(2);
}
const client = createClient<paths>({ baseUrl: base });

let passed = 0;
let failed = 0;
async function check(name: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
    passed++;
    console.log(`  ok    ${name}`);
  } catch (err) {
    failed++;
    console.log(`  FAIL  ${name}\n        ${String((err as Error)?.message ?? err).split('\n').join('\n        ')}`);
  }
}

function assert(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

let dealId = '';
let contactId = '';

await check('list: listDeals answers a page with a next link', async () => {
  const { data, error, response } = await client.GET('/rest/v1/deals', { params: { query: { first: 2 } } });
  assert(!error && data, `status ${response.status}: ${JSON.stringify(error)}`);
  assert(data.items.length === 2, `${data.items.length} items`);
  assert((data.totalCount ?? 0) > 2, `totalCount ${data.totalCount}`);
  assert(data.next && data.pageInfo.hasNextPage, `next ${data.next}`);
  assert(response.headers.get('link') === `<${data.next}>; rel="next"`, `Link ${response.headers.get('link')}`);
  dealId = data.items[0]!.id;
  const next = await fetch(new URL(data.next, base));
  const page2 = (await next.json()) as typeof data;
  assert(next.ok && page2.items[0]!.id !== dealId, 'the next page starts after the first');
});

await check('by id: getDeal and getCompanyOfDeal', async () => {
  const { data, error } = await client.GET('/rest/v1/deals/{id}', { params: { path: { id: dealId } } });
  assert(!error && data?.id === dealId && typeof data.name === 'string', JSON.stringify(error ?? data));
  const company = await client.GET('/rest/v1/deals/{id}/company', { params: { path: { id: dealId } } });
  assert(company.data?.name, JSON.stringify(company.error));
});

await check('filter: listContacts with filter[lastName] (deepObject)', async () => {
  const { data, error } = await client.GET('/rest/v1/contacts', {
    params: { query: { first: 20, filter: { lastName: 'Иванов' } } },
  });
  assert(!error && data, JSON.stringify(error));
  assert(data.items.length > 0, 'no Иванов in the sandbox');
  for (const c of data.items) assert(c.lastName === 'Иванов', `${c.lastName} passed the filter`);
});

await check('create: createContact answers 201 with Location', async () => {
  const { data, error, response } = await client.POST('/rest/v1/contacts', {
    body: { firstName: 'Ольга', lastName: 'Клиентова', email: 'olga@example.ru' },
  });
  assert(!error && data && response.status === 201, `status ${response.status}: ${JSON.stringify(error)}`);
  contactId = data.id;
  assert(response.headers.get('location') === `/rest/v1/contacts/${encodeURIComponent(contactId)}`,
    `Location ${response.headers.get('location')}`);
});

await check('update: updateContact with If-Match, a stale tag refused with 412', async () => {
  const read = await client.GET('/rest/v1/contacts/{id}', { params: { path: { id: contactId } } });
  const etag = read.response.headers.get('etag');
  assert(etag, 'no ETag');
  const { data, error, response } = await client.PATCH('/rest/v1/contacts/{id}', {
    params: { path: { id: contactId }, header: { 'If-Match': etag } },
    body: { middleName: 'Петровна' },
  });
  assert(!error && data?.middleName === 'Петровна', `status ${response.status}: ${JSON.stringify(error)}`);
  const stale = await client.PATCH('/rest/v1/contacts/{id}', {
    params: { path: { id: contactId }, header: { 'If-Match': etag } },
    body: { middleName: 'Ивановна' },
  });
  assert(stale.response.status === 412 && stale.error?.code === 'PRECONDITION_FAILED',
    `stale tag: ${stale.response.status} ${JSON.stringify(stale.error)}`);
});

await check('conditional GET: If-None-Match answers 304 with no body', async () => {
  const first = await client.GET('/rest/v1/countries');
  const etag = first.response.headers.get('etag');
  assert(first.data && etag, 'no ETag');
  assert(/max-age=\d+/.test(first.response.headers.get('cache-control') ?? ''), 'reference data has a max-age');
  const again = await client.GET('/rest/v1/countries', { params: { header: { 'If-None-Match': etag } } });
  assert(again.response.status === 304 && again.data === undefined, `status ${again.response.status}`);
  assert(again.response.headers.get('etag') === etag, `ETag ${again.response.headers.get('etag')}`);
});

await check('delete: deleteContact, then the contact is gone', async () => {
  const { data, error } = await client.DELETE('/rest/v1/contacts/{id}', { params: { path: { id: contactId } } });
  assert(!error && data?.deletedId === contactId, JSON.stringify(error ?? data));
  const gone = await client.GET('/rest/v1/contacts/{id}', { params: { path: { id: contactId } } });
  assert(gone.response.status === 404 && gone.error?.code === 'NOT_FOUND', `status ${gone.response.status}`);
});

await check('problem+json: a bad id is an RFC 9457 problem naming the parameter', async () => {
  const { error, response } = await client.GET('/rest/v1/deals/{id}', {
    params: { path: { id: 'not-an-id' } },
    headers: { 'X-Request-Id': 'rest-client-problem' },
  });
  const p: Problem | undefined = error;
  assert(response.status === 400 && p, `status ${response.status}`);
  assert(response.headers.get('content-type')?.startsWith('application/problem+json'), `${response.headers.get('content-type')}`);
  assert(p.type === 'tag:crm-gateway,2025:problem/bad-user-input' && p.status === 400 && p.code === 'BAD_USER_INPUT',
    JSON.stringify(p));
  assert(p.field === 'id' && p.instance === '/rest/v1/deals/not-an-id' && p.requestId === 'rest-client-problem', JSON.stringify(p));
});

console.log(`rest-client: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
