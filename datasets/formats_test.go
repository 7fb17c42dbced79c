package datasets

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rolemine/datasets/shareddata"
)

var sharedData = shareddata.Dir()

func skipWithoutSharedData(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(sharedData); err != nil {
		t.Skipf("SKIPPED: real data not found at %s: %v", sharedData, err)
	}
}

func queryInts(t *testing.T, s *Store, q string) []int64 {
	t.Helper()
	row := s.DB().QueryRow(q)
	vals := make([]int64, strings.Count(q, ",")+1)
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := row.Scan(ptrs...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return vals
}

// The HP Labs benchmark files load with the counts published for them
// (shared/data/README.md).
func TestIngestHPBenchmarks(t *testing.T) {
	skipWithoutSharedData(t)
	tests := []struct {
		file                   string
		users, perms, assigned int64
	}{
		{"hc.txt", 46, 46, 1486},
		{"domino.txt", 79, 231, 730},
		{"emea.txt", 35, 3046, 7220},
		{"fire1.txt", 365, 709, 31951},
		{"fire2.txt", 325, 590, 36428},
		{"americas_small.txt", 3477, 1587, 105205},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			s := openTest(t)
			if _, err := s.Ingest(context.Background(), []Source{{Path: filepath.Join(sharedData, "hp", tc.file)}}, DefaultIngestOptions); err != nil {
				t.Fatal(err)
			}
			got := queryInts(t, s, `SELECT count(DISTINCT identity_id), count(DISTINCT entitlement_id), count(*) FROM current_assignments`)
			if diff := cmp.Diff([]int64{tc.users, tc.perms, tc.assigned}, got); diff != "" {
				t.Errorf("users, perms, assignments (-want +got):\n%s", diff)
			}
		})
	}
}

// The Amazon decisions load as request history with the command shape of
// issue 4: RESOURCE → entitlement_id, ACTION 1/0 → approved/denied, the rest
// requester attributes.
func TestIngestAmazonDecisions(t *testing.T) {
	skipWithoutSharedData(t)
	s := openTest(t)
	src := Source{Path: filepath.Join(sharedData, "amazon", "access_decisions.csv"), Table: "requests",
		Map:            map[string]string{"entitlement_id": "RESOURCE", "decision": "ACTION"},
		ApprovedValues: []string{"1"}, DeniedValues: []string{"0"}}
	rep, err := s.Ingest(context.Background(), []Source{src}, DefaultIngestOptions)
	if err != nil {
		t.Fatal(err)
	}
	wantAttrs := []string{"MGR_ID", "ROLE_ROLLUP_1", "ROLE_ROLLUP_2", "ROLE_DEPTNAME", "ROLE_TITLE", "ROLE_FAMILY_DESC", "ROLE_FAMILY", "ROLE_CODE"}
	if diff := cmp.Diff(wantAttrs, rep.Files[0].Attributes); diff != "" {
		t.Errorf("attributes (-want +got):\n%s", diff)
	}
	// 19,725 rows, about 94.4 % approved (shared/data/README.md); the
	// approved count is the file's own number of ACTION = 1 rows.
	got := queryInts(t, s, `SELECT count(*), count(*) FILTER (decision = 'approved'), count(*) FILTER (decision = 'denied'),
		count(DISTINCT entitlement_id), (SELECT count(*) FROM current_request_attributes) FROM current_requests`)
	want := []int64{19725, 18628, 1097, 5690, 19725 * 8} // counted with awk
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests, approved, denied, resources, attributes (-want +got):\n%s", diff)
	}
	// The pending shape: the same columns without ACTION.
	dir := t.TempDir()
	pending := writeFile(t, dir, "pending.csv", "request_id,RESOURCE,MGR_ID,ROLE_TITLE\n900001,17183,1540,118536\n")
	if _, err := s.Ingest(context.Background(), []Source{{Path: pending, Table: "requests", Map: map[string]string{"entitlement_id": "RESOURCE"}}}, DefaultIngestOptions); err != nil {
		t.Fatal(err)
	}
	got = queryInts(t, s, `SELECT count(*), count(*) FILTER (decision = 'pending') FROM current_requests`)
	if diff := cmp.Diff([]int64{19726, 1}, got); diff != "" {
		t.Errorf("history plus pending (-want +got):\n%s", diff)
	}
}

// Every format loads the same small organisation to the same tables.
func TestIngestFormats(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	csvPath := writeFile(t, dir, "identities.csv", "identity_id,display_name,department,cost_center\nu1,Ada,Finance,CC1\nu2,Grace,IT,CC2\n")
	tsvPath := writeFile(t, dir, "identities.tsv", "identity_id\tdisplay_name\tdepartment\tcost_center\nu1\tAda\tFinance\tCC1\nu2\tGrace\tIT\tCC2\n")
	jsonlPath := writeFile(t, dir, "identities.jsonl", `{"identity_id":"u1","display_name":"Ada","department":"Finance","cost_center":"CC1"}
{"identity_id":"u2","display_name":"Grace","department":"IT","cost_center":"CC2"}
`)
	parquetPath := filepath.Join(dir, "identities.parquet")
	{
		s := openTest(t)
		if _, err := s.DB().Exec(`COPY (SELECT * FROM (VALUES ('u1','Ada','Finance','CC1'), ('u2','Grace','IT','CC2'))
			t(identity_id, display_name, department, cost_center)) TO '` + parquetPath + `' (FORMAT parquet)`); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{csvPath, tsvPath, jsonlPath, parquetPath} {
		t.Run(filepath.Ext(path), func(t *testing.T) {
			s := openTest(t)
			if _, err := s.Ingest(ctx, []Source{{Path: path}}, DefaultIngestOptions); err != nil {
				t.Fatal(err)
			}
			got := dumpRows(t, s, `SELECT i.identity_id || ':' || i.display_name || ':' || i.department || ':' || a.value
				FROM current_identities i JOIN current_identity_attributes a USING (identity_id) WHERE a.name = 'cost_center' ORDER BY 1`)
			if diff := cmp.Diff([]string{"u1:Ada:Finance:CC1", "u2:Grace:IT:CC2"}, got); diff != "" {
				t.Errorf("identities (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIngestSCIM(t *testing.T) {
	s := openTest(t)
	rep, err := s.Ingest(context.Background(), []Source{{Path: "testdata/directory.scim.json"}}, DefaultIngestOptions)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for _, f := range rep.Files {
		tables = append(tables, f.Table)
	}
	if diff := cmp.Diff([]string{"identities", "entitlements", "assignments"}, tables); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	got := dumpRows(t, s, `SELECT identity_id || ':' || display_name || ':' || coalesce(email, '') || ':' || coalesce(department, '') || ':' ||
		coalesce(manager_id, '') || ':' || status FROM current_identities ORDER BY 1`)
	want := []string{"u1:Ada Lovelace:ada@example.org:Finance:u2:active", "u2:Grace Hopper::::terminated"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("identities (-want +got):\n%s", diff)
	}
	// u1 is in g1 both as a member and through its groups: collapsed.
	got = dumpRows(t, s, `SELECT identity_id || '→' || entitlement_id FROM current_assignments ORDER BY 1`)
	if diff := cmp.Diff([]string{"u1→g1", "u2→g1", "u2→g2"}, got); diff != "" {
		t.Errorf("assignments (-want +got):\n%s", diff)
	}
}

// A directory of canonical files loads as one snapshot; loading the same
// files again changes nothing; unknown references are counted, not dropped;
// state tables are replaced by a new extract while events accumulate.
func TestIngestDirectorySnapshots(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, dir, "identities.csv", goodIdentities)
	writeFile(t, dir, "entitlements.csv", "entitlement_id,risk,privileged\ne1,LOW,false\ne2,high,true\n")
	writeFile(t, dir, "assignments.csv", "identity_id,entitlement_id\nu1,e1\nu1,e1\nu2,e2\nu9,e1\n")
	writeFile(t, dir, "requests.csv", "request_id,identity_id,entitlement_id,decision\nr1,u1,e2,approved\n")
	writeFile(t, dir, "notes.txt", "not a canonical file\n")
	sources, err := SourcesInDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Ingest(ctx, sources, DefaultIngestOptions)
	if err != nil {
		t.Fatal(err)
	}
	if rep.SnapshotID != 1 || len(rep.Files) != 4 {
		t.Fatalf("snapshot %d with %d files, want snapshot 1 with 4", rep.SnapshotID, len(rep.Files))
	}
	wantWarning := "assignments: 1 rows name 1 identities unknown to identities in column identity_id (e.g. u9)"
	if !cmp.Equal(rep.Warnings, []string{wantWarning}) {
		t.Errorf("warnings = %q, want %q", rep.Warnings, wantWarning)
	}
	if got := queryInts(t, s, "SELECT count(*) FROM current_assignments"); got[0] != 3 {
		t.Errorf("assignments = %d, want 3 (the duplicate collapsed, the unknown identity kept)", got[0])
	}
	again, err := s.Ingest(ctx, sources, DefaultIngestOptions)
	if err != nil || !again.Reused || again.SnapshotID != 1 {
		t.Fatalf("reload = %+v, %v; want snapshot 1 reused", again, err)
	}
	// The next night: u2 lost e2, and request r1 was revoked; r2 is new.
	writeFile(t, dir, "assignments.csv", "identity_id,entitlement_id\nu1,e1\n")
	writeFile(t, dir, "requests.csv", "request_id,identity_id,entitlement_id,decision,revoked_at\nr1,u1,e2,approved,2026-01-01\nr2,u2,e1,pending,\n")
	sources, _ = SourcesInDir(dir)
	if _, err := s.Ingest(ctx, sources, DefaultIngestOptions); err != nil {
		t.Fatal(err)
	}
	got := queryInts(t, s, `SELECT (SELECT count(*) FROM current_assignments), (SELECT count(*) FROM current_requests),
		(SELECT count(*) FROM current_requests WHERE revoked_at IS NOT NULL), (SELECT count(*) FROM current_identities)`)
	if diff := cmp.Diff([]int64{1, 2, 1, 2}, got); diff != "" {
		t.Errorf("assignments, requests, revoked, identities (-want +got):\n%s", diff)
	}
}

func dumpRows(t *testing.T, s *Store, q string) []string {
	t.Helper()
	rows, err := s.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// Each reference is counted on its own, though those of one table are
// checked in one scan: two columns of one table, and a column of the next,
// each get their own warning, in the order of the references, and columns
// naming only known ids get none.
func TestIngestReferencesPerColumn(t *testing.T) {
	s := openTest(t)
	dir := t.TempDir()
	writeFile(t, dir, "identities.csv", "identity_id,manager_id\nu1,\nu2,u1\nu3,m9\n")
	writeFile(t, dir, "entitlements.csv", "entitlement_id,owner_id\ne1,u1\ne2,u2\n")
	writeFile(t, dir, "assignments.csv", "identity_id,entitlement_id\nu1,e1\nu8,e2\nu9,e7\nu9,e8\n")
	writeFile(t, dir, "requests.csv", "request_id,identity_id,entitlement_id,decision\nr1,u1,e9,approved\n")
	rep, err := ingestDir(t, s, dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"identities: 1 rows name 1 managers unknown to identities in column manager_id (e.g. m9)",
		"assignments: 3 rows name 2 identities unknown to identities in column identity_id (e.g. u8, u9)",
		"assignments: 2 rows name 2 entitlements unknown to entitlements in column entitlement_id (e.g. e7, e8)",
		"requests: 1 rows name 1 entitlements unknown to entitlements in column entitlement_id (e.g. e9)",
	}
	if diff := cmp.Diff(want, rep.Warnings); diff != "" {
		t.Errorf("warnings (-want +got):\n%s", diff)
	}
}

// A load that fails after staging some of its files leaves nothing behind:
// no snapshot, and nothing that stops the same files, corrected, from
// loading next on the same store.
func TestIngestAfterFailedLoad(t *testing.T) {
	s := openTest(t)
	dir := t.TempDir()
	writeFile(t, dir, "identities.csv", goodIdentities)
	writeFile(t, dir, "entitlements.csv", "entitlement_id,risk\ne1,low\n")
	writeFile(t, dir, "assignments.csv", "identity_id,entitlement_id\nu1,e1\nu2,\"e1\n")
	if _, err := ingestDir(t, s, dir); err == nil {
		t.Fatal("load with an unterminated quote succeeded")
	}
	if got := queryInts(t, s, "SELECT count(*) FROM snapshots"); got[0] != 0 {
		t.Fatalf("%d snapshots after a failed load, want 0", got[0])
	}
	writeFile(t, dir, "assignments.csv", "identity_id,entitlement_id\nu1,e1\nu2,e1\n")
	rep, err := ingestDir(t, s, dir)
	if err != nil || rep.SnapshotID != 1 {
		t.Fatalf("load after the failed one: %+v, %v; want snapshot 1", rep, err)
	}
	if got := queryInts(t, s, "SELECT count(*) FROM current_assignments"); got[0] != 2 {
		t.Errorf("%d assignments, want 2", got[0])
	}
}
