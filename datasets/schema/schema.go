package schema

import (
	"fmt"
	"slices"
	"strings"
)

// Type is the logical type of a canonical column.
type Type int

// Column types. Text columns hold identifiers and categorical values.
const (
	Text Type = iota
	Integer
	Float
	Bool
	Timestamp
	// Blob holds bytes (a result table's serialised model); no canonical
	// table has one.
	Blob
)

// String returns the DuckDB type name of t.
func (t Type) String() string {
	switch t {
	case Text:
		return "VARCHAR"
	case Integer:
		return "BIGINT"
	case Float:
		return "DOUBLE"
	case Bool:
		return "BOOLEAN"
	case Timestamp:
		return "TIMESTAMP"
	case Blob:
		return "BLOB"
	}
	panic(fmt.Sprintf("schema: unknown type %d", int(t)))
}

// Column is one canonical column.
type Column struct {
	Name     string
	Type     Type
	Required bool     // a row without a value is rejected
	Values   []string // allowed values of an enumerated column, lower case; nil = any
}

// Mode says how successive loads of a table combine.
type Mode int

const (
	// State tables hold a full extract: the newest snapshot that loaded the
	// table is its current content (identities, accounts, entitlements,
	// assignments, sod_rules).
	State Mode = iota
	// Events tables accumulate: the current content is every row ever
	// loaded, the newest version of each key winning (requests,
	// certifications).
	Events
)

// Table is one canonical table.
type Table struct {
	Name       string
	Mode       Mode
	Key        []string // columns that identify a row; duplicates of a key are collapsed
	Columns    []Column
	Attributes bool // non-canonical source columns are kept as attributes of the row's key
}

// Column returns the column called name.
func (t Table) Column(name string) (Column, bool) {
	i := slices.IndexFunc(t.Columns, func(c Column) bool { return c.Name == name })
	if i < 0 {
		return Column{}, false
	}
	return t.Columns[i], true
}

// ColumnNames returns the names of t's columns in order.
func (t Table) ColumnNames() []string {
	names := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		names[i] = c.Name
	}
	return names
}

// Required returns the names of t's mandatory columns.
func (t Table) Required() []string {
	var names []string
	for _, c := range t.Columns {
		if c.Required {
			names = append(names, c.Name)
		}
	}
	return names
}

// Enumerated values. Sources are normalised to lower case before checking.
var (
	RiskTiers      = []string{RiskLow, RiskMedium, RiskHigh, RiskCritical}
	Decisions      = []string{Approved, Denied, Pending}
	CertDecisions  = []string{Keep, Revoke}
	AssignSources  = []string{"request", "role", "birthright", "direct"}
	OutcomeKinds   = []string{Approved, Denied, Revoked}
	IdentityKinds  = []string{"human", "service", "bot", "device", "application"}
	IdentityStatus = []string{"active", "terminated", "suspended", "leave", "pending"}
)

// Risk tiers, in increasing order of risk.
const (
	RiskLow      = "low"
	RiskMedium   = "medium"
	RiskHigh     = "high"
	RiskCritical = "critical"
)

// Request decisions.
const (
	Approved = "approved"
	Denied   = "denied"
	Pending  = "pending"
	Revoked  = "revoked" // an outcome: granted access was taken back
)

// Certification decisions.
const (
	Keep   = "keep"
	Revoke = "revoke"
)

// RiskRank orders risk tiers: low 0 … critical 3; unknown tiers rank -1.
func RiskRank(tier string) int { return slices.Index(RiskTiers, tier) }

func text(name string) Column             { return Column{Name: name, Type: Text} }
func id(name string) Column               { return Column{Name: name, Type: Text, Required: true} }
func ts(name string) Column               { return Column{Name: name, Type: Timestamp} }
func enum(name string, v []string) Column { return Column{Name: name, Type: Text, Values: v} }

// The canonical tables.
var (
	Identities = Table{
		Name: "identities", Mode: State, Key: []string{"identity_id"}, Attributes: true,
		Columns: []Column{
			id("identity_id"), text("display_name"), text("email"),
			// kind and status are open sets: other values are kept as given.
			text("kind"), text("status"),
			text("department"), text("title"), text("location"), text("manager_id"),
			text("owner_id"), text("employment_type"), ts("hire_date"), ts("termination_date"),
		},
	}
	Accounts = Table{
		Name: "accounts", Mode: State, Key: []string{"account_id"},
		Columns: []Column{
			id("account_id"), text("identity_id"), text("application"), text("username"),
			ts("created_at"), ts("last_login_at"), ts("credential_rotated_at"),
		},
	}
	Entitlements = Table{
		Name: "entitlements", Mode: State, Key: []string{"entitlement_id"},
		Columns: []Column{
			id("entitlement_id"), text("application"), text("name"),
			enum("risk", RiskTiers), {Name: "privileged", Type: Bool}, text("owner_id"),
		},
	}
	Assignments = Table{
		Name: "assignments", Mode: State, Key: []string{"identity_id", "entitlement_id"},
		Columns: []Column{
			id("identity_id"), id("entitlement_id"), ts("granted_at"),
			enum("source", AssignSources), ts("last_used_at"),
		},
	}
	Requests = Table{
		Name: "requests", Mode: Events, Key: []string{"request_id"}, Attributes: true,
		Columns: []Column{
			// request_id is generated from the file and line when a source
			// has none; identity_id may be absent when the requester is
			// described by attribute columns only.
			text("request_id"), text("identity_id"), id("entitlement_id"),
			ts("requested_at"), ts("decided_at"), enum("decision", Decisions),
			text("decided_by"), ts("revoked_at"),
		},
	}
	Certifications = Table{
		Name: "certifications", Mode: Events, Key: []string{"identity_id", "entitlement_id", "campaign"},
		Columns: []Column{
			id("identity_id"), id("entitlement_id"), text("campaign"), ts("certified_at"),
			enum("decision", CertDecisions), text("reviewer_id"),
		},
	}
	SoDRules = Table{
		Name: "sod_rules", Mode: State, Key: []string{"rule_id"},
		Columns: []Column{id("rule_id"), id("entitlement_a"), id("entitlement_b"), enum("severity", RiskTiers)},
	}
	// Outcomes are what happened to requests after triage, as the
	// workflow system reports them: a human verdict (approved, denied) on a
	// reviewed or quality-sampled request, or the revocation (rollback) of
	// access it granted.
	Outcomes = Table{
		Name: "outcomes", Mode: Events, Key: []string{"request_id", "outcome"},
		Columns: []Column{
			id("request_id"), {Name: "outcome", Type: Text, Required: true, Values: OutcomeKinds},
			text("actor"), ts("decided_at"), text("note"),
		},
	}
)

// Canonical lists the canonical tables in load order: a table's references
// point only to tables before it.
func Canonical() []Table {
	return []Table{Identities, Accounts, Entitlements, Assignments, Requests, Certifications, SoDRules, Outcomes}
}

// Lookup returns the canonical table called name (case-insensitive).
func Lookup(name string) (Table, bool) {
	name = strings.ToLower(strings.TrimSpace(name))
	for _, t := range Canonical() {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// Names returns the names of the canonical tables.
func Names() []string {
	var names []string
	for _, t := range Canonical() {
		names = append(names, t.Name)
	}
	return names
}
