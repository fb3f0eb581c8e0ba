// The documents a client of the gateway ships: the client preset turns
// each into a typed document carrying its hash, and lists them all in the
// persisted-documents manifest.
import { graphql } from '../gen/gql.js';

export const DealsWithCompany = graphql(`
  query DealsWithCompany($first: Int) {
    deals(first: $first) { nodes { name amount company { name } stage { name } } }
  }
`);

export const CountriesWithCities = graphql(`
  query CountriesWithCities {
    countries { name cities { name } }
  }
`);

export const ProjectsWithPayments = graphql(`
  query ProjectsWithPayments {
    projects(first: 2) { nodes { name payments(first: 2) { nodes { sum } } } }
  }
`);

export const CreateContact = graphql(`
  mutation CreateContact($input: CreateContactInput!) {
    createContact(input: $input) { contact { id firstName } }
  }
`);

export const ProjectsWithScalars = graphql(`
  query ProjectsWithScalars {
    projects(first: 2) { nodes { name createdAt price contractDate extra } }
    contracts(first: 2) { nodes { number date createdAt customs } }
  }
`);
