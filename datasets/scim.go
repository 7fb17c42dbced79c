package datasets

import (
	"bytes"
	"encoding/csv"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"rolemine/datasets/schema"
)

// SCIM 2.0 schema URNs (RFC 7643).
const (
	scimUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	scimGroup      = "urn:ietf:params:scim:schemas:core:2.0:Group"
	scimEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// readSCIMExport reads SCIM 2.0 ListResponses (RFC 7644 §3.4.2), one file
// per page: Users become identities, Groups entitlements (application
// "scim"), and memberships (a Group's members or a User's groups)
// assignments. The Enterprise User extension (RFC 7643 §4.3) gives
// department, manager, costCenter, organization, division and
// employeeNumber. Pages are checked against totalResults.
func readSCIMExport(files []string, x *dirRows) error {
	total, read := -1, 0
	for _, file := range files {
		doc, err := readJSONDoc(file, "a SCIM ListResponse")
		if err != nil {
			return err
		}
		list, err := doc.root().object()
		if err != nil {
			return err
		}
		if n, err := strconv.Atoi(list.str("totalResults")); err == nil && total < 0 {
			total = n
		}
		list.field("schemas")
		list.field("startIndex")
		list.field("itemsPerPage")
		resources := list.objects("Resources")
		if list.err() != nil {
			return list.err()
		}
		x.ignore("ListResponse", list, "")
		for _, r := range resources {
			if err := readSCIMResource(r, x); err != nil {
				return err
			}
		}
		read += len(resources)
	}
	if read == 0 {
		return &LoadError{File: files[0], Reason: "SCIM ListResponse has no Resources"}
	}
	if total > read {
		x.warn(files[0], "totalResults is %d but the %d pages hold %d resources: the export is incomplete", total, len(files), read)
	}
	return nil
}

// readSCIMResource reads one User or Group.
func readSCIMResource(r *jobject, x *dirRows) error {
	var schemas []string
	for _, v := range r.list("schemas") {
		s, err := v.text()
		if err != nil {
			return err
		}
		schemas = append(schemas, s)
	}
	switch {
	case slices.Contains(schemas, scimGroup):
		readSCIMGroup(r, x)
	case slices.Contains(schemas, scimUser):
		readSCIMUser(r, x)
	default:
		return r.errorf("resource is neither a SCIM User nor a Group (schemas: %s)", strings.Join(schemas, ", "))
	}
	return r.err()
}

func readSCIMGroup(r *jobject, x *dirRows) {
	id := r.str("id")
	x.add(schema.Entitlements, r.jvalue, map[string]string{"entitlement_id": id, "application": "scim", "name": r.str("displayName")})
	for _, m := range r.objects("members") {
		readSCIMMember(m, id, x)
	}
	x.ignore("Group", r, "")
}

// readSCIMMember reads one of a Group's members; a member that is itself a
// Group is not expanded, and said so.
func readSCIMMember(m *jobject, group string, x *dirRows) {
	m.field("display")
	m.field("$ref")
	if m.str("type") == "Group" {
		x.warn(m.doc.path, "line %d: group %s has group %s as a member; nested groups are not expanded", m.line(), group, m.str("value"))
		return
	}
	x.add(schema.Assignments, m.jvalue, map[string]string{"identity_id": m.str("value"), "entitlement_id": group, "source": "direct"})
	x.ignore("Group.members", m, "")
}

func readSCIMUser(r *jobject, x *dirRows) {
	row := map[string]string{
		"identity_id": r.str("id"), "username": r.str("userName"), "external_id": r.str("externalId"),
		"title": r.str("title"), "status": activeStatus(r.flag("active")),
	}
	row["display_name"] = scimDisplayName(r, x)
	row["email"] = scimPrimary(r, "emails", "value", x)
	row["location"] = scimPrimary(r, "addresses", "locality", x)
	switch t := r.str("userType"); {
	case slices.Contains(schema.IdentityKinds, strings.ToLower(t)):
		row["kind"] = strings.ToLower(t)
	default:
		row["kind"], row["employment_type"] = "human", t // RFC 7643: "Contractor", "Employee", "Intern", …
	}
	if e := r.obj(scimEnterprise); e != nil {
		readSCIMEnterprise(e, row, x)
	}
	x.add(schema.Identities, r.jvalue, row)
	for _, g := range r.objects("groups") {
		g.field("display")
		g.field("$ref")
		g.field("type")
		x.add(schema.Assignments, g.jvalue, map[string]string{"identity_id": row["identity_id"], "entitlement_id": g.str("value"), "source": "direct"})
		x.ignore("User.groups", g, "")
	}
	x.ignore("User", r, "")
}

// readSCIMEnterprise reads the Enterprise User extension into row.
func readSCIMEnterprise(e *jobject, row map[string]string, x *dirRows) {
	row["department"] = e.str("department")
	row["cost_center"] = e.str("costCenter")
	row["organization"] = e.str("organization")
	row["division"] = e.str("division")
	row["employee_number"] = e.str("employeeNumber")
	if m := e.obj("manager"); m != nil {
		row["manager_id"] = m.str("value")
		m.field("$ref")
		m.field("displayName")
		x.ignore("User.enterprise", m, "manager.")
	}
	x.ignore("User.enterprise", e, "")
}

// scimDisplayName is displayName, else name.formatted, else given and
// family name.
func scimDisplayName(r *jobject, x *dirRows) string {
	name := r.str("displayName")
	n := r.obj("name")
	if n == nil {
		return name
	}
	formatted, given, family := n.str("formatted"), n.str("givenName"), n.str("familyName")
	n.field("middleName")
	n.field("honorificPrefix")
	n.field("honorificSuffix")
	x.ignore("User", n, "name.")
	switch {
	case name != "":
		return name
	case formatted != "":
		return formatted
	}
	return strings.TrimSpace(given + " " + family)
}

// scimPrimary is the sub-attribute field of the primary value of a
// multi-valued attribute (RFC 7643 §2.4), else of its first value.
func scimPrimary(r *jobject, attr, field string, x *dirRows) string {
	out := ""
	for k, v := range r.objects(attr) {
		s := v.str(field)
		if p := v.flag("primary"); k == 0 || p != nil && *p {
			out = s
		}
		v.field("type")
		v.field("display")
		x.ignore("User."+attr, v, "")
	}
	return out
}

// invalidUTF8At is the offset of the first byte of data that is not valid UTF-8.
func invalidUTF8At(data []byte) int {
	for k := 0; k < len(data); {
		r, n := utf8.DecodeRune(data[k:])
		if r == utf8.RuneError && n <= 1 {
			return k
		}
		k += n
	}
	return len(data)
}

// lineAt is the 1-based line of byte offset off of data.
func lineAt(data []byte, off int) int64 {
	return int64(bytes.Count(data[:min(off, len(data))], []byte("\n"))) + 1
}

func writeCSV(path string, header []string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write(header)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
