package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rolemine/datasets/export"
)

// The round trip of issue 16: the Entra fixture in, roles mined, roles out
// as SCIM Groups that validate against RFC 7643's Group schema (kept as a
// fixture) and the rolemine extension's schema the export writes.
func TestExportSCIMRoundTrip(t *testing.T) {
	work := t.TempDir()
	db, out := filepath.Join(work, "db.duckdb"), filepath.Join(work, "scim")
	for _, args := range [][]string{
		{"ingest", "--db", db, "--format", "entra", "../../datasets/testdata/entra"},
		{"mine", "--db", db},
		{"export", "--db", db, "--format", "scim", "--what", "roles", "--out", out},
	} {
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), args, &stdout, &stderr); err != nil {
			t.Fatalf("rolemine %v: %v\n%s", args, err, stderr.String())
		}
	}
	core := readSchema(t, "../../datasets/export/testdata/rfc7643-group-schema.json")
	ext := readSchema(t, filepath.Join(out, "rolemine-role-extension.schema.json"))
	files, err := filepath.Glob(filepath.Join(out, "R*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no roles written: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if problems := export.Validate(data, core, ext); len(problems) > 0 {
			t.Errorf("%s does not validate:\n%q", f, problems)
		}
	}
	// The one role of the fixture: the three Finance clerks with their
	// two groups and SAP ERP's AP Post role (see datasets/testdata/entra).
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if diff := cmp.Diff([]string{"R0001.json"}, names); diff != "" {
		t.Errorf("role files (-want +got):\n%s", diff)
	}
}

func readSchema(t *testing.T, path string) *export.Schema {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := export.ParseSchema(data)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
