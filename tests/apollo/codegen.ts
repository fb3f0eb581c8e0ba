// GraphQL Code Generator over the live schema of a running gateway
// (introspection; tests/with-gateway.sh sets GATEWAY_URL), with the
// gateway's scalar mapping, so the documents in src/documents.ts come out
// as typed documents Apollo Client reads.
import type { CodegenConfig } from '@graphql-codegen/cli';

const url = process.env.GATEWAY_URL;
if (!url) throw new Error('GATEWAY_URL is not set: run through tests/with-gateway.sh');

const config: CodegenConfig = {
  // The loader offers zstd, which this Node cannot decode; the gateway
  // honours the preference it is given.
  schema: [{ [`${url}/graphql`]: { headers: { 'accept-encoding': 'gzip' } } }],
  documents: ['src/documents.ts'],
  ignoreNoDocuments: false,
  generates: {
    'gen/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Imports with .js extensions, so the compiled client runs in Node.
        emitLegacyCommonJSImports: false,
        // The wire form of each custom scalar (README, "Scalars").
        scalars: {
          DateTime: 'string',
          LocalDateTime: 'string',
          Date: 'string',
          Decimal: 'string',
          JSON: 'unknown',
        },
        strictScalars: true,
      },
    },
  },
};
export default config;
