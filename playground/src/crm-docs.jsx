// The documentation explorer, grouped by CRM. Its first page lists, per
// backend (SynergyCRM, Solos CRM, r_keeper, then what spans them), the
// root query and mutation fields and the types declared in that backend's
// schema file, as the gateway reports them in /playground/config.json;
// every deeper page is GraphiQL's own explorer.
import { useGraphiQL } from '@graphiql/react';
import {
  DocExplorer,
  ExplorerSection,
  FieldLink,
  Search,
  TypeLink,
  useDocExplorer,
} from '@graphiql/plugin-doc-explorer';

function Group({ group, schema }) {
  const query = schema.getQueryType()?.getFields() ?? {};
  const mutation = schema.getMutationType()?.getFields() ?? {};
  const queries = group.queries.map((n) => query[n]).filter(Boolean);
  const mutations = group.mutations.map((n) => mutation[n]).filter(Boolean);
  const types = group.types.map((n) => schema.getType(n)).filter(Boolean);
  if (!queries.length && !mutations.length && !types.length) return null;
  return (
    <details className="crm-docs-group" data-backend={group.name} open>
      <summary className="crm-docs-group-title">{group.title}</summary>
      {queries.length > 0 && (
        <details className="crm-docs-list" data-kind="queries" open>
          <summary className="crm-docs-kind">Queries ({queries.length})</summary>
          {queries.map((f) => (
            <div key={f.name} className="crm-docs-item">
              <FieldLink field={f} />
            </div>
          ))}
        </details>
      )}
      {mutations.length > 0 && (
        <details className="crm-docs-list" data-kind="mutations">
          <summary className="crm-docs-kind">Mutations ({mutations.length})</summary>
          {mutations.map((f) => (
            <div key={f.name} className="crm-docs-item">
              <FieldLink field={f} />
            </div>
          ))}
        </details>
      )}
      {types.length > 0 && (
        <details className="crm-docs-list" data-kind="types">
          <summary className="crm-docs-kind">Types ({types.length})</summary>
          {types.map((t) => (
            <div key={t.name} className="crm-docs-item">
              <TypeLink type={t} />
            </div>
          ))}
        </details>
      )}
    </details>
  );
}

// makeCrmDocExplorer returns the explorer for the given groups; with none
// (an older gateway, a failed config request) it is GraphiQL's own.
export function makeCrmDocExplorer(groups) {
  return function CrmDocExplorer() {
    const { schema, isIntrospecting, fetchError, validationErrors } = useGraphiQL((s) => ({
      schema: s.schema,
      isIntrospecting: s.isIntrospecting,
      fetchError: s.fetchError,
      validationErrors: s.validationErrors,
    }));
    const navStack = useDocExplorer();
    if (!groups?.length || navStack.length > 1 || !schema || isIntrospecting || fetchError || validationErrors.length) {
      return <DocExplorer />;
    }
    const queryType = schema.getQueryType();
    const mutationType = schema.getMutationType();
    return (
      <section className="graphiql-doc-explorer" aria-label="Documentation Explorer">
        <div className="graphiql-doc-explorer-header">
          <div className="graphiql-doc-explorer-header-content">
            <div className="graphiql-doc-explorer-title">Docs</div>
          </div>
          <Search />
        </div>
        <div className="graphiql-doc-explorer-content crm-docs">
          <ExplorerSection title="Root Types">
            {queryType && (
              <div>
                <span className="graphiql-doc-explorer-root-type">query</span>: <TypeLink type={queryType} />
              </div>
            )}
            {mutationType && (
              <div>
                <span className="graphiql-doc-explorer-root-type">mutation</span>: <TypeLink type={mutationType} />
              </div>
            )}
          </ExplorerSection>
          <p className="crm-docs-intro">
            Each CRM's root fields and types, by the schema file that declares them.
          </p>
          {groups.map((g) => (
            <Group key={g.name} group={g} schema={schema} />
          ))}
        </div>
      </section>
    );
  };
}
