package datasets

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseMapping(t *testing.T) {
	const file = "\ufeff# HR export\n\ntable = Requests\n  # indented comment\nEntitlement_ID = Resource # Name\nidentity_id = \" Employee \"\ndecision=Action=Taken\napproved-values = 1, yes ,\ndenied-values = 0\n"
	m, err := ParseMapping("hr.map", strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := Mapping{
		Table: "requests",
		// A # after the start of a line is part of the value; the first =
		// splits, later ones belong to the source column.
		Columns:        map[string]string{"entitlement_id": "Resource # Name", "identity_id": " Employee ", "decision": "Action=Taken"},
		ApprovedValues: []string{"1", "yes"},
		DeniedValues:   []string{"0"},
		at: map[string]string{"table": "hr.map:3", "entitlement_id": "hr.map:5", "identity_id": "hr.map:6",
			"decision": "hr.map:7", "approved-values": "hr.map:8", "denied-values": "hr.map:9"},
	}
	if diff := cmp.Diff(want, m, cmp.AllowUnexported(Mapping{})); diff != "" {
		t.Errorf("ParseMapping (-want +got):\n%s", diff)
	}
}

func TestParseMappingErrors(t *testing.T) {
	tests := []struct {
		name, file, want string
	}{
		{"unknown column", "# SailPoint\ntable = identities\nidentity_id = Identity Name\ndepartmnt = Department\n",
			`sailpoint.map:4: unknown canonical column "departmnt" of table identities (columns: identity_id, display_name, email, kind, status, department, title, location, manager_id, owner_id, employment_type, hire_date, termination_date)`},
		{"unknown column before table", "departmnt = Department\ntable = identities\n",
			`sailpoint.map:1: unknown canonical column "departmnt" of table identities`},
		{"no equals", "table = identities\nidentity_id Identity Name\n",
			`sailpoint.map:2: want KEY = VALUE`},
		{"no key", "table = identities\n= Identity Name\n", `sailpoint.map:2: want KEY = VALUE`},
		{"no value", "table = identities\nidentity_id =\n", `sailpoint.map:2: identity_id has no value`},
		{"twice", "table = identities\nidentity_id = A\n\nIdentity_ID = B\n", `sailpoint.map:4: identity_id set twice (first on line 2)`},
		{"unknown table", "table = people\n", `sailpoint.map:1: unknown table "people" (want one of identities, accounts,`},
		{"no table", "# only a comment\nidentity_id = A\n", `sailpoint.map: no table: add a line table = TABLE`},
		{"values outside requests", "table = identities\napproved-values = 1\n", `sailpoint.map:2: approved-values applies to table requests only, not identities`},
		{"long line", "table = identities\nidentity_id = " + strings.Repeat("x", 70_000) + "\n", `sailpoint.map:2: bufio.Scanner: token too long`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMapping("sailpoint.map", strings.NewReader(tc.file))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to start with %q", err, tc.want)
			}
		})
	}
}

func TestMappingOverride(t *testing.T) {
	file, err := ParseMapping("hr.map", strings.NewReader("table = requests\nidentity_id = Employee\nentitlement_id = Resource\ndecision = Action\napproved-values = 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	flags := Mapping{
		Columns: map[string]string{
			"entitlement_id": "Permission", // changes the file's setting
			"decision":       "action",     // the same column: case does not matter, no note
			"decided_by":     "Approver",   // new
		},
		ApprovedValues: []string{"1", "Y"},
		DeniedValues:   []string{"0"}, // new
	}
	got, notes := file.Override(flags)
	want := Mapping{
		Table: "requests",
		Columns: map[string]string{"identity_id": "Employee", "entitlement_id": "Permission",
			"decision": "action", "decided_by": "Approver"},
		ApprovedValues: []string{"1", "Y"},
		DeniedValues:   []string{"0"},
		at:             map[string]string{"table": "hr.map:1", "identity_id": "hr.map:2"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(Mapping{})); diff != "" {
		t.Errorf("Override (-want +got):\n%s", diff)
	}
	wantNotes := []string{
		"--map entitlement_id=Permission overrides hr.map:3 (entitlement_id = Resource)",
		"--approved-values 1,Y overrides hr.map:5 (approved-values = 1)",
	}
	if diff := cmp.Diff(wantNotes, notes); diff != "" {
		t.Errorf("Override notes (-want +got):\n%s", diff)
	}
	if _, ok := file.Columns["decided_by"]; ok || file.Columns["entitlement_id"] != "Resource" {
		t.Errorf("Override modified its receiver: %v", file.Columns)
	}

	// A --table that changes the table leaves the file's columns to be
	// checked against the new one, each named by its line.
	got, notes = file.Override(Mapping{Table: "identities"})
	if diff := cmp.Diff([]string{"--table identities overrides hr.map:1 (table = requests)"}, notes); diff != "" {
		t.Errorf("Override notes (-want +got):\n%s", diff)
	}
	if err := got.Check(); err == nil || !strings.HasPrefix(err.Error(), `hr.map:3: unknown canonical column "entitlement_id" of table identities`) {
		t.Errorf("Check = %v, want hr.map:3 named", err)
	}
	// Flags alone are named as flags.
	bad := Mapping{Table: "identities", Columns: map[string]string{"departmnt": "Dept"}}
	if err := bad.Check(); err == nil || !strings.HasPrefix(err.Error(), `--map departmnt=Dept: unknown canonical column "departmnt" of table identities`) {
		t.Errorf("Check = %v, want the --map flag named", err)
	}
}

// TestIngestSailPointMapping loads the SailPoint-shaped exports of
// testdata/mappings with the example mapping files shipped beside them.
func TestIngestSailPointMapping(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	var sources []Source
	for _, name := range []string{"sailpoint-identities", "sailpoint-account-access"} {
		m, err := ReadMappingFile("testdata/mappings/" + name + ".map")
		if err != nil {
			t.Fatal(err)
		}
		sources = append(sources, m.Source("testdata/mappings/"+name+".csv", FormatAuto))
	}
	rep, err := s.Ingest(ctx, sources, DefaultIngestOptions)
	if err != nil {
		t.Fatal(err)
	}
	// Counted by hand from the two CSV files: 4 identities; Grace has no
	// manager, Alan no email, Edsger no location nor title.
	// Identity Name, Display Name, Email, Manager, Department, Location
	// and Job Title are mapped; First Name, Last Name and Inactive are
	// attributes (Edsger's Inactive is empty: no attribute).
	want := exportWant{
		identities: []string{
			"ada.lovelace|Ada Lovelace|||Finance|AP Clerk|London|grace.hopper||",
			"alan.turing|Alan Turing|||Finance|AP Clerk|Manchester|grace.hopper||",
			"edsger.dijkstra|Dijkstra, Edsger|||Finance|||grace.hopper||",
			"grace.hopper|Grace Hopper|||IT|Engineer|New York|||",
		},
		// 7 rows, one a duplicate of the first (Ada's AP Clerks).
		assignments: []string{
			"ada.lovelace|AP_POST||",
			"ada.lovelace|CN=AP Clerks||",
			"alan.turing|AP_POST||",
			"alan.turing|CN=AP Clerks||",
			"edsger.dijkstra|CN=AP Clerks||",
			"grace.hopper|CN=Domain Admins||",
		},
		attributes: []string{
			"ada.lovelace|First Name|Ada", "ada.lovelace|Inactive|false", "ada.lovelace|Last Name|Lovelace",
			"alan.turing|First Name|Alan", "alan.turing|Inactive|true", "alan.turing|Last Name|Turing",
			"edsger.dijkstra|First Name|Edsger", "edsger.dijkstra|Last Name|Dijkstra",
			"grace.hopper|First Name|Grace", "grace.hopper|Inactive|false", "grace.hopper|Last Name|Hopper",
		},
		warnings: []string{"sailpoint-account-access.csv: ignored columns not in the assignments schema: Application, Instance, Account Name, Attribute"},
	}
	checkExport(t, s, rep, want)
	emails := dumpRows(t, s, `SELECT identity_id || '|' || coalesce(email, '') FROM current_identities ORDER BY 1`)
	if diff := cmp.Diff([]string{"ada.lovelace|ada@example.com", "alan.turing|", "edsger.dijkstra|edsger@example.com", "grace.hopper|grace@example.com"}, emails); diff != "" {
		t.Errorf("emails (-want +got):\n%s", diff)
	}
	if got := rep.Files[1].Duplicates; got != 1 {
		t.Errorf("account-access duplicates = %d, want 1", got)
	}
}

// TestMappingExplain: a mapping file naming a source column the file does
// not have fails the load with the mapping file's line.
func TestMappingExplain(t *testing.T) {
	s := openTest(t)
	m, err := ParseMapping("sailpoint.map", strings.NewReader("table = identities\n\nidentity_id = Identity Nmae\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Ingest(context.Background(), []Source{m.Source("testdata/mappings/sailpoint-identities.csv", FormatAuto)}, DefaultIngestOptions)
	err = m.Explain(err)
	want := `testdata/mappings/sailpoint-identities.csv: sailpoint.map:3: identity_id = Identity Nmae: the file has no column Identity Nmae (columns: Identity Name,`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error = %v, want it to start with %q", err, want)
	}
}
