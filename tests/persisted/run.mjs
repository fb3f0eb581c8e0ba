// Runs the client's persisted documents against a gateway started with
// the manifest GraphQL Codegen's client preset produced and
// PERSISTED_ONLY=true (see the Makefile's test-persisted target): each
// document runs by the hash the typed document carries, in both protocols
// clients use (documentId, the Apollo extension), and anything else is
// refused with PERSISTED_QUERY_NOT_FOUND.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { print } from 'graphql';
import * as docs from './build/src/documents.js';

const url = process.env.GATEWAY_URL + '/graphql';
const manifest = JSON.parse(readFileSync(new URL('./gen/persisted-documents.json', import.meta.url)));

async function post(body) {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const variables = {
  DealsWithCompany: { first: 3 },
  CreateContact: { input: { firstName: 'Ирина', lastName: 'Кузнецова' } },
};
let ran = 0;
for (const [name, doc] of Object.entries(docs)) {
  const hash = doc.__meta__.hash;
  assert.ok(manifest[hash], `${name}: the typed document's hash ${hash} is in the manifest`);
  for (const form of [
    { documentId: hash },
    { extensions: { persistedQuery: { version: 1, sha256Hash: hash.replace(/^sha256:/, '') } } },
  ]) {
    const r = await post({ ...form, variables: variables[name] ?? {} });
    assert.equal(r.status, 200, `${name}: HTTP ${r.status}`);
    assert.equal(r.body.errors, undefined, `${name}: ${JSON.stringify(r.body.errors)}`);
    const root = Object.values(r.body.data)[0];
    assert.ok(root, `${name}: no data`);
    ran++;
  }
}
assert.equal(ran, 2 * Object.keys(manifest).length, 'every manifest document ran in both forms');

// Anything that is not in the manifest is refused.
const adhoc = await post({ query: '{ contacts(first: 100) { nodes { email } } }' });
assert.equal(adhoc.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND', JSON.stringify(adhoc.body));
assert.equal(adhoc.body.data, undefined);
const edited = print(docs.CountriesWithCities).replace('cities { name }', 'cities { name id }');
const tampered = await post({ query: edited });
assert.equal(tampered.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND', JSON.stringify(tampered.body));
const unknown = await post({ documentId: 'sha256:' + '0'.repeat(64) });
assert.equal(unknown.body.errors?.[0]?.extensions?.code, 'PERSISTED_QUERY_NOT_FOUND', JSON.stringify(unknown.body));
console.log(`persisted documents: ${ran} runs by hash passed; ad-hoc, edited and unknown documents refused`);
