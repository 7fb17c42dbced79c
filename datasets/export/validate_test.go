package export

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func testSchemas(t *testing.T) (*Schema, *Schema) {
	t.Helper()
	data, err := os.ReadFile("testdata/rfc7643-group-schema.json")
	if err != nil {
		t.Fatal(err)
	}
	core, err := ParseSchema(data)
	if err != nil {
		t.Fatal(err)
	}
	ext, err := ParseSchema([]byte(RoleExtensionSchema))
	if err != nil {
		t.Fatal(err)
	}
	return core, ext
}

// Validate finds what RFC 7643 declares wrong: a missing core schema,
// undeclared attributes, wrong types, single values for multi-valued
// attributes and missing required attributes.
func TestValidate(t *testing.T) {
	core, ext := testSchemas(t)
	good, err := SCIMGroup(Role{ID: "R1", Name: "Finance", Kind: "business", RunID: 2, Members: []string{"u1"},
		Entitlements: []Entitlement{{ID: "e1", Application: "SAP", Name: "AP post"}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, resource string
		want           []string
	}{
		{"exported role", string(good), nil},
		{"no schemas", `{"displayName": "x"}`, []string{"schemas: does not list urn:ietf:params:scim:schemas:core:2.0:Group"}},
		{"undeclared attribute", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "owner": "u1"}`,
			[]string{"owner: not an attribute of urn:ietf:params:scim:schemas:core:2.0:Group"}},
		{"members not an array", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "members": {"value": "u1"}}`,
			[]string{"members: multi-valued: want an array"}},
		{"member value a number", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "members": [{"value": 7}]}`,
			[]string{"members[0].value: want string, found 7"}},
		{"undeclared sub-attribute", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "members": [{"value": "u1", "role": "x"}]}`,
			[]string{"members[0].role: not a declared sub-attribute"}},
		{"extension unlisted and incomplete", `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
			"urn:rolemine:params:scim:schemas:extension:role:1.0:Group": {"runId": 1.5, "entitlements": [{}]}}`,
			[]string{
				"urn:rolemine:params:scim:schemas:extension:role:1.0:Group.entitlements[0].value: required attribute missing",
				"urn:rolemine:params:scim:schemas:extension:role:1.0:Group.roleId: required attribute missing",
				"urn:rolemine:params:scim:schemas:extension:role:1.0:Group.runId: want integer, found 1.5",
				"urn:rolemine:params:scim:schemas:extension:role:1.0:Group: extension not listed in schemas",
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Validate([]byte(tc.resource), core, ext)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}
