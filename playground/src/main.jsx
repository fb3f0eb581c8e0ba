// GraphiQL for CRM Gateway. Everything it loads (scripts, styles, fonts,
// Monaco's workers) is bundled by Vite into internal/playground/dist and
// served by the gateway binary, so it works offline and under the strict
// Content-Security-Policy the gateway sends with it.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './playground.css';

import { useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { useMonaco } from '@graphiql/react';
import { DOC_EXPLORER_PLUGIN } from '@graphiql/plugin-doc-explorer';
import { createGraphiQLFetcher } from '@graphiql/toolkit';
import { parse } from 'graphql';

import { DEFAULT_QUERY, exampleTabs } from './examples.js';
import { makeCrmDocExplorer } from './crm-docs.jsx';

// The gateway serves the playground and the API from the same origin, which
// is the only place the page may connect to (connect-src 'self').
const send = createGraphiQLFetcher({
  url: new URL('/graphql', window.location.href).toString(),
  // One JSON answer per request: the gateway does not stream responses.
  enableIncrementalDelivery: false,
});

// operationNames lists the named operations of a document, or null when it
// does not parse (the gateway then explains the syntax error itself).
function operationNames(query) {
  try {
    return parse(query).definitions.filter((d) => d.kind === 'OperationDefinition').map((d) => d.name?.value);
  } catch {
    return null;
  }
}

// fetcher sends what the editor shows. GraphiQL keeps the operation name of
// the tab that ran last for a moment after a tab switch; sent with another
// tab's document it names an operation that is not there and the gateway
// answers 400. A document with one operation runs that operation.
function fetcher(params, opts) {
  const names = params.query ? operationNames(params.query) : null;
  if (names && params.operationName && !names.includes(params.operationName) && names.length === 1) {
    return send({ ...params, operationName: names[0] ?? undefined }, opts);
  }
  return send(params, opts);
}

// Russian text is the CRMs' everyday data: Monaco must not box its letters
// as "ambiguous" (Cyrillic с, А, О look like Latin ones) or non-ASCII.
const PLAIN_TEXT = {
  unicodeHighlight: { ambiguousCharacters: false, nonBasicASCII: false, invisibleCharacters: true },
};

// PlainCyrillic applies PLAIN_TEXT to every editor GraphiQL creates.
function PlainCyrillic() {
  const monaco = useMonaco((s) => s.monaco);
  useEffect(() => {
    if (!monaco) return undefined;
    monaco.editor.getEditors().forEach((e) => e.updateOptions(PLAIN_TEXT));
    const d = monaco.editor.onDidCreateEditor((e) => e.updateOptions(PLAIN_TEXT));
    return () => d.dispose();
  }, [monaco]);
  return null;
}

// config is what the gateway says about itself (mode, whether a credential
// is expected, sandbox data, the schema by CRM); a gateway that does not
// answer gets the plain examples.
async function loadConfig() {
  try {
    const r = await fetch(new URL('/playground/config.json', window.location.href), { headers: { Accept: 'application/json' } });
    if (r.ok) return await r.json();
  } catch {
    // fall through
  }
  return { mode: 'unknown', auth: {}, backends: [] };
}

const config = await loadConfig();

// GraphiQL wires its explorer's navigation (links in the editors, schema
// reloads) only for its own plugin object, so the grouped explorer takes
// that object's place rather than being a plugin of its own.
DOC_EXPLORER_PLUGIN.content = makeCrmDocExplorer(config.backends);

// ?query=...&variables=... open the playground on a given operation, so a
// link can share a query.
const params = new URLSearchParams(window.location.search);
const authHeaders = config.auth?.headers;

createRoot(document.getElementById('graphiql')).render(
  <>
    <PlainCyrillic />
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={DEFAULT_QUERY}
      defaultTabs={exampleTabs(config)}
      defaultHeaders={authHeaders ? JSON.stringify(authHeaders, null, 2) : undefined}
      initialQuery={params.get('query') ?? undefined}
      initialVariables={params.get('variables') ?? undefined}
      defaultEditorToolsVisibility={authHeaders ? 'headers' : undefined}
    >
      <GraphiQL.Logo>
        CRM Gateway
        {config.mode === 'sandbox' && <span className="crm-mode"> sandbox</span>}
      </GraphiQL.Logo>
    </GraphiQL>
  </>,
);
