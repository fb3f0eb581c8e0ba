// The query a first-time visitor sees. It must run on any schema the gateway
// serves in sandbox mode: it lists the root query fields with their docs.
export const DEFAULT_QUERY = `# Welcome to CRM Gateway: one GraphQL API over SynergyCRM, Solos CRM
# and r_keeper. Press Ctrl+Enter (or the ▶ button) to run this query,
# and open the docs (book icon, top left) to browse every type.
#
# Every entity has a global \`id\`; \`node(id: ...)\` reads any of them.

query RootFields {
  __schema {
    queryType {
      fields {
        name
        description
      }
    }
  }
}
`;
