// Runs the graphql-http server audit suite (the GraphQL-over-HTTP
// specification's conformance checks) against a gateway that is already
// running: tests/with-gateway.sh builds and starts it and passes its address
// in GATEWAY_URL. This script starts nothing itself.
//
// Exit status: non-zero when any MUST audit fails, or when a SHOULD audit
// fails that is not listed in SHOULD_EXCEPTIONS (each exception is explained
// in the README's "GraphQL over HTTP" section). MAY audits are reported only.
import { serverAudits } from 'graphql-http';

// SHOULD audits the gateway knowingly does not follow, by audit id, with the
// reason (also in the README).
const SHOULD_EXCEPTIONS = {};

const base = process.env.GATEWAY_URL;
if (!base) {
  console.error('audit: GATEWAY_URL is not set (run through tests/with-gateway.sh)');
  process.exit(2);
}
const url = new URL('/graphql', base).toString();

const results = await Promise.all(serverAudits({ url }).map((a) => a.fn()));

const level = (r) => r.name.split(' ')[0]; // MUST | SHOULD | MAY
const counts = {};
const failures = [];
for (const r of results) {
  const l = level(r);
  counts[l] ??= { passed: 0, failed: 0 };
  if (r.status === 'ok') {
    counts[l].passed++;
    console.log(`  ok    ${r.id}  ${r.name}`);
    continue;
  }
  counts[l].failed++;
  let body = '';
  try {
    body = (await r.response.text()).slice(0, 300);
  } catch {
    // the body was already read by the audit
  }
  const note = l === 'SHOULD' && SHOULD_EXCEPTIONS[r.id] ? ` (known exception: ${SHOULD_EXCEPTIONS[r.id]})` : '';
  console.log(`  FAIL  ${r.id}  ${r.name}${note}\n        ${r.reason}${body ? `\n        body: ${body}` : ''}`);
  if (l === 'MUST' || (l === 'SHOULD' && !SHOULD_EXCEPTIONS[r.id])) failures.push(r);
}

console.log('\ngraphql-http server audit against', url);
for (const l of ['MUST', 'SHOULD', 'MAY']) {
  const c = counts[l] ?? { passed: 0, failed: 0 };
  console.log(`  ${l.padEnd(6)} ${c.passed}/${c.passed + c.failed} passed`);
}
const total = results.length;
const passed = results.filter((r) => r.status === 'ok').length;
console.log(`audit: ${passed} passed, ${total - passed} failed`);
if (failures.length > 0) {
  console.error(`audit: ${failures.length} required audit(s) failed: ${failures.map((f) => f.id).join(', ')}`);
  process.exit(1);
}
