// Package hygienetest loads synthetic enterprises (package
// datasets/synth) into hygiene.Data for tests and benchmarks, standing in
// for the DuckDB loader of cmd/rolemine.
package hygienetest

import (
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"rolemine/datasets/synth"
	"rolemine/features/hygiene"
)

// LoadDir reads the canonical CSV files a synth enterprise was written as
// into prepared Data, with AsOf the newest timestamp. It is the test
// stand-in for the DuckDB loader of cmd/rolemine.
func LoadDir(t testing.TB, dir string) *hygiene.Data {
	t.Helper()
	d := hygiene.NewData()
	var newest int64
	ts := func(s string) int64 {
		if s == "" {
			return 0
		}
		v, err := time.Parse("2006-01-02 15:04:05", s)
		if err != nil {
			t.Fatalf("bad time %q: %v", s, err)
		}
		return v.Unix()
	}
	stamp := func(s string) int64 { v := ts(s); newest = max(newest, v); return v }
	each := func(name string, fn func(map[string]string)) {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		r := csv.NewReader(f)
		head, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		row := map[string]string{}
		for {
			rec, err := r.Read()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, h := range head {
				row[h] = rec[k]
			}
			fn(row)
		}
	}
	each(synth.IdentitiesFile, func(r map[string]string) {
		d.AddIdentity(hygiene.Identity{ID: r["identity_id"], Name: r["display_name"], Email: r["email"], Kind: r["kind"],
			Status: r["status"], Department: r["department"], Title: r["title"], Location: r["location"],
			Manager: r["manager_id"], Owner: r["owner_id"], Employment: r["employment_type"],
			Hired: stamp(r["hire_date"]), Terminated: ts(r["termination_date"])})
	})
	each(synth.EntitlementsFile, func(r map[string]string) {
		d.AddEntitlement(hygiene.Entitlement{ID: r["entitlement_id"], Application: r["application"], Name: r["name"],
			Risk: r["risk"], Privileged: r["privileged"] == "true", Owner: r["owner_id"]})
	})
	each(synth.AccountsFile, func(r map[string]string) {
		d.AddAccount(hygiene.Account{ID: r["account_id"], IdentityID: r["identity_id"], Application: r["application"],
			Username: r["username"], Created: stamp(r["created_at"]), LastLogin: stamp(r["last_login_at"]),
			Rotated: stamp(r["credential_rotated_at"])})
	})
	each(synth.AssignmentsFile, func(r map[string]string) {
		d.AddAssignment(r["identity_id"], r["entitlement_id"], stamp(r["granted_at"]), stamp(r["last_used_at"]), hygiene.ParseSource(r["source"]))
	})
	each(synth.RequestsFile, func(r map[string]string) {
		d.AddRequest(hygiene.Request{ID: r["request_id"], Requested: stamp(r["requested_at"]), Decided: stamp(r["decided_at"]),
			Revoked: stamp(r["revoked_at"]), Decision: r["decision"], DecidedBy: r["decided_by"]}, r["identity_id"], r["entitlement_id"])
	})
	each(synth.CertificationsFile, func(r map[string]string) {
		d.AddCertification(r["identity_id"], r["entitlement_id"], r["campaign"], stamp(r["certified_at"]), r["decision"], r["reviewer_id"])
	})
	each(synth.SoDRulesFile, func(r map[string]string) {
		d.AddSoDRule(r["rule_id"], r["entitlement_a"], r["entitlement_b"], r["severity"])
	})
	d.AsOf = newest
	d.Prepare()
	return d
}

// Generate returns the Data and ground truth of a synthetic enterprise of
// n identities (seed 1, n/5 entitlements), generated once per test binary.
// The Data must not be modified.
func Generate(t testing.TB, n int) (*hygiene.Data, *hygiene.Truth) {
	t.Helper()
	genMu.Lock()
	defer genMu.Unlock()
	if g, ok := genCache[n]; ok {
		return g.d, g.truth
	}
	dir, err := os.MkdirTemp("", "hygiene-gen-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	opts := synth.DefaultOptions
	opts.Identities, opts.Entitlements, opts.Seed = n, max(n/5, 500), 1
	if _, err := synth.Generate(opts, dir); err != nil {
		t.Fatal(err)
	}
	d := LoadDir(t, dir)
	truth, err := hygiene.ReadTruth(filepath.Join(dir, synth.GroundTruthDir))
	if err != nil {
		t.Fatal(err)
	}
	genCache[n] = genData{d, truth}
	return d, truth
}

type genData struct {
	d     *hygiene.Data
	truth *hygiene.Truth
}

var (
	genMu    sync.Mutex
	genCache = map[int]genData{}
)

// PeakRSSMiB is the process's peak resident set size (VmHWM) in MiB, or 0
// where /proc is unavailable.
func PeakRSSMiB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// BenchEach runs body as a sub-benchmark on each benchmark size: generated
// enterprises of 3k, 20k and 100k identities (n/5 entitlements, about 50
// assignments each; 100k is the target scale). The Data is generated before
// the timer starts and must not be modified. body reports its own rate.
func BenchEach(b *testing.B, body func(b *testing.B, d *hygiene.Data)) {
	for _, size := range []struct {
		name string
		n    int
	}{{"3k", 3_000}, {"20k", 20_000}, {"100k", 100_000}} {
		b.Run(size.name, func(b *testing.B) {
			d, _ := Generate(b, size.n)
			b.ReportAllocs()
			b.ResetTimer()
			body(b, d)
		})
	}
}

// ReportRate reports n units per second of the benchmark's elapsed time, per
// iteration, under the given unit (e.g. "assignments/s").
func ReportRate(b *testing.B, n int, unit string) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), unit)
}
