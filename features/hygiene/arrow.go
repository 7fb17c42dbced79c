package hygiene

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// The Read methods add the rows of Arrow record batches to d. Each batch
// must have the columns of the canonical table (package schema) that the
// method names as required; other canonical columns are optional and read
// as missing when absent. Strings must be String, LargeString or
// StringView; times Timestamp (any unit; zone-less values are UTC) or
// Date32; booleans Boolean. Batches are not retained: ids are copied. The
// reader is consumed, not released.

// The Read methods of accounts, assignments, certifications, requests,
// SoD rules, role links and attributes may run concurrently with each
// other (each on its own reader) once identities and entitlements are read.

// ReadIdentities adds identities (identity_id required).
func (d *Data) ReadIdentities(r array.RecordReader) error {
	in := interner{}
	return eachBatch(r, "identities", func(b *batch) error {
		id, err := b.requiredString("identity_id")
		if err != nil {
			return err
		}
		name, email, kind, status := b.optString("display_name"), b.optString("email"), b.optInterned("kind", in), b.optInterned("status", in)
		dept, title, loc := b.optInterned("department", in), b.optInterned("title", in), b.optInterned("location", in)
		mgr, owner, emp := b.optInterned("manager_id", in), b.optInterned("owner_id", in), b.optInterned("employment_type", in)
		hired, term := b.optTime("hire_date"), b.optTime("termination_date")
		for k := 0; k < b.rows; k++ {
			if id.IsNull(k) {
				return fmt.Errorf("identities: null identity_id in batch row %d", k)
			}
			d.AddIdentity(Identity{ID: strings.Clone(id.Value(k)), Name: name(k), Email: email(k),
				Kind: strings.ToLower(kind(k)), Status: strings.ToLower(status(k)), Department: dept(k), Title: title(k),
				Location: loc(k), Manager: mgr(k), Owner: owner(k), Employment: emp(k), Hired: hired(k), Terminated: term(k)})
		}
		return nil
	})
}

// ReadEntitlements adds entitlements (entitlement_id required).
func (d *Data) ReadEntitlements(r array.RecordReader) error {
	in := interner{}
	return eachBatch(r, "entitlements", func(b *batch) error {
		id, err := b.requiredString("entitlement_id")
		if err != nil {
			return err
		}
		app, name, risk, owner := b.optInterned("application", in), b.optString("name"), b.optInterned("risk", in), b.optInterned("owner_id", in)
		priv := b.optBool("privileged")
		for k := 0; k < b.rows; k++ {
			if id.IsNull(k) {
				return fmt.Errorf("entitlements: null entitlement_id in batch row %d", k)
			}
			d.AddEntitlement(Entitlement{ID: strings.Clone(id.Value(k)), Application: app(k), Name: name(k),
				Risk: strings.ToLower(risk(k)), Privileged: priv(k), Owner: owner(k)})
		}
		return nil
	})
}

// ReadAccounts adds accounts (account_id required).
func (d *Data) ReadAccounts(r array.RecordReader) error {
	in := interner{}
	return eachBatch(r, "accounts", func(b *batch) error {
		id, err := b.requiredString("account_id")
		if err != nil {
			return err
		}
		rawIdent, app, user := b.optRawString("identity_id"), b.optInterned("application", in), b.optString("username")
		ident := func(k int) string { // the identity's own id string when known
			s := strings.TrimSpace(rawIdent(k))
			if i, ok := d.identityIndex[s]; ok {
				return d.Identities[i].ID
			}
			return strings.Clone(s)
		}
		created, login, rotated := b.optTime("created_at"), b.optTime("last_login_at"), b.optTime("credential_rotated_at")
		for k := 0; k < b.rows; k++ {
			if id.IsNull(k) {
				return fmt.Errorf("accounts: null account_id in batch row %d", k)
			}
			d.AddAccount(Account{ID: strings.Clone(id.Value(k)), IdentityID: ident(k), Application: app(k), Username: user(k),
				Created: created(k), LastLogin: login(k), Rotated: rotated(k)})
		}
		return nil
	})
}

// ReadAssignments adds assignments (identity_id and entitlement_id
// required).
func (d *Data) ReadAssignments(r array.RecordReader) error {
	res := &resolver{d: d, table: "assignments"}
	return eachBatch(r, "assignments", func(b *batch) error {
		ids, err := b.requiredString("identity_id")
		if err != nil {
			return err
		}
		ents, err := b.requiredString("entitlement_id")
		if err != nil {
			return err
		}
		granted, used, src := b.optTime("granted_at"), b.optTime("last_used_at"), b.optRawString("source")
		for k := 0; k < b.rows; k++ {
			if ids.IsNull(k) || ents.IsNull(k) {
				return fmt.Errorf("assignments: null id in batch row %d", k)
			}
			d.addAssignment(res, ids.Value(k), ents.Value(k), granted(k), used(k), ParseSource(src(k)))
		}
		return nil
	})
}

// ReadCertifications adds certifications (identity_id, entitlement_id
// required).
func (d *Data) ReadCertifications(r array.RecordReader) error {
	in, res := interner{}, &resolver{d: d, table: "certifications"}
	words := map[string]Word{} // by interned value: d.word locks
	word := func(s string) Word {
		w, ok := words[s]
		if !ok {
			w = d.word(s)
			words[s] = w
		}
		return w
	}
	return eachBatch(r, "certifications", func(b *batch) error {
		ids, err := b.requiredString("identity_id")
		if err != nil {
			return err
		}
		ents, err := b.requiredString("entitlement_id")
		if err != nil {
			return err
		}
		camp, at, dec, rev := b.optInterned("campaign", in), b.optTime("certified_at"), b.optInterned("decision", in), b.optInterned("reviewer_id", in)
		for k := 0; k < b.rows; k++ {
			if ids.IsNull(k) || ents.IsNull(k) {
				return fmt.Errorf("certifications: null id in batch row %d", k)
			}
			d.addCertificationWords(res, ids.Value(k), ents.Value(k), word(camp(k)), at(k), word(strings.ToLower(dec(k))), word(rev(k)))
		}
		return nil
	})
}

// ReadRequests adds requests (entitlement_id required; rows without an
// identity_id are skipped).
func (d *Data) ReadRequests(r array.RecordReader) error {
	in := interner{}
	return eachBatch(r, "requests", func(b *batch) error {
		ents, err := b.requiredString("entitlement_id")
		if err != nil {
			return err
		}
		id, ident := b.optString("request_id"), b.optRawString("identity_id")
		req, dec, rev := b.optTime("requested_at"), b.optTime("decided_at"), b.optTime("revoked_at")
		decision, by := b.optInterned("decision", in), b.optInterned("decided_by", in)
		for k := 0; k < b.rows; k++ {
			if ents.IsNull(k) || ident(k) == "" {
				d.noteTime(max(req(k), dec(k), rev(k))) // Newest counts skipped rows too
				continue
			}
			d.AddRequest(Request{ID: id(k), Requested: req(k), Decided: dec(k), Revoked: rev(k), Decision: decision(k),
				DecidedBy: by(k)}, ident(k), ents.Value(k))
		}
		return nil
	})
}

// ReadSoDRules adds rules (rule_id, entitlement_a, entitlement_b required).
func (d *Data) ReadSoDRules(r array.RecordReader) error {
	return eachBatch(r, "sod_rules", func(b *batch) error {
		cols := make([]stringValues, 3)
		for k, name := range []string{"rule_id", "entitlement_a", "entitlement_b"} {
			var err error
			if cols[k], err = b.requiredString(name); err != nil {
				return err
			}
		}
		sev := b.optString("severity")
		for k := 0; k < b.rows; k++ {
			if cols[0].IsNull(k) || cols[1].IsNull(k) || cols[2].IsNull(k) {
				return fmt.Errorf("sod_rules: null id in batch row %d", k)
			}
			d.AddSoDRule(strings.Clone(cols[0].Value(k)), cols[1].Value(k), cols[2].Value(k), sev(k))
		}
		return nil
	})
}

// ReadRoleLinks adds mined-role links: role_id required, with identity_id
// (a member) or entitlement_id (an entitlement) or both.
func (d *Data) ReadRoleLinks(r array.RecordReader) error {
	return eachBatch(r, "roles", func(b *batch) error {
		role, err := b.requiredString("role_id")
		if err != nil {
			return err
		}
		ident, ent := b.optRawString("identity_id"), b.optRawString("entitlement_id")
		for k := 0; k < b.rows; k++ {
			if !role.IsNull(k) {
				d.AddRoleLink(strings.Clone(role.Value(k)), ident(k), ent(k))
			}
		}
		return nil
	})
}

// ReadAttributes reads identity attributes in long form (identity_id,
// name, value), keeping only the names in keep; rows of unknown identities
// are counted in a warning.
func (d *Data) ReadAttributes(r array.RecordReader, keep []string) error {
	want := map[string]bool{}
	for _, k := range keep {
		want[k] = true
	}
	return eachBatch(r, "identity attributes", func(b *batch) error {
		cols := make([]stringValues, 3)
		for k, name := range []string{"identity_id", "name", "value"} {
			var err error
			if cols[k], err = b.requiredString(name); err != nil {
				return err
			}
		}
		for k := 0; k < b.rows; k++ {
			if cols[0].IsNull(k) || cols[1].IsNull(k) || cols[2].IsNull(k) || !want[cols[1].Value(k)] {
				continue
			}
			i, ok := d.identityIndex[cols[0].Value(k)]
			if !ok {
				d.noteUnknown("attributes", "identity", cols[0].Value(k))
				continue
			}
			d.SetAttribute(strings.Clone(cols[1].Value(k)), i, strings.Clone(cols[2].Value(k)))
		}
		return nil
	})
}

// batch gives typed access to the columns of one record batch.
type batch struct {
	table string
	rec   arrow.RecordBatch
	rows  int
	err   error
}

func eachBatch(r array.RecordReader, table string, fn func(*batch) error) error {
	for r.Next() {
		rec := r.RecordBatch()
		b := &batch{table: table, rec: rec, rows: int(rec.NumRows())}
		if err := fn(b); err != nil {
			return err
		}
		if b.err != nil {
			return b.err
		}
	}
	return r.Err()
}

// stringValues is the read side shared by Arrow's string arrays.
type stringValues interface {
	Len() int
	IsNull(int) bool
	Value(int) string
}

func (b *batch) column(name string) arrow.Array {
	idx := b.rec.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil
	}
	return b.rec.Column(idx[0])
}

func (b *batch) requiredString(name string) (stringValues, error) {
	c := b.column(name)
	if c == nil {
		return nil, fmt.Errorf("%s: record has no column %q", b.table, name)
	}
	s, ok := asStrings(c)
	if !ok {
		return nil, fmt.Errorf("%s: column %q is %s, want a string type", b.table, name, c.DataType())
	}
	return s, nil
}

func asStrings(c arrow.Array) (stringValues, bool) {
	switch a := c.(type) {
	case *array.String:
		return a, true
	case *array.LargeString:
		return a, true
	case *array.StringView:
		return a, true
	}
	return nil, false
}

// optRawString returns a reader of string column name whose values alias
// the batch ("" for null or absent); they must not be kept.
func (b *batch) optRawString(name string) func(int) string {
	c := b.column(name)
	if c == nil {
		return func(int) string { return "" }
	}
	s, ok := asStrings(c)
	if !ok {
		b.fail(name, c, "a string type")
		return func(int) string { return "" }
	}
	return func(k int) string {
		if s.IsNull(k) {
			return ""
		}
		return s.Value(k)
	}
}

// optString is optRawString with trimmed, copied values.
func (b *batch) optString(name string) func(int) string {
	raw := b.optRawString(name)
	return func(k int) string { return strings.Clone(strings.TrimSpace(raw(k))) }
}

// interner keeps one copy of each string value of low-cardinality columns
// (kinds, departments, campaigns, reviewers…), so that millions of rows
// share a few thousand strings.
type interner map[string]string

func (in interner) intern(s string) string {
	if v, ok := in[s]; ok { // s may alias a batch: the lookup does not keep it
		return v
	}
	v := strings.Clone(s)
	in[v] = v
	return v
}

// optInterned is optString with values interned in in.
func (b *batch) optInterned(name string, in interner) func(int) string {
	raw := b.optRawString(name)
	return func(k int) string { return in.intern(strings.TrimSpace(raw(k))) }
}

func (b *batch) optBool(name string) func(int) bool {
	c := b.column(name)
	if c == nil {
		return func(int) bool { return false }
	}
	a, ok := c.(*array.Boolean)
	if !ok {
		b.fail(name, c, "a boolean")
		return func(int) bool { return false }
	}
	return func(k int) bool { return !a.IsNull(k) && a.Value(k) }
}

// optTime returns a reader of time column name in Unix seconds (0 for
// null or absent).
func (b *batch) optTime(name string) func(int) int64 {
	c := b.column(name)
	switch a := c.(type) {
	case nil:
		return func(int) int64 { return 0 }
	case *array.Timestamp:
		per := int64(1)
		switch a.DataType().(*arrow.TimestampType).Unit {
		case arrow.Millisecond:
			per = 1e3
		case arrow.Microsecond:
			per = 1e6
		case arrow.Nanosecond:
			per = 1e9
		}
		values := a.TimestampValues()
		return func(k int) int64 {
			if a.IsNull(k) {
				return 0
			}
			return floorDiv(int64(values[k]), per)
		}
	case *array.Date32:
		return func(k int) int64 {
			if a.IsNull(k) {
				return 0
			}
			return int64(a.Value(k)) * 86400
		}
	}
	b.fail(name, c, "a timestamp")
	return func(int) int64 { return 0 }
}

func (b *batch) fail(name string, c arrow.Array, want string) {
	if b.err == nil {
		b.err = fmt.Errorf("%s: column %q is %s, want %s", b.table, name, c.DataType(), want)
	}
}

// floorDiv divides rounding towards negative infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}
