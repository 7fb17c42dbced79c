package export

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/google/go-cmp/cmp"
)

// assignmentsDB returns an in-memory DuckDB with a table fixture of the
// assignments given as "identity entitlement" pairs (and a source column,
// which the export ignores).
func assignmentsDB(t *testing.T, pairs ...string) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`CREATE TABLE fixture (identity_id VARCHAR, entitlement_id VARCHAR, source VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	for k, p := range pairs {
		id, ent, _ := strings.Cut(p, " ")
		if _, err := db.Exec(`INSERT INTO fixture VALUES (?, ?, ?)`, id, ent, []string{"direct", "role"}[k%2]); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// readPairs reads a partition file back as "identity entitlement" lines,
// in file order.
func readPairs(t *testing.T, db *sql.DB, file string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT identity_id || ' ' || entitlement_id FROM read_parquet(?)`, file)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWritePartitions(t *testing.T) {
	// Two blocks: {u2,u1}×{b,a,c} and {u3}×{d}; u1's b is assigned twice.
	db := assignmentsDB(t, "u2 c", "u1 b", "u1 a", "u1 b", "u2 b", "u3 d")
	dir := filepath.Join(t.TempDir(), "it's here") // a quote the COPY target must survive
	e := PartitionExport{From: "fixture", Snapshot: 7, Partitions: []Partition{
		{ID: 2, Entitlements: []string{"d"}},
		{ID: 1, Entitlements: []string{"c", "a", "b", "unheld"}},
	}}
	got, err := WritePartitions(context.Background(), db, dir, e)
	if err != nil {
		t.Fatal(err)
	}
	want := PartitionManifest{Format: PartitionFormat, Snapshot: 7, Columns: PartitionColumns, Partitions: []PartitionFile{
		{ID: 1, Path: "partition=000001/assignments.parquet", Identities: 2, Entitlements: 3, Assignments: 4},
		{ID: 2, Path: "partition=000002/assignments.parquet", Identities: 1, Entitlements: 1, Assignments: 1},
	}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("manifest (-want +got):\n%s", diff)
	}
	read, err := ReadPartitionManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, read); diff != "" {
		t.Errorf("manifest read back (-written +read):\n%s", diff)
	}
	wantPairs := map[int][]string{1: {"u1 a", "u1 b", "u2 b", "u2 c"}, 2: {"u3 d"}}
	for _, f := range got.Partitions {
		pairs := readPairs(t, db, filepath.Join(dir, filepath.FromSlash(f.Path)))
		if diff := cmp.Diff(wantPairs[f.ID], pairs); diff != "" {
			t.Errorf("partition %d (-want +got):\n%s", f.ID, diff)
		}
	}
}

func TestWritePartitionsErrors(t *testing.T) {
	pairs := []string{"u1 a", "u1 b", "u2 b", "u3 d"}
	for _, tc := range []struct {
		name  string
		parts []Partition
		want  string
	}{
		{"entitlement twice", []Partition{{1, []string{"a", "b"}}, {2, []string{"b", "d"}}},
			"entitlement b is in partitions 1 and 2"},
		{"entitlement in none", []Partition{{1, []string{"a", "b"}}},
			"entitlement d (held by u3) is in no partition"},
		{"block split", []Partition{{1, []string{"a"}}, {2, []string{"b", "d"}}},
			"identity u1 has assignments in partitions 1 and 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := assignmentsDB(t, pairs...)
			_, err := WritePartitions(context.Background(), db, t.TempDir(), PartitionExport{From: "fixture", Partitions: tc.parts})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
		})
	}
}

func TestReadPartitionManifestErrors(t *testing.T) {
	if _, err := ReadPartitionManifest(t.TempDir()); err == nil {
		t.Error("no error for a directory without a manifest")
	}
}
