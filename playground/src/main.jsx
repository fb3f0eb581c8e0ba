// GraphiQL for CRM Gateway. Everything it loads (scripts, styles, fonts,
// Monaco's workers) is bundled by Vite into internal/playground/dist and
// served by the gateway binary, so it works offline and under the strict
// Content-Security-Policy the gateway sends with it.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import './playground.css';

import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher } from '@graphiql/toolkit';

import { DEFAULT_QUERY } from './default-query.js';

// The gateway serves the playground and the API from the same origin, which
// is the only place the page may connect to (connect-src 'self').
const fetcher = createGraphiQLFetcher({
  url: new URL('/graphql', window.location.href).toString(),
  // One JSON answer per request: the gateway does not stream responses.
  enableIncrementalDelivery: false,
});

// ?query=...&variables=... open the playground on a given operation, so a
// link can share a query.
const params = new URLSearchParams(window.location.search);

createRoot(document.getElementById('graphiql')).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={DEFAULT_QUERY}
    initialQuery={params.get('query') ?? undefined}
    initialVariables={params.get('variables') ?? undefined}
    defaultEditorToolsVisibility={false}
  />,
);
