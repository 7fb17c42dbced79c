package mining

import (
	"cmp"
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"rolemine/features"
)

// colPair is a pair of entitlements a < b held together by n identities.
type colPair struct {
	a, b int32
	n    int32
}

// cooccurChunk is the number of columns a worker claims at a time.
const cooccurChunk = 64

// cooccurrence returns, sorted by (a, b), the pairs of entitlements a < b
// that are both eligible and for which keep(a, b, n) holds, n being the
// number of identities holding both. Pairs held by nobody are never
// considered.
//
// The count is exact: for every column a, the rows holding a are walked
// and every column b > a in them counted, which costs Σ|row|²/2 over the
// identities (about 1.3·10⁸ at 100,000 identities of 50 entitlements)
// and O(columns) memory per worker. Columns are shared out among
// GOMAXPROCS workers.
func cooccurrence(ctx context.Context, m *features.Matrix, eligible []bool,
	keep func(a, b int32, n int) bool, report func(stage string, done, total int)) ([]colPair, error) {
	workers := min(runtime.GOMAXPROCS(0), max(1, m.Cols()/cooccurChunk))
	var (
		next  atomic.Int64
		mu    sync.Mutex // serialises report and guards done
		done  int
		wg    sync.WaitGroup
		parts = make([][]colPair, workers)
	)
	for w := range workers {
		wg.Go(func() {
			count := make([]int32, m.Cols())
			var touched []int32
			for ctx.Err() == nil {
				lo := int(next.Add(cooccurChunk)) - cooccurChunk
				if lo >= m.Cols() {
					return
				}
				for a := lo; a < min(lo+cooccurChunk, m.Cols()); a++ {
					if !eligible[a] {
						continue
					}
					touched = countWith(m, int32(a), eligible, count, touched[:0])
					for _, b := range touched {
						if keep(int32(a), b, int(count[b])) {
							parts[w] = append(parts[w], colPair{int32(a), b, count[b]})
						}
						count[b] = 0
					}
				}
				mu.Lock()
				done += cooccurChunk
				if report != nil {
					report("pairs", min(done, m.Cols()), m.Cols())
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pairs := slices.Concat(parts...)
	slices.SortFunc(pairs, func(x, y colPair) int { return cmp.Or(cmp.Compare(x.a, y.a), cmp.Compare(x.b, y.b)) })
	return pairs, nil
}

// countWith adds to count[b] the identities holding both a and b, for
// every eligible b > a, and appends to touched each b counted.
func countWith(m *features.Matrix, a int32, eligible []bool, count []int32, touched []int32) []int32 {
	for _, i := range m.Col(int(a)) {
		row := m.Row(int(i))
		k, _ := slices.BinarySearch(row, a+1)
		for _, b := range row[k:] {
			if !eligible[b] {
				continue
			}
			if count[b] == 0 {
				touched = append(touched, b)
			}
			count[b]++
		}
	}
	return touched
}

// eligibleCols marks the columns held by at least least identities.
func eligibleCols(m *features.Matrix, least int) []bool {
	ok := make([]bool, m.Cols())
	for j := range ok {
		ok[j] = m.ColSupport(j) >= least
	}
	return ok
}
