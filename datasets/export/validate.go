package export

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Schema is a SCIM schema in the representation of RFC 7643 §7 (as
// returned by /Schemas), enough of it to validate resources.
type Schema struct {
	ID         string      `json:"id"`
	Attributes []Attribute `json:"attributes"`
}

// Attribute is one attribute definition of a Schema.
type Attribute struct {
	Name          string      `json:"name"`
	Type          string      `json:"type"` // string, boolean, decimal, integer, dateTime, reference, binary, complex
	MultiValued   bool        `json:"multiValued"`
	Required      bool        `json:"required"`
	SubAttributes []Attribute `json:"subAttributes"`
}

// ParseSchema reads a schema representation.
func ParseSchema(data []byte) (*Schema, error) {
	var s Schema
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	if s.ID == "" || len(s.Attributes) == 0 {
		return nil, fmt.Errorf("schema: no id or no attributes")
	}
	return &s, nil
}

// Validate checks a resource against its core schema and the extension
// schemas it lists, as RFC 7643 declares them: "schemas" is present and
// names core; every attribute is one the schemas declare (names ignoring
// case, §2.1), or a common attribute (id, externalId, meta, §3.1); each
// has its declared type, an array exactly when multiValued, and the
// required ones (and required sub-attributes) are present. Each extension
// listed in "schemas" holds its attributes under its URN. It returns every
// problem found, each naming the attribute's path.
func Validate(resource []byte, core *Schema, extensions ...*Schema) []string {
	var obj map[string]any
	if err := json.Unmarshal(resource, &obj); err != nil {
		return []string{"not a JSON object: " + err.Error()}
	}
	v := &validator{}
	schemas, _ := obj["schemas"].([]any)
	listed := map[string]bool{}
	for _, s := range schemas {
		str, ok := s.(string)
		if !ok {
			v.problem("schemas", "want strings")
		}
		listed[strings.ToLower(str)] = true
	}
	if !listed[strings.ToLower(core.ID)] {
		v.problem("schemas", "does not list %s", core.ID)
	}
	byURN := map[string]*Schema{}
	for _, e := range extensions {
		byURN[strings.ToLower(e.ID)] = e
	}
	for name, val := range obj {
		key := strings.ToLower(name)
		switch {
		case key == "schemas":
		case key == "id" || key == "externalid":
			v.check(name, Attribute{Name: name, Type: "string"}, val)
		case key == "meta":
			v.check(name, Attribute{Name: name, Type: "complex"}, val)
		case byURN[key] != nil:
			if !listed[key] {
				v.problem(name, "extension not listed in schemas")
			}
			v.object(name, byURN[key].Attributes, val)
		default:
			if _, ok := find(core.Attributes, name); !ok {
				v.problem(name, "not an attribute of %s", core.ID)
			}
		}
	}
	v.object("", core.Attributes, obj)
	for urn := range listed {
		if urn != strings.ToLower(core.ID) && byURN[urn] == nil {
			v.problem("schemas", "lists %s, whose schema was not given", urn)
		}
	}
	slices.Sort(v.problems)
	return v.problems
}

type validator struct{ problems []string }

func (v *validator) problem(path, format string, args ...any) {
	v.problems = append(v.problems, path+": "+fmt.Sprintf(format, args...))
}

func find(attrs []Attribute, name string) (Attribute, bool) {
	for _, a := range attrs {
		if strings.EqualFold(a.Name, name) {
			return a, true
		}
	}
	return Attribute{}, false
}

// object checks the declared attributes attrs of value (an object) at path:
// required ones present, each of its type; and, for a complex value (path
// not empty), no undeclared sub-attribute.
func (v *validator) object(path string, attrs []Attribute, value any) {
	obj, ok := value.(map[string]any)
	if !ok {
		v.problem(path, "want an object")
		return
	}
	present := map[string]any{}
	for name, val := range obj {
		present[strings.ToLower(name)] = val
		if _, ok := find(attrs, name); !ok && path != "" {
			v.problem(join(path, name), "not a declared sub-attribute")
		}
	}
	for _, a := range attrs {
		val, ok := present[strings.ToLower(a.Name)]
		if !ok || val == nil {
			if a.Required {
				v.problem(join(path, a.Name), "required attribute missing")
			}
			continue
		}
		v.check(join(path, a.Name), a, val)
	}
}

// check checks one attribute's value against its definition.
func (v *validator) check(path string, a Attribute, val any) {
	if a.MultiValued {
		items, ok := val.([]any)
		if !ok {
			v.problem(path, "multi-valued: want an array")
			return
		}
		one := a
		one.MultiValued = false
		for k, item := range items {
			v.check(fmt.Sprintf("%s[%d]", path, k), one, item)
		}
		return
	}
	if _, isArray := val.([]any); isArray {
		v.problem(path, "single-valued: want one %s, found an array", a.Type)
		return
	}
	if !typeOK(a.Type, val) {
		v.problem(path, "want %s, found %v", a.Type, val)
		return
	}
	if a.Type == "complex" && a.SubAttributes != nil {
		v.object(path, a.SubAttributes, val)
	}
}

// typeOK reports whether a decoded JSON value has SCIM type typ (§2.3).
func typeOK(typ string, val any) bool {
	switch typ {
	case "string", "reference", "binary", "dateTime":
		_, ok := val.(string)
		return ok
	case "boolean":
		_, ok := val.(bool)
		return ok
	case "decimal":
		_, ok := val.(float64)
		return ok
	case "integer":
		f, ok := val.(float64)
		return ok && f == float64(int64(f))
	case "complex":
		_, ok := val.(map[string]any)
		return ok
	}
	return false
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
