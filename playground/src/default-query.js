// The query a first-time visitor sees. It must run on any schema the gateway
// serves in sandbox mode: it lists the root query fields with their docs.
export const DEFAULT_QUERY = `# CRM Gateway: one GraphQL API over
# SynergyCRM, Solos CRM and r_keeper.
#
# Run a query with Ctrl+Enter or ▶.
# The docs (book icon) list every type;
# node(id:) reads any entity by its
# global id.

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
