package model

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rolemine/eval"
)

// synthetic returns n requests over 60 resources, 12 departments and 30
// titles. Department d may use resource r when r%12 == d or r%5 == 0
// (approved 98 % of the time); other requests are approved 60 % of the time.
// The pair resource × department carries the signal.
func synthetic(n int, src rand.Source) []Instance {
	xs, _ := syntheticP(n, src)
	return xs
}

// syntheticP also returns the true approval probabilities.
func syntheticP(n int, src rand.Source) ([]Instance, []float64) {
	rng := rand.New(src)
	xs := make([]Instance, n)
	ps := make([]float64, n)
	for i := range xs {
		r, d, ti := rng.IntN(60), rng.IntN(12), rng.IntN(30)
		p := 0.6
		if r%12 == d || r%5 == 0 {
			p = 0.98
		}
		xs[i] = Instance{
			Tokens: []string{fmt.Sprintf("RESOURCE=%d", r), fmt.Sprintf("DEPT=%d", d), fmt.Sprintf("TITLE=%d", ti)},
			Label:  rng.Float64() < p,
		}
		ps[i] = p
	}
	return xs, ps
}

func TestFitLearnsPairs(t *testing.T) {
	xs, ps := syntheticP(6000, rand.NewPCG(1, 1))
	train, test := xs[:4000], xs[4000:]
	labels := labelsOf(test)
	// The oracle ranks by the true probabilities: no model can expect to
	// do better on these held-out requests.
	oracle, err := eval.ROCAUC(ps[4000:], labels)
	if err != nil {
		t.Fatal(err)
	}
	auc := map[string]float64{}
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"tokens", Options{Lambda: 1, MaxIterations: 200}},
		{"pairs", Options{Pairs: true, Lambda: 1, MaxIterations: 200}},
		{"default", DefaultOptions},
	} {
		m, err := Fit(train, c.opts, rand.NewPCG(2, 2))
		if err != nil {
			t.Fatal(err)
		}
		auc[c.name], err = eval.ROCAUC(m.ScoreTo(nil, test), labels)
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("held-out auc: oracle %.4f, %v", oracle, auc)
	// Resource × department carries the signal: pairs must see what tokens
	// alone cannot, and come within 0.03 of the oracle.
	for _, name := range []string{"pairs", "default"} {
		if auc[name] < oracle-0.03 {
			t.Errorf("%s: auc %.4f, oracle %.4f", name, auc[name], oracle)
		}
		if auc[name] < auc["tokens"]+0.02 {
			t.Errorf("%s: auc %.4f not above tokens alone %.4f", name, auc[name], auc["tokens"])
		}
	}
}

func TestFitDeterministic(t *testing.T) {
	xs := synthetic(2000, rand.NewPCG(3, 3))
	a, err := Fit(xs, DefaultOptions, rand.NewPCG(4, 4))
	if err != nil {
		t.Fatal(err)
	}
	// One worker grows the trees after the regressions, more grow them
	// alongside: the model must not depend on it.
	opts := DefaultOptions
	opts.Workers = 1
	b, err := Fit(xs, opts, rand.NewPCG(4, 4))
	if err != nil {
		t.Fatal(err)
	}
	sa, sb := a.ScoreTo(nil, xs), b.ScoreTo(nil, xs)
	if diff := cmp.Diff(sa, sb); diff != "" {
		t.Errorf("fits with %d and 1 workers differ (-a +b):\n%s", runtime.GOMAXPROCS(0), diff)
	}
	for i := range 50 {
		if s := a.Score(xs[i]); s != sa[i] {
			t.Fatalf("Score %v, ScoreTo %v", s, sa[i])
		}
	}
	labels := labelsOf(xs)
	splits := eval.KFold(len(xs), 4, rand.NewPCG(5, 5))
	one := DefaultOptions
	one.Workers = 1
	o1, err := CrossValidate(xs, splits, one, rand.NewPCG(6, 6))
	if err != nil {
		t.Fatal(err)
	}
	o2, err := CrossValidate(xs, splits, DefaultOptions, rand.NewPCG(6, 6))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o1, o2); diff != "" {
		t.Errorf("cross-validation depends on workers (-1 +n):\n%s", diff)
	}
	_ = labels
	// Explained cross-validation gives the same scores, each explained by
	// the model that gave it: the explanation's score is the held-out one.
	o3, why, err := CrossValidateExplain(xs, splits, DefaultOptions, rand.NewPCG(6, 6), 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(o1, o3); diff != "" {
		t.Errorf("explained cross-validation scores differ (-plain +explained):\n%s", diff)
	}
	for i, e := range why {
		if math.Abs(e.Score-o3[i]) > 1e-9 || len(e.Reasons) == 0 || len(e.Reasons) > 3 {
			t.Fatalf("row %d: explanation of score %v with %d reasons, held-out score %v", i, e.Score, len(e.Reasons), o3[i])
		}
	}
}

func TestFitErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		xs   []Instance
		want string
	}{
		{"empty", nil, "model: no training instances"},
		{"one class", []Instance{{Tokens: []string{"a=1"}, Label: true}, {Tokens: []string{"a=2"}, Label: true}},
			"model: 2 training instances, 2 approved: need both approvals and denials"},
		{"numeric length", []Instance{{Numeric: []float64{1}}, {Numeric: []float64{1, 2}, Label: true}},
			"model: instance 1 has 2 numeric signals, instance 0 has 1"},
		{"NaN", []Instance{{Numeric: []float64{1}}, {Numeric: []float64{math.NaN()}, Label: true}},
			"model: instance 1: numeric signal 0 is NaN"},
	} {
		_, err := Fit(c.xs, DefaultOptions, rand.NewPCG(1, 1))
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

func TestExplain(t *testing.T) {
	xs := synthetic(3000, rand.NewPCG(7, 7))
	for i := range xs {
		xs[i].Numeric = []float64{float64(i % 3)}
	}
	opts := DefaultOptions
	opts.NumericNames = []string{"peer_rate"}
	m, err := Fit(xs, opts, rand.NewPCG(8, 8))
	if err != nil {
		t.Fatal(err)
	}
	x := xs[0]
	all := m.Explain(x, 100)
	if len(all.Reasons) != 3+3+1+1 { // 3 tokens, 3 pairs, the triple (trees only), 1 numeric
		t.Fatalf("%d reasons", len(all.Reasons))
	}
	sum := all.Intercept
	for _, r := range all.Reasons {
		sum += r.Contribution
	}
	if s := m.Score(x); math.Abs(sum-s) > 1e-9 || math.Abs(all.Score-s) > 1e-9 {
		t.Errorf("contributions sum to %v, explanation score %v, Score %v", sum, all.Score, s)
	}
	// The pair's counts are the training decisions that share it.
	var a, n int
	for _, y := range xs {
		if y.Tokens[0] == x.Tokens[0] && y.Tokens[1] == x.Tokens[1] {
			n++
			if y.Label {
				a++
			}
		}
	}
	pair := x.Tokens[0] + " × " + x.Tokens[1]
	found := false
	for _, r := range all.Reasons {
		if r.Feature == pair {
			found = true
			want := fmt.Sprintf("%s: %d of %d past requests approved", pair, a, n)
			if n == 1 {
				want = pair + ": the one past request was " + map[bool]string{true: "approved", false: "denied"}[a == 1]
			}
			if r.Approved != a || r.Seen != n || r.Text != want {
				t.Errorf("pair reason %+v, want %d of %d, %q", r, a, n, want)
			}
		}
	}
	if !found {
		t.Errorf("no reason for %s", pair)
	}
	top := m.Explain(x, 2)
	if len(top.Reasons) != 2 || math.Abs(top.Reasons[0].Contribution) < math.Abs(top.Reasons[1].Contribution) {
		t.Errorf("top reasons %+v", top.Reasons)
	}
	unseen := m.Explain(Instance{Tokens: []string{"RESOURCE=new", "DEPT=1", "TITLE=2"}, Numeric: []float64{0}}, 100)
	for _, r := range unseen.Reasons {
		if strings.HasPrefix(r.Feature, "RESOURCE=new") && !strings.HasSuffix(r.Text, ": no past requests") {
			t.Errorf("unseen reason %q", r.Text)
		}
	}
}

func TestScorePanics(t *testing.T) {
	xs := synthetic(500, rand.NewPCG(9, 9))
	m, err := Fit(xs, DefaultOptions, rand.NewPCG(1, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		r := recover()
		if r == nil || !strings.HasPrefix(fmt.Sprint(r), "model: instance has 1 numeric signals, model expects 0") {
			t.Errorf("panic %v", r)
		}
	}()
	m.Score(Instance{Numeric: []float64{1}})
}

// Folds are fitted largest training set first; equal sizes keep their
// order.
func TestLargestFirst(t *testing.T) {
	splits := []eval.Split{{Train: make([]int, 1)}, {Train: make([]int, 3)}, {Train: make([]int, 2)}, {Train: make([]int, 3)}}
	if diff := cmp.Diff([]int{1, 3, 2, 0}, largestFirst(splits)); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
