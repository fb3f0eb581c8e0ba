package rest

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// kebab turns a GraphQL name into a URL segment: dealStageCategories →
// deal-stage-categories, addClientContact → add-client-contact. An acronym
// stays one word (sourceURL → source-url).
func kebab(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) && i > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('-')
			}
		}
		if r == '_' {
			b.WriteByte('-')
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// plural is simple English pluralisation, used only where the schema has no
// list field to name a collection after: client → clients,
// category → categories, address → addresses.
func plural(s string) string {
	lower := strings.ToLower(s)
	switch {
	case strings.HasSuffix(lower, "y") && len(s) > 1 && !strings.ContainsRune("aeiou", rune(lower[len(lower)-2])):
		return s[:len(s)-1] + "ies"
	case strings.HasSuffix(lower, "s"), strings.HasSuffix(lower, "x"), strings.HasSuffix(lower, "z"),
		strings.HasSuffix(lower, "ch"), strings.HasSuffix(lower, "sh"):
		return s + "es"
	}
	return s + "s"
}

// lowerFirst and upperFirst convert between field and type names.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// splitVerb splits a mutation name at its first upper-case letter:
// createContact → (create, Contact), addClientAddress → (add, ClientAddress).
func splitVerb(name string) (verb, rest string) {
	for i, r := range name {
		if unicode.IsUpper(r) {
			return name[:i], name[i:]
		}
	}
	return name, ""
}
