// Apollo Client over the gateway's cross-CRM reads, as a frontend pages
// them: relayStylePagination in the InMemoryCache merges the pages of
// people and opportunities forward (fetchMore with after) and backward
// (fetchMore with before), and the merged lists must be exactly the
// records the gateway serves in its documented merge order, read here
// page by page without Apollo.
import assert from 'node:assert/strict';
import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { relayStylePagination } from '@apollo/client/utilities';
import { firstValueFrom, filter } from 'rxjs';
import { People, Opportunities } from './documents.js';
import type { OpportunitiesQuery, PeopleQuery, OpportunityFilter } from '../gen/graphql.js';

const url = `${process.env.GATEWAY_URL}/graphql`;

async function post(query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  assert.equal(res.status, 200, `HTTP ${res.status}`);
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

// Which concrete types an interface fragment matches, from the schema
// itself (Apollo's documented way to configure possibleTypes).
async function possibleTypes(): Promise<Record<string, string[]>> {
  const data = await post('{ __schema { types { name possibleTypes { name } } } }');
  const out: Record<string, string[]> = {};
  for (const t of data.__schema.types) {
    if (t.possibleTypes) out[t.name] = t.possibleTypes.map((p: { name: string }) => p.name);
  }
  return out;
}

// Every record of one cross-CRM read, in the gateway's order, without Apollo.
async function oracle(field: 'people' | 'opportunities', filterArg: unknown): Promise<{ ids: string[]; cursors: string[] }> {
  const type = field === 'people' ? 'PeopleFilter' : 'OpportunityFilter';
  const ids: string[] = [];
  const cursors: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 100; page++) {
    const data = await post(
      `query($f: ${type}, $after: String) { r: ${field}(filter: $f, first: 100, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`,
      { f: filterArg, after },
    );
    for (const e of data.r.edges) {
      ids.push(e.node.id);
      cursors.push(e.cursor);
    }
    if (!data.r.pageInfo.hasNextPage) return { ids, cursors };
    after = data.r.pageInfo.endCursor;
  }
  throw new Error(`${field} does not stop paging`);
}

const types = await possibleTypes();

// A client as an application configures one; each scenario gets its own
// cache, as a fresh page load would.
function newClient(): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri: url }),
    cache: new InMemoryCache({
      possibleTypes: types,
      typePolicies: {
        Query: {
          fields: {
            people: relayStylePagination(['filter']),
            opportunities: relayStylePagination(['filter']),
          },
        },
      },
    }),
  });
}
const client = newClient();

// A result the cache answered in full (Apollo 4 also types partial ones).
function complete<T>(r: { dataState: string; data?: unknown }): T {
  assert.equal(r.dataState, 'complete', 'a complete result');
  return r.data as T;
}

type OppEdge = NonNullable<OpportunitiesQuery['opportunities']>['edges'][number];
type PersonEdge = NonNullable<PeopleQuery['people']>['edges'][number];

// The scalar mapping holds: these assignments only compile with it.
function describe(e: OppEdge): string {
  const amount: string | undefined = e.node.value?.amount;
  const fetchedAt: string = e.node.provenance.fetchedAt;
  let extra = '';
  if (e.node.__typename === 'Deal') extra = e.node.stage?.name ?? '';
  if (e.node.__typename === 'Project') extra = e.node.price ?? '';
  return `${e.node.provenance.backend}:${e.node.title ?? ''}:${amount ?? ''}:${fetchedAt.length > 0}:${extra}`;
}
function person(e: PersonEdge): string {
  const phones: string[] = e.node.phones.map((p) => `${p.kind} ${p.number}`);
  return `${e.node.displayName} ${phones.join(', ')}`;
}

// Forward: the first page, then fetchMore with the end cursor, twice.
async function forward(pageSize: number, pages: number): Promise<void> {
  const want = await oracle('opportunities', null);
  assert.ok(want.ids.length >= pageSize * pages, `only ${want.ids.length} opportunities`);
  const q = client.watchQuery({ query: Opportunities, variables: { first: pageSize } });
  let data = complete<OpportunitiesQuery>(await firstValueFrom(q.pipe(filter((r) => !r.loading))));
  for (let i = 1; i < pages; i++) {
    const conn = data.opportunities;
    assert.ok(conn?.pageInfo.hasNextPage, `page ${i}: hasNextPage`);
    await q.fetchMore({ variables: { after: conn.pageInfo.endCursor } });
    data = complete<OpportunitiesQuery>(q.getCurrentResult());
  }
  const conn = data.opportunities;
  assert.ok(conn, 'opportunities');
  const got = conn.edges.map((e) => e.node.id);
  assert.deepEqual(got, want.ids.slice(0, pageSize * pages), 'the cache merged the pages in the gateway order');
  assert.deepEqual(new Set(conn.edges.map((e) => e.node.__typename)), new Set(['Deal', 'Order', 'Project']));
  for (const e of conn.edges) assert.match(describe(e), /^(SYNERGY|SOLOS):/);
  for (const b of conn.backends) assert.equal(b.status, 'OK', JSON.stringify(b));
  console.log(`apollo: ${got.length} opportunities paged forward in ${pages} pages`);
}

// Backward: the window before a record, then fetchMore with the start
// cursor, twice; a filter gives the read its own cache entry and cursors.
async function backward(pageSize: number, pages: number): Promise<void> {
  const f: OpportunityFilter = { createdFrom: '2000-01-01' };
  const want = await oracle('opportunities', f);
  const end = pageSize * (pages + 1);
  assert.ok(want.ids.length > end, `only ${want.ids.length} opportunities created since 2000`);
  const q = client.watchQuery({ query: Opportunities, variables: { filter: f, last: pageSize, before: want.cursors[end] } });
  let data = complete<OpportunitiesQuery>(await firstValueFrom(q.pipe(filter((r) => !r.loading))));
  for (let i = 1; i < pages; i++) {
    const conn = data.opportunities;
    assert.ok(conn?.pageInfo.hasPreviousPage, `page ${i}: hasPreviousPage`);
    await q.fetchMore({ variables: { before: conn.pageInfo.startCursor } });
    data = complete<OpportunitiesQuery>(q.getCurrentResult());
  }
  const conn = data.opportunities;
  assert.ok(conn, 'opportunities');
  assert.deepEqual(conn.edges.map((e) => e.node.id), want.ids.slice(end - pageSize * pages, end), 'backward pages prepended in order');
  for (const b of conn.backends) assert.deepEqual(b.pushed, ['createdFrom'], JSON.stringify(b));
  console.log(`apollo: ${conn.edges.length} opportunities paged backward in ${pages} pages`);
}

// People both ways: SynergyCRM contacts, r_keeper reported as unsupported.
async function people(pageSize: number): Promise<void> {
  const want = await oracle('people', null);
  assert.ok(want.ids.length >= 4 * pageSize, `only ${want.ids.length} people`);
  const fwd = client.watchQuery({ query: People, variables: { first: pageSize } });
  let data = complete<PeopleQuery>(await firstValueFrom(fwd.pipe(filter((r) => !r.loading))));
  await fwd.fetchMore({ variables: { after: data.people?.pageInfo.endCursor } });
  data = complete<PeopleQuery>(fwd.getCurrentResult());
  const conn = data.people;
  assert.ok(conn, 'people');
  assert.deepEqual(conn.edges.map((e) => e.node.id), want.ids.slice(0, 2 * pageSize));
  for (const e of conn.edges) assert.ok(person(e).length > 0);
  const rk = conn.backends.find((b) => b.backend === 'RKEEPER');
  assert.equal(rk?.status, 'UNSUPPORTED', 'r_keeper says it cannot list people');

  // Backward, in a fresh cache: the three pages before the tenth person.
  const end = 3 * pageSize;
  const fresh = newClient();
  const back = fresh.watchQuery({ query: People, variables: { last: pageSize, before: want.cursors[end] } });
  let b = complete<PeopleQuery>(await firstValueFrom(back.pipe(filter((r) => !r.loading))));
  for (let i = 1; i < 3; i++) {
    assert.ok(b.people?.pageInfo.hasPreviousPage, `backward page ${i}: hasPreviousPage`);
    await back.fetchMore({ variables: { before: b.people.pageInfo.startCursor } });
    b = complete<PeopleQuery>(back.getCurrentResult());
  }
  assert.deepEqual(b.people?.edges.map((e) => e.node.id), want.ids.slice(0, end), 'people paged backward');
  assert.equal(b.people?.pageInfo.hasPreviousPage, false, 'the first person has none before it');
  fresh.stop();
  console.log(`apollo: ${conn.edges.length} people forward, ${end} backward`);
}

await forward(5, 3);
await backward(4, 3);
await people(3);
client.stop();
