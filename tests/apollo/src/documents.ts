// The cross-CRM reads as a frontend writes them: one component renders
// any CRM's person or opportunity through the common interfaces, with a
// backend's own fields where it wants them.
import { graphql } from '../gen/index.js';

export const People = graphql(`
  query People($filter: PeopleFilter, $first: Int, $after: String, $last: Int, $before: String) {
    people(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
      edges {
        cursor
        node {
          __typename
          id
          displayName
          phones { number kind extension }
          emails { address kind }
          provenance { backend sourceId origin fetchedAt }
          ... on Contact { firstName lastName }
        }
      }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      backends { backend source status code count pushed local unsupported }
    }
  }
`);

export const Opportunities = graphql(`
  query Opportunities($filter: OpportunityFilter, $first: Int, $after: String, $last: Int, $before: String) {
    opportunities(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
      edges {
        cursor
        node {
          __typename
          id
          title
          value { amount currency }
          provenance { backend sourceId origin fetchedAt }
          ... on Deal { stage { name } }
          ... on Project { price }
        }
      }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      backends { backend source status code count pushed local unsupported }
    }
  }
`);
