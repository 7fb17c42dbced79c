package mining

import (
	"context"
	"slices"

	"rolemine/features"
)

// assoCandidates returns the distinct rows of the thresholded association
// matrix of ASSO: for every entitlement j held by at least MinMembers
// identities, j together with every k such that at least opts.Confidence
// of j's holders hold k. Rows of fewer than MinEntitlements are dropped;
// each row is sorted; rows are ordered by their first entitlement, then
// lexically.
func assoCandidates(ctx context.Context, m *features.Matrix, opts ApproxOptions) ([][]int32, error) {
	tau := opts.Confidence
	sure := func(j int32, n int) bool { return float64(n) >= tau*float64(m.ColSupport(int(j))) }
	keep := func(a, b int32, n int) bool { return sure(a, n) || sure(b, n) }
	eligible := eligibleCols(m, opts.MinMembers)
	pairs, err := cooccurrence(ctx, m, eligible, keep, opts.Progress)
	if err != nil {
		return nil, err
	}
	rows := make([][]int32, m.Cols())
	for j, ok := range eligible {
		if ok {
			rows[j] = []int32{int32(j)}
		}
	}
	for _, p := range pairs {
		if sure(p.a, int(p.n)) {
			rows[p.a] = append(rows[p.a], p.b)
		}
		if sure(p.b, int(p.n)) {
			rows[p.b] = append(rows[p.b], p.a)
		}
	}
	seen := make(map[string]bool)
	var cands [][]int32
	var key []byte
	for _, r := range rows {
		if len(r) < opts.MinEntitlements {
			continue
		}
		slices.Sort(r)
		key = appendInt32s(key[:0], r)
		if seen[string(key)] {
			continue
		}
		seen[string(key)] = true
		cands = append(cands, r)
	}
	slices.SortFunc(cands, slices.Compare)
	return cands, nil
}

// appendInt32s appends the bytes of s to dst, as a map key.
func appendInt32s(dst []byte, s []int32) []byte {
	for _, v := range s {
		dst = append(dst, byte(v), byte(v>>8), byte(v>>16), byte(v>>24))
	}
	return dst
}
