package score

import (
	"runtime"
	"sync"

	"rolemine/eval/model"
	"rolemine/features"
)

// Featurizer builds model instances for requests: categorical tokens (the
// entitlement, its application and risk, the requester's attributes) and,
// where the data hold assignments, the numeric signals of features.Signals.
type Featurizer struct {
	m       *features.Matrix
	signals *features.Signals // nil without assignments
}

// NewFeaturizer returns a featurizer over the matrix and signals; both may
// be nil when there are no assignments (requests given by attributes only).
func NewFeaturizer(m *features.Matrix, signals *features.Signals) *Featurizer {
	return &Featurizer{m: m, signals: signals}
}

// SignalNames names the numeric signals of the instances.
func (f *Featurizer) SignalNames() []string {
	if f.signals == nil {
		return nil
	}
	return f.signals.Names()
}

// Bind sets the Row and Col of each request from the matrix ids.
func (f *Featurizer) Bind(reqs []Request) {
	for k := range reqs {
		reqs[k].Row, reqs[k].Col = -1, -1
		if f.m == nil {
			continue
		}
		if i, ok := f.m.RowIndex(reqs[k].Identity); ok {
			reqs[k].Row = i
		}
		if j, ok := f.m.ColIndex(reqs[k].Entitlement); ok {
			reqs[k].Col = j
		}
	}
}

// Instances returns the model instances of reqs, each computed as of
// asOf(k) (its requested_at for history, features.Now for pending
// requests). Labels are set for decided requests.
func (f *Featurizer) Instances(reqs []Request, asOf func(k int) int64) []model.Instance {
	xs := make([]model.Instance, len(reqs))
	// Tokens are built on every core, in parts of consecutive requests.
	const part = 8192
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for lo := 0; lo < len(reqs); lo += part {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			for k := lo; k < min(lo+part, len(reqs)); k++ {
				xs[k] = model.Instance{Tokens: f.tokens(reqs[k]), Label: reqs[k].Approved()}
			}
		})
	}
	wg.Wait()
	if f.signals == nil {
		return xs
	}
	pairs := make([]features.Pair, len(reqs))
	for k, r := range reqs {
		pairs[k] = features.Pair{Row: r.Row, Col: r.Col, AsOf: asOf(k)}
	}
	n := len(f.signals.Names())
	values := f.signals.ComputeAll(nil, pairs)
	for k := range xs {
		xs[k].Numeric = values[k*n : (k+1)*n : (k+1)*n]
	}
	return xs
}

func (f *Featurizer) tokens(r Request) []string {
	t := []string{"entitlement=" + r.Entitlement}
	if r.Application != "" {
		t = append(t, "application="+r.Application)
	}
	if r.InCatalogue && r.Tier != "" {
		t = append(t, "risk="+r.Tier)
	}
	if r.Privileged {
		t = append(t, "privileged=true")
	}
	if f.signals != nil && r.Row >= 0 {
		t = f.signals.AppendTokens(t, r.Row)
	}
	return append(t, r.Attributes...)
}
