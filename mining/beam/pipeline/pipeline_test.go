package pipeline_test

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/google/go-cmp/cmp"

	"rolemine/datasets/export"
	"rolemine/datasets/shareddata"
	"rolemine/datasets/synth"
	"rolemine/features"
	"rolemine/mining"
	"rolemine/mining/beam/merge"
	"rolemine/mining/beam/pipeline"
)

// snapshot is a set of assignments exported as partitions, and the whole
// matrix a single machine mines, its rows and columns ordered by id as
// rolemine mine loads them.
type snapshot struct {
	whole *features.Matrix
	dir   string
	parts []pipeline.PartitionFile
}

// exportSnapshot loads the assignments (identity, entitlement pairs) into
// DuckDB and exports them with export.WritePartitions, partitioned by
// mining.Partitions with bound maxCells, as rolemine export --what
// partitions does.
func exportSnapshot(t *testing.T, pairs [][2]string, maxCells int) snapshot {
	t.Helper()
	work := t.TempDir()
	csvPath := filepath.Join(work, "assignments.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"identity_id", "entitlement_id"})
	for _, p := range pairs {
		w.Write(p[:])
	}
	w.Flush()
	if err := f.Close(); err != nil || w.Error() != nil {
		t.Fatal(err, w.Error())
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(fmt.Sprintf(`CREATE TABLE current_assignments AS SELECT * FROM
		read_csv('%s', header = true, columns = {'identity_id': 'VARCHAR', 'entitlement_id': 'VARCHAR'})`, csvPath)); err != nil {
		t.Fatal(err)
	}
	whole := sortedMatrix(pairs)
	exp := export.PartitionExport{From: "current_assignments", Snapshot: 1}
	for _, p := range mining.Partitions(whole, mining.PartitionOptions{MaxCells: maxCells}) {
		var ents []string
		for _, j := range p.Cols {
			ents = append(ents, whole.ColID(int(j)))
		}
		exp.Partitions = append(exp.Partitions, export.Partition{ID: p.ID, Entitlements: ents})
	}
	dir := filepath.Join(work, "parts")
	man, err := export.WritePartitions(context.Background(), db, dir, exp)
	if err != nil {
		t.Fatal(err)
	}
	return snapshot{whole: whole, dir: dir, parts: pipeline.Files(dir, man)}
}

// sortedMatrix builds the matrix of pairs with rows and columns in id order.
func sortedMatrix(pairs [][2]string) *features.Matrix {
	var ids, ents []string
	for _, p := range pairs {
		ids, ents = append(ids, p[0]), append(ents, p[1])
	}
	b := features.NewMatrixBuilder()
	for _, id := range slices.Compact(slices.Sorted(slices.Values(ids))) {
		b.AddRow(id)
	}
	for _, e := range slices.Compact(slices.Sorted(slices.Values(ents))) {
		b.AddCol(e)
	}
	for k := range ids {
		b.Add(ids[k], ents[k])
	}
	return b.Build()
}

// singleMachine mines the whole matrix as rolemine mine does, with no
// previous run, and returns the roles with their ids.
func singleMachine(t *testing.T, m *features.Matrix, miner pipeline.Miner) map[string]merge.Role {
	t.Helper()
	roles, err := pipeline.Mine(context.Background(), m, 0, miner)
	if err != nil {
		t.Fatal(err)
	}
	// Match in the matrix's own indices, as rolemine mine does.
	res := make([]mining.RoleSet, len(roles))
	for k, r := range roles {
		for _, e := range r.Entitlements {
			j, _ := m.ColIndex(e)
			res[k].Entitlements = append(res[k].Entitlements, int32(j))
		}
		for _, id := range r.Members {
			i, _ := m.RowIndex(id)
			res[k].Members = append(res[k].Members, int32(i))
		}
		res[k].Partial = r.Partial
	}
	l := mining.Match(nil, res, 0, mining.DefaultLineageOptions)
	out := map[string]merge.Role{}
	for k, r := range roles {
		out[merge.RoleID(l.Roles[k].ID)] = merge.Role{Entitlements: r.Entitlements, Members: r.Members, Partial: r.Partial}
	}
	return out
}

// byID describes a run's roles by id, without lineage.
func byID(run merge.Run) map[string]merge.Role {
	out := map[string]merge.Role{}
	for _, r := range run.Roles {
		out[merge.RoleID(r.ID)] = merge.Role{Entitlements: r.Entitlements, Members: r.Members, Partial: r.Partial}
	}
	return out
}

func runJob(t *testing.T, job pipeline.Job) merge.Run {
	t.Helper()
	start := time.Now()
	run, err := pipeline.Run(context.Background(), "direct", job)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pipeline of %d partitions on the direct runner: %d roles in %v", len(job.Parts), len(run.Roles), time.Since(start).Round(time.Millisecond))
	return run
}

// hpPairs reads HP benchmark matrices (Ene et al. 2008) side by side, ids
// prefixed by file name, so that each is one or more blocks: a snapshot of
// several tenants.
func hpPairs(t *testing.T, names ...string) [][2]string {
	t.Helper()
	var pairs [][2]string
	for _, name := range names {
		path := shareddata.Path("hp", name)
		f, err := os.Open(path)
		if os.IsNotExist(err) {
			t.Skipf("SKIPPING: HP benchmark data %s not found", path)
		}
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) == 2 {
				pairs = append(pairs, [2]string{name + "/u" + fields[0], name + "/p" + fields[1]})
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return pairs
}

// The exact miner by partition on Beam gives the roles and ids of mining
// the whole snapshot on one machine; the ids do not depend on the order of
// the partitions; a second run matched against the first keeps every id.
func TestExactPipeline(t *testing.T) {
	snap := exportSnapshot(t, hpPairs(t, "hc.txt", "domino.txt", "emea.txt", "fire1.txt", "fire2.txt"), 20_000)
	if len(snap.parts) < 3 {
		t.Fatalf("%d partitions: the test needs several", len(snap.parts))
	}
	miner := pipeline.Miner{Objective: "roles", Seed: 1}
	first := runJob(t, pipeline.Job{Parts: snap.parts, Miner: miner, Out: filepath.Join(t.TempDir(), "night1")})
	want := singleMachine(t, snap.whole, miner)
	if diff := cmp.Diff(want, byID(first)); diff != "" {
		t.Errorf("merged roles differ from single-machine mining (-single +merged):\n%s", diff)
	}

	shuffled := slices.Clone(snap.parts)
	rand.New(rand.NewPCG(7, 8)).Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
	slices.Reverse(shuffled[:len(shuffled)/2])
	again := runJob(t, pipeline.Job{Parts: shuffled, Miner: miner, Out: filepath.Join(t.TempDir(), "shuffled")})
	if diff := cmp.Diff(first, again); diff != "" {
		t.Errorf("partitions in another order give another run (-first +shuffled):\n%s", diff)
	}

	night1 := filepath.Join(t.TempDir(), "night1")
	if err := merge.Write(night1, first); err != nil {
		t.Fatal(err)
	}
	second := runJob(t, pipeline.Job{Parts: snap.parts, Miner: miner, Out: filepath.Join(t.TempDir(), "night2"), Previous: night1})
	if diff := cmp.Diff(byID(first), byID(second)); diff != "" {
		t.Errorf("the second run changed roles or ids (-first +second):\n%s", diff)
	}
	for _, r := range second.Roles {
		if r.Change != mining.ChangeUnchanged {
			t.Errorf("role %s of the second run is %s, want unchanged", merge.RoleID(r.ID), r.Change)
		}
	}
	if second.LastID != first.LastID || len(second.Removed) != 0 {
		t.Errorf("second run: last id %d (first %d), %d removed", second.LastID, first.LastID, len(second.Removed))
	}
}

// synthPairs generates organisations with the seeds given, side by side
// as tenants of one snapshot, ids prefixed by tenant.
func synthPairs(t *testing.T, identities int, seeds ...int64) [][2]string {
	t.Helper()
	var pairs [][2]string
	for _, seed := range seeds {
		dir := t.TempDir()
		opts := synth.DefaultOptions
		opts.Identities, opts.Entitlements, opts.Seed = identities, identities/4, seed
		if _, err := synth.Generate(opts, dir); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(filepath.Join(dir, synth.AssignmentsFile))
		if err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(f)
		header, err := r.Read()
		if err != nil || header[0] != "identity_id" || header[1] != "entitlement_id" {
			t.Fatalf("assignments header %q: %v", header, err)
		}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			tenant := fmt.Sprint("t", seed, "/")
			pairs = append(pairs, [2]string{tenant + rec[0], tenant + rec[1]})
		}
		f.Close()
	}
	return pairs
}

// Noise-tolerant mining (rolemine mine's default) of a snapshot of three
// generated tenants, each a partition: the merged roles, members and ids
// are those of mining the whole snapshot on one machine.
func TestApproxPipeline(t *testing.T) {
	snap := exportSnapshot(t, synthPairs(t, 600, 1, 2, 3), 1)
	if len(snap.parts) < 3 {
		t.Fatalf("%d partitions, want one per tenant at least", len(snap.parts))
	}
	run := runJob(t, pipeline.Job{Parts: snap.parts, Miner: pipeline.DefaultMiner, Out: filepath.Join(t.TempDir(), "out")})
	want := singleMachine(t, snap.whole, pipeline.DefaultMiner)
	if len(want) == 0 {
		t.Fatal("single-machine mining found no roles")
	}
	if diff := cmp.Diff(want, byID(run)); diff != "" {
		t.Errorf("merged roles differ from single-machine mining (-single +merged):\n%s", diff)
	}
}
