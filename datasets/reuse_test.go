package datasets

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestIngestKeepsUnchangedTables loads three nights: the second changes
// only the assignments, so the other tables keep the first night's rows
// (nothing stored twice, the current views unchanged); the third changes
// the mapping of an unchanged file, which must load it again.
func TestIngestKeepsUnchangedTables(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	dir := t.TempDir()
	writeFile(t, dir, "identities.csv", "identity_id,department,cost_center\nu1,sales,c1\nu2,it,c2\n")
	writeFile(t, dir, "entitlements.csv", "entitlement_id,risk\ne1,low\ne2,high\n")
	writeFile(t, dir, "assignments.csv", "identity_id,entitlement_id\nu1,e1\nu2,e2\n")
	writeFile(t, dir, "certifications.csv", "identity_id,entitlement_id,campaign,decision\nu1,e1,q1,keep\n")
	load := func(opts IngestOptions, mutate func([]Source)) *IngestReport {
		t.Helper()
		sources, err := SourcesInDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if mutate != nil {
			mutate(sources)
		}
		rep, err := s.Ingest(ctx, sources, opts)
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	reusedFrom := func(rep *IngestReport) map[string]int64 {
		out := map[string]int64{}
		for _, f := range rep.Files {
			out[f.Table] = f.ReusedFrom
		}
		return out
	}
	load(DefaultIngestOptions, nil)

	writeFile(t, dir, "assignments.csv", "identity_id,entitlement_id\nu1,e1\nu1,e2\n")
	second := load(DefaultIngestOptions, nil)
	want := map[string]int64{"identities": 1, "entitlements": 1, "assignments": 0, "certifications": 1}
	if diff := cmp.Diff(want, reusedFrom(second)); diff != "" {
		t.Errorf("second night, tables kept from (-want +got):\n%s", diff)
	}
	for _, f := range second.Files {
		if f.Table == "identities" && (f.RowsRead != 2 || f.RowsLoaded != 2) {
			t.Errorf("kept identities report %d read, %d loaded; want the first load's 2 and 2", f.RowsRead, f.RowsLoaded)
		}
	}
	got := queryInts(t, s, `SELECT (SELECT count(*) FROM identities), (SELECT count(*) FROM certifications),
		(SELECT count(*) FROM current_identities), (SELECT count(*) FROM current_certifications),
		(SELECT count(*) FROM current_identity_attributes), (SELECT count(*) FROM current_assignments WHERE identity_id = 'u1'),
		(SELECT count(*) FROM snapshot_files WHERE snapshot_id = 2)`)
	if diff := cmp.Diff([]int64{2, 1, 2, 1, 2, 2, 4}, got); diff != "" {
		t.Errorf("stored, current identities and certifications, attributes, u1's assignments, files of snapshot 2 (-want +got):\n%s", diff)
	}

	// A third night with the same files keeps snapshot 2 as it is.
	if again := load(DefaultIngestOptions, nil); !again.Reused || again.SnapshotID != 2 {
		t.Errorf("same files again: snapshot %d, reused %v; want snapshot 2 reused", again.SnapshotID, again.Reused)
	}
	// Mapping department to title changes what identities.csv stores.
	third := load(DefaultIngestOptions, func(sources []Source) {
		for k := range sources {
			if filepath.Base(sources[k].Path) == "identities.csv" {
				sources[k].Map = map[string]string{"title": "department"}
			}
		}
	})
	want = map[string]int64{"identities": 0, "entitlements": 1, "assignments": 2, "certifications": 1}
	if diff := cmp.Diff(want, reusedFrom(third)); diff != "" {
		t.Errorf("third night, tables kept from (-want +got):\n%s", diff)
	}
	if got := dumpRows(t, s, "SELECT title FROM current_identities ORDER BY identity_id"); !cmp.Equal(got, []string{"sales", "it"}) {
		t.Errorf("titles after the new mapping = %q, want the departments", got)
	}
	// A stricter error budget must not keep a load that had rejects.
	writeFile(t, dir, "entitlements.csv", "entitlement_id,risk\ne1,low\ne2,high\ne3,extreme\n")
	lenient := DefaultIngestOptions
	lenient.MaxErrors = 5
	load(lenient, nil)
	sources, _ := SourcesInDir(dir)
	if _, err := s.Ingest(ctx, sources, DefaultIngestOptions); err == nil {
		t.Error("the load with a reject was kept under --max-errors 0; want the file read again and refused")
	}
}

// The current rows of an events table are the newest of each key however
// they were loaded: from one file (the view returns the rows as stored),
// from two files of one snapshot sharing a key, and from two snapshots.
func TestCurrentEvents(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	dir := t.TempDir()
	writeFile(t, dir, "identities.csv", "identity_id\nu1\nu2\n")
	writeFile(t, dir, "entitlements.csv", "entitlement_id\ne1\ne2\n")
	writeFile(t, dir, "c1.csv", "identity_id,entitlement_id,campaign,decision\nu1,e1,q1,keep\nu2,e2,q1,revoke\n")
	writeFile(t, dir, "c2.csv", "identity_id,entitlement_id,campaign,decision\nu1,e1,q1,keep\nu1,e2,q2,keep\n")
	load := func(certFiles ...string) {
		t.Helper()
		sources := []Source{{Path: filepath.Join(dir, "identities.csv"), Table: "identities"},
			{Path: filepath.Join(dir, "entitlements.csv"), Table: "entitlements"}}
		for _, f := range certFiles {
			sources = append(sources, Source{Path: filepath.Join(dir, f), Table: "certifications"})
		}
		if _, err := s.Ingest(ctx, sources, DefaultIngestOptions); err != nil {
			t.Fatal(err)
		}
	}
	current := func() []string {
		return dumpRows(t, s, `SELECT identity_id || '/' || entitlement_id || '/' || campaign || ':' || decision || '@' || snapshot_id
			FROM current_certifications ORDER BY 1`)
	}
	load("c1.csv")
	if diff := cmp.Diff([]string{"u1/e1/q1:keep@1", "u2/e2/q1:revoke@1"}, current()); diff != "" {
		t.Errorf("one file (-want +got):\n%s", diff)
	}
	load("c1.csv", "c2.csv") // u1/e1/q1 in both files
	if diff := cmp.Diff([]string{"u1/e1/q1:keep@2", "u1/e2/q2:keep@2", "u2/e2/q1:revoke@2"}, current()); diff != "" {
		t.Errorf("two files of one snapshot (-want +got):\n%s", diff)
	}
	writeFile(t, dir, "c1.csv", "identity_id,entitlement_id,campaign,decision\nu2,e2,q1,keep\n")
	load("c1.csv") // u2/e2/q1 decided again; the rest stands from snapshot 2
	if diff := cmp.Diff([]string{"u1/e1/q1:keep@2", "u1/e2/q2:keep@2", "u2/e2/q1:keep@3"}, current()); diff != "" {
		t.Errorf("two snapshots (-want +got):\n%s", diff)
	}
}
