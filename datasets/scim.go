package datasets

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
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

type scimList struct {
	Schemas   []string          `json:"schemas"`
	Resources []json.RawMessage `json:"Resources"`
}

type scimResource struct {
	Schemas     []string `json:"schemas"`
	ID          string   `json:"id"`
	UserName    string   `json:"userName"`
	DisplayName string   `json:"displayName"`
	Name        struct {
		Formatted, GivenName, FamilyName string
	} `json:"name"`
	Title    string  `json:"title"`
	UserType string  `json:"userType"`
	Active   *bool   `json:"active"`
	Emails   []scimV `json:"emails"`
	Groups   []scimV `json:"groups"`
	Members  []scimV `json:"members"`
	Address  []struct {
		Locality string `json:"locality"`
	} `json:"addresses"`
	Enterprise struct {
		Department   string `json:"department"`
		CostCenter   string `json:"costCenter"`
		Organization string `json:"organization"`
		Manager      struct {
			Value string `json:"value"`
		} `json:"manager"`
	} `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"`
}

type scimV struct {
	Value   string `json:"value"`
	Display string `json:"display"`
	Primary bool   `json:"primary"`
}

// loadSCIM loads a SCIM ListResponse: Users become identities, Groups
// entitlements, and memberships (a group's members or a user's groups)
// assignments. Line numbers in messages are resource numbers (1-based).
func (l *loader) loadSCIM(src Source, hash string, size int64) error {
	data, err := os.ReadFile(src.Path)
	if err != nil {
		return err
	}
	// encoding/json would read invalid UTF-8 as U+FFFD, a silently different value.
	if !utf8.Valid(data) {
		return &LoadError{File: src.Path, Line: lineAt(data, invalidUTF8At(data)), Reason: "not valid UTF-8"}
	}
	var list scimList
	if err := json.Unmarshal(data, &list); err != nil {
		le := &LoadError{File: src.Path, Reason: "not a SCIM ListResponse: " + truncate(err.Error(), 200)}
		if se, ok := err.(*json.SyntaxError); ok {
			le.Line = lineAt(data, int(se.Offset))
		}
		return le
	}
	if len(list.Resources) == 0 {
		return &LoadError{File: src.Path, Reason: "SCIM ListResponse has no Resources"}
	}
	users, groups, members := [][]string{}, [][]string{}, [][]string{}
	for k, raw := range list.Resources {
		line := strconv.Itoa(k + 1)
		var r scimResource
		if err := json.Unmarshal(raw, &r); err != nil {
			return &LoadError{File: src.Path, Line: int64(k + 1), Reason: "bad SCIM resource: " + truncate(err.Error(), 200)}
		}
		switch {
		case slices.Contains(r.Schemas, scimGroup):
			groups = append(groups, []string{r.ID, "scim", r.DisplayName, line})
			for _, m := range r.Members {
				members = append(members, []string{m.Value, r.ID, "direct", line})
			}
		case slices.Contains(r.Schemas, scimUser):
			users = append(users, scimUserRow(r, line))
			for _, g := range r.Groups {
				members = append(members, []string{r.ID, g.Value, "direct", line})
			}
		default:
			return &LoadError{File: src.Path, Line: int64(k + 1), Reason: "resource is neither a SCIM User nor a Group (schemas: " + strings.Join(r.Schemas, ", ") + ")"}
		}
	}
	parts := []struct {
		table  schema.Table
		header []string
		rows   [][]string
	}{
		{schema.Identities, []string{"identity_id", "display_name", "email", "kind", "status", "department", "title", "location", "manager_id", "cost_center", "username"}, users},
		{schema.Entitlements, []string{"entitlement_id", "application", "name"}, groups},
		{schema.Assignments, []string{"identity_id", "entitlement_id", "source"}, members},
	}
	for _, part := range parts {
		if len(part.rows) == 0 {
			continue
		}
		display := fmt.Sprintf("%s (%s)", src.Path, part.table.Name)
		tmp, err := l.tempFile(part.table.Name + ".csv")
		if err != nil {
			return err
		}
		if err := writeCSV(tmp, append(part.header, "__line"), part.rows); err != nil {
			return err
		}
		st, err := l.stageCSV(tmp, display, false)
		if err != nil {
			return err
		}
		st.columns = slices.DeleteFunc(st.columns, func(c string) bool { return c == "__line" })
		fr := FileReport{Table: part.table.Name, File: src.Path, Format: FormatSCIM, SHA256: hash, Bytes: size}
		sub := src
		sub.Table = part.table.Name
		if err := l.loadStaged(part.table, sub, st, &fr); err != nil {
			return err
		}
	}
	return nil
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

func scimUserRow(r scimResource, line string) []string {
	name := r.DisplayName
	if name == "" {
		name = r.Name.Formatted
	}
	if name == "" {
		name = strings.TrimSpace(r.Name.GivenName + " " + r.Name.FamilyName)
	}
	email := ""
	for _, e := range r.Emails {
		if email == "" || e.Primary {
			email = e.Value
		}
	}
	status := ""
	if r.Active != nil {
		status = map[bool]string{true: "active", false: "terminated"}[*r.Active]
	}
	kind := strings.ToLower(r.UserType)
	if !slices.Contains(schema.IdentityKinds, kind) {
		kind = "human"
	}
	location := ""
	if len(r.Address) > 0 {
		location = r.Address[0].Locality
	}
	return []string{r.ID, name, email, kind, status, r.Enterprise.Department, r.Title, location,
		r.Enterprise.Manager.Value, r.Enterprise.CostCenter, r.UserName, line}
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
