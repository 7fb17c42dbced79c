package score

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"rolemine/eval"
)

// syntheticRequests makes n requests by department for entitlements; a
// request "fits" when the entitlement belongs to the department (e mod 4
// = d), and fitting requests are approved with probability 0.995, others
// with 0.3: only department × entitlement tells them apart. It also
// returns each request's true approval probability. With timed, requests
// are spread over two years.
func syntheticRequests(n int, timed bool, seed uint64) ([]Request, []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	reqs := make([]Request, n)
	truth := make([]float64, n)
	for k := range reqs {
		d, e := rng.IntN(4), rng.IntN(40)
		p := 0.3
		if e%4 == d {
			p = 0.995
		}
		truth[k] = p
		decision := "denied"
		if rng.Float64() < p {
			decision = "approved"
		}
		reqs[k] = Request{ID: fmt.Sprintf("r%d", k), Entitlement: fmt.Sprintf("e%d", e), Tier: "low",
			Decision: decision, Attributes: []string{fmt.Sprintf("dept=d%d", d)}, Row: -1, Col: -1}
		if timed {
			reqs[k].RequestedAt = 1_700_000_000 + int64(k)*(2*365*86400/int64(n))
		}
	}
	return reqs, truth
}

// checkNearOracle asserts that the held-out AUC is within 0.03 of the AUC
// of the true probabilities on the same requests: the model learns the
// interaction as well as the data allow.
func checkNearOracle(t *testing.T, bt *Backtest, truth []float64) {
	t.Helper()
	var oracle []float64
	var labels []bool
	for _, k := range bt.Tested() {
		oracle = append(oracle, truth[k])
		labels = append(labels, bt.Requests[k].Approved())
	}
	best, err := eval.ROCAUC(oracle, labels)
	if err != nil {
		t.Fatal(err)
	}
	if auc := bt.Overall.Overall.ROCAUC; auc < best-0.03 {
		t.Errorf("ROC AUC %.3f, want within 0.03 of the true probabilities' %.3f", auc, best)
	}
}

func TestBacktestKFold(t *testing.T) {
	reqs, truth := syntheticRequests(4000, false, 1)
	reqs = append(reqs, Request{ID: "pending", Entitlement: "e1", Tier: "low", Decision: "pending", Row: -1, Col: -1})
	opts := DefaultBacktestOptions
	opts.Thresholds.TargetPrecision = 0.97
	bt, err := RunBacktest(context.Background(), NewFeaturizer(nil, nil), reqs, opts)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bt.Scheme, "5-fold") || len(bt.Requests) != 4000 {
		t.Fatalf("scheme %q with %d requests; want 5-fold over the 4000 decided ones", bt.Scheme, len(bt.Requests))
	}
	for k, p := range bt.Probs {
		if math.IsNaN(p) || p < 0 || p > 1 {
			t.Fatalf("request %d: probability %v", k, p)
		}
	}
	checkNearOracle(t, bt, truth)
	th, ok := bt.Policy.Threshold("low")
	if !ok || !th.OK || th.Lower < 0.97 || th.Approved < opts.Thresholds.MinApproved {
		t.Errorf("low tier threshold %+v: want a qualifying threshold with lower bound ≥ 0.97", th)
	}
}

func TestBacktestRollingLeavesFirstPeriodUntested(t *testing.T) {
	reqs, truth := syntheticRequests(4000, true, 2)
	bt, err := RunBacktest(context.Background(), NewFeaturizer(nil, nil), reqs, DefaultBacktestOptions)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bt.Scheme, "rolling") {
		t.Fatalf("scheme %q, want rolling windows for timed requests", bt.Scheme)
	}
	tested := bt.Tested()
	if len(tested) == 0 || len(tested) == len(reqs) {
		t.Fatalf("%d of %d requests tested: want the later windows only", len(tested), len(reqs))
	}
	// Every tested request is later than every request of the first
	// training period: a window is scored only by the past.
	first := tested[0]
	for k := 0; k < first; k++ {
		if !math.IsNaN(bt.Scores[k]) {
			t.Fatalf("request %d before the first test window has a score", k)
		}
	}
	checkNearOracle(t, bt, truth)
}

func TestBacktestTooFewDecisions(t *testing.T) {
	reqs, _ := syntheticRequests(100, false, 3)
	_, err := RunBacktest(context.Background(), NewFeaturizer(nil, nil), reqs, DefaultBacktestOptions)
	if err == nil || !strings.Contains(err.Error(), "too few") {
		t.Errorf("error %v, want too few decisions", err)
	}
}

func TestFeaturizerTokens(t *testing.T) {
	f := NewFeaturizer(nil, nil)
	r := Request{Entitlement: "e1", Application: "SAP", Tier: "medium", InCatalogue: true, Privileged: true, Attributes: []string{"MGR_ID=7"}}
	got := f.Instances([]Request{r}, func(int) int64 { return 0 })[0].Tokens
	want := "entitlement=e1 application=SAP risk=medium privileged=true MGR_ID=7"
	if strings.Join(got, " ") != want {
		t.Errorf("tokens %q, want %q", got, want)
	}
}

// A timed history so short that the rolling windows would hold out one
// decision (only the last follows the first MinTrain) is backtested by
// k-fold cross-validation, with a warning saying so, instead of failing to
// calibrate.
func TestBacktestShortTimedHistoryFallsBackToKFold(t *testing.T) {
	reqs, _ := syntheticRequests(505, true, 4)
	bt, err := RunBacktest(context.Background(), NewFeaturizer(nil, nil), reqs, DefaultBacktestOptions)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(bt.Scheme, "5-fold") || len(bt.Tested()) != len(reqs) {
		t.Errorf("scheme %q testing %d of %d decisions, want 5-fold over all", bt.Scheme, len(bt.Tested()), len(reqs))
	}
	if len(bt.Warnings) != 1 || !strings.Contains(bt.Warnings[0], "hold out only 1 ") || !strings.Contains(bt.Warnings[0], "cross-validation instead") {
		t.Errorf("warnings %q, want one saying the rolling windows held out 1 decision", bt.Warnings)
	}
	for k, p := range bt.Probs {
		if math.IsNaN(p) || p < 0 || p > 1 {
			t.Fatalf("request %d: probability %v", k, p)
		}
	}
}

func TestSpanText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		90 * 24 * time.Hour: "90 days", 36 * time.Hour: "1 day", 24 * time.Hour: "1 day",
		23*time.Hour + 59*time.Minute: "23 hours", time.Hour: "1 hour", 59 * time.Minute: "59 minutes", 10 * time.Second: "1 minute",
	} {
		if got := spanText(d); got != want {
			t.Errorf("spanText(%v) = %q, want %q", d, got, want)
		}
	}
}
