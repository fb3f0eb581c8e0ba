// The tabs a first-time visitor sees: one across the three CRMs, then one
// per CRM, each ready to run. They are built from the gateway's
// /playground/config.json: in the sandbox the r_keeper tab names the
// emulator's clients (r_keeper has no client list to find them with) and
// fills its variables with ids that exist; with authentication on, the
// Headers tab shows where the credential goes.

// The query of a tab opened with "+".
export const DEFAULT_QUERY = `# CRM Gateway: one GraphQL API over SynergyCRM,
# Solos CRM and r_keeper. The docs (book icon) group
# each CRM's fields and types; node(id:) reads any
# entity by its global id.

{
  __typename
}
`;

const ALL_THREE = (sandbox) => `# CRM Gateway: one GraphQL API over SynergyCRM,
# Solos CRM and r_keeper. Run with Ctrl+Enter or ▶.
# The docs (book icon) group each CRM's fields and types.
#${sandbox ? `
# Sandbox: the built-in emulators hold seeded Russian CRM
# data (totalCount says how much); the other tabs show
# one CRM each.
#` : ''}
# One query, three CRMs: each backend's failure would
# cost only its own field.

query AllThreeCRMs {
  deals(first: 3) {
    totalCount
    nodes {
      name
      amount
      stage { name }
      company { name }
    }
  }
  projects(first: 2) {
    totalCount
    nodes {
      name
      payments(first: 3) { nodes { type sum date } }
    }
  }
  countries {
    name
    cities { name }
  }
}
`;

const SYNERGY = (sandbox) => `# SynergyCRM (JSON:API): contacts, companies, deals,
# orders, contracts, statuses, stages, funnels, …
#
# A page of deals with their company, stage and contact
# costs one SynergyCRM request: the gateway asks for the
# relationships with include=.${sandbox ? `
#
# Sandbox: the emulator holds the deals, companies and
# contacts totalCount reports; page on with
# after: pageInfo.endCursor.` : ''}

query DealsWithCompanyAndStage($first: Int = 5, $after: String) {
  deals(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      name
      amount
      plannedAt
      stage { name color }
      stageCategory { name }
      company { name email city }
      contact { firstName lastName }
    }
  }
}
`;

const SOLOS = (sandbox) => `# Solos CRM (read-only): projects and their steps,
# actions, checklists, goods and payments.
#
# Each project's payments are one Solos request, made
# for all the projects of the page at once.${sandbox ? `
#
# Sandbox: the emulator holds the projects totalCount
# reports, with their payments.` : ''}

query ProjectsWithPayments {
  projects(first: 3) {
    totalCount
    nodes {
      id
      name
      payments(first: 5) {
        totalCount
        nodes { type name sum date }
      }
    }
  }
}
`;

const RKEEPER = (sandbox) => {
  const clients = sandbox?.rkeeper?.clientIds ?? [];
  const note = clients.length
    ? `# r_keeper lists no clients: a client is read by its id.
# Sandbox: the emulator holds ${clients.length} clients:
${clients.map((id) => `#   ${id}`).join('\n')}
# $clientId (Variables) is the first of them.`
    : `# r_keeper lists no clients: a client is read by its id;
# put one in $clientId (Variables), and the ids of a
# contact type, address type, city and street (the first
# operation lists cities and streets).`;
  return `# r_keeper WebDelivery CRM: delivery clients and the
# address reference data.
#
${note}
#
# Run the operations in turn (▶ asks which one):
#  1. CountriesCitiesStreets: the reference data
#  2. Client: one client with contacts and addresses
#  3. CreateClient, then put the new client's id in
#     $clientId, and 4. AddContact, 5. AddAddress

query CountriesCitiesStreets {
  countries {
    id
    name
    cities {
      id
      name
      streets { id name postCode }
    }
  }
}

query Client($clientId: ID!) {
  client(id: $clientId) {
    id
    firstName
    lastName
    middleName
    contacts { type { name } value }
    addresses { type { name } city { name } street { name } house apartments }
  }
}

mutation CreateClient {
  createClient(input: {firstName: "Ольга", lastName: "Кузнецова", note: "создана в playground"}) {
    client { id firstName lastName }
  }
}

mutation AddContact($clientId: ID!, $contactTypeId: ID!) {
  addClientContact(clientId: $clientId, input: {typeId: $contactTypeId, value: "+7 999 123-45-67"}) {
    client { id contacts { type { name } value } }
  }
}

mutation AddAddress($clientId: ID!, $addressTypeId: ID!, $cityId: ID!, $streetId: ID!) {
  addClientAddress(clientId: $clientId, input: {typeId: $addressTypeId, cityId: $cityId, streetId: $streetId, house: "12", apartments: "34"}) {
    client { id addresses { type { name } city { name } street { name } house apartments } }
  }
}
`;
};

function rkeeperVariables(sandbox) {
  const rk = sandbox?.rkeeper;
  return JSON.stringify(
    {
      clientId: rk?.clientIds?.[0] ?? "<a client's id>",
      contactTypeId: rk?.contactTypeId ?? '<a ClientContactType id>',
      addressTypeId: rk?.addressTypeId ?? '<an AddressType id>',
      cityId: rk?.cityId ?? '<a City id>',
      streetId: rk?.streetId ?? '<a Street id of that city>',
    },
    null,
    2,
  );
}

// exampleTabs builds GraphiQL's defaultTabs from the gateway's config.
export function exampleTabs(config) {
  const sandbox = config.mode === 'sandbox' ? config.sandbox ?? {} : null;
  const headers = config.auth?.headers ? JSON.stringify(config.auth.headers, null, 2) : undefined;
  return [
    { query: ALL_THREE(sandbox), headers },
    { query: SYNERGY(sandbox), variables: JSON.stringify({ first: 5 }, null, 2), headers },
    { query: SOLOS(sandbox), headers },
    { query: RKEEPER(sandbox), variables: rkeeperVariables(sandbox), headers },
  ];
}
