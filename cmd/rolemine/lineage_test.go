package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rolemine/datasets"
	"rolemine/datasets/synth"
)

// Role ids are stable across mine runs on one database: mining the same
// snapshot twice gives the same roles with the same ids, all unchanged;
// after a nightly extract that drops one planted role, takes one
// entitlement away from another and adds a new group of entitlements, the
// first is removed, the second drifts under its id and the new group is
// added with an id never issued before.
func TestMineLineage(t *testing.T) {
	work := t.TempDir()
	opts := synth.DefaultOptions
	opts.Identities, opts.Entitlements = 600, 300
	org := filepath.Join(work, "org")
	if _, err := synth.Generate(opts, org); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(work, "db.duckdb")
	ctx := context.Background()
	rolemine := func(args ...string) string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := run(ctx, args, &stdout, &stderr); err != nil {
			t.Fatalf("rolemine %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String()
	}
	mine := func(out string) string {
		return rolemine("mine", "--db", db, "--generalisation=false", "--out", filepath.Join(work, out))
	}
	rolemine("ingest", "--db", db, org)
	out1, out2 := mine("m1"), mine("m2")

	// Night 1: every role added. Night 2, same snapshot: the same roles,
	// members and ids, all unchanged.
	m1, m2 := readMined(t, filepath.Join(work, "m1")), readMined(t, filepath.Join(work, "m2"))
	if len(m1.roles) == 0 || !strings.Contains(out1, fmt.Sprintf("roles vs no earlier mine run: %d added, 0 removed, 0 drifted, 0 unchanged\n", len(m1.roles))) {
		t.Fatalf("first run:\n%s", out1)
	}
	if !strings.Contains(out2, fmt.Sprintf("roles vs run 1: 0 added, 0 removed, 0 drifted, %d unchanged\n", len(m1.roles))) {
		t.Errorf("second run:\n%s", out2)
	}
	for _, f := range []string{"roles.csv", "role_entitlements.csv", "role_members.csv", "exceptions.csv"} {
		a, _ := os.ReadFile(filepath.Join(work, "m1", f))
		b, _ := os.ReadFile(filepath.Join(work, "m2", f))
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two runs on one snapshot", f)
		}
	}
	for id, c := range m1.changes {
		if c.change != "added" || c.previousRun != "" || m2.changes[id].change != "unchanged" || m2.changes[id].previousRun != "1" {
			t.Errorf("role %s: %+v in run 1, %+v in run 2", id, c, m2.changes[id])
		}
	}

	// Pick two planted roles mined exactly as roles of their own.
	planted := readPlanted(t, filepath.Join(org, synth.PlantedRolesFile))
	byEnts := map[string]string{}
	for id, r := range m2.roles {
		if r.kind != "partial" {
			byEnts[strings.Join(r.entitlements, " ")] = id
		}
	}
	var exact []string // planted roles, by name
	for name, ents := range planted {
		if _, ok := byEnts[strings.Join(ents, " ")]; ok && len(ents) >= 4 {
			exact = append(exact, name)
		}
	}
	slices.Sort(exact)
	if len(exact) < 2 {
		t.Fatalf("%d planted roles mined exactly, want 2", len(exact))
	}
	gone, shrunk := planted[exact[0]], planted[exact[1]]
	goneID, shrunkID := byEnts[strings.Join(gone, " ")], byEnts[strings.Join(shrunk, " ")]
	t.Logf("removing %s (%s), shrinking %s (%s)", exact[0], goneID, exact[1], shrunkID)

	// The next night's extract: gone's entitlements and shrunk's first one
	// held by nobody; six new entitlements held by 40 identities.
	org2 := filepath.Join(work, "org2")
	os.MkdirAll(org2, 0o755)
	for _, f := range []string{"identities.csv", "accounts.csv", "requests.csv", "certifications.csv", "sod_rules.csv"} {
		data, err := os.ReadFile(filepath.Join(org, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(org2, f), data, 0o644)
	}
	drop := map[string]bool{shrunk[0]: true}
	for _, e := range gone {
		drop[e] = true
	}
	var newEnts []string
	ents := readCSV(t, filepath.Join(org, "entitlements.csv"))
	for k := range 6 {
		newEnts = append(newEnts, fmt.Sprintf("E9%04d", k))
		ents = append(ents, []string{newEnts[k], "crm", fmt.Sprintf("NEW_%d", k), "low", "false", ""})
	}
	writeTestCSV(t, filepath.Join(org2, "entitlements.csv"), ents)
	asg := readCSV(t, filepath.Join(org, "assignments.csv"))
	kept := [][]string{asg[0]}
	for _, r := range asg[1:] {
		if !drop[r[1]] {
			kept = append(kept, r)
		}
	}
	ids := readCSV(t, filepath.Join(org, "identities.csv"))[1:41]
	for _, who := range ids {
		for _, e := range newEnts {
			kept = append(kept, []string{who[0], e, "2026-06-01 09:00:00", "direct", ""})
		}
	}
	writeTestCSV(t, filepath.Join(org2, "assignments.csv"), kept)
	rolemine("ingest", "--db", db, org2)
	out3 := mine("m3")
	m3 := readMined(t, filepath.Join(work, "m3"))

	lastID := 0
	for id := range m1.roles {
		n, _ := parseRoleID(id)
		lastID = max(lastID, n)
	}
	if c := m3.changes[goneID]; c.change != "removed" || m3.roles[goneID].kind != "" {
		t.Errorf("role %s of a dropped planted role: %+v, want removed", goneID, c)
	}
	n := len(shrunk)
	want := roleChange{change: "drifted", previousRun: "2", jaccard: strconv.FormatFloat(float64(n-1)/float64(n), 'f', 4, 64),
		entitlementsAdded: "0", entitlementsRemoved: "1"}
	if diff := cmp.Diff(want, m3.changes[shrunkID], cmp.AllowUnexported(roleChange{}), ignoreMembers); diff != "" {
		t.Errorf("role %s of a planted role less one entitlement (-want +got):\n%s", shrunkID, diff)
	}
	newID, ok := byEntitlements(m3, newEnts)
	if n, _ := parseRoleID(newID); !ok || m3.changes[newID].change != "added" || n <= lastID {
		t.Errorf("new entitlements: role %q (%+v), want added with an id above %d", newID, m3.changes[newID], lastID)
	}

	// The counts agree with the files and the database; only removed roles
	// are missing from roles.csv, and the roles of their own not involved
	// keep their ids.
	counts := map[string]int{}
	for id, c := range m3.changes {
		counts[c.change]++
		if _, ok := m3.roles[id]; ok == (c.change == "removed") {
			t.Errorf("role %s: %s, in roles.csv %v", id, c.change, ok)
		}
	}
	line := fmt.Sprintf("roles vs run 2: %d added, %d removed, %d drifted, %d unchanged\n",
		counts["added"], counts["removed"], counts["drifted"], counts["unchanged"])
	if !strings.Contains(out3, line) {
		t.Errorf("third run: want %q in\n%s", line, out3)
	}
	unchanged := 0
	for id, r := range m2.roles {
		if r.kind == "partial" || id == goneID || id == shrunkID {
			continue
		}
		switch c := m3.changes[id]; c.change {
		case "unchanged":
			unchanged++
		case "drifted":
		default:
			t.Errorf("role %s (%s, %d entitlements) untouched by the changes: %+v, want it continued", id, r.name, len(r.entitlements), c)
		}
	}
	t.Logf("third run: %v; %d other roles of their own unchanged", counts, unchanged)
	stored := storedChanges(t, db)
	wantStored := map[string]int{"1 added": len(m1.roles), "2 unchanged": len(m1.roles)}
	for c, n := range counts {
		wantStored["3 "+c] = n
	}
	if diff := cmp.Diff(wantStored, stored); diff != "" {
		t.Errorf("role_changes rows by run and change (-want +got):\n%s", diff)
	}

	// Another seed may change the roles: the run warns.
	var stdout, stderr bytes.Buffer
	err := run(ctx, []string{"mine", "--db", db, "--generalisation=false", "--seed", "2"}, &stdout, &stderr)
	if want := "warning: mining parameters differ from run 3 (seed 1 → 2)"; err != nil || !strings.Contains(stderr.String(), want) {
		t.Errorf("mine --seed 2: %v, want %q in\n%s", err, want, stderr.String())
	}
}

// storedChanges counts the role_changes rows of db by "run change".
func storedChanges(t *testing.T, db string) map[string]int {
	t.Helper()
	ctx := context.Background()
	store, err := datasets.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	rows, err := store.DB().QueryContext(ctx, `SELECT run_id, change, count(*) FROM role_changes GROUP BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := map[string]int{}
	for rows.Next() {
		var run, n int
		var change string
		if err := rows.Scan(&run, &change, &n); err != nil {
			t.Fatal(err)
		}
		stored[fmt.Sprintf("%d %s", run, change)] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return stored
}

var ignoreMembers = cmp.FilterPath(func(p cmp.Path) bool {
	f := p.Last().String()
	return f == ".membersBefore" || f == ".membersAfter"
}, cmp.Ignore())

type minedRole struct {
	name, kind   string
	entitlements []string // ascending
}

type roleChange struct {
	previousRun, change, jaccard, entitlementsAdded, entitlementsRemoved, membersBefore, membersAfter string
}

type mined struct {
	roles   map[string]minedRole
	changes map[string]roleChange
}

// readMined reads roles.csv, role_entitlements.csv and role_changes.csv of
// a mine output directory.
func readMined(t *testing.T, dir string) mined {
	t.Helper()
	m := mined{roles: map[string]minedRole{}, changes: map[string]roleChange{}}
	for _, r := range readCSV(t, filepath.Join(dir, "roles.csv"))[1:] {
		m.roles[r[0]] = minedRole{name: r[1], kind: r[2]}
	}
	for _, r := range readCSV(t, filepath.Join(dir, "role_entitlements.csv"))[1:] {
		role := m.roles[r[0]]
		role.entitlements = append(role.entitlements, r[1])
		m.roles[r[0]] = role
	}
	for id, r := range m.roles {
		slices.Sort(r.entitlements)
		m.roles[id] = r
	}
	recs := readCSV(t, filepath.Join(dir, "role_changes.csv"))
	if diff := cmp.Diff([]string{"role_id", "previous_run_id", "change", "jaccard", "entitlements_added",
		"entitlements_removed", "members_before", "members_after"}, recs[0]); diff != "" {
		t.Fatalf("role_changes.csv header (-want +got):\n%s", diff)
	}
	for _, r := range recs[1:] {
		if _, dup := m.changes[r[0]]; dup {
			t.Errorf("role_changes.csv: role %s twice", r[0])
		}
		m.changes[r[0]] = roleChange{r[1], r[2], r[3], r[4], r[5], r[6], r[7]}
	}
	return m
}

// byEntitlements returns the role of m with exactly the entitlements ents.
func byEntitlements(m mined, ents []string) (string, bool) {
	for id, r := range m.roles {
		if slices.Equal(r.entitlements, ents) {
			return id, true
		}
	}
	return "", false
}

// readPlanted reads the entitlements of each planted role, ascending.
func readPlanted(t *testing.T, path string) map[string][]string {
	planted := map[string][]string{}
	for _, r := range readCSV(t, path)[1:] {
		planted[r[0]] = append(planted[r[0]], r[2])
	}
	for _, e := range planted {
		slices.Sort(e)
	}
	return planted
}

func writeTestCSV(t *testing.T, path string, recs [][]string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.WriteAll(recs)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
