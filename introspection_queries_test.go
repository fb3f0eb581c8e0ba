package main

import (
	"fmt"
	"strings"
)

// introspectionOptions are graphql-js's getIntrospectionQuery options, which
// GraphiQL, Apollo's tools and graphql-codegen pass through.
type introspectionOptions struct {
	descriptions, specifiedByURL, directiveIsRepeatable, schemaDescription, inputValueDeprecation, oneOf bool
	typeDepth                                                                                            int
}

// introspectionQuery is graphql-js 16's getIntrospectionQuery, the query
// GraphiQL (the playground), Apollo's tools and graphql-codegen send.
func introspectionQuery(o introspectionOptions) string {
	opt := func(on bool, s string) string {
		if on {
			return s
		}
		return ""
	}
	desc := opt(o.descriptions, "description")
	inputDep := func(s string) string { return opt(o.inputValueDeprecation, s) }
	var ofType func(depth int, indent string) string
	ofType = func(depth int, indent string) string {
		if depth <= 0 {
			return ""
		}
		return fmt.Sprintf("\n%sofType {\n%s  name\n%s  kind%s\n%s}", indent, indent, indent, ofType(depth-1, indent+"  "), indent)
	}
	q := `
    query IntrospectionQuery {
      __schema {
        ` + opt(o.schemaDescription, desc) + `
        queryType { name kind }
        mutationType { name kind }
        subscriptionType { name kind }
        types {
          ...FullType
        }
        directives {
          name
          ` + desc + `
          ` + opt(o.directiveIsRepeatable, "isRepeatable") + `
          locations
          args` + inputDep("(includeDeprecated: true)") + ` {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      ` + desc + `
      ` + opt(o.specifiedByURL, "specifiedByURL") + `
      ` + opt(o.oneOf, "isOneOf") + `
      fields(includeDeprecated: true) {
        name
        ` + desc + `
        args` + inputDep("(includeDeprecated: true)") + ` {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields` + inputDep("(includeDeprecated: true)") + ` {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        ` + desc + `
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      ` + desc + `
      type { ...TypeRef }
      defaultValue
      ` + inputDep("isDeprecated") + `
      ` + inputDep("deprecationReason") + `
    }

    fragment TypeRef on __Type {
      kind
      name` + ofType(o.typeDepth, "      ") + `
    }
  `
	return strings.TrimSpace(q)
}

// introspectionQueries are the introspection queries clients send, by who
// sends them.
func introspectionQueries() map[string]string {
	return map[string]string{
		// graphql-js's defaults (typeDepth 9), as most tools call it.
		"graphql-js": introspectionQuery(introspectionOptions{descriptions: true, typeDepth: 9}),
		// GraphiQL 5 (the playground) asks for argument deprecation and the
		// schema's description.
		"graphiql": introspectionQuery(introspectionOptions{descriptions: true, inputValueDeprecation: true, schemaDescription: true, typeDepth: 9}),
		// graphql-codegen's URL loader with every option on.
		"graphql-codegen": introspectionQuery(introspectionOptions{descriptions: true, specifiedByURL: true,
			directiveIsRepeatable: true, schemaDescription: true, inputValueDeprecation: true, oneOf: true, typeDepth: 9}),
		// Apollo's tools: the older query, seven levels of ofType.
		"apollo": introspectionQuery(introspectionOptions{descriptions: true, typeDepth: 7}),
	}
}
