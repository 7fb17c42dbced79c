package schema

// Result tables hold what later stages computed. Every row carries the
// run_id of the runs row that wrote it; a run's rows are written in one
// transaction together with its runs row, so a run either is complete or
// does not exist.
var (
	Runs = Table{
		Name: "runs", Key: []string{"run_id"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, text("command"),
			{Name: "snapshot_id", Type: Integer}, ts("started_at"), ts("finished_at"),
			text("status"), text("parameters"), text("summary"),
		},
	}
	Roles = Table{
		Name: "roles", Key: []string{"run_id", "role_id"},
		Columns: []Column{
			{Name: "run_id", Type: Integer, Required: true}, id("role_id"), text("name"), text("kind"),
			{Name: "members", Type: Integer}, {Name: "entitlements", Type: Integer}, text("rule"),
			{Name: "rule_precision", Type: Float}, {Name: "rule_recall", Type: Float},
		},
	}
	RoleEntitlements = Table{
		Name: "role_entitlements", Key: []string{"run_id", "role_id", "entitlement_id"},
		Columns: []Column{{Name: "run_id", Type: Integer, Required: true}, id("role_id"), id("entitlement_id")},
	}
	RoleMembers = Table{
		Name: "role_members", Key: []string{"run_id", "role_id", "identity_id"},
		Columns: []Column{{Name: "run_id", Type: Integer, Required: true}, id("role_id"), id("identity_id")},
	}
	RoleExceptions = Table{
		Name: "role_exceptions", Key: []string{"run_id", "identity_id", "entitlement_id"},
		Columns: []Column{{Name: "run_id", Type: Integer, Required: true}, id("identity_id"), id("entitlement_id"), text("kind")},
	}
	Metrics = Table{
		Name: "metrics", Key: []string{"run_id", "metric"},
		Columns: []Column{{Name: "run_id", Type: Integer, Required: true}, id("metric"), {Name: "value", Type: Float}},
	}
)

// Results lists the result tables.
func Results() []Table {
	return []Table{Runs, Roles, RoleEntitlements, RoleMembers, RoleExceptions, Metrics}
}

// LookupResult returns the result table called name.
func LookupResult(name string) (Table, bool) {
	for _, t := range Results() {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}
