package mining

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"rolemine/features"
)

// BenchmarkExact runs Exact on the HP benchmark matrices for both
// objectives and reports the roles, WSC and lower bound reached.
func BenchmarkExact(b *testing.B) {
	for _, f := range hpFiles {
		m := loadHP(b, f.name)
		for _, obj := range []Objective{MinRoles, MinWSC} {
			b.Run(strings.TrimSuffix(f.name, ".txt")+"/"+obj.String(), func(b *testing.B) {
				benchExact(b, m, obj)
			})
		}
	}
}

// BenchmarkExactPlanted runs Exact on synthetic matrices whose rows are
// unions of random planted roles, small to large.
func BenchmarkExactPlanted(b *testing.B) {
	sizes := []struct {
		users, perms, roles, roleSize, perUser int
	}{
		{300, 200, 60, 10, 2},
		{2000, 1000, 400, 10, 2},
		{3500, 10000, 400, 60, 3},
	}
	for _, s := range sizes {
		m := planted(rand.New(rand.NewPCG(1, 2)), s.users, s.perms, s.roles, s.roleSize, s.perUser)
		for _, obj := range []Objective{MinRoles, MinWSC} {
			b.Run(fmt.Sprintf("%dx%d/%s", s.users, s.perms, obj), func(b *testing.B) {
				benchExact(b, m, obj)
			})
		}
	}
}

func benchExact(b *testing.B, m *features.Matrix, obj Objective) {
	opts := DefaultExactOptions
	opts.Objective = obj
	var r *Result
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if r, err = Exact(context.Background(), m, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(r.Roles)), "roles")
	b.ReportMetric(float64(WSC(r)), "wsc")
	b.ReportMetric(float64(r.LowerBound), "lower")
	b.ReportMetric(float64(m.NNZ())*float64(b.N)/b.Elapsed().Seconds(), "cells/s")
}

// planted returns a users × perms matrix whose rows are unions of 1 to
// perUser of nroles random roles, each of 1 to roleSize random
// entitlements.
func planted(rng *rand.Rand, users, perms, nroles, roleSize, perUser int) *features.Matrix {
	roles := make([][]int, nroles)
	for r := range roles {
		for range 1 + rng.IntN(roleSize) {
			roles[r] = append(roles[r], rng.IntN(perms))
		}
	}
	var ids, ents []string
	for u := range users {
		for range 1 + rng.IntN(perUser) {
			for _, p := range roles[rng.IntN(nroles)] {
				ids = append(ids, fmt.Sprint("u", u))
				ents = append(ents, fmt.Sprint("e", p))
			}
		}
	}
	return features.NewMatrix(ids, ents)
}

// BenchmarkGeneralisationExact measures the generalisation of exact mining
// on the HP benchmark matrices as rolemine mine runs it (the re-mine
// bounded by ForGeneralisation), beside the mining itself in
// BenchmarkExact: the measure must cost about what the mining does.
func BenchmarkGeneralisationExact(b *testing.B) {
	for _, f := range hpFiles {
		m := loadHP(b, f.name)
		for _, obj := range []Objective{MinRoles, MinWSC} {
			b.Run(strings.TrimSuffix(f.name, ".txt")+"/"+obj.String(), func(b *testing.B) {
				opts := DefaultExactOptions
				opts.Objective = obj
				opts = opts.ForGeneralisation()
				mine := func(ctx context.Context, m *features.Matrix) (*Result, error) { return Exact(ctx, m, opts) }
				var g GeneralisationMetrics
				for b.Loop() {
					var err error
					if g, err = Generalisation(context.Background(), m, nil, mine, DefaultGeneralisationOptions, rand.NewPCG(1, 7)); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(g.Precision, "precision")
				b.ReportMetric(g.Recall, "recall")
			})
		}
	}
}
