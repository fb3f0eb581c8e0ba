package rest

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// flatFields are the fields a REST answer carries for an object type: every
// field of scalar or enum type (lists of them included) that needs no
// argument. Relationships are sub-resources, never nested.
func flatFields(s *ast.Schema, def *ast.Definition) ast.FieldList {
	var out ast.FieldList
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") || needsArgs(f) {
			continue
		}
		if d := s.Types[f.Type.Name()]; d != nil && (d.Kind == ast.Scalar || d.Kind == ast.Enum) {
			out = append(out, f)
		}
	}
	return out
}

func needsArgs(f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}

// selection is the selection set of one entity of def; an abstract type
// selects __typename and each member's fields.
func selection(s *ast.Schema, def *ast.Definition) string {
	if def.Kind == ast.Object {
		return "{ " + fieldNames(flatFields(s, def)) + " }"
	}
	// A name whose type differs between members (a SynergyCRM Deal's
	// createdAt: DateTime and a Solos Project's: LocalDateTime) cannot be
	// selected under one response key: a member whose type differs from
	// the first member's selects it under the alias <name>__on<Type>, and
	// unalias gives the answer its own name back.
	var members []*ast.Definition
	first := map[string]string{}
	for _, t := range s.GetPossibleTypes(def) {
		if t.Kind != ast.Object {
			continue
		}
		members = append(members, t)
		for _, f := range flatFields(s, t) {
			if _, ok := first[f.Name]; !ok {
				first[f.Name] = f.Type.String()
			}
		}
	}
	var b strings.Builder
	b.WriteString("{ __typename")
	for _, t := range members {
		fs := flatFields(s, t)
		if len(fs) == 0 {
			continue
		}
		names := make([]string, len(fs))
		for i, f := range fs {
			names[i] = f.Name
			if first[f.Name] != f.Type.String() {
				names[i] = f.Name + aliasMark + t.Name + ": " + f.Name
			}
		}
		b.WriteString(" ... on " + t.Name + " { " + strings.Join(names, " ") + " }")
	}
	b.WriteString(" }")
	return b.String()
}

// aliasMark joins a field's name and its member type in the alias of a
// field whose type differs between the members of an abstract type.
const aliasMark = "__on"

// unalias renames the members of an abstract type's record that the
// document selected under an alias back to their fields' names.
func unalias(o object) object {
	var typ string
	if json.Unmarshal(o.get("__typename"), &typ) != nil || typ == "" {
		return o
	}
	suffix := aliasMark + typ
	for i, m := range o {
		if name, ok := strings.CutSuffix(m.Key, suffix); ok && name != "" {
			o[i].Key = name
		}
	}
	return o
}

// unaliasList applies unalias to every record of a JSON list.
func unaliasList(raw json.RawMessage) json.RawMessage {
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return raw
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, item := range list {
		if i > 0 {
			b.WriteByte(',')
		}
		if o, ok := members(item); ok {
			item = unalias(o).encode()
		}
		b.Write(item)
	}
	b.WriteByte(']')
	return b.Bytes()
}

func fieldNames(fs ast.FieldList) string {
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	if len(names) == 0 {
		return "__typename"
	}
	return strings.Join(names, " ")
}

// resultSelection selects a route's answer: the entity, or a connection's
// nodes, pageInfo and its other scalar fields (totalCount).
func resultSelection(s *ast.Schema, r Result) string {
	switch r.Kind {
	case ResultValue:
		return ""
	case ResultConnection:
		items := "nodes " + selection(s, r.Type)
		if r.Nodes == "edges" {
			items = "edges { node " + selection(s, r.Type) + " }"
		}
		var b strings.Builder
		b.WriteString("{ " + items)
		pi := r.Conn.Fields.ForName("pageInfo")
		b.WriteString(" pageInfo " + selection(s, s.Types[pi.Type.Name()]))
		for _, f := range flatFields(s, r.Conn) {
			b.WriteString(" " + f.Name)
		}
		// Lists of plain records beside the nodes (a cross-CRM read's
		// per-backend report) travel with the page.
		for _, f := range r.Conn.Fields {
			if f.Name == "edges" || f.Name == r.Nodes || f.Type.Elem == nil || needsArgs(f) {
				continue
			}
			if d := s.Types[f.Type.Name()]; d != nil && d.Kind == ast.Object && len(flatFields(s, d)) == len(d.Fields) {
				b.WriteString(" " + f.Name + " " + selection(s, d))
			}
		}
		b.WriteString(" }")
		return b.String()
	}
	return selection(s, r.Type)
}

// document builds the route's GraphQL operation. Every parameter is a
// variable, so the text is fixed and gqlgen's query cache keeps it parsed.
func document(s *ast.Schema, rt *Route) string {
	var decls []string
	for _, p := range rt.allParams() {
		decls = append(decls, "$"+p.Var+": "+p.Arg.Type.String())
	}
	var b strings.Builder
	b.WriteString(rt.Operation)
	if len(decls) > 0 {
		b.WriteString("(" + strings.Join(decls, ", ") + ")")
	}
	b.WriteString(" { ")
	b.WriteString(rt.Field.Name + args(rt.allParams(), 0))
	inner := resultSelection(s, rt.Result)
	if rt.Result.Payload != "" {
		inner = "{ " + rt.Result.Payload + " " + inner + " }"
	}
	if rt.Sub != nil {
		inner = "{ " + rt.Sub.Name + args(rt.allParams(), 1) + " " + inner + " }"
	}
	if rt.ViaNode != "" {
		inner = "{ __typename ... on " + rt.ViaNode + " " + inner + " }"
	}
	if inner != "" {
		b.WriteString(" " + inner)
	}
	b.WriteString(" }")
	return b.String()
}

func args(ps []*Param, level int) string {
	var as []string
	for _, p := range ps {
		if p.Level == level {
			as = append(as, p.Arg.Name+": $"+p.Var)
		}
	}
	if len(as) == 0 {
		return ""
	}
	return "(" + strings.Join(as, ", ") + ")"
}

// allParams lists every variable the route fills, body included.
func (rt *Route) allParams() []*Param {
	out := append([]*Param(nil), rt.Params...)
	if rt.Body != nil {
		if rt.Body.Param != nil {
			out = append(out, rt.Body.Param)
		}
		out = append(out, rt.Body.Args...)
	}
	return out
}
