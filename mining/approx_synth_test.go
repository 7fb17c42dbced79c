package mining

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"rolemine/datasets/synth"
	"rolemine/features"
)

// synthOrg is a generated enterprise read back from its CSV files, as the
// CLI would see it, with its ground truth.
type synthOrg struct {
	m       *features.Matrix
	attrs   *features.Attributes
	risk    []EntitlementRisk // by column
	planted []plantedRole     // in file order
}

// plantedRole is a role of ground_truth/planted_roles.csv.
type plantedRole struct {
	id, kind, rule string
	entitlements   []int32 // columns, ascending
	members        []int32 // rows, ascending
}

// synthAttributes are the identity columns read as attributes.
var synthAttributes = []string{"kind", "status", "department", "title", "location", "manager_id",
	"employment_type", "cost_center", "division"}

// generateSynth writes the enterprise of opts into a temporary directory
// and reads it back.
func generateSynth(tb testing.TB, opts synth.Options) *synthOrg {
	tb.Helper()
	dir := tb.TempDir()
	if _, err := synth.Generate(opts, dir); err != nil {
		tb.Fatal(err)
	}
	return readSynth(tb, dir)
}

func readSynth(tb testing.TB, dir string) *synthOrg {
	tb.Helper()
	b := features.NewMatrixBuilder()
	ids := readCSV(tb, dir, synth.IdentitiesFile, func(r map[string]string) { b.AddRow(r["identity_id"]) })
	readCSV(tb, dir, synth.EntitlementsFile, func(r map[string]string) { b.AddCol(r["entitlement_id"]) })
	readCSV(tb, dir, synth.AssignmentsFile, func(r map[string]string) { b.Add(r["identity_id"], r["entitlement_id"]) })
	org := &synthOrg{m: b.Build()}
	m := org.m
	if m.Rows() != ids {
		tb.Fatalf("%s: %d identities, but assignments name %d", synth.IdentitiesFile, ids, m.Rows())
	}
	org.attrs = features.NewAttributes(m)
	readCSV(tb, dir, synth.IdentitiesFile, func(r map[string]string) {
		i := mustIndex(tb, m.RowIndex, r["identity_id"])
		for _, name := range synthAttributes {
			if v := r[name]; v != "" {
				org.attrs.Set(i, name, v)
			}
		}
	})
	org.risk = make([]EntitlementRisk, m.Cols())
	readCSV(tb, dir, synth.EntitlementsFile, func(r map[string]string) {
		j := mustIndex(tb, m.ColIndex, r["entitlement_id"])
		level, err := ParseRiskLevel(r["risk"])
		if err != nil {
			tb.Fatalf("%s: entitlement %s: %v", synth.EntitlementsFile, r["entitlement_id"], err)
		}
		org.risk[j] = EntitlementRisk{Level: level, Privileged: r["privileged"] == "true"}
	})
	index := map[string]int{}
	readCSV(tb, dir, synth.PlantedRolesFile, func(r map[string]string) {
		k, ok := index[r["role_id"]]
		if !ok {
			k = len(org.planted)
			index[r["role_id"]] = k
			org.planted = append(org.planted, plantedRole{id: r["role_id"], kind: r["kind"], rule: r["rule"]})
		}
		p := &org.planted[k]
		p.entitlements = append(p.entitlements, int32(mustIndex(tb, m.ColIndex, r["entitlement_id"])))
	})
	readCSV(tb, dir, synth.RoleMembersFile, func(r map[string]string) {
		k, ok := index[r["role_id"]]
		if !ok {
			tb.Fatalf("%s: unknown role %q", synth.RoleMembersFile, r["role_id"])
		}
		p := &org.planted[k]
		p.members = append(p.members, int32(mustIndex(tb, m.RowIndex, r["identity_id"])))
	})
	for k := range org.planted {
		slices.Sort(org.planted[k].entitlements)
		slices.Sort(org.planted[k].members)
	}
	return org
}

func mustIndex(tb testing.TB, index func(string) (int, bool), id string) int {
	tb.Helper()
	i, ok := index(id)
	if !ok {
		tb.Fatalf("unknown id %q", id)
	}
	return i
}

// readCSV calls f with every record of dir/name keyed by the header and
// returns the number of records.
func readCSV(tb testing.TB, dir, name string, f func(map[string]string)) int {
	tb.Helper()
	file, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer file.Close()
	r := csv.NewReader(file)
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	header = slices.Clone(header)
	rec := make(map[string]string, len(header))
	n := 0
	for {
		fields, err := r.Read()
		if errors.Is(err, io.EOF) {
			return n
		}
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		for k, h := range header {
			rec[h] = fields[k]
		}
		f(rec)
		n++
	}
}

// plantedSets returns the entitlement sets of the planted roles.
func (o *synthOrg) plantedSets() [][]int32 {
	sets := make([][]int32, len(o.planted))
	for k, p := range o.planted {
		sets[k] = p.entitlements
	}
	return sets
}
