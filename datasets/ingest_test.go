package datasets

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// ingestDir loads the canonical files of dir into s as one snapshot.
func ingestDir(t *testing.T, s *Store, dir string) (*IngestReport, error) {
	t.Helper()
	sources, err := SourcesInDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s.Ingest(context.Background(), sources, DefaultIngestOptions)
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// state is every table's row count, to show that a failed load changed
// nothing.
func state(t *testing.T, s *Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, tbl := range []string{"snapshots", "snapshot_files", "rejects", "load_warnings", "attributes",
		"identities", "accounts", "entitlements", "assignments", "requests", "certifications", "sod_rules"} {
		var n int64
		if err := s.DB().QueryRow("SELECT count(*) FROM " + tbl).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[tbl] = n
	}
	return out
}

const goodIdentities = "identity_id,display_name,department,hire_date\nu1,Ada,Finance,2020-01-02\nu2,Grace,IT,2021-03-04\n"

func TestIngestRejectsBadInput(t *testing.T) {
	huge := strings.Repeat("x", 70_000)
	tests := []struct {
		name, file, content string
		table               string
		wantErr             string // substring of the error text
		wantLine            int64
	}{
		{"empty file", "identities.csv", "", "", "identities.csv: file is empty", 0},
		{"header only", "identities.csv", "identity_id,display_name\n", "", "no data rows", 0},
		{"missing mandatory column", "assignments.csv", "identity_id,granted_at\nu1,2024-01-01\n", "",
			"missing mandatory column entitlement_id", 1},
		{"wrong type", "assignments.csv", "identity_id,entitlement_id,granted_at\nu1,e1,2024-01-01\nu2,e1,last tuesday\n", "",
			"assignments.csv:3: column granted_at: cannot read 'last tuesday' as a date or timestamp", 3},
		{"bad enum", "entitlements.csv", "entitlement_id,risk\ne1,low\ne2,extreme\n", "",
			"entitlements.csv:3: column risk: 'extreme' is not one of low, medium, high, critical", 3},
		{"missing id value", "identities.csv", "identity_id,display_name\nu1,Ada\n,Nobody\n", "",
			"identities.csv:3: column identity_id: missing value", 3},
		{"non-UTF-8 bytes", "identities.csv", "identity_id,display_name\nu1,Ada\nu2,Gr\xe2\x28\xa1ce\n", "",
			"identities.csv:3: column display_name: not valid UTF-8", 3},
		{"too many fields", "identities.csv", "identity_id,display_name\nu1,Ada\nu2,Grace,extra\n", "",
			"identities.csv:3", 3},
		{"huge field", "identities.csv", "identity_id,display_name\nu1,Ada\nu2," + huge + "\n", "",
			"identities.csv:3: column display_name: field of 70000 bytes is longer than the limit of 65536", 3},
		{"huge line", "identities.csv", "identity_id,display_name\nu1," + strings.Repeat("y", maxLineBytes+10) + "\n", "",
			"identities.csv:2: line longer than", 2},
		{"conflicting duplicate key", "identities.csv", "identity_id,display_name\nu1,Ada\nu1,Grace\n", "",
			"identities.csv:3: column identity_id: duplicate key identity_id=u1 differs from line 2", 3},
		{"bad pair line", "hc.txt", "1 1\n2 2 2\n", "assignments",
			"hc.txt:2: want two fields `user permission`, found 3", 2},
		{"bad JSON line", "identities.jsonl", "{\"identity_id\":\"u1\"}\nnot json\n", "",
			"identities.jsonl:2: not a JSON object", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTest(t)
			ctx := context.Background()
			dir := t.TempDir()
			if _, err := s.Ingest(ctx, []Source{{Path: writeFile(t, dir, "identities.csv", goodIdentities)}}, DefaultIngestOptions); err != nil {
				t.Fatal(err)
			}
			before := state(t, s)
			_, err := s.Ingest(ctx, []Source{{Path: writeFile(t, dir, tc.file, tc.content), Table: tc.table}}, DefaultIngestOptions)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.file) {
				t.Errorf("error %q does not name the file %s", err, tc.file)
			}
			var le *LoadError
			if tc.wantLine > 0 && (!errors.As(err, &le) || le.Line != tc.wantLine) {
				t.Errorf("error %v: want a *LoadError at line %d", err, tc.wantLine)
			}
			if diff := cmp.Diff(before, state(t, s)); diff != "" {
				t.Errorf("failed load changed the database (-before +after):\n%s", diff)
			}
		})
	}
}

func TestIngestIsOneTransaction(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	dir := t.TempDir()
	before := state(t, s)
	_, err := s.Ingest(ctx, []Source{
		{Path: writeFile(t, dir, "identities.csv", goodIdentities)},
		{Path: writeFile(t, dir, "assignments.csv", "identity_id,entitlement_id,last_used_at\nu1,e1,never\n")},
	}, DefaultIngestOptions)
	if err == nil {
		t.Fatal("load with a bad second file succeeded")
	}
	if diff := cmp.Diff(before, state(t, s)); diff != "" {
		t.Errorf("the good first file was kept (-before +after):\n%s", diff)
	}
}

func TestIngestMaxErrorsKeepsRejects(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	dir := t.TempDir()
	path := writeFile(t, dir, "assignments.csv",
		"identity_id,entitlement_id,granted_at\nu1,e1,2024-01-01\nu1,e1,2024-01-01\n,e2,2024-01-01\nu2,e3,soon\nu2,e4,\nu2,e5,2024-02-03,x\n")
	opts := DefaultIngestOptions
	opts.MaxErrors = 3
	rep, err := s.Ingest(ctx, []Source{{Path: path}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	got := rep.Files[0]
	want := FileReport{Table: "assignments", File: path, Format: FormatCSV, RowsRead: 6, RowsLoaded: 2, Rejected: 3, Duplicates: 1}
	if diff := cmp.Diff(want, got, cmpFileReport); diff != "" {
		t.Errorf("report (-want +got):\n%s", diff)
	}
	rows, err := s.DB().Query("SELECT line, column_name, reason FROM rejects ORDER BY line")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var rejects []string
	for rows.Next() {
		var line int64
		var col, reason string
		rows.Scan(&line, &col, &reason)
		rejects = append(rejects, strings.Join([]string{strconv.FormatInt(line, 10), col, reason}, "|"))
	}
	wantRejects := []string{
		"4|identity_id|missing value",
		"5|granted_at|cannot read 'soon' as a date or timestamp",
		"7||too many columns: expected number of columns: 3 found: 4",
	}
	if diff := cmp.Diff(wantRejects, rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
	// One more bad row than allowed fails the whole load.
	opts.MaxErrors = 2
	if _, err := s.Ingest(ctx, []Source{{Path: writeFile(t, dir, "other.csv", "identity_id,entitlement_id,granted_at\nu1,e1,x\nu2,e1,y\nu3,e1,z\n"), Table: "assignments"}}, opts); err == nil ||
		!strings.Contains(err.Error(), "other.csv:2") || !strings.Contains(err.Error(), "and 2 more bad rows") {
		t.Errorf("error = %v, want other.csv:2 and a count of the other bad rows", err)
	}
}

var cmpFileReport = cmp.FilterPath(func(p cmp.Path) bool {
	switch p.Last().String() {
	case ".SHA256", ".LoadKey", ".Bytes", ".Columns", ".Attributes", ".Ignored":
		return true
	}
	return false
}, cmp.Ignore())

// A directory named key=value is a directory, not a hive partition: it
// adds no column, in any format.
func TestIngestPathWithEquals(t *testing.T) {
	s := openTest(t)
	dir := filepath.Join(t.TempDir(), "night=2026-11-29")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := s.Ingest(context.Background(), []Source{
		{Path: writeFile(t, dir, "identities.csv", goodIdentities)},
		{Path: writeFile(t, dir, "entitlements.jsonl", `{"entitlement_id":"e1","risk":"low"}`+"\n")},
	}, DefaultIngestOptions)
	if err != nil {
		t.Fatal(err)
	}
	var attrs int64
	if err := s.DB().QueryRow("SELECT count(*) FROM attributes WHERE name = 'night'").Scan(&attrs); err != nil {
		t.Fatal(err)
	}
	if attrs != 0 {
		t.Errorf("the directory name became %d attribute values", attrs)
	}
}
